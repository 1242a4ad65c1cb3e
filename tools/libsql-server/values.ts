/**
 * Hrana values <-> the JS values better-sqlite3 binds and returns.
 * Wire form: `{"type":"null"}`, `{"type":"integer","value":"<int64 as decimal>"}`,
 * `{"type":"float","value":<number>}`, `{"type":"text","value":"..."}`,
 * `{"type":"blob","base64":"..."}`. Integers are bigint on both sides so int64 stays exact and
 * integer vs float stay distinct (reads use `safeIntegers(true)`).
 */
import { ProtocolError } from "./errors";

/** A value ready to bind: integers as bigint, floats as number, blobs as Buffer. */
export type SqlValue = null | bigint | number | string | Buffer;

export type ProtoValue =
  | { type: "null" }
  | { type: "integer"; value: string }
  | { type: "float"; value: number | null }
  | { type: "text"; value: string }
  | { type: "blob"; base64: string };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** @throws ProtocolError when the string holds a lone UTF-16 surrogate (not valid Unicode). */
export function checkUnicode(s: string, where: string): string {
  if (LONE_SURROGATE.test(s)) throw new ProtocolError(`${where}: string is not valid Unicode`);
  return s;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/**
 * Decodes one wire value.
 * @throws ProtocolError on any malformed value (sqld rejects the whole body with 400).
 */
export function decodeValue(raw: unknown, where: string): SqlValue {
  if (!isRecord(raw)) throw new ProtocolError(`${where}: expected a value object`);
  switch (raw.type) {
    case "null":
      return null;
    case "integer": {
      const v = raw.value;
      if (typeof v !== "string" || !/^[+-]?[0-9]{1,20}$/.test(v)) {
        throw new ProtocolError(`${where}: integer value must be a decimal string`);
      }
      const n = BigInt(v);
      if (n < INT64_MIN || n > INT64_MAX) {
        throw new ProtocolError(`${where}: integer value out of the 64-bit range`);
      }
      return n;
    }
    case "float":
      if (typeof raw.value !== "number") {
        throw new ProtocolError(`${where}: float value must be a number`);
      }
      return raw.value;
    case "text":
      if (typeof raw.value !== "string") {
        throw new ProtocolError(`${where}: text value must be a string`);
      }
      return checkUnicode(raw.value, where);
    case "blob":
      if (typeof raw.base64 !== "string" || !BASE64.test(raw.base64)) {
        throw new ProtocolError(`${where}: blob value must be base64`);
      }
      return Buffer.from(raw.base64, "base64");
    default:
      throw new ProtocolError(`${where}: unknown value type`);
  }
}

/**
 * Encodes a value read with `raw(true).safeIntegers(true)`.
 * Non-finite floats become JSON null, as serde_json writes them in sqld.
 */
export function encodeValue(v: unknown): ProtoValue {
  if (v === null || v === undefined) return { type: "null" };
  if (typeof v === "bigint") return { type: "integer", value: v.toString() };
  if (typeof v === "number") return { type: "float", value: Number.isFinite(v) ? v : null };
  if (typeof v === "string") return { type: "text", value: v };
  if (Buffer.isBuffer(v)) return { type: "blob", base64: v.toString("base64") };
  return { type: "text", value: String(v) };
}
