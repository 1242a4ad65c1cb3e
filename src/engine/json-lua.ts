/**
 * JSON <-> Lua conversion, exact and bounded (the table is in docs/scripts.md).
 *
 * JSON -> Lua builds *read-only views*: each object/array is an empty proxy table whose
 * protected metatable points at a hidden backing table (`__index`), refuses writes
 * (`__newindex`), reports the JSON length (`__len`) and iterates the backing without exposing
 * it (`__pairs`). Views are built once and shared by every script that sees them.
 * Lua -> JSON reads plain tables, views and `json.array` tables, with a depth limit, a byte cap,
 * cycle detection, and errors for NaN/inf, functions and non-string, non-number keys.
 */
import { type LuaState, lauxlib, lua, to_luastring } from "fengari";
import { setKey } from "./merge";
import type { JsonObject, JsonValue } from "./types";

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const decoder = new TextDecoder();

/** Thrown when a value cannot be converted; `message` names the path, e.g. `data.items[2]`. */
export class ConversionError extends Error {}

/** Metatable fields that mark a view: `__view` = "object" | "array" | "library", `__n` length. */
const VIEW = "__view";
/** Field set on the shared metatable of `json.array(...)` tables. */
export const ARRAY_MARK = "__jsonarray";

/** The view metatable's field names, encoded once (fengari encodes a JS string on every call). */
const F = Object.fromEntries(
  ["__index", "__newindex", "__len", "__pairs", "__metatable", "__name", VIEW, "__n"].map((k) => [
    k,
    to_luastring(k),
  ]),
) as Record<string, Uint8Array>;

/**
 * Lua strings of the object keys seen so far (contexts repeat their keys call after call), so a
 * key is UTF-8 encoded once per isolate, not once per view. Bounded: short keys, up to MAX_KEYS.
 */
const keyCache = new Map<string, Uint8Array>();
const MAX_KEYS = 4096;
const MAX_CACHED_KEY = 64;

function luaKey(key: string): Uint8Array | string {
  if (key.length > MAX_CACHED_KEY) return key;
  let k = keyCache.get(key);
  if (k === undefined) {
    k = to_luastring(key);
    if (keyCache.size < MAX_KEYS) keyCache.set(key, k);
  }
  return k;
}

function readonlyError(L: LuaState): number {
  lua.lua_getmetatable(L, 1);
  lua.lua_getfield(L, -1, "__name");
  const name = lua.lua_tojsstring(L, -1) ?? "table";
  return lauxlib.luaL_error(L, `attempt to modify read-only ${name}`);
}

function viewLen(L: LuaState): number {
  lua.lua_getmetatable(L, 1);
  lua.lua_getfield(L, -1, "__n");
  if (lua.lua_type(L, -1) === lua.LUA_TNIL) lua.lua_pushinteger(L, 0);
  return 1;
}

function viewNext(L: LuaState): number {
  lua.lua_settop(L, 2);
  lua.lua_getmetatable(L, 1);
  lua.lua_getfield(L, -1, "__index");
  lua.lua_pushvalue(L, 2);
  return lua.lua_next(L, -2) ? 2 : 0;
}

function viewPairs(L: LuaState): number {
  lua.lua_pushjsfunction(L, viewNext);
  lua.lua_pushvalue(L, 1);
  lua.lua_pushnil(L);
  return 3;
}

/**
 * Turns the table on top of the stack into the hidden backing of a new read-only view and
 * leaves the view (proxy) in its place.
 */
