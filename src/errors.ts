/**
 * One error type and one error shape for every 4xx/5xx answer:
 * `{ "error": { "code", "message", "request_id", "field"?, "details"? } }`.
 */
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  INVALID_JSON: 400,
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  SCRIPT_COMPILE_ERROR: 422,
  INTERNAL: 500,
  CONFIG_INVALID: 500,
  NOT_CONFIGURED: 500,
  DATABASE_UNAVAILABLE: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    request_id: string;
    field?: string;
    details?: unknown;
  };
}

/** Thrown anywhere in a handler; the app's onError turns it into the error shape. */
export class ApiError extends HTTPException {
  readonly code: ErrorCode;
  readonly field?: string;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, extra: { field?: string; details?: unknown } = {}) {
    super(ERROR_STATUS[code], { message });
    this.code = code;
    this.field = extra.field;
    this.details = extra.details;
  }
}

/** Builds the JSON error body (used by onError, notFound and the validation hook). */
export function errorBody(
  code: ErrorCode,
  message: string,
  requestId: string,
  extra: { field?: string; details?: unknown } = {},
): ErrorBody {
  const error: ErrorBody["error"] = { code, message, request_id: requestId };
  if (extra.field !== undefined) error.field = extra.field;
  if (extra.details !== undefined) error.details = extra.details;
  return { error };
}
