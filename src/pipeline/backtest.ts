/**
 * The backtest loop: reads recorded traces of one event (newest first, through src/db), re-runs
 * each recorded context through the given pipeline, and adds the result to the running tally.
 * One call is one chunk: it stops after `chunkSize` traces or BACKTEST_CHUNK_INSTRUCTIONS VM
 * instructions (Workers bill CPU, and workerd's clock does not move while a script runs, so the
 * cap is counted, not timed) and hands back a cursor. Nothing is written.
 */

import type { BacktestCursor } from "../backtest/cursor";
import { addRun, addUnreadable, emptyTally, type SpanOutcome, type TallyState } from "../backtest/tally";
import type { Database } from "../db/client";
import { listTraces, type TraceFullRow } from "../db/trace-queries";
import type { JsonObject, ScriptSpec } from "../engine/types";
import type { Config } from "../env";
import { ApiError } from "../errors";
import { parseJsonColumn } from "../lib/json-column";
import type { Cursor } from "../lib/time-params";
import { runScripts } from "./run-trigger";

/** VM instructions one chunk may spend across all its re-runs (one trace always runs). */
export const BACKTEST_CHUNK_INSTRUCTIONS = 20_000_000;
const PAGE = 200;

export interface BacktestSelection {
  event: string;
  status?: "success" | "blocked" | "error";
  since?: number;
  until?: number;
  limit: number;
  chunkSize: number;
}

export interface ChunkResult {
  tally: TallyState;
  chunk: { traces: number; instructions: number };
  /** Null when the selection is exhausted or `limit` traces were read. */
  next: Omit<BacktestCursor, "fp" | "v"> | null;
}

/** A recorded context that can be re-run, or null (truncated at storage, or not an object). */
export function replayableContext(row: Pick<TraceFullRow, "contextSnapshot">): JsonObject | null {
  const ctx = parseJsonColumn(row.contextSnapshot);
  if (typeof ctx !== "object" || ctx === null || Array.isArray(ctx)) return null;
  if ((ctx as JsonObject)._truncated === true) return null;
  return ctx as JsonObject;
}

/** The spans of a run as the tally reads them. */
function outcomes(spans: ReturnType<typeof runScripts>["spans"], modes: Map<string, string>): SpanOutcome[] {
  return spans.map((s) => {
    const attrs = (parseJsonColumn(s.attributes) ?? {}) as Record<string, unknown>;
    return {
      scriptId: s.scriptId,
      name: s.name,
      version: s.scriptVersion ?? null,
      mode: modes.get(s.scriptId) ?? "enforce",
      status: s.status,
      instructions: typeof attrs.instructions === "number" ? attrs.instructions : 0,
      shadowOutcome: typeof attrs.shadow_outcome === "string" ? attrs.shadow_outcome : null,
    };
  });
}

/** Re-runs one chunk of the selection, continuing from `from` (the previous chunk's cursor). */
export async function backtestChunk(
  config: Config,
  db: Database,
  sel: BacktestSelection,
  scripts: ScriptSpec[],
  from: Pick<BacktestCursor, "pos" | "read" | "tally"> | null,
): Promise<ChunkResult> {
  const tally = from ? structuredClone(from.tally) : emptyTally();
  const modes = new Map(scripts.map((s) => [s.id, s.mode ?? "enforce"]));
  let pos: Cursor | undefined = from?.pos;
  let read = from?.read ?? 0;
  let traces = 0;
  let instructions = 0;
  let exhausted = false;
  const full = () => traces >= sel.chunkSize || instructions >= BACKTEST_CHUNK_INSTRUCTIONS;
  while (read < sel.limit && !full()) {
    const limit = Math.min(PAGE, sel.limit - read, sel.chunkSize - traces);
    const page = await listTraces(
      db,
      { triggerEvent: sel.event, status: sel.status, since: sel.since, until: sel.until, limit, cursor: pos },
      true,
    );
    let i = 0;
    for (const row of page.rows) {
      i++;
      read++;
      traces++;
      pos = { startedAt: row.startedAt, id: row.id };
      instructions += rerun(config, sel.event, row, scripts, modes, tally);
      if (full()) break;
    }
    if (!page.next && i === page.rows.length) {
      exhausted = true;
      break;
    }
  }
  const done = exhausted || read >= sel.limit || pos === undefined;
  return {
    tally,
    chunk: { traces, instructions },
    next: done || !pos ? null : { pos, read, tally },
  };
}

/** Re-runs one recorded trace into the tally; returns the instructions it used. */
function rerun(
  config: Config,
  event: string,
  row: TraceFullRow,
  scripts: ScriptSpec[],
  modes: Map<string, string>,
  tally: TallyState,
): number {
  const context = replayableContext(row);
  if (!context) {
    addUnreadable(tally, row.startedAt);
    return 0;
  }
  let run: ReturnType<typeof runScripts>;
  try {
    run = runScripts(config, { event, context, userId: row.userId, requestIp: row.requestIp }, scripts);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    addUnreadable(tally, row.startedAt);
    return 0;
  }
  const spans = outcomes(run.spans, modes);
  addRun(tally, row, run.result.decision, spans);
  return spans.reduce((a, s) => a + s.instructions, 0);
}
