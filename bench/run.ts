/**
 * `npm run bench` (npx tsx bench/run.ts): end-to-end benchmarks of Hookline on this machine.
 * Starts the local libSQL server on a fresh temp file and two `wrangler dev` workers (tracing on,
 * `TRACING=off`), migrates, seeds the example pipeline, runs rows 1–6, writes bench/RESULTS.md,
 * and stops everything — also on an error or Ctrl-C (no orphan workerd). Sizes: bench/config.ts.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { CHUNK_INSTRUCTION_CAP, measureBacktest } from "./backtest";
import { bulkSeed } from "./bulk-seed";
import { runCleanup } from "./cleanup";
import { networkRetries } from "./client";
import { readConfig } from "./config";
import { openReader } from "./db-file";
import { runDeliveryRows } from "./delivery";
import { runEngineBench } from "./engine";
import { ISSUE_11_REV, measureBeforeAfter } from "./engine-before-after";
import { runFetchRows } from "./fetch-rows";
import { measureFloor } from "./floor";
import { measureLatency } from "./latency";
import { measureLoad } from "./load";
import { notesFor } from "./notes";
import { renderReport } from "./report";
import { type Stack, startStack } from "./stack";
import { fmt } from "./stats";
import { measureStorage } from "./storage";
import { listCases, measureTraceList } from "./trace-list";
import { measureWrites } from "./writes";

const config = readConfig();
const abort = new AbortController();
let killNow: (() => void) | undefined;
let stack: Stack | undefined;

const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

process.on("exit", () => killNow?.()); // last resort: SIGKILL any process group still alive
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (abort.signal.aborted) return;
    log(`${signal}: stopping after the current call…`);
    abort.abort();
    // If the stack is still starting, main() stops it when startStack returns.
    if (stack) void stack.stop().finally(() => process.exit(130));
  });
}

function check(): void {
  if (abort.signal.aborted) throw new Error("interrupted");
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadStart = loadavg()[0] as number;
  const t0 = performance.now();
  log(`sizes: ${JSON.stringify(config)}`);
  // The in-process engine rows first, before wrangler and workerd start (their builds and
  // start-up would share the cores with the timed runs).
  log(`row 4: engine (${config.engineRuns} runs per case)`);
  const engine = await runEngineBench(config.engineRuns);
  log(`row 4b: engine before/after issue 11 (src/ at ${ISSUE_11_REV})`);
  const engineBeforeAfter = await measureBeforeAfter(config.quick ? 4 : 10, config.quick ? 50 : 100, {
    rev: ISSUE_11_REV,
    examples: "current",
  });
  check();
  stack = await startStack((k) => {
    killNow = k;
  });
  check();
  const s = stack;
  log(`db ${s.dbUrl}, worker on ${s.on.url}, worker off ${s.off.url}`);
  const reader = openReader(s.dbFile);
  const scripts = reader
    .prepare("select id, name from pipeline_scripts order by layer_index, parallel_index")
    .all() as { id: string; name: string }[];

  log(
    `row 0: trigger vs floor (${config.floorBlocks} blocks × ${config.floorBlockSize}, then ${config.loadClients} clients)`,
  );
  const floor = await measureFloor(
    s.floor.url,
    s.on.url,
    {
      blocks: config.floorBlocks,
      blockSize: config.floorBlockSize,
      clients: config.loadClients,
      loadBlocks: config.floorLoadBlocks,
      blockCalls: config.floorBlockCalls,
    },
    abort.signal,
  );
  check();
  log(
    `  p50 +${fmt(floor.p50DiffMs)} ms over the floor; ${config.loadClients} clients: ${fmt(floor.load.ratio * 100, 1)} % of its requests/s`,
  );

  log(`row 1: latency (${config.latencyWarmup} warm-up + ${config.latencyCalls} calls per worker)`);
  const latency = await measureLatency(
    s.on.url,
    s.off.url,
    config.latencyWarmup,
    config.latencyCalls,
    abort.signal,
  );
  check();
  log(
    `  p50 on ${fmt(latency.on.client.p50)} ms, off ${fmt(latency.off.client.p50)} ms, ratio ${fmt(latency.ratioP50, 3)}`,
  );

  log(`  spaced: p50 ratio ${fmt(latency.spaced.ratioP50, 3)}`);

  log(
    `row 2: requests per trace (${config.writesCalls} calls, ${config.writesSpacingMs} ms after each answer)`,
  );
  const writes = await measureWrites(
    s.on.url,
    s.dbUrl,
    reader,
    config.writesCalls,
    config.writesSpacingMs,
    abort.signal,
  );
  check();
  log(
    `  ${writes.kinds.trace_insert} trace inserts for ${writes.tracesStored} traces; ${writes.requests} requests in all`,
  );

  log(`row 3: ${config.loadClients} clients, ${config.loadCalls} calls`);
  const load = await measureLoad(
    s.on.url,
    s.dbUrl,
    reader,
    config.loadClients,
    config.loadCalls,
    abort.signal,
  );
  check();
  log(
    `  ${fmt(load.callsPerSecond, 0)} calls/s, ${fmt(load.writesPerCall, 3)} writes/call, ${load.stored.traces} stored`,
  );

  log(`row 12: storage per trace (${config.storageCalls} calls)`);
  const storage = await measureStorage(
    s.on.url,
    s.dbUrl,
    reader,
    config.storageCalls,
    config.loadClients,
    abort.signal,
  );
  check();
  log(`  ${fmt(storage.bytesPerTrace, 0)} bytes/trace, ${fmt(storage.rowsPerTrace, 2)} rows written/trace`);

  log(
    `row 9: backtest of the recorded traces (limit ${config.backtestLimit}, chunk ${config.backtestChunk})`,
  );
  const backtest = await measureBacktest(
    s.on.url,
    config.backtestLimit,
    config.backtestChunk,
    CHUNK_INSTRUCTION_CAP,
    abort.signal,
  );
  check();
  log(
    `  ${backtest.traces} traces in ${fmt(backtest.seconds, 1)} s: ${fmt(backtest.tracesPerSecond, 0)} traces/s`,
  );

  log(
    `bulk seed: ${config.bulkExpiredTraces} expired + ${config.bulkLiveTraces} unexpired traces × ${config.spansPerTrace} spans`,
  );
  const now = Date.now();
  const bulk = bulkSeed({
    file: s.dbFile,
    expiredTraces: config.bulkExpiredTraces,
    liveTraces: config.bulkLiveTraces,
    spansPerTrace: config.spansPerTrace,
    scripts,
    now,
  });
  log(`  ${bulk.spans} spans in ${fmt(bulk.insertSeconds, 1)} s (${fmt(bulk.rowsPerSecond, 0)} rows/s)`);
  check();

  log(`row 6: GET /v1/traces, ${config.queryCalls} calls per filter`);
  const riskScorer = scripts.find((x) => x.name === "Risk Scorer") ?? scripts[0];
  if (!riskScorer) throw new Error("no seeded scripts found");
  const list = await measureTraceList(
    s.on.url,
    s.dbUrl,
    reader,
    listCases(riskScorer.id, now),
    config.queryCalls,
    abort.signal,
  );
  check();
  for (const x of list) log(`  ${x.label}: p50 ${fmt(x.latency.p50)} ms`);

  log("row 5: cleanup through the worker");
  const cleanup = await runCleanup(s.on.url, reader, s.dbFile, config.cleanupBatch, abort.signal);
  check();
  log(
    `  ${cleanup.deletedSpans} spans + ${cleanup.deletedTraces} traces in ${fmt(cleanup.seconds, 1)} s, ${cleanup.batches} batches`,
  );
  const delivery = await runDeliveryRows(s.dbUrl, reader, config.quick, log);
  check();
  const fetchRows = await runFetchRows(config.quick, log);
  reader.close();

  const wranglerVersion = JSON.parse(readFileSync("node_modules/wrangler/package.json", "utf8"))
    .version as string;
  const results = {
    config,
    startedAt,
    seconds: (performance.now() - t0) / 1000,
    wranglerVersion,
    loadAvg: [loadStart, loadavg()[0] as number] as [number, number],
    networkRetries,
    latency,
    writes,
    load,
    engine,
    engineBeforeAfter,
    bulk,
    list,
    cleanup,
    floor,
    storage,
    backtest,
  };
  writeFileSync(config.out, `${renderReport(results, notesFor(results))}\n${delivery}\n${fetchRows}`);
  log(`wrote ${config.out}`);
}

try {
  await main();
} catch (err) {
  console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = abort.signal.aborted ? 130 : 1;
} finally {
  log("stopping wrangler dev ×2 and the local database");
  await stack?.stop();
}
process.exit(process.exitCode ?? 0);
