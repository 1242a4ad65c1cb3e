/**
 * Named API tokens for the scope and audit tests: the `API_TOKENS` binding is built here from
 * plain tokens, hashing them with WebCrypto in the test (independently of the worker's code).
 */
import { SCOPES, type Scope } from "../../src/auth/scopes";
import { call, callWithEnv } from "./helpers";

export interface TestToken {
  name: string;
  token: string;
  scopes: Scope[];
}

/** Lowercase hex SHA-256 of a token, as `API_TOKENS` stores it. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The `API_TOKENS` binding (JSON, hashes only) for these tokens. */
export async function apiTokensBinding(tokens: TestToken[]): Promise<string> {
  return JSON.stringify(
    await Promise.all(
      tokens.map(async (t) => ({ name: t.name, sha256: await sha256Hex(t.token), scopes: t.scopes })),
    ),
  );
}

/** A token holding every scope but `scope`, and one holding `scope` alone. */
export function scopeTokens(scope: Scope): { without: TestToken; only: TestToken } {
  const slug = scope.replace(":", "-");
  return {
    without: {
      name: `all-but-${slug}`,
      token: `tok-all-but-${slug}`,
      scopes: SCOPES.filter((s) => s !== scope),
    },
    only: { name: `only-${slug}`, token: `tok-only-${slug}`, scopes: [scope] },
  };
}

/** Calls the worker with `API_TOKENS` set to `tokens`, as `bearer`. */
export async function callAs(
  tokens: TestToken[],
  bearer: string,
  method: string,
  path: string,
  opts: { json?: unknown; headers?: Record<string, string>; env?: Record<string, string | undefined> } = {},
): Promise<Response> {
  return callWithEnv({ API_TOKENS: await apiTokensBinding(tokens), ...opts.env }, method, path, {
    headers: { authorization: `Bearer ${bearer}`, ...opts.headers },
    json: opts.json,
  });
}

export interface Operation {
  method: string;
  path: string;
  scope: string | undefined;
  security: unknown;
}

/** Every operation of the served OpenAPI document (admin token), with its declared scope. */
export async function documentedOperations(adminHeaders: Record<string, string>): Promise<Operation[]> {
  const doc: any = await (await call("GET", "/openapi.json", { headers: adminHeaders })).json();
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
      ops.push({ method: method.toUpperCase(), path, scope: op["x-required-scope"], security: op.security });
    }
  }
  return ops;
}

const SAMPLE_PARAMS: Record<string, string> = {
  event: "before_signin",
  version: "1",
  name: "API_KEY",
  user_id: "u_scope_probe",
};

/** A concrete URL for a documented path: ids of the right shape that match nothing. */
export function concretePath(path: string): string {
  return path.replace(/\{([^}]+)\}/g, (_m, param: string) => {
    if (SAMPLE_PARAMS[param]) return SAMPLE_PARAMS[param];
    return path.startsWith("/v1/scripts") ? "scr_0000000000000000" : "0123456789abcdef0123456789abcdef";
  });
}
