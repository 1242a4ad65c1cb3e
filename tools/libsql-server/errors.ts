/**
 * Errors the server answers, in the three shapes sqld uses:
 * - `ProtocolError`: the whole HTTP request is rejected with 400 and a text body
 *   (malformed body, bad or reused baton, unknown request type, missing SQL text).
 * - `StreamExpiredError`: HTTP 500 with `{"message","code":"STREAM_EXPIRED"}` as JSON.
 * - `HranaError`: a per-request error carried inside a 200 answer as
 *   `{"type":"error","error":{"message","code"}}` (SQL errors, argument errors, ...).
 */

/** A request that cannot be served at all; answered as HTTP 400 with a text body. */
export class ProtocolError extends Error {
  override name = "ProtocolError";
}

/** The stream named by a baton expired while idle; answered as HTTP 500 JSON. */
export class StreamExpiredError extends Error {
  override name = "StreamExpiredError";
  readonly code = "STREAM_EXPIRED";
  constructor() {
    super("The stream has expired due to inactivity");
  }
}

/** An error reported inside the pipeline result (HTTP 200). */
export class HranaError extends Error {
  override name = "HranaError";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  toProto(): { message: string; code: string } {
    return { message: this.message, code: this.code };
  }
}

/** sqld's message for SQLITE_ERROR raised while SQLite parses (syntax) rather than runs. */
const SYNTAX_PATTERN = /syntax error|unrecognized token|incomplete input/;

/** The shape of better-sqlite3's `SqliteError` (code is the extended name, e.g. SQLITE_CONSTRAINT_CHECK). */
interface SqliteErrorLike {
  code: string;
  message: string;
}

function isSqliteError(err: unknown): err is SqliteErrorLike {
  return (
    err instanceof Error && err.name === "SqliteError" && typeof (err as { code?: unknown }).code === "string"
  );
}

/** True when the error is SQLITE_BUSY (or _RECOVERY) that a later retry may clear. */
export function isRetryableBusy(err: unknown): boolean {
  return isSqliteError(err) && (err.code === "SQLITE_BUSY" || err.code === "SQLITE_BUSY_RECOVERY");
}

/** True when SQLite rejected the SQL text itself (sqld: SQL_PARSE_ERROR). */
export function isSyntaxError(err: unknown): boolean {
  return isSqliteError(err) && err.code === "SQLITE_ERROR" && SYNTAX_PATTERN.test(err.message);
}

/**
 * Maps an error thrown by better-sqlite3 to what sqld reports: the SQLite *base* code name
 * (`SQLITE_CONSTRAINT`, not `SQLITE_CONSTRAINT_CHECK`), with plain SQLITE_ERROR reported as
 * `SQLITE_UNKNOWN` (rusqlite's name for it) and syntax errors as `SQL_PARSE_ERROR`.
 * Binding errors from better-sqlite3 (TypeError/RangeError) become `ARGS_INVALID`.
 * @throws the error itself when it is none of these (an internal failure: HTTP 500).
 */
export function toHranaError(err: unknown): HranaError {
  if (err instanceof HranaError) return err;
  if (isSqliteError(err)) {
    if (isSyntaxError(err)) {
      return new HranaError("SQL_PARSE_ERROR", `SQL string could not be parsed: ${err.message}`);
    }
    const base = err.code.split("_").slice(0, 2).join("_");
    const code = base === "SQLITE_ERROR" ? "SQLITE_UNKNOWN" : base;
    return new HranaError(code, `SQLite error: ${err.message}`);
  }
  if (err instanceof RangeError || err instanceof TypeError) {
    // better-sqlite3's own checks; only reached where our lexer and SQLite disagree.
    if (/more than one statement/.test(err.message)) {
      return new HranaError("SQL_MANY_STATEMENTS", "SQL string contains more than one statement");
    }
    if (/no statements/.test(err.message)) {
      return new HranaError("SQL_NO_STATEMENT", "SQL string does not contain any statement");
    }
    if (/parameter|bind/i.test(err.message)) {
      return new HranaError("ARGS_INVALID", `Arguments do not match SQL parameters: ${err.message}`);
    }
  }
  throw err;
}
