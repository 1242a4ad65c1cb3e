/**
 * Merging script data: objects deep-merge (later wins per key), everything else — arrays
 * included — is replaced whole. Never mutates its inputs, so earlier snapshots stay valid.
 */
import type { JsonObject, JsonValue } from "./types";

/** True for a JSON object (not an array, not null). */
export function isJsonObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Sets `obj[key]`, treating "__proto__" as a plain key. */
export function setKey(obj: JsonObject, key: string, value: JsonValue): void {
  if (key === "__proto__") {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

/**
 * Returns `base` with `patch` merged in: nested objects merge key by key, any other value
 * (array, string, number, boolean) replaces what was there.
 * @example deepMerge({ a: { x: 1 }, l: [1] }, { a: { y: 2 }, l: [2] }) // { a: { x: 1, y: 2 }, l: [2] }
 */
export function deepMerge(base: JsonObject, patch: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(base)) setKey(out, key, base[key] as JsonValue);
  for (const key of Object.keys(patch)) {
    const next = patch[key] as JsonValue;
    const prev = Object.hasOwn(out, key) ? out[key] : undefined;
    setKey(out, key, isJsonObject(prev) && isJsonObject(next) ? deepMerge(prev, next) : next);
  }
  return out;
}
