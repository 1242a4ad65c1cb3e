/**
 * OpenTelemetry ids: random lowercase hex from crypto.getRandomValues, never all zeros
 * (trace ids 16 bytes = 32 hex, span ids 8 bytes = 16 hex).
 */

function randomHex(bytes: number): string {
  const buf = new Uint8Array(bytes);
  for (;;) {
    crypto.getRandomValues(buf);
    if (buf.some((b) => b !== 0)) break;
  }
  let out = "";
  for (const b of buf) out += b.toString(16).padStart(2, "0");
  return out;
}

/** A new trace id: 32 lowercase hex characters, not all zeros. */
export function newTraceId(): string {
  return randomHex(16);
}

/** A new span id: 16 lowercase hex characters, not all zeros. */
export function newSpanId(): string {
  return randomHex(8);
}
