/**
 * Row 1: trigger latency with tracing on vs `TRACING=off`. Both workers are warmed up, then
 * called in strict alternation (on, off, on, off, … one call at a time), alternating the
 * allowed and blocked sample contexts, so both see the same machine state. Client-side wall time
 * comes from `performance.now()` around `fetch`; the server's own `duration_ms` is kept as well.
 */
import { DEFAULT_FLUSH_INTERVAL_MS } from "../src/tracing/writer";
import { readSampleContexts } from "../tools/seed";
import { sleep, timedTrigger } from "./client";
import { type Summary, summarize } from "./stats";

/** Row 1b: pairs with idle time between them, so no background flush overlaps a timed call. */
export interface SpacedLatency {
  pairs: number;
  idleMs: number;
  on: Summary;
  off: Summary;
  ratioP50: number;
}

export interface LatencyResult {
  warmup: number;
  calls: number;
  on: { client: Summary; server: Summary };
  off: { client: Summary; server: Summary };
  /** p50(on) / p50(off), client side. */
  ratioP50: number;
  ratioP95: number;
  spaced: SpacedLatency;
}

/** Runs the interleaved latency comparison; stops early (with what it has) when `signal` aborts. */
export async function measureLatency(
  onUrl: string,
  offUrl: string,
  warmup: number,
  calls: number,
  signal: AbortSignal,
): Promise<LatencyResult> {
  const { allowed, blocked } = readSampleContexts();
  const contexts = [allowed, blocked];
  for (let i = 0; i < warmup && !signal.aborted; i++) {
    await timedTrigger(onUrl, contexts[i % 2]);
    await timedTrigger(offUrl, contexts[i % 2]);
  }
  const on = { client: [] as number[], server: [] as number[] };
  const off = { client: [] as number[], server: [] as number[] };
  for (let i = 0; i < calls && !signal.aborted; i++) {
    const ctx = contexts[i % 2];
    // Alternate which worker goes first in each pair, so neither always follows the other.
    // (i >> 1) rather than i: each worker sees both contexts in both positions.
    const pairs: [string, typeof on][] =
      (i >> 1) % 2 === 0
        ? [
            [onUrl, on],
            [offUrl, off],
          ]
        : [
            [offUrl, off],
            [onUrl, on],
          ];
    for (const [url, sink] of pairs) {
      const r = await timedTrigger(url, ctx);
      sink.client.push(r.ms);
      sink.server.push(r.answer.duration_ms);
    }
  }
  const idle = DEFAULT_FLUSH_INTERVAL_MS + 15;
  const spaced = await measureSpaced(onUrl, offUrl, Math.ceil(calls / 2), idle, contexts, signal);
  const onS = { client: summarize(on.client), server: summarize(on.server) };
  const offS = { client: summarize(off.client), server: summarize(off.server) };
  return {
    warmup,
    calls: on.client.length,
    on: onS,
    off: offS,
    ratioP50: onS.client.p50 / offS.client.p50,
    ratioP95: onS.client.p95 / offS.client.p95,
    spaced,
  };
}

/**
 * The same alternation with `idleMs` of quiet after each pair: the tracing-on worker's flush
 * (TRACE_FLUSH_MS after its call) then runs while nothing is timed. Comparing with the back-to-back
 * numbers separates the cost inside a traced call from contention with background writes.
 */
async function measureSpaced(
  onUrl: string,
  offUrl: string,
  pairs: number,
  idleMs: number,
  contexts: unknown[],
  signal: AbortSignal,
): Promise<SpacedLatency> {
  const on: number[] = [];
  const off: number[] = [];
  for (let i = 0; i < pairs && !signal.aborted; i++) {
    const ctx = contexts[i % 2];
    const first = (i >> 1) % 2 === 0;
    if (first) on.push((await timedTrigger(onUrl, ctx)).ms);
    off.push((await timedTrigger(offUrl, ctx)).ms);
    if (!first) on.push((await timedTrigger(onUrl, ctx)).ms);
    await sleep(idleMs);
  }
  const onS = summarize(on);
  const offS = summarize(off);
  return { pairs: on.length, idleMs, on: onS, off: offS, ratioP50: onS.p50 / offS.p50 };
}
