// The executor: decision table, ordering, merge semantics, skipped spans, compile once.
import { describe, expect, it } from "vitest";
import type { ScriptSpec } from "../../src/engine";
import { deepMerge, ScriptEngine } from "../../src/engine";
import { spec } from "./helpers";

const PASS = "return { data = { p = true } }";
const BLOCK = "return { block = true, reason = 'no' }";
const FAIL = "error('boom')";

async function run(scripts: ScriptSpec[], engine = new ScriptEngine()) {
  return await engine.run({ triggerEvent: "before_signin", context: { a: 1 }, scripts });
}

describe("decision table", () => {
  it("all pass -> success / allow", async () => {
    const { result, spans } = await run([spec(PASS), spec(PASS, { layerIndex: 1 })]);
    expect(result).toMatchObject({ status: "success", decision: "allow", blocked_by: null, errors: [] });
    expect(spans.map((s) => s.status)).toEqual(["success", "success"]);
  });
  it("a block -> blocked / block; rest of the layer runs; later layers skipped", async () => {
    const b = spec(BLOCK, { name: "Blocker" });
    const { result, spans } = await run([b, spec(PASS, { parallelIndex: 1 }), spec(PASS, { layerIndex: 1 })]);
    expect(result).toMatchObject({
      status: "blocked",
      decision: "block",
      blocked_by: { script_id: b.id, name: "Blocker", reason: "no" },
    });
    expect(result.data).toEqual({ p: true });
    expect(spans.map((s) => s.status)).toEqual(["blocked", "success", "skipped"]);
    expect(spans[2]?.statusMessage).toBe("skipped: blocked by Blocker");
  });
  it("the first blocker in order is blocked_by", async () => {
    const first = spec("return { block = true, reason = 'first' }", { parallelIndex: 1 });
    const second = spec("return { block = true, reason = 'second' }", { parallelIndex: 2 });
    const { result } = await run([second, first]);
    expect(result.blocked_by?.reason).toBe("first");
  });
  it("fail-open error -> success / allow, listed in errors, flow goes on", async () => {
    const f = spec(FAIL, { onError: "continue", name: "Flaky" });
    const { result, spans } = await run([f, spec(PASS, { layerIndex: 1 })]);
    expect(result).toMatchObject({ status: "success", decision: "allow", data: { p: true } });
    expect(result.errors).toEqual([{ script_id: f.id, name: "Flaky", message: "line 1: boom" }]);
    expect(spans.map((s) => s.status)).toEqual(["error", "success"]);
  });
  it("fail-closed error -> error / block, later layers skipped", async () => {
    const f = spec(FAIL, { onError: "block", name: "Strict" });
    const { result, spans, trace } = await run([
      f,
      spec(PASS, { parallelIndex: 1 }),
      spec(PASS, { layerIndex: 1 }),
    ]);
    expect(result).toMatchObject({ status: "error", decision: "block", blocked_by: null });
    expect(result.errors).toHaveLength(1);
    expect(spans.map((s) => s.status)).toEqual(["error", "success", "skipped"]);
    expect(spans[2]?.statusMessage).toBe("skipped: fail-closed error in Strict");
    expect(trace.statusMessage).toBe("fail-closed error: Strict: line 1: boom");
  });
  it("block + fail-closed error in one layer -> blocked wins (either order), error still listed", async () => {
    for (const [errIdx, blockIdx] of [
      [0, 1],
      [1, 0],
    ]) {
      const { result } = await run([
        spec(FAIL, { onError: "block", parallelIndex: errIdx }),
        spec(BLOCK, { parallelIndex: blockIdx }),
      ]);
      expect(result).toMatchObject({ status: "blocked", decision: "block", blocked_by: { reason: "no" } });
      expect(result.errors).toHaveLength(1);
    }
  });
  it("a script that fails to compile follows its on_error", async () => {
    const bad = spec("x x", { onError: "block" });
    const { result, spans } = await run([bad]);
    expect(result).toMatchObject({ status: "error", decision: "block" });
    expect(result.errors[0]?.message).toBe("line 1: compile error: syntax error near 'x'");
    expect(spans[0]?.status).toBe("error");
  });
  it("extraErrors are listed first and do not change the decision", async () => {
    const out = await new ScriptEngine().run({
      triggerEvent: "t",
      context: {},
      scripts: [spec(PASS)],
      extraErrors: [{ script_id: null, name: "loader", message: "version 3 missing" }],
    });
    expect(out.result).toMatchObject({ status: "success", decision: "allow" });
    expect(out.result.errors[0]).toEqual({ script_id: null, name: "loader", message: "version 3 missing" });
  });
  it("no scripts -> success / allow, empty data", async () => {
    expect((await run([])).result).toEqual({
      status: "success",
      decision: "allow",
      data: {},
      blocked_by: null,
      errors: [],
    });
  });
});

