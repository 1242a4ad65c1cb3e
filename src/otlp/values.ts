/**
 * OTLP/JSON value encoding (pure): typed attribute values (`AnyValue`), key/value lists, and
 * 64-bit nanosecond timestamps as decimal strings. Follows the OTLP/JSON rules: lowerCamelCase
 * field names, int64 as strings, no float round trip for timestamps.
 */

/** An OTLP `AnyValue`, in its JSON form (one field set; an empty object is the empty value). */
export type AnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { arrayValue: { values: AnyValue[] } }
  | { kvlistValue: { values: KeyValue[] } }
  | Record<string, never>;

/** An OTLP `KeyValue`. */
export interface KeyValue {
  key: string;
  value: AnyValue;
}

/**
 * Encodes any JSON value: strings, booleans, integers (as decimal strings), other numbers as
 * doubles, arrays as `arrayValue`, objects as `kvlistValue`, null as the empty value.
 */
export function anyValue(value: unknown): AnyValue {
  if (value === null || value === undefined) return {};
  if (typeof value === "string") return { stringValue: value };
  if (typeof value === "boolean") return { boolValue: value };
  if (typeof value === "bigint") return { intValue: value.toString() };
  if (typeof value === "number") {
    return Number.isSafeInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  }
  if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValue) } };
  if (typeof value === "object") {
    return {
      kvlistValue: { values: Object.entries(value).map(([key, v]) => ({ key, value: anyValue(v) })) },
    };
  }
  return { stringValue: String(value) };
}

/** A double even when the number is whole (durations: `12` must stay a double, not an int). */
export function doubleAttr(key: string, value: number): KeyValue {
  return { key, value: { doubleValue: value } };
}

/**
 * Builds attributes from pairs, dropping null/undefined values (OTLP has no "null attribute").
 * Objects and arrays of objects become JSON strings: backends index strings, rarely kvlists.
 */
export function attributes(pairs: Record<string, unknown>): KeyValue[] {
  const out: KeyValue[] = [];
  for (const [key, value] of Object.entries(pairs)) {
    if (value === null || value === undefined) continue;
    out.push({ key, value: attributeValue(value) });
  }
  return out;
}

/** An attribute's value: primitives and arrays of primitives typed, anything nested as JSON text. */
export function attributeValue(value: unknown): AnyValue {
  const primitive = (v: unknown) => v === null || typeof v !== "object";
  if (primitive(value)) return anyValue(value);
  if (Array.isArray(value) && value.every((v) => primitive(v) && v !== null)) return anyValue(value);
  return { stringValue: JSON.stringify(value) };
}

const NS_PER_MS = 1_000_000n;

/**
 * Unix milliseconds → `fixed64` nanoseconds as a decimal string, computed in BigInt (no float loss).
 * @example unixNanos(1767323045123) // "1767323045123000000"
 */
export function unixNanos(ms: number): string {
  return (BigInt(Math.round(ms)) * NS_PER_MS).toString();
}
