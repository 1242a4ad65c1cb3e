/**
 * Reads for `GET /v1/stats`: the newest traces of a time window (at most `STATS_MAX_TRACES`) and
 * the spans of exactly those traces (at most `STATS_MAX_SPANS`), in one batch (one round trip,
 * one snapshot). The trace read walks `trace_trigger_started_idx` (with a trigger) or
 * `trace_started_at_idx`; spans come from `span_trace_order_idx`. The work is bounded by the caps.
 */
import { and, desc, eq, gte, lt, ne } from "drizzle-orm";
import type { SpanStatRow, TraceStatRow } from "../stats/aggregate";
import type { Database } from "./client";
import { pipelineSpans, pipelineTraces } from "./schema";

export const STATS_MAX_TRACES = 10_000;
export const STATS_MAX_SPANS = 50_000;

export interface StatsWindow {
  since: number;
  until: number;
  triggerEvent?: string;
}

export interface StatsRows {
  traces: (TraceStatRow & { startedAt: number })[];
  spans: SpanStatRow[];
  /** True when a cap cut the window short (the figures then cover the newest rows only). */
  truncated: boolean;
}

/** Builds the two statements (exported for the tests' EXPLAIN QUERY PLAN). */
export function statsStatements(
  db: Database,
  w: StatsWindow,
  maxTraces = STATS_MAX_TRACES,
  maxSpans = STATS_MAX_SPANS,
) {
  const t = pipelineTraces;
  const where = and(
    w.triggerEvent !== undefined ? eq(t.triggerEvent, w.triggerEvent) : undefined,
    gte(t.startedAt, w.since),
    lt(t.startedAt, w.until),
  );
  const newest = (limit: number) =>
    db
      .select({
        id: t.id,
        triggerEvent: t.triggerEvent,
        status: t.status,
        durationMs: t.durationMs,
        startedAt: t.startedAt,
      })
      .from(t)
      .where(where)
      .orderBy(desc(t.startedAt), desc(t.id))
      .limit(limit);
  const window = db.$with("stats_window").as(newest(maxTraces));
  const spans = db
    .with(window)
    .select({
      triggerEvent: window.triggerEvent,
      scriptId: pipelineSpans.scriptId,
      status: pipelineSpans.status,
      durationMs: pipelineSpans.durationMs,
    })
    .from(window)
    // CLIENT spans (outbound HTTP calls) belong to a script run, not a run of their own.
    .innerJoin(pipelineSpans, and(eq(pipelineSpans.traceId, window.id), ne(pipelineSpans.kind, "CLIENT")))
    .limit(maxSpans + 1);
  return { traces: newest(maxTraces + 1), spans };
}

/** Reads the rows behind the statistics of one window. */
export async function readStatsRows(
  db: Database,
  w: StatsWindow,
  maxTraces = STATS_MAX_TRACES,
  maxSpans = STATS_MAX_SPANS,
): Promise<StatsRows> {
  const q = statsStatements(db, w, maxTraces, maxSpans);
  const [traces, spans] = await db.batch([q.traces, q.spans]);
  const truncated = traces.length > maxTraces || spans.length > maxSpans;
  return { traces: traces.slice(0, maxTraces), spans: spans.slice(0, maxSpans), truncated };
}
