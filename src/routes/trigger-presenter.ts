/** Shapes the engine's run into the trigger answer (and the dry run's, with spans inline). */
import type { SpanRow, TraceRow } from "../db/schema";
import { expandSpanAttributes, type TraceInputs, traceInputs } from "../engine/stored-trace";
import type { RunOutput } from "../engine/types";
import { parseJsonColumn } from "../lib/json-column";

/** The trigger answer: optional fields appear only when they say something. */
export function presentResult(run: RunOutput) {
  const { result, trace } = run;
  return {
    trace_id: trace.id,
    status: result.status,
    decision: result.decision,
    data: result.data as Record<string, unknown>,
    ...(result.blocked_by ? { blocked_by: result.blocked_by } : {}),
    ...(result.errors.length > 0 ? { errors: result.errors } : {}),
    duration_ms: trace.durationMs,
  };
}

/** The dry run's spans as the API shows them, each with its full input (see stored-trace.ts). */
export function presentSpans(trace: TraceRow, spans: SpanRow[]) {
  const inputs = traceInputs(trace);
  return spans.map((s) => presentSpan(s, inputs));
}

/** A span as the API shows it: snake_case, attributes as JSON. */
function presentSpan(s: SpanRow, inputs: TraceInputs) {
  return {
    id: s.id,
    trace_id: s.traceId,
    parent_span_id: s.parentSpanId ?? null,
    name: s.name,
    kind: s.kind ?? "INTERNAL",
    script_id: s.scriptId,
    script_version: s.scriptVersion ?? null,
    layer_index: s.layerIndex,
    parallel_index: s.parallelIndex,
    status: s.status,
    status_message: s.statusMessage ?? null,
    started_at: s.startedAt,
    ended_at: s.endedAt,
    duration_ms: s.durationMs,
    attributes: parseJsonColumn(expandSpanAttributes(s.attributes, s, inputs)),
  };
}
