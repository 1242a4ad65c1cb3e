/**
 * Row 9: backtest throughput. After rows 1–3 the database holds a few thousand traces recorded by
 * the real worker through the example pipeline (9 scripts in 3 layers). This row backtests a
 * draft over them through `POST /v1/triggers/before_signin/backtest`, chunk after chunk with the
 * cursor until `done`, and reports recorded traces re-run per second (client wall time over all
 * chunks), per-chunk latency, and the VM instructions per second the chunks ran at — from which
 * the CPU a chunk at the 20M-instruction cap would take follows.
 */
import { sleep } from "./client";
import { ADMIN_TOKEN } from "./stack";
import { type Summary, summarize } from "./stats";

export interface BacktestBenchResult {
  limit: number;
  chunkSize: number;
  traces: number;
  chunks: number;
  seconds: number;
  tracesPerSecond: number;
  chunkMs: Summary;
  instructionsPerTrace: number;
  instructionsPerSecond: number;
  /** Seconds a chunk that hits the instruction cap would take at the measured rate. */
  capSeconds: number;
  flips: number;
  unreadable: number;
}

/** The worker's BACKTEST_CHUNK_INSTRUCTIONS (src/pipeline/backtest.ts; not imported: the bench
 * typechecks as Node code, and that module pulls in the Workers-typed pipeline). */
export const CHUNK_INSTRUCTION_CAP = 20_000_000;

const DRAFT = {
  name: "Bench draft",
  layer_index: 0,
  parallel_index: 9,
  source: 'if ctx.request and ctx.request.country == "GB" then return { block = true, reason = "bench" } end',
};

async function post(url: string, body: unknown): Promise<any> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(`${url}/v1/triggers/before_signin/backtest`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`backtest answered ${res.status}: ${text.slice(0, 300)}`);
      return JSON.parse(text);
    } catch (err) {
      if (attempt >= 2 || (err as Error).message.startsWith("backtest answered")) throw err;
      await sleep(200);
    }
  }
}

/** Runs one whole backtest (all chunks); stops early when `signal` aborts. */
export async function measureBacktest(
  url: string,
  limit: number,
  chunkSize: number,
  capInstructions: number,
  signal: AbortSignal,
): Promise<BacktestBenchResult> {
  const body = { scripts: [DRAFT], limit, chunk_size: chunkSize };
  await post(url, { ...body, limit: 20 }); // warm-up: compile the pipeline in the isolate
  const chunkMs: number[] = [];
  let instructions = 0;
  let cursor: string | undefined;
  let last: any;
  const t0 = performance.now();
  do {
    const c0 = performance.now();
    last = await post(url, cursor ? { ...body, cursor } : body);
    chunkMs.push(performance.now() - c0);
    instructions += last.chunk.instructions as number;
    cursor = last.next_cursor ?? undefined;
  } while (!last.done && !signal.aborted);
  const seconds = (performance.now() - t0) / 1000;
  const traces = last.calls + last.unreadable;
  const instructionsPerSecond = instructions / Math.max(seconds, 1e-9);
  return {
    limit,
    chunkSize,
    traces,
    chunks: chunkMs.length,
    seconds,
    tracesPerSecond: traces / Math.max(seconds, 1e-9),
    chunkMs: summarize(chunkMs),
    instructionsPerTrace: traces ? instructions / traces : 0,
    instructionsPerSecond,
    capSeconds: capInstructions / Math.max(instructionsPerSecond, 1),
    flips: last.flips.allow_to_block.count + last.flips.block_to_allow.count,
    unreadable: last.unreadable,
  };
}
