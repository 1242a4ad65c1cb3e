/**
 * Stored trace and span rows → an OTLP `ExportTraceServiceRequest` in the OTLP/JSON encoding
 * (pure, no I/O), ready for `POST /v1/traces` of any OpenTelemetry collector.
 *
 * Each trace becomes a SERVER root span (id = the trace's `root_span_id`, the trigger call) and
 * one INTERNAL child per script run, with one CLIENT grandchild per http.fetch call. A block is a decision, not a failure: it is an attribute
 * (`hookline.decision`, `hookline.span.status`) with status OK; ERROR is kept for script errors and
 * failed traces; skipped scripts are UNSET.
 */
import type { SpanReadRow, TraceFullRow } from "../db/trace-queries";
import { parseJsonColumn } from "../lib/json-column";
import { type AnyValue, attributes, attributeValue, doubleAttr, type KeyValue, unixNanos } from "./values";

/** OTLP `Span.SpanKind` values used here. */
export const SPAN_KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;
/** OTLP `Status.StatusCode` values. */
export const STATUS_CODE = { UNSET: 0, OK: 1, ERROR: 2 } as const;

export interface OtlpStatus {
  code: 0 | 1 | 2;
  message?: string;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: KeyValue[];
  status: OtlpStatus;
}

export interface ExportTraceServiceRequest {
  resourceSpans: {
    resource: { attributes: KeyValue[] };
    scopeSpans: { scope: { name: string; version: string }; spans: OtlpSpan[] }[];
  }[];
}

/** A trace with its spans, as read from the database. */
export interface StoredTrace {
  trace: TraceFullRow;
  spans: SpanReadRow[];
}

/** Span attribute keys whose values are exported as JSON text whatever their shape. */
const JSON_TEXT_KEYS = new Set(["input", "output", "logs", "context", "result"]);

function statusOf(status: string, message: string | null): OtlpStatus {
  if (status === "error") return message ? { code: STATUS_CODE.ERROR, message } : { code: STATUS_CODE.ERROR };
  if (status === "skipped") return { code: STATUS_CODE.UNSET };
  return { code: STATUS_CODE.OK };
}

/** The stored `attributes` JSON of a span → `hookline.*` attributes (keys with a dot kept as is). */
function storedAttributes(text: string | null, taken: Set<string>): KeyValue[] {
  const parsed = parseJsonColumn(text);
  if (parsed === null) return [];
  if (typeof parsed !== "object" || Array.isArray(parsed)) {
    return [
      {
        key: "hookline.attributes",
        value: { stringValue: typeof parsed === "string" ? parsed : JSON.stringify(parsed) },
      },
    ];
  }
  const out: KeyValue[] = [];
  for (const [name, value] of Object.entries(parsed)) {
    const key = name.includes(".") ? name : `hookline.${name}`;
    if (value === null || value === undefined || taken.has(key)) continue;
    const encoded: AnyValue = JSON_TEXT_KEYS.has(name)
      ? { stringValue: JSON.stringify(value) }
      : attributeValue(value);
    out.push({ key, value: encoded });
  }
  return out;
}

function rootSpan(t: TraceFullRow): OtlpSpan {
  return {
    traceId: t.id,
    spanId: t.rootSpanId,
    name: `trigger ${t.triggerEvent}`,
    kind: SPAN_KIND.SERVER,
    startTimeUnixNano: unixNanos(t.startedAt),
    endTimeUnixNano: unixNanos(t.endedAt),
    attributes: [
      ...attributes({
        "hookline.trigger_event": t.triggerEvent,
        "hookline.decision": t.decision,
        "hookline.status": t.status,
        "hookline.status_message": t.statusMessage,
        "enduser.id": t.userId,
        "client.address": t.requestIp,
      }),
      doubleAttr("hookline.duration_ms", t.durationMs),
      ...attributes({
        "hookline.context": t.contextSnapshot ?? undefined,
        "hookline.result": t.resultData ?? undefined,
      }),
    ],
    status: statusOf(t.status, t.statusMessage),
  };
}

function scriptSpan(t: TraceFullRow, s: SpanReadRow): OtlpSpan {
  const fixed = [
    ...attributes({
      "hookline.script.id": s.scriptId,
      "hookline.script.version": s.scriptVersion,
      "hookline.layer_index": s.layerIndex,
      "hookline.parallel_index": s.parallelIndex,
      "hookline.span.status": s.status,
      "hookline.decision": s.status === "blocked" ? "block" : undefined,
      "hookline.status_message": s.statusMessage,
    }),
    doubleAttr("hookline.duration_ms", s.durationMs),
  ];
  const taken = new Set(fixed.map((a) => a.key));
  return {
    traceId: t.id,
    spanId: s.id,
    parentSpanId: s.parentSpanId ?? t.rootSpanId,
    name: s.name,
    kind: SPAN_KIND[s.kind] ?? SPAN_KIND.INTERNAL,
    startTimeUnixNano: unixNanos(s.startedAt),
    endTimeUnixNano: unixNanos(s.endedAt),
    attributes: [...fixed, ...storedAttributes(s.attributes, taken)],
    status: statusOf(s.status, s.statusMessage),
  };
}

/**
 * Converts traces (each with its spans) into one OTLP/JSON export request.
 * @param serviceVersion reported as `service.version` and as the scope version.
 * @param resource further resource attributes (the push adds `cloud.provider`, `faas.name`).
 */
export function toOtlpRequest(
  traces: StoredTrace[],
  serviceVersion: string,
  resource: Record<string, string> = {},
): ExportTraceServiceRequest {
  const spans = traces.flatMap(({ trace, spans }) => [
    rootSpan(trace),
    ...spans.map((s) => scriptSpan(trace, s)),
  ]);
  return {
    resourceSpans: [
      {
        resource: {
          attributes: attributes({
            "service.name": "hookline",
            "service.version": serviceVersion,
            ...resource,
          }),
        },
        scopeSpans: [{ scope: { name: "hookline.pipeline", version: serviceVersion }, spans }],
      },
    ],
  };
}
