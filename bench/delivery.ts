/**
 * Rows 7–8: trace delivery. Each case starts its own `wrangler dev` (its local queues live inside
 * it) on the stack's database:
 * - row 7, both modes at `clients` concurrent clients (`TRACE_DELIVERY=direct`, `=queue`): Turso
 *   write requests per stored trace (counted at the server) and the delay from each answer until
 *   its trace is readable (every 10th call polled in the SQLite file, 20 ms granularity);
 * - row 8, a database outage of `outageSeconds` (connections dropped) under paced load in the
 *   default mode: every answer checked against the healthy decision, latency compared, then after
 *   the database returns every answered trace counted — 0 lost, no duplicates.
 */
import { readSampleContexts } from "../tools/seed";
import { freePort, startWranglerDev } from "../tools/wrangler-dev";
import { countKinds, dbStats, resetDbStats, sleep, timedTrigger } from "./client";
import type { Db } from "./db-file";
import { ADMIN_TOKEN, TRIGGER_TOKEN } from "./stack";
import { fmt, type Summary, summarize } from "./stats";

export interface ModeResult {
  mode: "direct" | "queue";
  calls: number;
  failures: number;
  stored: number;
  duplicates: number;
  traceInserts: number;
  requestsPerTrace: number;
  latency: Summary;
  readableDelay: Summary;
}

export interface OutageResult {
  outageSeconds: number;
  calls: number;
  failures: number;
  wrongDecisions: number;
  healthyLatency: Summary;
  outageLatency: Summary;
  stored: number;
  lost: number;
  duplicates: number;
  recoverySeconds: number;
}

async function fault(dbUrl: string, mode: "none" | "drop"): Promise<void> {
  const res = await fetch(`${dbUrl}/_test/fault`, { method: "POST", body: JSON.stringify({ mode }) });
  if (!res.ok) throw new Error(`fault ${mode}: ${res.status}`);
}

function storedCount(db: Db, prefix: string): { n: number; d: number } {
  return db
    .prepare("select count(*) as n, count(distinct id) as d from pipeline_traces where user_id like ?")
    .get(`${prefix}%`) as { n: number; d: number };
}

async function withWorker<T>(dbUrl: string, vars: Record<string, string>, fn: (url: string) => Promise<T>) {
  const worker = await startWranglerDev({
    port: await freePort(),
    vars: { ADMIN_TOKEN, TRIGGER_TOKEN, TURSO_DATABASE_URL: dbUrl, ...vars },
    stdio: process.env.BENCH_VERBOSE === "1" ? "inherit" : "ignore",
  });
  try {
    return await fn(worker.url);
  } finally {
    await worker.stop();
  }
}

/** Polls sampled trace ids until readable; resolves with each one's delay after its answer. */
function readablePoller(db: Db) {
  const pending = new Map<string, number>();
  const delays: number[] = [];
  let stop = false;
  const done = (async () => {
    while (!stop || pending.size > 0) {
      const ids = [...pending.keys()];
      if (ids.length > 0) {
        const found = db
          .prepare(`select id from pipeline_traces where id in (${ids.map(() => "?").join(",")})`)
          .all(...ids) as { id: string }[];
        const now = performance.now();
        for (const { id } of found) {
          delays.push(now - (pending.get(id) as number));
          pending.delete(id);
        }
      }
      await sleep(20);
    }
  })();
  return {
    watch: (id: string) => pending.set(id, performance.now()),
    finish: async (timeoutMs: number) => {
      stop = true;
      await Promise.race([done, sleep(timeoutMs).then(() => pending.clear())]);
      return delays;
    },
  };
}

