/**
 * `GET /v1/stats/series` (scope traces:read): the stats of `GET /v1/stats` over time, a point per
 * step (default: the smallest of 1 min, 5 min, 15 min, 1 h, 6 h, 1 day giving ≤ 120 points; at
 * most 500 points), for each trigger and each of its scripts: calls, outcomes, shadow
 * would-block/would-error, p95 of durations, instructions and outbound HTTP calls. Read from the
 * same per-minute rollups, in one database request.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { readRollups } from "../db/rollups";
import { ApiError } from "../errors";
import { scoped } from "../middleware/auth";
import { errorResponses, jsonResponse } from "../schemas/common";
import { MINUTE_MS } from "../stats/rollup";
import { buildSeries, defaultStep, MAX_SERIES_POINTS } from "../stats/series";
import type { App } from "../types";
import { STATS_SOURCE, StatsQuery, StatsWindowFields, statsWindow } from "./stats";

const SeriesQuery = StatsQuery.extend({
  step_ms: z
    .string()
    .regex(/^\d+$/, "expected a whole number of milliseconds")
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(MINUTE_MS)
        .multipleOf(MINUTE_MS, "must be a whole number of minutes (60000 ms each)"),
    )
    .optional()
    .openapi({
      example: "3600000",
      description: "Step of the series, a multiple of 60000 (default: chosen from the window)",
    }),
});

const nullableNumber = (description: string) => z.number().nullable().openapi({ description });

const SeriesPointSchema = z.object({
  t: z.number().int().openapi({ description: "Start of the step (Unix ms)" }),
  calls: z.number().int(),
  success: z.number().int(),
  blocked: z.number().int(),
  errors: z.number().int(),
  skipped: z.number().int(),
  would_block: z.number().int().openapi({ description: "Shadow runs that would have blocked" }),
  would_error: z.number().int().openapi({ description: "Shadow runs that failed (never enforced)" }),
  p95_ms: nullableNumber("Duration p95 in ms (I/O time only, see source.durations)"),
  instructions_p95: nullableNumber("VM instructions p95"),
  http_calls: z.number().int(),
  http_p95_ms: nullableNumber("Outbound HTTP call duration p95 in ms"),
});

const SeriesSchema = z
  .object({
    ...StatsWindowFields,
    step_ms: z.number().int(),
    series: z.array(
      z.object({
        trigger_event: z.string(),
        script_id: z.string().nullable().openapi({ description: "null: the trigger's own series" }),
        points: z.array(SeriesPointSchema),
      }),
    ),
  })
  .openapi("StatsSeries");

const route = createRoute({
  method: "get",
  path: "/v1/stats/series",
  tags: ["traces"],
  ...scoped("traces:read"),
  summary: "The stats over time: a point per step, per trigger and per script (from per-minute rollups)",
  request: { query: SeriesQuery },
  responses: {
    200: jsonResponse(SeriesSchema, "Series of the window"),
    ...errorResponses(400, 401, 500, 503),
  },
});

/** Registers `GET /v1/stats/series`. */
export function registerStatsSeries(app: App): void {
  app.openapi(route, async (c) => {
    const q = c.req.valid("query");
    const { since, until, covered } = statsWindow(q);
    const stepMs = q.step_ms ?? defaultStep(since, until);
    if ((covered.until - covered.since) / stepMs > MAX_SERIES_POINTS)
      throw new ApiError(
        "VALIDATION_FAILED",
        `step_ms ${stepMs} gives more than ${MAX_SERIES_POINTS} points over this window: use a larger step`,
        { field: "step_ms" },
      );
    const sums = await readRollups(c.var.db, { since, until, triggerEvent: q.trigger_event, stepMs });
    return c.json(
      {
        window: { since, until },
        step_ms: stepMs,
        source: { ...STATS_SOURCE, covered },
        series: buildSeries(sums, { since, until, stepMs }),
      } as never,
      200,
    );
  });
}
