// What the signed-in token may do. Learnt once at sign-in by side-effect-free probes, one per
// scope (the API answers 403 FORBIDDEN to a token without the route's scope): a read of each kind,
// for scripts:write an empty compile check (400 with the scope, 403 without), and for
// secrets:write a delete of an invalid name (refused as input before anything is touched). Kept in
// sessionStorage next to the token; pages hide what the token cannot do and say why.
import { api } from "./api.js";

const KEY = "hookline.scopes";

const PROBES = {
  "traces:read": ["/v1/traces", { query: { limit: 1 } }],
  "scripts:read": ["/v1/triggers", {}],
  "scripts:write": ["/v1/scripts/check", { method: "POST", json: {} }],
  ops: ["/v1/retention", {}],
  // a name the API refuses (400 after the scope check): nothing is deleted
  "secrets:write": ["/v1/scripts/probe/secrets/not-a-name", { method: "DELETE" }],
};

/**
 * The scopes a token holds among those the console uses.
 * @throws ApiError 401 when the server does not know the token at all
 */
export async function probeScopes(token) {
  const results = await Promise.all(
    Object.entries(PROBES).map(async ([scope, [path, opts]]) => {
      try {
        await api(path, { ...opts, token });
        return scope;
      } catch (err) {
        if (err.status === 401) throw err;
        // 400: past the scope check, refused as input; NOT_CONFIGURED: past it, no secrets key set
        return err.status === 400 || err.code === "NOT_CONFIGURED" ? scope : null;
      }
    }),
  );
  return results.filter(Boolean);
}

export const scopes = {
  save: (list) => sessionStorage.setItem(KEY, JSON.stringify(list)),
  list: () => JSON.parse(sessionStorage.getItem(KEY) ?? "[]"),
  clear: () => sessionStorage.removeItem(KEY),
};

/** Whether the signed-in token holds `scope`. */
export const can = (scope) => scopes.list().includes(scope);

/** Why a part is hidden: the scope it needs, and what the token holds. */
export const needs = (scope) =>
  `This token lacks the '${scope}' scope (it holds: ${scopes.list().join(", ") || "none of the console's scopes"}).`;
