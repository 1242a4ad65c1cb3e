/**
 * The Lua runtime: one sandboxed lua_State, compiling chunks into registry references and
 * calling them with a fresh `_ENV`, an instruction budget (count hook), a step budget for work
 * done inside one instruction (pattern matching, string compares, …) and an allocation budget (both in the fengari meter added by tools/patch-fengari.mjs).
 *
 * A call: push the compiled chunk, build a fresh `_ENV` (ctx, prev, secrets, _G; base functions
 * through its protected metatable), set it as the chunk's first upvalue, arm the budgets, pcall.
 */
import { type LuaHook, type LuaState, lauxlib, lua, to_luastring } from "fengari";
import { LuaToJson } from "./json-lua";
import { createSandbox, type Sandbox } from "./sandbox";
import type { JsonValue } from "./types";

/** The chunk name: errors read `script:3: message`. */
const CHUNK = "script";
const HOOK_STEP = 1000;
export const BUDGET_MESSAGE = "instruction budget exceeded";
export const MEMORY_MESSAGE = "memory limit exceeded";

/** A compile answer: a registry reference, or the error with its line. */
export type CompileResult = { ok: true; ref: number } | { ok: false; line: number | null; message: string };

/** How a call ended. On success the returned value is at stack index 1 until `reset()`. */
export type CallResult =
  | { ok: true; instructions: number }
  | { ok: false; instructions: number; line: number | null; message: string };

export interface CallLimits {
  instructionBudget: number;
  memoryLimitBytes: number;
}

export interface LogLimits {
  maxEntries: number;
  maxBytes: number;
  maxDepth: number;
}

/** Splits `script:3: message` into line and message; other messages keep line null. */
export function parseLuaError(raw: string): { line: number | null; message: string } {
  const m = /^script:(\d+): ([\s\S]*)$/.exec(raw);
  return m ? { line: Number(m[1]), message: m[2] as string } : { line: null, message: raw };
}

/** One sandboxed Lua state; not re-entrant (fengari is synchronous). */
export class LuaRuntime {
  readonly L: LuaState;
  private readonly sandbox: Sandbox;
  private budget = 0;
  private used = 0;
  private step = 0;
  private logs: JsonValue[][] = [];
  private logsDropped = 0;
  private logBytes = 0;
  private readonly hook: LuaHook;

  constructor(private readonly logLimits: LogLimits) {
    this.sandbox = createSandbox({
      log: (L) => this.log(L),
      chargeInstructions: (L, n) => this.charge(L, n),
    });
    this.L = this.sandbox.L;
    this.hook = (L) => this.onHook(L);
  }

