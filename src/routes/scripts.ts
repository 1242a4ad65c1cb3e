/**
 * The scripts API (admin token): create, list, read, update (a source change makes a new
 * immutable version), disable, and read versions. Source that does not compile is refused with
 * 422 and its line and message; an enabled script cannot share a slot (event, layer, parallel).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { auditEntry } from "../audit/entry";
import * as repo from "../db/scripts-repo";
import { checkSource } from "../engine";
import { ApiError } from "../errors";
import { isUniqueViolation } from "../lib/db-errors";
import { sha256Hex } from "../lib/hash";
import { randomHex } from "../lib/hex";
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
import { presentScript, presentVersion } from "./scripts-presenter";

const MAX_SCRIPT_BODY_BYTES = 256 * 1024;
const reader = scoped("scripts:read");
const writer = scoped("scripts:write", ...jsonObjectBody(MAX_SCRIPT_BODY_BYTES));
const disabler = scoped("scripts:write");
const base = { tags: ["scripts"] };

/** Refuses source that does not compile (422 naming `source`, with line and message). */
export function assertCompiles(source: string, field = "source"): void {
  const check = checkSource(source);
  if (!check.ok) {
    const where = check.line ? ` at line ${check.line}` : "";
    throw new ApiError("SCRIPT_COMPILE_ERROR", `Lua source does not compile${where}: ${check.message}`, {
      field,
      details: { line: check.line, message: check.message },
    });
  }
}

async function loadOr404(db: Parameters<typeof repo.getScript>[0], id: string) {
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
  summary: "Update a script (a new source makes a new version)",
  ...writer,
  request: {
    params: ScriptIdParam,
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
    const id = `scr_${randomHex(8)}`;
    const now = Date.now();
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
    await repo
      .insertScript(
        c.var.db,
        {
          id,
          name: body.name,
          description: body.description ?? null,
          triggerEvent: body.trigger_event,
          layerIndex: body.layer_index,
          parallelIndex: body.parallel_index,
          enabled: body.enabled,
          onError: body.on_error,
          instructionBudget: body.instruction_budget,
          allowedHosts: body.allowed_hosts,
          timeoutMs: body.timeout_ms,
          source: body.source,
          sha256: await sha256Hex(body.source),
          now,
        },
        audit,
      )
      .catch(slotConflict);
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
    let newSource: { source: string; sha256: string } | null = null;
    if (body.source !== undefined) {
      assertCompiles(body.source);
      const sha256 = await sha256Hex(body.source);
      if (sha256 !== current.sha256) newSource = { source: body.source, sha256 };
    }
    const changes: repo.ScriptChanges = {
      name: body.name,
      description: body.description,
      triggerEvent: body.trigger_event,
      layerIndex: body.layer_index,
      parallelIndex: body.parallel_index,
      enabled: body.enabled,
      onError: body.on_error,
      instructionBudget: body.instruction_budget,
      allowedHosts: body.allowed_hosts,
      timeoutMs: body.timeout_ms,
    };
    for (const key of Object.keys(changes) as (keyof repo.ScriptChanges)[]) {
      if (changes[key] === undefined) delete changes[key];
    }
    const audit = auditEntry(c, {
      action: "script.update",
      targetType: "script",
      targetId: id,
      beforeVersion: current.currentVersion,
      afterVersion: newSource ? current.currentVersion + 1 : current.currentVersion,
      details: { changed: [...Object.keys(changes), ...(newSource ? ["source"] : [])] },
    });
    await repo.updateScript(c.var.db, current, changes, newSource, Date.now(), audit).catch(slotConflict);
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
