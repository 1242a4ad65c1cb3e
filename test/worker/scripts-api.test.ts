// The scripts API: create, read, list, update (versions), disable, slot conflicts, compile errors.
import { describe, expect, it } from "vitest";
import { admin, call, unique } from "./helpers";

const PASS = "return {}";
const ADD = 'return { data = { tier = "gold" } }';

function newScript(event: string, overrides: Record<string, unknown> = {}) {
  return {
    name: "Tier tagger",
    trigger_event: event,
    layer_index: 0,
    parallel_index: 0,
    source: ADD,
    ...overrides,
  };
}

describe("scripts API", () => {
  it("creates a script at version 1 with defaults, and reads it back", async () => {
    const event = unique("ev");
    const created = await admin("POST", "/v1/scripts", newScript(event));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: "Tier tagger",
      trigger_event: event,
      layer_index: 0,
      parallel_index: 0,
      enabled: true,
      on_error: "continue",
      instruction_budget: 1_000_000,
      current_version: 1,
      source: ADD,
    });
    expect(created.body.id).toMatch(/^scr_[0-9a-f]{16}$/);
    expect(created.body.sha256).toMatch(/^[0-9a-f]{64}$/);
    const read = await admin("GET", `/v1/scripts/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
  });

  it("lists scripts filtered by trigger_event", async () => {
    const event = unique("ev");
    await admin("POST", "/v1/scripts", newScript(event));
    await admin("POST", "/v1/scripts", newScript(event, { parallel_index: 1, name: "Second" }));
    await admin("POST", "/v1/scripts", newScript(unique("other")));
    const listed = await admin("GET", `/v1/scripts?trigger_event=${event}`);
    expect(listed.status).toBe(200);
    expect(listed.body.scripts.map((s: any) => s.name)).toEqual(["Tier tagger", "Second"]);
  });

  it("makes a new immutable version only when the source changes", async () => {
    const { body: s } = await admin("POST", "/v1/scripts", newScript(unique("ev")));
    const renamed = await admin("PUT", `/v1/scripts/${s.id}`, { name: "Renamed" });
    expect(renamed.body).toMatchObject({ name: "Renamed", current_version: 1 });
    const sameSource = await admin("PUT", `/v1/scripts/${s.id}`, { source: ADD });
    expect(sameSource.body.current_version).toBe(1);
    const edited = await admin("PUT", `/v1/scripts/${s.id}`, { source: PASS, on_error: "block" });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ current_version: 2, source: PASS, on_error: "block" });

    const versions = await admin("GET", `/v1/scripts/${s.id}/versions`);
    expect(versions.body.versions.map((v: any) => v.version)).toEqual([1, 2]);
    const v1 = await admin("GET", `/v1/scripts/${s.id}/versions/1`);
    expect(v1.body).toMatchObject({ script_id: s.id, version: 1, source: ADD, sha256: s.sha256 });
    expect((await admin("GET", `/v1/scripts/${s.id}/versions/3`)).status).toBe(404);
  });

  it("disables on DELETE and keeps the versions", async () => {
    const { body: s } = await admin("POST", "/v1/scripts", newScript(unique("ev")));
    const deleted = await admin("DELETE", `/v1/scripts/${s.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.enabled).toBe(false);
    expect((await admin("GET", `/v1/scripts/${s.id}/versions/1`)).body.source).toBe(ADD);
  });

  it("refuses a second enabled script in the same slot with 409, and allows it once the first is disabled", async () => {
    const event = unique("ev");
    const first = await admin("POST", "/v1/scripts", newScript(event));
    const clash = await admin("POST", "/v1/scripts", newScript(event, { name: "Clash" }));
    expect(clash.status).toBe(409);
    expect(clash.body.error.code).toBe("CONFLICT");
    await admin("DELETE", `/v1/scripts/${first.body.id}`);
    expect((await admin("POST", "/v1/scripts", newScript(event, { name: "Clash" }))).status).toBe(201);
  });

  it("refuses source that does not compile with 422, the line and the message", async () => {
    const res = await admin(
      "POST",
      "/v1/scripts",
      newScript(unique("ev"), { source: "local x = 1\nif x then\nreturn {}" }),
    );
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("SCRIPT_COMPILE_ERROR");
    expect(res.body.error.field).toBe("source");
    expect(res.body.error.details.line).toBeGreaterThanOrEqual(3);
    expect(res.body.error.details.message).toMatch(/end/);
  });

  it.each([
    ["name", { name: "" }],
    ["trigger_event", { trigger_event: "Bad-Event" }],
    ["layer_index", { layer_index: -1 }],
    ["parallel_index", { parallel_index: 1.5 }],
    ["on_error", { on_error: "explode" }],
    ["instruction_budget", { instruction_budget: 0 }],
    ["source", { source: "" }],
    ["enabled", { enabled: "yes" }],
  ])("names the bad field %s", async (field, patch) => {
    const res = await admin("POST", "/v1/scripts", newScript(unique("ev"), patch));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
    expect(res.body.error.field).toBe(field);
    expect(res.body.error.message).toContain(field);
  });

  it("rejects unknown fields, empty updates, wrong content types and unknown ids", async () => {
    const extra = await admin("POST", "/v1/scripts", newScript(unique("ev"), { colour: "red" }));
    expect(extra.status).toBe(400);
    const { body: s } = await admin("POST", "/v1/scripts", newScript(unique("ev")));
    expect((await admin("PUT", `/v1/scripts/${s.id}`, {})).status).toBe(400);
    const text = await call("POST", "/v1/scripts", {
      headers: { authorization: "Bearer test-admin-token", "content-type": "text/plain" },
      body: JSON.stringify(newScript(unique("ev"))),
    });
    expect(text.status).toBe(415);
    expect((await admin("GET", "/v1/scripts/scr_0000000000000000")).status).toBe(404);
    expect((await admin("GET", "/v1/scripts/bad%20id")).status).toBe(400);
  });

  it("shows each trigger with its layers of enabled scripts", async () => {
    const event = unique("ev");
    await admin("POST", "/v1/scripts", newScript(event, { name: "A" }));
    await admin("POST", "/v1/scripts", newScript(event, { name: "B", parallel_index: 1 }));
    await admin("POST", "/v1/scripts", newScript(event, { name: "C", layer_index: 1 }));
    const { body } = await admin("GET", "/v1/triggers");
    const mine = body.triggers.find((t: any) => t.trigger_event === event);
    expect(mine.layers.map((l: any) => [l.layer_index, l.scripts.map((s: any) => s.name)])).toEqual([
      [0, ["A", "B"]],
      [1, ["C"]],
    ]);
  });
});
