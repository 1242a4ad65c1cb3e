/**
 * Outbound-call benchmark (Node, in-process engine, real HTTP on 127.0.0.1): one layer of 3
 * scripts, each calling an endpoint that answers after 100 ms. The layer's wall time (goal
 * ≤ 130 ms; sequential would be ≥ 300 ms) against a floor measured in the same run: one direct
 * `fetch` of the same endpoint. Also runs alone: npx tsx bench/http-layer.ts [runs]
 */
import { fileURLToPath } from "node:url";
import type { ScriptSpec } from "../src/engine";
import { ScriptEngine, systemClock } from "../src/engine";
import { workerHttpPort } from "../src/pipeline/http-port";
import { startTestHttpServer } from "../tools/http-test-server/server";
import { percentile } from "./stats";

export interface HttpLayerResult {
  runs: number;
  delayMs: number;
  /** Wall time of the whole run (one layer of 3 fetching scripts), ms. */
  layer: { median: number; p95: number };
  /** One direct fetch of the same endpoint, ms. */
  floor: { median: number; p95: number };
  ratio: number;
  errors: number;
}

const summary = (xs: number[]) => ({ median: percentile(xs, 50), p95: percentile(xs, 95) });

/** Measures `runs` layers (after 3 warm-up runs). */
export async function measureHttpLayer(runs = 30, delayMs = 100): Promise<HttpLayerResult> {
  const server = await startTestHttpServer();
  try {
    const url = `${server.url}/delay?ms=${delayMs}`;
    const scripts: ScriptSpec[] = [0, 1, 2].map((i) => ({
      id: `http_${i}`,
      name: `Caller ${i}`,
      version: 1,
      layerIndex: 0,
      parallelIndex: i,
      onError: "continue",
      instructionBudget: 1_000_000,
      allowedHosts: ["127.0.0.1"],
      source: `local r = http.fetch("${url}") return { data = { ["s${i}"] = r.status } }`,
    }));
    const engine = new ScriptEngine();
    const ports = { http: workerHttpPort, clock: systemClock };
    let errors = 0;
    const once = async () => {
      const t0 = performance.now();
      const out = await engine.run({
        triggerEvent: "bench",
        context: {},
        scripts,
        ports,
        insecureHttpHosts: ["127.0.0.1"],
      });
      errors += out.result.errors.length;
      return performance.now() - t0;
    };
    const direct = async () => {
      const t0 = performance.now();
      await (await fetch(url)).arrayBuffer();
      return performance.now() - t0;
    };
    for (let i = 0; i < 3; i++) await once();
    errors = 0;
    const layer: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i < runs; i++) {
      floor.push(await direct());
      layer.push(await once());
    }
    const l = summary(layer);
    const f = summary(floor);
    return { runs, delayMs, layer: l, floor: f, ratio: l.median / f.median, errors };
  } finally {
    await server.close();
  }
}

/** The result as a Markdown table. */
export function httpLayerTable(r: HttpLayerResult): string {
  return [
    "| case | median ms | p95 ms |",
    "|---|---:|---:|",
    `| one direct fetch of the ${r.delayMs} ms endpoint (floor) | ${r.floor.median.toFixed(1)} | ${r.floor.p95.toFixed(1)} |`,
    `| layer of 3 scripts, each one http.fetch of it | ${r.layer.median.toFixed(1)} | ${r.layer.p95.toFixed(1)} |`,
    "",
    `Layer / floor: ${r.ratio.toFixed(3)} (goal: layer ≤ 130 ms; sequential ≥ ${3 * r.delayMs} ms); script errors: ${r.errors}.`,
  ].join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await measureHttpLayer(Number(process.argv[2] ?? 30));
  console.log(`http.fetch layer, Node ${process.version}, ${result.runs} runs`);
  console.log(httpLayerTable(result));
}
