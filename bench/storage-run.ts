/**
 * `npx tsx bench/storage-run.ts`: row 12 alone (storage per trace through the real workers:
 * `BENCH_STORAGE_CALLS` calls from `BENCH_LOAD_CLIENTS` clients, see bench/config.ts), without
 * the other rows; prints the row's Markdown section (nothing written to bench/).
 */
import { loadavg } from "node:os";
import { readConfig } from "./config";
import { openReader } from "./db-file";
import { type Stack, startStack } from "./stack";
import { measureStorage, storageSection } from "./storage";

const config = readConfig();
const abort = new AbortController();
let killNow: (() => void) | undefined;
let stack: Stack | undefined;
process.on("exit", () => killNow?.());
process.on("SIGINT", () => {
  abort.abort();
  if (stack) void stack.stop().finally(() => process.exit(130));
});

try {
  stack = await startStack((k) => {
    killNow = k;
  });
  const load = loadavg()[0] as number;
  const reader = openReader(stack.dbFile);
  const r = await measureStorage(
    stack.on.url,
    stack.dbUrl,
    reader,
    config.storageCalls,
    config.loadClients,
    abort.signal,
  );
  reader.close();
  console.log(
    `# Row 12 alone (${new Date().toISOString()}, load average ${load.toFixed(1)} → ${loadavg()[0]?.toFixed(1)})\n`,
  );
  console.log(storageSection(r));
} finally {
  await stack?.stop();
}
