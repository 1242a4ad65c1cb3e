/**
 * Test helper for scans of everything stored: a blob column's value as text a scan can search.
 * The span sets store their spans deflated (src/db/deflate.ts); a scan that read those bytes
 * as they are could never find a secret or an erased user's data in them, so every blob is
 * inflated when it is deflate data, and shown as hex otherwise.
 */
import { storedText, toHex } from "../../src/db/deflate";

/** The searchable text of a stored value (non-blobs unchanged). */
export function searchable(value: unknown): unknown {
  if (!(value instanceof ArrayBuffer) && !(value instanceof Uint8Array)) return value;
  const bytes = value instanceof Uint8Array ? value : new Uint8Array(value);
  try {
    return storedText(bytes);
  } catch {
    return toHex(bytes);
  }
}
