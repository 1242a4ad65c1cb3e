/**
 * Starts a real local libSQL HTTP server (tools/libsql-server) on a free port with a fresh
 * database file, applies the migrations over HTTP, and provides its URL to the worker tests
 * (vitest.config.ts puts it into the worker's TURSO_DATABASE_URL binding). Also starts the
 * outbound-HTTP test server (tools/http-test-server) on 127.0.0.1 and provides its URL
 * (the worker's TEST_HTTP_URL binding) for the http.fetch tests.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startTestHttpServer } from "../tools/http-test-server/server";
import { startLocalServer } from "../tools/libsql-server/server";
import { migrateDatabase } from "../tools/migrate";

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
  const http = await startTestHttpServer();
  project.provide("httpUrl", http.url);
  return async () => {
    await http.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  };
}
