/**
 * `npx tsx bench/backtest-run.ts`: row 9 alone (backtest throughput) on a fresh local database
 * and one `wrangler dev` worker, without the other rows. Records traces with row 3's method
 * (concurrent trigger calls through the example pipeline; that row's calls/s is the floor), then
 * backtests a draft over all of them (bench/backtest.ts). Writes bench/RESULTS-backtest.md.
 * Sizes: BENCH_LOAD_CLIENTS, BENCH_LOAD_CALLS, BENCH_BACKTEST_CHUNK (bench/config.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrateDatabase } from "../tools/migrate";
import { seedExamples } from "../tools/seed";
import { freePort, startWranglerDev, type WranglerDev } from "../tools/wrangler-dev";
import { CHUNK_INSTRUCTION_CAP, measureBacktest } from "./backtest";
import { backtestSection } from "./backtest-report";
import { readConfig } from "./config";
import { openReader } from "./db-file";
import { measureLoad } from "./load";
import { ADMIN_TOKEN, startDbServer, stopChild, TRIGGER_TOKEN } from "./stack";
import { fmt } from "./stats";

const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const config = readConfig();
const abort = new AbortController();
const dir = mkdtempSync(join(tmpdir(), "hookline-backtest-"));
const file = join(dir, "bench.db");
const db = await startDbServer(file);
let worker: WranglerDev | undefined;
try {
  await migrateDatabase(db.url);
  await seedExamples(db.url);
  worker = await startWranglerDev({
    port: await freePort(),
    vars: { ADMIN_TOKEN, TRIGGER_TOKEN, TURSO_DATABASE_URL: db.url },
    stdio: process.env.BENCH_VERBOSE === "1" ? "inherit" : "ignore",
  });
  const reader = openReader(file);
  log(`recording: ${config.loadClients} clients, ${config.loadCalls} calls (row 3's method)`);
  const load = await measureLoad(
    worker.url,
    db.url,
    reader,
    config.loadClients,
    config.loadCalls,
    abort.signal,
  );
  log(`  ${fmt(load.callsPerSecond, 0)} calls/s, ${load.stored.traces} stored`);
  reader.close();
  log(`row 9: backtest of the ${load.stored.traces} recorded traces (chunk ${config.backtestChunk})`);
  const backtest = await measureBacktest(
    worker.url,
    Math.max(1, Math.min(10_000, load.stored.traces)),
    config.backtestChunk,
    CHUNK_INSTRUCTION_CAP,
    abort.signal,
  );
  log(
    `  ${backtest.traces} traces in ${fmt(backtest.seconds, 1)} s: ${fmt(backtest.tracesPerSecond, 0)} traces/s`,
  );
  writeFileSync(
    "bench/RESULTS-backtest.md",
    `# Backtest benchmark (${new Date().toISOString()})\n\n${backtestSection(backtest, load.callsPerSecond)}\n`,
  );
  log("wrote bench/RESULTS-backtest.md");
} finally {
  await worker?.stop();
  await stopChild(db.child);
  rmSync(dir, { recursive: true, force: true });
}
