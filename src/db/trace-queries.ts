/**
 * Reads of stored traces and spans: the filtered, keyset-paginated list (newest first), one trace
 * with its spans, and the spans of a page of traces (for bulk OTLP export).
 *
 * Every read is shaped for an index: the list walks one of the `trace_*_started_idx` indexes
 * backwards from the cursor; `script_id` is an EXISTS probe per candidate trace on the span
 * sets' primary key (started_at, trace_id), against the heads lists naming the script (one pass
 * over the small heads table per query); spans come from the span
 * sets by the same key (src/db/span-sets.ts), in (layer_index, parallel_index, started_at) order.
 *
 * Spans come back in full (`withFullSpans`): unpacked, each span's input rebuilt from the trace's
 * context and per-layer prev, and a null parent read as the trace's root span.
 */
import { and, desc, eq, gte, lt, type SQL, sql } from "drizzle-orm";
import { expandSpanAttributes, traceInputs } from "../engine/stored-trace";
import type { Cursor } from "../lib/time-params";
import type { Database } from "./client";
import { type Decision, pipelineTraces, type SpanReadRow, type TraceStatus } from "./schema";
import { readSpanSets, type SetRow, spanSetsOfTrace, spansFromSetRows } from "./span-sets";

export type { SpanReadRow };

/** Filters of `GET /v1/traces` and `GET /v1/traces/otlp`. Instants are Unix ms. */
export interface TraceFilter {
  triggerEvent?: string;
  status?: TraceStatus;
  decision?: Decision;
  userId?: string;
  requestIp?: string;
  scriptId?: string;
  /** Inclusive, on `started_at`. */
  since?: number;
  /** Exclusive, on `started_at`. */
  until?: number;
  minDurationMs?: number;
}

/** One page request: filters, page size, and where the previous page ended. */
export interface TracePageQuery extends TraceFilter {
  limit: number;
  cursor?: Cursor;
}

const summaryColumns = {
  id: pipelineTraces.id,
  rootSpanId: pipelineTraces.rootSpanId,
  triggerEvent: pipelineTraces.triggerEvent,
  status: pipelineTraces.status,
  decision: pipelineTraces.decision,
  statusMessage: pipelineTraces.statusMessage,
  startedAt: pipelineTraces.startedAt,
  endedAt: pipelineTraces.endedAt,
  durationMs: pipelineTraces.durationMs,
  userId: pipelineTraces.userId,
  requestIp: pipelineTraces.requestIp,
};

const fullColumns = {
  ...summaryColumns,
  contextSnapshot: pipelineTraces.contextSnapshot,
  layerPrev: pipelineTraces.layerPrev,
  resultData: pipelineTraces.resultData,
};

type TraceSelect = typeof pipelineTraces.$inferSelect;
/** A list row: everything but the JSON columns. */
export type TraceSummaryRow = Pick<TraceSelect, keyof typeof summaryColumns>;
/** A trace row with its JSON columns (still as text). */
export type TraceFullRow = Pick<TraceSelect, keyof typeof fullColumns>;

/** The WHERE clause of a page: filters, then the keyset condition `(started_at, id) < cursor`. */
function pageWhere(q: TracePageQuery): SQL | undefined {
  const t = pipelineTraces;
  const conditions: (SQL | undefined)[] = [
    q.triggerEvent !== undefined ? eq(t.triggerEvent, q.triggerEvent) : undefined,
    q.status !== undefined ? eq(t.status, q.status) : undefined,
    q.decision !== undefined ? eq(t.decision, q.decision) : undefined,
    q.userId !== undefined ? eq(t.userId, q.userId) : undefined,
    q.requestIp !== undefined ? eq(t.requestIp, q.requestIp) : undefined,
    q.since !== undefined ? gte(t.startedAt, q.since) : undefined,
    q.until !== undefined ? lt(t.startedAt, q.until) : undefined,
    q.minDurationMs !== undefined ? gte(t.durationMs, q.minDurationMs) : undefined,
    // A probe per candidate trace: its span sets by primary key, each set's heads key checked
    // against the heads lists naming the script (an uncorrelated list, computed once per query:
    // one pass over pipeline_span_heads, a row per distinct script list). A CLIENT span's script
    // is its parent script span's, so the heads cover it.
    q.scriptId !== undefined
      ? sql`exists (select 1 from pipeline_span_sets ss where ss.started_at = ${t.startedAt} and ss.trace_id = ${t.id}
          and ss.heads in (select sh.id from pipeline_span_heads sh, json_each(sh.heads) sj where sj.value ->> 0 = ${q.scriptId}))`
      : undefined,
    // A row value comparison, so SQLite seeks the (…, started_at, id) index straight to the cursor.
    q.cursor !== undefined
      ? sql`(${t.startedAt}, ${t.id}) < (${q.cursor.startedAt}, ${q.cursor.id})`
      : undefined,
  ];
  return and(...conditions);
}

