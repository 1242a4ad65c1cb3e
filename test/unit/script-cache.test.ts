// The per-isolate script cache: cold load, TTL, stale-while-revalidate, shared loads, invalidation.
import { describe, expect, it } from "vitest";
import type { ScriptWithSource } from "../../src/db/scripts-repo";
import { ScriptCache } from "../../src/pipeline/script-cache";

const script = (id: string, event = "before_signin") => ({ id, triggerEvent: event }) as ScriptWithSource;

function harness(initial: ScriptWithSource[]) {
  let now = 1_000;
  let rows = initial;
  let loads = 0;
  let fail = false;
  const background: Promise<unknown>[] = [];
  const cache = new ScriptCache({
    load: async () => {
      loads++;
      if (fail) throw new Error("db down");
      return rows;
    },
    now: () => now,
  });
  return {
    cache,
    get loads() {
      return loads;
    },
    advance: (ms: number) => {
      now += ms;
    },
    setRows: (r: ScriptWithSource[]) => {
      rows = r;
    },
    setFail: (f: boolean) => {
      fail = f;
    },
    ids: async (event = "before_signin") =>
      (await cache.scriptsFor(event, 10_000, (p) => void background.push(p))).map((s) => s.id),
    settle: () => Promise.all(background.splice(0)),
  };
}

describe("ScriptCache", () => {
  it("loads once when cold and serves from memory within the TTL", async () => {
    const h = harness([script("a"), script("b"), script("x", "after_signup")]);
    expect(await h.ids()).toEqual(["a", "b"]);
    expect(await h.ids("after_signup")).toEqual(["x"]);
    expect(await h.ids("unknown")).toEqual([]);
    h.advance(9_999);
    await h.ids();
    expect(h.loads).toBe(1);
  });

  it("after the TTL answers from the stale snapshot and refreshes in the background", async () => {
    const h = harness([script("a")]);
    await h.ids();
    h.setRows([script("a2")]);
    h.advance(10_000);
    expect(await h.ids()).toEqual(["a"]);
    await h.settle();
    expect(h.loads).toBe(2);
    expect(await h.ids()).toEqual(["a2"]);
  });

  it("shares one load between concurrent cold calls", async () => {
    const h = harness([script("a")]);
    const all = await Promise.all([h.ids(), h.ids(), h.ids()]);
    expect(all).toEqual([["a"], ["a"], ["a"]]);
    expect(h.loads).toBe(1);
  });

  it("throws when cold and the load fails, but keeps serving a stale snapshot when a refresh fails", async () => {
    const cold = harness([]);
    cold.setFail(true);
    await expect(cold.ids()).rejects.toThrow("db down");

    const warm = harness([script("a")]);
    await warm.ids();
    warm.setFail(true);
    warm.advance(20_000);
    expect(await warm.ids()).toEqual(["a"]);
    await warm.settle();
    expect(await warm.ids()).toEqual(["a"]);
  });

  it("invalidate() makes the next call load afresh", async () => {
    const h = harness([script("a")]);
    await h.ids();
    h.setRows([script("b")]);
    h.cache.invalidate();
    expect(await h.ids()).toEqual(["b"]);
    expect(h.loads).toBe(2);
  });
});
