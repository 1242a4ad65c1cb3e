/**
 * The DEMO IP-reputation API served by `npm start` on 127.0.0.1 (and by the test server): a
 * fixed, made-up answer per address, so the example pipeline's `IP Reputation` script can show
 * http.fetch offline. Not a real reputation service: it only knows two documentation ranges.
 */

/** Documentation ranges (RFC 5737) the demo calls "bad"; everything else is "ok". */
const BAD_PREFIXES = ["198.51.100.", "192.0.2."];

/** The demo verdict for an IP: `{ ip, reputation: "bad" | "ok", score (0-100), demo: true }`. */
export function reputationOf(ip: string) {
  const bad = BAD_PREFIXES.some((p) => ip.startsWith(p));
  return { ip, reputation: bad ? "bad" : "ok", score: bad ? 85 : 5, demo: true };
}
