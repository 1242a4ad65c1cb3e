/**
 * Log-bucket histograms for the stats rollups (pure). A value v > 0 falls in bucket
 * i = ⌈log_γ v⌉, which covers (γ^(i−1), γ^i]; values ≤ 0 fall in the zero bucket "z". A
 * percentile read from the buckets is the bucket's representative 2·γ^i / (γ + 1), whose relative
 * error against the exact nearest-rank value is at most (γ − 1) / (γ + 1) (4.8 % for γ = 1.1);
 * the zero bucket is exact. Buckets are stored sparse, as a JSON object `{ "<i>": count }`, so the
 * database can add two of them key by key (see src/db/rollups.ts).
 */

export const GAMMA = 1.1;
/** The stated bound: |estimate − exact| ≤ RELATIVE_ERROR × exact (and 0 stays exactly 0). */
export const RELATIVE_ERROR = (GAMMA - 1) / (GAMMA + 1);
export const ZERO_BUCKET = "z";

const LOG_GAMMA = Math.log(GAMMA);

/** Sparse bucket counts: bucket key → count. */
export type Buckets = Record<string, number>;

/** The bucket key of a value. */
export function bucketOf(value: number): string {
  if (!(value > 0)) return ZERO_BUCKET;
  // A tiny epsilon keeps exact powers of γ in their own bucket despite float rounding.
  return String(Math.ceil(Math.log(value) / LOG_GAMMA - 1e-9));
}

/** Adds one value to `buckets` (in place). */
export function addValue(buckets: Buckets, value: number): void {
  const key = bucketOf(value);
  buckets[key] = (buckets[key] ?? 0) + 1;
}

/** The value a bucket stands for (its representative). */
export function bucketValue(key: string): number {
  if (key === ZERO_BUCKET) return 0;
  return (2 * GAMMA ** Number(key)) / (GAMMA + 1);
}

/**
 * Nearest-rank percentiles (rank ⌈p/100 × n⌉) read from the buckets, each capped at `max` (the
 * exact maximum, kept beside the buckets). Null when the buckets are empty.
 */
export function percentiles(buckets: Buckets, ps: number[], max: number | null): (number | null)[] {
  const entries = Object.entries(buckets)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => [k === ZERO_BUCKET ? Number.NEGATIVE_INFINITY : Number(k), n, k] as const)
    .sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  return ps.map((p) => {
    if (total === 0) return null;
    const rank = Math.max(1, Math.ceil((p / 100) * total));
    let seen = 0;
    for (const [, n, key] of entries) {
      seen += n;
      if (seen >= rank) {
        const v = bucketValue(key);
        return max === null ? v : Math.min(v, max);
      }
    }
    return null;
  });
}
