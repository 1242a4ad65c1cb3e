/**
 * The product as an auth service sees it:
 * - `POST /v1/triggers/{event}` (trigger token, optional signature): runs the event's enabled
 *   scripts and answers at once; a block is a 200 with `decision: "block"`.
 * - `POST /v1/triggers/{event}/dry-run` (admin token): the same run with draft scripts, spans
 *   inline, nothing stored.
 * - `GET /v1/triggers` (admin token): each event with its layers of enabled scripts.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { every } from "hono/combine";
import * as repo from "../db/scripts-repo";
import { offlinePorts } from "../engine";
import type { JsonObject } from "../engine/types";
import { ApiError } from "../errors";
import { requireScope, scopeDoc, scoped } from "../middleware/auth";
import { jsonObjectBody } from "../middleware/json-body";
import { verifySignature } from "../middleware/signature";
import { draftSpecs, pipelineWith } from "../pipeline/drafts";
import { LIVE_PORTS, runScripts, runTrigger } from "../pipeline/run-trigger";
import { scrubSecretValues, specsWithSecrets } from "../pipeline/script-secrets";
import { requestIpOf, userIdOf } from "../pipeline/trigger-input";
import { EVENT_NAME_PATTERN, errorResponses, jsonBody, jsonResponse } from "../schemas/common";
import {
  DryRunBody,
  DryRunResult,
  EventParam,
  MAX_CONTEXT_BYTES,
  TriggerContext,
  TriggerResult,
  TriggerSummary,
} from "../schemas/triggers";
import type { App } from "../types";
import { presentResult, presentSpans } from "./trigger-presenter";

export const TRACE_ID_HEADER = "x-hookline-trace-id";

const triggerMiddleware = [requireScope("trigger"), ...jsonObjectBody(MAX_CONTEXT_BYTES), verifySignature()];

/**
 * Documented like every route, but served without the generic JSON validator: the body is read,
 * capped and parsed once by jsonObjectBody, and the engine checks the context as it converts it.
 * Registered with `registerPath`, which copies every key into the document: so it takes
 * `scopeDoc` (no `middleware` key), never `scoped` (test/node/openapi.test.ts goes red).
 */
const trigger = createRoute({
  method: "post",
  path: "/v1/triggers/{event}",
  tags: ["triggers"],
  summary: "Run a trigger's scripts and answer allow / block",
  ...scopeDoc("trigger"),
  request: {
    params: EventParam,
    body: jsonBody(TriggerContext),
  },
  responses: {
    200: jsonResponse(TriggerResult, "The decision (a block is a 200 too)"),
    ...errorResponses(400, 401, 413, 415, 500),
  },
});

const dryRun = createRoute({
  method: "post",
  path: "/v1/triggers/{event}/dry-run",
  tags: ["triggers"],
  summary: "Run a trigger with draft scripts; spans inline, nothing stored",
  ...scoped("scripts:write", ...jsonObjectBody(1024 * 1024)),
  request: {
    params: EventParam,
    body: jsonBody(DryRunBody),
  },
  responses: {
    200: jsonResponse(DryRunResult, "What the trigger would answer, with its spans"),
    ...errorResponses(400, 401, 413, 415, 422),
  },
});

const listTriggers = createRoute({
  method: "get",
  path: "/v1/triggers",
  tags: ["triggers"],
  summary: "Each trigger event with its layers of enabled scripts",
  ...scoped("scripts:read"),
  responses: {
    200: jsonResponse(z.object({ triggers: z.array(TriggerSummary) }), "Triggers"),
    ...errorResponses(401),
  },
});

/** Groups enabled scripts into events and layers (input is ordered by event, layer, parallel). */
function summarize(scripts: repo.ScriptWithSource[]) {
  const events = new Map<string, Map<number, repo.ScriptWithSource[]>>();
  for (const s of scripts) {
    const layers = events.get(s.triggerEvent) ?? new Map<number, repo.ScriptWithSource[]>();
    events.set(s.triggerEvent, layers);
    layers.set(s.layerIndex, [...(layers.get(s.layerIndex) ?? []), s]);
  }
  return [...events].map(([trigger_event, layers]) => ({
    trigger_event,
    layers: [...layers].map(([layer_index, list]) => ({
      layer_index,
      scripts: list.map((s) => ({
        id: s.id,
        name: s.name,
        parallel_index: s.parallelIndex,
        on_error: s.onError,
        current_version: s.currentVersion,
        instruction_budget: s.instructionBudget,
        mode: s.mode,
      })),
    })),
  }));
}

export function registerTriggers(app: App): void {
  app.openAPIRegistry.registerPath(trigger);
  app.post("/v1/triggers/:event", every(...triggerMiddleware), async (c) => {
    const event = c.req.param("event");
    if (!EVENT_NAME_PATTERN.test(event)) {
      throw new ApiError(
        "VALIDATION_FAILED",
        `Invalid path parameter 'event': must match ${EVENT_NAME_PATTERN.source}`,
        {
          field: "event",
        },
      );
    }
    const context = c.var.jsonBody as JsonObject;
    const call = {
      event,
      context,
      userId: userIdOf(context),
      requestIp: requestIpOf(context, c.req.header("cf-connecting-ip")),
    };
    const run = await runTrigger(c.var.config, call, (p) => c.executionCtx.waitUntil(p));
    c.set("traceId", run.trace.id);
    c.header(TRACE_ID_HEADER, run.trace.id);
    return c.json(presentResult(run), 200);
  });

  app.openapi(dryRun, async (c) => {
    const { event } = c.req.valid("param");
    const body = c.req.valid("json");
    const saved = body.only_drafts ? [] : await repo.listScripts(c.var.db, event);
    // A draft standing in for a saved script (by id) keeps its network settings unless it gives its own.
    const standIns = await repo.getScriptsByIds(
      c.var.db,
      body.scripts.flatMap((d) => (d.id ? [d.id] : [])),
    );
    const drafts = draftSpecs(body.scripts, "scripts", standIns);
    // Saved scripts, and drafts standing in for a saved script (by id), run with its secrets.
    const specs = await specsWithSecrets(
      c.var.db,
      c.var.config,
      pipelineWith(saved, drafts, []),
      c.var.logger,
    );
    const context = body.context as JsonObject;
    const call = {
      event,
      context,
      userId: userIdOf(context),
      requestIp: requestIpOf(context, c.req.header("cf-connecting-ip")),
    };
    const ports = body.http === "off" ? offlinePorts : LIVE_PORTS;
    const run = await runScripts(c.var.config, call, specs, [], ports);
    // The dry run is an admin read: script secrets are scrubbed from its data too (spans already are).
    const answer = { ...presentResult(run), data: scrubSecretValues(specs, run.result.data) };
    return c.json({ ...answer, stored: false as const, spans: presentSpans(run.trace, run.spans) }, 200);
  });

  app.openapi(listTriggers, async (c) => {
    const scripts = await repo.listScripts(c.var.db);
    return c.json({ triggers: summarize(scripts.filter((s) => s.enabled)) }, 200);
  });
}