/** Row 7: one delivery mode under `clients` concurrent clients. */
export async function measureMode(
  dbUrl: string,
  db: Db,
  mode: "direct" | "queue",
  clients: number,
  calls: number,
): Promise<ModeResult> {
  const { allowed, blocked } = readSampleContexts() as {
    allowed: { user: object };
    blocked: { user: object };
  };
  return withWorker(dbUrl, { TRACE_DELIVERY: mode }, async (url) => {
    const prefix = `bench-${mode}-${Date.now().toString(36)}-`;
    await timedTrigger(url, allowed); // warm the script cache
    await sleep(2000);
    await resetDbStats(dbUrl);
    const poller = readablePoller(db);
    const times: number[] = [];
    let next = 0;
    let failures = 0;
    const client = async () => {
      while (next < calls) {
        const i = next++;
        const base = i % 2 === 0 ? allowed : blocked;
        try {
          const r = await timedTrigger(url, { ...base, user: { ...base.user, id: `${prefix}${i}` } });
          times.push(r.ms);
          if (i % 10 === 0) poller.watch(r.answer.trace_id);
        } catch {
          failures += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: clients }, client));
    const delays = await poller.finish(60_000);
    const deadline = performance.now() + 60_000;
    while (storedCount(db, prefix).n < times.length && performance.now() < deadline) await sleep(100);
    await sleep(1500);
    const { n, d } = storedCount(db, prefix);
    const inserts = countKinds((await dbStats(dbUrl)).requests).trace_insert;
    return {
      mode,
      calls: times.length,
      failures,
      stored: n,
      duplicates: n - d,
      traceInserts: inserts,
      requestsPerTrace: inserts / Math.max(1, n),
      latency: summarize(times),
      readableDelay: summarize(delays),
    };
  });
}

/** Row 8: an outage of `outageSeconds` under `rate` calls/s, in the default (direct) mode. */
export async function measureOutage(
  dbUrl: string,
  db: Db,
  outageSeconds: number,
  rate: number,
  recoveryTimeoutSeconds: number,
): Promise<OutageResult> {
  const { allowed, blocked } = readSampleContexts() as {
    allowed: { user: object };
    blocked: { user: object };
  };
  return withWorker(dbUrl, {}, async (url) => {
    const prefix = `bench-outage-${Date.now().toString(36)}-`;
    const expected = new Map<string, string>();
    const fire = async (i: number) => {
      const base = i % 2 === 0 ? allowed : blocked;
      const r = await timedTrigger(url, { ...base, user: { ...base.user, id: `${prefix}${i}` } });
      return { ...r, even: i % 2 === 0 };
    };
    const healthy: number[] = [];
    for (let i = 0; i < 40; i++) {
      const r = await fire(i);
      healthy.push(r.ms);
      expected.set(r.even ? "even" : "odd", r.answer.decision);
    }
    while (storedCount(db, prefix).n < 40) await sleep(100);
    await fault(dbUrl, "drop");
    const answered = new Set<string>();
    const times: number[] = [];
    let wrong = 0;
    let failures = 0;
    const inFlight: Promise<void>[] = [];
    const t0 = performance.now();
    for (let i = 40; performance.now() - t0 < outageSeconds * 1000; i++) {
      const at = t0 + ((i - 40) * 1000) / rate;
      if (performance.now() < at) await sleep(at - performance.now());
      inFlight.push(
        fire(i).then(
          (r) => {
            times.push(r.ms);
            answered.add(r.answer.trace_id);
            if (r.answer.decision !== expected.get(r.even ? "even" : "odd")) wrong += 1;
          },
          () => {
            failures += 1;
          },
        ),
      );
    }
    await Promise.all(inFlight);
    const back = performance.now();
    await fault(dbUrl, "none");
    const total = answered.size + 40;
    const deadline = back + recoveryTimeoutSeconds * 1000;
    while (storedCount(db, prefix).n < total && performance.now() < deadline) await sleep(500);
    const recoverySeconds = (performance.now() - back) / 1000;
    await sleep(2000);
    const { n, d } = storedCount(db, prefix);
    const ids = new Set(
      (
        db.prepare("select id from pipeline_traces where user_id like ?").all(`${prefix}%`) as {
          id: string;
        }[]
      ).map((r) => r.id),
    );
    let lost = 0;
    for (const id of answered) if (!ids.has(id)) lost += 1;
    return {
      outageSeconds,
      calls: times.length,
      failures,
      wrongDecisions: wrong,
      healthyLatency: summarize(healthy),
      outageLatency: summarize(times),
      stored: n,
      lost,
      duplicates: n - d,
      recoverySeconds,
    };
  });
}

