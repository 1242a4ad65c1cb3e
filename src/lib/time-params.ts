/**
 * Query-parameter building blocks shared by the trace, OTLP-export and stats routes: instants
 * given as Unix milliseconds or ISO 8601, page sizes, and the opaque keyset cursor.
 *
 * Every schema here fails with a zod issue, so the app's validation hook answers a 400 that
 * names the parameter (`field: "since"`, `field: "cursor"`, …).
 */
import { z } from "@hono/zod-openapi";

/** The largest instant accepted (year 9999), so ms stay far inside Number.MAX_SAFE_INTEGER. */
const MAX_MS = 253_402_300_799_999;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Parses an instant: a non-negative integer of Unix milliseconds, or an ISO 8601 date/date-time.
 * @returns milliseconds, or null when the text is neither.
 * @example parseInstant("2026-01-02T03:04:05Z") // 1767323045000
 */
export function parseInstant(text: string): number | null {
  const trimmed = text.trim();
  if (/^\d{1,15}$/.test(trimmed)) {
    const ms = Number(trimmed);
    return ms <= MAX_MS ? ms : null;
  }
  if (!ISO_8601.test(trimmed)) return null;
  const ms = Date.parse(trimmed);
  return Number.isFinite(ms) && ms >= 0 && ms <= MAX_MS ? ms : null;
}

/** A query parameter holding an instant (ms integer or ISO 8601), parsed to milliseconds. */
export const instantParam = (description: string) =>
  z
    .string()
    .transform((text, ctx) => {
      const ms = parseInstant(text);
      if (ms === null) {
        ctx.addIssue({ code: "custom", message: "expected Unix milliseconds or an ISO 8601 date-time" });
        return z.NEVER;
      }
      return ms;
    })
    .openapi({ description, example: "2026-01-02T03:04:05Z" });

/** `limit`: page size, 1..max, default `fallback`. Rejects `0`, `201`, `abc`. */
export const limitParam = (fallback: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, "expected a positive integer")
    .transform(Number)
    .pipe(z.number().int().min(1).max(max))
    .optional()
    .transform((v) => v ?? fallback)
    .openapi({ description: `Page size, 1–${max} (default ${fallback})`, example: String(fallback) });

/** A position in a newest-first list: the last row returned, by `(started_at, id)`. */
export interface Cursor {
  startedAt: number;
  id: string;
}

const CURSOR_BODY = /^(\d{1,15}):([0-9a-f]{32})$/;

/** Encodes a cursor as base64url of `started_at:id`; clients treat it as opaque. */
export function encodeCursor(cursor: Cursor): string {
  return btoa(`${cursor.startedAt}:${cursor.id}`)
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** Decodes a cursor made by {@link encodeCursor}; null when malformed. */
export function decodeCursor(text: string): Cursor | null {
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(text)) return null;
  let body: string;
  try {
    body = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  } catch {
    return null;
  }
  const match = CURSOR_BODY.exec(body);
  if (!match?.[1] || !match[2]) return null;
  return { startedAt: Number(match[1]), id: match[2] };
}

/** `cursor`: the `next_cursor` of the previous page. A malformed one is a 400 naming `cursor`. */
export const cursorParam = z
  .string()
  .transform((text, ctx) => {
    const cursor = decodeCursor(text);
    if (!cursor) {
      ctx.addIssue({
        code: "custom",
        message: "malformed cursor; pass next_cursor from the previous page unchanged",
      });
      return z.NEVER;
    }
    return cursor;
  })
  .openapi({ description: "Opaque: the `next_cursor` of the previous page" });

/** A 32-hex trace id path parameter. */
export const traceIdParam = z
  .string()
  .regex(/^[0-9a-f]{32}$/, "expected a trace id: 32 lowercase hex characters")
  .openapi({ param: { name: "id", in: "path" }, example: "4bf92f3577b34da6a3ce929d0e0e4736" });
