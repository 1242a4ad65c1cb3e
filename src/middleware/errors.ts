/**
 * Turns every failure into the one error shape: ApiError as is, Hono's own HTTP exceptions
 * (body limit, malformed JSON) mapped to codes, an unreachable or timed-out database a 503
 * DATABASE_UNAVAILABLE, anything else a logged 500 without internals.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { ApiError, ERROR_STATUS, type ErrorCode, errorBody } from "../errors";
import { isDatabaseUnavailable, rootMessage } from "../lib/db-errors";
import type { AppEnv } from "../types";

function codeForHttpException(err: HTTPException): ErrorCode {
  if (err.status === 413) return "PAYLOAD_TOO_LARGE";
  if (err.status === 401) return "UNAUTHORIZED";
  if (err.status === 415) return "UNSUPPORTED_MEDIA_TYPE";
  if (err.status === 400) return /json/i.test(err.message) ? "INVALID_JSON" : "BAD_REQUEST";
  return err.status >= 500 ? "INTERNAL" : "BAD_REQUEST";
}

/** The app's `onError` handler. */
export function handleError(err: Error, c: Context<AppEnv>): Response {
  const requestId = c.get("requestId") ?? "unknown";
  if (err instanceof ApiError) {
    if (err.status >= 500) c.get("logger")?.error("api_error", { code: err.code, message: err.message });
    return c.json(errorBody(err.code, err.message, requestId, err), err.status);
  }
  if (err instanceof HTTPException) {
    const code = codeForHttpException(err);
    const message = code === "INVALID_JSON" ? "Request body is not valid JSON" : err.message || code;
    return c.json(errorBody(code, message, requestId), ERROR_STATUS[code]);
  }
  if (isDatabaseUnavailable(err)) {
    c.get("logger")?.warn("database_unavailable", { message: rootMessage(err) });
    const message = "The database is unreachable or did not answer in time; retry later";
    return c.json(errorBody("DATABASE_UNAVAILABLE", message, requestId), 503);
  }
  c.get("logger")?.error("unhandled_error", { error: err.name, message: err.message, stack: err.stack });
  return c.json(errorBody("INTERNAL", "Internal error", requestId), 500);
}

/** The app's `notFound` handler. */
export function handleNotFound(c: Context<AppEnv>): Response {
  const path = new URL(c.req.url).pathname;
  return c.json(
    errorBody("NOT_FOUND", `No route for ${c.req.method} ${path}`, c.get("requestId") ?? "unknown"),
    404,
  );
}
