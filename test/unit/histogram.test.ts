// The log-bucket histograms behind /v1/stats: every p50/p95 read from the buckets is within the
// stated relative error of the exact nearest-rank value, zero is exact, and max caps the estimate.
import { describe, expect, it } from "vitest";
import { addValue, type Buckets, bucketOf, percentiles, RELATIVE_ERROR } from "../../src/stats/histogram";

/** Exact nearest-rank percentile. */
function exact(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1] as number;
}

/** A seeded generator (xorshift), so a failure is reproducible. */
function rng(seed: number) {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

describe("histogram", () => {
  it("estimates p50/p95 within the stated relative error over many distributions", () => {
    const random = rng(42);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(random() * 500);
      const scale = 10 ** (random() * 8 - 3); // 0.001 … 100,000
      const values = Array.from({ length: n }, () => (random() < 0.1 ? 0 : scale * random() ** 3));
      const buckets: Buckets = {};
      for (const v of values) addValue(buckets, v);
      const max = Math.max(...values);
      const [p50, p95] = percentiles(buckets, [50, 95], max);
      for (const [p, got] of [
        [50, p50],
        [95, p95],
      ] as const) {
        const want = exact(values, p);
        expect(Math.abs((got as number) - want), `trial ${trial} p${p}`).toBeLessThanOrEqual(
          RELATIVE_ERROR * want + 1e-12,
        );
      }
    }
    expect(RELATIVE_ERROR).toBeLessThan(0.05);
  });

  it("keeps zero exact, caps at max, and answers null when empty", () => {
    const b: Buckets = {};
    for (let i = 0; i < 10; i++) addValue(b, 0);
    expect(bucketOf(0)).toBe("z");
    expect(percentiles(b, [50, 95], 0)).toEqual([0, 0]);
    const one: Buckets = {};
    addValue(one, 7);
    expect(percentiles(one, [50], 7)).toEqual([7]);
    expect(percentiles({}, [50], null)).toEqual([null]);
  });
});
