/**
 * Resolving a bearer token to a principal. Configured tokens are compared by their SHA-256
 * digests in constant time, and every configured token is compared (no early exit), so the time
 * taken says nothing about which token, if any, matched. The digests of the last few tokens
 * presented are kept per isolate (a bounded map, keyed by the token), so a caller's repeated token
 * is not hashed again on every request; the comparison itself is the same on a hit.
 */
import { z } from "zod";
import { type Principal, SCOPES, type Scope } from "./scopes";

/** One entry of `API_TOKENS`: a name, the token's SHA-256 (hex), and its scopes. */
export const ApiTokenSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "name must be 1–64 of A–Z a–z 0–9 . _ -"),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, "sha256 must be 64 lowercase hex characters (sha256 of the token)"),
  scopes: z.array(z.enum(SCOPES)).min(1),
});

export type ApiToken = z.infer<typeof ApiTokenSchema>;

/** The token sources a request is checked against, as parsed from the env. */
export interface TokenConfig {
  ADMIN_TOKEN?: string;
  TRIGGER_TOKEN?: string;
  API_TOKENS: ApiToken[];
}

interface Candidate {
  name: string;
  digest: Uint8Array;
  scopes: ReadonlySet<Scope>;
}

const encoder = new TextEncoder();
const ALL_SCOPES: ReadonlySet<Scope> = new Set(SCOPES);
const TRIGGER_ONLY: ReadonlySet<Scope> = new Set<Scope>(["trigger"]);

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

/** Presented tokens' digests: at most DIGESTS_KEPT, tokens up to 512 characters, oldest dropped. */
const DIGESTS_KEPT = 64;
const presented = new Map<string, Uint8Array>();

async function presentedDigest(token: string): Promise<Uint8Array> {
  const known = presented.get(token);
  if (known) return known;
  const digest = await sha256(token);
  if (token.length <= 512) {
    if (presented.size >= DIGESTS_KEPT) presented.delete(presented.keys().next().value as string);
    presented.set(token, digest);
  }
  return digest;
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Constant-time equality of two 32-byte digests. */
function digestsEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

const candidatesCache = new WeakMap<TokenConfig, Promise<Candidate[]>>();

/** The configured tokens with their digests, computed once per parsed config. */
function candidates(config: TokenConfig): Promise<Candidate[]> {
  let cached = candidatesCache.get(config);
  if (!cached) {
    cached = (async () => {
      const list: Candidate[] = [];
      if (config.ADMIN_TOKEN)
        list.push({ name: "admin", digest: await sha256(config.ADMIN_TOKEN), scopes: ALL_SCOPES });
      if (config.TRIGGER_TOKEN)
        list.push({ name: "trigger", digest: await sha256(config.TRIGGER_TOKEN), scopes: TRIGGER_ONLY });
      for (const t of config.API_TOKENS)
        list.push({ name: t.name, digest: hexToBytes(t.sha256), scopes: new Set(t.scopes) });
      return list;
    })();
    candidatesCache.set(config, cached);
  }
  return cached;
}

/** True when at least one configured token holds `scope` (else the endpoint is not configured). */
export function scopeConfigured(config: TokenConfig, scope: Scope): boolean {
  if (config.ADMIN_TOKEN) return true;
  if (scope === "trigger" && config.TRIGGER_TOKEN) return true;
  return config.API_TOKENS.some((t) => t.scopes.includes(scope));
}

/** The principal whose token this is, or null when no configured token matches. */
export async function resolveToken(config: TokenConfig, token: string): Promise<Principal | null> {
  const digest = await presentedDigest(token);
  let match: Candidate | null = null;
  for (const candidate of await candidates(config)) {
    if (digestsEqual(digest, candidate.digest) && match === null) match = candidate;
  }
  return match ? { name: match.name, scopes: match.scopes } : null;
}
