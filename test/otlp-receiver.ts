/**
 * A test OTLP/HTTP receiver (Node, started by test/global-setup.ts). It decodes every
 * `POST /v1/traces` body with the official opentelemetry-proto definitions as generated into
 * `@opentelemetry/otlp-transformer` (protobufjs), never with Hookline's own mapping:
 * - `application/x-protobuf`: `ExportTraceServiceRequest.decode`;
 * - `application/json`: every key must be a field of the official message at that place (an
 *   unknown or misspelt key is a 400), then `fromObject` (ids hex → bytes, as OTLP/JSON says).
 * Decoded requests are kept as plain objects (ids as lowercase hex, int64 as decimal strings).
 *   GET /_otlp/received, POST /_otlp/reset, POST /_otlp/fail {"count","status"}
 */

import { createServer, type IncomingMessage, type Server } from "node:http";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
// The generated protobufjs code, untyped here.
const root: any = require("@opentelemetry/otlp-transformer/build/src/generated/root.js");
const Request = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

export interface Received {
  contentType: string;
  testHeader: string | null;
  request?: unknown;
  error?: string;
}

const ID_FIELDS = new Set(["traceId", "spanId", "parentSpanId"]);
const toObjectOptions = { longs: String, enums: Number, bytes: String, defaults: true, arrays: true };

/** base64 ids (protobufjs) → hex, everywhere in a decoded object. */
function idsToHex(value: unknown, key = ""): unknown {
  if (ID_FIELDS.has(key) && typeof value === "string") return Buffer.from(value, "base64").toString("hex");
  if (Array.isArray(value)) return value.map((v) => idsToHex(v));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, idsToHex(v, k)]));
  return value;
}

/** OTLP/JSON hex ids → base64 for protobufjs `fromObject`. */
function idsToBase64(value: unknown, key = ""): unknown {
  if (ID_FIELDS.has(key) && typeof value === "string") {
    if (!/^([0-9a-f]{2})*$/.test(value)) throw new Error(`${key} is not lowercase hex: ${value}`);
    return Buffer.from(value, "hex").toString("base64");
  }
  if (Array.isArray(value)) return value.map((v) => idsToBase64(v));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, idsToBase64(v, k)]));
  return value;
}

/** Every key of `sent` must exist in `full` (the official message with defaults expanded). */
function checkKeys(sent: unknown, full: unknown, path: string): void {
  if (Array.isArray(sent)) {
    sent.forEach((v, i) => {
      checkKeys(v, (full as unknown[])[i], `${path}[${i}]`);
    });
    return;
  }
  if (!sent || typeof sent !== "object") return;
  for (const [k, v] of Object.entries(sent)) {
    if (!full || typeof full !== "object" || !(k in full)) throw new Error(`unknown field ${path}.${k}`);
    checkKeys(v, (full as Record<string, unknown>)[k], `${path}.${k}`);
  }
}

function decode(contentType: string, body: Buffer): unknown {
  if (contentType.startsWith("application/x-protobuf")) {
    return idsToHex(Request.toObject(Request.decode(body), toObjectOptions));
  }
  if (!contentType.startsWith("application/json")) throw new Error(`unexpected content-type ${contentType}`);
  const sent = JSON.parse(body.toString("utf8"));
  // (No `verify`: it wants int64 as numbers, while the OTLP/JSON mapping sends decimal strings,
  // which `fromObject` parses exactly.)
  const converted = idsToBase64(sent);
  const full = Request.toObject(Request.fromObject(converted), toObjectOptions);
  checkKeys(converted, full, "");
  return idsToHex(full);
}

const readBody = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });

/** Starts the receiver on a free 127.0.0.1 port. */
export async function startOtlpReceiver(): Promise<{ url: string; close(): Promise<void> }> {
  let received: Received[] = [];
  let fail = { count: 0, status: 503 };
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    if (path === "/_otlp/received") return json(200, received);
    if (path === "/_otlp/reset") {
      received = [];
      fail = { count: 0, status: 503 };
      return json(200, {});
    }
    if (path === "/_otlp/fail") {
      fail = { status: 503, ...JSON.parse(body.toString("utf8")) };
      return json(200, fail);
    }
    if (path !== "/v1/traces" || req.method !== "POST") return json(404, {});
    const contentType = req.headers["content-type"] ?? "";
    const entry: Received = { contentType, testHeader: (req.headers["x-test-key"] as string) ?? null };
    received.push(entry);
    if (fail.count > 0) {
      fail.count -= 1;
      return json(fail.status, {});
    }
    try {
      entry.request = decode(contentType, body);
    } catch (err) {
      entry.error = (err as Error).message;
      return json(400, { error: entry.error });
    }
    if (contentType.startsWith("application/x-protobuf")) {
      res.writeHead(200, { "content-type": "application/x-protobuf" });
      return res.end();
    }
    return json(200, {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
