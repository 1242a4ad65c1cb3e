/**
 * Raw DEFLATE (RFC 1951) of stored JSON text, with the platform's CompressionStream (workerd and
 * Node 20 both have "deflate-raw"): the span sets store their packed spans this way.
 * `storedText` reads such a column back whatever it holds: deflated bytes, or plain text (sets
 * carried over by migration 0007 are plain JSON text).
 */

async function through(
  bytes: Uint8Array | ArrayBuffer | string,
  stream: CompressionStream | DecompressionStream,
) {
  const piped = new Blob([bytes]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(piped).arrayBuffer());
}

/** Deflates UTF-8 text. */
export function deflateText(text: string): Promise<Uint8Array> {
  return through(text, new CompressionStream("deflate-raw"));
}

/** The text of a stored column: inflated when it holds bytes, as is when it holds text. */
export async function storedText(value: string | ArrayBuffer | Uint8Array): Promise<string> {
  if (typeof value === "string") return value;
  return new TextDecoder().decode(await through(value, new DecompressionStream("deflate-raw")));
}

/** Lowercase hex of bytes (how a blob travels inside a JSON statement parameter). */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}
