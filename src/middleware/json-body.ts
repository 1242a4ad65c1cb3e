/**
 * Strict JSON bodies: `content-type: application/json` (415 otherwise), a byte cap (413 beyond),
 * valid UTF-8 JSON (400 INVALID_JSON otherwise), and a JSON object at the top (400 naming `body`).
 * The raw text and the parsed object are left on `c.var` for signature checks and handlers.
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ApiError } from "../errors";
import type { AppEnv } from "../types";

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Reads, caps and parses a JSON object body. */
export function jsonObjectBody(maxBytes: number): MiddlewareHandler<AppEnv>[] {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError("PAYLOAD_TOO_LARGE", `Request body exceeds ${maxBytes} bytes`);
    },
  });
  const parse: MiddlewareHandler<AppEnv> = async (c, next) => {
    const type = c.req.header("content-type") ?? "";
    if (!JSON_TYPE.test(type)) {
      throw new ApiError("UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json", {
        field: "content-type",
      });
    }
    let text: string;
    try {
      text = decoder.decode(await c.req.arrayBuffer());
    } catch {
      throw new ApiError("INVALID_JSON", "Request body is not valid UTF-8");
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new ApiError("INVALID_JSON", `Request body is not valid JSON: ${(err as Error).message}`);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      const kind = Array.isArray(parsed) ? "an array" : parsed === null ? "null" : typeof parsed;
      throw new ApiError("VALIDATION_FAILED", `Request body must be a JSON object, got ${kind}`, {
        field: "body",
      });
    }
    c.set("rawBody", text);
    c.set("jsonBody", parsed as Record<string, unknown>);
    await next();
  };
  return [limit, parse];
}
