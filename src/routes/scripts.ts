/**
 * The scripts API (admin token): create, list, read, update (a new source, allowed_hosts or
 * timeout_ms makes a new immutable version), disable, and read versions. Source that does not compile is refused with
 * 422 and its line and message; an enabled script cannot share a slot (event, layer, parallel).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { auditEntry } from "../audit/entry";
import { applyScriptPlan, PlanRejected } from "../db/scripts-apply";
import * as repo from "../db/scripts-repo";
import { ApiError } from "../errors";
import { isUniqueViolation } from "../lib/db-errors";
import { scoped } from "../middleware/auth";
import { jsonObjectBody } from "../middleware/json-body";
import { getScriptCache } from "../pipeline/script-source";
import { EventName, errorResponses, jsonBody, jsonResponse } from "../schemas/common";
import {
  CreateScriptBody,
  ScriptIdParam,
  ScriptSchema,
  ScriptVersionSchema,
  UpdateScriptBody,
} from "../schemas/scripts";
import type { App } from "../types";
import { assertCompiles, changesFrom, newScriptFrom, newVersionFor } from "./script-fields";
import { presentScript, presentVersion } from "./scripts-presenter";

const MAX_SCRIPT_BODY_BYTES = 256 * 1024;
const reader = scoped("scripts:read");
const writer = scoped("scripts:write", ...jsonObjectBody(MAX_SCRIPT_BODY_BYTES));
const disabler = scoped("scripts:write");
const base = { tags: ["scripts"] };

export async function loadOr404(db: Parameters<typeof repo.getScript>[0], id: string) {
  const script = await repo.getScript(db, id);
  if (!script) throw new ApiError("NOT_FOUND", `No script with id ${id}`);
  return script;
}

function slotConflict(err: unknown): never {
  if (isUniqueViolation(err)) {
    throw new ApiError(
      "CONFLICT",
      "Another enabled script already holds this trigger_event/layer_index/parallel_index slot, or the script changed concurrently",
      { field: "parallel_index" },
    );
  }
  throw err;
}

/**
 * The version an update must be based on: `If-Match: 3` (or `"3"`, an ETag) or the body's
 * `expected_version`; null when neither is given. Both given and different is a 400.
 */
function expectedVersion(header: string | undefined, fromBody: number | undefined): number | null {
  let fromHeader: number | undefined;
  if (header !== undefined) {
    const m = /^\s*(?:W\/)?"?([1-9][0-9]{0,8})"?\s*$/.exec(header);
    if (!m)
      throw new ApiError("BAD_REQUEST", "If-Match must be a script version such as 3", { field: "if-match" });
    fromHeader = Number(m[1]);
  }
  if (fromHeader !== undefined && fromBody !== undefined && fromHeader !== fromBody) {
    throw new ApiError("BAD_REQUEST", "If-Match and expected_version disagree", {
      field: "expected_version",
    });
  }
  return fromHeader ?? fromBody ?? null;
}

function versionConflict(current: repo.ScriptWithSource, expected: number): ApiError {
  return new ApiError(
    "CONFLICT",
    `Script ${current.id} is at version ${current.currentVersion}, not ${expected}: someone changed it first`,
    {
      field: "expected_version",
      details: { script_id: current.id, expected_version: expected, current_version: current.currentVersion },
    },
  );
}

const create = createRoute({
  ...base,
  method: "post",
  path: "/v1/scripts",
  summary: "Create a script (version 1)",
  ...writer,
  request: { body: jsonBody(CreateScriptBody) },
  responses: { 201: jsonResponse(ScriptSchema, "Created"), ...errorResponses(400, 401, 409, 413, 415, 422) },
});
const list = createRoute({
  ...base,
  method: "get",
  path: "/v1/scripts",
  summary: "List scripts",
  ...reader,
  request: { query: z.object({ trigger_event: EventName.optional() }) },
  responses: {
    200: jsonResponse(z.object({ scripts: z.array(ScriptSchema) }), "Scripts"),
    ...errorResponses(400, 401),
  },
});
const read = createRoute({
  ...base,
  method: "get",
  path: "/v1/scripts/{id}",
  summary: "Read a script",
  ...reader,
  request: { params: ScriptIdParam },
  responses: { 200: jsonResponse(ScriptSchema, "The script"), ...errorResponses(400, 401, 404) },
});
const update = createRoute({
  ...base,
  method: "put",
  path: "/v1/scripts/{id}",
  summary: "Update a script (a new source, allowed_hosts or timeout_ms makes a new version)",
  ...writer,
  request: {
    params: ScriptIdParam,
    headers: z.object({
      "if-match": z.string().optional().openapi({
        description: "The version this change is based on (409 if the script moved on)",
        example: "3",
      }),
    }),
    body: jsonBody(UpdateScriptBody),
  },
  responses: {
    200: jsonResponse(ScriptSchema, "Updated"),
    ...errorResponses(400, 401, 404, 409, 413, 415, 422),
  },
});
const disable = createRoute({
  ...base,
  method: "delete",
  path: "/v1/scripts/{id}",
  summary: "Disable a script (its versions stay)",
  ...disabler,
  request: { params: ScriptIdParam },
  responses: { 200: jsonResponse(ScriptSchema, "Disabled"), ...errorResponses(400, 401, 404) },
});
const versions = createRoute({
  ...base,
  method: "get",
  path: "/v1/scripts/{id}/versions",
  summary: "List a script's versions",
  ...reader,
  request: { params: ScriptIdParam },
  responses: {
    200: jsonResponse(z.object({ versions: z.array(ScriptVersionSchema) }), "Versions, oldest first"),
    ...errorResponses(400, 401, 404),
  },
});
const version = createRoute({
  ...base,
  method: "get",
  path: "/v1/scripts/{id}/versions/{version}",
  summary: "Read one version with its source",
  ...reader,
  request: {
    params: ScriptIdParam.extend({
      version: z.coerce
        .number()
        .int()
        .min(1)
        .openapi({ param: { name: "version", in: "path" } }),
    }),
  },
  responses: { 200: jsonResponse(ScriptVersionSchema, "The version"), ...errorResponses(400, 401, 404) },
});

