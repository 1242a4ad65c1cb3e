/**
 * HTTP helpers of the benchmark: a timed trigger call, admin calls, and the local libSQL
 * server's test controls (request counters and the SQL log). Only 127.0.0.1 URLs are used.
 */
import type { LoggedRequest } from "../tools/libsql-server/test-controls";
import { ADMIN_TOKEN, TRIGGER_TOKEN } from "./stack";

export interface TriggerAnswer {
  trace_id: string;
  status: string;
  decision: string;
  duration_ms: number;
}

export interface TimedTrigger {
  /** Client-side wall time around `fetch` + reading the body, in ms. */
  ms: number;
  answer: TriggerAnswer;
}

/**
 * Calls `POST /v1/triggers/{event}` and times it with `performance.now()`. A network error is
 * retried (see withNetworkRetry) and counted in {@link networkRetries}.
 * @throws on a non-200 answer, or the last network error.
 */
export async function timedTrigger(
  baseUrl: string,
  context: unknown,
  event = "before_signin",
): Promise<TimedTrigger> {
  const body = JSON.stringify(context);
  return withNetworkRetry(() => triggerOnce(baseUrl, event, body));
}

/** Network-level retries made so far (reported with the results). */
export let networkRetries = 0;

/**
 * Runs `fn`, retrying up to 4 times after a network error (fetch's TypeError): a keep-alive
 * socket the worker closed while this process was busy (the synchronous bulk insert), or wrangler
 * dev reloading after a source change. Each try is timed afresh by `fn`.
 */
async function withNetworkRetry<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof TypeError) || attempt >= 5) throw err;
      networkRetries += 1;
      await sleep(250 * attempt);
    }
  }
}

async function triggerOnce(baseUrl: string, event: string, body: string): Promise<TimedTrigger> {
  const t0 = performance.now();
  const res = await fetch(`${baseUrl}/v1/triggers/${event}`, {
    method: "POST",
    headers: { authorization: `Bearer ${TRIGGER_TOKEN}`, "content-type": "application/json" },
    body,
  });
  const text = await res.text();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`trigger answered ${res.status}: ${text.slice(0, 300)}`);
  return { ms, answer: JSON.parse(text) as TriggerAnswer };
}

/** An admin-token request (network errors retried); returns status, parsed JSON body and client-side ms. */
export async function adminCall(
  baseUrl: string,
  method: "GET" | "POST",
  path: string,
): Promise<{ status: number; body: any; ms: number }> {
  return withNetworkRetry(() => adminOnce(baseUrl, method, path));
}

async function adminOnce(baseUrl: string, method: string, path: string) {
  const t0 = performance.now();
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  const text = await res.text();
  const ms = performance.now() - t0;
  return { status: res.status, body: text ? JSON.parse(text) : null, ms };
}

export type { LoggedRequest };

export interface DbStats {
  pipeline_requests: number;
  requests: LoggedRequest[];
}

/** `GET /_test/stats` of the local libSQL server. */
export async function dbStats(dbUrl: string): Promise<DbStats> {
  const res = await fetch(`${dbUrl}/_test/stats`);
  if (!res.ok) throw new Error(`/_test/stats answered ${res.status}`);
  return (await res.json()) as DbStats;
}

/** `POST /_test/reset`: clears the request counter and log. */
export async function resetDbStats(dbUrl: string): Promise<void> {
  const res = await fetch(`${dbUrl}/_test/reset`, { method: "POST" });
  await res.text();
  if (!res.ok) throw new Error(`/_test/reset answered ${res.status}`);
}

/** What a logged database request did, from its SQL text. */
export type RequestKind = "trace_insert" | "script_read" | "other";

/** Classifies a logged `/v2/pipeline` request by the statements it carried. */
export function classify(req: LoggedRequest): RequestKind {
  const sql = req.sql.join("\n").toLowerCase();
  if (/insert into "?pipeline_traces"?/.test(sql)) return "trace_insert";
  // The script cache's load names its tables in qualified columns ("pipeline_scripts"."id", …):
  // the logged text is cut at 300 characters, often before its FROM.
  if (/"pipeline_scripts"|"pipeline_script_versions"/.test(sql)) return "script_read";
  return "other";
}

/** Counts logged requests by kind. */
export function countKinds(reqs: LoggedRequest[]): Record<RequestKind, number> {
  const out: Record<RequestKind, number> = { trace_insert: 0, script_read: 0, other: 0 };
  for (const r of reqs) out[classify(r)] += 1;
  return out;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
