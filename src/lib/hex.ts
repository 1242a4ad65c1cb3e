/**
 * Random lowercase hex strings (request ids, script ids, audit ids) from the Web Crypto RNG. The
 * bytes come from a pool filled by one `getRandomValues` call per 1 KiB (every request needs a
 * request id; one call per id was a native call per request); each byte is used once.
 */

const POOL_BYTES = 1024;
const pool = new Uint8Array(POOL_BYTES);
let used = POOL_BYTES;
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

/** Returns `bytes` random bytes as 2×bytes lowercase hex characters. */
export function randomHex(bytes: number): string {
  if (bytes > POOL_BYTES) {
    const buf = crypto.getRandomValues(new Uint8Array(bytes));
    return Array.from(buf, (b) => HEX[b]).join("");
  }
  if (used + bytes > POOL_BYTES) {
    crypto.getRandomValues(pool);
    used = 0;
  }
  let out = "";
  for (let i = used; i < used + bytes; i++) out += HEX[pool[i] as number];
  used += bytes;
  return out;
}
