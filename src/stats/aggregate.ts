/**
 * Per-trigger and per-script call statistics over a bounded set of rows (pure, no I/O):
 * counts by status and nearest-rank duration percentiles.
 */

/** Nearest-rank percentile of an ascending list: the value at rank ⌈p/100 × n⌉. Null when empty. */
export function percentile(sortedAsc: number[], p: number): number | null {
  if (sortedAsc.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sortedAsc.length));
  return sortedAsc[rank - 1] ?? null;
}

export interface DurationSummary {
  p50_ms: number | null;
  p95_ms: number | null;
  max_ms: number | null;
}

function durations(values: number[]): DurationSummary {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50_ms: percentile(sorted, 50), p95_ms: percentile(sorted, 95), max_ms: sorted.at(-1) ?? null };
}

export interface TraceStatRow {
  triggerEvent: string;
  status: string;
  durationMs: number;
}

export interface SpanStatRow {
  triggerEvent: string;
  scriptId: string;
  status: string;
  durationMs: number;
  /** A shadow run's would-be outcome ("pass", "block", "error"); null/absent otherwise. */
  shadowOutcome?: string | null;
}

export interface TriggerStats extends DurationSummary {
  trigger_event: string;
  calls: number;
  success: number;
  blocked: number;
  errors: number;
}

export interface ScriptStats extends TriggerStats {
  script_id: string;
  skipped: number;
  /** Runs in shadow mode, and how many of them would have blocked or failed (never enforced). */
  shadow_runs: number;
  would_block: number;
  would_error: number;
}

interface Acc {
  counts: Record<string, number>;
  shadow: Record<string, number>;
  durations: number[];
}

function accumulate<R extends { status: string; durationMs: number }>(
  rows: R[],
  keyOf: (r: R) => string,
  timed: (r: R) => boolean,
): Map<string, Acc & { first: R }> {
  const groups = new Map<string, Acc & { first: R }>();
  for (const row of rows) {
    const key = keyOf(row);
    let g = groups.get(key);
    if (!g) {
      g = { counts: {}, shadow: {}, durations: [], first: row };
      groups.set(key, g);
    }
    g.counts[row.status] = (g.counts[row.status] ?? 0) + 1;
    const shadow = (row as { shadowOutcome?: string | null }).shadowOutcome;
    if (shadow) g.shadow[shadow] = (g.shadow[shadow] ?? 0) + 1;
    if (timed(row)) g.durations.push(row.durationMs);
  }
  return groups;
}

const count = (g: Acc, status: string) => g.counts[status] ?? 0;

/** One entry per trigger event, sorted by name; percentiles over every call. */
export function triggerStats(rows: TraceStatRow[]): TriggerStats[] {
  const groups = accumulate(
    rows,
    (r) => r.triggerEvent,
    () => true,
  );
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([trigger, g]) => ({
      trigger_event: trigger,
      calls: g.durations.length,
      success: count(g, "success"),
      blocked: count(g, "blocked"),
      errors: count(g, "error"),
      ...durations(g.durations),
    }));
}

/**
 * One entry per script, sorted by trigger then script id. `calls` counts every span, skipped
 * included; percentiles are over the runs that were not skipped (a skip takes no time).
 */
export function scriptStats(rows: SpanStatRow[]): ScriptStats[] {
  const groups = accumulate(
    rows,
    (r) => `${r.triggerEvent}\u0000${r.scriptId}`,
    (r) => r.status !== "skipped",
  );
  return [...groups.values()]
    .map((g) => ({
      script_id: g.first.scriptId,
      trigger_event: g.first.triggerEvent,
      calls: Object.values(g.counts).reduce((a, b) => a + b, 0),
      success: count(g, "success"),
      blocked: count(g, "blocked"),
      errors: count(g, "error"),
      skipped: count(g, "skipped"),
      shadow_runs: Object.values(g.shadow).reduce((a, b) => a + b, 0),
      would_block: g.shadow.block ?? 0,
      would_error: g.shadow.error ?? 0,
      ...durations(g.durations),
    }))
    .sort((a, b) => a.trigger_event.localeCompare(b.trigger_event) || a.script_id.localeCompare(b.script_id));
}
