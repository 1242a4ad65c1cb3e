/**
 * The DEMO IP-reputation API served by `npm start` on 127.0.0.1 (and by the test server): a
 * fixed, made-up answer per address, so the example pipeline's `IP Reputation` script can show
 * http.fetch offline. Not a real reputation service.
 */

/** Documentation ranges (RFC 5737) with a made-up verdict; everything else is "clean". */
const LISTED: Record<string, { score: number; reason: string }> = {
  "198.51.100.9": { score: 85, reason: "demo: listed as a known proxy" },
  "203.0.113.7": { score: 60, reason: "demo: recent abuse reports" },
};

/** The demo verdict for an IP: `{ ip, score (0-100), listed, reason, demo: true }`. */
export function reputationOf(ip: string) {
  const hit = LISTED[ip];
  return { ip, score: hit?.score ?? 0, listed: hit !== undefined, reason: hit?.reason ?? null, demo: true };
}
