/**
 * One `http.fetch` call, Lua-free: the limits, the per-trigger request cap, the egress policy
 * (egress.ts) checked before the first request and for every redirect hop, manual redirects,
 * the per-call timeout, and the record that becomes the call's CLIENT span. I/O goes through
 * the HttpPort and Clock handed in (ports.ts).
 */
import { checkUrl, displayUrl, type EgressPolicy, parseUrl } from "./egress";
import type { Clock, HttpMethod, HttpPort, OutboundResponse } from "./ports";
import { PortError, SETTLED } from "./ports";

/** Limits of outbound HTTP (documented in docs/scripts.md). */
export interface HttpLimits {
  /** http.fetch calls per script run. */
  maxCallsPerRun: number;
  /** Largest response body, enforced while reading. */
  maxBodyBytes: number;
  defaultTimeoutMs: number;
  maxTimeoutMs: number;
  /** Redirect hops followed per call (each re-checked against the policy). */
  maxRedirects: number;
}

export const HTTP_DEFAULTS: HttpLimits = {
  maxCallsPerRun: 10,
  maxBodyBytes: 256 * 1024,
  defaultTimeoutMs: 2000,
  maxTimeoutMs: 10_000,
  maxRedirects: 3,
};

/** What a script asked for, already read from Lua. */
export interface FetchRequest {
  url: string;
  method: HttpMethod;
  headers: Record<string, string>;
  body: Uint8Array | null;
  timeoutMs: number;
}

export interface FetchResponse extends OutboundResponse {
  url: string;
}

export type FetchAnswer = { ok: true; response: FetchResponse } | { ok: false; message: string };

/** What a CLIENT span stores about one call (never a body, never query values). */
export interface HttpCallRecord {
  method: HttpMethod;
  /** `url.full` without query values. */
  url: string;
  host: string;
  startedAt: number;
  durationMs: number;
  status: number | null;
  /** OpenTelemetry `error.type`: refused, timeout, too_large, too_many_calls, network, http_off, deadline, or a 4xx/5xx status. */
  errorType: string | null;
  error: string | null;
  responseBytes: number;
  redirects: number;
}

/** One trigger call's outbound requests: the port, the shared cap, the insecure-http list. */
export class TriggerHttp {
  private sent = 0;
  constructor(
    readonly port: HttpPort | null,
    readonly clock: Clock,
    /** Outbound requests (redirect hops included) the whole trigger call may make. */
    readonly maxRequests: number,
    readonly insecureHosts: readonly string[],
    readonly limits: HttpLimits = HTTP_DEFAULTS,
  ) {}

  /** Takes one request from the cap; false when it is used up. */
  take(): boolean {
    if (this.sent >= this.maxRequests) return false;
    this.sent++;
    return true;
  }

