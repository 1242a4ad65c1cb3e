/**
 * The Lua runtime: one sandboxed lua_State per engine, compiled scripts as registry references,
 * and runs. Each run is a Lua thread (`lua_newthread`, pooled) with its own `_ENV`, instruction
 * budget (count hook on that thread), step budget and allocation budget (the fengari meter of
 * tools/patch-fengari.mjs, swapped in around every resume) and its own logs: runs of one layer,
 * or of two trigger calls of one isolate, interleave without sharing any of it.
 *
 * A script is compiled as `return function(_ENV, ...) <source> end` and called once to get that
 * inner function, so each run hands its `_ENV` as an argument and nothing shared is mutated. The
 * source also compiles alone first, so it cannot close the wrapper early.
 *
 * `http.fetch` (sandbox.ts) yields the thread: the run's `RunIo` starts the call and the engine
 * resumes the thread when it completes (`lua_yieldk`; the continuation pushes the answer or raises).
 */
import { type LuaHook, type LuaState, lauxlib, lua, to_luastring } from "fengari";
import { LuaToJson } from "./json-lua";
import { Interned } from "./lua-strings";
import { createSandbox, type Sandbox } from "./sandbox";
import type { JsonValue } from "./types";

/** The chunk name: errors read `script:3: message`. */
const CHUNK = "script";
const HOOK_STEP = 1000;
const POOL_MAX = 64;
export const BUDGET_MESSAGE = "instruction budget exceeded";
export const MEMORY_MESSAGE = "memory limit exceeded";

/** A compile answer: a registry reference, or the error with its line. */
export type CompileResult = { ok: true; ref: number } | { ok: false; line: number | null; message: string };

/** How a resume ended. On `ok` the returned value is at index 1 of `run.thread` until `finish`. */
export type StepResult =
  | { status: "yield" }
  | { status: "ok"; instructions: number }
  | { status: "error"; instructions: number; line: number | null; message: string };

export interface CallLimits {
  instructionBudget: number;
  memoryLimitBytes: number;
}

export interface LogLimits {
  maxEntries: number;
  maxBytes: number;
  maxDepth: number;
}

/** Pushes the results of a completed host call on the thread (returns their count), or raises. */
export type Deliver = (L: LuaState) => number;

/** What a run's host calls do: `fetch` reads its arguments (or raises) and starts the call. */
export interface RunIo {
  fetch(L: LuaState): Promise<Deliver>;
}

/** Registry references that make up a run's `_ENV`. */
export interface EnvParts {
  ctxRef: number;
  prevRef: number;
  /** The script's read-only `secrets` view. */
  secretsRef?: number;
}

/** One script run: its thread and everything that is per run. */
export class LuaRun {
  used = 0;
  step: number;
  readonly budget: number;
  memLeft: number;
  stepsLeft: number;
  logs: JsonValue[][] = [];
  logsDropped = 0;
  logBytes = 0;
  /** Set by a host call that yielded; the engine awaits it, then resumes. */
  pending: Promise<Deliver> | null = null;
  delivered: Deliver | null = null;
  started = false;

  constructor(
    readonly thread: LuaState,
    readonly threadRef: number,
    limits: CallLimits,
    readonly io: RunIo | null,
  ) {
    this.budget = Math.max(1, Math.floor(limits.instructionBudget));
    this.step = Math.min(HOOK_STEP, this.budget);
    this.memLeft = limits.memoryLimitBytes;
    // Work done inside one VM instruction (pattern matching, long-string compares and hashing,
    // utf8 scans, tonumber, many results, table library loops) gets as many steps as instructions.
    this.stepsLeft = this.budget;
  }

  /** Instructions executed so far. */
  instructions(): number {
    return Math.min(this.budget, this.used + (this.step - this.thread.hookcount));
  }
}

/** Splits `script:3: message` into line and message; other messages keep line null. */
export function parseLuaError(raw: string): { line: number | null; message: string } {
  const m = /^script:(\d+): ([\s\S]*)$/.exec(raw);
  return m ? { line: Number(m[1]), message: m[2] as string } : { line: null, message: raw };
}