/** Builds the page query (also used by the tests' EXPLAIN QUERY PLAN). Fetches limit + 1 rows. */
export function tracePageStatement(db: Database, q: TracePageQuery, full = false) {
  return db
    .select(full ? fullColumns : summaryColumns)
    .from(pipelineTraces)
    .where(pageWhere(q))
    .orderBy(desc(pipelineTraces.startedAt), desc(pipelineTraces.id))
    .limit(q.limit + 1);
}

/** One page, newest first, and the cursor of the next page (null on the last page). */
export interface TracePage<R> {
  rows: R[];
  next: Cursor | null;
}

/**
 * Lists traces matching `q`, newest first by (started_at desc, id desc).
 * @param full also read `context_snapshot` and `result_data` (for export; the list leaves them out).
 */
export async function listTraces(
  db: Database,
  q: TracePageQuery,
  full: true,
): Promise<TracePage<TraceFullRow>>;
export async function listTraces(
  db: Database,
  q: TracePageQuery,
  full?: false,
): Promise<TracePage<TraceSummaryRow>>;
export async function listTraces(
  db: Database,
  q: TracePageQuery,
  full = false,
): Promise<TracePage<TraceSummaryRow>> {
  const rows = (await tracePageStatement(db, q, full)) as TraceSummaryRow[];
  const hasMore = rows.length > q.limit;
  const page = hasMore ? rows.slice(0, q.limit) : rows;
  const last = page[page.length - 1];
  return { rows: page, next: hasMore && last ? { startedAt: last.startedAt, id: last.id } : null };
}

/** The full spans of one trace from their stored rows (see src/engine/stored-trace.ts). */
export function withFullSpans(trace: TraceFullRow, rows: SpanReadRow[]): SpanReadRow[] {
  const inputs = traceInputs(trace);
  return rows.map((s) => ({
    ...s,
    parentSpanId: s.parentSpanId ?? trace.rootSpanId,
    attributes: expandSpanAttributes(s.attributes, s, inputs),
  }));
}

/** Full spans of the given traces, grouped by trace id, each group in (layer_index, parallel_index) order. */
export async function spansOfTraces(
  db: Database,
  traces: TraceFullRow[],
): Promise<Map<string, SpanReadRow[]>> {
  const stored = await readSpanSets(db, traces);
  return new Map(traces.map((t) => [t.id, withFullSpans(t, stored.get(t.id) ?? [])]));
}

/** One trace with its spans, or null when the id is unknown. */
export async function getTraceWithSpans(
  db: Database,
  id: string,
): Promise<{ trace: TraceFullRow; spans: SpanReadRow[] } | null> {
  const [traces, sets] = await db.batch([
    db.select(fullColumns).from(pipelineTraces).where(eq(pipelineTraces.id, id)),
    db.all<SetRow>(spanSetsOfTrace(id)),
  ]);
  const trace = traces[0] as TraceFullRow | undefined;
  if (!trace) return null;
  const spans = spansFromSetRows([id], sets).get(id) ?? [];
  return { trace, spans: withFullSpans(trace, spans) };
}
