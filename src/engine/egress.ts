/**
 * The egress policy, pure: may a script call this URL? Checked by the engine before every
 * request and again for every redirect hop.
 *
 * - The host must match the script's `allowed_hosts`: an exact host (`api.example.com`) or a
 *   wildcard (`*.example.com`: any sub-domain, not the apex). An empty list means no network.
 * - `https:` only; `http:` only for hosts in `ALLOW_INSECURE_HTTP_HOSTS`.
 * - No user info (`https://user:pass@host/`).
 * - IP literals in any notation (`2130706433`, `0x7f.1`, `127.1`, `[::1]`, `127.0.0.1.`) are
 *   refused unless the URL writes exactly the canonical address and that address is listed
 *   exactly (`127.0.0.1` in `allowed_hosts`). The URL parser normalises `http://2130706433/`
 *   to `127.0.0.1`, so the host is also read as written and must equal the parsed one.
 */

export interface EgressPolicy {
  allowedHosts: readonly string[];
  insecureHosts: readonly string[];
}

export type EgressCheck = { ok: true; url: URL } | { ok: false; reason: string };

const HOST_PATTERN = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * True for an `allowed_hosts` entry the API accepts: a host name, `*.domain` (the domain has at
 * least two labels: `*.com` would allow a whole top-level domain), an IPv4 or `[v6]`.
 */
export function isHostPattern(p: string): boolean {
  if (p.length > 253) return false;
  if (p.startsWith("*.") && !p.slice(2).includes(".")) return false;
  if (IPV4.test(p)) return p.split(".").every((o) => Number(o) <= 255 && String(Number(o)) === o);
  if (p.startsWith("[") && p.endsWith("]")) return canonicalIpv6(p) === p;
  return HOST_PATTERN.test(p) && !/^(\*\.)?[\d.]+$/.test(p);
}

function canonicalIpv6(p: string): string | null {
  try {
    return new URL(`https://${p}/`).hostname;
  } catch {
    return null;
  }
}

/** True when `host` is an IP address as the URL parser prints it. */
export function isIpHost(host: string): boolean {
  return IPV4.test(host) || host.startsWith("[");
}

/** Does `host` (lower-case, no trailing dot) match one of `patterns`? IPs match exactly only. */
export function hostMatches(host: string, patterns: readonly string[]): boolean {
  for (const p of patterns) {
    if (p === host) return true;
    if (p.startsWith("*.") && !isIpHost(host) && host.endsWith(p.slice(1))) return true;
  }
  return false;
}

/** The host as written in the URL (lower-case, port and brackets' contents kept), or null. */
function writtenHost(raw: string): { host: string; userinfo: boolean } | null {
  const text = raw.trim().replace(/[\t\n\r]/g, "");
  const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:/.exec(text);
  if (!scheme) return null;
  const rest = text.slice(scheme[0].length).replace(/^[/\\]*/, "");
  const authority = rest.split(/[/\\?#]/, 1)[0] ?? "";
  const at = authority.lastIndexOf("@");
  const hostPort = at >= 0 ? authority.slice(at + 1) : authority;
  const host = hostPort.startsWith("[")
    ? hostPort.slice(0, hostPort.indexOf("]") + 1)
    : hostPort.replace(/:[^:]*$/, "");
  return { host: host.toLowerCase(), userinfo: at >= 0 };
}

/** `raw` parsed by the WHATWG URL parser, or null when it is not a URL. */
export function parseUrl(raw: string): URL | null {
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

/**
 * Checks one URL against a policy (`parsed`: the caller's parse of `raw`, when it has one).
 * @example checkUrl("http://0x7f.1/", { allowedHosts: ["127.0.0.1"], insecureHosts: ["127.0.0.1"] })
 *   // { ok: false, reason: "IP address literal 0x7f.1 not allowed" }
 */
export function checkUrl(raw: string, policy: EgressPolicy, parsed: URL | null = parseUrl(raw)): EgressCheck {
  if (parsed === null) return { ok: false, reason: "invalid URL" };
  const url = parsed;
  const written = writtenHost(raw);
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return { ok: false, reason: `scheme ${url.protocol} not allowed (https only)` };
  }
  if (url.username !== "" || url.password !== "" || written?.userinfo) {
    return { ok: false, reason: "user info in the URL is not allowed" };
  }
  const host = url.hostname.replace(/\.$/, "");
  if (host === "") return { ok: false, reason: "URL without a host" };
  if (isIpHost(url.hostname)) {
    const listed = policy.allowedHosts.includes(url.hostname);
    if (!listed || written?.host !== url.hostname) {
      return { ok: false, reason: `IP address literal ${written?.host || url.hostname} not allowed` };
    }
  } else if (!hostMatches(host, policy.allowedHosts)) {
    return { ok: false, reason: `host ${host} is not in allowed_hosts` };
  }
  if (url.protocol === "http:" && !policy.insecureHosts.includes(host)) {
    return {
      ok: false,
      reason: `plain http:// to ${host} not allowed (https only; see ALLOW_INSECURE_HTTP_HOSTS)`,
    };
  }
  return { ok: true, url };
}

/**
 * The URL as stored on a CLIENT span (`url.full`): query values and the fragment removed,
 * parameter names kept (`https://h/p?key=&q=`).
 */
export function displayUrl(url: URL): string {
  const names = [...url.searchParams.keys()];
  const query = names.length ? `?${names.map((n) => `${encodeURIComponent(n)}=`).join("&")}` : "";
  return `${url.origin}${url.pathname}${query}`;
}
