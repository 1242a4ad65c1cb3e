/**
 * Interned Lua values for hot paths: a Lua string (or a host function) is made once per Lua
 * state and pushed again from its slot, so building a view or an `_ENV` neither re-encodes a JS
 * string nor makes fengari copy and re-hash it (it does both for every string handed to
 * `lua_setfield` / `lua_pushstring`, and `lua_pushjsfunction` makes a new closure each time).
 *
 * The values live in one registry table per state; the JS side maps each value to its slot.
 * Bounded: past MAX_SLOTS (or for long strings) values are pushed the ordinary way.
 */
import { type LuaJsFunction, type LuaState, lauxlib, lua } from "fengari";

const MAX_SLOTS = 8192;
const MAX_INTERNED_CHARS = 64;

class Slots {
  readonly ref: number;
  private readonly slots = new Map<string | LuaJsFunction, number>();

  constructor(L: LuaState) {
    lua.lua_createtable(L, 64, 0);
    this.ref = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
  }

  /** The slot of `value` in the table at `at`, made on first use; -1 when not interned. */
  slotOf(L: LuaState, at: number, value: string | LuaJsFunction): number {
    const slot = this.slots.get(value);
    if (slot !== undefined) return slot;
    if (this.slots.size >= MAX_SLOTS) return -1;
    const next = this.slots.size + 1;
    if (typeof value === "string") lua.lua_pushstring(L, value);
    else lua.lua_pushjsfunction(L, value);
    lua.lua_rawseti(L, at, next);
    this.slots.set(value, next);
    return next;
  }
}

const decoder = new TextDecoder();

/** The text of a Lua string's bytes (UTF-8, invalid bytes as U+FFFD); short ASCII without TextDecoder. */
export function luaText(bytes: Uint8Array): string {
  if (bytes.length > MAX_INTERNED_CHARS) return decoder.decode(bytes);
  let s = "";
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b >= 0x80) return decoder.decode(bytes);
    s += String.fromCharCode(b);
  }
  return s;
}

/** Per Lua state (keyed by its registry table, which its threads share). */
const byState = new WeakMap<object, Slots>();

function slotsOf(L: LuaState): Slots {
  const registry = lua.lua_topointer(L, lua.LUA_REGISTRYINDEX) as object;
  let slots = byState.get(registry);
  if (slots === undefined) {
    slots = new Slots(L);
    byState.set(registry, slots);
  }
  return slots;
}

/**
 * The interned values of one state, opened on a stack: `open` pushes their table, `push*` push
 * from it, `close` pops it again. Use one between `open` and `close`, with the table in place.
 */
export class Interned {
  private readonly slots: Slots;
  private at = 0;

  constructor(private readonly L: LuaState) {
    this.slots = slotsOf(L);
  }

  /** Pushes the table of interned values (its absolute stack index is kept). */
  open(): this {
    lua.lua_rawgeti(this.L, lua.LUA_REGISTRYINDEX, this.slots.ref);
    this.at = lua.lua_gettop(this.L);
    return this;
  }

  /** Removes the table from the stack (whatever was pushed above it stays, moved down one). */
  close(): void {
    lua.lua_remove(this.L, this.at);
  }

  /** Pushes the string `s` (interned when short). */
  pushString(s: string): void {
    const L = this.L;
    const slot = s.length <= MAX_INTERNED_CHARS ? this.slots.slotOf(L, this.at, s) : -1;
    if (slot === -1) lua.lua_pushstring(L, s);
    else lua.lua_rawgeti(L, this.at, slot);
  }

  /** Pushes the host function `fn` (one closure per state for each function). */
  pushFunction(fn: LuaJsFunction): void {
    const L = this.L;
    const slot = this.slots.slotOf(L, this.at, fn);
    if (slot === -1) lua.lua_pushjsfunction(L, fn);
    else lua.lua_rawgeti(L, this.at, slot);
  }

  /** Pushes `t[key]` for the table at `t` (absolute), raw. */
  getField(t: number, key: string): void {
    this.pushString(key);
    lua.lua_rawget(this.L, t);
  }

  /** `t[key] = <top>` for the table at `t` (absolute), raw, popping the value. */
  setField(t: number, key: string): void {
    this.pushString(key);
    lua.lua_insert(this.L, -2);
    lua.lua_rawset(this.L, t);
  }
}
