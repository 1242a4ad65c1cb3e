/**
 * OpenTelemetry ids: random lowercase hex from crypto.getRandomValues, never all zeros
 * (trace ids 16 bytes = 32 hex, span ids 8 bytes = 16 hex). A trace takes all its ids from ONE
 * slice of random bytes (`TraceIds`), cut from an isolate-wide pool that is refilled with one
 * getRandomValues call per 4 KiB (src/lib/hex.ts RandomPool): at most one call per trace, usually none. Every byte is
 * used once.
 */
import { hexOf, RandomPool } from "../lib/hex";

const allZero = (buf: Uint8Array, start: number, end: number) => {
  for (let i = start; i < end; i++) if (buf[i] !== 0) return false;
  return true;
};

const pool = new RandomPool(4096);

/** Empties the pool (tests: the next id draws afresh). */
export function resetRandomPool(): void {
  pool.reset();
}

/** The ids of one trace: a trace id, then as many span ids as asked for, from one random slice. */
export class TraceIds {
  readonly traceId: string;
  private readonly buf: Uint8Array;
  private next = 16;

  /** @param spans how many span ids will be drawn (more are drawn from a fresh buffer). */
  constructor(spans: number) {
    this.buf = pool.take(16 + 8 * Math.max(0, spans));
    while (allZero(this.buf, 0, 16)) crypto.getRandomValues(this.buf.subarray(0, 16));
    this.traceId = hexOf(this.buf, 0, 16);
  }

  /** The next span id. */
  spanId(): string {
    if (this.next + 8 > this.buf.length) return newSpanId();
    const at = this.next;
    this.next += 8;
    while (allZero(this.buf, at, at + 8)) crypto.getRandomValues(this.buf.subarray(at, at + 8));
    return hexOf(this.buf, at, at + 8);
  }
}

function nonZeroHex(bytes: number): string {
  const buf = new Uint8Array(bytes);
  do crypto.getRandomValues(buf);
  while (allZero(buf, 0, bytes));
  return hexOf(buf, 0, bytes);
}

/** A new trace id: 32 lowercase hex characters, not all zeros. */
export function newTraceId(): string {
  return nonZeroHex(16);
}

/** A new span id: 16 lowercase hex characters, not all zeros. */
export function newSpanId(): string {
  return nonZeroHex(8);
}
