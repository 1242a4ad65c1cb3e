/**
 * Writes finished traces: every trace and span of a flush in one `batch` (one HTTP request to
 * Turso, one transaction). Inserts are idempotent (`ON CONFLICT DO NOTHING` on the random ids),
 * so a retried flush can never duplicate a row or fail on one already written. Spans are stored
 * compact: a parent that is the trace's root span is stored as null (read back as the root).
 * The same batch (first, before the inserts) upserts the flush's per-minute stats rollups
 * (src/db/rollups.ts), counting only the rows not stored yet: a redelivery counts nothing twice.
 */
import { rollupContributions } from "../stats/rollup";
import type { Database } from "./client";
import { rollupUpsert } from "./rollups";
import { pipelineSpans, pipelineTraces, type SpanRow, type TraceRow } from "./schema";

/** A trace and its spans, exactly as stored. */
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

/** Inserts the records in one batch request. Throws when the database does not commit it. */
export async function insertTraceRecords(db: Database, records: TraceRecord[]): Promise<void> {
  const traces = records.map((r) => r.trace);
  const spans = records.flatMap(({ trace, spans }) =>
    spans.map((s) => (s.parentSpanId === trace.rootSpanId ? { ...s, parentSpanId: null } : s)),
  );
  const rollups = rollupUpsert(rollupContributions(records));
  const statements = [
    ...(rollups ? [db.run(rollups)] : []),
    ...chunks(traces, ROWS_PER_STATEMENT).map((rows) =>
      db.insert(pipelineTraces).values(rows).onConflictDoNothing(),
    ),
    ...chunks(spans, ROWS_PER_STATEMENT).map((rows) =>
      db.insert(pipelineSpans).values(rows).onConflictDoNothing(),
    ),
  ];
  const [first, ...rest] = statements;
  if (!first) return;
  await db.batch([first, ...rest]);
}
