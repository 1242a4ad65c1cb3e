/**
 * Benchmark sizes, from the environment. `BENCH_QUICK=1` selects a ~1-minute smoke run; each
 * `BENCH_*` variable below overrides one size in either mode (see bench/README.md).
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_FLUSH_INTERVAL_MS } from "../src/tracing/writer";

export interface BenchConfig {
  quick: boolean;
  /** Row 1: warm-up calls per worker, then measured calls per worker (interleaved). */
  latencyWarmup: number;
  latencyCalls: number;
  /** Row 2: sequential calls and the spacing between their starts. */
  writesCalls: number;
  writesSpacingMs: number;
  /** Row 3: concurrent clients and total calls. */
  loadClients: number;
  loadCalls: number;
  /** Row 4: runs per engine case. */
  engineRuns: number;
  /** Rows 5–6: expired traces, unexpired traces, spans per trace. */
  bulkExpiredTraces: number;
  bulkLiveTraces: number;
  spansPerTrace: number;
  /** Row 6: calls per filter. */
  queryCalls: number;
  /** Row 5: `batch_size` of the cleanup endpoint (undefined: the worker's default). */
  cleanupBatch: number | undefined;
  /** Row 0: 1-client blocks (count, calls each); 50-client blocks (count, calls each). */
  floorBlocks: number;
  floorBlockSize: number;
  floorLoadBlocks: number;
  floorBlockCalls: number;
  /** Row 12: calls whose stored traces are measured. */
  storageCalls: number;
  /** Row 9: recorded traces backtested (limit) and traces per chunk. */
  backtestLimit: number;
  backtestChunk: number;
  /** Where the report goes. */
  out: string;
}

function num(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${raw}`);
  return n;
}

/** Reads the sizes; throws on a malformed `BENCH_*` value. */
export function readConfig(): BenchConfig {
  const quick = process.env.BENCH_QUICK === "1";
  const q = (full: number, small: number) => (quick ? small : full);
  const cleanupBatch = num("BENCH_CLEANUP_BATCH", 0) || undefined;
  return {
    quick,
    latencyWarmup: num("BENCH_LATENCY_WARMUP", q(100, 20)),
    latencyCalls: num("BENCH_LATENCY_CALLS", q(1000, 150)),
    writesCalls: num("BENCH_WRITES_CALLS", q(120, 40)),
    // longer than the writer's flush window, so no two traces share a flush
    writesSpacingMs: num("BENCH_WRITES_SPACING_MS", DEFAULT_FLUSH_INTERVAL_MS + 25),
    loadClients: num("BENCH_LOAD_CLIENTS", 50),
    loadCalls: num("BENCH_LOAD_CALLS", q(2000, 500)),
    engineRuns: num("BENCH_ENGINE_RUNS", q(500, 100)),
    bulkExpiredTraces: num("BENCH_BULK_TRACES", q(100_000, 5_000)),
    bulkLiveTraces: num("BENCH_BULK_LIVE_TRACES", q(10_000, 500)),
    spansPerTrace: num("BENCH_SPANS_PER_TRACE", 10),
    queryCalls: num("BENCH_QUERY_CALLS", q(200, 20)),
    cleanupBatch,
    floorBlocks: num("BENCH_FLOOR_BLOCKS", q(20, 4)),
    floorBlockSize: num("BENCH_FLOOR_BLOCK_SIZE", 100),
    floorLoadBlocks: num("BENCH_FLOOR_LOAD_BLOCKS", q(6, 2)),
    floorBlockCalls: num("BENCH_FLOOR_BLOCK_CALLS", q(1000, 300)),
    storageCalls: num("BENCH_STORAGE_CALLS", q(10_000, 1000)),
    backtestLimit: num("BENCH_BACKTEST_LIMIT", q(10_000, 1_000)),
    backtestChunk: num("BENCH_BACKTEST_CHUNK", 200),
    out: process.env.BENCH_OUT || (quick ? join(tmpdir(), "hookline-bench-quick.md") : "bench/RESULTS.md"),
  };
}
