// JSON <-> Lua conversion: the table in docs/scripts.md, both directions.
import { describe, expect, it } from "vitest";
import { EngineInputError } from "../../src/engine";
import { dataOf, errorOf, newEngine, runOne } from "./helpers";

const ctx = {
  s: "héllo",
  i: 5,
  f: 5.5,
  whole: 5.0,
  big: 3_000_000_000,
  neg: -7,
  t: true,
  obj: { a: { b: [1, 2] } },
  empty_obj: {},
  empty_arr: [],
  holes: [1, null, 3],
  nothing: null,
  numkey: { "1": "one" },
};

describe("JSON -> Lua (ctx)", () => {
  it("maps types, integers and floats", async () => {
    const d = await dataOf(
      `return { data = {
        s = type(ctx.s), s_len = #ctx.s, i = math.type(ctx.i), f = math.type(ctx.f),
        whole = math.type(ctx.whole), big = math.type(ctx.big), neg = math.type(ctx.neg),
        t = type(ctx.t), obj = type(ctx.obj), b2 = ctx.obj.a.b[2], nothing = ctx.nothing == nil,
        numkey_str = ctx.numkey["1"], numkey_int = ctx.numkey[1] == nil,
      } }`,
      ctx,
    );
    expect(d).toEqual({
      s: "string",
      s_len: 6,
      i: "integer",
      f: "float",
      whole: "integer",
      big: "float",
      neg: "integer",
      t: "boolean",
      obj: "table",
      b2: 2,
      nothing: true,
      numkey_str: "one",
      numkey_int: true,
    });
  });
  it("arrays: # is the JSON length, nulls are nil holes, ipairs stops at the first", async () => {
    const d = await dataOf(
      `local n = 0 for _ in ipairs(ctx.holes) do n = n + 1 end
       local keys = {} for k, v in pairs(ctx.holes) do keys[#keys + 1] = k end
       return { data = { len = #ctx.holes, ipairs = n, second = ctx.holes[2] == nil, keys = keys,
                         empty = #ctx.empty_arr } }`,
      ctx,
    );
    expect(d).toEqual({ len: 3, ipairs: 1, second: true, keys: [1, 3], empty: 0 });
  });
  it("pairs walks objects in JSON key order", async () => {
    const d = await dataOf(
      "local ks = {} for k in pairs(ctx) do ks[#ks + 1] = k end return { data = { ks = ks } }",
      {
        z: 1,
        a: 2,
        m: 3,
      },
    );
    expect(d.ks).toEqual(["z", "a", "m"]);
  });
  it("rejects a context deeper than the limit", async () => {
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 40; i++) {
      deep.x = {};
      deep = deep.x as Record<string, unknown>;
    }
    await expect(newEngine().run({ triggerEvent: "t", context: root as never, scripts: [] })).rejects.toThrow(
      EngineInputError,
    );
  });
});

describe("Lua -> JSON (returned data)", () => {
  it("round-trips ctx exactly, empty arrays and objects included", async () => {
    const { result } = await runOne("return { data = { copy = ctx } }", ctx);
    expect(result.data.copy).toEqual({ ...ctx, holes: [1, null, 3], nothing: undefined });
    expect(JSON.stringify((result.data.copy as Record<string, unknown>).empty_arr)).toBe("[]");
    expect(JSON.stringify((result.data.copy as Record<string, unknown>).empty_obj)).toBe("{}");
  });
  it("empty table is an object; json.array() is an array", async () => {
    expect(await dataOf("return { data = { e = {}, a = json.array(), a2 = json.array({ 'x' }) } }")).toEqual({
      e: {},
      a: [],
      a2: ["x"],
    });
  });
  it("sequences become arrays, holes become null, sparse arrays are errors", async () => {
    expect(await dataOf("return { data = { a = { 1, 2, 3 }, h = { 1, nil, 3 } } }")).toEqual({
      a: [1, 2, 3],
      h: [1, null, 3],
    });
    expect(await errorOf("return { data = { s = { [1000] = 1 } } }")).toMatch(/excessively sparse array/);
  });
  it("integers stay integers, whole floats are plain numbers", async () => {
    const d = await dataOf("return { data = { i = 5, f = 5.5, w = 10 / 2, m = 2^53 } }");
    expect(d).toEqual({ i: 5, f: 5.5, w: 5, m: 2 ** 53 });
    expect(JSON.stringify(d.w)).toBe("5");
  });
  it("number keys become strings in objects; other keys are errors", async () => {
    expect(await dataOf("return { data = { x = { a = 1, [2] = 'b', [1.5] = 'c' } } }")).toEqual({
      x: { a: 1, "2": "b", "1.5": "c" },
    });
    expect(await errorOf("return { data = { x = { [true] = 1 } } }")).toMatch(/key of type boolean/);
    expect(await errorOf("return { data = { x = { [{}] = 1 } } }")).toMatch(/key of type table/);
  });
  it("NaN and infinity are errors", async () => {
    expect(await errorOf("return { data = { x = 0/0 } }")).toMatch(/NaN or infinity/);
    expect(await errorOf("return { data = { x = math.huge } }")).toMatch(/NaN or infinity/);
  });
  it("cycles are errors; shared (acyclic) tables are fine", async () => {
    expect(await errorOf("local t = {} t.self = t return { data = { t = t } }")).toMatch(/cycle/);
    expect(await dataOf("local s = { 1 } return { data = { a = s, b = s } }")).toEqual({ a: [1], b: [1] });
  });
  it("depth and size limits", async () => {
    expect(
      await errorOf("local t = {} local r = t for i = 1, 50 do t.x = {} t = t.x end return { data = r }"),
    ).toMatch(/nesting deeper/);
    expect(
      await errorOf("local t = {} for i = 1, 100000 do t['k' .. i] = i end return { data = t }"),
    ).toMatch(/larger than 262144 bytes/);
    expect(
      await errorOf("local t = {} for i = 1, 20 do t = { t, t } end return { data = { t = t } }"),
    ).toMatch(/larger than/);
  });
  it("__proto__ is a plain key", async () => {
    const d = await dataOf("return { data = { ['__proto__'] = { polluted = true } } }");
    expect(Object.keys(d)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
