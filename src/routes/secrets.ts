/**
 * The script secrets API: `PUT /v1/scripts/{id}/secrets/{name}` (scope secrets:write; the value
 * is write-only), `GET /v1/scripts/{id}/secrets` (scripts:read; names and times, never values),
 * `DELETE …` (secrets:write), and `POST /v1/secrets/reencrypt` (secrets:write) to finish a key
 * rotation. Every change writes an audit row (names only). Without a usable SECRETS_KEY every one
 * answers 500 (NOT_CONFIGURED, or CONFIG_INVALID naming the problem). An edit drops this
 * isolate's script cache, like a script edit.
 */
import { createRoute } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { auditEntry } from "../audit/entry";
import { auditInsert } from "../db/audit-repo";
import * as repo from "../db/scripts-repo";
import * as secretsRepo from "../db/secrets-repo";
import { ApiError } from "../errors";
import { scoped } from "../middleware/auth";
import { jsonObjectBody } from "../middleware/json-body";
import { invalidateScriptCaches } from "../pipeline/script-source";
import { errorResponses, jsonBody, jsonResponse } from "../schemas/common";
import { ScriptIdParam } from "../schemas/scripts";
import {
  MAX_SECRETS_PER_SCRIPT,
  PutSecretBody,
  ReencryptQuery,
  ReencryptResultSchema,
  SecretInfoSchema,
  SecretListSchema,
  SecretParams,
} from "../schemas/secrets";
import { type Keyring, openSecret, SecretDecryptError, sealSecret } from "../secrets/crypto";
import { getKeyring } from "../secrets/keyring";
import type { App, AppEnv } from "../types";

const DEFAULT_REENCRYPT_LIMIT = 200;

/** Refuses with NOT_CONFIGURED / CONFIG_INVALID unless the keyring imports. */
function requireKeyring(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const keyring = await getKeyring(c.var.config);
    if (!keyring.ok) throw new ApiError(keyring.code, keyring.message);
    await next();
  };
}

async function keyringOf(c: { var: AppEnv["Variables"] }): Promise<Keyring> {
  const result = await getKeyring(c.var.config);
  if (!result.ok) throw new ApiError(result.code, result.message);
  return result.keyring;
}

async function scriptOr404(db: AppEnv["Variables"]["db"], id: string): Promise<void> {
  if (!(await repo.getScript(db, id))) throw new ApiError("NOT_FOUND", `No script with id ${id}`);
}

const base = { tags: ["secrets"] };
const present = (s: secretsRepo.SecretInfo) => ({
  name: s.name,
  key_id: s.keyId,
  created_at: s.createdAt,
  updated_at: s.updatedAt,
});

const put = createRoute({
  ...base,
  method: "put",
  path: "/v1/scripts/{id}/secrets/{name}",
  summary: "Set a script secret (encrypted at rest; the value is never answered)",
  ...scoped("secrets:write", requireKeyring(), ...jsonObjectBody(64 * 1024)),
  request: { params: SecretParams, body: jsonBody(PutSecretBody) },
  responses: {
    200: jsonResponse(SecretInfoSchema, "Replaced"),
    201: jsonResponse(SecretInfoSchema, "Created"),
    ...errorResponses(400, 401, 404, 409, 413, 415, 500),
  },
});
const list = createRoute({
  ...base,
  method: "get",
  path: "/v1/scripts/{id}/secrets",
  summary: "List a script's secrets: names and times, never values",
  ...scoped("scripts:read", requireKeyring()),
  request: { params: ScriptIdParam },
  responses: {
    200: jsonResponse(SecretListSchema, "Secrets by name"),
    ...errorResponses(400, 401, 404, 500),
  },
});
const remove = createRoute({
  ...base,
  method: "delete",
  path: "/v1/scripts/{id}/secrets/{name}",
  summary: "Delete a script secret",
  ...scoped("secrets:write", requireKeyring()),
  request: { params: SecretParams },
  responses: {
    200: jsonResponse(SecretInfoSchema.pick({ name: true }), "Deleted"),
    ...errorResponses(400, 401, 404, 500),
  },
});
const reencrypt = createRoute({
  ...base,
  method: "post",
  path: "/v1/secrets/reencrypt",
  summary: "Re-encrypt rows written under older key ids with the current SECRETS_KEY (rotation)",
  ...scoped("secrets:write", requireKeyring()),
  request: { query: ReencryptQuery },
  responses: {
    200: jsonResponse(ReencryptResultSchema, "What was re-encrypted"),
    ...errorResponses(400, 401, 500),
  },
});

