/**
 * The worker's HttpPort (src/engine/ports.ts): one `fetch` per request with `redirect: "manual"`
 * (the engine follows redirects itself, re-checking each hop), only the headers the script set
 * (nothing of the trigger call's own request — its Authorization, Cookie or signature headers —
 * is ever forwarded), and the body read chunk by chunk, aborted past the cap.
 */
import { type HttpPort, type OutboundResponse, PortError } from "../engine";

async function readCapped(body: ReadableStream<Uint8Array> | null, max: number): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel().catch(() => {});
      throw new PortError("too_large", `response larger than ${max} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The HttpPort used by the trigger route and the dry run. */
export const workerHttpPort: HttpPort = {
  async send(request, { signal, maxBodyBytes }): Promise<OutboundResponse> {
    let res: Response;
    try {
      res = await fetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        redirect: "manual",
        signal,
      });
    } catch (err) {
      if (signal.aborted) throw new PortError("aborted", "aborted");
      throw new PortError("network", err instanceof Error ? err.message : String(err));
    }
    const declared = Number(res.headers.get("content-length") ?? "0");
    if (declared > maxBodyBytes) {
      await res.body?.cancel().catch(() => {});
      throw new PortError("too_large", `response larger than ${maxBodyBytes} bytes`);
    }
    const headers: Record<string, string> = {};
    res.headers.forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
    try {
      const body = request.method === "HEAD" ? new Uint8Array(0) : await readCapped(res.body, maxBodyBytes);
      return { status: res.status, headers, body };
    } catch (err) {
      if (err instanceof PortError) throw err;
      if (signal.aborted) throw new PortError("aborted", "aborted");
      throw new PortError("network", err instanceof Error ? err.message : String(err));
    }
  },
};
