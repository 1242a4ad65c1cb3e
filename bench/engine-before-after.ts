/**
 * Engine cost before vs after a change, in one process: "before" is `src/` at a revision,
 * extracted with `git archive` and imported next to this tree's src/engine; both run the same
 * scripts on the same contexts, warm (compiled once), on the same fengari (node_modules, patched
 * as this tree's postinstall does). Rounds alternate before/after so load drifts hit both sides
 * alike; the ratio is after / before of the medians. Two uses:
 * - row 11 (issue 10): the fetch-free example pipeline of BEFORE_REV (the parent of the async
 *   engine) on the engine of BEFORE_REV vs this tree's;
 * - row 4b (issue 11): this tree's example pipeline, its fetch answered by the in-memory demo API
 *   (bench/engine.ts), on the engine of ISSUE_11_REV (before any issue-11 change) vs this tree's.
 * Runs alone too: npx tsx bench/engine-before-after.ts [rounds] [runsPerRound] [issue11 [rev]]
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { EnginePorts, ScriptSpec } from "../src/engine";
import { ScriptEngine } from "../src/engine";
import { type ManifestEntry, readExamples, readSampleContexts } from "../tools/seed";
import { demoPorts, exampleRun, exampleSpecs } from "./engine";
import { percentile } from "./stats";

/** Parent of 91d3f35 ("Async engine: …") on main's first-parent history. */
export const BEFORE_REV = "91d3f35^";
/** Main before the first issue-11 change (the compact storage, then the engine work). */
export const ISSUE_11_REV = "7b350be";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

interface AnyEngine {
  run(input: { triggerEvent: string; context: never; scripts: ScriptSpec[] }): unknown;
}

/** An engine and how each run is asked of it (with its own ports: its Clock may differ). */
interface Side {
  engine: AnyEngine;
  input(context: unknown, scripts: ScriptSpec[]): Parameters<AnyEngine["run"]>[0];
}

/** What is measured: the workload, the revision, and whether the demo fetch is answered. */
export interface BeforeAfterCase {
  rev: string;
  /** The example pipeline of `rev` (row 11) or of this tree with its demo fetch (row 4b). */
  examples: "rev" | "current";
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
async function engineAt(rev: string, examples: BeforeAfterCase["examples"]): Promise<Side> {
  const dir = `${ROOT}node_modules/.cache/hookline-engine-${git(["rev-parse", "--short", rev]).toString().trim()}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync("tar", ["-x", "-C", dir], { input: git(["archive", rev, "src"]) });
    const mod = await import(pathToFileURL(`${dir}/src/engine/index.ts`).href);
    const ports = { ...demoPorts, clock: mod.systemClock } as EnginePorts;
    return sideOf(new mod.ScriptEngine() as AnyEngine, examples, ports);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function sideOf(engine: AnyEngine, examples: BeforeAfterCase["examples"], ports = demoPorts): Side {
  const input: Side["input"] =
    examples === "rev"
      ? (context, scripts) => ({ triggerEvent: "before_signin", context: context as never, scripts })
      : (context, scripts) => exampleRun(context, scripts, ports) as never;
  return { engine, input };
}

async function sample(side: Side, scripts: ScriptSpec[], contexts: unknown[], runs: number) {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await side.engine.run(side.input(contexts[i % contexts.length], scripts));
    out.push((performance.now() - t0) * 1000);
  }
  return out;
}

/** `rounds` × (runsPerRound before, runsPerRound after), alternating which goes first. */
export async function measureBeforeAfter(
  rounds = 10,
  runsPerRound = 100,
  which: BeforeAfterCase = { rev: BEFORE_REV, examples: "rev" },
): Promise<BeforeAfterResult> {
  const { scripts, contexts } =
    which.examples === "rev"
      ? examplesAt(which.rev)
      : { scripts: exampleSpecs(readExamples()), contexts: Object.values(readSampleContexts()) };
  const before = await engineAt(which.rev, which.examples);
  const after = sideOf(new ScriptEngine() as AnyEngine, which.examples);
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
    rev: which.rev,
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

/** Row 4b (issue 11) as a Markdown table. */
export function issue11Table(r: BeforeAfterResult): string {
  return [
    "| engine | median µs per run | p95 µs |",
    "|---|---:|---:|",
    `| before issue 11 (\`src/\` at \`${r.rev}\`) | ${r.before.median.toFixed(0)} | ${r.before.p95.toFixed(0)} |`,
    `| after (this tree) | ${r.after.median.toFixed(0)} | ${r.after.p95.toFixed(0)} |`,
    "",
    `After / before: ${r.ratio.toFixed(3)} (median of per-round ratios ${r.roundRatio.toFixed(3)}); ${r.rounds} rounds × ${r.runsPerRound} runs each side, this tree's example pipeline with IP Reputation's fetch answered by the in-memory demo API.`,
  ].join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const issue11 = process.argv[4] === "issue11";
  const which: BeforeAfterCase = issue11
    ? { rev: process.argv[5] ?? ISSUE_11_REV, examples: "current" }
    : { rev: BEFORE_REV, examples: "rev" };
  const result = await measureBeforeAfter(
    Number(process.argv[2] ?? 10),
    Number(process.argv[3] ?? 100),
    which,
  );
  console.log(`engine before/after, Node ${process.version}`);
  console.log(issue11 ? issue11Table(result) : beforeAfterTable(result));
}
