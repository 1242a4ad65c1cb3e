// Instruction budget and memory limits: each runaway ends as a script error, and the engine
// still works afterwards.
import { describe, expect, it } from "vitest";
import { BUDGET_MESSAGE, MEMORY_MESSAGE, ScriptEngine } from "../../src/engine";
import { exampleScripts, manifest } from "./examples";
import { runOne } from "./helpers";

const engine = new ScriptEngine();

async function expectError(source: string, message: string | RegExp, budget = 1_000_000) {
  const { result, span } = await runOne(source, {}, engine, { instructionBudget: budget });
  expect(span.status).toBe("error");
  if (typeof message === "string") expect(result.errors[0]?.message).toBe(message);
  else expect(result.errors[0]?.message).toMatch(message);
  // the next run still works
  expect((await runOne("return { data = { ok = ('x'):rep(3) } }", {}, engine)).result.data).toEqual({
    ok: "xxx",
  });
  return span;
}

describe("instruction budget", () => {
  it("an infinite loop ends as 'instruction budget exceeded'", async () => {
    const span = await expectError("while true do end", BUDGET_MESSAGE);
    expect(span.instructions).toBe(1_000_000);
  });
  it("a custom budget is honoured and instructions are reported", async () => {
    const src = "local n = 0 for i = 1, 100 do n = n + i end return { data = { n = n } }";
    const ok = await runOne(src, {}, engine, { instructionBudget: 1000 });
    expect(ok.result.data).toEqual({ n: 5050 });
    expect(ok.attrs.instructions).toBeGreaterThan(200);
    expect(ok.attrs.instructions).toBeLessThan(500);
    await expectError(src, BUDGET_MESSAGE, 100);
  });
  it("pcall cannot swallow the budget error and keep going", async () => {
    await expectError("while true do pcall(function() while true do end end) end", BUDGET_MESSAGE);
  });
  it("table.move is charged per element", async () => {
    await expectError("table.move({}, 1, 2000000000, 1, {})", BUDGET_MESSAGE);
  });
  it("string.rep of an empty string does not spin", async () => {
    expect(
      (await runOne("return { data = { n = #string.rep('', 2000000000) } }", {}, engine)).result.data,
    ).toEqual({
      n: 0,
    });
  });
});

// Pattern matching runs inside one VM instruction; the fengari patch charges its steps to a
// budget of as many steps as the script's instruction budget.
describe("pattern matching budget", () => {
  const patternError = async (source: string, budget?: number) => {
    const span = await expectError(source, BUDGET_MESSAGE, budget);
    // stopped by the step budget, not by the count hook
    expect(span.instructions).toBeLessThan(10_000);
  };
  it("polynomial backtracking in find ends as 'instruction budget exceeded'", () =>
    void patternError("local s = string.rep('a', 20000) return { data = { x = s:find('.-.-.-.-b') } }"));
  it("match, gmatch and gsub are bounded too", async () => {
    patternError("return { data = { x = string.rep('a', 20000):match('a*a*a*a*b') } }");
    patternError("for x in string.rep('a', 50000):gmatch('(a*)%1b') do end");
    patternError("local s = string.rep('a', 100000) for i = 1, 1000 do s = s:gsub('a-b', 'x') end");
  });
  it("%b, long bracket classes and plain find are bounded", async () => {
    patternError("return { data = { x = string.rep('(', 100000):find('%b()') } }");
    patternError(
      "local c = '[' .. string.rep('b', 5000) .. 'a]*x' return { data = { x = string.rep('a', 50000):find(c) } }",
    );
    patternError("local s = string.rep('a', 1000000) while true do s:find('b', 1, true) end");
  });
  it("pcall cannot catch the budget error and keep matching", async () => {
    patternError(
      "pcall(string.find, string.rep('a', 20000), '.-.-.-.-b') return { data = { d = ('x@y.com'):match('@(.*)') } }",
    );
  });
  it("the step budget follows the instruction budget", async () => {
    const src =
      "local s = string.rep('hello world ', 850) return { data = { n = select(2, s:gsub('%w+', '%0')) } }";
    expect((await runOne(src, {}, engine)).result.data).toEqual({ n: 1700 });
    patternError(src, 5000);
  });
  it("normal patterns still work, also right after an exhausted run", async () => {
    patternError("return { data = { x = string.rep('a', 20000):find('.-.-.-.-b') } }");
    const email = await runOne(
      "return { data = { domain = string.match(ctx.email, '@([^@]+)$') } }",
      { email: "ann@example.com" },
      engine,
    );
    expect(email.result.data).toEqual({ domain: "example.com" });
    const big = await runOne(
      `local s = string.rep("user=ann; ", 1024)
       local out, n = s:gsub("(%w+)=(%w+)", "%2:%1")
       local words = 0 for w in s:gmatch("%a+") do words = words + 1 end
       return { data = { len = #out, n = n, words = words, first = out:sub(1, 9), at = s:find("ann;", 5000, true) } }`,
      {},
      engine,
    );
    expect(big.span.status).toBe("success");
    expect(big.result.data).toEqual({ len: 10240, n: 1024, words: 2048, first: "ann:user;", at: 5006 });
    for (const [name, context] of Object.entries(manifest.sample_contexts)) {
      const { result } = await engine.run({
        triggerEvent: "before_signin",
        context,
        scripts: exampleScripts(),
      });
      expect(result.errors, name).toEqual([]);
      expect(result.decision, name).toBe(name === "blocked" ? "block" : "allow");
    }
  });
});

