/**
 * The engine's HttpPort for offline runs: answers from a map of URL → `{ status, json }` (a test
 * case's `http`), never the network. A URL that is not in the map fails like an unreachable
 * host, and the message names it, so a case says exactly which call it forgot to stub.
 */
import { type HttpPort, PortError } from "../src/engine";

export function stubHttpPort(stubs: Record<string, { status: number; json?: unknown }>): HttpPort {
  return {
    async send(request) {
      const stub = stubs[request.url];
      if (!stub) throw new PortError("network", `no stub for ${request.method} ${request.url} in the case's "http"`);
      const body = stub.json === undefined ? "" : JSON.stringify(stub.json);
      return {
        status: stub.status,
        headers: (stub.json === undefined ? {} : { "content-type": "application/json" }) as Record<string, string>,
        body: new TextEncoder().encode(body),
      };
    },
  };
}
