// Access: bearer tokens per endpoint family, unconfigured secrets, and signed trigger calls.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { signBody } from "../../src/middleware/signature";
import { ADMIN, call, callWithEnv, TRIGGER, unique } from "./helpers";

const PROTECTED: [string, string, unknown?][] = [
  ["GET", "/v1/scripts"],
  ["POST", "/v1/scripts", { name: "x" }],
  ["GET", "/v1/scripts/scr_0000000000000000"],
  ["PUT", "/v1/scripts/scr_0000000000000000", { name: "x" }],
  ["DELETE", "/v1/scripts/scr_0000000000000000"],
  ["POST", "/v1/scripts/apply", { create: [] }],
  ["GET", "/v1/triggers"],
  ["POST", "/v1/triggers/before_signin/dry-run", { context: {} }],
  ["POST", "/v1/triggers/before_signin/backtest", {}],
  ["POST", `/v1/traces/${"a".repeat(32)}/replay`, {}],
  ["GET", `/v1/traces/${"a".repeat(32)}/diff/${"b".repeat(32)}`],
  ["POST", "/v1/scripts/scr_0000000000000000/rollback", { version: 1 }],
  ["GET", "/openapi.json"],
];

describe("access", () => {
  it("serves /health without a token", async () => {
    const res = await call("GET", "/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, db: { ok: true } });
  });

  it.each(PROTECTED)("%s %s needs a token with its scope", async (method, path, json) => {
    const refused: Record<string, string>[] = [
      {},
      { authorization: "Bearer wrong" },
      { authorization: "Basic abc" },
    ];
    for (const headers of refused) {
      const res = await call(method, path, { headers, json });
      expect(res.status).toBe(401);
      const body: any = await res.json();
      expect(body.error.code).toBe("UNAUTHORIZED");
      expect(body.error.request_id).toBeTruthy();
    }
    // The trigger token is known but holds only the `trigger` scope.
    const res = await call(method, path, { headers: TRIGGER, json });
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).error.code).toBe("FORBIDDEN");
  });

  it("the trigger endpoint takes the trigger token (and the admin token, which holds every scope)", async () => {
    const refused: Record<string, string>[] = [{}, { authorization: "Bearer test-trigger-token-x" }];
    for (const headers of refused) {
      const res = await call("POST", "/v1/triggers/before_signin", { headers, json: {} });
      expect(res.status).toBe(401);
    }
    for (const headers of [TRIGGER, ADMIN]) {
      expect((await call("POST", `/v1/triggers/${unique("ev")}`, { headers, json: {} })).status).toBe(200);
    }
  });

  it("an unconfigured secret disables its endpoints instead of running open", async () => {
    const noAdmin = await callWithEnv({ ADMIN_TOKEN: undefined }, "GET", "/v1/scripts", { headers: ADMIN });
    expect(noAdmin.status).toBe(500);
    expect(((await noAdmin.json()) as any).error).toMatchObject({
      code: "NOT_CONFIGURED",
      message: expect.stringContaining("ADMIN_TOKEN"),
    });
    const noTrigger = await callWithEnv(
      { TRIGGER_TOKEN: undefined, ADMIN_TOKEN: undefined },
      "POST",
      "/v1/triggers/before_signin",
      {
        headers: TRIGGER,
        json: {},
      },
    );
    expect(noTrigger.status).toBe(500);
    expect(((await noTrigger.json()) as any).error.message).toContain("TRIGGER_TOKEN");
  });

  it("a missing or malformed database binding is a clear 500, not a crash", async () => {
    const missing = await callWithEnv({ TURSO_DATABASE_URL: undefined }, "GET", "/health");
    expect(missing.status).toBe(500);
    expect(((await missing.json()) as any).error).toMatchObject({
      code: "CONFIG_INVALID",
      message: expect.stringContaining("TURSO_DATABASE_URL"),
    });
    const malformed = await callWithEnv({ FAIL_MODE: "sometimes" }, "GET", "/health");
    expect(((await malformed.json()) as any).error.message).toContain("FAIL_MODE");
  });

  describe("signed trigger calls", () => {
    const secret = "whsec-test-secret";
    const event = unique("signed");
    const body = JSON.stringify({ user: { id: "u1" } });
    const post = (headers: Record<string, string>) =>
      callWithEnv({ TRIGGER_SIGNING_SECRET: secret }, "POST", `/v1/triggers/${event}`, {
        headers: { ...TRIGGER, "content-type": "application/json", ...headers },
        body,
      });
    // The isolate's clock stands still (Date only): "301 s in the future" stays 301 s however long
    // the calls take (on the real clock it shrank below 300 s on a loaded machine).
    const FIXED_S = 1767225600;
    const now = () => String(FIXED_S);
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(FIXED_S * 1000);
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it("accepts a valid signature (also among several, for key rotation)", async () => {
      const ts = now();
      const sig = await signBody(secret, ts, body);
      expect((await post({ "webhook-timestamp": ts, "webhook-signature": sig })).status).toBe(200);
      expect((await post({ "webhook-timestamp": ts, "webhook-signature": `v1,AAAA ${sig}` })).status).toBe(
        200,
      );
    });

    it("rejects missing, wrong, stale and future signatures with 401", async () => {
      const ts = now();
      const stale = String(Number(ts) - 301);
      const future = String(Number(ts) + 301);
      const cases: Record<string, string>[] = [
        {},
        { "webhook-timestamp": ts },
        { "webhook-timestamp": ts, "webhook-signature": await signBody("other-secret", ts, body) },
        { "webhook-timestamp": ts, "webhook-signature": await signBody(secret, ts, `${body} `) },
        { "webhook-timestamp": stale, "webhook-signature": await signBody(secret, stale, body) },
        { "webhook-timestamp": future, "webhook-signature": await signBody(secret, future, body) },
        { "webhook-timestamp": "soon", "webhook-signature": await signBody(secret, "soon", body) },
      ];
      for (const headers of cases) {
        const res = await post(headers);
        expect(res.status).toBe(401);
        expect(((await res.json()) as any).error.code).toBe("UNAUTHORIZED");
      }
    });
  });
});
