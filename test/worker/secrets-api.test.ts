// The script secrets API: write-only values, names and times on read, delete, the limits (30 per
// script, 4 KiB per value, the name pattern) as 4xx errors naming the field, scopes and audit
// rows, and the 500s without a usable SECRETS_KEY.
import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { auditLog, scriptSecrets } from "../../src/db/schema";
import { ADMIN, admin, call, callWithEnv, createScript, testDb, unique } from "./helpers";
import { callAs, type TestToken } from "./token-fixtures";

const secretPath = (id: string, name = "") => `/v1/scripts/${id}/secrets${name ? `/${name}` : ""}`;
const putSecret = (id: string, name: string, value: unknown) => admin("PUT", secretPath(id, name), { value });

afterEach(() => vi.restoreAllMocks());

describe("PUT / GET / DELETE /v1/scripts/{id}/secrets", () => {
  it("stores a value write-only: created, replaced, listed by name and time, deleted", async () => {
    const { id } = await createScript(unique("ev"), "return {}");
    const value = `sk_${unique("v")}`;
    const created = await call("PUT", secretPath(id, "API_KEY"), { headers: ADMIN, json: { value } });
    expect(created.status).toBe(201);
    const createdText = await created.text();
    expect(createdText).not.toContain(value);
    expect(JSON.parse(createdText)).toMatchObject({ name: "API_KEY", key_id: env.SECRETS_KEY_ID });

    const replaced = await putSecret(id, "API_KEY", `${value}-2`);
    expect(replaced.status).toBe(200);
    expect(replaced.body.updated_at).toBeGreaterThanOrEqual(replaced.body.created_at);
    await putSecret(id, "B_TOKEN", "another-one");

    const listed = await call("GET", secretPath(id), { headers: ADMIN });
    const text = await listed.text();
    expect(listed.status).toBe(200);
    expect(text).not.toContain(value);
    expect(text).not.toContain("another-one");
    const body = JSON.parse(text);
    expect(body.max_secrets).toBe(30);
    expect(body.secrets.map((s: { name: string }) => s.name)).toEqual(["API_KEY", "B_TOKEN"]);
    expect(Object.keys(body.secrets[0]).sort()).toEqual(["created_at", "key_id", "name", "updated_at"]);

    // At rest: ciphertext only.
    const rows = await testDb().select().from(scriptSecrets).where(eq(scriptSecrets.scriptId, id));
    expect(JSON.stringify(rows)).not.toContain(value);

    expect((await admin("DELETE", secretPath(id, "API_KEY"))).body).toEqual({ name: "API_KEY" });
    expect((await admin("DELETE", secretPath(id, "API_KEY"))).status).toBe(404);
    expect((await admin("GET", secretPath(id))).body.secrets.map((s: { name: string }) => s.name)).toEqual([
      "B_TOKEN",
    ]);
  });

  it("answers 404 for an unknown script", async () => {
    for (const res of [
      await putSecret("scr_nope0000000000", "API_KEY", "value-1"),
      await admin("GET", secretPath("scr_nope0000000000")),
      await admin("DELETE", secretPath("scr_nope0000000000", "API_KEY")),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("NOT_FOUND");
    }
  });

  it.each([
    ["lower-case name", "api_key", { value: "value-1" }, "name"],
    ["name starting with a digit", "1KEY", { value: "value-1" }, "name"],
    ["name of 65 characters", `A${"B".repeat(64)}`, { value: "value-1" }, "name"],
    ["value missing", "API_KEY", {}, "value"],
    ["value not a string", "API_KEY", { value: 42 }, "value"],
    ["value too short to scrub", "API_KEY", { value: "abc" }, "value"],
    ["value of 4 KiB + 1", "API_KEY", { value: "x".repeat(4097) }, "value"],
    ["value of 4 KiB + 1 in UTF-8 bytes", "API_KEY", { value: `${"é".repeat(2048)}x` }, "value"],
    ["unknown field", "API_KEY", { value: "value-1", other: 1 }, "json"],
  ])("refuses a %s (400 naming the field)", async (_what, name, json, field) => {
    const { id } = await createScript(unique("ev"), "return {}");
    const res = await admin("PUT", secretPath(id, name), json);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "VALIDATION_FAILED", field });
    expect((await admin("GET", secretPath(id))).body.secrets).toEqual([]);
  });

  it("takes a value of exactly 4 KiB, and at most 30 secrets per script (409 naming name)", async () => {
    const { id } = await createScript(unique("ev"), "return {}");
    expect((await putSecret(id, "S0", "x".repeat(4096))).status).toBe(201);
    for (let i = 1; i < 30; i++) expect((await putSecret(id, `S${i}`, `value-${i}`)).status).toBe(201);
    const refused = await putSecret(id, "S30", "value-30");
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: "CONFLICT", field: "name" });
    expect(refused.body.error.message).toMatch(/already has 30 secrets/);
    expect((await putSecret(id, "S5", "replaced")).status).toBe(200); // replacing is not a new one
    expect((await admin("GET", secretPath(id))).body.secrets).toHaveLength(30);
  });

  it("needs secrets:write to change and scripts:read to list; writes audit rows with names only", async () => {
    const { id } = await createScript(unique("ev"), "return {}");
    const writer: TestToken = {
      name: "secrets-writer",
      token: "tok-secrets-writer",
      scopes: ["secrets:write"],
    };
    const reader: TestToken = {
      name: "scripts-reader",
      token: "tok-scripts-reader",
      scopes: ["scripts:read"],
    };
    const tokens = [writer, reader];
    const value = `audit-${unique("v")}`;
    const put = (t: TestToken) =>
      callAs(tokens, t.token, "PUT", secretPath(id, "API_KEY"), { json: { value } });
    expect((await put(reader)).status).toBe(403);
    expect((await callAs(tokens, writer.token, "GET", secretPath(id))).status).toBe(403);
    expect((await put(writer)).status).toBe(201);
    expect((await callAs(tokens, reader.token, "GET", secretPath(id))).status).toBe(200);
    expect((await callAs(tokens, reader.token, "DELETE", secretPath(id, "API_KEY"))).status).toBe(403);
    expect((await callAs(tokens, writer.token, "DELETE", secretPath(id, "API_KEY"))).status).toBe(200);
    expect((await callAs(tokens, writer.token, "DELETE", secretPath(id, "API_KEY"))).status).toBe(404);

    const rows = (
      await testDb().select().from(auditLog).where(eq(auditLog.targetId, id)).orderBy(auditLog.at)
    ).filter((r) => r.action.startsWith("secret"));
    expect(rows.map((r) => [r.action, r.actor, JSON.parse(r.details as string).name])).toEqual([
      ["secret.put", "secrets-writer", "API_KEY"],
      ["secret.delete", "secrets-writer", "API_KEY"],
    ]);
    expect(JSON.stringify(rows)).not.toContain(value);
  });
});

