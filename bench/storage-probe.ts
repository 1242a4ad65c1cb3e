/**
 * Storage probe (Node, in-process, no workers): what a stored example trace costs, measured
 * without wrangler so it can run on a busy machine and on an older tree for a before/after.
 * The warm engine runs the example pipeline on its two sample contexts (alternating, as the
 * bench does) `traces` times; the records are written with the writer's own statement
 * (`insertTraceRecords`) into a fresh SQLite file migrated with this tree's migrations, in
 * flushes of `perFlush` traces. Reported: bytes per trace of the trace/span/rollup tables and
 * their indexes (SQLite dbstat, pages × page size), and rows written per trace (the connection's
 * `total_changes()`: trace rows, span set rows, span heads rows and rollup upserts).
 * Alone: npx tsx bench/storage-probe.ts [traces=10000] [perFlush=1]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "@libsql/client";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import * as schema from "../src/db/schema";
import { insertTraceRecords, type TraceRecord } from "../src/db/trace-writes";
import { ScriptEngine } from "../src/engine";
import { readExamples, readSampleContexts } from "../tools/seed";
import { exampleSpecs } from "./engine";

const MIGRATIONS = fileURLToPath(new URL("../migrations", import.meta.url));

export interface ProbeResult {
  traces: number;
  perFlush: number;
  bytesPerTrace: number;
  rowsPerTrace: number;
  byObject: { name: string; bytesPerTrace: number }[];
}

export async function probeStorage(traces: number, perFlush: number): Promise<ProbeResult> {
  const dir = mkdtempSync(join(tmpdir(), "hookline-storage-probe-"));
  const file = join(dir, "probe.db");
  const client = createClient({ url: `file:${file}` });
  try {
    const db = drizzle(client, { schema });
    await migrate(db, { migrationsFolder: MIGRATIONS });
    const changes = async () => Number((await client.execute("select total_changes() as n")).rows[0]?.n ?? 0);
    const before = await changes();
    const engine = new ScriptEngine();
    const scripts = exampleSpecs(readExamples());
    const contexts = Object.values(readSampleContexts()) as object[];
    let pending: TraceRecord[] = [];
    for (let i = 0; i < traces; i++) {
      const context = { ...(contexts[i % contexts.length] as object), user: { id: `probe-${i}` } };
      const { trace, spans } = await engine.run({
        triggerEvent: "before_signin",
        context: context as never,
        scripts,
      });
      pending.push({ trace, spans });
      if (pending.length >= perFlush) {
        await insertTraceRecords(db as never, pending);
        pending = [];
      }
    }
    if (pending.length) await insertTraceRecords(db as never, pending);
    const rowsWritten = (await changes()) - before;
    client.close();
    const reader = new Database(file, { readonly: true });
    const rows = reader
      .prepare(
        `select name, sum(pgsize) as bytes from dbstat where name like 'pipeline_traces%' or name like 'pipeline_span%'
         or name like 'pipeline_rollups%' or name like 'trace_%' or name like 'span_%'
         or name like 'sqlite_autoindex_pipeline_traces%' or name like 'sqlite_autoindex_pipeline_span%'
         or name like 'sqlite_autoindex_pipeline_rollups%' group by name order by bytes desc`,
      )
      .all() as { name: string; bytes: number }[];
    reader.close();
    const total = rows.reduce((n, r) => n + r.bytes, 0);
    return {
      traces,
      perFlush,
      bytesPerTrace: total / traces,
      rowsPerTrace: rowsWritten / traces,
      byObject: rows.map((r) => ({ name: r.name, bytesPerTrace: r.bytes / traces })),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await probeStorage(Number(process.argv[2] ?? 10_000), Number(process.argv[3] ?? 1));
  console.log(
    `${r.traces} traces, ${r.perFlush} per flush: ${r.bytesPerTrace.toFixed(0)} B/trace, ${r.rowsPerTrace.toFixed(2)} rows written/trace`,
  );
  for (const o of r.byObject) console.log(`  ${o.name}: ${o.bytesPerTrace.toFixed(0)} B/trace`);
}
