// `npm start` end to end: the local database, migrations, the demo reputation API, seeding,
// wrangler dev — then a health check, an allowed and a blocked sign-in (IP Reputation asks the
// demo API: its answer and its CLIENT span), and a clean stop on Ctrl-C with no workerd left behind.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { readSampleContexts } from "../../tools/seed";
import { freePort } from "../../tools/wrangler-dev";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

type Span = { id: string; name: string; kind: string; parent_span_id: string | null; [k: string]: unknown };

/** The trace's spans, once its write (after the answer, in waitUntil) has landed. */
async function traceSpans(base: string, traceId: string): Promise<Span[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await fetch(`${base}/v1/traces/${traceId}`, {
      headers: { authorization: "Bearer dev-admin-token" },
    });
    if (res.ok) return ((await res.json()) as { spans: Span[] }).spans;
    if (Date.now() > deadline) throw new Error(`trace ${traceId} not stored: ${res.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("npm start", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "hookline-start-"));
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child?.pid && groupAlive(child.pid)) process.kill(-child.pid, "SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("serves the example pipeline on a local database and stops cleanly on SIGINT", async () => {
    const [port, dbPort, demoPort] = [await freePort(), await freePort(), await freePort()];
    child = spawn("npx", ["tsx", "tools/start.ts"], {
      cwd: ROOT,
      detached: true,
      env: {
        ...process.env,
        PORT: String(port),
        DB_PORT: String(dbPort),
        DEMO_PORT: String(demoPort),
        HOOKLINE_DATA_DIR: dataDir,
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
    const deadline = Date.now() + 90_000;
    while (!output.includes("Hookline is running") && Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(output).toContain(`Hookline is running at http://127.0.0.1:${port}`);
    expect(output).toContain("seeded 9 example scripts");

    const base = `http://127.0.0.1:${port}`;
    expect(await (await fetch(`${base}/health`)).json()).toMatchObject({ ok: true, db: { ok: true } });
    const samples = readSampleContexts();
    const trigger = async (context: unknown) => {
      const res = await fetch(`${base}/v1/triggers/before_signin`, {
        method: "POST",
        headers: { authorization: "Bearer dev-trigger-token", "content-type": "application/json" },
        body: JSON.stringify(context),
      });
      return (await res.json()) as { decision: string; trace_id: string; data: any };
    };
    expect((await trigger(samples.allowed)).decision).toBe("allow");
    const blocked = await trigger(samples.blocked);
    expect(blocked.decision).toBe("block");
    // the demo API answered (not the script's static fallback list)
    expect(blocked.data.ip).toEqual({ address: "198.51.100.9", reputation: "bad", source: "service" });
    const spans = await traceSpans(base, blocked.trace_id);
    const script = spans.find((s) => s.name === "IP Reputation");
    const client = spans.find((s) => s.kind === "CLIENT");
    expect(client).toMatchObject({
      parent_span_id: script?.id,
      status: "success",
      attributes: {
        "url.full": `http://127.0.0.1:${demoPort}/reputation?ip=`,
        "http.response.status_code": 200,
      },
    });

    const pid = child.pid as number;
    const exited = new Promise<string>((r) => child?.once("exit", (code, signal) => r(`${code ?? signal}`)));
    process.kill(-pid, "SIGINT"); // what Ctrl-C in a terminal does: the whole foreground group
    expect(["0", "SIGINT"]).toContain(await exited);
    const stopDeadline = Date.now() + 10_000;
    while (groupAlive(pid) && Date.now() < stopDeadline) await new Promise((r) => setTimeout(r, 100));
    expect(groupAlive(pid)).toBe(false);
    // wrangler dev runs in a process group of its own: its port closing shows it is gone too
    await expect(fetch(`${base}/health`)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${dbPort}/health`)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${demoPort}/reputation`)).rejects.toThrow();
    expect(output).toContain("SIGINT: stopping wrangler dev and the local database");
  }, 150_000);
});
