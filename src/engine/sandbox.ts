/**
 * The sandbox: one long-lived lua_State per engine holding the *master* library tables, and
 * what each script run sees instead of them.
 *
 * Scripts never see a master table. They see read-only views (see json-view.ts) of `string`,
 * `table`, `math`, `utf8`, `os` (time/date/clock only), `json` (array marker) and `http` (fetch, see runtime.ts), `log`/`print` (captured on the span), plus a fresh
 * `_ENV` per run whose protected metatable falls back to the shared base functions. Removed:
 * load, loadstring, dofile, loadfile, require, collectgarbage, rawset, io,
 * debug, package, coroutine, string.dump, math.randomseed (it reseeds every script's random),
 * os.execute/getenv/exit/remove/rename/tmpname/difftime/setlocale. Shared metatables (the string
 * metatable, every view's and the env's) carry `__metatable`, so getmetatable cannot reach them.
 */
import { type LuaJsFunction, type LuaState, lauxlib, lua, lualib } from "fengari";
import { ARRAY_MARK, wrapTopAsView } from "./json-view";

/** Base functions a script may call (from Lua's base library). */
const BASE_FUNCTIONS = [
  "assert",
  "error",
  "getmetatable",
  "ipairs",
  "next",
  "pairs",
  "pcall",
  "rawequal",
  "rawget",
  "rawlen",
  "select",
  "setmetatable",
  "tonumber",
  "tostring",
  "type",
  "xpcall",
  "_VERSION",
];
const OS_FUNCTIONS = ["time", "date", "clock"];

/** What the sandbox calls back into the runtime for. */
export interface SandboxHost {
  /** `log(...)` / `print(...)`: arguments are at stack indexes 1..n. */
  log(L: LuaState): number;
  /** Charges `n` VM instructions for work a library function does in one call. */
  chargeInstructions(L: LuaState, n: number): void;
  /** `http.fetch(url, opts)`: yields the calling thread until the call completes. */
  fetch(L: LuaState): number;
}

/** Registry references to what each run needs. */
export interface Sandbox {
  L: LuaState;
  /** The protected metatable of every `_ENV` (its `__index` is the shared base table). */
  envMetaRef: number;
}

const REG = () => lua.LUA_REGISTRYINDEX;

/** Opens a library into a fresh table left on the stack (no global is set). */
function openLib(L: LuaState, name: string, open: LuaJsFunction): number {
  lauxlib.luaL_requiref(L, name, open, false);
  return lua.lua_gettop(L);
}

/**
 * Creates the long-lived state and its masters. Call once per engine (per isolate).
 */
