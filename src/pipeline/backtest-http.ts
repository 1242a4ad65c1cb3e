/**
 * The engine ports of a backtest or replay, by `http` mode (the engine still applies each
 * script's egress policy, timeouts and caps; these only decide what a permitted call reaches):
 *
 * - `off` (default): no HTTP port, so every http.fetch fails at once ("HTTP is off for this run").
 * - `recorded`: answers from the original trace's CLIENT spans, matched by method and stored URL
 *   (`url.full`, query values removed) in recorded order: the recorded status with no headers and
 *   an empty body. A call with no recorded match, or whose recording failed, is a network error.
 * - `live`: the worker's real fetch, but only GET and HEAD unless `allow_writes` is true.
 */
import { displayUrl, type EnginePorts, type HttpPort, PortError, systemClock } from "../engine";
import { parseJsonColumn } from "../lib/json-column";
import { workerHttpPort } from "./http-port";

export type HttpMode = "off" | "recorded" | "live";

/** One outbound call as a CLIENT span recorded it. */
export interface RecordedCall {
  method: string;
  url: string;
  /** null when the call failed (no answer was received). */
  status: number | null;
  errorType: string | null;
}

/** The recorded calls among a trace's spans (CLIENT spans, in the order they were read). */
export function recordedCalls(spans: { kind?: string | null; attributes?: string | null }[]): RecordedCall[] {
  const calls: RecordedCall[] = [];
  for (const s of spans) {
    if (s.kind !== "CLIENT") continue;
    const a = (parseJsonColumn(s.attributes) ?? {}) as Record<string, unknown>;
    calls.push({
      method: String(a["http.request.method"] ?? ""),
      url: String(a["url.full"] ?? ""),
      status: typeof a["http.response.status_code"] === "number" ? a["http.response.status_code"] : null,
      errorType: typeof a["error.type"] === "string" ? a["error.type"] : null,
    });
  }
  return calls;
}

/** A port that replays `calls`: each recorded call answers at most once. */
export function recordedHttpPort(calls: readonly RecordedCall[]): HttpPort {
  const used = new Set<number>();
  return {
    async send(request) {
      let url = request.url;
      try {
        url = displayUrl(new URL(request.url));
      } catch {}
      const i = calls.findIndex((c, j) => !used.has(j) && c.method === request.method && c.url === url);
      const call = calls[i];
      if (!call) throw new PortError("network", `no recorded call for ${request.method} ${url}`);
      used.add(i);
      if (call.status === null)
        throw new PortError("network", `the recorded call failed (${call.errorType ?? "no answer"})`);
      return { status: call.status, headers: {}, body: new Uint8Array(0) };
    },
  };
}

/** The worker's fetch, refusing every method but GET and HEAD unless writes are allowed. */
export function liveHttpPort(allowWrites: boolean, inner: HttpPort = workerHttpPort): HttpPort {
  if (allowWrites) return inner;
  return {
    send(request, options) {
      if (request.method !== "GET" && request.method !== "HEAD")
        return Promise.reject(
          new PortError("network", `${request.method} is not sent in a backtest without allow_writes: true`),
        );
      return inner.send(request, options);
    },
  };
}

/** The ports of one re-run; `calls` are the original trace's (used by `recorded` only). */
export function rerunPorts(
  mode: HttpMode,
  allowWrites: boolean,
  calls: readonly RecordedCall[],
): EnginePorts {
  if (mode === "recorded") return { http: recordedHttpPort(calls), clock: systemClock };
  if (mode === "live") return { http: liveHttpPort(allowWrites), clock: systemClock };
  return { http: null, clock: systemClock };
}
