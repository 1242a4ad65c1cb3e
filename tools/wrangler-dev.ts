/**
 * Starts `wrangler dev` in its own process group (so stopping it stops workerd too), waits until
 * `GET /health` answers, and stops the whole group on request. Used by `npm start` and the bench.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

export interface WranglerDev {
  url: string;
  /** The DevTools inspector port (`--inspector-port`): CPU profiles of the worker (bench/profile-path.ts). */
  inspectorPort: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts wrangler dev with the given vars; resolves once /health answers (any status). */
export async function startWranglerDev(opts: {
  port: number;
  vars: Record<string, string>;
  stdio?: "inherit" | "ignore";
  extraArgs?: string[];
  readyTimeoutMs?: number;
  /** Directory to run in (another checkout, for before/after probes); default: this one. */
  cwd?: string;
}): Promise<WranglerDev> {
  const inspector = await freePort();
  const args = [
    "wrangler",
    "dev",
    "--local",
    "--ip",
    "127.0.0.1",
    "--port",
    String(opts.port),
    "--inspector-port",
    String(inspector),
    "--show-interactive-dev-session=false",
    "--log-level",
    "warn",
  ];
  for (const [k, v] of Object.entries(opts.vars)) args.push("--var", `${k}:${v}`);
  args.push(...(opts.extraArgs ?? []));
  const child = spawn("npx", args, {
    detached: true,
    cwd: opts.cwd,
    stdio: opts.stdio === "ignore" ? "ignore" : ["ignore", "inherit", "inherit"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  const url = `http://127.0.0.1:${opts.port}`;
  let exited = false;
  // Whatever ends this process (a crash, a closed pipe, process.exit), take workerd down with it.
  const killGroup = () => {
    if (!exited && child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {}
    }
  };
  process.once("exit", killGroup);
  child.once("exit", () => {
    exited = true;
    process.off("exit", killGroup);
  });
  const stop = async () => {
    if (exited || child.pid === undefined) return;
    const gone = new Promise<void>((r) => child.once("exit", () => r()));
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-(child.pid as number), "SIGKILL");
      } catch {}
    }, 5000);
    await gone;
    clearTimeout(timer);
    // npx exits first; workerd (two processes with the queue consumers) may still be closing its
    // sockets. Wait for the whole group, SIGKILL whatever is left after 5 s.
    const pid = child.pid;
    const deadline = Date.now() + 5000;
    while (groupAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (groupAlive(pid)) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {}
    }
  };
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (exited) throw new Error("wrangler dev exited before it was ready");
    try {
      await fetch(`${url}/health`);
      return { url, inspectorPort: inspector, child, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  await stop();
  throw new Error(`wrangler dev did not answer on ${url} within the timeout`);
}
