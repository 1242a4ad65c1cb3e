/** Random lowercase hex strings (request ids, script ids) from the Web Crypto RNG. */

/** Returns `bytes` random bytes as 2×bytes lowercase hex characters. */
export function randomHex(bytes: number): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  let out = "";
  for (const b of buf) out += b.toString(16).padStart(2, "0");
  return out;
}
