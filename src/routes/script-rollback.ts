/**
 * `POST /v1/scripts/{id}/rollback` (scope scripts:write): makes a new current version whose source and
 * run settings (on_error, instruction_budget, mode, allowed_hosts, timeout_ms) are those of version n. History is never
 * rewritten: version n stays, and so does every version after it; the answer names n. The
 * audit entry (`script.rollback`, before/after versions, `from_version`) is in the same batch.
 */
import { createRoute } from "@hono/zod-openapi";
import { auditEntry } from "../audit/entry";
import { applyScriptPlan, type PlannedUpdate, PlanRejected } from "../db/scripts-apply";
import * as repo from "../db/scripts-repo";
import { settingsAfter } from "../db/scripts-repo";
import { ApiError } from "../errors";
import { scoped } from "../middleware/auth";
import { jsonObjectBody } from "../middleware/json-body";
import { getScriptCache } from "../pipeline/script-source";
import { errorResponses, jsonBody, jsonResponse } from "../schemas/common";
import { RollbackBody, RollbackResult, ScriptIdParam } from "../schemas/scripts";
import type { App } from "../types";
import { assertCompiles } from "./script-fields";
import { loadOr404 } from "./scripts";
import { presentScript } from "./scripts-presenter";

const route = createRoute({
  method: "post",
  path: "/v1/scripts/{id}/rollback",
  tags: ["scripts"],
  summary: "Make a new current version from version n (source and settings); history stays",
  ...scoped("scripts:write", ...jsonObjectBody(1024)),
  request: { params: ScriptIdParam, body: jsonBody(RollbackBody) },
  responses: {
    200: jsonResponse(RollbackResult, "The script at its new version"),
    ...errorResponses(400, 401, 404, 409, 413, 415, 422),
  },
});

export function registerScriptRollback(app: App): void {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    const { version } = c.req.valid("json");
    const current = await loadOr404(c.var.db, id);
    const old = await repo.getVersion(c.var.db, id, version);
    if (!old) throw new ApiError("NOT_FOUND", `Script ${id} has no version ${version}`, { field: "version" });
    assertCompiles(old.source, "version");
    const { source, sha256, allowedHosts, timeoutMs } = old;
    const planned: PlannedUpdate = {
      id,
      expectedVersion: current.currentVersion,
      changes: settingsAfter(old),
      version: { source, sha256, allowedHosts, timeoutMs },
    };
    const audit = auditEntry(c, {
      action: "script.rollback",
      targetType: "script",
      targetId: id,
      beforeVersion: current.currentVersion,
      afterVersion: current.currentVersion + 1,
      details: { from_version: version },
    });
    // One transaction that re-checks the version: an edit landing after our read is a 409.
    await applyScriptPlan(c.var.db, [], [planned], Date.now(), [audit]).catch((err: unknown) => {
      if (!(err instanceof PlanRejected)) throw err;
      throw new ApiError("CONFLICT", "The script changed concurrently; read it and retry", {
        field: "version",
        details: err.details,
      });
    });
    getScriptCache(c.var.config).invalidate();
    return c.json({ ...presentScript(await loadOr404(c.var.db, id)), rolled_back_from: version }, 200);
  });
}
