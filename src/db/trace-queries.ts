/**
 * Reads of stored traces and spans: the filtered, keyset-paginated list (newest first), one trace
 * with its spans, and the spans of a page of traces (for bulk OTLP export).
 *
 * Every read is shaped for an index: the list walks one of the `trace_*_started_idx` indexes
 * backwards from the cursor, `script_id` is an EXISTS probe on `span_trace_order_idx` (forced), spans come
 * from `span_trace_order_idx` in (layer_index, parallel_index) order.
 *
 * Spans come back in full (`withFullSpans`): each span's input rebuilt from the trace's context
 * and per-layer prev, and a null parent read as the trace's root span.
 */
import { and, asc, desc, eq, gte, inArray, lt, type SQL, sql } from "drizzle-orm";
import { expandSpanAttributes, traceInputs } from "../engine/stored-trace";
import type { Cursor } from "../lib/time-params";
import type { Database } from "./client";
import { type Decision, pipelineSpans, pipelineTraces, type TraceStatus } from "./schema";

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
export type SpanReadRow = typeof pipelineSpans.$inferSelect;

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
    // A probe per candidate trace by trace_id. INDEXED BY: without ANALYZE statistics SQLite may
    // pick another index over pipeline_spans (e.g. one added later) and read far more spans.
    q.scriptId !== undefined
      ? sql`exists (select 1 from pipeline_spans indexed by span_trace_order_idx where pipeline_spans.trace_id = ${t.id} and pipeline_spans.script_id = ${q.scriptId})`
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
  const traceIds = traces.map((t) => t.id);
  const byTrace = new Map<string, SpanReadRow[]>(traceIds.map((id) => [id, []]));
  if (traceIds.length === 0) return byTrace;
  const s = pipelineSpans;
  const rows = await db
    .select()
    .from(s)
    .where(inArray(s.traceId, traceIds))
    .orderBy(asc(s.traceId), asc(s.layerIndex), asc(s.parallelIndex), asc(s.startedAt));
  for (const row of rows) byTrace.get(row.traceId)?.push(row);
  for (const t of traces) byTrace.set(t.id, withFullSpans(t, byTrace.get(t.id) ?? []));
  return byTrace;
}

/** One trace with its spans, or null when the id is unknown. */
export async function getTraceWithSpans(
  db: Database,
  id: string,
): Promise<{ trace: TraceFullRow; spans: SpanReadRow[] } | null> {
  const [traces, spans] = await db.batch([
    db.select(fullColumns).from(pipelineTraces).where(eq(pipelineTraces.id, id)),
    db
      .select()
      .from(pipelineSpans)
      .where(eq(pipelineSpans.traceId, id))
      .orderBy(asc(pipelineSpans.layerIndex), asc(pipelineSpans.parallelIndex), asc(pipelineSpans.startedAt)),
  ]);
  const trace = traces[0];
  return trace ? { trace: trace as TraceFullRow, spans: withFullSpans(trace as TraceFullRow, spans) } : null;
}
