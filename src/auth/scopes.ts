/**
 * Token scopes: what each kind of caller may do. Every endpoint but `/health` names exactly one
 * scope (see the table in the README and `x-required-scope` in the OpenAPI document).
 *
 * - `ADMIN_TOKEN` holds every scope; `TRIGGER_TOKEN` holds `trigger` only.
 * - `API_TOKENS` holds named tokens, each with its own scopes, stored as SHA-256 hashes only.
 */
export const SCOPES = [
  "traces:read",
  "scripts:read",
  "scripts:write",
  "secrets:write",
  "ops",
  "trigger",
] as const;

export type Scope = (typeof SCOPES)[number];

export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  "traces:read": "read traces, their OTLP export, diffs and stats",
  "scripts:read": "read scripts, versions, triggers, secret names and the OpenAPI document",
  "scripts:write": "create, edit, disable, roll back and apply scripts; dry runs, backtests, replays",
  "secrets:write": "set and delete script secrets (values are write-only)",
  ops: "retention cleanup, erasure of a user's data, the audit trail",
  trigger: "call triggers (the auth service)",
};

/** Who made a request: the token's name (for the audit trail) and what it may do. */
export interface Principal {
  name: string;
  scopes: ReadonlySet<Scope>;
}
