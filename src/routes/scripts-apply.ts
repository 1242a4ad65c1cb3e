/**
 * `POST /v1/scripts/apply` (admin token): lands a whole plan — creates, updates, disables,
 * moves — all or nothing. Every source is compile-checked first (422 naming `create.N.source` /
 * `update.N.source`); every update carries the `expected_version` it was planned against, and one
 * that moved on makes the whole plan a 409 naming it. Then everything runs in one transaction,
 * with one `scripts.apply` audit entry per script it changes. `hookline push` calls this.
 */
import { createRoute } from "@hono/zod-openapi";
import { auditEntry } from "../audit/entry";
import { applyScriptPlan, type PlannedUpdate, PlanRejected } from "../db/scripts-apply";
import * as repo from "../db/scripts-repo";
import { ApiError } from "../errors";
import { scoped } from "../middleware/auth";
import { jsonObjectBody } from "../middleware/json-body";
import { getScriptCache } from "../pipeline/script-source";
import { errorResponses, jsonBody, jsonResponse } from "../schemas/common";
import { ApplyResultSchema, ApplyScriptsBody } from "../schemas/scripts";
import type { App } from "../types";
import { assertCompiles, changesFrom, newScriptFrom, newVersionFor } from "./script-fields";

/** A plan of many scripts (200 items at most; each source at most 64 KiB). */
const MAX_APPLY_BODY_BYTES = 4 * 1024 * 1024;

const apply = createRoute({
  tags: ["scripts"],
  method: "post",
  path: "/v1/scripts/apply",
  summary: "Apply a plan of script changes in one transaction (all or nothing)",
  ...scoped("scripts:write", ...jsonObjectBody(MAX_APPLY_BODY_BYTES)),
  request: { body: jsonBody(ApplyScriptsBody) },
  responses: {
    200: jsonResponse(ApplyResultSchema, "Applied: what each item became"),
    ...errorResponses(400, 401, 404, 409, 413, 415, 422),
  },
});

function toApiError(err: PlanRejected): ApiError {
  if (err.reason === "missing") return new ApiError("NOT_FOUND", err.message, { field: `${err.item}.id` });
  const field = err.reason === "version" ? `${err.item}.expected_version` : `${err.item}.parallel_index`;
  return new ApiError("CONFLICT", err.message, { field, details: err.details });
}

export function registerScriptsApply(app: App): void {
  app.openapi(apply, async (c) => {
    const body = c.req.valid("json");
    for (const [i, s] of body.create.entries()) assertCompiles(s.source, `create.${i}.source`);
    for (const [i, u] of body.update.entries()) {
      if (u.source !== undefined) assertCompiles(u.source, `update.${i}.source`);
    }
    const now = Date.now();
    const creates = await Promise.all(body.create.map((s) => newScriptFrom(s, now)));
    const known = new Map(
      (
        await repo.getScriptsByIds(
          c.var.db,
          body.update.map((u) => u.id),
        )
      ).map((s) => [s.id, s]),
    );
    // An unknown id gets no new version here and is refused inside the transaction (404 naming the item).
    const versions = await Promise.all(body.update.map((u) => newVersionFor(known.get(u.id), u)));
    const updates: PlannedUpdate[] = body.update.map((u, i) => ({
      id: u.id,
      expectedVersion: u.expected_version,
      changes: changesFrom(u),
      version: versions[i]?.content ?? null,
    }));
    const audits = [
      ...creates.map((s) =>
        auditEntry(
          c,
          {
            action: "scripts.apply",
            targetType: "script",
            targetId: s.id,
            afterVersion: 1,
            details: { change: "create" },
          },
          now,
        ),
      ),
      ...updates.map((u, i) => {
        const after = u.version ? u.expectedVersion + 1 : u.expectedVersion;
        const changed = [...Object.keys(u.changes), ...(versions[i]?.changed ?? [])];
        const change = u.changes.enabled === false ? "disable" : "update";
        return auditEntry(
          c,
          {
            action: "scripts.apply",
            targetType: "script",
            targetId: u.id,
            beforeVersion: u.expectedVersion,
            afterVersion: after,
            details: { change, changed },
          },
          now,
        );
      }),
    ];
    const applied = await applyScriptPlan(c.var.db, creates, updates, now, audits).catch((err) => {
      throw err instanceof PlanRejected ? toApiError(err) : err;
    });
    getScriptCache(c.var.config).invalidate();
    return c.json(
      {
        scripts: applied.map((a) => ({
          id: a.id,
          name: a.name,
          trigger_event: a.triggerEvent,
          action: a.action,
          previous_version: a.previousVersion,
          current_version: a.currentVersion,
          enabled: a.enabled,
        })),
      },
      200,
    );
  });
}
