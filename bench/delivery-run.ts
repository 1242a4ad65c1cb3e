/**
 * `npx tsx bench/delivery-run.ts`: rows 7–8 alone (trace delivery modes and the outage), on a
 * fresh local database, without the other rows; writes bench/RESULTS-delivery.md.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrateDatabase } from "../tools/migrate";
import { seedExamples } from "../tools/seed";
import { openReader } from "./db-file";
import { runDeliveryRows } from "./delivery";
import { startDbServer, stopChild } from "./stack";

const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const dir = mkdtempSync(join(tmpdir(), "hookline-delivery-"));
const file = join(dir, "bench.db");
const db = await startDbServer(file);
try {
  await migrateDatabase(db.url);
  await seedExamples(db.url);
  const reader = openReader(file);
  const section = await runDeliveryRows(db.url, reader, process.env.BENCH_QUICK === "1", log);
  reader.close();
  writeFileSync(
    "bench/RESULTS-delivery.md",
    `# Trace delivery benchmark (${new Date().toISOString()})\n\n${section}`,
  );
  log("wrote bench/RESULTS-delivery.md");
} finally {
  await stopChild(db.child);
  rmSync(dir, { recursive: true, force: true });
}
