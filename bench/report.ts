/**
 * Renders bench/RESULTS.md from the measured rows: machine, sizes, a goal-vs-measured summary,
 * then each row with its method and numbers. Pure: takes results, returns Markdown.
 */
import { cpus, release, totalmem } from "node:os";
import { DEFAULT_FLUSH_INTERVAL_MS } from "../src/tracing/writer";
import { type BacktestBenchResult, backtestSection } from "./backtest-report";
import type { BulkSeedResult } from "./bulk-seed";
import type { CleanupRun } from "./cleanup";
import type { BenchConfig } from "./config";
import { type EngineResult, engineTable } from "./engine";
import { type BeforeAfterResult, issue11Table } from "./engine-before-after";
import { type FloorResult, floorSection } from "./floor";
import type { LatencyResult } from "./latency";
import type { LoadResult } from "./load";
import { fmt, int, type Summary } from "./stats";
import { type StorageResult, storageSection } from "./storage";
import type { ListResult } from "./trace-list";
import type { WritesResult } from "./writes";

export interface BenchResults {
  config: BenchConfig;
  startedAt: Date;
  seconds: number;
  wranglerVersion: string;
  /** 1-minute load average at the start and the end (other work on the machine shows here). */
  loadAvg: [number, number];
  networkRetries: number;
  latency: LatencyResult;
  writes: WritesResult;
  load: LoadResult;
  engine: EngineResult;
  /** Row 4b: the engine before issue 11 vs this tree, same process. */
  engineBeforeAfter: BeforeAfterResult;
  bulk: BulkSeedResult;
  list: ListResult[];
  cleanup: CleanupRun;
  floor: FloorResult;
  storage: StorageResult;
  backtest: BacktestBenchResult;
}

const ms = (x: number) => fmt(x, 2);
const verdict = (ok: boolean) => (ok ? "met" : "**MISSED**");
const latencyRow = (label: string, s: Summary) =>
  `| ${label} | ${int(s.n)} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.p99)} | ${ms(s.mean)} | ${ms(s.max)} |`;

function machine(r: BenchResults): string {
  const cpu = cpus();
  return [
    `- Date: ${r.startedAt.toISOString()} (whole run ${fmt(r.seconds, 0)} s)`,
    `- Machine: ${cpu[0]?.model ?? "unknown CPU"}, ${cpu.length} cores, ${fmt(totalmem() / 2 ** 30, 1)} GiB RAM, Linux ${release()}`,
    `- Node ${process.version}, wrangler ${r.wranglerVersion} (\`wrangler dev --local\`, workerd), local libSQL server (better-sqlite3, WAL) in its own process`,
    `- Load average (1 min) ${fmt(r.loadAvg[0])} at the start, ${fmt(r.loadAvg[1])} at the end; ${r.networkRetries} trigger calls retried after a network error`,
    `- Sizes: ${r.config.quick ? "**BENCH_QUICK=1 (smoke run)**" : "full (defaults)"} — latency ${r.config.latencyWarmup} warm-up + ${r.config.latencyCalls} calls per worker; low-load ${r.config.writesCalls} calls, ${r.config.writesSpacingMs} ms after each answer; load ${r.config.loadCalls} calls from ${r.config.loadClients} clients; engine ${r.config.engineRuns} runs; bulk ${int(r.config.bulkExpiredTraces)} expired + ${int(r.config.bulkLiveTraces)} unexpired traces × ${r.config.spansPerTrace} spans; ${r.config.queryCalls} list calls per filter; cleanup batch_size ${r.config.cleanupBatch ?? "default (500)"}`,
  ].join("\n");
}

function engineSummary(e: EngineResult): string {
  const warm = e.rows[0]?.median ?? Number.NaN;
  const perCall = e.rows[1]?.median ?? Number.NaN;
  const ok = warm <= 200 && perCall / warm >= 5;
  return `| 4 | engine: warm example 3×3 (allowed), median; vs compile per call | ≤ 200 µs; ≥ 5× cheaper | ${fmt(warm, 0)} µs; compile per call ${fmt(perCall, 0)} µs (${fmt(perCall / warm, 1)}×) | ${verdict(ok)} |`;
}

