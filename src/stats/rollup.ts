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
import { bucketOf } from "./histogram";

export const MINUTE_MS = 60_000;
/** `script_id` of the row that counts the trigger's calls themselves. */
export const TRIGGER_ROW = "";

/** What one stored row adds to the rollups: a trace (its trigger's row), a script run, an HTTP call. */
export type ContributionKind = "trace" | "run" | "http";

/**
 * One stored row's share of the rollups, as the upsert statement reads it (src/db/rollups.ts):
 * `[row id (trace or span id), table ("t" trace / "s" span), minute, trigger event, script id
 * ("" for a trace), kind, status, shadow outcome | null, duration ms, its bucket, instructions,
 * their bucket, trace id, trace start]` (the last two locate a span's stored set).
 * The statement counts a contribution only when its row (span) is not stored yet, so every stored
 * row is counted exactly once, however often (and in whatever batches) it is delivered.
 */
export type Contribution = [
  id: string,
  table: "t" | "s",
  minute: number,
  triggerEvent: string,
  scriptId: string,
  kind: ContributionKind,
  status: string,
  shadow: string | null,
  durationMs: number,
  durationBucket: string,
  instructions: number,
  instructionsBucket: string,
  traceId: string,
  traceStartedAt: number,
];

const SHADOW_OUTCOME = /"shadow_outcome":"(\w+)"/;

/** Instructions of a span: the column, else (rows of an older shape) the attribute. */
function instructionsOf(s: SpanRow): number {
  if (typeof s.instructions === "number") return s.instructions;
  const m = /"instructions":(\d+)/.exec(s.attributes ?? "");
  return m ? Number(m[1]) : 0;
}

/** A trace's instructions: its column, else (older records) the sum over its script runs. */
function traceInstructions(trace: TraceRow, spans: SpanRow[]): number {
  if (typeof trace.instructions === "number") return trace.instructions;
  let n = 0;
  for (const s of spans) if (s.kind !== "CLIENT" && s.status !== "skipped") n += instructionsOf(s);
  return n;
}

function contribution(
  trace: TraceRow,
  id: string,
  table: "t" | "s",
  minute: number,
  trigger: string,
  script: string,
  kind: ContributionKind,
  status: string,
  shadow: string | null,
  durationMs: number,
  instructions: number,
): Contribution {
  const d = Number.isFinite(durationMs) ? durationMs : 0;
  return [
    id,
    table,
    minute,
    trigger,
    script,
    kind,
    status,
    shadow,
    d,
    bucketOf(d),
    instructions,
    bucketOf(instructions),
    trace.id,
    trace.startedAt,
  ];
}

/** The rollup contributions of a flush's records: one per trace row and one per span row (ids deduplicated). */
export function rollupContributions(records: { trace: TraceRow; spans: SpanRow[] }[]): Contribution[] {
  const out: Contribution[] = [];
  const seen = new Set<string>();
  for (const { trace, spans } of records) {
    const minute = Math.floor(trace.startedAt / MINUTE_MS) * MINUTE_MS;
    const ev = trace.triggerEvent;
    if (!seen.has(`t${trace.id}`)) {
      seen.add(`t${trace.id}`);
      const n = traceInstructions(trace, spans);
      out.push(
        contribution(
          trace,
          trace.id,
          "t",
          minute,
          ev,
          TRIGGER_ROW,
          "trace",
          trace.status,
          null,
          trace.durationMs,
          n,
        ),
      );
    }
    for (const s of spans) {
      if (seen.has(`s${s.id}`)) continue;
      seen.add(`s${s.id}`);
      if (s.kind === "CLIENT") {
        out.push(
          contribution(trace, s.id, "s", minute, ev, s.scriptId, "http", s.status, null, s.durationMs, 0),
        );
        continue;
      }
      const shadow = SHADOW_OUTCOME.exec(s.attributes ?? "")?.[1] ?? null;
      out.push(
        contribution(
          trace,
          s.id,
          "s",
          minute,
          ev,
          s.scriptId,
          "run",
          s.status,
          shadow,
          s.durationMs,
          instructionsOf(s),
        ),
      );
    }
  }
  return out;
}
