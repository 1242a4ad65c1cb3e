/**
 * Random bytes and lowercase hex from the Web Crypto RNG, drawn from pools: a `RandomPool` is
 * refilled with one `getRandomValues` call per `size` bytes (instead of one native call per id),
 * and hands every byte out once. A refill makes a new buffer, so slices handed out earlier stay
 * valid. `randomHex` (request, script and audit ids) draws from a 1 KiB pool; trace and span ids
 * (src/engine/ids.ts) from their own 4 KiB one.
 */

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

/** Lowercase hex of `buf[start..end)`. */
export function hexOf(buf: Uint8Array, start = 0, end = buf.length): string {
  let out = "";
  for (let i = start; i < end; i++) out += HEX[buf[i] as number];
  return out;
}

export class RandomPool {
  private buf = new Uint8Array(0);
  private at = 0;

  constructor(private readonly size: number) {}

  /** `n` fresh random bytes (a view of the pool; larger requests than the pool are drawn alone). */
  take(n: number): Uint8Array {
    if (n > this.size) return crypto.getRandomValues(new Uint8Array(n));
    if (this.at + n > this.buf.length) {
      this.buf = crypto.getRandomValues(new Uint8Array(this.size));
      this.at = 0;
    }
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }

  /** Empties the pool: the next `take` draws afresh (tests). */
  reset(): void {
    this.buf = new Uint8Array(0);
    this.at = 0;
  }
}

const idPool = new RandomPool(1024);

/** Returns `bytes` random bytes as 2×bytes lowercase hex characters. */
export function randomHex(bytes: number): string {
  return hexOf(idPool.take(bytes));
}
