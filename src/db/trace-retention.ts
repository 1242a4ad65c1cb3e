/**
 * The retention deletes, as SQL statements (exported so the tests can `EXPLAIN QUERY PLAN` each).
 * One round deletes the span sets of the ≤ n oldest expired traces, then those traces
 * (re-checking `started_at < cutoff`), then ≤ n orphan span sets, in one batch: one HTTP request,
 * one transaction. The set deletes answer, per set, how many spans it held (`returning`), so the
 * cleanup still reports spans.
 *
 * Index use: the expired traces come from `trace_started_at_idx` (`started_at < ?`, covering);
 * their sets from the sets' primary key (started_at, trace_id); orphans from the same key's
 * leading `started_at`.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Database } from "./client";

/** The keys of the `n` oldest traces that started before the cutoff. */
const expiredTraces = (cutoff: number, n: number, columns = sql`id`) =>
  sql`select ${columns} from pipeline_traces where started_at < ${cutoff} order by started_at, id limit ${n}`;

/** Spans per deleted set: what a set delete answers, row by row. */
const SPANS_RETURNED = sql`returning length(ids) / 8 as spans`;

/** Deletes the span sets of the next batch of expired traces (run before the traces themselves). */
export const deleteSpansOfExpiredTraces = (cutoff: number, n: number): SQL =>
  sql`delete from pipeline_span_sets where (started_at, trace_id) in (${expiredTraces(cutoff, n, sql`started_at, id`)}) ${SPANS_RETURNED}`;

/** Deletes the next batch of expired traces; the outer `started_at < cutoff` re-checks each row. */
export const deleteExpiredTraces = (cutoff: number, n: number): SQL =>
  sql`delete from pipeline_traces where id in (${expiredTraces(cutoff, n)}) and started_at < ${cutoff}`;

/**
 * Deletes ≤ n orphan span sets (no trace row) older than the cutoff. Only sets older than the
 * oldest expired trace still present are candidates: a set carries its trace's start, so an
 * older set can have no live trace, and the walk stays short even while a backlog of expired
 * traces remains. The NOT EXISTS re-check keeps a set whose trace is still there.
 */
export const deleteOrphanSpans = (cutoff: number, n: number): SQL => sql`
  delete from pipeline_span_sets where (started_at, trace_id, part) in (
    select s.started_at, s.trace_id, s.part from pipeline_span_sets s
    where s.started_at < coalesce((select min(started_at) from pipeline_traces where started_at < ${cutoff}), ${cutoff})
      and not exists (select 1 from pipeline_traces t where t.id = s.trace_id)
    order by s.started_at
    limit ${n}
  ) ${SPANS_RETURNED}`;

/** What one round deleted. */
export interface RoundResult {
  /** Spans of the expired traces (in their sets). */
  spans: number;
  traces: number;
  /** Spans in orphan sets, and those sets. */
  orphans: number;
  orphanSets: number;
}

/** The spans of the sets a `returning` delete removed. */
export const spansDeleted = (res: { rows: ArrayLike<Record<string, unknown>> }): number =>
  Array.from(res.rows).reduce((n, r) => n + Number(r.spans ?? 0), 0);

/** Runs one round (three deletes) in one batch request. */
export async function deleteExpiredRound(db: Database, cutoff: number, n: number): Promise<RoundResult> {
  const [spans, traces, orphans] = await db.batch([
    db.run(deleteSpansOfExpiredTraces(cutoff, n)),
    db.run(deleteExpiredTraces(cutoff, n)),
    db.run(deleteOrphanSpans(cutoff, n)),
  ]);
  return {
    spans: spansDeleted(spans),
    traces: traces.rowsAffected,
    orphans: spansDeleted(orphans),
    orphanSets: orphans.rows.length,
  };
}

/** How many traces started before the cutoff (read from `trace_started_at_idx`, covering). */
export async function countExpiredTraces(db: Database, cutoff: number): Promise<number> {
  const rows = await db.all<{ n: number }>(
    sql`select count(*) as n from pipeline_traces where started_at < ${cutoff}`,
  );
  return Number(rows[0]?.n ?? 0);
}
