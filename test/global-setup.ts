/**
 * Starts a real local libSQL HTTP server (tools/libsql-server) on a free port with a fresh
 * database file, applies the migrations over HTTP, and provides its URL to the worker tests
 * (vitest.config.ts puts it into the worker's TURSO_DATABASE_URL binding); an OTLP receiver
 * that decodes with the official OTLP definitions (test/otlp-receiver.ts); and the
 * outbound-HTTP test server (tools/http-test-server) on 127.0.0.1, whose URL becomes the
 * worker's TEST_HTTP_URL binding for the http.fetch tests.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startTestHttpServer } from "../tools/http-test-server/server";
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
  const http = await startTestHttpServer();
  project.provide("httpUrl", http.url);
  return async () => {
    await http.close();
    await otlp.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  };
}
