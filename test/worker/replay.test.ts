// Replay one recorded trace against today's scripts (or drafts) with a per-span diff, and the
// diff of two recorded traces (where an allowed and a blocked sign-in diverged).
import { describe, expect, it } from "vitest";
import { waitForTrace } from "./db";
import { admin, createScript, fireTrigger, unique } from "./helpers";

const GEO = 'if ctx.country == "KP" then return { block = true, reason = "geo" } end';
const TAG = "return { data = { tagged = true } }";

async function pipeline() {
  const event = unique("rp");
  const geo = await createScript(event, GEO, { name: "Geo" });
  const tag = await createScript(event, TAG, { name: "Tag", layer_index: 1 });
  return { event, geo, tag };
}

async function record(event: string, context: Record<string, unknown>) {
  const { body } = await fireTrigger(event, context);
  await waitForTrace(body.trace_id);
  return body.trace_id as string;
}

const spanFor = (spans: { script_id: string }[], id: string) => spans.find((s) => s.script_id === id) as any;

describe("POST /v1/traces/:id/replay", () => {
  it("after an edit, shows the changed span, the new decision and the skipped span that now ran", async () => {
    const { event, geo, tag } = await pipeline();
    const id = await record(event, { user: { id: "u_1" }, country: "KP" });
    const same = await admin("POST", `/v1/traces/${id}/replay`, {});
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ decision_changed: false, stored: false, redacted_contexts: true });
    expect(same.body.spans.map((s: { change: string }) => s.change)).toEqual(["same", "same"]);

    await admin("PUT", `/v1/scripts/${geo.id}`, {
      source: 'if ctx.country == "CU" then return { block = true } end',
    });
    const { body } = await admin("POST", `/v1/traces/${id}/replay`, {});
    expect(body).toMatchObject({
      trace_id: id,
      recorded: { status: "blocked", decision: "block" },
      replayed: { status: "success", decision: "allow", data: { tagged: true }, blocked_by: null },
      decision_changed: true,
    });
    const g = spanFor(body.spans, geo.id);
    expect(g).toMatchObject({
      change: "changed",
      fields: ["version", "status", "output"],
      a: { version: 1, status: "blocked" },
    });
    expect(g.b).toMatchObject({ version: 2, status: "success" });
    const t = spanFor(body.spans, tag.id);
    expect(t).toMatchObject({ change: "changed", fields: ["status", "output"], a: { status: "skipped" } });
    expect(t.b.output).toEqual({ data: { tagged: true } });
  });

  it("with drafts: names added and removed scripts; unknown trace is 404", async () => {
    const { event, geo } = await pipeline();
    const id = await record(event, { country: "GB" });
    const { body } = await admin("POST", `/v1/traces/${id}/replay`, {
      disable: [geo.id],
      scripts: [
        {
          name: "Strict",
          layer_index: 0,
          parallel_index: 1,
          source: 'return { block = true, reason = "strict" }',
        },
      ],
    });
    expect(body.replayed).toMatchObject({ decision: "block", blocked_by: { name: "Strict" } });
    expect(spanFor(body.spans, geo.id)).toMatchObject({ change: "removed", b: null });
    expect(body.spans.find((s: { name: string }) => s.name === "Strict")).toMatchObject({
      change: "added",
      a: null,
    });
    const missing = await admin("POST", `/v1/traces/${"0".repeat(31)}1/replay`, {});
    expect(missing.status).toBe(404);
    const broken = await admin("POST", `/v1/traces/${id}/replay`, {
      scripts: [{ name: "x", layer_index: 0, parallel_index: 2, source: "return {" }],
    });
    expect(broken.status).toBe(422);
  });
});

describe("GET /v1/traces/:a/diff/:b", () => {
  it("names the script where an allowed and a blocked sign-in of the same user diverged", async () => {
    const { event, geo, tag } = await pipeline();
    const allowed = await record(event, { user: { id: "u_7" }, country: "GB" });
    const blocked = await record(event, { user: { id: "u_7" }, country: "KP" });
    const { status, body } = await admin("GET", `/v1/traces/${allowed}/diff/${blocked}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      a: { id: allowed, decision: "allow" },
      b: { id: blocked, decision: "block" },
      decision_differs: true,
      diverged_at: { layer_index: 0, script_id: geo.id, name: "Geo" },
    });
    expect(body.diverged_at.fields).toContain("status");
    expect(body.layers.map((l: { layer_index: number }) => l.layer_index)).toEqual([0, 1]);
    expect(body.layers[1].spans[0]).toMatchObject({
      script_id: tag.id,
      change: "changed",
      a: { status: "success" },
      b: { status: "skipped" },
    });

    const self = await admin("GET", `/v1/traces/${allowed}/diff/${allowed}`);
    expect(self.body).toMatchObject({ decision_differs: false, diverged_at: null });
    const missing = await admin("GET", `/v1/traces/${allowed}/diff/${"f".repeat(32)}`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.field).toBe("b");
    const bad = await admin("GET", `/v1/traces/${allowed}/diff/nope`);
    expect(bad.status).toBe(400);
  });
});
