/**
 * One stack for every console test file, started the way a developer starts it: `npm start`
 * (tools/start.ts: the local libSQL server on a fresh data folder, migrations, the seeded example
 * scripts, wrangler dev) on free ports, with one named read-only token in API_TOKENS. Also unpacks @sparticuz/chromium's browser once (to /tmp;
 * nothing is downloaded). Provides the URLs, tokens and browser path; stops the group at the end.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import chromium from "@sparticuz/chromium";
import type { TestProject } from "vitest/node";
import { readDevVars } from "../../tools/dev-vars";
import { freePort } from "../../tools/wrangler-dev";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** A named read-only token (API_TOKENS), for the tests of what such a token may not see. */
const READER = {
  name: "console-reader",
  token: "console-reader-token",
  scopes: ["traces:read", "scripts:read"],
};

async function waitForOutput(child: ChildProcess, text: string, log: () => string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!log().includes(text)) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${log()}`);
    if (Date.now() > deadline) throw new Error(`npm start not ready within ${timeoutMs} ms:\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export default async function setup(project: TestProject) {
  const [port, dbPort] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), "hookline-console-"));
  const apiTokens = JSON.stringify([
    {
      name: READER.name,
      sha256: createHash("sha256").update(READER.token).digest("hex"),
      scopes: READER.scopes,
    },
  ]);
  const child = spawn("npx", ["tsx", "tools/start.ts"], {
    cwd: ROOT,
    detached: true,
    env: {
      ...process.env,
      PORT: String(port),
      DB_PORT: String(dbPort),
      HOOKLINE_DATA_DIR: dataDir,
      API_TOKENS: apiTokens,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d) => {
    output += d;
  });
  child.stderr?.on("data", (d) => {
    output += d;
  });
  const stop = async () => {
    if (child.pid !== undefined && child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      process.kill(-child.pid, "SIGINT");
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const [executablePath] = await Promise.all([
      chromium.executablePath(),
      waitForOutput(child, "Hookline is running", () => output, 120_000),
    ]);
    const vars = {
      ADMIN_TOKEN: "dev-admin-token",
      TRIGGER_TOKEN: "dev-trigger-token",
      ...readDevVars(join(ROOT, ".dev.vars")),
    };
    project.provide("consoleStack", {
      url: `http://127.0.0.1:${port}`,
      dbUrl: `http://127.0.0.1:${dbPort}`,
      adminToken: vars.ADMIN_TOKEN,
      triggerToken: vars.TRIGGER_TOKEN,
      readerToken: READER.token,
      chromiumPath: executablePath,
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return stop;
}
