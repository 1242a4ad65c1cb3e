/**
 * `POST /internal/cleanup-traces` (admin token): runs the same retention cleanup as the daily
 * cron, now, and answers what it deleted. Optional `batch_size` and `time_budget_ms` query
 * parameters bound one call; `done: false` means call again.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { auditEntry } from "../audit/entry";
import { auditInsert } from "../db/audit-repo";
import { cleanupExpiredTraces, DEFAULT_BATCH_SIZE, DEFAULT_TIME_BUDGET_MS } from "../jobs/cleanup";
import { scoped } from "../middleware/auth";
import { errorResponses, jsonResponse } from "../schemas/common";
import type { App } from "../types";

const intParam = (min: number, max: number, description: string) =>
  z
    .string()
    .regex(/^\d+$/, "expected a non-negative integer")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .optional()
    .openapi({ description });

const CleanupQuery = z.object({
  batch_size: intParam(1, 5000, `Traces per round trip (default ${DEFAULT_BATCH_SIZE})`),
  time_budget_ms: intParam(
    0,
    60_000,
    `Stop starting rounds after this long (default ${DEFAULT_TIME_BUDGET_MS})`,
  ),
});

const CleanupResultSchema = z
  .object({
    cutoff: z.number().int().openapi({ description: "Unix ms; traces that started before it were due" }),
    cutoff_iso: z.string(),
    retention_days: z.number().int(),
    deleted_traces: z.number().int(),
    deleted_spans: z.number().int(),
    batches: z.number().int(),
    done: z.boolean().openapi({ description: "False when the time budget ended first; call again" }),
  })
  .openapi("CleanupResult");

const route = createRoute({
  method: "post",
  path: "/internal/cleanup-traces",
  tags: ["internal"],
  ...scoped("ops"),
  summary: "Delete traces older than TRACE_RETENTION_DAYS (and their spans) now",
  request: { query: CleanupQuery },
  responses: {
    200: jsonResponse(CleanupResultSchema, "What was deleted"),
    ...errorResponses(400, 401, 500, 503),
  },
});

/** Registers the internal maintenance endpoints. */
export function registerInternal(app: App): void {
  app.openapi(route, async (c) => {
    const q = c.req.valid("query");
    const retentionDays = c.var.config.TRACE_RETENTION_DAYS;
    const result = await cleanupExpiredTraces(c.var.db, {
      now: Date.now(),
      retentionDays,
      batchSize: q.batch_size,
      timeBudgetMs: q.time_budget_ms,
    });
    c.var.logger.info("trace_cleanup", { ...result, trigger: "http" });
    await auditInsert(
      c.var.db,
      auditEntry(c, {
        action: "traces.cleanup",
        targetType: "traces",
        details: {
          deleted_traces: result.deleted_traces,
          deleted_spans: result.deleted_spans,
          done: result.done,
        },
      }),
    );
    return c.json({ ...result, retention_days: retentionDays }, 200);
  });
}
