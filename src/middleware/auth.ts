/**
 * Bearer-token access with scopes. Every endpoint but `/health` requires one scope: a token that
 * is missing or unknown answers 401 UNAUTHORIZED, a known token without the scope answers 403
 * FORBIDDEN naming it. When no configured token could ever hold the scope, the endpoint answers
 * 500 NOT_CONFIGURED: it never runs open. The caller's principal (token name and scopes) is put
 * on `c.var.principal` for the audit trail.
 */
import type { MiddlewareHandler } from "hono";
import type { Scope } from "../auth/scopes";
import { resolveToken, scopeConfigured } from "../auth/tokens";
import { ApiError } from "../errors";
import type { AppEnv } from "../types";

const encoder = new TextEncoder();

/** Compares two strings in time that depends only on their SHA-256 digests' length. */
export async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(a)),
    crypto.subtle.digest("SHA-256", encoder.encode(b)),
  ]);
  const subtle = crypto.subtle as SubtleCrypto & {
    timingSafeEqual?: (x: ArrayBuffer, y: ArrayBuffer) => boolean;
  };
  if (subtle.timingSafeEqual) return subtle.timingSafeEqual(da, db);
  const x = new Uint8Array(da);
  const y = new Uint8Array(db);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** Reads `Authorization: Bearer <token>`; returns null when absent or not a bearer token. */
export function bearerToken(header: string | undefined): string | null {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1] ?? null;
}

function tokenSources(scope: Scope): string {
  return scope === "trigger" ? "TRIGGER_TOKEN, ADMIN_TOKEN or API_TOKENS" : "ADMIN_TOKEN or API_TOKENS";
}

/**
 * Requires a bearer token holding `scope`.
 * @throws ApiError NOT_CONFIGURED (500), UNAUTHORIZED (401) or FORBIDDEN (403)
 */
export function requireScope(scope: Scope): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const config = c.get("config");
    if (!scopeConfigured(config, scope)) {
      throw new ApiError(
        "NOT_CONFIGURED",
        `No token with scope '${scope}' is configured (${tokenSources(scope)}); this endpoint is disabled until one is set`,
      );
    }
    const given = bearerToken(c.req.header("authorization"));
    if (given === null) {
      throw new ApiError("UNAUTHORIZED", "Missing bearer token in the Authorization header");
    }
    const principal = await resolveToken(config, given);
    if (!principal) throw new ApiError("UNAUTHORIZED", "Invalid bearer token");
    if (!principal.scopes.has(scope)) {
      throw new ApiError("FORBIDDEN", `Token '${principal.name}' lacks the scope '${scope}'`, {
        details: { required_scope: scope },
      });
    }
    c.set("principal", principal);
    await next();
  };
}

/**
 * The OpenAPI part of a scoped route: the bearer security requirement naming the scope (OpenAPI
 * 3.1 allows role names on non-OAuth schemes) and `x-required-scope`.
 */
export function scopeDoc(scope: Scope) {
  return { security: [{ bearerToken: [scope as string] }], "x-required-scope": scope };
}

/**
 * Everything a route needs for its scope: the OpenAPI security entries and the middleware chain
 * (the scope check first, then `extra`, e.g. the JSON body parser).
 * @example createRoute({ method: "get", path: "/v1/scripts", ...scoped("scripts:read"), … })
 */
export function scoped(scope: Scope, ...extra: MiddlewareHandler<AppEnv>[]) {
  return { ...scopeDoc(scope), middleware: [requireScope(scope), ...extra] };
}
