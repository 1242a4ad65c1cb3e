/**
 * The CLI: prints one ready line with the URL, serves, and exits cleanly on SIGTERM / SIGINT.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function startCli(args: string[]) {
  const child = spawn(process.execPath, ["--import", "tsx", "tools/libsql-server/cli.ts", ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => {
    output += String(d);
  });
  child.stderr.on("data", (d) => {
    output += String(d);
  });
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout.on("data", () => {
      const m = /ready at (http:\/\/\S+)/.exec(output);
      if (m?.[1]) resolve(m[1]);
    });
    child.on("exit", (code) => reject(new Error(`cli exited with ${code}: ${output}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, ready, exited, output: () => output };
}

it.each(["SIGTERM", "SIGINT"] as const)(
  "serves :memory: and exits 0 on %s",
  async (signal) => {
    const cli = startCli(["--file", ":memory:", "--port", "0", "--auth-token", "tok", "--test-controls"]);
    const url = await cli.ready;
    const auth = { authorization: "Bearer tok", "content-type": "application/json" };
    const body = JSON.stringify({
      requests: [{ type: "execute", stmt: { sql: "CREATE TABLE t (x)" } }, { type: "close" }],
    });
    const res = await fetch(`${url}/v2/pipeline`, { method: "POST", headers: auth, body });
    expect(res.status).toBe(200);
    expect((await fetch(`${url}/_test/stats`, { headers: auth })).status).toBe(200);
    cli.child.kill(signal);
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toMatch(/POST \/v2\/pipeline 200/);
  },
  20_000,
);

it("refuses to start without --file", async () => {
  const cli = startCli([]);
  expect(await cli.exited).toBe(2);
  expect(cli.output()).toMatch(/usage/);
  await cli.ready.catch(() => {});
});
