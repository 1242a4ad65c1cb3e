// `npx hookline` with no server at all: `test` on the examples (passing, failing and malformed
// cases), `run`, `--help` on every command, and one-line errors with exit codes. The bin is
// spawned for real once (so `npx hookline` after `npm install` is what is tested); every other
// call runs main() in-process with a fetch that fails the test if anything tries the network.
import { execFile } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../tools/wrangler-dev";
import { EXAMPLES, hookline, ROOT, tempDir } from "./stack";

const FETCHING = join(ROOT, "examples/fetching");

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let fetches = 0;
const noNetwork: typeof fetch = async () => {
  fetches++;
  throw new Error("the offline commands must not use the network");
};
const offline = (args: string[]) => hookline(args, { url: "http://127.0.0.1:9", fetch: noNetwork });

const RISKY = {
  user: { id: "u_456", email: "mallory@example.com" },
  request: { ip: "198.51.100.9", country: "NL", user_agent: "curl/8.5", device_id: "d-9" },
  known_devices: [],
  recent_failed_attempts: 3,
};

describe("hookline test and run (offline)", () => {
  it("npx hookline test passes the examples' cases with no server listening", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`; // nothing listens there
    const { stdout, stderr } = await run("npx", ["hookline", "test", EXAMPLES], {
      cwd: ROOT,
      env: { ...process.env, HOOKLINE_URL: closed, HOOKLINE_TOKEN: "x" },
    });
    expect(stderr).toBe("");
    expect(stdout).toBe(
      [
        "ok    before_signin/tests/blocked-country.json",
        "ok    before_signin/tests/known-device.json",
        "ok    before_signin/tests/risky-new-device.json",
        "3 passed, 0 failed",
        "",
      ].join("\n"),
    );
  }, 60_000);

  it("reports each failing case on one line and exits 1", async () => {
    const tree = tempDir(EXAMPLES);
    dirs.push(tree);
    const tests = join(tree, "before_signin/tests");
    writeFileSync(
      join(tests, "wrong-decision.json"),
      JSON.stringify({ context: RISKY, expect: { decision: "allow" } }),
    );
    writeFileSync(
      join(tests, "wrong-data.json"),
      JSON.stringify({
        context: RISKY,
        expect: { decision: "block", blocked_by: "Geo Blocker", data: { risk: { score: 10 } } },
      }),
    );
    writeFileSync(
      join(tests, "malformed.json"),
      JSON.stringify({ context: {}, expect: { decision: "maybe" } }),
    );
    const res = await offline(["test", tree]);
    expect(res.code).toBe(1);
    expect(res.err).toBe("");
    const lines = res.out.trimEnd().split("\n");
    expect(lines).toHaveLength(7);
    expect(lines[1]).toBe("ok    before_signin/tests/known-device.json");
    expect(lines[2]).toMatch(
      /^FAIL {2}before_signin\/tests\/malformed\.json: bad case file: expect\.decision: /,
    );
    expect(lines[4]).toMatch(
      /^FAIL {2}before_signin\/tests\/wrong-data\.json: blocked_by: expected \{"name":"Geo Blocker"\}, got \{"script_id":"risk_threshold\.lua","name":"Risk Threshold",.*; data: expected to contain \{"risk":\{"score":10\}\}, got \{.*"score":80/,
    );
    expect(lines[5]).toBe(
      "FAIL  before_signin/tests/wrong-decision.json: decision: expected allow, got block (blocked by Risk Threshold: risk score 80 >= 70)",
    );
    expect(lines[6]).toBe("3 passed, 3 failed");
    expect(fetches).toBe(0);
  });

  it("a shadow script in the manifest runs but never changes a case's decision", async () => {
    const tree = tempDir(EXAMPLES);
    dirs.push(tree);
    const manifestFile = join(tree, "manifest.json");
    const manifest = JSON.parse(readFileSync(manifestFile, "utf8"));
    manifest.scripts.find((s: { name: string }) => s.name === "Geo Blocker").mode = "shadow";
    writeFileSync(manifestFile, JSON.stringify(manifest));
    const res = await offline(["test", tree]);
    expect(res.code).toBe(1);
    // blocked-country.json expects Geo Blocker to block a KP sign-in: in shadow it only would have.
    expect(res.out.trimEnd().split("\n")[0]).toMatch(
      /^FAIL {2}before_signin\/tests\/blocked-country\.json: decision: expected block, got allow/,
    );
    expect(fetches).toBe(0);
  });

  it("stubs http.fetch per case for a script that fetches, through the real egress policy", async () => {
    const tree = tempDir(FETCHING);
    dirs.push(tree);
    const tests = join(tree, "before_signup/tests");
    // No stub for this address: the call fails like an unreachable host and names the URL.
    writeFileSync(
      join(tests, "unstubbed.json"),
      JSON.stringify({ context: { user: { email: "dave@example.com" } }, expect: { decision: "block" } }),
    );
    const res = await offline(["test", tree]);
    expect(res.code).toBe(1);
    expect(res.out.trimEnd().split("\n")).toEqual([
      "ok    before_signup/tests/bad-address.json",
      "ok    before_signup/tests/good-address.json",
      "ok    before_signup/tests/service-down.json",
      expect.stringMatching(
        /^FAIL {2}before_signup\/tests\/unstubbed\.json: decision: expected block, got allow \(errors: Email Reputation: .*no stub for GET https:\/\/reputation\.example\.com\/v1\/email\?address=dave@example\.com/,
      ),
      "3 passed, 1 failed",
    ]);
    // Without the host in allowed_hosts the engine refuses the call before any stub is asked.
    const manifest = JSON.parse(readFileSync(join(tree, "manifest.json"), "utf8"));
    manifest.scripts[0].allowed_hosts = [];
    writeFileSync(join(tree, "manifest.json"), JSON.stringify(manifest));
    const refused = await offline(["test", tree]);
    expect(refused.out).toMatch(
      /FAIL {2}before_signup\/tests\/bad-address\.json: decision: expected block, got allow \(errors: Email Reputation: .*not in allowed_hosts/,
    );
    expect(fetches).toBe(0);
  });

  it("run prints the answer with one span per script (and one for IP Reputation's unstubbed call)", async () => {
    const tree = tempDir();
    dirs.push(tree);
    const ctx = join(tree, "ctx.json");
    writeFileSync(ctx, JSON.stringify(RISKY));
    const res = await offline(["run", EXAMPLES, "before_signin", ctx]);
    expect(res).toMatchObject({ code: 0, err: "" });
    const answer = JSON.parse(res.out);
    expect(answer).toMatchObject({
      status: "blocked",
      decision: "block",
      blocked_by: { name: "Risk Threshold" },
    });
    const [calls, scripts] = [
      answer.spans.filter((s: any) => s.kind === "CLIENT"),
      answer.spans.filter((s: any) => s.kind !== "CLIENT"),
    ];
    // Offline, the demo reputation call gets no answer: the script falls back to its static list.
    expect(calls.map((s: any) => `${s.name} ${s.status}`)).toEqual(["GET 127.0.0.1 error"]);
    expect(answer.data.ip).toMatchObject({ reputation: "bad", source: "static list" });
    expect(scripts.map((s: any) => `${s.layer_index}-${s.parallel_index} ${s.status}`)).toEqual([
      "0-0 success",
      "0-1 success",
      "0-2 success",
      "1-0 success",
      "1-1 success",
      "1-2 success",
      "2-0 blocked",
      "2-1 success",
      "2-2 success",
    ]);
    const unknown = await offline(["run", EXAMPLES, "before_signup", ctx]);
    expect(unknown).toMatchObject({
      code: 1,
      err: `hookline run: ${EXAMPLES} has no scripts for trigger before_signup\n`,
    });
    expect(fetches).toBe(0);
  });
});

describe("hookline usage and errors", () => {
  it.each(["pull", "plan", "push", "test", "run"])("%s --help prints its usage and exits 0", async (cmd) => {
    const res = await offline([cmd, "--help"]);
    expect(res.code).toBe(0);
    expect(res.out).toMatch(new RegExp(`^Usage: hookline ${cmd} `));
  });

  it("answers every mistake with one line on stderr and exit 1", async () => {
    const cases: [string[], Record<string, string | undefined>, string][] = [
      [
        ["plan", EXAMPLES],
        { HOOKLINE_URL: undefined },
        "hookline plan: no server: set HOOKLINE_URL or pass --url",
      ],
      [
        ["plan", EXAMPLES],
        { HOOKLINE_TOKEN: undefined },
        "hookline plan: no token: set HOOKLINE_TOKEN or pass --token",
      ],
      [
        ["plan", EXAMPLES, "--url", "ftp://x"],
        {},
        "hookline plan: --url must be an http(s) URL, got ftp://x",
      ],
      [["plan"], {}, "hookline plan: expected 1 argument: hookline plan <dir>"],
      [["plan", EXAMPLES, "--frobnicate"], {}, "hookline plan: unknown option --frobnicate (see --help)"],
      [
        ["plan", "/nonexistent"],
        {},
        "hookline plan: /nonexistent/manifest.json not found (run `hookline pull /nonexistent` first)",
      ],
      [["deploy"], {}, "hookline: unknown command deploy (try hookline --help)"],
    ];
    for (const [args, env, message] of cases) {
      const res = await hookline(args, { url: "http://127.0.0.1:9", env, fetch: noNetwork });
      expect(res, args.join(" ")).toMatchObject({ code: 1, out: "", err: `${message}\n` });
    }
    expect(fetches).toBe(0);
  });

  it("names the unreachable server, and the manifest field that is wrong", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const res = await hookline(["plan", EXAMPLES], { url: closed });
    expect(res).toMatchObject({ code: 1, err: `hookline plan: cannot reach ${closed}: ECONNREFUSED\n` });
    const tree = tempDir();
    dirs.push(tree);
    writeFileSync(
      join(tree, "manifest.json"),
      JSON.stringify({
        scripts: [{ name: "x", file: "x.lua", trigger_event: "ev", layer_index: -1, parallel_index: 0 }],
      }),
    );
    const bad = await offline(["test", tree]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^hookline test: .*manifest\.json: scripts\[0\]\.layer_index: /);
  });
});