// Work that is linear in a string's length (or a value count) inside ONE VM instruction, without
// allocating: the fengari patch charges it to the same step budget as pattern matching.
describe("linear work inside one instruction", () => {
  // Big strings are built once per run; each loop would take minutes unbounded.
  const BIG = "local big = string.rep('a', 4000000)";
  const PAIR = "local a = string.rep('a', 4000000) .. 'x' local b = string.rep('a', 4000000) .. 'y'";
  const stepError = async (source: string) => {
    const span = await expectError(source, BUDGET_MESSAGE);
    // stopped by the step budget, before the count hook (building a 100,000-entry table: ~400,000)
    expect(span.instructions).toBeLessThan(600_000);
  };
  it("string comparisons: < <= == rawequal and long table keys", async () => {
    stepError(`${PAIR} for i = 1, 200000 do local c = a < b end`);
    stepError(`${PAIR} for i = 1, 200000 do local c = b <= a end`);
    stepError(`${BIG} local c = big:sub(1) for i = 1, 200000 do local x = big == c end`);
    stepError(`${BIG} local c = big:sub(1) for i = 1, 200000 do local x = rawequal(big, c) end`);
    stepError(`${BIG} local t = { [big] = 1 } local c = big:sub(1) for i = 1, 200000 do local x = t[c] end`);
  });
  it("utf8.len, offset, codepoint and codes", async () => {
    stepError(`${BIG} for i = 1, 200000 do local n = utf8.len(big) end`);
    stepError(`${BIG} for i = 1, 200000 do local n = utf8.offset(big, 3000000) end`);
    stepError(
      "local s = 'a' .. string.rep('\\x80', 4000000) for i = 1, 200000 do local n = utf8.offset(s, 0, -1) end",
    );
    stepError(`${BIG} for i = 1, 200000 do local n = utf8.codepoint(big, 1, 150000) end`);
    stepError(
      "local s = 'a' .. string.rep('\\x80', 4000000) .. 'b' local f = utf8.codes(s) for i = 1, 200000 do local p = f(s, 1) end",
    );
  });
  it("string.byte, tonumber, coercion, format('%.Ns') and pack formats", async () => {
    stepError(`${BIG} for i = 1, 200000 do local n = string.byte(big, 1, 150000) end`);
    stepError("local s = string.rep(' ', 4000000) .. '1' for i = 1, 200000 do local n = tonumber(s) end");
    stepError("local s = string.rep('1', 4000000) for i = 1, 200000 do local n = tonumber(s, 16) end");
    stepError("local s = string.rep(' ', 4000000) .. '1' for i = 1, 200000 do local n = s + 1 end");
    stepError(`${BIG} for i = 1, 200000 do local n = string.format('%.1s', big) end`);
    stepError("local f = string.rep('b', 4000000) for i = 1, 200000 do local n = string.packsize(f) end");
  });
  it("table loops and many values: sort, insert/remove, concat, unpack, ...", async () => {
    const T = "local t = {} for i = 1, 100000 do t[i] = (i * 7919) % 10007 end";
    stepError(`${T} for i = 1, 200000 do table.sort(t) end`);
    stepError(`${T} for i = 1, 200000 do table.insert(t, 1, 0) table.remove(t, 1) end`);
    stepError(
      "local t = {} for i = 1, 100000 do t[i] = '' end for i = 1, 200000 do local s = table.concat(t) end",
    );
    stepError(`${T} for i = 1, 200000 do local n = select('#', table.unpack(t, 1, 60000)) end`);
    stepError(
      `${T} local function f(...) for i = 1, 200000 do local n = select('#', ...) end end f(table.unpack(t, 1, 60000))`,
    );
    stepError(
      "local p = string.rep('a', 50000) local t = {} for i = 1, 200 do t[i] = p .. string.char(65 + i % 50) end for i = 1, 200000 do table.sort(t) end",
    );
  });
  it("first use of many long strings as keys is charged (hashing)", async () => {
    stepError("local t = {} for i = 1, 1000 do t[string.rep('k', 15000) .. i] = i end");
  });
  it("ordinary uses still work, also right after an exhausted run", async () => {
    stepError(`${PAIR} for i = 1, 200000 do local c = a < b end`);
    const ok = await runOne(
      `local s = string.rep('h\u00e9llo ', 1700) -- ~10 KB of UTF-8
       local words = {}
       for i = 1, 1000 do words[i] = 'user' .. ((i * 7919) % 1000) end
       table.sort(words)
       local t = {}
       for _, w in ipairs(words) do t[w] = (t[w] or 0) + 1 end
       local cps = { utf8.codepoint(s, 1, 60) }
       return { data = {
         len = utf8.len(s), lt = 'abc' < 'abd', eq = ('x'):rep(3) == 'xxx', first = words[1],
         last = words[1000], distinct = #table.concat({ 'a', 'b', 'c' }, ','), n = tonumber(' 42 '),
         b = select('#', string.byte(s, 1, 100)), cps = #cps, off = utf8.offset(s, 3),
       } }`,
      {},
      engine,
    );
    expect(ok.span.status).toBe("success");
    expect(ok.result.data).toEqual({
      len: 10200,
      lt: true,
      eq: true,
      first: "user0",
      last: "user999",
      distinct: 5,
      n: 42,
      b: 100,
      cps: 51,
      off: 4,
    });
    for (const [name, context] of Object.entries(manifest.sample_contexts)) {
      const { result } = await engine.run({
        triggerEvent: "before_signin",
        context,
        scripts: exampleScripts(),
      });
      expect(result.errors, name).toEqual([]);
      expect(result.decision, name).toBe(name === "blocked" ? "block" : "allow");
    }
  });
  it("string keys are distinct and compare like their bytes", async () => {
    const out = await runOne(
      `local t = {} t['\\1#'] = 'a' t['\\18\\3'] = 'b' local n = 0 for _ in pairs(t) do n = n + 1 end
       return { data = { n = n, a = t['\\1#'], lt = '\\15' < '\\16', hi = 'a\\255' > 'a\\128', pre = 'ab' < 'abc' } }`,
      {},
      engine,
    );
    expect(out.result.data).toEqual({ n: 2, a: "a", lt: true, hi: true, pre: true });
  });
});

