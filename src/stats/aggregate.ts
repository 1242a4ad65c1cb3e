/**
 * Per-trigger and per-script statistics from rollup sums (pure, no I/O): counts by status, and
 * p50/p95/max of durations, instructions and outbound HTTP call durations, the percentiles read
 * from the log buckets (histogram.ts: within ±RELATIVE_ERROR of the exact nearest-rank value).
 */
import type { RollupSums } from "../db/rollups";
import { type Buckets, percentiles } from "./histogram";
import { TRIGGER_ROW } from "./rollup";

/** `v` rounded to `digits` decimals (null stays null). */
export const round = (v: number | null, digits: number) =>
  v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits;

function summary(buckets: Buckets, max: number | null, prefix: string, unit: string, digits: number) {
  const [p50, p95] = percentiles(buckets, [50, 95], max);
  return {
    [`${prefix}p50${unit}`]: round(p50 ?? null, digits),
    [`${prefix}p95${unit}`]: round(p95 ?? null, digits),
    [`${prefix}max${unit}`]: round(max, digits),
  };
}

const durations = (s: RollupSums) => summary(s.durationHist, s.durationMax, "", "_ms", 3);
const instructions = (s: RollupSums) =>
  summary(s.instructionsHist, s.instructionsMax, "instructions_", "", 0);

const byName = (a: RollupSums, b: RollupSums) =>
  a.triggerEvent.localeCompare(b.triggerEvent) || a.scriptId.localeCompare(b.scriptId);

/** One entry per trigger event, sorted by name (instructions: the whole pipeline's per call). */
export function triggerStats(sums: RollupSums[]) {
  return sums
    .filter((s) => s.scriptId === TRIGGER_ROW)
    .sort(byName)
    .map((s) => ({
      trigger_event: s.triggerEvent,
      calls: s.counts.calls,
      success: s.counts.success,
      blocked: s.counts.blocked,
      errors: s.counts.errors,
      ...durations(s),
      ...instructions(s),
    }));
}

/**
 * One entry per script, sorted by trigger then script id. `calls` counts every run, skipped
 * included; durations and instructions are over the runs that were not skipped.
 */
export function scriptStats(sums: RollupSums[]) {
  return sums
    .filter((s) => s.scriptId !== TRIGGER_ROW)
    .sort(byName)
    .map((s) => ({
      script_id: s.scriptId,
      trigger_event: s.triggerEvent,
      calls: s.counts.calls,
      success: s.counts.success,
      blocked: s.counts.blocked,
      errors: s.counts.errors,
      skipped: s.counts.skipped,
      shadow_runs: s.counts.shadow_runs,
      would_block: s.counts.would_block,
      would_error: s.counts.would_error,
      ...durations(s),
      ...instructions(s),
      http_calls: s.counts.http_calls,
      ...summary(s.httpHist, s.httpMax, "http_", "_ms", 3),
    }));
}