export function wrapTopAsView(
  L: LuaState,
  kind: "object" | "array" | "library",
  name: string,
  n?: number,
): void {
  const backing = lua.lua_gettop(L);
  lua.lua_createtable(L, 0, 0); // proxy
  lua.lua_createtable(L, 0, 8); // metatable
  lua.lua_pushvalue(L, backing);
  lua.lua_setfield(L, -2, F.__index as Uint8Array);
  lua.lua_pushjsfunction(L, readonlyError);
  lua.lua_setfield(L, -2, F.__newindex as Uint8Array);
  lua.lua_pushjsfunction(L, viewLen);
  lua.lua_setfield(L, -2, F.__len as Uint8Array);
  lua.lua_pushjsfunction(L, viewPairs);
  lua.lua_setfield(L, -2, F.__pairs as Uint8Array);
  lua.lua_pushboolean(L, false);
  lua.lua_setfield(L, -2, F.__metatable as Uint8Array);
  lua.lua_pushstring(L, luaKey(name));
  lua.lua_setfield(L, -2, F.__name as Uint8Array);
  lua.lua_pushstring(L, luaKey(kind));
  lua.lua_setfield(L, -2, F[VIEW] as Uint8Array);
  if (n !== undefined) {
    lua.lua_pushinteger(L, n);
    lua.lua_setfield(L, -2, F.__n as Uint8Array);
  }
  lua.lua_setmetatable(L, -2);
  lua.lua_insert(L, backing);
  lua.lua_settop(L, backing); // drop the backing from the stack (the view keeps it)
}

/** Pushes a JSON number: a whole number within int32 becomes a Lua integer, else a float. */
export function pushNumber(L: LuaState, n: number): void {
  if (!Number.isFinite(n)) throw new ConversionError(`${n} is not representable in Lua from JSON`);
  if (Number.isInteger(n) && n >= INT_MIN && n <= INT_MAX && !Object.is(n, -0)) lua.lua_pushinteger(L, n);
  else lua.lua_pushnumber(L, n);
}

/**
 * Pushes a JSON value as Lua: primitives as themselves (null as nil), containers as read-only
 * views named `name` (shown in the write error, e.g. "attempt to modify read-only ctx").
 * @throws ConversionError past `maxDepth` or on a non-finite number.
 */
export function pushJsonView(
  L: LuaState,
  value: JsonValue | undefined,
  name: string,
  maxDepth: number,
  depth = 0,
): void {
  if (value === null || value === undefined) {
    lua.lua_pushnil(L);
    return;
  }
  switch (typeof value) {
    case "string":
      lua.lua_pushstring(L, value);
      return;
    case "number":
      pushNumber(L, value);
      return;
    case "boolean":
      lua.lua_pushboolean(L, value);
      return;
  }
  if (depth >= maxDepth) throw new ConversionError(`${name}: nesting deeper than ${maxDepth}`);
  lua.lua_checkstack(L, 6);
  if (Array.isArray(value)) {
    lua.lua_createtable(L, value.length, 0);
    for (let i = 0; i < value.length; i++) {
      if (value[i] === null || value[i] === undefined) continue;
      pushJsonView(L, value[i], name, maxDepth, depth + 1);
      lua.lua_rawseti(L, -2, i + 1);
    }
    wrapTopAsView(L, "array", name, value.length);
    return;
  }
  if (typeof value !== "object") throw new ConversionError(`${name}: unsupported ${typeof value}`);
  lua.lua_createtable(L, 0, 0);
  for (const key of Object.keys(value)) {
    const v = (value as JsonObject)[key];
    if (v === null || v === undefined) continue;
    lua.lua_pushstring(L, luaKey(key));
    pushJsonView(L, v, name, maxDepth, depth + 1);
    lua.lua_rawset(L, -3);
  }
  wrapTopAsView(L, "object", name);
}

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
    return decoder.decode(bytes);
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
      lua.lua_getfield(L, mt, VIEW);
      kind = lua.lua_tojsstring(L, -1);
      if (kind === "library") throw new ConversionError(`${where}: cannot convert a library table to JSON`);
      if (kind !== null) {
        lua.lua_getfield(L, mt, "__n");
        n = lua.lua_type(L, -1) === lua.LUA_TNUMBER ? lua.lua_tointeger(L, -1) : -1;
        lua.lua_getfield(L, mt, "__index");
        idx = lua.lua_gettop(L);
      } else {
        lua.lua_getfield(L, mt, ARRAY_MARK);
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
        key = decoder.decode(lua.lua_tostring(L, -2) as Uint8Array);
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
