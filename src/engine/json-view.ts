/**
 * JSON -> Lua: read-only *views* (the table is in docs/scripts.md). Each object/array is an empty
 * proxy table whose protected metatable points at a hidden backing table (`__index`), refuses
 * writes (`__newindex`), reports the JSON length (`__len`) and iterates the backing without
 * exposing it (`__pairs`). Views are built once per value and shared by every script that sees
 * them. Field names, object keys and the metamethods are interned (lua-strings.ts), so building
 * a view makes its tables and converts its values, nothing more.
 */
import { type LuaJsFunction, type LuaState, lauxlib, lua } from "fengari";
import { Interned } from "./lua-strings";
import type { JsonObject, JsonValue } from "./types";

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/** Thrown when a value cannot be converted; `message` names the path, e.g. `data.items[2]`. */
export class ConversionError extends Error {}

/** Metatable fields that mark a view: `__view` = "object" | "array" | "library", `__n` length. */
export const VIEW = "__view";
export const VIEW_LENGTH = "__n";
/** Field set on the shared metatable of `json.array(...)` tables. */
export const ARRAY_MARK = "__jsonarray";

function readonlyError(L: LuaState): number {
  lua.lua_getmetatable(L, 1);
  lua.lua_getfield(L, -1, "__name");
  const name = lua.lua_tojsstring(L, -1) ?? "table";
  return lauxlib.luaL_error(L, `attempt to modify read-only ${name}`);
}

function viewLen(L: LuaState): number {
  lua.lua_getmetatable(L, 1);
  lua.lua_getfield(L, -1, VIEW_LENGTH);
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
  const interned = new Interned(L).open();
  interned.pushFunction(viewNext);
  interned.close();
  lua.lua_pushvalue(L, 1);
  lua.lua_pushnil(L);
  return 3;
}

type ViewKind = "object" | "array" | "library";

/** The view metatable's metamethods, the same functions for every view. */
const METAMETHODS: [string, LuaJsFunction][] = [
  ["__newindex", readonlyError],
  ["__len", viewLen],
  ["__pairs", viewPairs],
];

/** `t[key] = text` (raw), both interned. */
function setText(L: LuaState, s: Interned, t: number, key: string, text: string): void {
  s.pushString(key);
  s.pushString(text);
  lua.lua_rawset(L, t);
}

/** Wraps the backing table at the top into its view, with the interned values open at `s`. */
function wrap(L: LuaState, s: Interned, kind: ViewKind, name: string, n?: number): void {
  const backing = lua.lua_gettop(L);
  lua.lua_createtable(L, 0, 0); // proxy
  lua.lua_createtable(L, 0, 8); // metatable
  const mt = backing + 2;
  // Each field: key first, then value, then one raw set (no stack rotation).
  s.pushString("__index");
  lua.lua_pushvalue(L, backing);
  lua.lua_rawset(L, mt);
  for (const [key, fn] of METAMETHODS) {
    s.pushString(key);
    s.pushFunction(fn);
    lua.lua_rawset(L, mt);
  }
  s.pushString("__metatable");
  lua.lua_pushboolean(L, false);
  lua.lua_rawset(L, mt);
  setText(L, s, mt, "__name", name);
  setText(L, s, mt, VIEW, kind);
  if (n !== undefined) {
    s.pushString(VIEW_LENGTH);
    lua.lua_pushinteger(L, n);
    lua.lua_rawset(L, mt);
  }
  lua.lua_setmetatable(L, -2);
  lua.lua_replace(L, backing); // the view takes the backing's place (its metatable keeps the backing)
}

/**
 * Turns the table on top of the stack into the hidden backing of a new read-only view and
 * leaves the view (proxy) in its place.
 */
export function wrapTopAsView(L: LuaState, kind: ViewKind, name: string, n?: number): void {
  const backing = lua.lua_gettop(L);
  const s = new Interned(L).open();
  lua.lua_pushvalue(L, backing);
  wrap(L, s, kind, name, n);
  lua.lua_replace(L, backing);
  s.close();
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
): void {
  const s = new Interned(L).open();
  const top = lua.lua_gettop(L);
  try {
    pushValue(L, s, value, name, maxDepth, 0);
  } catch (err) {
    lua.lua_settop(L, top);
    s.close();
    throw err;
  }
  s.close();
}

function pushValue(
  L: LuaState,
  s: Interned,
  value: JsonValue | undefined,
  name: string,
  maxDepth: number,
  depth: number,
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
  lua.lua_checkstack(L, 8);
  if (Array.isArray(value)) {
    lua.lua_createtable(L, value.length, 0);
    for (let i = 0; i < value.length; i++) {
      if (value[i] === null || value[i] === undefined) continue;
      pushValue(L, s, value[i], name, maxDepth, depth + 1);
      lua.lua_rawseti(L, -2, i + 1);
    }
    wrap(L, s, "array", name, value.length);
    return;
  }
  if (typeof value !== "object") throw new ConversionError(`${name}: unsupported ${typeof value}`);
  const keys = Object.keys(value);
  lua.lua_createtable(L, 0, keys.length);
  const t = lua.lua_gettop(L);
  for (const key of keys) {
    const v = (value as JsonObject)[key];
    if (v === null || v === undefined) continue;
    s.pushString(key);
    pushValue(L, s, v, name, maxDepth, depth + 1);
    lua.lua_rawset(L, t);
  }
  wrap(L, s, "object", name);
}