  get requests(): number {
    return this.sent;
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers a script may not set (the runtime owns them). */
export const FORBIDDEN_HEADERS = new Set(["host", "content-length", "connection", "transfer-encoding"]);
/** Dropped when a redirect leaves the original origin. */
const CREDENTIAL_HEADERS = ["authorization", "cookie", "proxy-authorization"];

/** A new record for a call to `url` (display form computed here). */
export function newRecord(
  req: Pick<FetchRequest, "url" | "method">,
  now: number,
  parsed: URL | null = parseUrl(req.url),
): HttpCallRecord {
  const url = parsed ? displayUrl(parsed) : req.url.slice(0, 200);
  const host = parsed ? parsed.hostname : "";
  return {
    method: req.method,
    url,
    host,
    startedAt: now,
    durationMs: 0,
    status: null,
    errorType: null,
    error: null,
    responseBytes: 0,
    redirects: 0,
  };
}

/** Marks a record failed and returns the Lua error message. */
export function fail(rec: HttpCallRecord, clock: Clock, errorType: string, message: string): string {
  if (rec.error !== null) return rec.error; // the first failure (e.g. a deadline) wins
  rec.errorType = errorType;
  rec.error = `http.fetch: ${message}`;
  rec.durationMs = Math.max(0, clock.now() - rec.startedAt);
  return rec.error;
}

/**
 * The checks done before anything is sent: the call count, the policy, HTTP off.
 * @returns the error message (the record is marked failed), or null to go ahead.
 */
export function precheck(
  req: FetchRequest,
  rec: HttpCallRecord,
  callsSoFar: number,
  policy: EgressPolicy,
  http: TriggerHttp,
  parsed?: URL | null,
): string | null {
  const { clock, limits } = http;
  if (callsSoFar > limits.maxCallsPerRun) {
    return fail(rec, clock, "too_many_calls", `too many calls (at most ${limits.maxCallsPerRun} per run)`);
  }
  const check = checkUrl(req.url, policy, parsed);
  if (!check.ok) return fail(rec, clock, "refused", `refused: ${check.reason}`);
  if (http.port === null) return fail(rec, clock, "http_off", "HTTP is off for this run");
  return null;
}

/**
 * Sends the request, following up to `maxRedirects` redirects (each hop re-checked), within
 * `req.timeoutMs` overall. Never rejects: failures are answers with the message a script sees.
 * @param inflight where the call leaves its stop while it runs: the driver calls it at the
 *   script's or the trigger's deadline
 */
export async function sendFetch(
  req: FetchRequest,
  rec: HttpCallRecord,
  policy: EgressPolicy,
  http: TriggerHttp,
  inflight: Set<() => void>,
  parsed?: URL | null,
): Promise<FetchAnswer> {
  const { clock, limits } = http;
  const port = http.port as HttpPort;
  const controller = new AbortController();
  const stop = () => controller.abort();
  inflight.add(stop);
  const timer = clock.timer(req.timeoutMs);
  const timedOut = timer.done.then(() => "timeout" as const);
  let url = parsed ?? new URL(req.url);
  let { method, body } = req;
  const headers = { ...req.headers };
  try {
    for (let hop = 0; ; hop++) {
      if (!http.take()) {
        return no(
          fail(rec, clock, "too_many_calls", `per-trigger request cap reached (${http.maxRequests})`),
        );
      }
      const sent = port.send(
        { url: url.href, method, headers, body },
        {
          signal: controller.signal,
          maxBodyBytes: limits.maxBodyBytes,
        },
      );
      let res: OutboundResponse | "timeout";
      try {
        res = await Promise.race([sent, timedOut]);
      } catch (err) {
        return no(portFailure(rec, clock, err, limits.maxBodyBytes));
      }
      if (res === "timeout") {
        sent.catch(() => {});
        return no(fail(rec, clock, "timeout", `timed out after ${req.timeoutMs} ms`));
      }
      const location = res.headers.location;
      if (!REDIRECTS.has(res.status) || location === undefined) {
        if (rec.error !== null) return no(rec.error);
        rec.status = res.status;
        rec.responseBytes = res.body.length;
        rec.errorType = res.status >= 400 ? String(res.status) : null; // OTel: 4xx/5xx mark a CLIENT span failed
        rec.durationMs = Math.max(0, clock.now() - rec.startedAt);
        return { ok: true, response: { ...res, url: url.href } };
      }
      if (hop >= limits.maxRedirects) {
        return no(fail(rec, clock, "refused", `too many redirects (at most ${limits.maxRedirects})`));
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        return no(fail(rec, clock, "refused", "redirect to an invalid URL"));
      }
      const check = checkUrl(next.href, policy);
      if (!check.ok) return no(fail(rec, clock, "refused", `redirect refused: ${check.reason}`));
      if (next.origin !== url.origin) for (const h of CREDENTIAL_HEADERS) delete headers[h];
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === "POST")) {
        method = method === "HEAD" ? "HEAD" : "GET";
        body = null;
        delete headers["content-type"];
      }
      rec.redirects++;
      url = next;
    }
  } finally {
    inflight.delete(stop);
    timer.cancel();
    controller.abort(SETTLED);
  }
}

function no(message: string): FetchAnswer {
  return { ok: false, message };
}

function portFailure(rec: HttpCallRecord, clock: Clock, err: unknown, maxBody: number): string {
  if (err instanceof PortError && err.code === "too_large") {
    return fail(rec, clock, "too_large", `response larger than ${maxBody} bytes`);
  }
  if (err instanceof PortError && err.code === "aborted") return fail(rec, clock, "deadline", "aborted");
  const detail = err instanceof Error ? err.message : "no answer";
  return fail(rec, clock, "network", `network error: ${detail}`);
}
