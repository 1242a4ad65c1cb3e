/**
 * Writes finished traces: every trace and its spans of a flush in one `batch` (one HTTP request
 * to Turso, one transaction). Inserts are idempotent (`ON CONFLICT DO NOTHING` on the random trace
 * ids; a span set only when it brings a span id not stored yet), so a retried flush can never
 * duplicate a row or fail on one already written. A trace's spans are stored packed, one
 * `pipeline_span_sets` row per trace (src/db/span-sets.ts).
 * The same batch (first, before the inserts) upserts the flush's per-minute stats rollups
 * (src/db/rollups.ts), counting only the rows not stored yet: a redelivery counts nothing twice.
 */
import { rollupContributions } from "../stats/rollup";
import type { Database } from "./client";
import { rollupUpsert } from "./rollups";
import { pipelineTraces, type SpanRow, type TraceRow } from "./schema";
import { spanSetWrites } from "./span-sets";

/** A trace and its spans, exactly as the engine built them. */
export interface TraceRecord {
  trace: TraceRow;
  spans: SpanRow[];
}

/** Rows per INSERT statement, well under SQLite's bound-parameter limit (≤ 20 columns × 500). */
const ROWS_PER_STATEMENT = 500;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The records with the parts of a split trace joined (first trace row wins, each span id once). */
export function joinRecords(records: TraceRecord[]): TraceRecord[] {
  const byId = new Map<string, TraceRecord>();
  for (const r of records) {
    const seen = byId.get(r.trace.id);
    if (!seen) byId.set(r.trace.id, { trace: r.trace, spans: [...r.spans] });
    else {
      const ids = new Set(seen.spans.map((s) => s.id));
      seen.spans.push(...r.spans.filter((s) => !ids.has(s.id)));
    }
  }
  return [...byId.values()];
}

/** Inserts the records in one batch request. Throws when the database does not commit it. */
export async function insertTraceRecords(db: Database, records: TraceRecord[]): Promise<void> {
  const joined = joinRecords(records);
  const rollups = rollupUpsert(rollupContributions(joined));
  const spans = await spanSetWrites(joined);
  const statements = [
    ...(rollups ? [db.run(rollups)] : []),
    ...(spans?.heads ? [db.run(spans.heads)] : []),
    ...chunks(
      joined.map((r) => r.trace),
      ROWS_PER_STATEMENT,
    ).map((rows) => db.insert(pipelineTraces).values(rows).onConflictDoNothing()),
    ...(spans ? [db.run(spans.sets)] : []),
  ];
  const [first, ...rest] = statements;
  if (!first) return;
  await db.batch([first, ...rest]);
}