/** The report section for rows 7–8. */
export function renderDelivery(modes: ModeResult[], outage: OutageResult | null): string {
  const lines = ["## Trace delivery (rows 7–8)", "", "| row | what | measured |", "| --- | --- | --- |"];
  for (const m of modes) {
    lines.push(
      `| 7 | \`TRACE_DELIVERY=${m.mode}\`, ${m.calls} calls at 50 clients | ${fmt(m.requestsPerTrace, 3)} Turso write requests per trace (${m.traceInserts} for ${m.stored} traces, ${m.duplicates} duplicates, ${m.failures} failed calls); answer p50 ${fmt(m.latency.p50)} ms; readable after the answer: p50 ${fmt(m.readableDelay.p50, 0)} ms, p95 ${fmt(m.readableDelay.p95, 0)} ms, max ${fmt(m.readableDelay.max, 0)} ms (${m.readableDelay.n} sampled) |`,
    );
  }
  if (outage) {
    lines.push(
      `| 8 | database down ${outage.outageSeconds} s (connections dropped), ${outage.calls} calls during it | ${outage.lost} lost, ${outage.duplicates} duplicates, ${outage.wrongDecisions} answers unlike the healthy ones, ${outage.failures} failed calls; p50 ${fmt(outage.healthyLatency.p50)} ms healthy vs ${fmt(outage.outageLatency.p50)} ms during the outage; all ${outage.stored} traces stored ${fmt(outage.recoverySeconds, 0)} s after the database returned |`,
    );
  }
  lines.push(
    "",
    'Method: each case runs its own `wrangler dev --local` (Miniflare\'s in-memory queues) on the bench database. Requests per trace: trace-insert requests counted at the local libSQL server ÷ traces stored. Readable delay: every 10th answer\'s trace id polled in the SQLite file every 20 ms. Outage: `POST /_test/fault {"mode":"drop"}` for the whole window, calls paced at a fixed rate, default `TRACE_QUEUE_RETRY_DELAYS_S` and `max_retries` from wrangler.toml.',
    "",
  );
  return lines.join("\n");
}

/**
 * Rows 7–8 as `npm run bench` runs them. Sizes: `BENCH_DELIVERY_CALLS` (default 1000, quick 200),
 * `BENCH_OUTAGE_S` (default 300, quick 30), `BENCH_OUTAGE_RATE` calls/s (default 10).
 */
export async function runDeliveryRows(
  dbUrl: string,
  db: Db,
  quick: boolean,
  log: (msg: string) => void,
): Promise<string> {
  const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
  const calls = env("BENCH_DELIVERY_CALLS", quick ? 200 : 1000);
  const modes: ModeResult[] = [];
  for (const mode of ["direct", "queue"] as const) {
    log(`row 7: TRACE_DELIVERY=${mode}, 50 clients, ${calls} calls`);
    const m = await measureMode(dbUrl, db, mode, 50, calls);
    log(`  ${fmt(m.requestsPerTrace, 3)} requests/trace, readable p50 ${fmt(m.readableDelay.p50, 0)} ms`);
    modes.push(m);
  }
  const seconds = env("BENCH_OUTAGE_S", quick ? 30 : 300);
  log(`row 8: ${seconds} s database outage at ${env("BENCH_OUTAGE_RATE", 10)} calls/s`);
  const outage = await measureOutage(dbUrl, db, seconds, env("BENCH_OUTAGE_RATE", 10), 600);
  log(`  ${outage.lost} lost of ${outage.calls}, recovered in ${fmt(outage.recoverySeconds, 0)} s`);
  return renderDelivery(modes, outage);
}
