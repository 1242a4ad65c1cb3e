// The CLI against a real worker (wrangler dev) on the real local libSQL server: the examples as
// input, the pull → edit → plan → push → pull round trip, an atomic push (a script that does not
// compile changes nothing) and a concurrent edit that makes push fail with 409 and change nothing.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, type CliStack, EXAMPLES, hookline, readTreeFiles, startStack, tempDir } from "./stack";

let stack: CliStack;
let url: string;
const dirs: string[] = [];
const dir = (from?: string) => {
  const d = tempDir(from);
  dirs.push(d);
  return d;
};

beforeAll(async () => {
  stack = await startStack();
  url = stack.url;
}, 180_000);
afterAll(async () => {
  await stack?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A tree of three scripts on `trigger` (files a.lua, b.lua, c.lua, no ids). */
function threeScripts(trigger: string): string {
  const d = dir();
  const scripts = ["a", "b", "c"].map((n, i) => {
    writeFileSync(join(d, `${n}.lua`), `return { data = { ${n} = 1 } }\n`);
    return {
      name: `Script ${n}`,
      file: `${n}.lua`,
      trigger_event: trigger,
      layer_index: 0,
      parallel_index: i,
    };
  });
  writeFileSync(join(d, "manifest.json"), JSON.stringify({ scripts }));
  return d;
}

async function liveOf(trigger: string) {
  const { body } = await api(url, "GET", `/v1/scripts?trigger_event=${trigger}`);
  return (body.scripts as any[]).map((s) => ({
    id: s.id,
    v: s.current_version,
    source: s.source,
    on: s.enabled,
  }));
}

describe("hookline against a worker", () => {
  it("pushes the examples directory as is, then plans no changes for it (exit 0)", async () => {
    const push = await hookline(["push", EXAMPLES], { url });
    expect(push.err).toBe("");
    expect(push.code).toBe(0);
    expect(push.out).toContain("Plan: 9 to create, 0 to update, 0 to disable.");
    expect(push.out).toMatch(/created before_signin Geo Blocker scr_[0-9a-f]{16}: new → v1/);
    const plan = await hookline(["plan", EXAMPLES], { url });
    expect(plan).toMatchObject({ code: 0, err: "" });
    expect(plan.out).toBe(`No changes: ${url} already matches the tree.\n`);
  });

  it("round trip: pull → edit → plan shows exactly that edit → push → pull gives the edited tree back", async () => {
    const a = dir();
    const pull = await hookline(["pull", a], { url });
    expect(pull.code).toBe(0);
    const pulled = readTreeFiles(a);
    const file = "before_signin/2-0-risk-threshold.lua";
    expect(pulled[file]).toBe(readFileSync(join(EXAMPLES, "risk_threshold.lua"), "utf8"));
    const id = JSON.parse(pulled["manifest.json"] as string).scripts.find((s: any) => s.file === file).id;

    writeFileSync(
      join(a, file),
      (pulled[file] as string).replace("local threshold = 70", "local threshold = 60"),
    );
    const plan = await hookline(["plan", a], { url });
    expect(plan.code).toBe(2);
    const lines = plan.out.trimEnd().split("\n");
    expect(lines.slice(0, 2)).toEqual(["before_signin", `  ~ update   Risk Threshold (${id} v1): source`]);
    const changed = lines.filter((l) => /^ {6}[-+](?![-+]{2} )/.test(l));
    expect(changed).toEqual(["      -local threshold = 70", "      +local threshold = 60"]);
    expect(lines.at(-1)).toBe("Plan: 0 to create, 1 to update, 0 to disable.");

    const push = await hookline(["push", a], { url });
    expect(push.code).toBe(0);
    expect(push.out).toContain(`updated before_signin Risk Threshold ${id}: v1 → v2`);
    expect((await hookline(["plan", a], { url })).code).toBe(0);

    const b = dir();
    expect((await hookline(["pull", b], { url })).code).toBe(0);
    expect(readTreeFiles(b)).toEqual(readTreeFiles(a));
  });

  it("pull refuses to overwrite a pulled tree without --force", async () => {
    const a = dir();
    expect((await hookline(["pull", a], { url })).code).toBe(0);
    const again = await hookline(["pull", a], { url });
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/^hookline pull: .*manifest\.json exists: pass --force/);
    expect((await hookline(["pull", a, "--force"], { url })).code).toBe(0);
  });

  it("a push whose third script does not compile changes nothing", async () => {
    const tree = threeScripts("cli_atomic");
    expect((await hookline(["push", tree], { url })).code).toBe(0);
    const before = await liveOf("cli_atomic");
    expect(before).toHaveLength(3);
    writeFileSync(join(tree, "a.lua"), "return { data = { a = 2 } }\n");
    writeFileSync(join(tree, "b.lua"), "return { data = { b = 2 } }\n");
    writeFileSync(join(tree, "c.lua"), "return { data = \n");
    const push = await hookline(["push", tree], { url });
    expect(push.code).toBe(1);
    expect(push.err).toMatch(
      /^hookline push: POST \/v1\/scripts\/apply failed with HTTP 422 SCRIPT_COMPILE_ERROR: .*\(field update\.2\.source\)\n$/,
    );
    expect(await liveOf("cli_atomic")).toEqual(before);
    expect((await hookline(["plan", tree], { url })).out).toContain(
      "Plan: 0 to create, 3 to update, 0 to disable.",
    );
  });

  it("a concurrent edit makes push fail with 409 and change nothing", async () => {
    const tree = threeScripts("cli_race");
    expect((await hookline(["push", tree], { url })).code).toBe(0);
    const [a, b] = await liveOf("cli_race");
    writeFileSync(join(tree, "a.lua"), "return { data = { a = 'mine' } }\n");
    writeFileSync(join(tree, "b.lua"), "return { data = { b = 'mine' } }\n");
    // Someone saves script b between push reading the live scripts and applying its plan.
    let raced = 0;
    const racingFetch: typeof fetch = async (input, init) => {
      if (String(input).endsWith("/v1/scripts/apply") && raced++ === 0) {
        const put = await api(url, "PUT", `/v1/scripts/${b?.id}`, {
          source: "return { data = { b = 'theirs' } }",
        });
        expect(put.status).toBe(200);
      }
      return fetch(input, init);
    };
    const push = await hookline(["push", tree], { url, fetch: racingFetch });
    expect(raced).toBe(1);
    expect(push.code).toBe(1);
    expect(push.err).toMatch(
      /HTTP 409 CONFLICT: Script .* is at version 2, not 1.*\(field update\.1\.expected_version\)/,
    );
    const after = await liveOf("cli_race");
    expect(after[0]).toEqual(a); // our edit of a did not land either
    expect(after[1]).toMatchObject({ id: b?.id, v: 2, source: "return { data = { b = 'theirs' } }" });
  });

  it("plans and pushes creates, moves, setting changes and disables, then reports no changes", async () => {
    const tree = threeScripts("cli_shapes");
    expect((await hookline(["push", tree], { url })).code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(tree, "manifest.json"), "utf8"));
    manifest.scripts[0].parallel_index = 1; // a and b swap slots
    manifest.scripts[1].parallel_index = 0;
    manifest.scripts[1].on_error = "block";
    manifest.scripts.splice(2, 1); // c goes: disabled
    mkdirSync(join(tree, "more"));
    writeFileSync(join(tree, "more/d.lua"), "return {}\n");
    manifest.scripts.push({
      name: "Script d",
      file: "more/d.lua",
      trigger_event: "cli_shapes",
      layer_index: 1,
      parallel_index: 0,
    });
    writeFileSync(join(tree, "manifest.json"), JSON.stringify(manifest));
    const plan = await hookline(["plan", tree], { url });
    expect(plan.code).toBe(2);
    expect(plan.out).toMatch(/~ move {5}Script a \(scr_\w+ v1\): slot\n {6}slot: 0-0 → 0-1\n/);
    expect(plan.out).toMatch(
      /~ update {3}Script b \(scr_\w+ v1\): slot, on_error\n {6}slot: 0-1 → 0-0\n {6}on_error: "continue" → "block"\n/,
    );
    expect(plan.out).toMatch(/\+ create {3}Script d at 1-0 \(more\/d\.lua\)/);
    expect(plan.out).toMatch(/- disable {2}Script c at 0-2/);
    expect(plan.out).toContain("Plan: 1 to create, 2 to update, 1 to disable.");
    const push = await hookline(["push", tree], { url });
    expect(push.code).toBe(0);
    expect(push.out).toMatch(/updated cli_shapes Script c scr_\w+: v1 → v1 \(disabled\)/);
    expect((await hookline(["plan", tree], { url })).code).toBe(0);
  });

  it("mode: a shadow script is created in shadow, pulled with it, and promoted by an edit that keeps the version", async () => {
    const tree = threeScripts("cli_mode");
    const manifest = JSON.parse(readFileSync(join(tree, "manifest.json"), "utf8"));
    manifest.scripts[2].mode = "shadow";
    writeFileSync(join(tree, "manifest.json"), JSON.stringify(manifest));
    expect((await hookline(["push", tree], { url })).code).toBe(0);
    const modes = async () =>
      ((await api(url, "GET", "/v1/scripts?trigger_event=cli_mode")).body.scripts as any[]).map((s) => [
        s.name,
        s.mode,
        s.current_version,
      ]);
    expect(await modes()).toEqual([
      ["Script a", "enforce", 1],
      ["Script b", "enforce", 1],
      ["Script c", "shadow", 1],
    ]);
    expect((await hookline(["plan", tree], { url })).code).toBe(0);
    const pulled = dir();
    expect((await hookline(["pull", pulled], { url })).code).toBe(0);
    const entries = JSON.parse(readFileSync(join(pulled, "manifest.json"), "utf8")).scripts.filter(
      (e: { trigger_event: string }) => e.trigger_event === "cli_mode",
    );
    expect(entries.map((e: { mode: string }) => e.mode)).toEqual(["enforce", "enforce", "shadow"]);
    manifest.scripts[2].mode = "enforce";
    writeFileSync(join(tree, "manifest.json"), JSON.stringify(manifest));
    const plan = await hookline(["plan", tree], { url });
    expect(plan.code).toBe(2);
    expect(plan.out).toMatch(/~ update {3}Script c \(scr_\w+ v1\): mode\n {6}mode: "shadow" → "enforce"\n/);
    expect((await hookline(["push", tree], { url })).code).toBe(0);
    expect((await modes())[2]).toEqual(["Script c", "enforce", 1]);
  });

  it("pull writes secret names, never values; plan warns of a listed secret that is not set", async () => {
    const tree = threeScripts("cli_secrets");
    expect((await hookline(["push", tree], { url })).code).toBe(0);
    const [a] = await liveOf("cli_secrets");
    const value = "cli-secret-value-93ab71";
    expect((await api(url, "PUT", `/v1/scripts/${a?.id}/secrets/API_KEY`, { value })).status).toBe(201);
    const pulled = dir();
    expect((await hookline(["pull", pulled], { url })).code).toBe(0);
    const files = readTreeFiles(pulled);
    const manifest = JSON.parse(files["manifest.json"] as string);
    const entries = manifest.scripts.filter((s: any) => s.trigger_event === "cli_secrets");
    expect(entries.map((s: any) => s.secrets)).toEqual([["API_KEY"], [], []]);
    expect(JSON.stringify(files)).not.toContain(value);
    // a clean tree: no plan items, no warnings
    expect(await hookline(["plan", pulled], { url })).toMatchObject({ code: 0, err: "" });
    expect((await hookline(["plan", pulled], { url })).out).not.toContain("! secret");

    entries[0].secrets = ["API_KEY", "WEBHOOK_KEY"];
    entries[1].secrets = undefined; // not listed: not checked
    writeFileSync(join(pulled, "manifest.json"), JSON.stringify(manifest));
    await api(url, "PUT", `/v1/scripts/${entries[2].id}/secrets/STRAY_KEY`, { value });
    const plan = await hookline(["plan", pulled], { url });
    expect(plan.code).toBe(0); // not a change push could make: a warning
    expect(plan.out.split("\n").filter((l) => l.startsWith("!"))).toEqual([
      `! secret WEBHOOK_KEY of cli_secrets Script a (${a?.id}) is listed but not set: secrets.WEBHOOK_KEY is nil until PUT /v1/scripts/${a?.id}/secrets/WEBHOOK_KEY`,
      `! secret STRAY_KEY of cli_secrets Script c (${entries[2].id}) is set on the server but not listed in the manifest`,
    ]);
  });

  it("fails with one line and exit 1 on a wrong token", async () => {
    const res = await hookline(["plan", EXAMPLES], { url, env: { HOOKLINE_TOKEN: "wrong" } });
    expect(res.code).toBe(1);
    expect(res.err).toBe(
      "hookline plan: GET /v1/scripts failed with HTTP 401 UNAUTHORIZED: Invalid bearer token\n",
    );
  });
});
