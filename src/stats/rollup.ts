/**
 * Per-minute rollups of finished traces (pure): what one trace flush adds to the stats, one row
 * per (minute, trigger) and per (minute, trigger, script). A row holds counts by status and
 * sparse histograms (histogram.ts) of instructions and durations — never user data: the only
 * strings are the trigger event and the script id. Script rows also count shadow runs and their
 * would-be outcomes (the span attribute `shadow_outcome`) and the script's outbound HTTP calls
 * (spans of kind CLIENT, children of the script span) with their durations.
 *
 * Durations: on Workers the clock does not advance during computation, only across I/O, so a
 * duration is the I/O time of the run (0 for a script that does none); instructions are the
 * measure of compute.
 */
import type { SpanRow, TraceRow } from "../db/schema";
import { addValue, type Buckets } from "./histogram";

export const MINUTE_MS = 60_000;
/** `script_id` of the row that counts the trigger's calls themselves. */
export const TRIGGER_ROW = "";

/** One rollup row's increments (the database adds them to the stored row). */
export interface RollupDelta {
  minute: number;
  triggerEvent: string;
  scriptId: string;
  calls: number;
  success: number;
  blocked: number;
  errors: number;
  skipped: number;
  shadowRuns: number;
  wouldBlock: number;
  wouldError: number;
  httpCalls: number;
  durationMax: number | null;
  instructionsMax: number | null;
  httpMax: number | null;
  durationHist: Buckets;
  instructionsHist: Buckets;
  httpHist: Buckets;
}

function emptyDelta(minute: number, triggerEvent: string, scriptId: string): RollupDelta {
  return {
    minute,
    triggerEvent,
    scriptId,
    calls: 0,
    success: 0,
    blocked: 0,
    errors: 0,
    skipped: 0,
    shadowRuns: 0,
    wouldBlock: 0,
    wouldError: 0,
    httpCalls: 0,
    durationMax: null,
    instructionsMax: null,
    httpMax: null,
    durationHist: {},
    instructionsHist: {},
    httpHist: {},
  };
}

const maxOf = (a: number | null, b: number) => (a === null || b > a ? b : a);

function countStatus(d: RollupDelta, status: string): void {
  if (status === "success") d.success++;
  else if (status === "blocked") d.blocked++;
  else if (status === "error") d.errors++;
  else if (status === "skipped") d.skipped++;
}

const SHADOW_OUTCOME = /"shadow_outcome":"(\w+)"/;

/** Instructions of a span: the column, else (older rows) the attribute. */
function instructionsOf(s: SpanRow): number {
  if (typeof s.instructions === "number") return s.instructions;
  const m = /"instructions":(\d+)/.exec(s.attributes ?? "");
  return m ? Number(m[1]) : 0;
}

/** The rollup increments of a set of traces (one flush), grouped by row key. */
export function rollupDeltas(records: { trace: TraceRow; spans: SpanRow[] }[]): RollupDelta[] {
  const rows = new Map<string, RollupDelta>();
  const row = (minute: number, trigger: string, script: string) => {
    const key = `${minute}\u0000${trigger}\u0000${script}`;
    let d = rows.get(key);
    if (!d) {
      d = emptyDelta(minute, trigger, script);
      rows.set(key, d);
    }
    return d;
  };
  for (const { trace, spans } of records) {
    const minute = Math.floor(trace.startedAt / MINUTE_MS) * MINUTE_MS;
    const t = row(minute, trace.triggerEvent, TRIGGER_ROW);
    t.calls++;
    countStatus(t, trace.status);
    addValue(t.durationHist, trace.durationMs);
    t.durationMax = maxOf(t.durationMax, trace.durationMs);
    let instructions = 0;
    for (const s of spans) {
      const d = row(minute, trace.triggerEvent, s.scriptId);
      if ((s.kind as string) === "CLIENT") {
        d.httpCalls++;
        addValue(d.httpHist, s.durationMs);
        d.httpMax = maxOf(d.httpMax, s.durationMs);
        continue;
      }
      d.calls++;
      countStatus(d, s.status);
      const shadow = SHADOW_OUTCOME.exec(s.attributes ?? "")?.[1];
      if (shadow) {
        d.shadowRuns++;
        if (shadow === "block") d.wouldBlock++;
        if (shadow === "error") d.wouldError++;
      }
      if (s.status === "skipped") continue;
      const n = instructionsOf(s);
      instructions += n;
      addValue(d.instructionsHist, n);
      d.instructionsMax = maxOf(d.instructionsMax, n);
      addValue(d.durationHist, s.durationMs);
      d.durationMax = maxOf(d.durationMax, s.durationMs);
    }
    addValue(t.instructionsHist, instructions);
    t.instructionsMax = maxOf(t.instructionsMax, instructions);
  }
  return [...rows.values()];
}