export function createSandbox(host: SandboxHost): Sandbox {
  const L = lauxlib.luaL_newstate();
  lauxlib.luaL_requiref(L, "_G", lualib.luaopen_base, false);
  const globals = lua.lua_gettop(L);
  lua.lua_createtable(L, 0, 32);
  const base = lua.lua_gettop(L);
  for (const name of BASE_FUNCTIONS) {
    lua.lua_getfield(L, globals, name);
    lua.lua_setfield(L, base, name);
  }
  const logFn: LuaJsFunction = (S) => host.log(S);
  lua.lua_pushjsfunction(L, logFn);
  lua.lua_setfield(L, base, "log");
  lua.lua_pushjsfunction(L, logFn);
  lua.lua_setfield(L, base, "print");

  // string: no dump; rep that returns "" at once for empty pieces (else a CPU-only loop).
  const string = openLib(L, "string", lualib.luaopen_string);
  lua.lua_pushnil(L);
  lua.lua_setfield(L, string, "dump");
  lua.lua_getfield(L, string, "rep");
  lua.lua_pushjsclosure(L, safeRep, 1);
  lua.lua_setfield(L, string, "rep");
  protectStringMetatable(L);
  addView(L, base, string, "string");

  // table: move charges one instruction per element it moves.
  const table = openLib(L, "table", lualib.luaopen_table);
  lua.lua_getfield(L, table, "move");
  lua.lua_pushjsclosure(L, (S) => meteredMove(S, host), 1);
  lua.lua_setfield(L, table, "move");
  addView(L, base, table, "table");

  const math = openLib(L, "math", lualib.luaopen_math);
  lua.lua_pushnil(L);
  lua.lua_setfield(L, math, "randomseed");
  addView(L, base, math, "math");

  addView(L, base, openLib(L, "utf8", lualib.luaopen_utf8), "utf8");

  const fullOs = openLib(L, "os", lualib.luaopen_os);
  lua.lua_createtable(L, 0, 3);
  const os = lua.lua_gettop(L);
  for (const name of OS_FUNCTIONS) {
    lua.lua_getfield(L, fullOs, name);
    lua.lua_setfield(L, os, name);
  }
  addView(L, base, os, "os");

  lua.lua_createtable(L, 0, 1);
  const json = lua.lua_gettop(L);
  lua.lua_createtable(L, 0, 2); // the shared, protected metatable of json.array tables
  lua.lua_pushboolean(L, true);
  lua.lua_setfield(L, -2, ARRAY_MARK);
  lua.lua_pushboolean(L, false);
  lua.lua_setfield(L, -2, "__metatable");
  lua.lua_pushjsclosure(L, jsonArray, 1);
  lua.lua_setfield(L, json, "array");
  addView(L, base, json, "json");

  lua.lua_createtable(L, 0, 1);
  const http = lua.lua_gettop(L);
  lua.lua_pushjsfunction(L, (S) => host.fetch(S));
  lua.lua_setfield(L, http, "fetch");
  addView(L, base, http, "http");

  lua.lua_createtable(L, 0, 2); // env metatable
  lua.lua_pushvalue(L, base);
  lua.lua_setfield(L, -2, "__index");
  lua.lua_pushboolean(L, false);
  lua.lua_setfield(L, -2, "__metatable");
  const envMetaRef = lauxlib.luaL_ref(L, REG());
  lua.lua_settop(L, 0);
  return { L, envMetaRef };
}

/** Wraps the master at `idx` as a read-only library view stored as `base[name]`. */
function addView(L: LuaState, base: number, idx: number, name: string): void {
  lua.lua_pushvalue(L, idx);
  wrapTopAsView(L, "library", name);
  lua.lua_setfield(L, base, name);
}

/** `getmetatable("")` answers false, and setmetatable cannot touch it (strings only). */
function protectStringMetatable(L: LuaState): void {
  lua.lua_pushliteral(L, "");
  lua.lua_getmetatable(L, -1);
  lua.lua_pushboolean(L, false);
  lua.lua_setfield(L, -2, "__metatable");
  lua.lua_pop(L, 2);
}

function safeRep(L: LuaState): number {
  const s = lauxlib.luaL_checkstring(L, 1);
  const n = lauxlib.luaL_checkinteger(L, 2);
  const sep = lauxlib.luaL_optstring(L, 3, "");
  if (n <= 0 || s.length + (n > 1 ? sep.length : 0) === 0) {
    lua.lua_pushliteral(L, "");
    return 1;
  }
  lua.lua_pushvalue(L, lua.lua_upvalueindex(1));
  lua.lua_insert(L, 1);
  lua.lua_call(L, lua.lua_gettop(L) - 1, 1);
  return 1;
}

function meteredMove(L: LuaState, host: SandboxHost): number {
  const f = lauxlib.luaL_checkinteger(L, 2);
  const e = lauxlib.luaL_checkinteger(L, 3);
  if (e >= f) host.chargeInstructions(L, e - f + 1);
  lua.lua_pushvalue(L, lua.lua_upvalueindex(1));
  lua.lua_insert(L, 1);
  lua.lua_call(L, lua.lua_gettop(L) - 1, 1);
  return 1;
}

/** `json.array([t])`: marks a plain table (or a new one) to convert as a JSON array. */
function jsonArray(L: LuaState): number {
  if (lua.lua_type(L, 1) <= lua.LUA_TNIL) {
    lua.lua_settop(L, 0);
    lua.lua_createtable(L, 0, 0);
  } else if (lua.lua_type(L, 1) !== lua.LUA_TTABLE) {
    return lauxlib.luaL_error(L, "json.array expects a table or nothing");
  } else if (lua.lua_getmetatable(L, 1)) {
    return lauxlib.luaL_error(L, "json.array: the table already has a metatable");
  }
  lua.lua_settop(L, 1);
  lua.lua_pushvalue(L, lua.lua_upvalueindex(1));
  lua.lua_setmetatable(L, 1);
  return 1;
}
