/**
 * Optional signed trigger calls (Standard Webhooks style). With `TRIGGER_SIGNING_SECRET` set,
 * a trigger call must carry `webhook-timestamp` (Unix seconds) and `webhook-signature`
 * (`v1,<base64 HMAC-SHA256 of "<timestamp>.<raw body>">`, several space-separated for rotation).
 * Stale (more than 5 minutes either way) or wrong signatures are 401.
 */
import type { MiddlewareHandler } from "hono";
import { ApiError } from "../errors";
import type { AppEnv } from "../types";
import { constantTimeEqual } from "./auth";

export const SIGNATURE_TOLERANCE_S = 300;

const encoder = new TextEncoder();

/** Computes the `v1,<base64>` signature of a body at a timestamp. */
export async function signBody(secret: string, timestamp: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${timestamp}.${body}`));
  return `v1,${btoa(String.fromCharCode(...new Uint8Array(mac)))}`;
}

/** Verifies the signature headers when a signing secret is configured; a no-op otherwise. */
export function verifySignature(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const secret = c.get("config").TRIGGER_SIGNING_SECRET;
    if (!secret) return next();
    const timestamp = c.req.header("webhook-timestamp");
    const signatures = c.req.header("webhook-signature");
    if (!timestamp || !signatures) {
      throw new ApiError(
        "UNAUTHORIZED",
        "Signed calls are required: missing webhook-timestamp or webhook-signature header",
      );
    }
    const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
    if (!Number.isFinite(seconds) || Math.abs(Date.now() / 1000 - seconds) > SIGNATURE_TOLERANCE_S) {
      throw new ApiError(
        "UNAUTHORIZED",
        "webhook-timestamp is missing, malformed or more than 5 minutes off",
      );
    }
    const expected = await signBody(secret, timestamp, c.get("rawBody"));
    let matched = false;
    for (const candidate of signatures.split(" ").filter(Boolean)) {
      if (await constantTimeEqual(candidate, expected)) matched = true;
    }
    if (!matched) throw new ApiError("UNAUTHORIZED", "webhook-signature does not match the body");
    await next();
  };
}