export function registerScripts(app: App): void {
  app.openapi(create, async (c) => {
    const body = c.req.valid("json");
    assertCompiles(body.source);
    const script = await newScriptFrom(body, Date.now());
    const id = script.id;
    const audit = auditEntry(c, {
      action: "script.create",
      targetType: "script",
      targetId: id,
      afterVersion: 1,
      details: {
        trigger_event: body.trigger_event,
        layer_index: body.layer_index,
        parallel_index: body.parallel_index,
      },
    });
    await repo.insertScript(c.var.db, script, audit).catch(slotConflict);
    getScriptCache(c.var.config).invalidate();
    return c.json(presentScript(await loadOr404(c.var.db, id)), 201);
  });

  app.openapi(list, async (c) => {
    const scripts = await repo.listScripts(c.var.db, c.req.valid("query").trigger_event);
    return c.json({ scripts: scripts.map(presentScript) }, 200);
  });

  app.openapi(read, async (c) =>
    c.json(presentScript(await loadOr404(c.var.db, c.req.valid("param").id)), 200),
  );

  app.openapi(update, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const current = await loadOr404(c.var.db, id);
    const expected = expectedVersion(c.req.header("if-match"), body.expected_version);
    if (expected !== null && expected !== current.currentVersion) throw versionConflict(current, expected);
    if (body.source !== undefined) assertCompiles(body.source);
    const next = await newVersionFor(current, body);
    const planned = {
      id,
      expectedVersion: expected ?? current.currentVersion,
      changes: changesFrom(body),
      version: next?.content ?? null,
    };
    const audit = auditEntry(c, {
      action: "script.update",
      targetType: "script",
      targetId: id,
      beforeVersion: planned.expectedVersion,
      afterVersion: planned.version ? planned.expectedVersion + 1 : planned.expectedVersion,
      details: { changed: [...Object.keys(planned.changes), ...(next?.changed ?? [])] },
    });
    // One transaction that re-checks the version: a change landing after our read is a 409 too.
    await applyScriptPlan(c.var.db, [], [planned], Date.now(), [audit]).catch((err) => {
      if (!(err instanceof PlanRejected)) throw err;
      if (err.reason === "version") throw versionConflict(current, planned.expectedVersion);
      if (err.reason === "slot") slotConflict(err.cause);
      throw new ApiError("NOT_FOUND", `No script with id ${id}`);
    });
    getScriptCache(c.var.config).invalidate();
    return c.json(presentScript(await loadOr404(c.var.db, id)), 200);
  });

  app.openapi(disable, async (c) => {
    const current = await loadOr404(c.var.db, c.req.valid("param").id);
    const audit = auditEntry(c, {
      action: "script.disable",
      targetType: "script",
      targetId: current.id,
      beforeVersion: current.currentVersion,
      afterVersion: current.currentVersion,
      details: { was_enabled: current.enabled },
    });
    await repo.updateScript(
      c.var.db,
      current,
      current.enabled ? { enabled: false } : {},
      null,
      Date.now(),
      audit,
    );
    getScriptCache(c.var.config).invalidate();
    return c.json(presentScript(await loadOr404(c.var.db, current.id)), 200);
  });

  app.openapi(versions, async (c) => {
    const { id } = c.req.valid("param");
    await loadOr404(c.var.db, id);
    const rows = await repo.listVersions(c.var.db, id);
    return c.json({ versions: rows.map((v) => presentVersion(v, false)) }, 200);
  });

  app.openapi(version, async (c) => {
    const { id, version: n } = c.req.valid("param");
    const row = await repo.getVersion(c.var.db, id, n);
    if (!row) throw new ApiError("NOT_FOUND", `Script ${id} has no version ${n}`);
    return c.json(presentVersion(row, true), 200);
  });
}
