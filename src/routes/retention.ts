/**
 * `GET /v1/retention` (scope `ops`): the retention setting, the cutoff it gives now and how many
 * traces are due (what the next cleanup would delete). The console shows it next to its
 * "Clean up now" button; the cleanup itself is `POST /internal/cleanup-traces`.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { countExpiredTraces } from "../db/trace-retention";
import { retentionCutoff } from "../jobs/cleanup";
import { scoped } from "../middleware/auth";
import { errorResponses, jsonResponse } from "../schemas/common";
import type { App } from "../types";

const RetentionSchema = z
  .object({
    retention_days: z.number().int().openapi({ description: "TRACE_RETENTION_DAYS" }),
    cutoff: z.number().int().openapi({ description: "Unix ms; traces that started before it are due" }),
    cutoff_iso: z.string(),
    due_traces: z.number().int().openapi({ description: "Traces the next cleanup would delete" }),
  })
  .openapi("Retention");

const route = createRoute({
  method: "get",
  path: "/v1/retention",
  tags: ["internal"],
  ...scoped("ops"),
  summary: "The retention setting and the number of traces due for cleanup",
  responses: {
    200: jsonResponse(RetentionSchema, "Retention status"),
    ...errorResponses(401, 500, 503),
  },
});

/** Registers `GET /v1/retention`. */
export function registerRetention(app: App): void {
  app.openapi(route, async (c) => {
    const days = c.var.config.TRACE_RETENTION_DAYS;
    const cutoff = retentionCutoff(Date.now(), days);
    const due = await countExpiredTraces(c.var.db, cutoff);
    return c.json(
      { retention_days: days, cutoff, cutoff_iso: new Date(cutoff).toISOString(), due_traces: due },
      200,
    );
  });
}
