/**
 * Reading traces (admin token): the filtered list, one trace with its spans, and OTLP/JSON export
 * of one trace or of a filtered page (`x-next-cursor` header, so the body stays a pure OTLP
 * document that can be piped to a collector's `/v1/traces`).
 */
import { createRoute } from "@hono/zod-openapi";
import { getTraceWithSpans, listTraces, spansOfTraces } from "../db/trace-queries";
import { ApiError } from "../errors";
import { encodeCursor } from "../lib/time-params";
import { scoped } from "../middleware/auth";
import { toOtlpRequest } from "../otlp/traces";
import { errorResponses, jsonResponse } from "../schemas/common";
import {
  OtlpExportSchema,
  TraceDetailSchema,
  TraceIdParams,
  TraceListQuery,
  TraceListResponse,
} from "../schemas/traces";
import type { App } from "../types";
import { API_VERSION } from "../version";
import { presentTraceDetail, presentTraceSummary, toPageQuery } from "./traces-presenter";

/** Response header carrying the bulk export's next cursor (absent on the last page). */
export const NEXT_CURSOR_HEADER = "x-next-cursor";

const base = { tags: ["traces"], ...scoped("traces:read") };

const list = createRoute({
  ...base,
  method: "get",
  path: "/v1/traces",
  summary: "List traces, newest first (filters, keyset pagination)",
  request: { query: TraceListQuery },
  responses: {
    200: jsonResponse(TraceListResponse, "A page of trace summaries"),
    ...errorResponses(400, 401, 500, 503),
  },
});

const exportPage = createRoute({
  ...base,
  method: "get",
  path: "/v1/traces/otlp",
  summary: "Export a filtered page of traces as OTLP/JSON",
  description: `Same filters and paging as GET /v1/traces; the next cursor is in the \`${NEXT_CURSOR_HEADER}\` header.`,
  request: { query: TraceListQuery },
  responses: {
    200: jsonResponse(OtlpExportSchema, "An OTLP ExportTraceServiceRequest"),
    ...errorResponses(400, 401, 500, 503),
  },
});

const read = createRoute({
  ...base,
  method: "get",
  path: "/v1/traces/{id}",
  summary: "One trace with its spans (input, output, timing of every script)",
  request: { params: TraceIdParams },
  responses: {
    200: jsonResponse(TraceDetailSchema, "The trace"),
    ...errorResponses(400, 401, 404, 500, 503),
  },
});

const exportOne = createRoute({
  ...base,
  method: "get",
  path: "/v1/traces/{id}/otlp",
  summary: "One trace as OTLP/JSON",
  request: { params: TraceIdParams },
  responses: {
    200: jsonResponse(OtlpExportSchema, "An OTLP ExportTraceServiceRequest"),
    ...errorResponses(400, 401, 404, 500, 503),
  },
});

function notFound(id: string): never {
  throw new ApiError("NOT_FOUND", `No trace with id ${id}`, { field: "id" });
}

/** Registers the trace routes; the bulk export goes before `/{id}` so "otlp" is never an id. */
export function registerTraces(app: App): void {
  app.openapi(list, async (c) => {
    const page = await listTraces(c.var.db, toPageQuery(c.req.valid("query")));
    return c.json(
      { traces: page.rows.map(presentTraceSummary), next_cursor: page.next ? encodeCursor(page.next) : null },
      200,
    );
  });

  app.openapi(exportPage, async (c) => {
    const page = await listTraces(c.var.db, toPageQuery(c.req.valid("query")), true);
    const spans = await spansOfTraces(c.var.db, page.rows);
    if (page.next) c.header(NEXT_CURSOR_HEADER, encodeCursor(page.next));
    const traces = page.rows.map((trace) => ({ trace, spans: spans.get(trace.id) ?? [] }));
    return c.json(toOtlpRequest(traces, API_VERSION), 200);
  });

  app.openapi(read, async (c) => {
    const { id } = c.req.valid("param");
    const found = (await getTraceWithSpans(c.var.db, id)) ?? notFound(id);
    return c.json(presentTraceDetail(found.trace, found.spans), 200);
  });

  app.openapi(exportOne, async (c) => {
    const { id } = c.req.valid("param");
    const found = (await getTraceWithSpans(c.var.db, id)) ?? notFound(id);
    return c.json(toOtlpRequest([found], API_VERSION), 200);
  });
}
