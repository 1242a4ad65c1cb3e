/**
 * Builds the stored rows of one pipeline run: a `TraceRow` (the trigger's own span, id =
 * `rootSpanId`), one `SpanRow` per script (parent = the root span) and one CLIENT `SpanRow` per
 * http.fetch call (parent = its script's span; OpenTelemetry HTTP attributes, no bodies), exactly
 * the insert types of src/db/schema.ts. Everything stored is redacted, then capped (redact.ts).
 * The rows are in the compact stored shape (see stored-trace.ts): the context once per trace,
 * `prev` once per layer, no per-span `input`.
 */
import type { SpanRow, TraceRow } from "../db/schema";
import type { HttpCallRecord } from "./http-call";
import { TraceIds } from "./ids";
import type { ScriptRecord } from "./pipeline";
import { capJsonText, type Redactor } from "./redact";
import { layerPrevOf } from "./stored-trace";
import type { JsonObject, JsonValue, PipelineResult } from "./types";

export interface TraceInput {
  triggerEvent: string;
  context: JsonObject;
  result: PipelineResult;
  records: ScriptRecord[];
  startedAt: number;
  durationMs: number;
  userId: string | null;
  requestIp: string | null;
  redactor: Redactor;
  maxFieldBytes: number;
}

const MAX_MESSAGE_CHARS = 1000;

function clip(s: string | null): string | null {
  return s === null || s.length <= MAX_MESSAGE_CHARS ? s : `${s.slice(0, MAX_MESSAGE_CHARS - 1)}…`;
}

/** The trace's status message: the block reason, the fail-closed error, or the listed errors. */
export function traceMessage(result: PipelineResult): string | null {
  const listed = result.errors.map((e) => `${e.name}: ${e.message}`);
  if (result.blocked_by) {
    const { name, reason } = result.blocked_by;
    return listed.length
      ? `blocked by ${name}: ${reason} (errors: ${listed.join("; ")})`
      : `blocked by ${name}: ${reason}`;
  }
  if (result.status === "error") return `fail-closed error: ${listed.join("; ")}`;
  return listed.length ? `${listed.length} error(s), fail-open: ${listed.join("; ")}` : null;
}

/** Builds the trace row and its span rows. */
export function buildTrace(input: TraceInput): { trace: TraceRow; spans: SpanRow[] } {
  const { redactor, maxFieldBytes } = input;
  let calls = 0;
  for (const record of input.records) calls += record.run?.calls.length ?? 0;
  const ids = new TraceIds(1 + input.records.length + calls); // one random draw for the trace
  const traceId = ids.traceId;
  const rootSpanId = ids.spanId();
  const store = new StoredJson(redactor);
  const spans: SpanRow[] = [];
  for (const record of input.records) {
    const span = spanRow(record, ids.spanId(), traceId, rootSpanId, store, maxFieldBytes);
    spans.push(span);
    for (const call of record.run?.calls ?? []) spans.push(clientSpan(call, ids.spanId(), span, redactor));
  }
  const endedAt = Math.max(input.startedAt, Date.now());
  const message = traceMessage(input.result);
  const trace: TraceRow = {
    id: traceId,
    rootSpanId,
    triggerEvent: input.triggerEvent,
    status: input.result.status,
    decision: input.result.decision,
    statusMessage: clip(message === null ? null : redactor.text(message)),
    startedAt: input.startedAt,
    endedAt,
    durationMs: input.durationMs,
    instructions: input.records.reduce((n, r) => n + (r.run ? r.run.instructions : 0), 0),
    userId: input.userId,
    requestIp: input.requestIp,
    contextSnapshot: store.json(input.context, maxFieldBytes),
    layerPrev: store.json(layerPrevOf(input.records), maxFieldBytes),
    resultData: store.json(input.result.data, maxFieldBytes),
    createdAt: input.startedAt,
  };
  return { trace, spans };
}

/**
 * The redacted, capped JSON text of what a trace stores. Values shared by several fields (a
 * script's output is in the next layers' prev and in the result) are checked for secrets once.
 */
