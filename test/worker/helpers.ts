/**
 * Shared helpers for the worker tests (they run inside workerd): calls to the worker with the
 * test tokens, a drizzle handle on the same local libSQL server the worker uses, the server's
 * test controls (request counts, fault injection), and polling for rows written in waitUntil.
 */
import { env, SELF } from "cloudflare:test";
import { createDatabase } from "../../src/db/client";

export { eventually, eventuallyValue } from "../poll";

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

export interface ServerStats {
  pipeline_requests: number;
  /** Requests received and not yet answered (held, or running). */
  in_flight: number;
  requests: { seq: number; at_ms: number; status: number; types: string[]; sql: string[] }[];
}

/**
 * Clears the counters of the local libSQL server at `url`; throws unless it answers exactly
 * `{ok: true, pipeline_requests: 0}` (a wrong URL, a server without test controls, or one that
 * kept counting must not pass silently: every count a test reads after it would be wrong).
 */
export async function resetTestServer(url: string): Promise<void> {
  let res: Response;
  try {
    res = await fetch(`${url}/_test/reset`, { method: "POST" });
  } catch (err) {
    throw new Error(`dbControl.reset: the server did not reset (${String(err)})`);
  }
  const text = await res.text();
  let answer: { ok?: unknown; pipeline_requests?: unknown } | undefined;
  try {
    answer = JSON.parse(text);
  } catch {}
  if (!res.ok || answer?.ok !== true || answer.pipeline_requests !== 0)
    throw new Error(`dbControl.reset: the server did not reset (${res.status} ${text.slice(0, 200)})`);
}

/**
 * Whether a logged request read the scripts table. The server cuts logged SQL to 300 characters,
 * so the script query's `from` clause is not in the log: its qualified column list is.
 */
export const isScriptRead = (sql: string[]) => sql.some((s) => /^select "pipeline_scripts"\./i.test(s));

/** Whether a logged request inserted traces. */
export const isTraceInsert = (sql: string[]) => sql.some((s) => /^insert into "pipeline_traces"/i.test(s));

export type FaultMode = "none" | "http500" | "delay" | "drop" | "drop_after_commit" | "hold";

/** The local libSQL server's test controls (enabled only in tests and benchmarks). */
export const dbControl = {
  async stats(): Promise<ServerStats> {
    return (await fetch(`${env.DB_CONTROL_URL}/_test/stats`)).json();
  },
  /** Clears the server's counters; throws unless the server answers that its counter is 0. */
  reset: (): Promise<void> => resetTestServer(env.DB_CONTROL_URL),
  /** Sets the server's fault; with `times`, only for that many requests (then none again). */
  async fault(mode: FaultMode, delayMs?: number, times?: number): Promise<void> {
    const res = await fetch(`${env.DB_CONTROL_URL}/_test/fault`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ mode, delay_ms: delayMs, times }),
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

/**
 * A trigger call in the test's own request context (callWithEnv, not SELF) that does not wait
 * for its trace write: with faked timers, the test can then fire the writer's flush timer itself
 * without touching I/O that belongs to another request.
 */
export async function fireDetached(
  event: string,
  context: unknown,
  overrides: Record<string, string | undefined> = {},
) {
  const res = await callWithEnv(overrides, "POST", `/v1/triggers/${event}`, {
    headers: TRIGGER,
    json: context,
    waitForBackground: false,
  });
  return { status: res.status, body: (await res.json()) as any };
}
