/**
 * zod schemas of the trace-reading API: the list filters (shared by `GET /v1/traces` and the bulk
 * OTLP export), path ids, and the response bodies (they also feed `GET /openapi.json`).
 */
import { z } from "@hono/zod-openapi";
import { DECISIONS, SPAN_KINDS, SPAN_STATUSES, TRACE_STATUSES } from "../db/schema";
import { cursorParam, instantParam, limitParam, traceIdParam } from "../lib/time-params";
import { EventName, ScriptId } from "./common";

export const TRACE_PAGE_DEFAULT = 50;
export const TRACE_PAGE_MAX = 200;

/** Filters and paging of the trace list and of the bulk OTLP export. */
export const TraceListQuery = z.object({
  trigger_event: EventName.optional(),
  status: z.enum(TRACE_STATUSES).optional().openapi({ description: "success | blocked | error" }),
  decision: z.enum(DECISIONS).optional().openapi({
    description:
      "allow | block: the answer given, whatever the status (an error fails closed as block, or open as allow)",
  }),
  user_id: z.string().min(1).max(256).optional(),
  request_ip: z.string().min(1).max(64).optional(),
  script_id: ScriptId.optional().openapi({
    description: "Only traces in which this script ran (or was skipped)",
  }),
  since: instantParam("Inclusive lower bound on started_at (Unix ms or ISO 8601)").optional(),
  until: instantParam("Exclusive upper bound on started_at (Unix ms or ISO 8601)").optional(),
  min_duration_ms: z
    .string()
    .regex(/^\d+(\.\d+)?$/, "expected a non-negative number of milliseconds")
    .transform(Number)
    .optional()
    .openapi({ example: "250" }),
  limit: limitParam(TRACE_PAGE_DEFAULT, TRACE_PAGE_MAX),
  cursor: cursorParam.optional(),
});
export type TraceListQuery = z.output<typeof TraceListQuery>;

export const TraceIdParams = z.object({ id: traceIdParam });

const traceFields = {
  id: z.string().openapi({ example: "4bf92f3577b34da6a3ce929d0e0e4736" }),
  root_span_id: z.string().openapi({ example: "00f067aa0ba902b7" }),
  trigger_event: z.string(),
  status: z.enum(TRACE_STATUSES),
  decision: z.enum(["allow", "block"]),
  status_message: z.string().nullable(),
  started_at: z.number().int().openapi({ description: "Unix ms" }),
  ended_at: z.number().int().openapi({ description: "Unix ms" }),
  duration_ms: z.number(),
  user_id: z.string().nullable(),
  request_ip: z.string().nullable(),
};

export const TraceSummarySchema = z.object(traceFields).openapi("TraceSummary");

export const TraceListResponse = z
  .object({
    traces: z.array(TraceSummarySchema),
    next_cursor: z
      .string()
      .nullable()
      .openapi({ description: "Pass as `cursor` for the next page; null on the last" }),
  })
  .openapi("TraceList");

export const SpanSchema = z
  .object({
    id: z.string().openapi({ example: "53995c3f42cd8ad8" }),
    parent_span_id: z.string().nullable(),
    name: z.string(),
    kind: z.enum(SPAN_KINDS).openapi({
      description: "INTERNAL: a script run; CLIENT: one http.fetch call (its parent is the script span)",
    }),
    script_id: z.string(),
    script_version: z.number().int().nullable(),
    layer_index: z.number().int(),
    parallel_index: z.number().int(),
    status: z.enum(SPAN_STATUSES),
    status_message: z.string().nullable(),
    started_at: z.number().int(),
    ended_at: z.number().int(),
    duration_ms: z.number(),
    attributes: z
      .unknown()
      .openapi({ description: "Parsed JSON: the script's input, output, logs, instructions" }),
  })
  .openapi("Span");

export const TraceDetailSchema = z
  .object({
    ...traceFields,
    context_snapshot: z.unknown().openapi({ description: "Parsed JSON: the (redacted) trigger input" }),
    result_data: z.unknown().openapi({ description: "Parsed JSON: the merged result" }),
    spans: z.array(SpanSchema),
  })
  .openapi("TraceDetail");

/** The OTLP/JSON `ExportTraceServiceRequest` (described, not re-validated field by field). */
export const OtlpExportSchema = z
  .object({ resourceSpans: z.array(z.record(z.string(), z.unknown())) })
  .openapi("OtlpExportTraceServiceRequest", {
    description: "OTLP/JSON ExportTraceServiceRequest; POST it to a collector's /v1/traces",
  });
