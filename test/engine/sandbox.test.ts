// The sandbox: every removal, protected metatables, and isolation between scripts and runs.
import { describe, expect, it } from "vitest";
import { ScriptEngine } from "../../src/engine";
import { dataOf, errorOf, spec } from "./helpers";

describe("removed from the sandbox", () => {
  const absent = [
    "io",
    "debug",
    "package",
    "require",
    "coroutine",
    "load",
    "loadstring",
    "dofile",
    "loadfile",
    "collectgarbage",
    "rawset",
    "unpack",
    "module",
    "os.execute",
    "os.getenv",
    "os.exit",
    "os.remove",
    "os.rename",
    "os.tmpname",
    "string.dump",
    "math.randomseed",
  ];
  for (const name of absent) {
    it(name, async () => {
      expect((await dataOf(`return { data = { t = type(${name}) } }`)).t).toBe("nil");
    });
  }
  it("calling a removed function is an error", async () => {
    expect(await errorOf("os.execute('ls')")).toMatch(/attempt to call a nil value \(field 'execute'\)/);
    expect(await errorOf("return load('return 1')()")).toMatch(
      /attempt to call a nil value \(global 'load'\)/,
    );
    expect(await errorOf("return ('x').dump(function() end)")).toMatch(/attempt to call a nil value/);
  });
  it("the string metatable is protected (no __index escape)", async () => {
    expect((await dataOf("return { data = { mt = tostring(getmetatable('')) } }")).mt).toBe("false");
    expect(await errorOf("return getmetatable('').__index")).toMatch(/attempt to index a boolean value/);
    expect(await errorOf("setmetatable('', {})")).toMatch(
      /bad argument #1 to 'setmetatable' \(table expected/,
    );
  });
  it("library and env metatables are protected", async () => {
    expect(
      await dataOf(
        "return { data = { a = tostring(getmetatable(string)), b = tostring(getmetatable(_G)), c = tostring(getmetatable(ctx)) } }",
      ),
    ).toEqual({ a: "false", b: "false", c: "false" });
    expect(await errorOf("setmetatable(_G, {})")).toMatch(/cannot change a protected metatable/);
    expect(await errorOf("setmetatable(ctx, {})")).toMatch(/cannot change a protected metatable/);
  });
  it("what a rule needs is there", async () => {
    const d = await dataOf(`return { data = {
      a = select('#', 1, 2), b = tonumber('42'), c = string.format('%05.1f', 3.14159), d = table.concat({ 'a', 'b' }, ','),
      e = math.max(1, 9), f = utf8.char(233), g = type(os.time()), h = type(os.date('!%Y')), i = type(os.clock()),
      j = ('abc'):upper(), k = pcall(error, 'x'), l = math.random(1, 1), m = table.unpack({ 7, 8 }),
      n = rawlen({ 1, 2 }), o = next({}) == nil, p = _G == _ENV, q = string.rep('ab', 3, '-'),
    } }`);
    expect(d).toEqual({
      a: 2,
      b: 42,
      c: "003.1",
      d: "a,b",
      e: 9,
      f: "é",
      g: "number",
      h: "string",
      i: "number",
      j: "ABC",
      k: false,
      l: 1,
      m: 7,
      n: 2,
      o: true,
      p: true,
      q: "ab-ab-ab",
    });
  });
});

describe("read-only ctx, prev and libraries", () => {
  const ctx = { user: { email: "a@b.c", roles: ["x"] } };
  it("writes raise a clear error at any depth", async () => {
    expect(await errorOf("ctx.user = nil", ctx)).toBe("line 1: attempt to modify read-only ctx");
    expect(await errorOf("ctx.user.email = 'evil'", ctx)).toBe("line 1: attempt to modify read-only ctx");
    expect(await errorOf("table.insert(ctx.user.roles, 'admin')", ctx)).toMatch(/read-only ctx/);
    expect(await errorOf("prev.x = 1")).toMatch(/read-only prev/);
    expect(await errorOf("string.upper = nil")).toMatch(/read-only string/);
    expect(await errorOf("math.pi = 3")).toMatch(/read-only math/);
  });
  it("pairs over a view does not expose its backing table", async () => {
    expect(await errorOf("local f, s = pairs(ctx) s.user = 1", ctx)).toMatch(/read-only ctx/);
  });
});

describe("isolation", () => {
  const ctx = { user: { email: "a@b.c" } };
  const attacks = [
    "x_global = 'leak'",
    "_G.x_global = 'leak'",
    "string.upper = function() return 'pwned' end",
    "table.insert = nil",
    "math.floor = nil",
    "pcall(function() getmetatable('').__index.upper = nil end)",
    "pcall(function() ctx.user.email = 'evil' end)",
    "pcall(function() prev.injected = true end)",
    "pcall(setmetatable, ctx, { __index = function() return 'evil' end })",
    "math.random(1, 10)",
  ];
  const probe = `return { data = { g = tostring(x_global), u = ('a'):upper(), su = string.upper('b'),
    ti = type(table.insert), mf = math.floor(1.5), e = ctx.user.email, p = tostring(prev.injected) } }`;
  const clean = { g: "nil", u: "A", su: "B", ti: "function", mf: 1, e: "a@b.c", p: "nil" };

  it("a script cannot change what a later script in the same run sees", async () => {
    const engine = new ScriptEngine();
    for (const attack of attacks) {
      const out = await engine.run({
        triggerEvent: "t",
        context: ctx,
        scripts: [
          spec(attack, { parallelIndex: 0 }),
          spec(probe, { parallelIndex: 1 }),
          spec(probe, { layerIndex: 1 }),
        ],
      });
      expect(out.result.data, attack).toEqual(clean);
    }
  });
  it("nor what a later run sees", async () => {
    const engine = new ScriptEngine();
    for (const attack of attacks)
      await engine.run({ triggerEvent: "t", context: ctx, scripts: [spec(attack)] });
    const out = await engine.run({ triggerEvent: "t", context: ctx, scripts: [spec(probe)] });
    expect(out.result.data).toEqual(clean);
  });
  it("a global set by a script is gone on its next run", async () => {
    const engine = new ScriptEngine();
    const s = spec("local n = (counter or 0) + 1 counter = n return { data = { n = n } }");
    expect((await engine.run({ triggerEvent: "t", context: {}, scripts: [s] })).result.data).toEqual({
      n: 1,
    });
    expect((await engine.run({ triggerEvent: "t", context: {}, scripts: [s] })).result.data).toEqual({
      n: 1,
    });
  });
});
