/**
 * The backtest loop: reads recorded traces of one event (newest first, through src/db), re-runs
 * each recorded context through the given pipeline, and adds the result to the running tally.
 * One call is one chunk: it stops after `chunkSize` traces, BACKTEST_CHUNK_INSTRUCTIONS VM
 * instructions (Workers bill CPU, and workerd's clock does not move while a script runs, so the
 * cap is counted, not timed) or, with `http: "live"`, BACKTEST_CHUNK_LIVE_CALLS outbound calls
 * (each is a subrequest of this one request), and hands back a cursor. Nothing is written.
 */

import type { BacktestCursor } from "../backtest/cursor";
import { addRun, addUnreadable, emptyTally, type SpanOutcome, type TallyState } from "../backtest/tally";
import type { Database } from "../db/client";
import { listTraces, spansOfTraces, type TraceFullRow } from "../db/trace-queries";
import type { EnginePorts } from "../engine";
import type { JsonObject, RunOutput, ScriptSpec } from "../engine/types";
import type { Config } from "../env";
import { ApiError } from "../errors";
import { parseJsonColumn } from "../lib/json-column";
import type { Cursor } from "../lib/time-params";
import { type HttpMode, type RecordedCall, recordedCalls, rerunPorts } from "./backtest-http";
import { runScripts } from "./run-trigger";

/** VM instructions one chunk may spend across all its re-runs (one trace always runs). */
export const BACKTEST_CHUNK_INSTRUCTIONS = 20_000_000;
/** Outbound calls one `live` chunk may make (Workers cap subrequests per request; the DB reads are some too). */
export const BACKTEST_CHUNK_LIVE_CALLS = 500;
const PAGE = 200;

export interface BacktestSelection {
  event: string;
  status?: "success" | "blocked" | "error";
  since?: number;
  until?: number;
  limit: number;
  chunkSize: number;
  http: HttpMode;
  allowWrites: boolean;
  /** Live outbound calls per chunk (default BACKTEST_CHUNK_LIVE_CALLS; tests set it low). */
  maxLiveCalls?: number;
}

export interface ChunkResult {
  tally: TallyState;
  chunk: { traces: number; instructions: number; http_calls: number };
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

/** The script spans of a run as the tally reads them (CLIENT spans belong to their script's). */
function outcomes(spans: RunOutput["spans"], modes: Map<string, string>): SpanOutcome[] {
  return spans
    .filter((s) => s.kind !== "CLIENT")
    .map((s) => {
      const attrs = (parseJsonColumn(s.attributes) ?? {}) as Record<string, unknown>;
      return {
        scriptId: s.scriptId,
        name: s.name,
        version: s.scriptVersion ?? null,
        mode: modes.get(s.scriptId) ?? "enforce",
        status: s.status,
        instructions: s.instructions ?? (typeof attrs.instructions === "number" ? attrs.instructions : 0),
        shadowOutcome: typeof attrs.shadow_outcome === "string" ? attrs.shadow_outcome : null,
      };
    });
}

/** The recorded outbound calls of each trace of a page (read only for `http: "recorded"`). */
async function callsOf(
  db: Database,
  sel: BacktestSelection,
  traces: TraceFullRow[],
): Promise<Map<string, RecordedCall[]>> {
  const calls = new Map<string, RecordedCall[]>();
  if (sel.http !== "recorded") return calls;
  for (const [id, spans] of await spansOfTraces(db, traces)) calls.set(id, recordedCalls(spans));
  return calls;
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
  let httpCalls = 0;
  let exhausted = false;
  const maxLive = sel.http === "live" ? (sel.maxLiveCalls ?? BACKTEST_CHUNK_LIVE_CALLS) : Infinity;
  const full = () =>
    traces >= sel.chunkSize || instructions >= BACKTEST_CHUNK_INSTRUCTIONS || httpCalls >= maxLive;
  while (read < sel.limit && !full()) {
    const limit = Math.min(PAGE, sel.limit - read, sel.chunkSize - traces);
    const page = await listTraces(
      db,
      { triggerEvent: sel.event, status: sel.status, since: sel.since, until: sel.until, limit, cursor: pos },
      true,
    );
    const calls = await callsOf(db, sel, page.rows);
    let i = 0;
    for (const row of page.rows) {
      i++;
      read++;
      traces++;
      pos = { startedAt: row.startedAt, id: row.id };
      const ports = rerunPorts(sel.http, sel.allowWrites, calls.get(row.id) ?? []);
      const cost = await rerun(config, sel.event, row, scripts, modes, tally, ports);
      instructions += cost.instructions;
      httpCalls += cost.httpCalls;
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
    chunk: { traces, instructions, http_calls: httpCalls },
    next: done || !pos ? null : { pos, read, tally },
  };
}

/** Re-runs one recorded trace into the tally; returns the instructions and outbound calls it used. */
async function rerun(
  config: Config,
  event: string,
  row: TraceFullRow,
  scripts: ScriptSpec[],
  modes: Map<string, string>,
  tally: TallyState,
  ports: EnginePorts,
): Promise<{ instructions: number; httpCalls: number }> {
  const none = { instructions: 0, httpCalls: 0 };
  const context = replayableContext(row);
  if (!context) {
    addUnreadable(tally, row.startedAt);
    return none;
  }
  let run: RunOutput;
  try {
    const call = { event, context, userId: row.userId, requestIp: row.requestIp };
    run = await runScripts(config, call, scripts, [], ports);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    addUnreadable(tally, row.startedAt);
    return none;
  }
  const spans = outcomes(run.spans, modes);
  addRun(tally, row, run.result.decision, spans);
  return {
    instructions: spans.reduce((a, s) => a + s.instructions, 0),
    // one CLIENT span per call the engine attempted (a refused one too: counted on the safe side)
    httpCalls: run.spans.filter((s) => s.kind === "CLIENT").length,
  };
}
