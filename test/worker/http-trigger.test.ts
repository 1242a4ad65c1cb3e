/**
 * http.fetch through the HTTP edge: the scripts API and dry run take `allowed_hosts` and
 * `timeout_ms`, the dry run's `http: "off"`, the trigger call's own Authorization / Cookie /
 * signature headers never reach the outside, and two concurrent trigger calls in one isolate
 * interleave their fetches (each waits for the other at the test server's barrier) while keeping
 * their own ctx, prev and logs — in the answers and in the stored spans.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { admin, createScript, eventually, fireTrigger, testDb, unique } from "./helpers";
import { getTraceWithSpans } from "../../src/db/trace-queries";

const BASE = env.TEST_HTTP_URL;

describe("scripts API: allowed_hosts and timeout_ms", () => {
  it("stores, answers and updates them; the defaults are [] and 3000", async () => {
    const ev = unique("ev");
    const plain = await createScript(ev, "return {}");
    expect(plain.allowed_hosts).toEqual([]);
    expect(plain.timeout_ms).toBe(3000);
    const s = await createScript(ev, "return {}", {
      parallel_index: 1,
      allowed_hosts: ["API.example.com", "*.corp.example"],
      timeout_ms: 800,
    });
    expect(s.allowed_hosts).toEqual(["api.example.com", "*.corp.example"]);
    expect(s.timeout_ms).toBe(800);
    const up = await admin("PUT", `/v1/scripts/${s.id}`, { allowed_hosts: ["127.0.0.1"], timeout_ms: 1200 });
    expect(up.status).toBe(200);
    expect(up.body.allowed_hosts).toEqual(["127.0.0.1"]);
    expect(up.body.timeout_ms).toBe(1200);
  });

  it("refuses bad entries with 400 naming the field", async () => {
    const ev = unique("ev");
    for (const [fields, field] of [
      [{ allowed_hosts: ["https://x.example"] }, "allowed_hosts.0"],
      [{ allowed_hosts: ["*"] }, "allowed_hosts.0"],
      [{ allowed_hosts: "x.example" }, "allowed_hosts"],
      [{ timeout_ms: 0 }, "timeout_ms"],
      [{ timeout_ms: 60_000 }, "timeout_ms"],
    ] as const) {
      const res = await admin("POST", "/v1/scripts", {
        name: "s",
        trigger_event: ev,
        layer_index: 0,
        parallel_index: 0,
        source: "return {}",
        ...fields,
      });
      expect(res.status, JSON.stringify(fields)).toBe(400);
      expect(res.body.error.field).toBe(field);
    }
  });
});

describe("trigger calls that fetch", () => {
  it("never forward the trigger call's Authorization, Cookie or signature headers", async () => {
    const ev = unique("ev");
    await createScript(
      ev,
      `local r = http.fetch("${BASE}/echo", { headers = { ["x-api-key"] = "mine" } }) return { data = { h = r.json.headers } }`,
      { allowed_hosts: ["127.0.0.1"] },
    );
    const { body } = await fireTrigger(ev, { user: { id: "u" } }, {
      cookie: "session=trigger-cookie",
      "webhook-signature": "v1,c2lnbmF0dXJl",
      "webhook-timestamp": String(Math.floor(Date.now() / 1000)),
      "x-hookline-forward-me": "no",
    });
    const sent = body.data.h as Record<string, string>;
    expect(sent["x-api-key"]).toBe("mine");
    for (const h of ["authorization", "cookie", "webhook-signature", "webhook-timestamp", "x-hookline-forward-me"]) {
      expect(sent[h], h).toBeUndefined();
    }
    expect(JSON.stringify(sent)).not.toContain(env.TRIGGER_TOKEN);
  });

  it("two concurrent trigger calls in one isolate interleave and keep their own ctx, prev and logs", async () => {
    const ev = unique("ev");
    const group = unique("pair");
    await createScript(ev, "return { data = { tag = 'tag-' .. ctx.user.id } }");
    await createScript(
      ev,
      `log('start', ctx.user.id)
       local r = http.fetch("${BASE}/barrier?n=2&group=${group}&id=" .. ctx.user.id, { timeout_ms = 5000 })
       log('end', ctx.user.id, prev.tag)
       return { data = { seen = ctx.user.id .. '/' .. prev.tag .. '/' .. r.json.arrived } }`,
      { layer_index: 1, allowed_hosts: ["127.0.0.1"], timeout_ms: 6000 },
    );
    const [a, b] = await Promise.all([fireTrigger(ev, { user: { id: "alice" } }), fireTrigger(ev, { user: { id: "bob" } })]);
    expect(a.body.errors).toBeUndefined();
    expect(a.body.data).toEqual({ tag: "tag-alice", seen: "alice/tag-alice/2" });
    expect(b.body.data).toEqual({ tag: "tag-bob", seen: "bob/tag-bob/2" });
    for (const [who, res] of [["alice", a], ["bob", b]] as const) {
      const stored = await eventually(() => getTraceWithSpans(testDb(), res.body.trace_id).then((t) => t ?? undefined));
      const span = stored?.spans.find((s) => s.layerIndex === 1 && s.kind === "INTERNAL");
      expect(JSON.parse(span?.attributes as string).logs).toEqual([["start", who], ["end", who, `tag-${who}`]]);
      expect(stored?.spans.filter((s) => s.kind === "CLIENT")).toHaveLength(1);
    }
  });
});

describe("dry run", () => {
  const draft = (source: string) => ({
    name: "Draft",
    layer_index: 0,
    parallel_index: 0,
    source,
    allowed_hosts: ["127.0.0.1"],
    timeout_ms: 2000,
  });
  const src = `local ok, r = pcall(http.fetch, "${BASE}/echo") return { data = { ok = ok, r = ok and r.status or r } }`;

  it("makes real calls, and shows their CLIENT spans inline", async () => {
    const res = await admin("POST", `/v1/triggers/${unique("ev")}/dry-run`, {
      context: {},
      only_drafts: true,
      scripts: [draft(src)],
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ ok: true, r: 200 });
    const client = res.body.spans.find((s: { kind: string }) => s.kind === "CLIENT");
    expect(client.attributes["url.full"]).toBe(`${BASE}/echo`);
  });

  it('with http: "off" every fetch fails at once with a clear message', async () => {
    const res = await admin("POST", `/v1/triggers/${unique("ev")}/dry-run`, {
      context: {},
      only_drafts: true,
      http: "off",
      scripts: [draft(src)],
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ ok: false, r: "http.fetch: HTTP is off for this run" });
  });
});
