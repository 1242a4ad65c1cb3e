// The dry run: drafts alone or over the saved scripts, spans inline, nothing stored.
import { describe, expect, it } from "vitest";
import { tracesForEvent } from "./db";
import { ADMIN, admin, callWithEnv, createScript, unique } from "./helpers";

async function savedPipeline() {
  const event = unique("dry");
  const geo = await createScript(
    event,
    'if ctx.country == "KP" then return { block = true, reason = "geo" } end',
    {
      name: "Geo",
    },
  );
  await createScript(event, "return { data = { tagged = true } }", { name: "Tag", layer_index: 1 });
  return { event, geo };
}

describe("POST /v1/triggers/:event/dry-run", () => {
  it("runs the saved scripts plus a draft, answers with spans, and stores nothing", async () => {
    const { event } = await savedPipeline();
    const draft = {
      name: "Draft",
      layer_index: 1,
      parallel_index: 1,
      source: "return { data = { draft = prev.tagged == nil } }",
    };
    // callWithEnv waits for the request's waitUntil work, so a (wrong) trace write would be done.
    const raw = await callWithEnv({}, "POST", `/v1/triggers/${event}/dry-run`, {
      headers: ADMIN,
      json: { context: { country: "GB" }, scripts: [draft] },
    });
    const res = { status: raw.status, body: (await raw.json()) as any };
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: "success",
      decision: "allow",
      data: { tagged: true, draft: true },
      stored: false,
    });
    expect(res.body.spans.map((s: any) => [s.name, s.status])).toEqual([
      ["Geo", "success"],
      ["Tag", "success"],
      ["Draft", "success"],
    ]);
    expect(res.body.spans[2].attributes).toMatchObject({ output: { data: { draft: true } } });
    expect(await tracesForEvent(event)).toEqual([]);
  });

  it("lets a draft with an id replace that saved script", async () => {
    const { event, geo } = await savedPipeline();
    const res = await admin("POST", `/v1/triggers/${event}/dry-run`, {
      context: { country: "KP" },
      scripts: [{ id: geo.id, name: "Geo v2", layer_index: 0, parallel_index: 0, source: "return {}" }],
    });
    expect(res.body.decision).toBe("allow");
    expect(res.body.spans.map((s: any) => s.name)).toEqual(["Geo v2", "Tag"]);
  });

  it("with only_drafts leaves the saved scripts out", async () => {
    const { event } = await savedPipeline();
    const res = await admin("POST", `/v1/triggers/${event}/dry-run`, {
      context: {},
      only_drafts: true,
      scripts: [
        {
          name: "Alone",
          layer_index: 0,
          parallel_index: 0,
          source: 'return { block = true, reason = "alone" }',
        },
      ],
    });
    expect(res.body).toMatchObject({ decision: "block", blocked_by: { name: "Alone", reason: "alone" } });
    expect(res.body.spans).toHaveLength(1);
  });

  it("refuses a draft that does not compile with 422 naming it, and bad drafts with 400", async () => {
    const { event } = await savedPipeline();
    const broken = await admin("POST", `/v1/triggers/${event}/dry-run`, {
      context: {},
      scripts: [
        { name: "ok", layer_index: 0, parallel_index: 1, source: "return {}" },
        { name: "bad", layer_index: 0, parallel_index: 2, source: "return {" },
      ],
    });
    expect(broken.status).toBe(422);
    expect(broken.body.error.field).toBe("scripts.1.source");
    const missing = await admin("POST", `/v1/triggers/${event}/dry-run`, { scripts: [] });
    expect(missing.status).toBe(400);
    expect(missing.body.error.field).toBe("context");
    const badLayer = await admin("POST", `/v1/triggers/${event}/dry-run`, {
      context: {},
      scripts: [{ name: "x", layer_index: "0", parallel_index: 0, source: "return {}" }],
    });
    expect(badLayer.body.error.field).toBe("scripts.0.layer_index");
  });
});
