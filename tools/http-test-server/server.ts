/**
 * A small HTTP server on 127.0.0.1 for outbound-call tests and the bench (never part of the
 * product). Every answer is deterministic; nothing here sleeps to synchronise a test:
 *
 * - `GET|POST /echo`: 200 JSON `{ method, path, query, headers, body }` of the request.
 * - `/barrier?group=g&n=3&id=x`: holds each request until `n` requests of group `g` arrived, then
 *   answers them all `{ id, group, arrived }` — a sequential caller never gets past the first.
 * - `/hold?key=k` … answered when `/release?key=k` arrives (which answers `{ released }`).
 * - `/redirect?to=<url>&status=302`: a redirect.
 * - `/big?bytes=n&length=1`: n bytes of "x" (chunked; with `length=1` a Content-Length too).
 * - `/hang`: never answers (the client gives up).
 * - `/delay?ms=100`: answers after ms (the bench's slow endpoint).
 * - `/reputation?ip=…`: the demo reputation API (demo-reputation.ts).
 * - `/text`: a plain-text body.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { reputationOf } from "./demo-reputation";

export interface TestHttpServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Starts the server on 127.0.0.1 (port 0 = a free one). */
export async function startTestHttpServer(port = 0): Promise<TestHttpServer> {
  const barriers = new Map<string, { res: ServerResponse; id: string | null }[]>();
  const holds = new Map<string, ServerResponse[]>();
  const open = new Set<ServerResponse>();

  const server = createServer(async (req, res) => {
    open.add(res);
    res.on("close", () => open.delete(res));
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const q = (k: string) => url.searchParams.get(k);
    switch (url.pathname) {
      case "/echo": {
        const body = await readBody(req);
        return json(res, 200, {
          method: req.method,
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers: req.headers,
          body,
        });
      }
      case "/barrier": {
        const group = q("group") ?? "default";
        const n = Number(q("n") ?? 3);
        const waiting = barriers.get(group) ?? [];
        waiting.push({ res, id: q("id") });
        barriers.set(group, waiting);
        if (waiting.length >= n) {
          barriers.delete(group);
          for (const w of waiting) json(w.res, 200, { id: w.id, group, arrived: waiting.length });
        }
        return;
      }
      case "/hold": {
        const key = q("key") ?? "";
        holds.set(key, [...(holds.get(key) ?? []), res]);
        return;
      }
      case "/release": {
        const key = q("key") ?? "";
        const held = holds.get(key) ?? [];
        holds.delete(key);
        for (const h of held) json(h, 200, { key, released: true });
        return json(res, 200, { released: held.length });
      }
      case "/redirect": {
        res.writeHead(Number(q("status") ?? 302), { location: q("to") ?? "/echo" });
        return res.end();
      }
      case "/big": {
        const bytes = Number(q("bytes") ?? 0);
        res.writeHead(200, {
          "content-type": "text/plain",
          ...(q("length") ? { "content-length": bytes } : {}),
        });
        const chunk = Buffer.alloc(16 * 1024, "x");
        let left = bytes;
        const write = () => {
          while (left > 0) {
            const part = chunk.subarray(0, Math.min(chunk.length, left));
            left -= part.length;
            if (!res.write(part)) return void res.once("drain", write);
          }
          res.end();
        };
        res.on("error", () => {});
        return write();
      }
      case "/hang":
        return;
      case "/delay": {
        const timer = setTimeout(
          () => json(res, 200, { delayed_ms: Number(q("ms") ?? 100) }),
          Number(q("ms") ?? 100),
        );
        res.on("close", () => clearTimeout(timer));
        return;
      }
      case "/reputation":
        return json(res, 200, reputationOf(q("ip") ?? ""));
      case "/text":
        res.writeHead(200, { "content-type": "text/plain" });
        return res.end("plain text");
      default:
        return json(res, 404, { error: "not found" });
    }
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of open) res.destroy();
        server.close(() => resolve());
      }),
  };
}
