// Script secrets inside the engine: the read-only `secrets` view, isolation between scripts,
// scrubbing of every secret value from the stored trace (and from answer messages), and a
// script whose secrets could not be loaded.
import { describe, expect, it } from "vitest";
import { REDACTED } from "../../src/engine";
import { shared, spec } from "./helpers";

const KEY = "sk_live_7f3a9c2e51";

async function run(scripts: ReturnType<typeof spec>[], context = {}) {
  return shared.run({ triggerEvent: "before_signin", context, scripts });
}

/** Every stored string of a run, joined (trace row and span rows). */
const stored = (out: Awaited<ReturnType<typeof run>>) => JSON.stringify([out.trace, out.spans]);

describe("secrets in Lua", () => {
  it("reads secrets.NAME; a missing name is nil; the view is read-only", async () => {
    const s = spec(
      `local ok, err = pcall(function() secrets.API_KEY = "x" end)
       local n = 0
       for k in pairs(secrets) do n = n + 1 end
       return { data = { len = #secrets.API_KEY, missing = secrets.NOPE == nil, ro = err, n = n,
                         raw = rawget(secrets, "API_KEY") == nil } }`,
      { secrets: { API_KEY: KEY, OTHER: "other-value" } },
    );
    const { result } = await run([s]);
    expect(result.errors).toEqual([]);
    expect(result.data).toMatchObject({ len: KEY.length, missing: true, n: 2, raw: true });
    expect(String(result.data.ro)).toMatch(/attempt to modify read-only secrets/);
  });

  it("a script without secrets sees an empty view, never another script's", async () => {
    const a = spec("return { data = { a = secrets.API_KEY } }", { secrets: { API_KEY: KEY } });
    const b = spec(
      "local n = 0 for _ in pairs(secrets) do n = n + 1 end return { data = { b = secrets.API_KEY or 'nil', bn = n } }",
      {
        parallelIndex: 1,
      },
    );
    const c = spec("return { data = { c = secrets.API_KEY } }", {
      layerIndex: 1,
      secrets: { API_KEY: "third-value" },
    });
    const { result } = await run([a, b, c]);
    expect(result.data).toEqual({ a: KEY, b: "nil", bn: 0, c: "third-value" });
  });

  it("cannot be replaced for later scripts or runs (fresh _ENV per run)", async () => {
    const a = spec("secrets = { API_KEY = 'planted' } _G.secrets = secrets return {}", {
      secrets: { API_KEY: KEY },
    });
    const b = spec("return { data = { b = secrets.API_KEY or 'nil' } }", { parallelIndex: 1 });
    expect((await run([a, b])).result.data).toEqual({ b: "nil" });
  });

  it("scrubs every secret value from everything stored: output, data, logs, errors, keys", async () => {
    const s = spec(
      `log("calling with " .. secrets.API_KEY, { k = secrets.API_KEY })
       print("url", "https://x.test/?k=" .. secrets.URL_KEY)
       return { data = { copy = secrets.API_KEY, [secrets.API_KEY] = true, note = "x" .. secrets.API_KEY .. "y" } }`,
      { secrets: { API_KEY: KEY, URL_KEY: "a b&c=d/é" } },
    );
    const e = spec(`error("failed with " .. secrets.API_KEY)`, {
      parallelIndex: 1,
      secrets: { API_KEY: KEY },
    });
    const out = await run([s, e], { user: { id: "u1" } });
    expect(stored(out)).not.toContain(KEY);
    expect(stored(out)).not.toContain("a b&c=d/é");
    expect(stored(out)).not.toContain(encodeURIComponent("a b&c=d/é"));
    expect(stored(out)).toContain(REDACTED);
    const attrs = JSON.parse(out.spans[0]?.attributes as string);
    expect(attrs.logs[0]).toEqual([`calling with ${REDACTED}`, { k: REDACTED }]);
    expect(attrs.output.data).toMatchObject({ copy: REDACTED, [REDACTED]: true, note: `x${REDACTED}y` });
    // The answer keeps the data the script chose to return, but no message carries a secret.
    expect(out.result.data.copy).toBe(KEY);
    expect(out.result.errors[0]?.message).toBe(`line 1: failed with ${REDACTED}`);
    expect(out.spans[1]?.statusMessage).toBe(`line 1: failed with ${REDACTED}`);
  });

  it("scrubs a secret from a blocking reason, in the trace and in the answer", async () => {
    const s = spec(`return { block = true, reason = "key " .. secrets.API_KEY }`, {
      secrets: { API_KEY: KEY },
    });
    const out = await run([s]);
    expect(out.result.blocked_by?.reason).toBe(`key ${REDACTED}`);
    expect(stored(out)).not.toContain(KEY);
  });

  it("a script whose secrets could not be loaded ends as that error under its on_error policy", async () => {
    const msg = "secret API_KEY could not be decrypted with key id k1 (wrong key for that id, …)";
    const closed = spec("return {}", { loadError: msg, onError: "block" });
    const out = await run([closed]);
    expect(out.result).toMatchObject({ status: "error", decision: "block" });
    expect(out.result.errors[0]?.message).toBe(msg);
    expect(out.spans[0]?.status).toBe("error");
    const open = spec("return {}", { loadError: msg });
    expect((await run([open])).result).toMatchObject({ status: "success", decision: "allow" });
  });
});