function summary(r: BenchResults): string {
  const { latency: l, writes: w, load: d, cleanup: c } = r;
  const untouched =
    c.before.liveFingerprint === c.after.liveFingerprint &&
    c.before.liveTraces === c.after.liveTraces &&
    c.before.liveSpans === c.after.liveSpans;
  const exact =
    d.stored.traces === d.calls &&
    d.stored.distinctIds === d.stored.traces &&
    d.missing === 0 &&
    d.unexpected === 0;
  const list = r.list.map((x) => `${x.short} ${ms(x.latency.p50)}`).join(", ");
  return [
    "| # | what | goal | measured | verdict |",
    "|---|---|---|---|---|",
    `| 0a | trigger p50 − floor p50, 1 client | ≤ 0.5 ms | ${ms(r.floor.p50DiffMs)} ms (${ms(r.floor.trigger.p50)} vs ${ms(r.floor.floor.p50)}; p95 +${ms(r.floor.p95DiffMs)}) | ${verdict(r.floor.p50DiffMs <= 0.5)} |`,
    `| 0b | trigger requests/s vs floor, ${r.floor.load.clients} clients | ≥ 75 % | ${fmt(r.floor.load.ratio * 100, 1)} % (${fmt(r.floor.load.triggerRps, 0)} vs ${fmt(r.floor.load.floorRps, 0)}/s) | ${verdict(r.floor.load.ratio >= 0.75)} |`,
    `| 1 | trigger p50 tracing on / off (client side) | ≤ 1.02 | ${fmt(l.ratioP50, 3)} (${ms(l.on.client.p50)} / ${ms(l.off.client.p50)} ms) | ${verdict(l.ratioP50 <= 1.02)} |`,
    `| 2 | DB write requests per trace, low load | exactly 1 | ${fmt(w.insertsPerTrace, 3)} (${w.kinds.trace_insert} inserts / ${w.tracesStored} traces; ${w.requests} requests in all, ${w.kinds.script_read} script refresh) | ${verdict(w.kinds.trace_insert === w.tracesStored && w.tracesStored === w.calls)} |`,
    `| 3a | DB write requests per call, ${d.clients} clients | ≤ 0.1 | ${fmt(d.writesPerCall, 3)} (${d.kinds.trace_insert} writes / ${d.calls} calls, ${fmt(d.callsPerSecond, 0)} calls/s) | ${verdict(d.writesPerCall <= 0.1)} |`,
    `| 3b | traces stored = calls, no duplicates | exact | ${d.stored.traces} rows, ${d.stored.distinctIds} distinct, ${d.answeredIds} answered ids, ${d.missing} missing, ${d.unexpected} unexpected | ${verdict(exact)} |`,
    engineSummary(r.engine),
    `| 5 | cleanup of ${int(c.before.expiredSpans)} expired spans | all expired gone, unexpired untouched | ${fmt(c.seconds, 1)} s, ${int(c.rowsPerSecond)} (traces + spans)/s, ${c.batches} batches; expired left ${c.after.expiredTraces}/${c.after.expiredSpans}; unexpired ${c.before.liveTraces}→${c.after.liveTraces} traces, ${c.before.liveSpans}→${c.after.liveSpans} spans | ${verdict(untouched && c.done && c.after.expiredTraces === 0 && c.after.expiredSpans === 0)} |`,
    `| 6 | GET /v1/traces p50 (ms) at ${int(r.bulk.spans)} spans | (none) | ${list} | — |`,
    `| 12 | stored example trace, indexes included | ≤ 2.5 KB | ${fmt(r.storage.bytesPerTrace, 0)} bytes/trace; ${fmt(r.storage.rowsPerTrace, 2)} rows written/trace | ${verdict(r.storage.bytesPerTrace <= 2500)} |`,
    `| 9 | backtest: recorded traces re-run per second (chunk ${r.backtest.chunkSize}) | (none); vs row 3 | ${fmt(r.backtest.tracesPerSecond, 0)} traces/s (${r.backtest.traces} traces, ${r.backtest.chunks} chunks) = ${fmt(r.backtest.tracesPerSecond / r.load.callsPerSecond, 2)} × row 3's live calls/s | — |`,
  ].join("\n");
}

