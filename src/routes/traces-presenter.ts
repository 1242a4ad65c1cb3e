/** Turns trace and span rows into the API's snake_case shapes, JSON columns parsed. */
import type { SpanReadRow, TraceFullRow, TracePageQuery, TraceSummaryRow } from "../db/trace-queries";
import { parseJsonColumn } from "../lib/json-column";
import type { TraceListQuery } from "../schemas/traces";

/** A list row (no context/result: they stay in the detail view, so pages stay small). */
export function presentTraceSummary(t: TraceSummaryRow) {
  return {
    id: t.id,
    root_span_id: t.rootSpanId,
    trigger_event: t.triggerEvent,
    status: t.status,
    decision: t.decision,
    status_message: t.statusMessage,
    started_at: t.startedAt,
    ended_at: t.endedAt,
    duration_ms: t.durationMs,
    user_id: t.userId,
    request_ip: t.requestIp,
  };
}

export function presentSpan(s: SpanReadRow) {
  return {
    id: s.id,
    parent_span_id: s.parentSpanId,
    name: s.name,
    kind: s.kind,
    script_id: s.scriptId,
    script_version: s.scriptVersion,
    layer_index: s.layerIndex,
    parallel_index: s.parallelIndex,
    status: s.status,
    status_message: s.statusMessage,
    started_at: s.startedAt,
    ended_at: s.endedAt,
    duration_ms: s.durationMs,
    attributes: parseJsonColumn(s.attributes),
  };
}

/** The full trace: summary fields, parsed context and result, spans in execution order. */
export function presentTraceDetail(t: TraceFullRow, spans: SpanReadRow[]) {
  return {
    ...presentTraceSummary(t),
    context_snapshot: parseJsonColumn(t.contextSnapshot),
    result_data: parseJsonColumn(t.resultData),
    spans: spans.map(presentSpan),
  };
}

/** The validated query parameters → the repository's page query. */
export function toPageQuery(q: TraceListQuery): TracePageQuery {
  return {
    triggerEvent: q.trigger_event,
    status: q.status,
    decision: q.decision,
    userId: q.user_id,
    requestIp: q.request_ip,
    scriptId: q.script_id,
    since: q.since,
    until: q.until,
    minDurationMs: q.min_duration_ms,
    limit: q.limit,
    cursor: q.cursor,
  };
}
