/**
 * The backtest cursor: where the previous chunk stopped, how many traces it read, and the
 * running totals, as base64url JSON. It carries a fingerprint of the request and of the saved
 * pipeline, so it only continues the same backtest (nothing is stored server-side).
 */
import { z } from "@hono/zod-openapi";
import type { Cursor } from "../lib/time-params";
import type { TallyState } from "./tally";

export interface BacktestCursor {
  v: 1;
  /** Fingerprint of the request body (without the cursor) and the saved pipeline's versions. */
  fp: string;
  /** The last trace read, newest-first order. */
  pos: Cursor;
  /** Traces read so far (re-run or unreadable), toward `limit`. */
  read: number;
  tally: TallyState;
}

const flip = z.object({ count: z.number().int().min(0), trace_ids: z.array(z.string()).max(20) });
const CursorSchema = z.object({
  v: z.literal(1),
  fp: z.string().max(64),
  pos: z.object({ startedAt: z.number().int().min(0), id: z.string().regex(/^[0-9a-f]{32}$/) }),
  read: z.number().int().min(0),
  tally: z.object({
    calls: z.number().int().min(0),
    unreadable: z.number().int().min(0),
    allow: z.number().int().min(0),
    block: z.number().int().min(0),
    allow_to_block: flip,
    block_to_allow: flip,
    oldest: z.number().nullable(),
    newest: z.number().nullable(),
    scripts: z
      .array(
        z.object({
          script_id: z.string(),
          name: z.string(),
          version: z.number().int().nullable(),
          mode: z.string(),
          runs: z.number().int().min(0),
          blocked: z.number().int().min(0),
          errors: z.number().int().min(0),
          skipped: z.number().int().min(0),
          would_block: z.number().int().min(0),
          would_error: z.number().int().min(0),
          instr: z.record(z.string(), z.number().int().min(0)),
        }),
      )
      .max(200),
  }),
});

function toBase64Url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function encodeBacktestCursor(c: BacktestCursor): string {
  return toBase64Url(new TextEncoder().encode(JSON.stringify(c)));
}

/** Decodes a cursor; null when it is not one this server made. */
export function decodeBacktestCursor(text: string): BacktestCursor | null {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return null;
  try {
    const bin = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    const json = new TextDecoder().decode(Uint8Array.from(bin, (ch) => ch.charCodeAt(0)));
    const parsed = CursorSchema.safeParse(JSON.parse(json));
    return parsed.success ? (parsed.data as BacktestCursor) : null;
  } catch {
    return null;
  }
}
