// The script contract: each allowed return shape and each wrong one.
import { describe, expect, it } from "vitest";
import { checkSource } from "../../src/engine";
import { dataOf, errorOf, runOne } from "./helpers";

describe("return shapes", () => {
  it("nothing, nil and {} pass", async () => {
    for (const src of [
      "",
      "return",
      "return nil",
      "return {}",
      "return { data = {} }",
      "return { block = false }",
    ]) {
      const { result } = await runOne(src);
      expect(result, src).toMatchObject({ status: "success", decision: "allow", data: {}, errors: [] });
    }
  });
  it("data is merged into the result", async () => {
    expect(await dataOf("return { data = { a = 1, b = { c = 'x' } } }")).toEqual({ a: 1, b: { c: "x" } });
  });
  it("block with a reason blocks", async () => {
    const { result, span } = await runOne("return { block = true, reason = 'nope' }");
    expect(result.status).toBe("blocked");
    expect(result.decision).toBe("block");
    expect(result.blocked_by?.reason).toBe("nope");
    expect(span.status).toBe("blocked");
    expect(span.statusMessage).toBe("nope");
  });
  it("block without a reason gets the default reason", async () => {
    expect((await runOne("return { block = true }")).result.blocked_by?.reason).toBe("blocked");
  });
});

describe("wrong shapes are script errors naming the problem", () => {
  const cases: [string, RegExp][] = [
    ["return 5", /must return nothing or a table.*got number/],
    ["return 'x'", /got string/],
    ["return true", /got boolean/],
    ["return { 1, 2 }", /got array/],
    ["return { allow = true }", /unknown key 'allow'/],
    ["return { data = 5 }", /'data' must be a table.*got number/],
    ["return { data = { 1, 2 } }", /'data' must be a table with string keys, got array/],
    ["return { block = 'yes' }", /'block' must be a boolean, got string/],
    ["return { block = true, reason = 42 }", /'reason' must be a string, got number/],
    ["return { reason = 'x' }", /'reason' is only allowed with block = true/],
    ["return { data = { f = print } }", /return value\.data\.f: cannot convert a function/],
    ["return function() end", /cannot convert a function/],
  ];
  for (const [src, pattern] of cases) {
    it(src, async () => {
      const { result, span } = await runOne(src);
      expect(span.status).toBe("error");
      expect(result.errors[0]?.message).toMatch(pattern);
      expect(result.status).toBe("success"); // fail-open by default
    });
  }
  it("runtime errors carry the line", async () => {
    expect(await errorOf("local a = 1\nlocal b = nil\nreturn b.x")).toMatch(
      /^line 3: attempt to index a nil value/,
    );
    expect(await errorOf("error('custom failure')")).toBe("line 1: custom failure");
    expect(await errorOf("error({ code = 1 })")).toBe("error (error value is a table)");
  });
});

describe("checkSource", () => {
  it("accepts valid source", async () => {
    expect(checkSource("return { data = { ok = true } }")).toEqual({ ok: true });
  });
  it("gives line and message of a compile error", async () => {
    expect(checkSource("local a = 1\nlocal b = 2\nx x")).toEqual({
      ok: false,
      line: 3,
      message: "syntax error near 'x'",
    });
    expect(checkSource("local x = 1\n\nlocal = 3")).toEqual({
      ok: false,
      line: 3,
      message: "<name> expected near '='",
    });
    expect(checkSource("for i = 1 do end")).toEqual({
      ok: false,
      line: 1,
      message: "',' expected near 'do'",
    });
  });
  it("rejects bytecode and oversized source", async () => {
    const r = checkSource("\x1bLua");
    expect(r.ok).toBe(false);
    expect(checkSource("x".repeat(70_000))).toMatchObject({
      ok: false,
      message: expect.stringMatching(/larger than/),
    });
  });
});
