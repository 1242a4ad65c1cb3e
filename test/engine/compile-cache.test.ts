// The compile cache: one compile per (id, version), least recently used evicted first, and a
// changed source under the same key compiled again.
import { describe, expect, it } from "vitest";
import { ScriptEngine } from "../../src/engine";

const script = (id: string, version = 1, source = `return { data = { ${id} = true } }`) => ({
  id,
  version,
  source,
});

describe("compile cache", () => {
  it("keeps the most recently used entries and evicts the stalest", () => {
    const engine = new ScriptEngine({ cacheSize: 2 });
    engine.compile(script("a"));
    engine.compile(script("b"));
    engine.compile(script("a")); // a is now more recent than b
    engine.compile(script("c")); // over the size: b goes
    expect(engine.stats()).toEqual({ compiles: 3, hits: 1, size: 2 });
    engine.compile(script("a")); // still cached
    expect(engine.stats().compiles).toBe(3);
    engine.compile(script("b")); // evicted: compiled again (and c, now the stalest, goes)
    expect(engine.stats()).toEqual({ compiles: 4, hits: 2, size: 2 });
    engine.compile(script("a"));
    expect(engine.stats().compiles).toBe(4);
  });

  it("compiles again when the source under a key changes", () => {
    const engine = new ScriptEngine();
    expect(engine.compile(script("a", 1, "return {}")).ok).toBe(true);
    const broken = engine.compile(script("a", 1, "return {"));
    expect(broken.ok).toBe(false);
    expect(engine.stats()).toEqual({ compiles: 2, hits: 0, size: 1 });
  });
});
