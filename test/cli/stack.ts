/**
 * The real stack for CLI tests: the local libSQL server (in this process, on a temp file),
 * migrations, and `wrangler dev` on a free port with test tokens. Plus `hookline(...)`, which runs
 * the CLI's `main` in-process with captured output and an optional wrapped fetch.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../../cli/main";
import { type LocalServer, startLocalServer } from "../../tools/libsql-server/server";
import { migrateDatabase } from "../../tools/migrate";
import { freePort, startWranglerDev, type WranglerDev } from "../../tools/wrangler-dev";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const EXAMPLES = join(ROOT, "examples/scripts");
export const ADMIN_TOKEN = "cli-admin-token";

export interface CliStack {
  url: string;
  stop(): Promise<void>;
}

export async function startStack(): Promise<CliStack> {
  const dir = mkdtempSync(join(tmpdir(), "hookline-cli-"));
  let db: LocalServer | undefined;
  let worker: WranglerDev | undefined;
  try {
    db = await startLocalServer({ file: join(dir, "db.sqlite"), log: () => {} });
    await migrateDatabase(db.url);
    worker = await startWranglerDev({
      port: await freePort(),
      stdio: "ignore",
      vars: {
        ADMIN_TOKEN,
        TRIGGER_TOKEN: "cli-trigger-token",
        TURSO_DATABASE_URL: db.url,
        LOG_LEVEL: "warn",
        // script secrets on: pull writes their names, plan checks them
        SECRETS_KEY: Buffer.alloc(32, 7).toString("base64"),
        SECRETS_KEY_ID: "cli",
      },
      readyTimeoutMs: 120_000,
    });
  } catch (err) {
    await db?.close();
    throw err;
  }
  const w = worker;
  const d = db;
  return {
    url: w.url,
    async stop() {
      await w.stop();
      await d.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs `hookline ...args` in-process against `url` (unless env overrides it). */
export async function hookline(
  args: string[],
  opts: { url?: string; env?: NodeJS.ProcessEnv; fetch?: typeof fetch } = {},
): Promise<CliRun> {
  let out = "";
  let err = "";
  const env = { HOOKLINE_URL: opts.url, HOOKLINE_TOKEN: ADMIN_TOKEN, ...opts.env };
  const code = await main(args, {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    env,
    fetch: opts.fetch,
  });
  return { code, out, err };
}

/** A fresh temp directory (removed by the caller's `rmSync`), optionally a copy of `from`. */
export function tempDir(from?: string): string {
  const dir = mkdtempSync(join(tmpdir(), "hookline-tree-"));
  if (from) cpSync(from, dir, { recursive: true });
  return dir;
}

/** Every file under `dir` with its content, keyed by relative path (to compare trees). */
export function readTreeFiles(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else files[relative(dir, p)] = readFileSync(p, "utf8");
    }
  };
  walk(dir);
  return files;
}

/** Admin API call on the stack (JSON in and out). */
export async function api<T = any>(url: string, method: string, path: string, json?: unknown) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  return { status: res.status, body: (await res.json()) as T };
}
