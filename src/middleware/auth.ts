/**
 * Bearer-token access: `ADMIN_TOKEN` for the management API, `TRIGGER_TOKEN` for trigger calls.
 * Tokens are compared in constant time (SHA-256 of both, then a timing-safe compare). A token that
 * is not configured makes its endpoints refuse with NOT_CONFIGURED: they never run open.
 */
import type { MiddlewareHandler } from "hono";
import { ApiError } from "../errors";
import type { AppEnv } from "../types";

export type TokenName = "ADMIN_TOKEN" | "TRIGGER_TOKEN";

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

/** Requires the named secret as a bearer token. */
export function requireToken(name: TokenName): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const expected = c.get("config")[name];
    if (!expected) {
      throw new ApiError(
        "NOT_CONFIGURED",
        `${name} is not configured; this endpoint is disabled until it is set`,
      );
    }
    const given = bearerToken(c.req.header("authorization"));
    if (given === null) {
      throw new ApiError("UNAUTHORIZED", "Missing bearer token in the Authorization header");
    }
    if (!(await constantTimeEqual(given, expected))) {
      throw new ApiError("UNAUTHORIZED", "Invalid bearer token");
    }
    await next();
  };
}
