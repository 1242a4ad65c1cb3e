/**
 * `DELETE /v1/users/{user_id}/traces` (scope `ops`): erases every trace and span of one user
 * (`user_id` as recorded from the context), in bounded index-backed batches. One call runs at
 * most `max_batches` rounds of `batch_size` traces and answers the counts; `done: false` means
 * more remain: call again. The log line and the audit entry (`user.erase`) carry the counts and
 * only a SHA-256 of the user id, never the id itself.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { auditEntry } from "../audit/entry";
import { auditInsert } from "../db/audit-repo";
import { eraseUserTraces } from "../db/user-erasure";
import { sha256Hex } from "../lib/hash";
import { scoped } from "../middleware/auth";
import { errorResponses, jsonResponse } from "../schemas/common";
import type { App } from "../types";

export const DEFAULT_ERASE_BATCH = 500;
export const DEFAULT_ERASE_MAX_BATCHES = 10;

const intParam = (max: number, description: string) =>
  z
    .string()
    .regex(/^\d+$/, "expected a positive integer")
    .transform(Number)
    .pipe(z.number().int().min(1).max(max))
    .optional()
    .openapi({ description });

const route = createRoute({
  method: "delete",
  path: "/v1/users/{user_id}/traces",
  tags: ["users"],
  ...scoped("ops"),
  summary: "Erase every trace and span of one user",
  request: {
    params: z.object({
      user_id: z.string().min(1).max(256).openapi({ example: "u_456" }),
    }),
    query: z.object({
      batch_size: intParam(5000, `Traces per round trip (default ${DEFAULT_ERASE_BATCH})`),
      max_batches: intParam(100, `Rounds in this call (default ${DEFAULT_ERASE_MAX_BATCHES})`),
    }),
  },
  responses: {
    200: jsonResponse(
      z
        .object({
          deleted_traces: z.number().int(),
          deleted_spans: z.number().int(),
          batches: z.number().int(),
          done: z.boolean().openapi({ description: "False: more of this user's traces remain; call again" }),
        })
        .openapi("UserErasure"),
      "What was deleted",
    ),
    ...errorResponses(400, 401, 500, 503),
  },
});

/** Registers the per-user data endpoints. */
export function registerUsers(app: App): void {
  app.openapi(route, async (c) => {
    const { user_id } = c.req.valid("param");
    const q = c.req.valid("query");
    const result = await eraseUserTraces(c.var.db, user_id, {
      batchSize: q.batch_size ?? DEFAULT_ERASE_BATCH,
      maxBatches: q.max_batches ?? DEFAULT_ERASE_MAX_BATCHES,
    });
    c.var.logger.info("user_traces_erased", { ...result });
    await auditInsert(
      c.var.db,
      auditEntry(c, {
        action: "user.erase",
        targetType: "user",
        targetId: `sha256:${await sha256Hex(user_id)}`,
        details: { ...result },
      }),
    );
    return c.json(result, 200);
  });
}
