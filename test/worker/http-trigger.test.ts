/**
 * http.fetch through the HTTP edge (real test server on 127.0.0.1, real routes in workerd): the
 * scripts API, apply and dry run take `allowed_hosts` and `timeout_ms` and keep them in the
 * script's versions; saved scripts fetch with them; the dry run's `http: "off"`; the trigger
 * call's own Authorization / Cookie / signature headers never reach the outside; and two
 * concurrent trigger calls in one isolate interleave their fetches (each waits for the other at
 * the test server's barrier) while keeping their own ctx, prev and logs.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { getTraceWithSpans } from "../../src/db/trace-queries";
import { admin, createScript, eventuallyValue, fireTrigger, testDb, unique } from "./helpers";

const BASE = env.TEST_HTTP_URL;
const LOCAL = ["127.0.0.1"];

describe("scripts API: allowed_hosts and timeout_ms", () => {
  it("stores and answers them; the defaults are [] and 3000", async () => {
    const ev = unique("ev");
    const plain = await createScript(ev, "return {}");
    expect(plain.allowed_hosts).toEqual([]);
    expect(plain.timeout_ms).toBe(3000);
    const s = await createScript(ev, "return {}", {
      parallel_index: 1,
      allowed_hosts: ["API.example.com", "*.corp.example", "[::1]"],
      timeout_ms: 800,
    });
    expect(s.allowed_hosts).toEqual(["api.example.com", "*.corp.example", "[::1]"]);
    expect(s.timeout_ms).toBe(800);
    const read = await admin("GET", `/v1/scripts/${s.id}`);
    expect(read.body).toMatchObject({ allowed_hosts: s.allowed_hosts, timeout_ms: 800 });
  });

  it("a settings change makes a new version; old versions keep theirs; an equal value makes none", async () => {
    const s = await createScript(unique("ev"), "return {}", { allowed_hosts: ["a.example"] });
    const same = await admin("PUT", `/v1/scripts/${s.id}`, {
      allowed_hosts: ["a.example"],
      timeout_ms: 3000,
    });
    expect(same.body.current_version).toBe(1);
    const hosts = await admin("PUT", `/v1/scripts/${s.id}`, { allowed_hosts: ["b.example"] });
    expect(hosts.body).toMatchObject({ current_version: 2, allowed_hosts: ["b.example"], timeout_ms: 3000 });
    const timeout = await admin("PUT", `/v1/scripts/${s.id}`, { timeout_ms: 1200, expected_version: 2 });
    expect(timeout.body).toMatchObject({
      current_version: 3,
      allowed_hosts: ["b.example"],
      timeout_ms: 1200,
    });
    const { body } = await admin("GET", `/v1/scripts/${s.id}/versions`);
    expect(body.versions.map((v: any) => [v.version, v.allowed_hosts, v.timeout_ms, v.sha256])).toEqual([
      [1, ["a.example"], 3000, s.sha256],
      [2, ["b.example"], 3000, s.sha256],
      [3, ["b.example"], 1200, s.sha256],
    ]);
    const v1 = await admin("GET", `/v1/scripts/${s.id}/versions/1`);
    expect(v1.body).toMatchObject({ allowed_hosts: ["a.example"], timeout_ms: 3000, source: "return {}" });
  });

  it("apply creates and updates them, with a new version for a settings change", async () => {
    const ev = unique("ev");
    const s = await createScript(ev, "return {}");
    const res = await admin("POST", "/v1/scripts/apply", {
      create: [
        {
          name: "New",
          trigger_event: ev,
          layer_index: 1,
          parallel_index: 0,
          source: "return {}",
          allowed_hosts: ["x.example"],
          timeout_ms: 500,
        },
      ],
      update: [{ id: s.id, expected_version: 1, allowed_hosts: ["Y.example"] }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const byAction = Object.fromEntries(res.body.scripts.map((a: any) => [a.action, a]));
    expect(byAction.updated).toMatchObject({ previous_version: 1, current_version: 2 });
    const created = await admin("GET", `/v1/scripts/${byAction.created.id}`);
    expect(created.body).toMatchObject({ allowed_hosts: ["x.example"], timeout_ms: 500 });
    const updated = await admin("GET", `/v1/scripts/${s.id}`);
    expect(updated.body).toMatchObject({
      allowed_hosts: ["y.example"],
      timeout_ms: 3000,
      current_version: 2,
    });
  });

  it("refuses bad entries with 400 naming the field (create, update, apply, dry-run draft)", async () => {
    const ev = unique("ev");
    const s = await createScript(ev, "return {}");
    const bad = [
      [{ allowed_hosts: ["https://x.example"] }, "allowed_hosts.0"],
      [{ allowed_hosts: ["*"] }, "allowed_hosts.0"],
      [{ allowed_hosts: ["ok.example", "user@x.example"] }, "allowed_hosts.1"],
      [{ allowed_hosts: ["x.example/path"] }, "allowed_hosts.0"],
      [{ allowed_hosts: "x.example" }, "allowed_hosts"],
      [{ allowed_hosts: Array.from({ length: 21 }, (_, i) => `h${i}.example`) }, "allowed_hosts"],
      [{ timeout_ms: 0 }, "timeout_ms"],
      [{ timeout_ms: 1.5 }, "timeout_ms"],
      [{ timeout_ms: 60_000 }, "timeout_ms"],
    ] as const;
    for (const [fields, field] of bad) {
      const what = JSON.stringify(fields);
      const script = { name: "s", trigger_event: ev, layer_index: 0, parallel_index: 1, source: "return {}" };
      const created = await admin("POST", "/v1/scripts", { ...script, ...fields });
      expect([created.status, created.body.error?.field], what).toEqual([400, field]);
      const updated = await admin("PUT", `/v1/scripts/${s.id}`, fields);
      expect([updated.status, updated.body.error?.field], what).toEqual([400, field]);
      const applied = await admin("POST", "/v1/scripts/apply", {
        update: [{ id: s.id, expected_version: 1, ...fields }],
      });
      expect([applied.status, applied.body.error?.field], what).toEqual([400, `update.0.${field}`]);
      const { trigger_event: _, ...draft } = script;
      const dry = await admin("POST", `/v1/triggers/${ev}/dry-run`, {
        context: {},
        scripts: [{ ...draft, ...fields }],
      });
      expect([dry.status, dry.body.error?.field], what).toEqual([400, `scripts.0.${field}`]);
    }
    expect((await admin("GET", `/v1/scripts/${s.id}`)).body.current_version).toBe(1);
  });
});

describe("OpenAPI", () => {
  it("documents allowed_hosts and timeout_ms on scripts, versions and drafts, and the dry run's http", async () => {
    const { body } = await admin("GET", "/openapi.json");
    const schemas = body.components.schemas;
    for (const name of ["CreateScript", "UpdateScript", "Script", "ScriptVersion", "DraftScript"]) {
      const props = schemas[name]?.properties ?? schemas[name]?.allOf?.[0]?.properties;
      expect(Object.keys(props ?? {}), name).toEqual(expect.arrayContaining(["allowed_hosts", "timeout_ms"]));
    }
    expect(schemas.CreateScript.properties.allowed_hosts).toMatchObject({ type: "array", maxItems: 20 });
    expect(schemas.CreateScript.properties.timeout_ms).toMatchObject({
      minimum: 1,
      maximum: 30_000,
      default: 3000,
    });
    expect(schemas.DryRun.properties.http).toMatchObject({ enum: ["live", "off"], default: "live" });
  });
});

describe("trigger calls that fetch", () => {
  it("a saved script fetches under its allowed_hosts; a script without them is refused", async () => {
    const ev = unique("ev");
    const fetcher = (key: string) =>
      `local ok, r = pcall(http.fetch, "${BASE}/echo?who=${key}") return { data = { ${key} = ok and r.json.query.who or r } }`;
    await createScript(ev, fetcher("allowed"), { allowed_hosts: LOCAL });
    await createScript(ev, fetcher("none"), { parallel_index: 1 });
    const { body } = await fireTrigger(ev, { user: { id: "u" } });
    expect(body.data).toEqual({
      allowed: "allowed",
      none: "http.fetch: refused: IP address literal 127.0.0.1 not allowed",
    });
  });

  it("a saved script's timeout_ms is its deadline while it waits", async () => {
    const ev = unique("ev");
    await createScript(ev, `http.fetch("${BASE}/hang", { timeout_ms = 10000 }) return {}`, {
      allowed_hosts: LOCAL,
      timeout_ms: 150,
      on_error: "block",
    });
    const { body } = await fireTrigger(ev, { user: { id: "u" } });
    expect(body.decision).toBe("block");
    expect(body.errors[0].message).toContain(
      "timed out: the script's timeout_ms (150) passed while it waited on http.fetch",
    );
  });

  it("never forward the trigger call's Authorization, Cookie or signature headers", async () => {
    const ev = unique("ev");
    await createScript(
      ev,
      `local r = http.fetch("${BASE}/echo", { headers = { ["x-api-key"] = "mine" } }) return { data = { h = r.json.headers } }`,
      { allowed_hosts: LOCAL },
    );
    const { body } = await fireTrigger(
      ev,
      { user: { id: "u" } },
      {
        cookie: "session=trigger-cookie",
        "webhook-signature": "v1,c2lnbmF0dXJl",
        "webhook-timestamp": String(Math.floor(Date.now() / 1000)),
        "x-hookline-forward-me": "no",
      },
    );
    const sent = body.data.h as Record<string, string>;
    expect(sent["x-api-key"]).toBe("mine");
    for (const h of [
      "authorization",
      "cookie",
      "webhook-signature",
      "webhook-timestamp",
      "x-hookline-forward-me",
    ]) {
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
      { layer_index: 1, allowed_hosts: LOCAL, timeout_ms: 6000 },
    );
    const [a, b] = await Promise.all([
      fireTrigger(ev, { user: { id: "alice" } }),
      fireTrigger(ev, { user: { id: "bob" } }),
    ]);
    expect(a.body.errors).toBeUndefined();
    expect(a.body.data).toEqual({ tag: "tag-alice", seen: "alice/tag-alice/2" });
    expect(b.body.data).toEqual({ tag: "tag-bob", seen: "bob/tag-bob/2" });
    for (const [who, res] of [
      ["alice", a],
      ["bob", b],
    ] as const) {
      const stored = (await eventuallyValue(
        () => getTraceWithSpans(testDb(), res.body.trace_id),
        (t) => t !== undefined && t !== null,
      ))!;
      const span = stored.spans.find((s) => s.layerIndex === 1 && s.kind === "INTERNAL");
      expect(JSON.parse(span?.attributes as string).logs).toEqual([
        ["start", who],
        ["end", who, `tag-${who}`],
      ]);
      expect(stored.spans.filter((s) => s.kind === "CLIENT")).toHaveLength(1);
    }
  });
});

describe("dry run", () => {
  const draft = (source: string) => ({
    name: "Draft",
    layer_index: 0,
    parallel_index: 0,
    source,
    allowed_hosts: LOCAL,
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

  it('with http: "off" every fetch fails at once with a clear message, recorded on its span', async () => {
    const res = await admin("POST", `/v1/triggers/${unique("ev")}/dry-run`, {
      context: {},
      only_drafts: true,
      http: "off",
      // /hang never answers: only a call that is never made lets this finish
      scripts: [draft(src.replace("/echo", "/hang"))],
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ ok: false, r: "http.fetch: HTTP is off for this run" });
    const client = res.body.spans.find((s: { kind: string }) => s.kind === "CLIENT");
    expect(client.attributes["error.type"]).toBe("http_off");
  });

  it("a draft standing in for a saved script keeps its allowed_hosts and timeout_ms unless it gives its own", async () => {
    const ev = unique("ev");
    const saved = await createScript(ev, "return {}", { allowed_hosts: LOCAL, timeout_ms: 150 });
    const standIn = (fields: Record<string, unknown>) =>
      admin("POST", `/v1/triggers/${ev}/dry-run`, {
        context: {},
        only_drafts: true,
        scripts: [{ id: saved.id, name: "Draft", layer_index: 0, parallel_index: 0, source: src, ...fields }],
      });
    expect((await standIn({})).body.data).toEqual({ ok: true, r: 200 });
    expect((await standIn({ allowed_hosts: [] })).body.data).toEqual({
      ok: false,
      r: "http.fetch: refused: IP address literal 127.0.0.1 not allowed",
    });
    // the saved 150 ms deadline applies to a draft that does not set its own
    const hang = (await standIn({ source: `http.fetch("${BASE}/hang", { timeout_ms = 10000 }) return {}` }))
      .body;
    expect(hang.errors[0].message).toContain("the script's timeout_ms (150)");
    // a new draft (no id) has no network
    const fresh = await admin("POST", `/v1/triggers/${ev}/dry-run`, {
      context: {},
      only_drafts: true,
      scripts: [{ name: "New", layer_index: 0, parallel_index: 0, source: src }],
    });
    expect(fresh.body.data.ok).toBe(false);
  });

  it("replay: a draft standing in for a saved script keeps its allowed_hosts too", async () => {
    const ev = unique("ev");
    const saved = await createScript(ev, src, { allowed_hosts: LOCAL });
    const { body: fired } = await fireTrigger(ev, { user: { id: "u" } });
    expect(fired.data).toEqual({ ok: true, r: 200 });
    await eventuallyValue(
      () => getTraceWithSpans(testDb(), fired.trace_id),
      (t) => t !== null,
    );
    const draft = { id: saved.id, name: "Draft", layer_index: 0, parallel_index: 0, source: src };
    const res = await admin("POST", `/v1/traces/${fired.trace_id}/replay`, {
      scripts: [draft],
      http: "live",
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.replayed.data).toEqual({ ok: true, r: 200 });
  });

  it("runs saved scripts with their stored allowed_hosts", async () => {
    const ev = unique("ev");
    await createScript(ev, src, { allowed_hosts: LOCAL });
    const live = await admin("POST", `/v1/triggers/${ev}/dry-run`, { context: {} });
    expect(live.body.data).toEqual({ ok: true, r: 200 });
    const off = await admin("POST", `/v1/triggers/${ev}/dry-run`, { context: {}, http: "off" });
    expect(off.body.data).toEqual({ ok: false, r: "http.fetch: HTTP is off for this run" });
    const bad = await admin("POST", `/v1/triggers/${ev}/dry-run`, { context: {}, http: "maybe" });
    expect([bad.status, bad.body.error?.field]).toEqual([400, "http"]);
  });
});
