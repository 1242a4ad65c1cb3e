/**
 * Starts and stops what the benchmark measures: the local libSQL server (a child process on a
 * fresh temp file, test controls on), migrations, with BENCH_DEMO_API=1 the DEMO reputation API
 * the example IP Reputation script calls (its own process, as `npm start` serves it), the nine
 * example scripts, and three `wrangler dev` workers side by side (tracing on, `TRACING=off`, and
 * the no-op floor of bench/floor/). Every child runs in its own process group, so stopping a
 * group stops workerd too; `killNow()` is the synchronous last resort for `exit`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrateDatabase } from "../tools/migrate";
import { seedExamples } from "../tools/seed";
import { freePort, startWranglerDev, type WranglerDev } from "../tools/wrangler-dev";

export const ADMIN_TOKEN = "bench-admin-token";
export const TRIGGER_TOKEN = "bench-trigger-token";

export interface Stack {
  dbUrl: string;
  /** The SQLite file behind the local server (bulk seeding and EXPLAIN read it directly). */
  dbFile: string;
  /** The worker with tracing on, and the one with `TRACING=off`. */
  on: WranglerDev;
  off: WranglerDev;
  /** The no-op Hono worker (bench/floor/): the floor the trigger is compared with. */
  floor: WranglerDev;
  /** Process group of the database server (its CPU time: bench/proc-cpu.ts). */
  dbPgid: number;
  /** Whether the DEMO reputation API runs (BENCH_DEMO_API=1; see startStack). */
  demoApi: boolean;
  /** The vars the tracing-on worker was started with (for extra workers of a probe). */
  baseVars: Record<string, string>;
  /** Stops the workers and the database, removes the temp directory. Safe to call twice. */
  stop(): Promise<void>;
  /** Sends SIGKILL to every process group still running (for `process.on("exit")`). */
  killNow(): void;
}

interface DbServer {
  url: string;
  child: ChildProcess;
}

/** Runs tools/libsql-server/cli.ts in its own process group; resolves with its URL. */
export function startDbServer(file: string): Promise<DbServer> {
  const args = ["tools/libsql-server/cli.ts", "--file", file, "--port", "0", "--test-controls", "--quiet"];
  return startReadyChild(args, "local libSQL server");
}

/** Runs `npx tsx <args>` in its own process group; resolves once it prints `ready at <url>`. */
async function startReadyChild(args: string[], what: string): Promise<DbServer> {
  const child = spawn("npx", ["tsx", ...args], {
    detached: true,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`${what} did not start within 30 s`)), 30_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /ready at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) before it was ready`));
    });
  });
  child.stdout?.resume();
  return { url, child };
}

function killGroup(child: ChildProcess | undefined, signal: NodeJS.Signals): void {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {}
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((r) => child.once("exit", () => r()));
  killGroup(child, "SIGTERM");
  const timer = setTimeout(() => killGroup(child, "SIGKILL"), 5000);
  await gone;
  clearTimeout(timer);
}

/**
 * Starts the whole stack. On a failure part-way, stops what was started and rethrows.
 * @param onStarted called as soon as each process exists, so a signal handler can reach it.
 */
export async function startStack(onStarted: (killNow: () => void) => void): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), "hookline-bench-"));
  const dbFile = join(dir, "bench.db");
  const children: ChildProcess[] = [];
  const killNow = () => {
    for (const c of children) killGroup(c, "SIGKILL");
  };
  onStarted(killNow);
  const workers: WranglerDev[] = [];
  let db: DbServer | undefined;
  let demo: DbServer | undefined;
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      await Promise.all(workers.map((w) => w.stop()));
      if (db) await stopChild(db.child);
      if (demo) await stopChild(demo.child);
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopped;
  };
  try {
    db = await startDbServer(dbFile);
    children.push(db.child);
    await migrateDatabase(db.url);
    // BENCH_DEMO_API=1: as `npm start` does, the DEMO reputation API, so IP Reputation's
    // http.fetch gets answers. Default off: the fetch is refused at once (no insecure host is
    // allowed), so the rows measure Hookline, not a local HTTP round trip (bench/README.md).
    const demoApi = process.env.BENCH_DEMO_API === "1";
    if (demoApi) {
      demo = await startReadyChild(["bench/demo-api-child.ts"], "demo reputation API");
      children.push(demo.child);
    }
    const seeded = await seedExamples(db.url, undefined, demo ? `${demo.url}/reputation` : undefined);
    if (seeded !== 9) throw new Error(`expected to seed 9 example scripts, seeded ${seeded}`);
    const base = {
      ADMIN_TOKEN,
      TRIGGER_TOKEN,
      TURSO_DATABASE_URL: db.url,
      ...(demoApi ? { ALLOW_INSECURE_HTTP_HOSTS: "127.0.0.1" } : {}),
    };
    const [portOn, portOff] = [await freePort(), await freePort()];
    // Started one after the other: two cold wrangler builds at once double the start-up time here.
    const on = await startWranglerDev({
      port: portOn,
      vars: base,
      stdio: process.env.BENCH_VERBOSE === "1" ? "inherit" : "ignore",
    });
    workers.push(on);
    children.push(on.child);
    const off = await startWranglerDev({
      port: portOff,
      vars: { ...base, TRACING: "off" },
      stdio: process.env.BENCH_VERBOSE === "1" ? "inherit" : "ignore",
    });
    workers.push(off);
    children.push(off.child);
    const floor = await startWranglerDev({
      port: await freePort(),
      vars: {},
      extraArgs: ["--config", "bench/floor/wrangler.toml"],
      stdio: process.env.BENCH_VERBOSE === "1" ? "inherit" : "ignore",
    });
    workers.push(floor);
    children.push(floor.child);
    return {
      dbUrl: db.url,
      dbFile,
      on,
      off,
      floor,
      dbPgid: db.child.pid ?? 0,
      demoApi,
      baseVars: base,
      stop,
      killNow,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
