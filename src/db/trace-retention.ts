/**
 * The retention deletes, as SQL statements (exported so the tests can `EXPLAIN QUERY PLAN` each).
 * One round deletes the spans of the ≤ n oldest expired traces, then those traces (re-checking
 * `started_at < cutoff`), then ≤ n orphan spans, in one batch: one HTTP request, one transaction.
 *
 * Index use: the expired traces come from `trace_started_at_idx` (`started_at < ?`, covering);
 * their spans from `span_trace_order_idx` (`trace_id = ?`); orphans from `span_started_at_idx`.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Database } from "./client";

/** The ids of the `n` oldest traces that started before the cutoff. */
const expiredTraceIds = (cutoff: number, n: number) =>
  sql`select id from pipeline_traces where started_at < ${cutoff} order by started_at, id limit ${n}`;

/** Deletes the spans of the next batch of expired traces (run before the traces themselves). */
export const deleteSpansOfExpiredTraces = (cutoff: number, n: number): SQL =>
  sql`delete from pipeline_spans where trace_id in (${expiredTraceIds(cutoff, n)})`;

/** Deletes the next batch of expired traces; the outer `started_at < cutoff` re-checks each row. */
export const deleteExpiredTraces = (cutoff: number, n: number): SQL =>
  sql`delete from pipeline_traces where id in (${expiredTraceIds(cutoff, n)}) and started_at < ${cutoff}`;

/**
 * Deletes ≤ n orphan spans (no trace row) older than the cutoff. Only spans older than the oldest
 * expired trace still present are candidates: spans start no earlier than their trace, so older
 * spans can have no live trace, and the scan stays short even while a backlog of expired traces
 * remains. The NOT EXISTS re-check keeps a span whose trace is still there (clock skew).
 */
export const deleteOrphanSpans = (cutoff: number, n: number): SQL => sql`
  delete from pipeline_spans where id in (
    select s.id from pipeline_spans s
    where s.started_at < coalesce((select min(started_at) from pipeline_traces where started_at < ${cutoff}), ${cutoff})
      and not exists (select 1 from pipeline_traces t where t.id = s.trace_id)
    order by s.started_at
    limit ${n}
  )`;

/** What one round deleted. */
export interface RoundResult {
  spans: number;
  traces: number;
  orphans: number;
}

/** Runs one round (three deletes) in one batch request. */
export async function deleteExpiredRound(db: Database, cutoff: number, n: number): Promise<RoundResult> {
  const [spans, traces, orphans] = await db.batch([
    db.run(deleteSpansOfExpiredTraces(cutoff, n)),
    db.run(deleteExpiredTraces(cutoff, n)),
    db.run(deleteOrphanSpans(cutoff, n)),
  ]);
  return { spans: spans.rowsAffected, traces: traces.rowsAffected, orphans: orphans.rowsAffected };
}

/** How many traces started before the cutoff (read from `trace_started_at_idx`, covering). */
export async function countExpiredTraces(db: Database, cutoff: number): Promise<number> {
  const rows = await db.all<{ n: number }>(
    sql`select count(*) as n from pipeline_traces where started_at < ${cutoff}`,
  );
  return Number(rows[0]?.n ?? 0);
}
