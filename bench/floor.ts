/**
 * Row 0: the trigger against the floor, in the same run. The floor is a no-op Hono worker under
 * the same `wrangler dev` flags (bench/floor/): it parses the JSON body, writes one JSON log line
 * and answers JSON. Calls go in blocks that alternate floor / trigger (tracing on), so each
 * worker's background work (the trigger's trace flush) stays inside its own blocks:
 * - 1 client: blocks of `blockSize` sequential calls; p50/p95 of each worker and the difference.
 * - `clients` clients: blocks of `blockCalls` calls shared by the clients; requests/s of each
 *   worker over its blocks, and the ratio trigger / floor.
 */
import { readSampleContexts } from "../tools/seed";
import { timedTrigger } from "./client";
import { fmt, type Summary, summarize } from "./stats";

export interface FloorResult {
  blocks: number;
  blockSize: number;
  floor: Summary;
  trigger: Summary;
  p50DiffMs: number;
  p95DiffMs: number;
  load: {
    clients: number;
    blocks: number;
    blockCalls: number;
    floorRps: number;
    triggerRps: number;
    ratio: number;
    failures: number;
  };
}

/** Runs `calls` calls from `clients` loops against one worker; answers calls/s and failures. */
async function burst(url: string, clients: number, calls: number, contexts: unknown[], signal: AbortSignal) {
  let next = 0;
  let done = 0;
  let failures = 0;
  const loop = async () => {
    while (next < calls && !signal.aborted) {
      const i = next++;
      try {
        await timedTrigger(url, contexts[i % contexts.length]);
        done++;
      } catch {
        failures++;
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, loop));
  return { done, seconds: (performance.now() - t0) / 1000, failures };
}

/** Measures the trigger against the floor (see the module comment). */
export async function measureFloor(
  floorUrl: string,
  triggerUrl: string,
  opts: { blocks: number; blockSize: number; clients: number; loadBlocks: number; blockCalls: number },
  signal: AbortSignal,
): Promise<FloorResult> {
  const { allowed, blocked } = readSampleContexts();
  const contexts = [allowed, blocked];
  for (let i = 0; i < 50; i++) {
    await timedTrigger(floorUrl, contexts[i % 2]);
    await timedTrigger(triggerUrl, contexts[i % 2]);
  }
  const floor: number[] = [];
  const trigger: number[] = [];
  for (let b = 0; b < opts.blocks && !signal.aborted; b++) {
    // Alternate which worker opens each pair of blocks.
    const order: [string, number[]][] =
      b % 2 === 0
        ? [
            [floorUrl, floor],
            [triggerUrl, trigger],
          ]
        : [
            [triggerUrl, trigger],
            [floorUrl, floor],
          ];
    for (const [url, sink] of order) {
      for (let i = 0; i < opts.blockSize && !signal.aborted; i++)
        sink.push((await timedTrigger(url, contexts[i % 2])).ms);
    }
  }
  const f = summarize(floor);
  const t = summarize(trigger);
  const acc = { floor: { done: 0, seconds: 0 }, trigger: { done: 0, seconds: 0 }, failures: 0 };
  for (let b = 0; b < opts.loadBlocks && !signal.aborted; b++) {
    const order = b % 2 === 0 ? (["floor", "trigger"] as const) : (["trigger", "floor"] as const);
    for (const which of order) {
      const r = await burst(
        which === "floor" ? floorUrl : triggerUrl,
        opts.clients,
        opts.blockCalls,
        contexts,
        signal,
      );
      acc[which].done += r.done;
      acc[which].seconds += r.seconds;
      acc.failures += r.failures;
    }
  }
  const floorRps = acc.floor.done / Math.max(1e-9, acc.floor.seconds);
  const triggerRps = acc.trigger.done / Math.max(1e-9, acc.trigger.seconds);
  return {
    blocks: opts.blocks,
    blockSize: opts.blockSize,
    floor: f,
    trigger: t,
    p50DiffMs: t.p50 - f.p50,
    p95DiffMs: t.p95 - f.p95,
    load: {
      clients: opts.clients,
      blocks: opts.loadBlocks,
      blockCalls: opts.blockCalls,
      floorRps,
      triggerRps,
      ratio: triggerRps / floorRps,
      failures: acc.failures,
    },
  };
}

const ms = (x: number) => fmt(x, 2);

/** The row's Markdown section. */
export function floorSection(r: FloorResult): string {
  const row = (label: string, s: Summary) =>
    `| ${label} | ${s.n} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.p99)} | ${ms(s.mean)} | ${ms(s.max)} |`;
  return `## 0. The trigger against the floor (same run)

Method: the floor is a no-op Hono worker (bench/floor/) under the same \`wrangler dev\` flags: it
parses the JSON body, writes one JSON log line and answers JSON. 50 warm-up calls each, then
${r.blocks} blocks of ${r.blockSize} sequential calls alternating floor / trigger (tracing on, the example
pipeline 3 × 3, contexts alternating allowed/blocked), so each worker's background work stays in
its own blocks. Client time = \`performance.now()\` around \`fetch\` + body read (keep-alive, 127.0.0.1).

| worker (1 client) | calls | p50 ms | p95 ms | p99 ms | mean ms | max ms |
|---|---:|---:|---:|---:|---:|---:|
${row("floor (no-op Hono)", r.floor)}
${row("trigger (tracing on)", r.trigger)}

Difference trigger − floor: p50 **${ms(r.p50DiffMs)} ms**, p95 ${ms(r.p95DiffMs)} ms.

${r.load.clients} clients: ${r.load.blocks} blocks of ${r.load.blockCalls} calls alternating floor / trigger;
floor **${fmt(r.load.floorRps, 0)}** requests/s, trigger **${fmt(r.load.triggerRps, 0)}** requests/s: ratio **${fmt(r.load.ratio * 100, 1)} %**
(${r.load.failures} failed calls).`;
}