function latencySection(l: LatencyResult): string {
  return `## 1. Trigger latency, tracing on vs \`TRACING=off\`

Method: both workers run side by side (same build, same database; the off one stores nothing).
${l.warmup} warm-up calls each, then ${l.calls} measured calls each, strictly interleaved one at a time
(pairs alternate which worker goes first), contexts alternating allowed/blocked (the example
pipeline: 3 layers × 3 scripts). Client time = \`performance.now()\` around \`fetch\` + body read
(keep-alive, 127.0.0.1). Server time = the answer's \`duration_ms\`.

| worker | calls | p50 ms | p95 ms | p99 ms | mean ms | max ms |
|---|---:|---:|---:|---:|---:|---:|
${latencyRow("tracing on (client)", l.on.client)}
${latencyRow("TRACING=off (client)", l.off.client)}
${latencyRow("tracing on (server duration_ms)", l.on.server)}
${latencyRow("TRACING=off (server duration_ms)", l.off.server)}

Ratio on/off: p50 **${fmt(l.ratioP50, 3)}**, p95 ${fmt(l.ratioP95, 3)}.

1b (diagnostic). The same alternation, ${l.spaced.pairs} pairs, with ${l.spaced.idleMs} ms idle after each pair, so the
tracing-on worker's flush (${DEFAULT_FLUSH_INTERVAL_MS} ms after its call) runs while no call is being timed:

| worker | calls | p50 ms | p95 ms | p99 ms | mean ms | max ms |
|---|---:|---:|---:|---:|---:|---:|
${latencyRow("tracing on, spaced", l.spaced.on)}
${latencyRow("TRACING=off, spaced", l.spaced.off)}

Ratio on/off (spaced): p50 **${fmt(l.spaced.ratioP50, 3)}**.`;
}

function writesSection(w: WritesResult): string {
  const refresh = w.scriptReadsAt.length ? w.scriptReadsAt.map((s) => `${fmt(s, 1)} s`).join(", ") : "none";
  return `## 2. Database HTTP requests per trace at low load

Method: counters of the local server reset (\`POST /_test/reset\`), then ${w.calls} sequential calls to the
tracing-on worker, each ${w.spacingMs} ms after the previous answer (longer than the ${DEFAULT_FLUSH_INTERVAL_MS} ms flush window), each with this
run's own \`user.id\`; then wait until all ${w.calls} traces are stored (+1 s quiet), read
\`GET /_test/stats\` and classify every \`/v2/pipeline\` request by its SQL.

| calls | seconds | traces stored | requests (all) | trace inserts | script reads | other | inserts per trace |
|---:|---:|---:|---:|---:|---:|---:|---:|
| ${w.calls} | ${fmt(w.seconds, 1)} | ${w.tracesStored} | ${w.requests} | ${w.kinds.trace_insert} | ${w.kinds.script_read} | ${w.kinds.other} | ${fmt(w.insertsPerTrace, 3)} |

Script reads (the background cache refresh, \`SCRIPT_CACHE_TTL_S\` = 10 s) at: ${refresh} after the first call.`;
}

function loadSection(d: LoadResult): string {
  return `## 3. ${d.clients} concurrent clients, ${d.calls} calls (tracing on)

Method: ${d.clients} client loops share one call counter; each call has this run's \`user.id\` prefix. After the
last answer, wait until the traces are stored (${fmt(d.writeWaitMs, 0)} ms after the last answer, +1 s quiet),
then count rows of the run straight from the SQLite file and the server's request log.

| calls | failed | seconds | calls/s | p50 ms | p95 ms | p99 ms | DB requests | trace writes | writes/call | traces/write |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
| ${d.calls} | ${d.failures} | ${fmt(d.seconds, 1)} | ${fmt(d.callsPerSecond, 0)} | ${ms(d.latency.p50)} | ${ms(d.latency.p95)} | ${ms(d.latency.p99)} | ${d.requests} | ${d.kinds.trace_insert} | ${fmt(d.writesPerCall, 3)} | ${fmt(d.tracesPerWrite, 1)} |

Stored: ${d.stored.traces} trace rows, ${d.stored.distinctIds} distinct ids, ${d.stored.spans} spans; ${d.answeredIds} distinct trace ids
answered; ${d.missing} answered ids not stored, ${d.unexpected} stored ids never answered.`;
}

