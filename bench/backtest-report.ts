/** Row 9's section of bench/RESULTS.md (backtest throughput); see bench/backtest.ts. */
import type { BacktestBenchResult } from "./backtest";
import { fmt, int } from "./stats";

export type { BacktestBenchResult };

export function backtestSection(b: BacktestBenchResult, liveCallsPerSecond: number): string {
  return `## 9. Backtest throughput

Method: bench/backtest.ts — over traces recorded by row 3's load (in \`npm run bench\` after rows
1–3; alone: \`npx tsx bench/backtest-run.ts\`), \`POST /v1/triggers/before_signin/backtest\` with one
draft (layer 0) over the recorded traces (limit ${int(b.limit)}, \`chunk_size\` ${b.chunkSize}), chunk after
chunk with the cursor until \`done\`, one request at a time, \`http: "off"\`; client wall time
over all chunks.
The floor is row 3's live trigger throughput on the same worker and pipeline.

| traces | chunks | seconds | traces/s | vs row 3 calls/s | chunk p50 / p95 / max (ms) | instructions per trace | instructions/s | chunk at the 20M-instruction cap | flips | unreadable |
|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|
| ${int(b.traces)} | ${b.chunks} | ${fmt(b.seconds, 1)} | ${fmt(b.tracesPerSecond, 0)} | ${fmt(b.tracesPerSecond / liveCallsPerSecond, 2)} | ${fmt(b.chunkMs.p50, 0)} / ${fmt(b.chunkMs.p95, 0)} / ${fmt(b.chunkMs.max, 0)} | ${int(b.instructionsPerTrace)} | ${int(b.instructionsPerSecond)} | ≈ ${fmt(b.capSeconds, 1)} s | ${b.flips} | ${b.unreadable} |

A chunk's wall time is an upper bound of its CPU time (it includes the page reads from the
database); the last column is the chunk that spends the whole instruction cap, at this rate. With
the light example scripts almost all of that time is reads, JSON and engine set-up per trace, not
VM instructions, so that extrapolation is a loose upper bound, not a CPU estimate.`;
}
