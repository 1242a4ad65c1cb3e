/**
 * Shared helpers for the local libSQL server's tests: a server on a free port over a temp file,
 * and raw `/v2/pipeline` calls for what @libsql/client hides.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll } from "vitest";
import {
  type LocalServer,
  type LocalServerOptions,
  startLocalServer,
} from "../../tools/libsql-server/server";

export { eventually } from "../poll";

/** The shipped migrations folder. */
export const MIGRATIONS = fileURLToPath(new URL("../../migrations", import.meta.url));

/** A copy of the migrations folder that stops before the entry tagged `tag`. */
export function migrationsBefore(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), "hookline-migrations-"));
  cpSync(MIGRATIONS, dir, { recursive: true });
  const journalFile = join(dir, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalFile, "utf8"));
  const at = journal.entries.findIndex((e: { tag: string }) => e.tag === tag);
  if (at < 0) throw new Error(`no migration ${tag}`);
  journal.entries = journal.entries.slice(0, at);
  writeFileSync(journalFile, JSON.stringify(journal));
  return dir;
}

export interface TestServer extends LocalServer {
  file: string;
  /** Stops the server and deletes its temp directory. */
  stop(): Promise<void>;
}

/** Starts a quiet server on a free port over a fresh temp database file. */
/**
 * For a describe block testing one migration: a fresh local server and a folder holding only the
 * migrations before `tag`, made before its tests and removed after them (read the fields inside
 * the tests).
 */
export function migrationFixture(tag: string): { server: TestServer; oldFolder: string } {
  const fixture = {} as { server: TestServer; oldFolder: string };
  beforeAll(async () => {
    fixture.server = await startTestServer();
    fixture.oldFolder = migrationsBefore(tag);
  });
  afterAll(async () => {
    await fixture.server.stop();
    rmSync(fixture.oldFolder, { recursive: true, force: true });
  });
  return fixture;
}

export async function startTestServer(opts: Partial<LocalServerOptions> = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), "libsql-server-test-"));
  const file = join(dir, "test.db");
  const server = await startLocalServer({ file, port: 0, log: () => {}, ...opts });
  return {
    ...server,
    file,
    async stop() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RawAnswer {
  status: number;
  contentType: string | null;
  text: string;
  json: any;
}

/** POSTs a raw body (object → JSON) to `/v2/pipeline` and reads the answer whatever it is. */
export async function rawPipeline(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  const res = await fetch(`${url}/v2/pipeline`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, contentType: res.headers.get("content-type"), text, json };
}

/** Runs one statement on a fresh stream and closes it; returns the single result. */
export async function rawExecute(url: string, stmt: Record<string, unknown>) {
  const answer = await rawPipeline(url, {
    requests: [{ type: "execute", stmt }, { type: "close" }],
  });
  return answer.json.results[0];
}

/** `GET /health` status, proving the server still answers. */
export async function health(url: string): Promise<number> {
  return (await fetch(`${url}/health`)).status;
}

/** How many migrations the project ships (entries of drizzle's journal). */
export function shippedMigrationCount(): number {
  const journal = JSON.parse(
    readFileSync(fileURLToPath(new URL("../../migrations/meta/_journal.json", import.meta.url)), "utf8"),
  ) as { entries: unknown[] };
  return journal.entries.length;
}
