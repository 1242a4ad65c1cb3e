/**
 * Shared helpers for the worker tests (they run inside workerd): calls to the worker with the
 * test tokens, a drizzle handle on the same local libSQL server the worker uses, the server's
 * test controls (request counts, fault injection), and polling for rows written in waitUntil.
 */
import { env, SELF } from "cloudflare:test";
import { createDatabase } from "../../src/db/client";

export const ADMIN = { authorization: `Bearer ${env.ADMIN_TOKEN}` };
export const TRIGGER = { authorization: `Bearer ${env.TRIGGER_TOKEN}` };

/** A drizzle client on the test database (the real local libSQL server, over HTTP). */
export function testDb() {
  return createDatabase({ TURSO_DATABASE_URL: env.TURSO_DATABASE_URL, TURSO_AUTH_TOKEN: undefined });
}

/** Calls the worker. `json` sets the body and content type. */
export async function call(
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; json?: unknown; body?: BodyInit } = {},
): Promise<Response> {
  const headers: Record<string, string> = { ...opts.headers };
  let body = opts.body;
  if (opts.json !== undefined) {
    headers["content-type"] ??= "application/json";
    body = JSON.stringify(opts.json);
  }
  return SELF.fetch(`http://hookline.test${path}`, { method, headers, body });
}

/** Admin-authenticated JSON call; returns status and parsed body. */
export async function admin<T = any>(method: string, path: string, json?: unknown) {
  const res = await call(method, path, { headers: ADMIN, json });
  return { status: res.status, body: (await res.json()) as T, res };
}

/** A name no other test uses (trigger events, user ids), so tests sharing one database never collide. */
export function unique(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
}

/** Polls `probe` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface ServerStats {
  pipeline_requests: number;
  requests: { seq: number; at_ms: number; status: number; types: string[]; sql: string[] }[];
}

/** The local libSQL server's test controls (enabled only in tests and benchmarks). */
export const dbControl = {
  async stats(): Promise<ServerStats> {
    return (await fetch(`${env.DB_CONTROL_URL}/_test/stats`)).json();
  },
  async reset(): Promise<void> {
    await fetch(`${env.DB_CONTROL_URL}/_test/reset`, { method: "POST" });
  },
  async fault(
    mode: "none" | "http500" | "delay" | "drop" | "drop_after_commit",
    delayMs?: number,
  ): Promise<void> {
    const res = await fetch(`${env.DB_CONTROL_URL}/_test/fault`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ mode, delay_ms: delayMs }),
    });
    if (!res.ok) throw new Error(`fault control failed: ${res.status}`);
  },
};

/**
 * Calls the worker's fetch handler directly with modified bindings (e.g. a missing secret or
 * FAIL_MODE=open), waiting for its waitUntil work. Same module instance as SELF uses.
 */
export async function callWithEnv(
  overrides: Record<string, string | undefined>,
  method: string,
  path: string,
  opts: {
    headers?: Record<string, string>;
    json?: unknown;
    body?: BodyInit;
    waitForBackground?: boolean;
  } = {},
): Promise<Response> {
  const { createExecutionContext, waitOnExecutionContext } = await import("cloudflare:test");
  const worker = (await import("../../src/index")).default;
  const headers: Record<string, string> = { ...opts.headers };
  let body = opts.body;
  if (opts.json !== undefined) {
    headers["content-type"] ??= "application/json";
    body = JSON.stringify(opts.json);
  }
  const bindings: Record<string, unknown> = { ...env, ...overrides };
  // The queue's consumer writes to the suite's database: a call aimed at another database must
  // not hand its traces to it (they would land later, in another test's request counts).
  if ("TURSO_DATABASE_URL" in overrides && !("TRACE_QUEUE" in overrides)) delete bindings.TRACE_QUEUE;
  for (const key of Object.keys(bindings)) if (bindings[key] === undefined) delete bindings[key];
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`http://hookline.test${path}`, { method, headers, body }),
    bindings as never,
    ctx,
  );
  if (opts.waitForBackground !== false) await waitOnExecutionContext(ctx);
  return res;
}

/** Creates a script through the API (layer 0, slot 0 unless overridden); fails the test if refused. */
export async function createScript(event: string, source: string, fields: Record<string, unknown> = {}) {
  const res = await admin("POST", "/v1/scripts", {
    name: "script",
    trigger_event: event,
    layer_index: 0,
    parallel_index: 0,
    source,
    ...fields,
  });
  if (res.status !== 201) throw new Error(`script not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; [key: string]: unknown };
}

/** A trigger call with the trigger token; returns the response and its parsed body. */
export async function fireTrigger(event: string, context: unknown, headers: Record<string, string> = {}) {
  const res = await call("POST", `/v1/triggers/${event}`, {
    headers: { ...TRIGGER, ...headers },
    json: context,
  });
  return { res, body: (await res.json()) as any };
}
