/**
 * `npx tsx bench/floor-run.ts`: row 0 alone (the trigger against the no-op floor worker, same
 * run, same `wrangler dev` flags), without the other rows; writes bench/RESULTS-floor.md. Sizes
 * as in `npm run bench` (BENCH_FLOOR_* and BENCH_LOAD_CLIENTS, see bench/config.ts).
 */
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { runAlone } from "./alone";
import { readConfig } from "./config";
import { floorSection, measureFloor } from "./floor";

const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const config = readConfig();
await runAlone(async (stack, signal) => {
  const load = loadavg()[0] as number;
  log(`row 0: ${config.floorBlocks} blocks × ${config.floorBlockSize}, then ${config.loadClients} clients`);
  const floor = await measureFloor(
    stack.floor.url,
    stack.on.url,
    {
      blocks: config.floorBlocks,
      blockSize: config.floorBlockSize,
      clients: config.loadClients,
      loadBlocks: config.floorLoadBlocks,
      blockCalls: config.floorBlockCalls,
    },
    signal,
  );
  const loadEnd = loadavg()[0] as number;
  const demo = stack.demoApi ? "demo reputation API served (BENCH_DEMO_API=1)" : "no demo API";
  const head = `# Row 0 alone (${new Date().toISOString()}, Node ${process.version}, load average ${load.toFixed(1)} → ${loadEnd.toFixed(1)}, ${demo})`;
  writeFileSync("bench/RESULTS-floor.md", `${head}\n\n${floorSection(floor)}\n`);
  log(
    `p50 +${floor.p50DiffMs.toFixed(2)} ms, ${(floor.load.ratio * 100).toFixed(1)} % of the floor's requests/s`,
  );
  log("wrote bench/RESULTS-floor.md");
});
