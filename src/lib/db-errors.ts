/** Recognises database failures by kind, through drizzle's and libSQL's error wrappers. */

function messages(err: unknown): string {
  const parts: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 5; depth++) {
    const e = cur as { message?: string; code?: string; cause?: unknown };
    parts.push(`${e.code ?? ""} ${e.message ?? ""}`);
    cur = e.cause;
  }
  return parts.join(" | ");
}

/** True when the error is a UNIQUE or PRIMARY KEY violation. */
export function isUniqueViolation(err: unknown): boolean {
  return /UNIQUE constraint failed|PRIMARY KEY/i.test(messages(err));
}

/**
 * True when the database could not be reached or did not answer in time: a network failure, the
 * request timeout, or an HTTP 5xx from the database server (not a SQL error).
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 6; depth++) {
    const e = cur as { name?: string; message?: string; cause?: unknown };
    if (e.name === "TimeoutError" || e.name === "AbortError") return true;
    if (
      /network connection lost|connection refused|fetch failed|HTTP status 5\d\d|timed out/i.test(
        e.message ?? "",
      )
    )
      return true;
    cur = e.cause;
  }
  return false;
}

/** The innermost cause's message (drizzle wraps driver errors with the whole failed query). */
export function rootMessage(err: unknown): string {
  let cur: unknown = err;
  for (let depth = 0; depth < 5; depth++) {
    const next = (cur as { cause?: unknown })?.cause;
    if (!next) break;
    cur = next;
  }
  return cur instanceof Error ? cur.message : String(cur);
}