describe("without a usable SECRETS_KEY", () => {
  it("answers 500 NOT_CONFIGURED when no key is set", async () => {
    const { id } = await createScript(unique("ev"), "return {}");
    for (const [method, path, json] of [
      ["PUT", secretPath(id, "API_KEY"), { value: "value-1" }],
      ["GET", secretPath(id), undefined],
      ["DELETE", secretPath(id, "API_KEY"), undefined],
      ["POST", "/v1/secrets/reencrypt", undefined],
    ] as const) {
      const res = await callWithEnv({ SECRETS_KEY: undefined }, method, path, { headers: ADMIN, json });
      expect(res.status).toBe(500);
      const body: any = await res.json();
      expect(body.error.code).toBe("NOT_CONFIGURED");
      expect(body.error.message).toMatch(/SECRETS_KEY is not configured/);
    }
  });

  it("answers 500 CONFIG_INVALID naming the problem, never echoing the key", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const { id } = await createScript(unique("ev"), "return {}");
    const res = await callWithEnv({ SECRETS_KEY: "c2hvcnQta2V5" }, "GET", secretPath(id), { headers: ADMIN });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text).error).toMatchObject({ code: "CONFIG_INVALID" });
    expect(text).toMatch(/SECRETS_KEY must decode to 32 bytes \(got 9\)/);
    expect(text).not.toContain("c2hvcnQta2V5");
  });
});

describe("OpenAPI", () => {
  it("describes the secrets endpoints, with a write-only value", async () => {
    const { body } = await admin("GET", "/openapi.json");
    expect(Object.keys(body.paths["/v1/scripts/{id}/secrets/{name}"]).sort()).toEqual(["delete", "put"]);
    expect(body.paths["/v1/scripts/{id}/secrets"].get).toBeDefined();
    expect(body.paths["/v1/secrets/reencrypt"].post).toBeDefined();
    expect(body.components.schemas.SecretInfo.properties.value).toBeUndefined();
    expect(body.components.schemas.PutSecret.required).toEqual(["value"]);
  });
});
