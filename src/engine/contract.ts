/**
 * The script contract: what a script may return and what it means.
 *   nothing / {}                      -> pass
 *   { data = { ... } }                -> pass, data merged into the result
 *   { block = true, reason = "..." }  -> block (data, if any, is merged too)
 * Anything else is a script error naming what was wrong.
 */

import type { LuaState } from "fengari";
import { lua } from "fengari";
import { LuaToJson, type ToJsonLimits } from "./json-lua";
import { isJsonObject } from "./merge";
import type { JsonObject, JsonValue, ScriptOutcome } from "./types";

const ALLOWED_KEYS = new Set(["data", "block", "reason"]);
/** The reason recorded when a script blocks without giving one. */
export const DEFAULT_REASON = "blocked";

/** The JSON kind of a value, in Lua words, for error messages. */
function kindOf(v: JsonValue): string {
  if (v === null) return "nil";
  if (Array.isArray(v)) return "array (a sequence)";
  return typeof v === "object" ? "table" : typeof v;
}

/**
 * Reads the value a script returned (stack index `idx`) and checks it against the contract.
 * `output` is the value as JSON when it converts (for the span), else null.
 */
export function readReturn(
  L: LuaState,
  idx: number,
  limits: ToJsonLimits,
): { outcome: ScriptOutcome; output: JsonValue } {
  const type = lua.lua_type(L, idx);
  if (type === lua.LUA_TNIL || type === lua.LUA_TNONE)
    return { outcome: { kind: "pass", data: null }, output: null };
  let output: JsonValue;
  try {
    output = new LuaToJson(L, limits).convert(idx, "return value");
  } catch (err) {
    return { outcome: fail(`invalid return value: ${(err as Error).message}`), output: null };
  }
  return { outcome: checkShape(output), output };
}

/** Checks a converted return value against the contract. */
export function checkShape(value: JsonValue): ScriptOutcome {
  if (Array.isArray(value) && value.length === 0) return { kind: "pass", data: null };
  if (!isJsonObject(value)) {
    return fail(
      `a script must return nothing or a table { data = ..., block = ..., reason = ... }, got ${kindOf(value)}`,
    );
  }
  for (const key of Object.keys(value)) {
    if (!ALLOWED_KEYS.has(key))
      return fail(`unknown key '${key}' in the returned table (allowed: data, block, reason)`);
  }
  const { data, block, reason } = value as Record<string, JsonValue | undefined>;
  if (data !== undefined && !isJsonObject(data)) {
    return fail(`'data' must be a table with string keys, got ${kindOf(data)}`);
  }
  if (block !== undefined && typeof block !== "boolean")
    return fail(`'block' must be a boolean, got ${kindOf(block)}`);
  if (reason !== undefined && typeof reason !== "string")
    return fail(`'reason' must be a string, got ${kindOf(reason)}`);
  if (reason !== undefined && block !== true) return fail("'reason' is only allowed with block = true");
  const d = (data as JsonObject | undefined) ?? null;
  if (block === true) return { kind: "block", data: d, reason: reason || DEFAULT_REASON };
  return { kind: "pass", data: d };
}

function fail(message: string): ScriptOutcome {
  return { kind: "error", message, line: null };
}
