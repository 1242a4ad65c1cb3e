/**
 * `GET /v1/stats` (scope traces:read): calls, outcomes, and p50/p95/max of durations, instructions and
 * outbound HTTP calls, per trigger and per script, over any window (default: the last 24 hours).
 * Read from the per-minute rollups (src/db/rollups.ts), never from trace rows: the work is bounded
 * by the minutes in the window, nothing is truncated, and rollups outlive the trace retention
 * (400 days). Percentiles come from log buckets, within the relative error the answer states.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { ROLLUP_RETENTION_DAYS, readRollups } from "../db/rollups";
import { ApiError } from "../errors";
import { instantParam } from "../lib/time-params";
import { scoped } from "../middleware/auth";
import { EventName, errorResponses, jsonResponse } from "../schemas/common";
import { scriptStats, triggerStats } from "../stats/aggregate";
import { GAMMA, RELATIVE_ERROR } from "../stats/histogram";
import { MINUTE_MS } from "../stats/rollup";
import type { App } from "../types";

const DAY_MS = 86_400_000;

/** What the answer says about where its numbers come from. */
export const STATS_SOURCE = {
  kind: "rollups",
  resolution_ms: MINUTE_MS,
  retention_days: ROLLUP_RETENTION_DAYS,
  percentiles: `nearest-rank, read from log buckets (ratio ${GAMMA}): each p50/p95 is within ±${(RELATIVE_ERROR * 100).toFixed(1)} % of the exact value; 0 is exact; max is exact`,
  percentile_relative_error: Math.round(RELATIVE_ERROR * 10_000) / 10_000,
  durations:
    "I/O time only: on Workers the clock does not advance during computation, so a duration is the time spent waiting on I/O (0 for a script that does none). instructions_* measure computation.",
} as const;

export const StatsQuery = z.object({
  since: instantParam("Inclusive start of the window (default: until − 24 h)").optional(),
  until: instantParam("Exclusive end of the window (default: now)").optional(),
  trigger_event: EventName.optional(),
});

const triple = (prefix: string, unit: string, what: string) => ({
  [`${prefix}p50${unit}`]: z
    .number()
    .nullable()
    .openapi({ description: `${what}: p50 (from buckets)` }),
  [`${prefix}p95${unit}`]: z
    .number()
    .nullable()
    .openapi({ description: `${what}: p95 (from buckets)` }),
  [`${prefix}max${unit}`]: z
    .number()
    .nullable()
    .openapi({ description: `${what}: max (exact)` }),
});
const durationFields = {
  ...triple("", "_ms", "Duration in ms (I/O time only, see source.durations)"),
  ...triple("instructions_", "", "VM instructions per run"),
};
const outcomeFields = {
  trigger_event: z.string(),
  calls: z.number().int(),
  success: z.number().int(),
  blocked: z.number().int(),
  errors: z.number().int(),
};

/** The window and where the numbers come from (STATS_SOURCE plus the minutes covered). */
export const StatsWindowFields = {
  window: z.object({ since: z.number().int(), until: z.number().int() }),
  source: z.object({
    kind: z.literal("rollups"),
    resolution_ms: z.number().int(),
    retention_days: z.number().int(),
    covered: z.object({ since: z.number().int(), until: z.number().int() }).openapi({
      description: "The whole minutes the figures cover (the window widened to minute bounds)",
    }),
    percentiles: z.string(),
    percentile_relative_error: z.number(),
    durations: z.string(),
  }),
};

const StatsSchema = z
  .object({
    ...StatsWindowFields,
    triggers: z.array(z.object({ ...outcomeFields, ...durationFields })),
    scripts: z.array(
      z.object({
        script_id: z.string(),
        ...outcomeFields,
        skipped: z.number().int(),
        shadow_runs: z.number().int().openapi({ description: "Runs in shadow mode" }),
        would_block: z.number().int().openapi({ description: "Shadow runs that would have blocked" }),
        would_error: z.number().int().openapi({ description: "Shadow runs that failed (never enforced)" }),
        ...durationFields,
        http_calls: z.number().int().openapi({ description: "Outbound HTTP calls (CLIENT spans)" }),
        ...triple("http_", "_ms", "Outbound HTTP call duration in ms"),
      }),
    ),
  })
  .openapi("Stats");

const route = createRoute({
  method: "get",
  path: "/v1/stats",
  tags: ["traces"],
  ...scoped("traces:read"),
  summary: "Per-trigger and per-script counts, durations and instructions (from per-minute rollups)",
  request: { query: StatsQuery },
  responses: {
    200: jsonResponse(StatsSchema, "Statistics of the window"),
    ...errorResponses(400, 401, 500, 503),
  },
});

/**
 * The window of a stats read (default: the 24 hours before `until`, which defaults to now) and
 * the whole minutes it covers.
 * @throws ApiError VALIDATION_FAILED (field since) when since is not before until
 */
export function statsWindow(q: { since?: number; until?: number }) {
  const until = q.until ?? Date.now();
  const since = q.since ?? until - DAY_MS;
  if (since >= until)
    throw new ApiError("VALIDATION_FAILED", "since must be before until", { field: "since" });
  const covered = {
    since: Math.floor(since / MINUTE_MS) * MINUTE_MS,
    until: Math.ceil(until / MINUTE_MS) * MINUTE_MS,
  };
  return { since, until, covered };
}

/** Registers `GET /v1/stats`. */
export function registerStats(app: App): void {
  app.openapi(route, async (c) => {
    const q = c.req.valid("query");
    const { since, until, covered } = statsWindow(q);
    const sums = await readRollups(c.var.db, { since, until, triggerEvent: q.trigger_event });
    return c.json(
      {
        window: { since, until },
        source: { ...STATS_SOURCE, covered },
        triggers: triggerStats(sums),
        scripts: scriptStats(sums),
      } as never,
      200,
    );
  });
}
