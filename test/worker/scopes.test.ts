// Scoped tokens: every documented operation names a scope, answers 403 FORBIDDEN (naming the
// scope) to a known token without it, 401 to an unknown token, and lets a token with only that
// scope through; rotation with two tokens side by side; NOT_CONFIGURED and bad API_TOKENS.
import { describe, expect, it } from "vitest";
import { SCOPES } from "../../src/auth/scopes";
import { ADMIN, call, callWithEnv, TRIGGER } from "./helpers";
import { callAs, concretePath, documentedOperations, scopeTokens, type TestToken } from "./token-fixtures";

const ops = await documentedOperations(ADMIN);

describe("scopes", () => {
  it("the document lists the operations, each with one known scope in security and x-required-scope", () => {
    // /health is the one operation without a token.
    const secured = ops.filter((o) => o.path !== "/health");
    expect(secured.length).toBeGreaterThanOrEqual(15);
    for (const op of secured) {
      expect(SCOPES, `${op.method} ${op.path} must declare x-required-scope (use scoped(...))`).toContain(
        op.scope,
      );
      expect(op.security, `${op.method} ${op.path}`).toEqual([{ bearerToken: [op.scope] }]);
    }
    expect(ops.find((o) => o.path === "/health")?.scope).toBeUndefined();
  });

  it.each(ops.filter((o) => o.path !== "/health").map((o) => [o.method, o.path, o.scope] as const))(
    "%s %s: 403 without its scope, 401 for an unknown token, through with the scope alone",
    async (method, path, scope) => {
      const { without, only } = scopeTokens(scope as (typeof SCOPES)[number]);
      const url = concretePath(path);
      const json = method === "GET" || method === "DELETE" ? undefined : {};
      const tokens = [without, only];

      const refused = await callAs(tokens, without.token, method, url, { json });
      expect(refused.status).toBe(403);
      const body: any = await refused.json();
      expect(body.error).toMatchObject({ code: "FORBIDDEN", details: { required_scope: scope } });
      expect(body.error.message).toContain(`'${scope}'`);
      expect(body.error.message).toContain(without.name);

      const unknown = await callAs(tokens, "tok-nobody", method, url, { json });
      expect(unknown.status).toBe(401);

      const allowed = await callAs(tokens, only.token, method, url, { json });
      expect([401, 403], `${method} ${url} answered ${allowed.status}`).not.toContain(allowed.status);
    },
  );

  it("ADMIN_TOKEN holds every scope; TRIGGER_TOKEN holds trigger only (403 elsewhere)", async () => {
    expect((await call("GET", "/v1/audit", { headers: ADMIN })).status).toBe(200);
    expect((await call("POST", "/v1/triggers/scope_admin_probe", { headers: ADMIN, json: {} })).status).toBe(
      200,
    );
    const refused = await call("GET", "/v1/scripts", { headers: TRIGGER });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as any).error.details).toEqual({ required_scope: "scripts:read" });
  });

  it("rotation: old and new tokens work side by side, and the old one fails once removed", async () => {
    const old: TestToken = {
      name: "reader-2026-11",
      token: "tok-reader-old",
      scopes: ["scripts:read", "traces:read"],
    };
    const next: TestToken = {
      name: "reader-2026-12",
      token: "tok-reader-new",
      scopes: ["scripts:read", "traces:read"],
    };
    for (const t of [old, next])
      expect((await callAs([old, next], t.token, "GET", "/v1/scripts")).status).toBe(200);
    expect((await callAs([next], next.token, "GET", "/v1/traces")).status).toBe(200);
    const removed = await callAs([next], old.token, "GET", "/v1/scripts");
    expect(removed.status).toBe(401);
    expect(((await removed.json()) as any).error.code).toBe("UNAUTHORIZED");
  });

  it("named tokens work with no ADMIN_TOKEN; a scope no token holds is NOT_CONFIGURED", async () => {
    const reader: TestToken = { name: "reader", token: "tok-reader-only", scopes: ["scripts:read"] };
    const env = { ADMIN_TOKEN: undefined };
    expect((await callAs([reader], reader.token, "GET", "/v1/scripts", { env })).status).toBe(200);
    const ops = await callAs([reader], reader.token, "POST", "/internal/cleanup-traces", { env });
    expect(ops.status).toBe(500);
    expect(((await ops.json()) as any).error).toMatchObject({
      code: "NOT_CONFIGURED",
      message: expect.stringContaining("'ops'"),
    });
  });

  it("a malformed API_TOKENS is a CONFIG_INVALID naming it, never a crash or an open door", async () => {
    const cases = [
      "not json",
      JSON.stringify([{ name: "x", sha256: "abc", scopes: ["ops"] }]),
      JSON.stringify([{ name: "x", sha256: "0".repeat(64), scopes: ["root"] }]),
      JSON.stringify([
        { name: "x", sha256: "0".repeat(64), scopes: ["ops"] },
        { name: "x", sha256: "1".repeat(64), scopes: ["ops"] },
      ]),
    ];
    for (const API_TOKENS of cases) {
      const res = await callWithEnv({ API_TOKENS }, "GET", "/v1/scripts", { headers: ADMIN });
      expect(res.status).toBe(500);
      expect(((await res.json()) as any).error).toMatchObject({
        code: "CONFIG_INVALID",
        message: expect.stringContaining("API_TOKENS"),
      });
    }
  });
});
