/**
 * The part of fengari 0.1.5 (Lua 5.3 in JS, untyped) that Hookline uses, plus the allocation
 * meter added by tools/patch-fengari.mjs. Lua strings are byte arrays (Uint8Array).
 */
declare module "fengari" {
  /** A Lua thread. Opaque except for the count-hook counter read by the runtime. */
  export interface LuaState {
    /** Instructions left before the count hook fires next. */
    hookcount: number;
  }
  export type LuaString = Uint8Array;
  export type LuaJsFunction = (L: LuaState) => number;
  export type LuaHook = (L: LuaState, ar: unknown) => void;

  export interface HooklineMeter {
    /** Bytes that strings, table entries and closures may still allocate (Infinity = off). */
    budget: number;
    /** Bytes charged per new table entry and per new closure. */
    object_cost: number;
    /**
     * Steps that work done inside one VM instruction may still take (Infinity = off): pattern
     * matching, string comparison and hashing, utf8 scans, tonumber, many results, table library
     * loops. Below 0 it raises "instruction budget exceeded".
     */
    steps: number;
    /** The thread to raise "memory limit exceeded" in when no thread is at hand. */
    L: LuaState | null;
    raising: boolean;
  }

  export const lua: {
    LUA_OK: number;
    LUA_ERRRUN: number;
    LUA_ERRSYNTAX: number;
    LUA_ERRMEM: number;
    LUA_ERRERR: number;
    LUA_MULTRET: number;
    LUA_REGISTRYINDEX: number;
    LUA_RIDX_GLOBALS: number;
    LUA_MASKCOUNT: number;
    LUA_YIELD: number;
    lua_newthread(L: LuaState): LuaState;
    lua_resume(L: LuaState, from: LuaState | null, nargs: number): number;
    lua_isyieldable(L: LuaState): boolean;
    lua_isstring(L: LuaState, idx: number): boolean;
    lua_yieldk(
      L: LuaState,
      nresults: number,
      ctx: number,
      k: ((L: LuaState, status: number, ctx: number) => number) | null,
    ): number;
    lua_xmove(from: LuaState, to: LuaState, n: number): void;
    LUA_TNONE: number;
    LUA_TNIL: number;
    LUA_TBOOLEAN: number;
    LUA_TLIGHTUSERDATA: number;
    LUA_TNUMBER: number;
    LUA_TSTRING: number;
    LUA_TTABLE: number;
    LUA_TFUNCTION: number;
    LUA_TUSERDATA: number;
    LUA_TTHREAD: number;
    hookline_meter: HooklineMeter;
    lua_absindex(L: LuaState, idx: number): number;
    lua_createtable(L: LuaState, narr: number, nrec: number): void;
    lua_newtable(L: LuaState): void;
    lua_gettop(L: LuaState): number;
    lua_settop(L: LuaState, idx: number): void;
    lua_pop(L: LuaState, n: number): void;
    lua_pushvalue(L: LuaState, idx: number): void;
    lua_pushnil(L: LuaState): void;
    lua_pushboolean(L: LuaState, b: boolean | number): void;
    lua_pushinteger(L: LuaState, n: number): void;
    lua_pushnumber(L: LuaState, n: number): void;
    lua_pushstring(L: LuaState, s: LuaString | string): LuaString;
    lua_pushliteral(L: LuaState, s: string): LuaString;
    lua_pushjsfunction(L: LuaState, f: LuaJsFunction): void;
    lua_pushjsclosure(L: LuaState, f: LuaJsFunction, n: number): void;
    lua_type(L: LuaState, idx: number): number;
    lua_isinteger(L: LuaState, idx: number): boolean;
    lua_toboolean(L: LuaState, idx: number): boolean;
    lua_tointeger(L: LuaState, idx: number): number;
    lua_tonumber(L: LuaState, idx: number): number;
    lua_tostring(L: LuaState, idx: number): LuaString | null;
    lua_tojsstring(L: LuaState, idx: number): string | null;
    lua_topointer(L: LuaState, idx: number): object | null;
    lua_rawequal(L: LuaState, a: number, b: number): boolean;
    lua_rawget(L: LuaState, idx: number): number;
    lua_rawgeti(L: LuaState, idx: number, n: number): number;
    lua_rawset(L: LuaState, idx: number): void;
    lua_rawseti(L: LuaState, idx: number, n: number): void;
    lua_rawlen(L: LuaState, idx: number): number;
    lua_getfield(L: LuaState, idx: number, k: LuaString | string): number;
    lua_setfield(L: LuaState, idx: number, k: LuaString | string): void;
    lua_getglobal(L: LuaState, name: LuaString | string): number;
    lua_getmetatable(L: LuaState, idx: number): boolean;
    lua_setmetatable(L: LuaState, idx: number): void;
    lua_next(L: LuaState, idx: number): boolean;
    lua_setupvalue(L: LuaState, funcindex: number, n: number): LuaString | null;
    lua_load(
      L: LuaState,
      reader: (L: LuaState, data: unknown) => LuaString | null,
      data: unknown,
      chunkname: LuaString | string,
      mode: LuaString | string | null,
    ): number;
    lua_pcall(L: LuaState, nargs: number, nresults: number, msgh: number): number;
    lua_error(L: LuaState): never;
    lua_sethook(L: LuaState, f: LuaHook | null, mask: number, count: number): void;
    lua_upvalueindex(i: number): number;
    lua_checkstack(L: LuaState, n: number): boolean;
    lua_insert(L: LuaState, idx: number): void;
    lua_remove(L: LuaState, idx: number): void;
    lua_replace(L: LuaState, idx: number): void;
    lua_call(L: LuaState, nargs: number, nresults: number): void;
  };

  export const lauxlib: {
    luaL_newstate(): LuaState;
    luaL_loadbufferx(
      L: LuaState,
      buff: LuaString,
      size: number,
      name: LuaString | string,
      mode: LuaString | string | null,
    ): number;
    luaL_ref(L: LuaState, t: number): number;
    luaL_unref(L: LuaState, t: number, ref: number): void;
    luaL_checkinteger(L: LuaState, arg: number): number;
    luaL_checkstring(L: LuaState, arg: number): LuaString;
    luaL_optinteger(L: LuaState, arg: number, def: number): number;
    luaL_optstring(L: LuaState, arg: number, def: string): LuaString;
    luaL_error(L: LuaState, fmt: string, ...args: unknown[]): never;
    luaL_requiref(L: LuaState, modname: string, openf: LuaJsFunction, glb: boolean): void;
  };

  export const lualib: {
    luaopen_base: LuaJsFunction;
    luaopen_string: LuaJsFunction;
    luaopen_table: LuaJsFunction;
    luaopen_math: LuaJsFunction;
    luaopen_utf8: LuaJsFunction;
    luaopen_os: LuaJsFunction;
  };

  export function to_luastring(s: string, cache?: boolean): LuaString;
  export function to_jsstring(s: LuaString): string;
}
