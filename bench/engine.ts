/**
 * Engine benchmark (Node, in-process): the warm example pipeline (compiled once, reused) vs
 * compiling every script on every call. The pipeline runs as under `npm start`: IP Reputation's
 * `http.fetch` is allowed and answered by the demo reputation API, here in memory (`demoPorts`:
 * no socket, so the row measures the engine, not the network). One more row runs it with HTTP
 * off (the fetch fails at once and the script falls back to its static list).
 * Row 4 of `npm run bench` calls `runEngineBench`; it also runs alone: npx tsx bench/engine.ts [runs]
 */
import { fileURLToPath } from "node:url";
import type { EnginePorts, RunInput, ScriptSpec } from "../src/engine";
import { ScriptEngine, systemClock } from "../src/engine";
import { reputationOf } from "../tools/http-test-server/demo-reputation";
import { type ManifestEntry, readExamples, readSampleContexts } from "../tools/seed";
import { percentile } from "./stats";

export interface EngineRow {
  label: string;
  /** Microseconds. */
  median: number;
  p95: number;
}

export interface EngineResult {
  runs: number;
  rows: EngineRow[];
  cacheStats: unknown;
}

/** Example manifest entries with their source as engine specs (id = file name, version 1). */
export function exampleSpecs(entries: (ManifestEntry & { source: string })[]): ScriptSpec[] {
  return entries.map((m) => ({
    id: m.file.replace(/\.lua$/, ""),
    name: m.name,
    version: 1,
    layerIndex: m.layer_index,
    parallelIndex: m.parallel_index,
    onError: m.on_error ?? "continue",
    instructionBudget: 1_000_000,
    allowedHosts: m.allowed_hosts ?? [],
    timeoutMs: m.timeout_ms ?? 3000,
    source: m.source,
  }));
}

const encoder = new TextEncoder();

/** The demo reputation API answered in memory (what `npm start` serves on 127.0.0.1). */
export const demoPorts: EnginePorts = {
  clock: systemClock,
  http: {
    send: async (req) => {
      const ip = new URL(req.url).searchParams.get("ip") ?? "";
      const body = encoder.encode(JSON.stringify(reputationOf(ip)));
      return { status: 200, headers: { "content-type": "application/json" }, body };
    },
  },
};

/** A run of the example pipeline as `npm start` makes it (the demo host allowed over http). */
export function exampleRun(context: unknown, scripts: ScriptSpec[], ports = demoPorts): RunInput {
  return {
    triggerEvent: "before_signin",
    context: context as RunInput["context"],
    scripts,
    ports,
    insecureHttpHosts: ["127.0.0.1"],
  };
}

const exampleScripts = () => exampleSpecs(readExamples());

async function measure(label: string, runs: number, fn: (i: number) => unknown): Promise<EngineRow> {
  for (let i = 0; i < 200; i++) await fn(i); // warm up the JIT: the first ~100 runs are several times slower
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn(i);
    times.push((performance.now() - t0) * 1000);
  }
  return { label, median: percentile(times, 50), p95: percentile(times, 95) };
}

/** Measures each case `runs` times (after 200 warm-up runs) and returns medians and p95 in µs. */
export async function runEngineBench(runs = 500): Promise<EngineResult> {
  const scripts = exampleScripts();
  const warm = new ScriptEngine();
  const rows: EngineRow[] = [];
  for (const [name, ctx] of Object.entries(readSampleContexts())) {
    rows.push(await measure(`warm pipeline (${name})`, runs, () => warm.run(exampleRun(ctx, scripts))));
    const percall = new ScriptEngine({ cacheSize: 9 });
    rows.push(
      await measure(`compile per call (${name})`, runs, (i) => {
        // a fresh version number per call defeats the cache: every script compiles every time
        const fresh = scripts.map((s) => ({ ...s, version: 1_000_000 + i }));
        return percall.run(exampleRun(ctx, fresh));
      }),
    );
    rows.push(
      await measure(`new state + compile per call (${name})`, runs, () => {
        return new ScriptEngine().run(exampleRun(ctx, scripts));
      }),
    );
    rows.push(
      await measure(`warm pipeline, HTTP off (${name})`, runs, () =>
        warm.run({ ...exampleRun(ctx, scripts), ports: undefined }),
      ),
    );
  }
  const one = scripts[3] as ScriptSpec;
  rows.push(
    await measure("compile one script (Risk Scorer)", runs, (i) =>
      warm.compile({ ...one, version: 2_000_000 + i }),
    ),
  );
  return { runs, rows, cacheStats: warm.stats() };
}

/** The result as a Markdown table. */
export function engineTable(result: EngineResult): string {
  const lines = ["| case | median µs | p95 µs |", "|---|---:|---:|"];
  for (const r of result.rows) lines.push(`| ${r.label} | ${r.median.toFixed(0)} | ${r.p95.toFixed(0)} |`);
  return lines.join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await runEngineBench(Number(process.argv[2] ?? 500));
  console.log(`fengari engine, Node ${process.version}, ${result.runs} runs each (µs)`);
  console.log(engineTable(result));
  console.log(`compile cache: ${JSON.stringify(result.cacheStats)}`);
}
