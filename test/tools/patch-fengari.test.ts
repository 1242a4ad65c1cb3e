// The install-time fengari patch (tools/patch-fengari.mjs) runs again on every `npm install` and
// whenever npm links this package (`npx hookline` does): on an already-patched copy it must find
// every edit present and change nothing, or the install fails. Runs on a copy of the installed
// (patched) fengari, so the real node_modules is never touched.
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = new URL("../..", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "hookline-fengari-"));
const copy = join(dir, "fengari");
cpSync(join(ROOT, "node_modules/fengari"), copy, { recursive: true });

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const patch = (...args: string[]) =>
  run("node", [join(ROOT, "tools/patch-fengari.mjs"), "--dir", copy, ...args], { cwd: ROOT });

describe("patch-fengari on an installed copy", () => {
  it("finds every edit present, applies none and leaves the files as they were", async () => {
    const before = readFileSync(join(copy, "src/ltable.js"), "utf8");
    const check = await patch("--check");
    expect(check.stdout).toMatch(/^patch-fengari: (\d+)\/\1 edits present\n$/);
    const again = await patch();
    expect(again.stdout).toMatch(/^patch-fengari: 0 edits applied, \d+ already present\n$/);
    expect(readFileSync(join(copy, "src/ltable.js"), "utf8")).toBe(before);
  });
});
