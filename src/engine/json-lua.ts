/**
 * Lua -> JSON, exact and bounded (the table is in docs/scripts.md; JSON -> Lua views are in
 * json-view.ts). Reads plain tables, views and `json.array` tables, with a depth limit, a byte
 * cap, cycle detection, and errors for NaN/inf, functions and non-string, non-number keys.
 */
import { type LuaState, lua } from "fengari";
import { ARRAY_MARK, ConversionError, VIEW, VIEW_LENGTH } from "./json-view";
import { Interned, luaText } from "./lua-strings";
import { setKey } from "./merge";
import type { JsonObject, JsonValue } from "./types";

/** Limits for one Lua -> JSON conversion. */
export interface ToJsonLimits {
  maxDepth: number;
  maxBytes: number;
}

/**
 * Converts Lua values to JSON, counting (approximate) output bytes across calls so that one
 * converter bounds a whole result or log. Reads tables raw: no script code runs.
 */
export class LuaToJson {
  /** JSON bytes produced so far (approximate: strings counted without escapes). */
  bytes = 0;
  private readonly path = new Set<object>();

  constructor(
    private readonly L: LuaState,
    private readonly limits: ToJsonLimits,
  ) {}

  /**
   * Converts the value at stack index `idx`.
   * @throws ConversionError naming the path (`where`) and the problem.
   */
  convert(idx: number, where: string, depth = 0): JsonValue {
    const L = this.L;
    idx = lua.lua_absindex(L, idx);
    switch (lua.lua_type(L, idx)) {
      case lua.LUA_TNIL:
      case lua.LUA_TNONE:
        return this.add(4, where, null);
      case lua.LUA_TBOOLEAN:
        return this.add(5, where, lua.lua_toboolean(L, idx));
      case lua.LUA_TNUMBER: {
        if (lua.lua_isinteger(L, idx)) return this.add(8, where, lua.lua_tointeger(L, idx));
        const n = lua.lua_tonumber(L, idx);
        if (!Number.isFinite(n))
          throw new ConversionError(`${where}: ${n} (NaN or infinity) is not valid JSON`);
        return this.add(12, where, Object.is(n, -0) ? 0 : n);
      }
      case lua.LUA_TSTRING:
        return this.string(idx, where);
      case lua.LUA_TTABLE:
        return this.table(idx, where, depth);
      default:
        throw new ConversionError(`${where}: cannot convert a ${typeName(L, idx)} to JSON`);
    }
  }

  private add<T extends JsonValue>(n: number, where: string, v: T): T {
    this.bytes += n;
    if (this.bytes > this.limits.maxBytes) {
      throw new ConversionError(`${where}: larger than ${this.limits.maxBytes} bytes`);
    }
    return v;
  }

  private string(idx: number, where: string): string {
    const bytes = lua.lua_tostring(this.L, idx) as Uint8Array;
    this.add(bytes.length + 2, where, null);
    return luaText(bytes);
  }

  private table(idx: number, where: string, depth: number): JsonValue {
    const L = this.L;
    if (depth >= this.limits.maxDepth) {
      throw new ConversionError(`${where}: nesting deeper than ${this.limits.maxDepth}`);
    }
    lua.lua_checkstack(L, 8);
    let kind: string | null = null;
    let n = -1;
    const top = lua.lua_gettop(L);
    if (lua.lua_getmetatable(L, idx)) {
      const mt = lua.lua_gettop(L);
      const fields = new Interned(L).open(); // popped with the rest at the end (settop)
      fields.getField(mt, VIEW);
      kind = lua.lua_type(L, -1) === lua.LUA_TSTRING ? lua.lua_tojsstring(L, -1) : null;
      if (kind === "library") throw new ConversionError(`${where}: cannot convert a library table to JSON`);
      if (kind !== null) {
        fields.getField(mt, VIEW_LENGTH);
        n = lua.lua_type(L, -1) === lua.LUA_TNUMBER ? lua.lua_tointeger(L, -1) : -1;
        fields.getField(mt, "__index");
        idx = lua.lua_gettop(L);
      } else {
        fields.getField(mt, ARRAY_MARK);
        if (lua.lua_toboolean(L, -1)) kind = "array";
      }
    }
    const id = lua.lua_topointer(L, idx) as object;
    if (this.path.has(id)) throw new ConversionError(`${where}: cycle (a table contains itself)`);
    this.path.add(id);
    try {
      return this.entries(idx, where, depth, kind, n);
    } finally {
      this.path.delete(id);
      lua.lua_settop(L, top);
    }
  }

  private entries(idx: number, where: string, depth: number, kind: string | null, n: number): JsonValue {
    const L = this.L;
    const keys: (string | number)[] = [];
    const values: JsonValue[] = [];
    let allPositiveInts = true;
    let maxIndex = 0;
    this.add(2, where, null);
    lua.lua_pushnil(L);
    while (lua.lua_next(L, idx)) {
      let key: string | number;
      const kt = lua.lua_type(L, -2);
      if (kt === lua.LUA_TSTRING) {
        key = luaText(lua.lua_tostring(L, -2) as Uint8Array);
        allPositiveInts = false;
      } else if (kt === lua.LUA_TNUMBER) {
        if (lua.lua_isinteger(L, -2) && lua.lua_tointeger(L, -2) > 0) {
          key = lua.lua_tointeger(L, -2);
          if (key > maxIndex) maxIndex = key;
        } else {
          key = lua.lua_tonumber(L, -2);
          if (!Number.isFinite(key)) throw new ConversionError(`${where}: NaN or infinite key`);
          allPositiveInts = false;
        }
      } else {
        throw new ConversionError(
          `${where}: key of type ${typeName(L, -2)} (only string and number keys convert)`,
        );
      }
      const sub = typeof key === "number" && allPositiveInts ? `${where}[${key}]` : `${where}.${key}`;
      this.add(String(key).length + 4, where, null);
      values.push(this.convert(-1, sub, depth + 1));
      keys.push(key);
      lua.lua_settop(L, -2); // pop the value, keep the key
    }
    const isArray = kind === "array" || (kind !== "object" && keys.length > 0 && allPositiveInts);
    if (!isArray) {
      const out: JsonObject = {};
      for (let i = 0; i < keys.length; i++) setKey(out, String(keys[i]), values[i] as JsonValue);
      return out;
    }
    if (!allPositiveInts) throw new ConversionError(`${where}: array has a non-integer key`);
    const length = Math.max(maxIndex, n);
    if (length > keys.length * 2 + 10) {
      throw new ConversionError(
        `${where}: excessively sparse array (${keys.length} items, highest index ${length})`,
      );
    }
    this.add(length * 5, where, null);
    const out: JsonValue[] = new Array(length).fill(null);
    for (let i = 0; i < keys.length; i++) out[(keys[i] as number) - 1] = values[i] as JsonValue;
    return out;
  }
}

function typeName(L: LuaState, idx: number): string {
  switch (lua.lua_type(L, idx)) {
    case lua.LUA_TFUNCTION:
      return "function";
    case lua.LUA_TBOOLEAN:
      return "boolean";
    case lua.LUA_TTABLE:
      return "table";
    case lua.LUA_TTHREAD:
      return "thread";
    default:
      return "userdata";
  }
}
