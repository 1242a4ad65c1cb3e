/**
 * Replay (scope scripts:write: it runs scripts) and diff (scope traces:read):
 * - `POST /v1/traces/{id}/replay` re-runs a recorded context against today's scripts of its
 *   event (or the given drafts) and answers the new result with a per-span diff against the
 *   recording (decision, status, output, scripts added / removed / at another version).
 * - `GET /v1/traces/{a}/diff/{b}` shows where two calls diverged, layer by layer and span by span
 *   (status, output, instructions, version).
 * Nothing is stored.
 */
import { createRoute } from "@hono/zod-openapi";
import { byLayer, diffSpans, firstDivergence } from "../backtest/span-diff";
import { getTraceWithSpans } from "../db/trace-queries";
import { ApiError } from "../errors";
import { scoped } from "../middleware/auth";
import { jsonObjectBody } from "../middleware/json-body";
import { replayableContext } from "../pipeline/backtest";
import { recordedCalls, rerunPorts } from "../pipeline/backtest-http";
import { draftPipeline } from "../pipeline/drafts";
import { runScripts } from "../pipeline/run-trigger";
import { scrubSecretValues } from "../pipeline/script-secrets";
import { ReplayBody, ReplayResult, TraceDiffParams, TraceDiffResult } from "../schemas/backtest";
import { errorResponses, jsonBody, jsonResponse } from "../schemas/common";
import { TraceIdParams } from "../schemas/traces";
import type { App } from "../types";

const base = { tags: ["traces"] };

const replay = createRoute({
  ...base,
  method: "post",
  path: "/v1/traces/{id}/replay",
  summary: "Re-run a recorded trace against today's scripts or drafts; per-span diff",
  ...scoped("scripts:write", ...jsonObjectBody(1024 * 1024)),
  request: { params: TraceIdParams, body: jsonBody(ReplayBody) },
  responses: {
    200: jsonResponse(ReplayResult, "The new result and its diff against the recording"),
    ...errorResponses(400, 401, 404, 409, 413, 415, 422, 500, 503),
  },
});

const diff = createRoute({
  ...base,
  method: "get",
  path: "/v1/traces/{a}/diff/{b}",
  summary: "Where two traces diverged, layer by layer and span by span",
  ...scoped("traces:read"),
  request: { params: TraceDiffParams },
  responses: {
    200: jsonResponse(TraceDiffResult, "The diff (a first, b second)"),
    ...errorResponses(400, 401, 404, 500, 503),
  },
});

async function traceOr404(db: Parameters<typeof getTraceWithSpans>[0], id: string, field: string) {
  const found = await getTraceWithSpans(db, id);
  if (!found) throw new ApiError("NOT_FOUND", `No trace with id ${id}`, { field });
  return found;
}

export function registerReplay(app: App): void {
  app.openapi(replay, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const { trace, spans } = await traceOr404(c.var.db, id, "id");
    const context = replayableContext(trace);
    if (!context)
      throw new ApiError("CONFLICT", "The recorded context was truncated at storage and cannot be replayed", {
        field: "id",
      });
    const scripts = await draftPipeline(c.var, trace.triggerEvent, body);
    const call = { event: trace.triggerEvent, context, userId: trace.userId, requestIp: trace.requestIp };
    const ports = rerunPorts(body.http, body.allow_writes, recordedCalls(spans));
    const run = await runScripts(c.var.config, call, scripts, [], ports);
    const { result } = run;
    return c.json(
      {
        trace_id: trace.id,
        stored: false as const,
        redacted_contexts: true as const,
        recorded: { status: trace.status, decision: trace.decision },
        replayed: {
          status: result.status,
          decision: result.decision,
          // Script secrets are scrubbed from the answer's data too (spans already are).
          data: scrubSecretValues(scripts, result.data) as Record<string, unknown>,
          blocked_by: result.blocked_by,
          errors: result.errors,
        },
        decision_changed: result.decision !== trace.decision,
        spans: diffSpans(spans, run.spans, ["version", "status", "output"]),
      },
      200,
    );
  });

  app.openapi(diff, async (c) => {
    const { a, b } = c.req.valid("param");
    const ta = await traceOr404(c.var.db, a, "a");
    const tb = await traceOr404(c.var.db, b, "b");
    const diffs = diffSpans(ta.spans, tb.spans, ["version", "status", "output", "instructions"]);
    const first = firstDivergence(diffs);
    const sideOf = (t: typeof ta.trace) => ({
      id: t.id,
      trigger_event: t.triggerEvent,
      status: t.status,
      decision: t.decision,
    });
    return c.json(
      {
        a: sideOf(ta.trace),
        b: sideOf(tb.trace),
        decision_differs: ta.trace.decision !== tb.trace.decision,
        diverged_at: first
          ? {
              layer_index: first.layer_index,
              script_id: first.script_id,
              name: first.name,
              fields: first.fields,
            }
          : null,
        layers: byLayer(diffs),
      },
      200,
    );
  });
}
