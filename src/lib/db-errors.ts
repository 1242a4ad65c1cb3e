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
