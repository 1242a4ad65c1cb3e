/**
 * `GET /v1/stats` (admin token): calls, outcomes and duration percentiles per trigger and per
 * script over a window (default: the last 24 hours). Percentiles are nearest-rank, computed in JS
 * over the newest ≤ 10,000 traces of the window and their ≤ 50,000 spans; `sample.truncated`
 * says when the caps cut the window short.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { readStatsRows, STATS_MAX_SPANS, STATS_MAX_TRACES } from "../db/trace-stats";
import { ApiError } from "../errors";
import { instantParam } from "../lib/time-params";
import { scoped } from "../middleware/auth";
import { EventName, errorResponses, jsonResponse } from "../schemas/common";
import { scriptStats, triggerStats } from "../stats/aggregate";
import type { App } from "../types";

const DAY_MS = 86_400_000;

const StatsQuery = z.object({
  since: instantParam("Inclusive start of the window (default: until − 24 h)").optional(),
  until: instantParam("Exclusive end of the window (default: now)").optional(),
  trigger_event: EventName.optional(),
});

const durationFields = {
  p50_ms: z.number().nullable(),
  p95_ms: z.number().nullable(),
  max_ms: z.number().nullable(),
};
const outcomeFields = {
  trigger_event: z.string(),
  calls: z.number().int(),
  success: z.number().int(),
  blocked: z.number().int(),
  errors: z.number().int(),
};

const StatsSchema = z
  .object({
    window: z.object({ since: z.number().int(), until: z.number().int() }),
    sample: z.object({
      traces: z.number().int(),
      spans: z.number().int(),
      truncated: z.boolean(),
      max_traces: z.number().int(),
      max_spans: z.number().int(),
    }),
    triggers: z.array(z.object({ ...outcomeFields, ...durationFields })),
    scripts: z.array(
      z.object({
        script_id: z.string(),
        ...outcomeFields,
        skipped: z.number().int(),
        shadow_runs: z.number().int().openapi({ description: "Runs in shadow mode (counted as success)" }),
        would_block: z.number().int().openapi({ description: "Shadow runs that would have blocked" }),
        would_error: z.number().int().openapi({ description: "Shadow runs that failed (never enforced)" }),
        ...durationFields,
      }),
    ),
  })
  .openapi("Stats");

const route = createRoute({
  method: "get",
  path: "/v1/stats",
  tags: ["traces"],
  ...scoped("traces:read"),
  summary: "Per-trigger and per-script counts and duration percentiles",
  request: { query: StatsQuery },
  responses: {
    200: jsonResponse(StatsSchema, "Statistics of the window"),
    ...errorResponses(400, 401, 500, 503),
  },
});

/** Registers `GET /v1/stats`. */
export function registerStats(app: App): void {
  app.openapi(route, async (c) => {
    const q = c.req.valid("query");
    const until = q.until ?? Date.now();
    const since = q.since ?? until - DAY_MS;
    if (since >= until)
      throw new ApiError("VALIDATION_FAILED", "since must be before until", { field: "since" });
    const rows = await readStatsRows(c.var.db, { since, until, triggerEvent: q.trigger_event });
    return c.json(
      {
        window: { since, until },
        sample: {
          traces: rows.traces.length,
          spans: rows.spans.length,
          truncated: rows.truncated,
          max_traces: STATS_MAX_TRACES,
          max_spans: STATS_MAX_SPANS,
        },
        triggers: triggerStats(rows.traces),
        scripts: scriptStats(rows.spans),
      },
      200,
    );
  });
}