describe("layers and merge", () => {
  it("every script of a layer sees the same prev; layers see earlier layers' data", async () => {
    const scripts = [
      spec("return { data = { a = 1, list = { 1, 2 }, obj = { x = 1, y = 1 } } }", {
        layerIndex: 0,
        parallelIndex: 0,
      }),
      spec("return { data = { seen_a = prev.a == nil, list = { 9 }, obj = { y = 2 } } }", {
        layerIndex: 0,
        parallelIndex: 1,
      }),
      spec("return { data = { l1 = { a = prev.a, list_len = #prev.list, y = prev.obj.y } } }", {
        layerIndex: 1,
      }),
    ];
    const { result, trace } = await run(scripts);
    expect(result.data).toEqual({
      a: 1,
      list: [9],
      obj: { x: 1, y: 2 },
      seen_a: true,
      l1: { a: 1, list_len: 1, y: 2 },
    });
    expect(JSON.parse(trace.layerPrev as string)[0]).toEqual({}); // prev, stored once per layer
  });
  it("orders by layer then parallel index regardless of input order", async () => {
    const mk = (l: number, p: number) =>
      spec(`return { data = { order = (prev.order or '') .. '${l}${p}' } }`, {
        layerIndex: l,
        parallelIndex: p,
      });
    const { spans, result } = await run([mk(2, 0), mk(0, 1), mk(1, 0), mk(0, 0)]);
    expect(spans.map((s) => `${s.layerIndex}${s.parallelIndex}`)).toEqual(["00", "01", "10", "20"]);
    expect(result.data.order).toBe("011020"); // 00 and 01 share prev; the later one wins
  });
  it("deepMerge: objects merge, arrays and scalars replace, inputs untouched", async () => {
    const a = { o: { x: 1, n: { k: 1 } }, arr: [1, 2], s: "a" };
    const b = { o: { n: { j: 2 } }, arr: [3], s: { now: "obj" } };
    expect(deepMerge(a, b)).toEqual({ o: { x: 1, n: { k: 1, j: 2 } }, arr: [3], s: { now: "obj" } });
    expect(a).toEqual({ o: { x: 1, n: { k: 1 } }, arr: [1, 2], s: "a" });
  });
});

describe("compile once", () => {
  it("a (script id, version) is compiled once per engine", async () => {
    const engine = new ScriptEngine();
    const s = spec(PASS);
    await run([s], engine);
    await run([s], engine);
    await run([{ ...s }], engine);
    expect(engine.stats()).toMatchObject({ compiles: 1, hits: 2 });
    await run([{ ...s, version: 2, source: `${PASS} -- v2` }], engine);
    expect(engine.stats().compiles).toBe(2);
  });
  it("drafts (version null) are keyed by source", async () => {
    const engine = new ScriptEngine();
    const d = spec(PASS, { version: null });
    await run([d], engine);
    await run([d], engine);
    expect(engine.stats().compiles).toBe(1);
    await run([{ ...d, source: "return {}" }], engine);
    expect(engine.stats().compiles).toBe(2);
  });
});
