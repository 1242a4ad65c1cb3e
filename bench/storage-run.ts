/**
 * `npx tsx bench/storage-run.ts`: row 12 alone (storage per trace through the real workers:
 * `BENCH_STORAGE_CALLS` calls from `BENCH_LOAD_CLIENTS` clients, see bench/config.ts), without
 * the other rows; prints the row's Markdown section (nothing written to bench/).
 */
import { loadavg } from "node:os";
import { runAlone } from "./alone";
import { readConfig } from "./config";
import { openReader } from "./db-file";
import { measureStorage, storageSection } from "./storage";

const config = readConfig();
await runAlone(async (stack, signal) => {
  const load = loadavg()[0] as number;
  const reader = openReader(stack.dbFile);
  const r = await measureStorage(
    stack.on.url,
    stack.dbUrl,
    reader,
    config.storageCalls,
    config.loadClients,
    signal,
  );
  reader.close();
  console.log(
    `# Row 12 alone (${new Date().toISOString()}, load average ${load.toFixed(1)} → ${loadavg()[0]?.toFixed(1)})\n`,
  );
  console.log(storageSection(r));
});
