/**
 * zod schemas shared by several routes: the error shape, identifiers and event names.
 * They validate requests and also produce the OpenAPI document (`GET /openapi.json`).
 */
import { z } from "@hono/zod-openapi";

export const EVENT_NAME_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;

export const EventName = z
  .string()
  .regex(EVENT_NAME_PATTERN, "must match ^[a-z][a-z0-9_]{0,63}$ (e.g. before_signin)")
  .openapi({ example: "before_signin" });

export const ScriptId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1–64 characters of A–Z, a–z, 0–9, _ or -")
  .openapi({ example: "scr_4f1c2a9b7d3e8f60" });

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "VALIDATION_FAILED" }),
      message: z.string(),
      request_id: z.string(),
      field: z.string().optional(),
      details: z.unknown().optional(),
    }),
  })
  .openapi("Error");

/** An OpenAPI response entry whose body is `schema` as JSON. */
export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

/** An OpenAPI request body entry: required JSON validated by `schema`. */
export function jsonBody<T extends z.ZodType>(schema: T) {
  return { required: true, content: { "application/json": { schema } } };
}

const errorContent = { "application/json": { schema: ErrorSchema } };

/** OpenAPI response entries for the error statuses a route can answer. */
export function errorResponses(...statuses: (400 | 401 | 404 | 409 | 413 | 415 | 422 | 500 | 503)[]) {
  const descriptions: Record<number, string> = {
    400: "Invalid request (the error names the field)",
    401: "Missing or invalid credentials",
    403: "The token lacks the operation's scope (`x-required-scope`)",
    404: "Not found",
    409: "Conflict",
    413: "Body too large",
    415: "Body is not application/json",
    422: "Script source does not compile",
    500: "Server misconfigured or internal error",
    503: "Database unavailable",
  };
  // Every authenticated operation can also answer 403 (a known token without the scope).
  const all = statuses.includes(401) ? [...statuses, 403] : statuses;
  return Object.fromEntries(
    all.map((s) => [s, { description: descriptions[s] ?? "Error", content: errorContent }]),
  );
}
