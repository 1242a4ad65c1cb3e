/**
 * Row 12: what a stored trace costs. `calls` trigger calls of the example pipeline from `clients`
 * loops (each with this run's user id prefix); after they are stored, the bytes the trace tables,
 * their indexes and the rollups grew by (SQLite's dbstat: pages × page size, indexes included) per
 * trace, and the rows written per trace: the trace row, its span set row (all its spans, packed), and the rollup rows the
 * flushes upserted (one per trigger and per script for each flush, counted from the server's
 * request log: flushes × distinct rollup keys of the example, 1 + 9).
 */
import { readSampleContexts } from "../tools/seed";
import { countKinds, dbStats, resetDbStats, timedTrigger } from "./client";
import { type Db, rowsOfRun, waitForTraces } from "./db-file";

export interface StorageResult {
  calls: number;
  traces: number;
  spans: number;
  flushes: number;
  bytes: number;
  bytesPerTrace: number;
  fileBytesPerTrace: number;
  rowsPerTrace: number;
  byObject: { name: string; bytesPerTrace: number }[];
}

const OBJECTS =
  "name like 'pipeline_traces%' or name like 'pipeline_span%' or name like 'pipeline_rollups%' or name like 'trace_%' or name like 'span_%' or name like 'sqlite_autoindex_pipeline_traces%' or name like 'sqlite_autoindex_pipeline_span%' or name like 'sqlite_autoindex_pipeline_rollups%'";

function sizes(db: Db): Map<string, number> {
  const rows = db
    .prepare(`select name, sum(pgsize) as bytes from dbstat where ${OBJECTS} group by name`)
    .all() as { name: string; bytes: number }[];
  return new Map(rows.map((r) => [r.name, r.bytes]));
}

const fileBytes = (db: Db) =>
  (db.pragma("page_count", { simple: true }) as number) *
  (db.pragma("page_size", { simple: true }) as number);

/** Runs the calls and measures the growth. */
export async function measureStorage(
  onUrl: string,
  dbUrl: string,
  reader: Db,
  calls: number,
  clients: number,
  signal: AbortSignal,
): Promise<StorageResult> {
  const prefix = `bench-storage-${Date.now().toString(36)}-`;
  const { allowed, blocked } = readSampleContexts();
  const before = sizes(reader);
  const fileBefore = fileBytes(reader);
  await resetDbStats(dbUrl);
  let next = 0;
  let answered = 0;
  const loop = async () => {
    while (next < calls && !signal.aborted) {
      const i = next++;
      const base = (i % 2 === 0 ? allowed : blocked) as { user: object };
      try {
        await timedTrigger(onUrl, { ...base, user: { ...base.user, id: `${prefix}${i}` } });
        answered++;
      } catch {}
    }
  };
  await Promise.all(Array.from({ length: clients }, loop));
  await waitForTraces(reader, prefix, answered, 60_000, 1000);
  const kinds = countKinds((await dbStats(dbUrl)).requests);
  const rows = rowsOfRun(reader, prefix);
  const after = sizes(reader);
  const byObject = [...after.entries()]
    .map(([name, bytes]) => ({
      name,
      bytesPerTrace: (bytes - (before.get(name) ?? 0)) / Math.max(1, rows.traces),
    }))
    .filter((o) => o.bytesPerTrace > 0.5)
    .sort((a, b) => b.bytesPerTrace - a.bytesPerTrace);
  const bytes = byObject.reduce((s, o) => s + o.bytesPerTrace, 0) * rows.traces;
  const rollupRows = kinds.trace_insert * 10;
  return {
    calls: answered,
    traces: rows.traces,
    spans: rows.spans,
    flushes: kinds.trace_insert,
    bytes,
    bytesPerTrace: bytes / Math.max(1, rows.traces),
    fileBytesPerTrace: (fileBytes(reader) - fileBefore) / Math.max(1, rows.traces),
    rowsPerTrace: (rows.traces + rows.spanSets + rollupRows) / Math.max(1, rows.traces),
    byObject,
  };
}

/** The row's Markdown section. */
export function storageSection(r: StorageResult): string {
  const objects = r.byObject.map((o) => `| ${o.name} | ${o.bytesPerTrace.toFixed(0)} |`).join("\n");
  return `## 7. Storage per trace (${r.calls} calls)

Method: ${r.calls} trigger calls of the example pipeline (50 clients) on the tracing-on worker; once all
${r.traces} traces are stored, the growth of every trace, span and rollup table and index (SQLite
\`dbstat\`: pages × page size) divided by the traces; the file's growth (page_count × page_size)
beside it. Rows written per trace = (trace rows + span set rows + rollup upserts) / traces, rollup
upserts = ${r.flushes} flushes × 10 rollup rows (the trigger's and the nine scripts').

| bytes per trace (tables + indexes) | file bytes per trace | rows written per trace | traces | spans | flushes |
|---:|---:|---:|---:|---:|---:|
| **${r.bytesPerTrace.toFixed(0)}** | ${r.fileBytesPerTrace.toFixed(0)} | ${r.rowsPerTrace.toFixed(2)} | ${r.traces} | ${r.spans} | ${r.flushes} |

| table or index | bytes per trace |
|---|---:|
${objects}`;
}
