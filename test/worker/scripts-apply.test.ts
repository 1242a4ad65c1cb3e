// A whole plan in one transaction (POST /v1/scripts/apply) and If-Match on PUT /v1/scripts/{id}:
// creates, updates, disables and slot swaps land together or not at all; a stale version is a 409.
import { describe, expect, it } from "vitest";
import { admin, call, createScript, unique } from "./helpers";

const PASS = "return {}";
const TAG = 'return { data = { tag = "x" } }';

async function listed(event: string) {
  const { body } = await admin("GET", `/v1/scripts?trigger_event=${event}`);
  return (body.scripts as any[]).map((s) => ({
    id: s.id,
    name: s.name,
    slot: `${s.layer_index}-${s.parallel_index}`,
    enabled: s.enabled,
    version: s.current_version,
    source: s.source,
  }));
}

describe("POST /v1/scripts/apply", () => {
  it("creates, edits, disables and swaps slots in one call, and answers the new versions", async () => {
    const event = unique("apply");
    const a = await createScript(event, PASS, { name: "A", parallel_index: 0 });
    const b = await createScript(event, PASS, { name: "B", parallel_index: 1 });
    const c = await createScript(event, PASS, { name: "C", parallel_index: 2 });
    const res = await admin("POST", "/v1/scripts/apply", {
      create: [{ name: "D", trigger_event: event, layer_index: 0, parallel_index: 2, source: TAG }],
      update: [
        { id: a.id, expected_version: 1, parallel_index: 1, source: TAG },
        { id: b.id, expected_version: 1, parallel_index: 0 },
        { id: c.id, expected_version: 1, enabled: false },
      ],
    });
    expect(res.status).toBe(200);
    expect(
      res.body.scripts.map((s: any) => [s.name, s.action, s.previous_version, s.current_version]),
    ).toEqual([
      ["A", "updated", 1, 2],
      ["B", "updated", 1, 1],
      ["C", "updated", 1, 1],
      ["D", "created", null, 1],
    ]);
    const after = await listed(event);
    expect(after.filter((s) => s.enabled).map((s) => [s.name, s.slot, s.version])).toEqual([
      ["B", "0-0", 1],
      ["A", "0-1", 2],
      ["D", "0-2", 1],
    ]);
    expect(after.find((s) => s.name === "C")?.enabled).toBe(false);
  });

  it("changes nothing when the third script of the plan does not compile (422 naming it)", async () => {
    const event = unique("apply");
    const a = await createScript(event, PASS, { name: "A", parallel_index: 0 });
    const b = await createScript(event, PASS, { name: "B", parallel_index: 1 });
    const before = await listed(event);
    const res = await admin("POST", "/v1/scripts/apply", {
      update: [
        { id: a.id, expected_version: 1, source: TAG },
        { id: b.id, expected_version: 1, name: "B2" },
        { id: a.id, expected_version: 1, source: "return {" },
      ],
    });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: "SCRIPT_COMPILE_ERROR", field: "update.2.source" });
    expect(await listed(event)).toEqual(before);
  });

  it("rolls back writes already made when a later item fails inside the transaction", async () => {
    const event = unique("apply");
    const a = await createScript(event, PASS, { name: "A", parallel_index: 0 });
    const b = await createScript(event, PASS, { name: "B", parallel_index: 1 });
    const before = await listed(event);
    // Both compile; A's new version and B's rename are written before the create hits A's slot.
    const res = await admin("POST", "/v1/scripts/apply", {
      create: [{ name: "Squatter", trigger_event: event, layer_index: 0, parallel_index: 0, source: PASS }],
      update: [
        { id: a.id, expected_version: 1, source: TAG },
        { id: b.id, expected_version: 1, name: "B2" },
      ],
    });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: "CONFLICT", field: "create.0.parallel_index" });
    expect(await listed(event)).toEqual(before);
    const versions = await admin("GET", `/v1/scripts/${a.id}/versions`);
    expect(versions.body.versions).toHaveLength(1);
    // The audit entries were part of the same transaction: none survived either.
    const audit = await admin("GET", `/v1/audit?target_id=${a.id}&action=scripts.apply`);
    expect(audit.status).toBe(200);
    expect(audit.body.entries).toEqual([]);
  });

  it("refuses the whole plan with 409 naming the script whose version moved on", async () => {
    const event = unique("apply");
    const a = await createScript(event, PASS, { name: "A", parallel_index: 0 });
    const b = await createScript(event, PASS, { name: "B", parallel_index: 1 });
    await admin("PUT", `/v1/scripts/${b.id}`, { source: TAG }); // someone else: B is now v2
    const before = await listed(event);
    const res = await admin("POST", "/v1/scripts/apply", {
      create: [{ name: "C", trigger_event: event, layer_index: 1, parallel_index: 0, source: PASS }],
      update: [
        { id: a.id, expected_version: 1, source: TAG },
        { id: b.id, expected_version: 1, source: PASS },
      ],
    });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: "CONFLICT",
      field: "update.1.expected_version",
      details: { script_id: b.id, expected_version: 1, current_version: 2 },
    });
    expect(await listed(event)).toEqual(before);
  });

  it("answers 404 naming the item for an unknown id, and 400 for a malformed plan", async () => {
    const missing = await admin("POST", "/v1/scripts/apply", {
      update: [{ id: "scr_0000000000000000", expected_version: 1, name: "x" }],
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error.field).toBe("update.0.id");
    const noVersion = await admin("POST", "/v1/scripts/apply", { update: [{ id: "scr_1", name: "x" }] });
    expect(noVersion.status).toBe(400);
    expect(noVersion.body.error.field).toBe("update.0.expected_version");
  });
});

describe("PUT /v1/scripts/{id} with If-Match / expected_version", () => {
  it("applies a change based on the current version and refuses a stale one with 409", async () => {
    const s = await createScript(unique("ifm"), PASS);
    const put = (headers: Record<string, string>, json: unknown) =>
      call("PUT", `/v1/scripts/${s.id}`, {
        headers: { authorization: "Bearer test-admin-token", ...headers },
        json,
      });
    const ok = await put({ "if-match": "1" }, { source: TAG });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as any).current_version).toBe(2);
    const stale = await put({ "if-match": '"1"' }, { source: PASS });
    expect(stale.status).toBe(409);
    expect(((await stale.json()) as any).error).toMatchObject({
      code: "CONFLICT",
      details: { expected_version: 1, current_version: 2 },
    });
    const staleBody = await put({}, { name: "late", expected_version: 1 });
    expect(staleBody.status).toBe(409);
    expect((await admin("GET", `/v1/scripts/${s.id}`)).body).toMatchObject({
      current_version: 2,
      name: "script",
      source: TAG,
    });
    const bad = await put({ "if-match": "latest" }, { name: "x" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.field).toBe("if-match");
    const fresh = await put({}, { name: "now", expected_version: 2 });
    expect(fresh.status).toBe(200);
  });
});
