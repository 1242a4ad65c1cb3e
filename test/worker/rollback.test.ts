// Rollback: a new current version with version n's source and settings; history stays immutable.
import { describe, expect, it } from "vitest";
import { admin, createScript, fireTrigger, unique } from "./helpers";

const V1 = "return { data = { v = 1 } }";
const V2 = 'return { block = true, reason = "v2" }';
const V3 = "return { data = { v = 3 } }";

describe("POST /v1/scripts/:id/rollback", () => {
  it("makes version n+1 with version n's source and settings, and keeps every version", async () => {
    const event = unique("rb");
    const s = await createScript(event, V1, {
      instruction_budget: 50_000,
      allowed_hosts: ["api.example.com"],
      timeout_ms: 1500,
    });
    await admin("PUT", `/v1/scripts/${s.id}`, {
      source: V2,
      on_error: "block",
      mode: "shadow",
      allowed_hosts: [],
      timeout_ms: 800,
    });
    await admin("PUT", `/v1/scripts/${s.id}`, { source: V3 });

    const res = await admin("POST", `/v1/scripts/${s.id}/rollback`, { version: 1 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      current_version: 4,
      rolled_back_from: 1,
      source: V1,
      on_error: "continue",
      instruction_budget: 50_000,
      mode: "enforce",
      allowed_hosts: ["api.example.com"],
      timeout_ms: 1500,
    });
    const versions = await admin("GET", `/v1/scripts/${s.id}/versions`);
    expect(versions.body.versions.map((v: { version: number }) => v.version)).toEqual([1, 2, 3, 4]);
    const v2 = await admin("GET", `/v1/scripts/${s.id}/versions/2`);
    expect(v2.body).toMatchObject({ source: V2, on_error: "block", mode: "shadow" });
    const v4 = await admin("GET", `/v1/scripts/${s.id}/versions/4`);
    expect(v4.body).toMatchObject({ source: V1, sha256: s.sha256, instruction_budget: 50_000 });
    expect((await fireTrigger(event, {})).body.data).toEqual({ v: 1 });

    const toTwo = await admin("POST", `/v1/scripts/${s.id}/rollback`, { version: 2 });
    expect(toTwo.body).toMatchObject({
      current_version: 5,
      rolled_back_from: 2,
      mode: "shadow",
      on_error: "block",
      allowed_hosts: [],
      timeout_ms: 800,
    });
  });

  it("answers 404 for an unknown version or script and 400 for a bad body", async () => {
    const s = await createScript(unique("rb"), V1);
    const missing = await admin("POST", `/v1/scripts/${s.id}/rollback`, { version: 7 });
    expect(missing.status).toBe(404);
    expect(missing.body.error.field).toBe("version");
    expect((await admin("POST", "/v1/scripts/scr_0000000000000000/rollback", { version: 1 })).status).toBe(
      404,
    );
    for (const body of [{}, { version: 0 }, { version: "1" }, { version: 1, extra: true }]) {
      const bad = await admin("POST", `/v1/scripts/${s.id}/rollback`, body);
      expect(bad.status).toBe(400);
    }
    expect((await admin("GET", `/v1/scripts/${s.id}`)).body.current_version).toBe(1);
  });
});