/** One sandboxed Lua state; runs are threads of it, resumed one at a time. */
export class LuaRuntime {
  readonly L: LuaState;
  private readonly sandbox: Sandbox;
  private readonly hook: LuaHook;
  private readonly idle: { thread: LuaState; ref: number }[] = [];
  /** The run whose thread is executing (set only inside `resume`). */
  private current: LuaRun | null = null;
  private readonly deliverK = (L: LuaState) => this.deliver(L);

  constructor(private readonly logLimits: LogLimits) {
    this.sandbox = createSandbox({
      log: (L) => this.log(L),
      chargeInstructions: (L, n) => this.charge(L, n),
      fetch: (L) => this.fetch(L),
    });
    this.L = this.sandbox.L;
    this.hook = (L) => this.onHook(L);
  }

  /** Compiles text (never bytecode) to a registry reference of the script's function. */
  compile(source: string): CompileResult {
    const L = this.L;
    const alone = this.load(source);
    if (!alone.ok) return alone;
    lua.lua_settop(L, 0);
    const wrapped = this.load(`return function(_ENV, ...) ${source}\nend`);
    if (!wrapped.ok) return wrapped;
    if (lua.lua_pcall(L, 0, 1, 0) !== lua.LUA_OK || lua.lua_type(L, -1) !== lua.LUA_TFUNCTION) {
      lua.lua_settop(L, 0);
      return { ok: false, line: null, message: "compile error" };
    }
    return { ok: true, ref: lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX) };
  }

  private load(source: string): CompileResult {
    const L = this.L;
    const bytes = to_luastring(source);
    const status = lauxlib.luaL_loadbufferx(L, bytes, bytes.length, `=${CHUNK}`, "t");
    if (status !== lua.LUA_OK) {
      const raw = lua.lua_tojsstring(L, -1) ?? "compile error";
      lua.lua_settop(L, 0);
      return { ok: false, ...parseLuaError(raw) };
    }
    return { ok: true, ref: 0 };
  }

  /** Frees a registry reference (a compiled script, a ctx or prev view). */
  release(ref: number): void {
    lauxlib.luaL_unref(this.L, lua.LUA_REGISTRYINDEX, ref);
  }

  /** Stores the value on top of the main stack in the registry (e.g. a ctx view) and pops it. */
  ref(): number {
    return lauxlib.luaL_ref(this.L, lua.LUA_REGISTRYINDEX);
  }

  /** Prepares a run of compiled script `ref` on a (pooled) thread; start it with `resume`. */
  start(ref: number, env: EnvParts, limits: CallLimits, io: RunIo | null): LuaRun {
    const taken = this.idle.pop();
    let thread: LuaState;
    let threadRef: number;
    if (taken) {
      ({ thread, ref: threadRef } = taken);
    } else {
      thread = lua.lua_newthread(this.L);
      threadRef = this.ref();
    }
    const run = new LuaRun(thread, threadRef, limits, io);
    lua.lua_rawgeti(thread, lua.LUA_REGISTRYINDEX, ref);
    buildEnv(thread, env, this.sandbox.envMetaRef);
    lua.lua_sethook(thread, this.hook, lua.LUA_MASKCOUNT, run.step);
    return run;
  }

  /** Runs `run` until it yields on a host call or ends. */
  resume(run: LuaRun): StepResult {
    const T = run.thread;
    const meter = lua.hookline_meter;
    const nargs = run.started ? 0 : 1;
    run.started = true;
    this.current = run;
    meter.L = T;
    meter.budget = run.memLeft;
    meter.steps = run.stepsLeft;
    let status: number;
    try {
      status = lua.lua_resume(T, this.L, nargs);
    } finally {
      run.memLeft = meter.budget;
      run.stepsLeft = meter.steps;
      meter.budget = Number.POSITIVE_INFINITY;
      meter.steps = Number.POSITIVE_INFINITY;
      meter.L = null;
      this.current = null;
    }
    if (status === lua.LUA_YIELD) return { status: "yield" };
    const instructions = run.instructions();
    if (status === lua.LUA_OK) return { status: "ok", instructions };
    return { status: "error", instructions, ...parseLuaError(errorText(T)) };
  }

  /** Ends a run: a thread that finished cleanly goes back to the pool, others are dropped. */
  finish(run: LuaRun, clean: boolean): void {
    lua.lua_sethook(run.thread, null, 0, 0);
    if (clean && this.idle.length < POOL_MAX) {
      lua.lua_settop(run.thread, 0);
      this.idle.push({ thread: run.thread, ref: run.threadRef });
    } else {
      this.release(run.threadRef);
    }
  }

  /** Clears the main stack. */
  reset(): void {
    lua.lua_settop(this.L, 0);
  }

  private onHook(L: LuaState): void {
    const run = this.current as LuaRun;
    run.used += run.step;
    const remaining = run.budget - run.used;
    run.step = remaining > 0 ? Math.min(HOOK_STEP, remaining) : 1;
    lua.lua_sethook(L, this.hook, lua.LUA_MASKCOUNT, run.step);
    if (remaining <= 0) raise(L, BUDGET_MESSAGE);
  }

  private charge(L: LuaState, n: number): void {
    const run = this.current as LuaRun;
    run.used += n;
    if (run.used + (run.step - L.hookcount) > run.budget) {
      run.used = run.budget;
      raise(L, BUDGET_MESSAGE);
    }
  }

  private fetch(L: LuaState): number {
    const run = this.current;
    if (!run?.io) return raise(L, "http.fetch: not available here");
    if (!lua.lua_isyieldable(L)) {
      return raise(L, "http.fetch: cannot be called inside a metamethod or a library callback");
    }
    run.pending = run.io.fetch(L);
    return lua.lua_yieldk(L, 0, 0, this.deliverK);
  }

  private deliver(L: LuaState): number {
    const run = this.current as LuaRun;
    const deliver = run.delivered as Deliver;
    run.delivered = null;
    return deliver(L);
  }

  private log(L: LuaState): number {
    const run = this.current;
    if (!run) return 0;
    const n = lua.lua_gettop(L);
    const { maxEntries, maxBytes, maxDepth } = this.logLimits;
    if (run.logs.length >= maxEntries || run.logBytes >= maxBytes) {
      run.logsDropped++;
      return 0;
    }
    const conv = new LuaToJson(L, { maxDepth, maxBytes: maxBytes - run.logBytes });
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
      run.logsDropped++;
      run.logBytes = maxBytes;
      return 0;
    }
    run.logBytes += conv.bytes + 2;
    run.logs.push(entry);
    return 0;
  }
}