export function registerSecrets(app: App): void {
  app.openapi(put, async (c) => {
    const { id, name } = c.req.valid("param");
    const { value } = c.req.valid("json");
    const keyring = await keyringOf(c);
    await scriptOr404(c.var.db, id);
    const sealed = await sealSecret(keyring, id, name, value);
    const written = await secretsRepo.upsertSecret(
      c.var.db,
      { scriptId: id, name, ...sealed, now: Date.now() },
      MAX_SECRETS_PER_SCRIPT,
      auditEntry(c, {
        action: "secret.put",
        targetType: "script",
        targetId: id,
        details: { name, key_id: sealed.keyId },
      }),
    );
    if (!written) {
      throw new ApiError(
        "CONFLICT",
        `Script ${id} already has ${MAX_SECRETS_PER_SCRIPT} secrets (the maximum)`,
        {
          field: "name",
        },
      );
    }
    invalidateScriptCaches(c.var.config);
    return c.json(present(written.info), written.created ? 201 : 200);
  });

  app.openapi(list, async (c) => {
    const { id } = c.req.valid("param");
    await scriptOr404(c.var.db, id);
    const rows = await secretsRepo.listSecretInfo(c.var.db, id);
    return c.json({ secrets: rows.map(present), max_secrets: MAX_SECRETS_PER_SCRIPT }, 200);
  });

  app.openapi(remove, async (c) => {
    const { id, name } = c.req.valid("param");
    await scriptOr404(c.var.db, id);
    const audit = auditEntry(c, {
      action: "secret.delete",
      targetType: "script",
      targetId: id,
      details: { name },
    });
    if (!(await secretsRepo.deleteSecret(c.var.db, id, name, audit))) {
      throw new ApiError("NOT_FOUND", `Script ${id} has no secret ${name}`);
    }
    invalidateScriptCaches(c.var.config);
    return c.json({ name }, 200);
  });

  app.openapi(reencrypt, async (c) => {
    const keyring = await keyringOf(c);
    const limit = c.req.valid("query").limit ?? DEFAULT_REENCRYPT_LIMIT;
    const rows = await secretsRepo.listSealedNotUnder(c.var.db, keyring.currentId, limit);
    let reencrypted = 0;
    const failed: { script_id: string; name: string; key_id: string }[] = [];
    for (const row of rows) {
      try {
        const value = await openSecret(keyring, row.scriptId, row.name, row);
        const sealed = await sealSecret(keyring, row.scriptId, row.name, value);
        if (await secretsRepo.reseal(c.var.db, row, { scriptId: row.scriptId, name: row.name, ...sealed })) {
          reencrypted++;
        }
      } catch (err) {
        if (!(err instanceof SecretDecryptError)) throw err;
        c.var.logger.error("secret_decrypt_failed", {
          script_id: row.scriptId,
          name: row.name,
          key_id: row.keyId,
        });
        failed.push({ script_id: row.scriptId, name: row.name, key_id: row.keyId });
      }
    }
    if (reencrypted > 0) invalidateScriptCaches(c.var.config);
    const details = { key_id: keyring.currentId, reencrypted, failed: failed.length };
    await auditInsert(
      c.var.db,
      auditEntry(c, { action: "secrets.reencrypt", targetType: "secrets", details }),
    );
    c.var.logger.info("secrets_reencrypted", details);
    return c.json({ key_id: keyring.currentId, reencrypted, failed, done: rows.length < limit }, 200);
  });
}
