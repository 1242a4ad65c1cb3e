/**
 * Stats over time from stepped rollup sums (pure, no I/O): one series for each trigger and one for
 * each of its scripts, a point per step with every step of the window present (a quiet step is
 * zeros, not a gap), so a chart's x axis is the window itself. Percentiles per step come from the
 * step's buckets, within the same error bound as `GET /v1/stats`.
 */
import type { RollupSums } from "../db/rollups";
import { round } from "./aggregate";
import { percentiles } from "./histogram";
import { MINUTE_MS, TRIGGER_ROW } from "./rollup";

/** Most points a series may have (window / step). */
export const MAX_SERIES_POINTS = 500;
/** Steps the default is chosen from: the smallest giving at most DEFAULT_POINTS points. */
const STEP_CHOICES = [1, 5, 15, 60, 360, 1440].map((m) => m * MINUTE_MS);
const DEFAULT_POINTS = 120;

export interface SeriesWindow {
  since: number;
  until: number;
  stepMs: number;
}

/** The default step for a window: readable charts without asking for one. */
export function defaultStep(since: number, until: number): number {
  return STEP_CHOICES.find((s) => (until - since) / s <= DEFAULT_POINTS) ?? (STEP_CHOICES.at(-1) as number);
}

/** The start of every step of the window, from the floored `since`. */
export function stepStarts(w: SeriesWindow): number[] {
  const first = Math.floor(w.since / MINUTE_MS) * MINUTE_MS;
  const starts: number[] = [];
  for (let t = first; t < w.until; t += w.stepMs) starts.push(t);
  return starts;
}

const p95 = (buckets: RollupSums["durationHist"], max: number | null, digits: number) =>
  round(percentiles(buckets, [95], max)[0] ?? null, digits);

function point(t: number, s: RollupSums | undefined) {
  const c = s?.counts;
  return {
    t,
    calls: c?.calls ?? 0,
    success: c?.success ?? 0,
    blocked: c?.blocked ?? 0,
    errors: c?.errors ?? 0,
    skipped: c?.skipped ?? 0,
    would_block: c?.would_block ?? 0,
    would_error: c?.would_error ?? 0,
    p95_ms: s ? p95(s.durationHist, s.durationMax, 3) : null,
    instructions_p95: s ? p95(s.instructionsHist, s.instructionsMax, 0) : null,
    http_calls: c?.http_calls ?? 0,
    http_p95_ms: s ? p95(s.httpHist, s.httpMax, 3) : null,
  };
}

export type SeriesPoint = ReturnType<typeof point>;

/** Series sorted by trigger, the trigger's own first (script_id null), then by script id. */
export function buildSeries(sums: RollupSums[], w: SeriesWindow) {
  const starts = stepStarts(w);
  const groups = new Map<
    string,
    { trigger_event: string; script_id: string | null; at: Map<number, RollupSums> }
  >();
  for (const s of sums) {
    const key = `${s.triggerEvent}\u0000${s.scriptId}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        trigger_event: s.triggerEvent,
        script_id: s.scriptId === TRIGGER_ROW ? null : s.scriptId,
        at: new Map(),
      };
      groups.set(key, g);
    }
    g.at.set(s.t, s);
  }
  return [...groups.values()]
    .sort(
      (a, b) =>
        a.trigger_event.localeCompare(b.trigger_event) ||
        (a.script_id ?? "").localeCompare(b.script_id ?? ""),
    )
    .map((g) => ({
      trigger_event: g.trigger_event,
      script_id: g.script_id,
      points: starts.map((t) => point(t, g.at.get(t))),
    }));
}
