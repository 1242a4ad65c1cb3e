/**
 * Rows 10–11 of `npm run bench` (issue 10), both in-process in Node and independent of the stack:
 * 10. one layer of 3 scripts each calling a local endpoint that answers after 100 ms — the
 *     layer's wall time vs one direct fetch (bench/http-layer.ts);
 * 11. the fetch-free example pipeline's engine cost before vs after the async engine
 *     (bench/engine-before-after.ts).
 * Returns their Markdown section for RESULTS.md.
 */
import { beforeAfterTable, measureBeforeAfter } from "./engine-before-after";
import { httpLayerTable, measureHttpLayer } from "./http-layer";

export async function runFetchRows(quick: boolean, log: (msg: string) => void): Promise<string> {
  log("row 10: a layer of 3 scripts, each http.fetch of a 100 ms endpoint");
  const layer = await measureHttpLayer(quick ? 10 : 30);
  log(`  layer median ${layer.layer.median.toFixed(1)} ms, floor ${layer.floor.median.toFixed(1)} ms`);
  log("row 11: engine before/after the async engine (fetch-free example pipeline)");
  const engine = await measureBeforeAfter(quick ? 4 : 10, quick ? 50 : 100);
  log(`  after / before ${engine.ratio.toFixed(3)}`);
  return [
    "## Row 10: a layer of 3 fetching scripts (100 ms endpoint)",
    "",
    httpLayerTable(layer),
    "",
    "## Row 11: engine before vs after the async engine",
    "",
    beforeAfterTable(engine),
    "",
  ].join("\n");
}