/**
 * Pushes a fresh `_ENV` for one run: `ctx`, `prev`, `secrets`, `_G` (itself), and the protected metatable
 * that falls back to the shared base functions. The one place a per-run global is added.
 */
function buildEnv(T: LuaState, env: EnvParts, envMetaRef: number): void {
  const keys = new Interned(T).open();
  lua.lua_createtable(T, 0, 4);
  const e = lua.lua_gettop(T);
  keys.pushString("ctx");
  lua.lua_rawgeti(T, lua.LUA_REGISTRYINDEX, env.ctxRef);
  lua.lua_rawset(T, e);
  keys.pushString("prev");
  lua.lua_rawgeti(T, lua.LUA_REGISTRYINDEX, env.prevRef);
  lua.lua_rawset(T, e);
  if (env.secretsRef !== undefined) {
    keys.pushString("secrets");
    lua.lua_rawgeti(T, lua.LUA_REGISTRYINDEX, env.secretsRef);
    lua.lua_rawset(T, e);
  }
  keys.pushString("_G");
  lua.lua_pushvalue(T, e);
  lua.lua_rawset(T, e);
  lua.lua_rawgeti(T, lua.LUA_REGISTRYINDEX, envMetaRef);
  lua.lua_setmetatable(T, e);
  keys.close();
}

/** Raises a Lua error whose message is exactly `message` (no position prefix). */
function raise(L: LuaState, message: string): never {
  lua.lua_pushstring(L, message);
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
