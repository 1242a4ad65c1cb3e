// Instruction budget and memory limits: each runaway ends as a script error, and the engine
// still works afterwards.
import { describe, expect, it } from "vitest";
import { BUDGET_MESSAGE, MEMORY_MESSAGE, ScriptEngine } from "../../src/engine";
import { runOne } from "./helpers";

const engine = new ScriptEngine();

function expectError(source: string, message: string | RegExp, budget = 1_000_000) {
  const { result, span } = runOne(source, {}, engine, { instructionBudget: budget });
  expect(span.status).toBe("error");
  if (typeof message === "string") expect(result.errors[0]?.message).toBe(message);
  else expect(result.errors[0]?.message).toMatch(message);
  // the next run still works
  expect(runOne("return { data = { ok = ('x'):rep(3) } }", {}, engine).result.data).toEqual({ ok: "xxx" });
  return span;
}

describe("instruction budget", () => {
  it("an infinite loop ends as 'instruction budget exceeded'", () => {
    const span = expectError("while true do end", BUDGET_MESSAGE);
    expect(JSON.parse(span.attributes as string).instructions).toBe(1_000_000);
  });
  it("a custom budget is honoured and instructions are reported", () => {
    const src = "local n = 0 for i = 1, 100 do n = n + i end return { data = { n = n } }";
    const ok = runOne(src, {}, engine, { instructionBudget: 1000 });
    expect(ok.result.data).toEqual({ n: 5050 });
    expect(ok.attrs.instructions).toBeGreaterThan(200);
    expect(ok.attrs.instructions).toBeLessThan(500);
    expectError(src, BUDGET_MESSAGE, 100);
  });
  it("pcall cannot swallow the budget error and keep going", () => {
    expectError("while true do pcall(function() while true do end end) end", BUDGET_MESSAGE);
  });
  it("table.move is charged per element", () => {
    expectError("table.move({}, 1, 2000000000, 1, {})", BUDGET_MESSAGE);
  });
  it("string.rep of an empty string does not spin", () => {
    expect(runOne("return { data = { n = #string.rep('', 2000000000) } }", {}, engine).result.data).toEqual({
      n: 0,
    });
  });
});

describe("memory", () => {
  it("s = s .. s", () => void expectError("local s = 'x' while true do s = s .. s end", MEMORY_MESSAGE));
  it("string.rep huge", () => void expectError("return string.rep('x', 2000000000)", MEMORY_MESSAGE));
  it("string.rep many medium strings", () =>
    void expectError("local t = {} for i = 1, 1000 do t[i] = string.rep('x', 100000) end", MEMORY_MESSAGE));
  it("table.concat huge", () =>
    void expectError(
      "local t = {} for i = 1, 100 do t[i] = string.rep('y', 100000) end local s = table.concat(t, string.rep('z', 1000000))",
      MEMORY_MESSAGE,
    ));
  it("string.format huge", () =>
    void expectError(
      "local s = string.rep('a', 1000000) for i = 1, 30 do s = string.format('%s%s', s, s) end",
      MEMORY_MESSAGE,
    ));
  it("gsub huge", () =>
    void expectError(
      "local s = string.rep('a', 100000) for i = 1, 30 do s = s:gsub('a', 'aa') end",
      MEMORY_MESSAGE,
    ));
  it("upper of a big string, kept many times", () =>
    void expectError(
      "local s = string.rep('a', 1000000) local t = {} for i = 1, 100 do t[i] = s:upper() end",
      MEMORY_MESSAGE,
    ));
  it("huge table", () =>
    void expectError("local t = {} for i = 1, 10000000 do t[i] = i end", MEMORY_MESSAGE, 100_000_000));
  it("closure chain", () =>
    void expectError(
      "local f for i = 1, 10000000 do local g = f f = function() return g end end",
      MEMORY_MESSAGE,
      100_000_000,
    ));
  it("deep recursion", () =>
    void expectError(
      "local function f(n) return 1 + f(n + 1) end return f(1)",
      /stack overflow/,
      100_000_000,
    ));
  it("deep recursion through pcall", () =>
    void expectError("local function f() local ok, e = pcall(f) error(e, 0) end f()", /stack overflow/));
  it("huge table.unpack", () => void expectError("return table.unpack({}, 1, 10000000)", /too many results/));
  it("pcall catching the memory error gets nothing more", () => {
    expectError(
      "local s = 'x' pcall(function() while true do s = s .. s end end) local big = string.rep(s, 100)",
      MEMORY_MESSAGE,
    );
  });
  it("huge output", () =>
    void expectError(
      "local t = {} for i = 1, 5000 do t[i] = string.rep('o', 100) end return { data = { t = t } }",
      /larger than/,
    ));
  it("the limit is configurable", () => {
    const small = new ScriptEngine({ memoryLimitBytes: 64 * 1024 });
    const out = runOne("local s = string.rep('x', 100000)", {}, small);
    expect(out.result.errors[0]?.message).toBe(MEMORY_MESSAGE);
  });
});
