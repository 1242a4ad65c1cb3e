/**
 * Small statistics helpers for the benchmark: percentiles (nearest rank), summaries and number
 * formatting. Pure functions, no I/O.
 */

/** The p-th percentile (0–100) of `xs` by the nearest-rank method; NaN for an empty list. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

export interface Summary {
  n: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Count, mean, p50/p95/p99 and max of `xs`. */
export function summarize(xs: readonly number[]): Summary {
  const sorted = [...xs].sort((a, b) => a - b);
  const at = (p: number) => percentile(sorted, p);
  const mean = sorted.reduce((a, b) => a + b, 0) / (sorted.length || 1);
  return {
    n: sorted.length,
    mean,
    p50: at(50),
    p95: at(95),
    p99: at(99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** A number with a fixed count of decimals, thousands separated by commas. */
export function fmt(x: number, decimals = 2): string {
  if (!Number.isFinite(x)) return String(x);
  return x.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** An integer with thousands separators. */
export function int(x: number): string {
  return fmt(x, 0);
}