class StoredJson {
  private readonly clean = new WeakSet<object>();

  constructor(readonly redactor: Redactor) {}

  json(value: JsonValue, maxBytes: number): string {
    return capJsonText(this.redactor.json(value, this.clean), maxBytes);
  }
}

function spanRow(
  record: ScriptRecord,
  id: string,
  traceId: string,
  parentSpanId: string,
  store: StoredJson,
  maxFieldBytes: number,
): SpanRow {
  const { redactor } = store;
  const { spec, run } = record;
  const startedAt = run ? run.startedAt : (record.skippedAt ?? Date.now());
  const durationMs = run ? run.durationMs : 0;
  // Budget shares keep the attributes JSON within maxFieldBytes (metadata is small). Stored
  // compact: no input (rebuilt from the trace), no script_version, on_error, instruction_budget or
  // instructions (columns), no empty logs.
  // Each part is serialised once and the attributes JSON is put together from the parts.
  const half = Math.floor(Math.max(256, maxFieldBytes - 512) * 0.5);
  const parts = [`"output":${store.json(run ? run.output : null, half)}`];
  if (run && run.logs.length > 0) parts.push(`"logs":${store.json(run.logs, half)}`);
  if (run && run.logsDropped > 0) parts.push(`"logs_dropped":${run.logsDropped}`);
  if (run?.outcome.kind === "error") parts.push(`"error_line":${JSON.stringify(run.outcome.line)}`);
  if (run?.calls.length) parts.push(`"http_calls":${run.calls.length}`);
  if (spec.mode === "shadow") parts.push(`"shadow":true`);
  if (record.shadow) {
    const o = record.shadow.outcome;
    parts.push(
      `"shadow_outcome":${JSON.stringify(o)}`,
      `"would_block":${o === "block"}`,
      `"would_error":${o === "error"}`,
    );
  }
  return {
    id,
    traceId,
    parentSpanId,
    name: spec.name,
    kind: "INTERNAL",
    scriptId: spec.id,
    scriptVersion: spec.version,
    layerIndex: spec.layerIndex,
    parallelIndex: spec.parallelIndex,
    status: record.status,
    statusMessage: clip(record.statusMessage === null ? null : redactor.text(record.statusMessage)),
    startedAt,
    endedAt: startedAt + Math.round(durationMs),
    durationMs,
    onError: spec.onError,
    instructionBudget: spec.instructionBudget,
    instructions: run ? run.instructions : 0,
    attributes: capJsonText(`{${parts.join(",")}}`, maxFieldBytes),
    createdAt: startedAt,
  };
}

/** The CLIENT span of one http.fetch call, a child of its script's span. */
function clientSpan(call: HttpCallRecord, id: string, parent: SpanRow, redactor: Redactor): SpanRow {
  const attributes: Record<string, JsonValue> = {
    "http.request.method": call.method,
    "url.full": redactor.text(call.url),
    "server.address": call.host,
    "http.response.status_code": call.status,
    "http.response.body.size": call.responseBytes,
  };
  if (call.errorType !== null) attributes["error.type"] = call.errorType;
  if (call.redirects) attributes["http.request.resend_count"] = call.redirects;
  const startedAt = Math.floor(call.startedAt);
  return {
    id,
    traceId: parent.traceId,
    parentSpanId: parent.id,
    name: `${call.method} ${call.host}`.trim(),
    kind: "CLIENT",
    scriptId: parent.scriptId,
    scriptVersion: parent.scriptVersion,
    layerIndex: parent.layerIndex,
    parallelIndex: parent.parallelIndex,
    status: call.errorType === null ? "success" : "error",
    statusMessage: clip(
      call.error !== null ? redactor.text(call.error) : call.errorType && `HTTP ${call.status}`,
    ),
    startedAt,
    endedAt: startedAt + Math.round(call.durationMs),
    durationMs: call.durationMs,
    attributes: JSON.stringify(attributes),
    createdAt: startedAt,
  };
}