function bulkAndCleanupSection(b: BulkSeedResult, c: CleanupRun): string {
  return `## 5. Retention cleanup of ${int(c.before.expiredSpans)} expired spans

Seeding (measured apart): ${int(b.traces)} traces and ${int(b.spans)} spans inserted straight into the SQLite file with
better-sqlite3 — one transaction, prepared statements, all indexes in place (the spans of a trace packed
into one span set row, keyed by its primary key; 5 indexes and the primary key on traces) — in
**${fmt(b.insertSeconds, 1)} s** (${int(b.rowsPerSecond)} rows/s: trace rows + span set rows), WAL checkpoint
${fmt(b.checkpointSeconds, 1)} s; file ${fmt(b.fileMiB, 0)} MiB. Ids are random lowercase hex (32 / 16); expired traces
start 31–90 days ago, unexpired ones 1 h–29 days ago; spans ~150-byte JSON attributes.

Cleanup: \`POST /internal/cleanup-traces\` (admin token${c.batchSize ? `, batch_size=${c.batchSize}` : ", default batch_size 500 and 20 s time budget"}) on the
tracing-on worker, called again while it answered \`done: false\`.

| HTTP calls | batches | deleted traces | deleted spans | seconds | (traces + spans)/s | done |
|---:|---:|---:|---:|---:|---:|---|
| ${c.calls} | ${c.batches} | ${int(c.deletedTraces)} | ${int(c.deletedSpans)} | ${fmt(c.seconds, 1)} | ${int(c.rowsPerSecond)} | ${c.done} |

| census (boundary: 30 days ago) | expired traces | expired spans | unexpired traces | unexpired spans | sha256 of unexpired ids |
|---|---:|---:|---:|---:|---|
| before | ${int(c.before.expiredTraces)} | ${int(c.before.expiredSpans)} | ${int(c.before.liveTraces)} | ${int(c.before.liveSpans)} | \`${c.before.liveFingerprint}\` |
| after | ${int(c.after.expiredTraces)} | ${int(c.after.expiredSpans)} | ${int(c.after.liveTraces)} | ${int(c.after.liveSpans)} | \`${c.after.liveFingerprint}\` |

File size ${fmt(c.fileMiBBefore, 0)} MiB before, ${fmt(c.fileMiBAfter, 0)} MiB after (SQLite keeps freed pages; no VACUUM).`;
}

function listSection(list: ListResult[], b: BulkSeedResult): string {
  const rows = list.map(
    (x) =>
      `| ${x.label} | ${x.calls} | ${x.rows} | ${ms(x.latency.p50)} | ${ms(x.latency.p95)} | ${ms(x.latency.max)} | ${x.sqlMatchesWorker ? "yes" : "NO"} |`,
  );
  const plans = list.map(
    (x) => `**${x.label}** (\`${x.query || "—"}\`)\n\n\`\`\`\n${x.plan.join("\n")}\n\`\`\``,
  );
  return `## 6. \`GET /v1/traces\` with filters at ${int(b.spans)} spans

Method: on the bulk-seeded file (before the cleanup; ${int(b.traces)} bulk traces plus those of rows 1–3;
${int(b.users)} users), one warm-up call then sequential calls per filter (default page of 50), client
time. The plan is \`EXPLAIN QUERY PLAN\` of the SQL built by the worker's own \`tracePageStatement\`,
run with better-sqlite3 on the same file (no ANALYZE, as in production); "SQL = worker's" checks it
against the SQL text the worker sent (the server's request log, first 300 characters).

| filter | calls | rows | p50 ms | p95 ms | max ms | SQL = worker's |
|---|---:|---:|---:|---:|---:|---|
${rows.join("\n")}

${plans.join("\n\n")}`;
}

/** The whole RESULTS.md. `notes` are the analysis paragraphs (goals missed, caveats). */
export function renderReport(r: BenchResults, notes: string[]): string {
  return `# Hookline benchmark results

Written by \`npm run bench\` (bench/run.ts); see bench/README.md for what each row means and the knobs.

${machine(r)}

## Summary: goal vs measured

${summary(r)}

${notes.length ? `### Notes\n\n${notes.map((n) => `- ${n}`).join("\n")}\n\n` : ""}${floorSection(r.floor)}

${latencySection(r.latency)}

${writesSection(r.writes)}

${loadSection(r.load)}

## 4. Engine: warm pipeline vs compiling per call (Node, in-process)

Method: bench/engine.ts — the example pipeline in the fengari engine in this Node process, ${r.engine.runs} runs
per case after 200 warm-up runs (the first ~100 are several times slower while the JIT warms up); µs per whole pipeline run. The pipeline runs as under \`npm start\`:
IP Reputation's \`http.fetch\` is allowed and answered by the demo reputation API, in memory (no
socket); "HTTP off" rows run it with no HTTP port (the fetch fails at once, the static list decides).

${engineTable(r.engine)}

**4b. Before / after issue 11** (bench/engine-before-after.ts): \`src/\` at \`${r.engineBeforeAfter.rev}\`
(main before any issue-11 change) extracted with \`git archive\` and run in this process next to this tree's
engine, rounds alternating, same scripts, contexts and fengari.

${issue11Table(r.engineBeforeAfter)}

${bulkAndCleanupSection(r.bulk, r.cleanup)}

${listSection(r.list, r.bulk)}

${storageSection(r.storage)}

${backtestSection(r.backtest, r.load.callsPerSecond)}
`;
}
