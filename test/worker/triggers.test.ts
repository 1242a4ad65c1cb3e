// The trigger endpoint: answers, the stored trace and spans field by field, who/where, and bad input.
import { describe, expect, it } from "vitest";
import { storedSpans, tracesForEvent, waitForTrace } from "./db";
import { call, callWithEnv, createScript, fireTrigger, TRIGGER, unique } from "./helpers";

const addScript = (event: string, name: string, layer: number, parallel: number, source: string) =>
  createScript(event, source, { name, layer_index: layer, parallel_index: parallel });
const trigger = fireTrigger;

describe("POST /v1/triggers/:event", () => {
  it("runs the layers, merges data, blocks, and answers 200 with the trace id", async () => {
    const event = unique("signin");
    const geo = await addScript(
      event,
      "Geo",
      0,
      0,
      'if ctx.country == "KP" then return { block = true, reason = "country " .. ctx.country } end',
    );
    await addScript(event, "Tagger", 0, 1, 'return { data = { risk = { score = 10 }, tags = { "a" } } }');
    await addScript(
      event,
      "Scorer",
      1,
      0,
      "return { data = { risk = { level = prev.risk.score > 5 and 'high' or 'low' } } }",
    );

    const allowed = await trigger(event, { user: { id: "u1" }, country: "GB" });
    expect(allowed.res.status).toBe(200);
    expect(allowed.body).toMatchObject({
      status: "success",
      decision: "allow",
      data: { risk: { score: 10, level: "high" }, tags: ["a"] },
    });
    expect(allowed.body.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(allowed.res.headers.get("x-hookline-trace-id")).toBe(allowed.body.trace_id);
    expect(allowed.body.blocked_by).toBeUndefined();
    expect(allowed.body.errors).toBeUndefined();
    expect(typeof allowed.body.duration_ms).toBe("number");

    const blocked = await trigger(event, { user: { id: "u2" }, country: "KP" });
    expect(blocked.res.status).toBe(200);
    expect(blocked.body).toMatchObject({
      status: "blocked",
      decision: "block",
      blocked_by: { script_id: geo.id, name: "Geo", reason: "country KP" },
    });
  });

  it("stores the trace and one span per script, field by field, with secrets redacted", async () => {
    const event = unique("signin");
    const a = await addScript(event, "Pass", 0, 0, "log('checked', ctx.user.id) return {}");
    const b = await addScript(event, "Blocker", 0, 1, 'return { block = true, reason = "no" }');
    const c = await addScript(event, "Later", 1, 0, "return {}");
    const before = Date.now();
    const { body } = await trigger(event, {
      user: { id: "u_42" },
      ip: "203.0.113.9",
      password: "hunter2",
      nested: { api_key: "k" },
    });
    const after = Date.now();
    const trace = await waitForTrace(body.trace_id);

    expect(trace).toMatchObject({
      id: body.trace_id,
      triggerEvent: event,
      status: "blocked",
      decision: "block",
      userId: "u_42",
      requestIp: "203.0.113.9",
    });
    expect(trace.rootSpanId).toMatch(/^[0-9a-f]{16}$/);
    // Bracketed by the call, on the isolate's own clock.
    expect(trace.startedAt).toBeGreaterThanOrEqual(before);
    expect(trace.endedAt).toBeGreaterThanOrEqual(trace.startedAt);
    expect(trace.endedAt).toBeLessThanOrEqual(after);
    expect(trace.createdAt).toBeGreaterThan(1e12); // milliseconds, not seconds
    const snapshot = JSON.parse(trace.contextSnapshot ?? "null");
    expect(snapshot).toMatchObject({
      password: "[REDACTED]",
      nested: { api_key: "[REDACTED]" },
      user: { id: "u_42" },
    });
    expect(trace.contextSnapshot).not.toContain("hunter2");

    const spans = await storedSpans(body.trace_id);
    expect(spans.map((s) => [s.scriptId, s.status, s.layerIndex, s.parallelIndex])).toEqual([
      [a.id, "success", 0, 0],
      [b.id, "blocked", 0, 1],
      [c.id, "skipped", 1, 0],
    ]);
    expect(trace.layerPrev).not.toContain("hunter2");
    for (const span of spans) {
      expect(span.id).toMatch(/^[0-9a-f]{16}$/);
      expect(span.parentSpanId).toBeNull(); // stored compact: null = the trace's root span
      expect(span.kind).toBe("INTERNAL");
      expect(span.scriptVersion).toBe(1);
    }
    const attrs = JSON.parse(spans[0]?.attributes ?? "{}");
    expect(attrs).toMatchObject({ logs: [["checked", "u_42"]] });
    expect(attrs).not.toHaveProperty("input"); // rebuilt on read from the context and layer_prev
    expect(spans[0]?.instructions).toBeGreaterThan(0); // a column (the rollups read it)
    expect(spans.map((s) => s.attributes).join()).not.toContain("hunter2");
    expect(spans[1]?.statusMessage).toBe("no");
  });

  it("answers allow for an event with no scripts, and still traces it", async () => {
    const { body } = await trigger(unique("empty"), { user_id: 7 });
    expect(body).toMatchObject({ status: "success", decision: "allow", data: {} });
    const trace = await waitForTrace(body.trace_id);
    expect(trace.userId).toBe("7");
    expect(await storedSpans(body.trace_id)).toEqual([]);
  });

  it("takes the request ip from CF-Connecting-IP when the context has none", async () => {
    const { body } = await trigger(
      unique("ip"),
      { user: { id: "u" } },
      { "cf-connecting-ip": "198.51.100.4" },
    );
    expect((await waitForTrace(body.trace_id)).requestIp).toBe("198.51.100.4");
  });

  it.each([
    ["invalid JSON", { body: "{nope", type: "application/json" }, 400, "INVALID_JSON"],
    ["an array body", { body: "[1,2]", type: "application/json" }, 400, "VALIDATION_FAILED"],
    ["a JSON string body", { body: '"hi"', type: "application/json" }, 400, "VALIDATION_FAILED"],
    [
      "a body over 64 KB",
      { body: JSON.stringify({ pad: "x".repeat(70_000) }), type: "application/json" },
      413,
      "PAYLOAD_TOO_LARGE",
    ],
    ["a wrong content type", { body: "{}", type: "text/plain" }, 415, "UNSUPPORTED_MEDIA_TYPE"],
    ["no content type", { body: "{}", type: "" }, 415, "UNSUPPORTED_MEDIA_TYPE"],
    [
      "invalid UTF-8",
      { body: new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), type: "application/json" },
      400,
      "INVALID_JSON",
    ],
  ])("refuses %s", async (_name, input, status, code) => {
    const headers: Record<string, string> = { ...TRIGGER };
    if (input.type) headers["content-type"] = input.type;
    const event = unique("bad");
    // callWithEnv waits for the request's waitUntil work, so a (wrong) trace write would be done.
    const res = await callWithEnv({}, "POST", `/v1/triggers/${event}`, {
      headers,
      body: input.body as BodyInit,
    });
    expect(res.status).toBe(status);
    const body: any = await res.json();
    expect(body.error.code).toBe(code);
    expect(body.error.request_id).toBeTruthy();
    expect(res.headers.get("x-hookline-trace-id")).toBeNull();
    expect(await tracesForEvent(event)).toEqual([]);
  });

  it.each(["Before_signin", "1signin", "sign-in", "a".repeat(65), "x%20y"])(
    "refuses the event name %s naming the field",
    async (event) => {
      const res = await call("POST", `/v1/triggers/${event}`, { headers: TRIGGER, json: {} });
      expect(res.status).toBe(400);
      const body: any = await res.json();
      expect(body.error).toMatchObject({ code: "VALIDATION_FAILED", field: "event" });
    },
  );
});
