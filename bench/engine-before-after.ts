/**
 * Engine cost of the fetch-free example pipeline before vs after the async engine (issue 10):
 * "before" is `src/` at BEFORE_REV (the parent of the async-engine commit on main), extracted with
 * `git archive` and imported in this same process; "after" is this tree's
 * src/engine. Both run the same scripts — the example pipeline as it was at BEFORE_REV (no
 * http.fetch) — on the same contexts, warm (compiled once), on the same fengari (node_modules,
 * patched as this tree's postinstall does). Rounds alternate before/after so load drifts hit both
 * sides alike; the ratio is after / before of the medians. Runs alone too:
 * npx tsx bench/engine-before-after.ts [rounds] [runsPerRound]
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ScriptSpec } from "../src/engine";
import { ScriptEngine } from "../src/engine";
import type { ManifestEntry } from "../tools/seed";
import { exampleSpecs } from "./engine";
import { percentile } from "./stats";

/** Parent of 91d3f35 ("Async engine: …") on main's first-parent history. */
export const BEFORE_REV = "91d3f35^";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

interface AnyEngine {
  run(input: { triggerEvent: string; context: never; scripts: ScriptSpec[] }): unknown;
}

export interface BeforeAfterResult {
  rev: string;
  rounds: number;
  runsPerRound: number;
  /** Microseconds per pipeline run (both contexts), medians and p95 over every sample. */
  before: { median: number; p95: number };
  after: { median: number; p95: number };
  ratio: number;
  /** Median of the per-round ratios (after / before). */
  roundRatio: number;
}

const git = (args: string[]) => execFileSync("git", args, { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });

/** The example pipeline (manifest + sources) as it was at `rev`, as engine specs. */
function examplesAt(rev: string): { scripts: ScriptSpec[]; contexts: unknown[] } {
  const manifest = JSON.parse(git(["show", `${rev}:examples/scripts/manifest.json`]).toString("utf8"));
  const scripts = exampleSpecs(
    (manifest.scripts as ManifestEntry[]).map((m) => ({
      ...m,
      source: git(["show", `${rev}:examples/scripts/${m.file}`]).toString("utf8"),
    })),
  );
  return { scripts, contexts: Object.values(manifest.sample_contexts) };
}

/**
 * Extracts `src/` at `rev` under node_modules/.cache/ (so `fengari` resolves to this tree's
 * patched copy, and no linter or typecheck sees it) and imports its engine; the files are removed
 * once loaded.
 */
async function engineAt(rev: string): Promise<AnyEngine> {
  const dir = `${ROOT}node_modules/.cache/hookline-engine-${git(["rev-parse", "--short", rev]).toString().trim()}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync("tar", ["-x", "-C", dir], { input: git(["archive", rev, "src"]) });
    const mod = await import(pathToFileURL(`${dir}/src/engine/index.ts`).href);
    return new mod.ScriptEngine() as AnyEngine;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function sample(engine: AnyEngine, scripts: ScriptSpec[], contexts: unknown[], runs: number) {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const context = contexts[i % contexts.length] as never;
    const t0 = performance.now();
    await engine.run({ triggerEvent: "before_signin", context, scripts });
    out.push((performance.now() - t0) * 1000);
  }
  return out;
}

/** `rounds` × (runsPerRound before, runsPerRound after), alternating which goes first. */
export async function measureBeforeAfter(rounds = 10, runsPerRound = 100): Promise<BeforeAfterResult> {
  const { scripts, contexts } = examplesAt(BEFORE_REV);
  const before = await engineAt(BEFORE_REV);
  const after = new ScriptEngine() as AnyEngine;
  for (const e of [before, after]) await sample(e, scripts, contexts, 50); // compile + JIT warm-up
  const all = { before: [] as number[], after: [] as number[] };
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? (["before", "after"] as const) : (["after", "before"] as const);
    const got: Record<string, number[]> = {};
    for (const side of order) {
      got[side] = await sample(side === "before" ? before : after, scripts, contexts, runsPerRound);
      all[side].push(...(got[side] as number[]));
    }
    ratios.push(percentile(got.after as number[], 50) / percentile(got.before as number[], 50));
  }
  const sum = (xs: number[]) => ({ median: percentile(xs, 50), p95: percentile(xs, 95) });
  const b = sum(all.before);
  const a = sum(all.after);
  return {
    rev: BEFORE_REV,
    rounds,
    runsPerRound,
    before: b,
    after: a,
    ratio: a.median / b.median,
    roundRatio: percentile(ratios, 50),
  };
}

/** The result as a Markdown table. */
export function beforeAfterTable(r: BeforeAfterResult): string {
  return [
    "| engine | median µs per run | p95 µs |",
    "|---|---:|---:|",
    `| before (\`src/\` at \`${r.rev}\`, synchronous) | ${r.before.median.toFixed(0)} | ${r.before.p95.toFixed(0)} |`,
    `| after (this tree: a Lua thread per script, async) | ${r.after.median.toFixed(0)} | ${r.after.p95.toFixed(0)} |`,
    "",
    `After / before: ${r.ratio.toFixed(3)} (median of per-round ratios ${r.roundRatio.toFixed(3)}; goal ≤ 1.05); ${r.rounds} rounds × ${r.runsPerRound} runs each side, the fetch-free example pipeline of \`${r.rev}\`.`,
  ].join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await measureBeforeAfter(Number(process.argv[2] ?? 10), Number(process.argv[3] ?? 100));
  console.log(`engine before/after, Node ${process.version}`);
  console.log(beforeAfterTable(result));
}
