/**
 * The HTTP routes behind the server: `/v2/pipeline` (with the test-controls fault and log around
 * it) and `/_test/*`. Each returns the request types it saw, for the per-request log line.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { decodePipelineBody, type PipelineBody } from "./decode";
import { ProtocolError, StreamExpiredError } from "./errors";
import { parseJson, readBody, sendJson, sendText, TOO_LARGE } from "./http-util";
import { runPipeline } from "./pipeline";
import type { StreamRegistry } from "./streams";
import type { TestControls } from "./test-controls";

export interface RouteContext {
  registry: StreamRegistry;
  controls: TestControls | undefined;
  maxBodyBytes: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** SQL texts a body names inline or through its own `store_sql` (for faulted requests). */
function staticSql(body: PipelineBody): string[] {
  const stored = new Map<number, string>();
  const out: string[] = [];
  const pick = (s: { sql?: string; sqlId?: number }) => {
    const sql = s.sql ?? (s.sqlId === undefined ? undefined : stored.get(s.sqlId));
    if (sql !== undefined) out.push(sql);
  };
  for (const r of body.requests) {
    if (r.type === "store_sql") stored.set(r.sqlId, r.sql);
    else if (r.type === "execute") pick(r.stmt);
    else if (r.type === "batch") for (const step of r.steps) pick(step.stmt);
    else if (r.type === "sequence" || r.type === "describe") pick(r);
  }
  return out;
}

/** `POST /v2/pipeline`. @returns the request types, for the log line. */
export async function pipelineRoute(
  ctx: RouteContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<string[]> {
  const raw = await readBody(req, ctx.maxBodyBytes);
  let body: PipelineBody | undefined;
  let status: number | undefined;
  let sql: string[] = [];
  ctx.controls?.begin();
  try {
    if (raw === TOO_LARGE) {
      status = 413;
      res.setHeader("connection", "close");
      sendText(res, 413, `Request body is larger than ${ctx.maxBodyBytes} bytes`);
      return [];
    }
    const parsed = parseJson(raw);
    if (!parsed.ok) {
      status = 400;
      sendText(res, 400, `Cannot decode the request body as JSON: ${parsed.error}`);
      return [];
    }
    try {
      body = decodePipelineBody(parsed.value);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      status = 400;
      sendText(res, 400, `Invalid request body: ${err.message}`);
      return [];
    }
    const fault = ctx.controls?.takeFault();
    if (fault?.mode === "http500") {
      sql = staticSql(body);
      status = 500;
      sendText(res, 500, "Injected fault: http500");
      return body.requests.map((r) => r.type);
    }
    if (fault?.mode === "drop") {
      sql = staticSql(body);
      status = 0;
      req.socket.destroy();
      return body.requests.map((r) => r.type);
    }
    if (fault?.mode === "delay") await sleep(fault.delay_ms);
    if (fault?.mode === "hold") await ctx.controls?.whileHeld();
    try {
      const answer = await runPipeline(ctx.registry, body, (s) => sql.push(s));
      if (fault?.mode === "drop_after_commit") {
        // The request ran and committed; the answer is lost on the way back.
        status = 0;
        req.socket.destroy();
        return body.requests.map((r) => r.type);
      }
      status = 200;
      sendJson(res, 200, answer);
    } catch (err) {
      if (err instanceof StreamExpiredError) {
        status = 500;
        sendJson(res, 500, { message: err.message, code: err.code });
      } else if (err instanceof ProtocolError) {
        status = 400;
        sendText(res, 400, err.message);
      } else {
        throw err;
      }
    }
    return body.requests.map((r) => r.type);
  } finally {
    const types = body?.requests.map((r) => r.type) ?? [];
    ctx.controls?.record(status ?? 500, types, sql);
  }
}

/** `/_test/*` (only mounted with test controls on). */
export async function testControlsRoute(
  controls: TestControls,
  registry: StreamRegistry,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  if (path === "/_test/stats" && req.method === "GET") {
    sendJson(res, 200, { ...controls.stats(), open_streams: registry.openCount });
  } else if (path === "/_test/reset" && req.method === "POST") {
    controls.reset();
    sendJson(res, 200, { ok: true, pipeline_requests: controls.stats().pipeline_requests });
  } else if (path === "/_test/fault" && req.method === "POST") {
    const raw = await readBody(req, 64 * 1024);
    const parsed = raw === TOO_LARGE ? undefined : parseJson(raw);
    const fault = parsed?.ok ? controls.setFault(parsed.value) : "expected a JSON body";
    if (typeof fault === "string") sendText(res, 400, fault);
    else sendJson(res, 200, fault);
  } else {
    sendText(res, 404, "Not found");
  }
}
