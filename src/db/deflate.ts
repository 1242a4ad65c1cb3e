/**
 * Raw DEFLATE (RFC 1951) of stored JSON text: the span sets store their packed spans this way.
 * node:zlib's synchronous calls (workerd has them under `nodejs_compat`; Node has them natively):
 * ~20 µs for a trace's spans in Node, where a CompressionStream costs ~0.2–1 ms of stream set-up
 * per call. `storedText` reads such a column back whatever it holds: deflated bytes, or plain
 * text (sets carried over by migration 0007 are plain JSON text).
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";

/** Deflates UTF-8 text. */
export function deflateText(text: string): Uint8Array {
  return deflateRawSync(text);
}

/**
 * The text of a stored column: inflated when it holds bytes, as is when it holds text.
 * @throws when the bytes are not raw deflate data
 */
export function storedText(value: string | ArrayBuffer | Uint8Array): string {
  if (typeof value === "string") return value;
  const bytes = value instanceof Uint8Array ? value : new Uint8Array(value);
  return inflateRawSync(bytes).toString("utf8");
}

/** Lowercase hex of bytes (how a blob travels inside a JSON statement parameter). */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}
