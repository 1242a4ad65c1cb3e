/**
 * Request and response schemas of the change-safety endpoints: the backtest over recorded
 * traces, the replay of one trace, and the diff of two traces.
 */
import { z } from "@hono/zod-openapi";
import { TRACE_STATUSES } from "../db/schema";
import { parseInstant, traceIdParam } from "../lib/time-params";
import { ScriptId } from "./common";
import { DraftScript } from "./triggers";

export const BACKTEST_MAX_LIMIT = 10_000;
export const BACKTEST_DEFAULT_LIMIT = 1_000;
export const BACKTEST_MAX_CHUNK = 1_000;
export const BACKTEST_DEFAULT_CHUNK = 200;

/** An instant in a JSON body: Unix milliseconds, or an ISO 8601 string. */
const instant = (description: string) =>
  z
    .union([z.number().int().min(0), z.string()])
    .transform((v, ctx) => {
      const ms = typeof v === "number" ? v : parseInstant(v);
      if (ms === null) {
        ctx.addIssue({ code: "custom", message: "expected Unix milliseconds or an ISO 8601 date-time" });
        return z.NEVER;
      }
      return ms;
    })
    .openapi({ description, example: "2026-11-30T00:00:00Z" });

export const HttpMode = z.enum(["off", "recorded", "live"]).default("off").openapi({
  description:
    'http.fetch in the re-runs: "off" (default) fails every fetch fast; "recorded" answers with the status of the original CLIENT span; "live" makes real GET/HEAD calls (others only with allow_writes)',
});

const changes = {
  scripts: z
    .array(DraftScript)
    .max(50)
    .default([])
    .openapi({ description: "Drafts: new scripts, or (with a saved script's id) replacements" }),
  disable: z.array(ScriptId).max(50).default([]).openapi({ description: "Saved scripts left out" }),
  http: HttpMode,
  allow_writes: z.boolean().default(false),
};

export const BacktestBody = z
  .object({
    ...changes,
    since: instant("Inclusive lower bound on the recorded started_at").optional(),
    until: instant("Exclusive upper bound on the recorded started_at").optional(),
    status: z
      .enum(TRACE_STATUSES)
      .optional()
      .openapi({ description: "Only recorded traces with this status" }),
    limit: z.number().int().min(1).max(BACKTEST_MAX_LIMIT).default(BACKTEST_DEFAULT_LIMIT),
    chunk_size: z
      .number()
      .int()
      .min(1)
      .max(BACKTEST_MAX_CHUNK)
      .default(BACKTEST_DEFAULT_CHUNK)
      .openapi({ description: "Traces re-run per request at most (see also the instruction cap)" }),
    cursor: z.string().min(1).max(200_000).optional().openapi({
      description: "The next_cursor of the previous chunk; send the same body with it",
    }),
  })
  .strict()
  .openapi("Backtest");
export type BacktestBody = z.output<typeof BacktestBody>;

const flip = z.object({ count: z.number().int(), trace_ids: z.array(z.string()).max(20) });

export const BacktestResult = z
  .object({
    trigger_event: z.string(),
    stored: z.literal(false),
    redacted_contexts: z.literal(true),
    note: z.string(),
    http: z.enum(["off", "recorded", "live"]),
    calls: z.number().int().openapi({ description: "Recorded traces re-run so far (all chunks)" }),
    unreadable: z
      .number()
      .int()
      .openapi({ description: "Recorded traces whose context could not be re-run" }),
    decisions: z.object({ allow: z.number().int(), block: z.number().int() }),
    flips: z.object({ allow_to_block: flip, block_to_allow: flip }),
    unchanged: z.number().int(),
    range: z.object({ oldest: z.number().int().nullable(), newest: z.number().int().nullable() }),
    scripts: z.array(
      z.object({
        script_id: z.string(),
        name: z.string(),
        version: z.number().int().nullable(),
        mode: z.string(),
        runs: z.number().int(),
        blocked: z.number().int(),
        errors: z.number().int(),
        skipped: z.number().int(),
        would_block: z.number().int(),
        would_error: z.number().int(),
        instructions: z.object({ p50: z.number().nullable(), p95: z.number().nullable() }),
      }),
    ),
    chunk: z.object({
      traces: z.number().int(),
      instructions: z.number().int(),
      http_calls: z.number().int().openapi({ description: "http.fetch calls attempted in this chunk" }),
    }),
    done: z.boolean(),
    next_cursor: z.string().nullable(),
  })
  .openapi("BacktestResult");

export const ReplayBody = z.object(changes).strict().openapi("Replay");

const spanSide = z
  .object({
    version: z.number().int().nullable(),
    status: z.string(),
    status_message: z.string().nullable(),
    output: z.unknown(),
    instructions: z.number().int().nullable(),
  })
  .nullable();

export const SpanDiffSchema = z
  .object({
    script_id: z.string(),
    name: z.string(),
    layer_index: z.number().int(),
    parallel_index: z.number().int(),
    change: z.enum(["same", "changed", "added", "removed"]),
    fields: z.array(z.string()).openapi({ description: "The fields that differ" }),
    a: spanSide,
    b: spanSide,
  })
  .openapi("SpanDiff");

const side = z.object({ status: z.string(), decision: z.string() });

export const ReplayResult = z
  .object({
    trace_id: z.string(),
    stored: z.literal(false),
    redacted_contexts: z.literal(true),
    recorded: side,
    replayed: side.extend({
      data: z.record(z.string(), z.unknown()),
      blocked_by: z.object({ script_id: z.string(), name: z.string(), reason: z.string() }).nullable(),
      errors: z.array(z.object({ script_id: z.string().nullable(), name: z.string(), message: z.string() })),
    }),
    decision_changed: z.boolean(),
    spans: z.array(SpanDiffSchema).openapi({ description: "a = the recording, b = the replay" }),
  })
  .openapi("ReplayResult");

export const TraceDiffParams = z.object({
  a: traceIdParam.openapi({ param: { name: "a", in: "path" } }),
  b: traceIdParam.openapi({ param: { name: "b", in: "path" } }),
});

export const TraceDiffResult = z
  .object({
    a: side.extend({ id: z.string(), trigger_event: z.string() }),
    b: side.extend({ id: z.string(), trigger_event: z.string() }),
    decision_differs: z.boolean(),
    diverged_at: z
      .object({
        layer_index: z.number().int(),
        script_id: z.string(),
        name: z.string(),
        fields: z.array(z.string()),
      })
      .nullable(),
    layers: z.array(z.object({ layer_index: z.number().int(), spans: z.array(SpanDiffSchema) })),
  })
  .openapi("TraceDiff");
