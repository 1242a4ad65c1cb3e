/**
 * Starts a real local libSQL HTTP server (tools/libsql-server) on a free port with a fresh
 * database file, applies the migrations over HTTP, and provides its URL to the worker tests
 * (vitest.config.ts puts it into the worker's TURSO_DATABASE_URL binding); and an OTLP receiver
 * that decodes with the official OTLP definitions (test/otlp-receiver.ts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startLocalServer } from "../tools/libsql-server/server";
import { migrateDatabase } from "../tools/migrate";
import { startOtlpReceiver } from "./otlp-receiver";

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), "hookline-test-"));
  const server = await startLocalServer({
    file: join(dir, "test.db"),
    port: 0,
    testControls: true,
    log: () => {},
  });
  await migrateDatabase(server.url);
  project.provide("dbUrl", server.url);
  const otlp = await startOtlpReceiver();
  project.provide("otlpUrl", otlp.url);
  return async () => {
    await otlp.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  };
}
