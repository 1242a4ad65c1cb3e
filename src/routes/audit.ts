/**
 * `GET /v1/audit` (scope `ops`): the audit trail, newest first, with filters (actor, action,
 * target_id, since, until) and keyset pages (`next_cursor`).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { listAudit } from "../db/audit-repo";
import { AUDIT_ACTIONS, type AuditRow } from "../db/schema";
import { cursorParam, encodeCursor, instantParam, limitParam } from "../lib/time-params";
import { scoped } from "../middleware/auth";
import { errorResponses, jsonResponse } from "../schemas/common";
import type { App } from "../types";

const AuditQuerySchema = z.object({
  actor: z.string().min(1).max(64).optional().openapi({ description: "Token name, e.g. ci-deploy or admin" }),
  action: z.enum(AUDIT_ACTIONS).optional(),
  target_id: z.string().min(1).max(128).optional().openapi({ description: "e.g. a script id" }),
  since: instantParam("Entries at or after this instant").optional(),
  until: instantParam("Entries before this instant").optional(),
  limit: limitParam(50, 200),
  cursor: cursorParam.optional(),
});

const AuditEntrySchema = z
  .object({
    id: z.string(),
    at: z.number().int().openapi({ description: "Unix ms" }),
    at_iso: z.string(),
    actor: z.string().openapi({ description: "The name of the token that made the change" }),
    action: z.enum(AUDIT_ACTIONS),
    target_type: z.string(),
    target_id: z.string().nullable(),
    request_id: z.string(),
    before_version: z.number().int().nullable(),
    after_version: z.number().int().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi("AuditEntry");

const route = createRoute({
  method: "get",
  path: "/v1/audit",
  tags: ["audit"],
  summary: "The audit trail: who changed what, when (newest first)",
  ...scoped("ops"),
  request: { query: AuditQuerySchema },
  responses: {
    200: jsonResponse(
      z.object({ entries: z.array(AuditEntrySchema), next_cursor: z.string().nullable() }),
      "A page of audit entries",
    ),
    ...errorResponses(400, 401, 500, 503),
  },
});

function present(row: AuditRow) {
  return {
    id: row.id,
    at: row.at,
    at_iso: new Date(row.at).toISOString(),
    actor: row.actor,
    action: row.action,
    target_type: row.targetType,
    target_id: row.targetId,
    request_id: row.requestId,
    before_version: row.beforeVersion,
    after_version: row.afterVersion,
    details: row.details ? (JSON.parse(row.details) as Record<string, unknown>) : null,
  };
}

/** Registers `GET /v1/audit`. */
export function registerAudit(app: App): void {
  app.openapi(route, async (c) => {
    const q = c.req.valid("query");
    const { rows, more } = await listAudit(c.var.db, {
      actor: q.actor,
      action: q.action,
      targetId: q.target_id,
      since: q.since,
      until: q.until,
      limit: q.limit,
      cursor: q.cursor,
    });
    const last = rows[rows.length - 1];
    const next = more && last ? encodeCursor({ startedAt: last.at, id: last.id }) : null;
    return c.json({ entries: rows.map(present), next_cursor: next }, 200);
  });
}
