/**
 * Small HTTP helpers: bounded body reading, answers in the content types the client expects,
 * bearer-token checking.
 */
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/** Returned by `readBody` when the body is larger than allowed. */
export const TOO_LARGE = Symbol("too large");

/** Bodies this much over the cap are not drained any more: the socket is dropped after 413. */
const DRAIN_SLACK_BYTES = 64 * 1024 * 1024;

/**
 * Reads a request body of at most `max` bytes. A larger body is drained (so the client reads our
 * 413 rather than a broken pipe) up to a slack, then dropped.
 */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer | typeof TOO_LARGE> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? 0);
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = declared > max;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) tooLarge = true;
      if (tooLarge) {
        chunks.length = 0;
        if (size > max + DRAIN_SLACK_BYTES) {
          req.pause();
          resolve(TOO_LARGE);
        }
      } else {
        chunks.push(chunk);
      }
    });
    req.on("end", () => resolve(tooLarge ? TOO_LARGE : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) return;
  res.writeHead(status, {
    "content-type": "text/plain",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** True when no token is configured or the request carries `Authorization: Bearer <token>`. */
export function isAuthorized(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const header = req.headers.authorization ?? "";
  const m = /^Bearer\s+(.+)$/i.exec(header);
  if (!m?.[1]) return false;
  const got = Buffer.from(m[1].trim());
  const want = Buffer.from(token);
  return got.length === want.length && timingSafeEqual(got, want);
}

/** Decodes strict UTF-8 then JSON. @returns the value, or an error message. */
export function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(body);
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