describe("memory", () => {
  it("s = s .. s", async () =>
    void (await expectError("local s = 'x' while true do s = s .. s end", MEMORY_MESSAGE)));
  it("string.rep huge", async () =>
    void (await expectError("return string.rep('x', 2000000000)", MEMORY_MESSAGE)));
  it("string.rep many medium strings", async () =>
    void (await expectError(
      "local t = {} for i = 1, 1000 do t[i] = string.rep('x', 100000) end",
      MEMORY_MESSAGE,
    )));
  it("table.concat huge", async () =>
    void (await expectError(
      "local t = {} for i = 1, 100 do t[i] = string.rep('y', 100000) end local s = table.concat(t, string.rep('z', 1000000))",
      MEMORY_MESSAGE,
    )));
  it("string.format huge", async () =>
    void (await expectError(
      "local s = string.rep('a', 1000000) for i = 1, 30 do s = string.format('%s%s', s, s) end",
      MEMORY_MESSAGE,
    )));
  it("gsub huge", async () =>
    void (await expectError(
      "local s = string.rep('a', 100000) for i = 1, 30 do s = s:gsub('a', 'aa') end",
      MEMORY_MESSAGE,
      100_000_000, // with 1,000,000 the pattern step budget ends it first (~3 doublings)
    )));
  it("upper of a big string, kept many times", async () =>
    void (await expectError(
      "local s = string.rep('a', 1000000) local t = {} for i = 1, 100 do t[i] = s:upper() end",
      MEMORY_MESSAGE,
    )));
  it("huge table", async () =>
    void (await expectError(
      "local t = {} for i = 1, 10000000 do t[i] = i end",
      MEMORY_MESSAGE,
      100_000_000,
    )));
  it("closure chain", async () =>
    void (await expectError(
      "local f for i = 1, 10000000 do local g = f f = function() return g end end",
      MEMORY_MESSAGE,
      100_000_000,
    )));
  it("deep recursion", async () =>
    void (await expectError(
      "local function f(n) return 1 + f(n + 1) end return f(1)",
      /stack overflow/,
      100_000_000,
    )));
  it("deep recursion through pcall", async () =>
    void (await expectError(
      "local function f() local ok, e = pcall(f) error(e, 0) end f()",
      /stack overflow/,
    )));
  it("huge table.unpack", async () =>
    void (await expectError("return table.unpack({}, 1, 10000000)", /too many results/)));
  it("pcall catching the memory error gets nothing more", async () => {
    await expectError(
      "local s = 'x' pcall(function() while true do s = s .. s end end) local big = string.rep(s, 100)",
      MEMORY_MESSAGE,
    );
  });
  it("huge output", async () =>
    void (await expectError(
      "local t = {} for i = 1, 5000 do t[i] = string.rep('o', 100) end return { data = { t = t } }",
      /larger than/,
    )));
  it("the limit is configurable", async () => {
    const small = new ScriptEngine({ memoryLimitBytes: 64 * 1024 });
    const out = await runOne("local s = string.rep('x', 100000)", {}, small);
    expect(out.result.errors[0]?.message).toBe(MEMORY_MESSAGE);
  });
});