  /** Compiles text (never bytecode) to a registry reference. */
  compile(source: string): CompileResult {
    const L = this.L;
    const bytes = to_luastring(source);
    const status = lauxlib.luaL_loadbufferx(L, bytes, bytes.length, `=${CHUNK}`, "t");
    if (status !== lua.LUA_OK) {
      const raw = lua.lua_tojsstring(L, -1) ?? "compile error";
      lua.lua_settop(L, 0);
      return { ok: false, ...parseLuaError(raw) };
    }
    return { ok: true, ref: lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX) };
  }

  /** Frees a compiled chunk. */
  release(ref: number): void {
    lauxlib.luaL_unref(this.L, lua.LUA_REGISTRYINDEX, ref);
  }

  /** Stores the value on top of the stack in the registry (e.g. a ctx view) and pops it. */
  ref(): number {
    return lauxlib.luaL_ref(this.L, lua.LUA_REGISTRYINDEX);
  }

  /**
   * Calls a compiled chunk with a fresh `_ENV` holding `ctx`, `prev` and `secrets` (registry refs).
   * The value it returns (first only) is left at stack index 1; call `reset()` when done.
   */
  call(ref: number, ctxRef: number, prevRef: number, limits: CallLimits, secretsRef?: number): CallResult {
    const L = this.L;
    const meter = lua.hookline_meter;
    lua.lua_settop(L, 0);
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, ref);
    lua.lua_createtable(L, 0, 4);
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, ctxRef);
    lua.lua_setfield(L, 2, "ctx");
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, prevRef);
    lua.lua_setfield(L, 2, "prev");
    if (secretsRef !== undefined) {
      lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, secretsRef);
      lua.lua_setfield(L, 2, "secrets");
    }
    lua.lua_pushvalue(L, 2);
    lua.lua_setfield(L, 2, "_G");
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.sandbox.envMetaRef);
    lua.lua_setmetatable(L, 2);
    lua.lua_setupvalue(L, 1, 1);
    this.logs = [];
    this.logsDropped = 0;
    this.logBytes = 0;
    this.budget = Math.max(1, Math.floor(limits.instructionBudget));
    this.used = 0;
    this.step = Math.min(HOOK_STEP, this.budget);
    lua.lua_sethook(L, this.hook, lua.LUA_MASKCOUNT, this.step);
    meter.L = L;
    meter.budget = limits.memoryLimitBytes;
    // Work done inside one VM instruction (pattern matching, long-string compares and hashing,
    // utf8 scans, tonumber, many results, table library loops) gets as many steps as instructions.
    meter.steps = this.budget;
    let status: number;
    let left = 0;
    try {
      status = lua.lua_pcall(L, 0, 1, 0);
    } finally {
      meter.budget = Number.POSITIVE_INFINITY;
      meter.steps = Number.POSITIVE_INFINITY;
      meter.L = null;
      left = L.hookcount;
      lua.lua_sethook(L, null, 0, 0);
    }
    const instructions = Math.min(this.budget, this.used + (this.step - left));
    if (status === lua.LUA_OK) return { ok: true, instructions };
    const raw = errorText(L);
    lua.lua_settop(L, 0);
    return { ok: false, instructions, ...parseLuaError(raw) };
  }

  /** Logs captured during the last call, and how many were dropped by the caps. */
  takeLogs(): { logs: JsonValue[][]; dropped: number } {
    const taken = { logs: this.logs, dropped: this.logsDropped };
    this.logs = [];
    this.logsDropped = 0;
    return taken;
  }

  /** Clears the stack after reading a call's result. */
  reset(): void {
    lua.lua_settop(this.L, 0);
  }

  private onHook(L: LuaState): void {
    this.used += this.step;
    const remaining = this.budget - this.used;
    this.step = remaining > 0 ? Math.min(HOOK_STEP, remaining) : 1;
    lua.lua_sethook(L, this.hook, lua.LUA_MASKCOUNT, this.step);
    if (remaining <= 0) raise(L, BUDGET_MESSAGE);
  }

  private charge(L: LuaState, n: number): void {
    this.used += n;
    if (this.used + (this.step - L.hookcount) > this.budget) {
      this.used = this.budget;
      raise(L, BUDGET_MESSAGE);
    }
  }

  private log(L: LuaState): number {
    const n = lua.lua_gettop(L);
    const { maxEntries, maxBytes, maxDepth } = this.logLimits;
    if (this.logs.length >= maxEntries || this.logBytes >= maxBytes) {
      this.logsDropped++;
      return 0;
    }
    const conv = new LuaToJson(L, { maxDepth, maxBytes: maxBytes - this.logBytes });
    const entry: JsonValue[] = [];
    try {
      for (let i = 1; i <= n; i++) {
        const t = lua.lua_type(L, i);
        if (t === lua.LUA_TFUNCTION || t === lua.LUA_TUSERDATA || t === lua.LUA_TTHREAD) {
          entry.push(`<${t === lua.LUA_TFUNCTION ? "function" : "userdata"}>`);
        } else {
          entry.push(conv.convert(i, `log argument ${i}`));
        }
      }
    } catch {
      this.logsDropped++;
      this.logBytes = maxBytes;
      return 0;
    }
    this.logBytes += conv.bytes + 2;
    this.logs.push(entry);
    return 0;
  }
}

/** Raises a Lua error whose message is exactly `message` (no position prefix). */
function raise(L: LuaState, message: string): never {
  lua.lua_pushliteral(L, message);
  return lua.lua_error(L);
}

function errorText(L: LuaState): string {
  switch (lua.lua_type(L, -1)) {
    case lua.LUA_TSTRING:
    case lua.LUA_TNUMBER:
      return lua.lua_tojsstring(L, -1) ?? "error";
    case lua.LUA_TNIL:
      return "error (nil error value)";
    case lua.LUA_TTABLE:
      return "error (error value is a table)";
    default:
      return "error (error value is not a string)";
  }
}
