/**
 * Engine benchmark (Node): the warm example pipeline (compiled once, reused) vs compiling every
 * script on every call. Run: npx tsx bench/engine.ts [runs]
 */
import type { ScriptSpec } from "../src/engine";
import { ScriptEngine } from "../src/engine";
import { readExamples, readSampleContexts } from "../tools/seed";

const scripts: ScriptSpec[] = readExamples().map((m) => ({
  id: m.file.replace(/\.lua$/, ""),
  name: m.name,
  version: 1,
  layerIndex: m.layer_index,
  parallelIndex: m.parallel_index,
  onError: m.on_error ?? "continue",
  instructionBudget: 1_000_000,
  source: m.source,
}));
const runs = Number(process.argv[2] ?? 500);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function measure(label: string, fn: (i: number) => void) {
  for (let i = 0; i < 20; i++) fn(i); // warm up the JIT
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn(i);
    times.push((performance.now() - t0) * 1000);
  }
  return {
    label,
    median: median(times),
    p95: [...times].sort((a, b) => a - b)[Math.floor(runs * 0.95)] as number,
  };
}

const warm = new ScriptEngine();
const rows = [];
for (const [name, ctx] of Object.entries(readSampleContexts())) {
  rows.push(
    measure(`warm pipeline (${name})`, () =>
      warm.run({ triggerEvent: "before_signin", context: ctx as never, scripts }),
    ),
  );
  const percall = new ScriptEngine({ cacheSize: 9 });
  rows.push(
    measure(`compile per call (${name})`, (i) => {
      // a fresh version number per call defeats the cache: every script compiles every time
      const fresh = scripts.map((s) => ({ ...s, version: 1_000_000 + i }));
      percall.run({ triggerEvent: "before_signin", context: ctx as never, scripts: fresh });
    }),
  );
  rows.push(
    measure(`new state + compile per call (${name})`, () => {
      new ScriptEngine().run({ triggerEvent: "before_signin", context: ctx as never, scripts });
    }),
  );
}
const one = scripts[3] as ScriptSpec;
rows.push(
  measure("compile one script (Risk Scorer)", (i) => warm.compile({ ...one, version: 2_000_000 + i })),
);

console.log(`fengari engine, Node ${process.version}, ${runs} runs each (µs)`);
console.log("| case | median µs | p95 µs |\n|---|---:|---:|");
for (const r of rows) console.log(`| ${r.label} | ${r.median.toFixed(0)} | ${r.p95.toFixed(0)} |`);
console.log(`compile cache: ${JSON.stringify(warm.stats())}`);
