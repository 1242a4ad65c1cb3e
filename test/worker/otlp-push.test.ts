// OTLP push to a collector: a real receiver started by test/global-setup.ts decodes every body with
// the official opentelemetry-proto definitions (never Hookline's mapping), for http/json and
// http/protobuf. Each span's ids, parent, times, attributes and status are checked against the
// trace as stored (read back through the API). A failing collector changes neither the decision
// nor the Turso write; its failures are logged (without the secret headers) and counted.
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { waitForTrace } from "./db";
import { admin, callWithEnv, createScript, TRIGGER, unique } from "./helpers";

const receiver = {
  reset: () => fetch(`${env.OTLP_TEST_URL}/_otlp/reset`, { method: "POST" }),
  fail: (count: number, status = 503) =>
    fetch(`${env.OTLP_TEST_URL}/_otlp/fail`, { method: "POST", body: JSON.stringify({ count, status }) }),
  received: async () => (await (await fetch(`${env.OTLP_TEST_URL}/_otlp/received`)).json()) as any[],
};

const SECRET = "s3cr3t-honeycomb-key";
const otlpEnv = (protocol: string, endpoint = `${env.OTLP_TEST_URL}/v1/traces`) => ({
  OTLP_ENDPOINT: endpoint,
  OTLP_HEADERS: `x-test-key=${SECRET}`,
  OTLP_PROTOCOL: protocol,
});

async function pipeline() {
  const event = unique("otlp");
  await createScript(event, 'log("hi") return { data = { score = 5 } }', { name: "tagger" });
  await createScript(event, 'error("boom")', { name: "failing", parallel_index: 1 });
  await createScript(event, 'return { block = true, reason = "nope" }', { name: "blocker", layer_index: 1 });
  await createScript(event, "return {}", { name: "after", layer_index: 2 });
  return event;
}

async function fire(event: string, overrides: Record<string, string>) {
  const res = await callWithEnv(overrides, "POST", `/v1/triggers/${event}`, {
    headers: TRIGGER,
    json: { user: { id: "u_otlp" }, request: { ip: "203.0.113.7" } },
  });
  return (await res.json()) as any;
}

const nanos = (ms: number) => (BigInt(ms) * 1_000_000n).toString();
const attrsOf = (span: any) => Object.fromEntries(span.attributes.map((a: any) => [a.key, a.value]));
/** OTLP status codes: OK for a pass and for a block (a decision), ERROR for a failure, UNSET when skipped. */
const STATUS = { success: 1, blocked: 1, error: 2, skipped: 0 } as Record<string, number>;

afterEach(async () => {
  await receiver.reset();
  vi.restoreAllMocks();
});

describe.each(["http/json", "http/protobuf"])("OTLP push over %s", (protocol) => {
  it("sends every span of a stored trace, as the official definitions decode it", async () => {
    const event = await pipeline();
    await receiver.reset();
    const answer = await fire(event, otlpEnv(protocol));
    expect(answer.decision).toBe("block");
    await waitForTrace(answer.trace_id);
    const { body: stored } = await admin("GET", `/v1/traces/${answer.trace_id}`);

    const all = await receiver.received();
    expect(all.map((r) => r.error).filter(Boolean)).toEqual([]);
    const got = all.filter((r) => JSON.stringify(r.request ?? "").includes(answer.trace_id));
    expect(got).toHaveLength(1);
    const [entry] = got;
    expect(entry.error).toBeUndefined();
    expect(entry.contentType).toBe(protocol === "http/json" ? "application/json" : "application/x-protobuf");
    expect(entry.testHeader).toBe(SECRET);
    const [rs] = entry.request.resourceSpans;
    expect(attrsOf(rs.resource)).toMatchObject({
      "service.name": { stringValue: "hookline" },
      "service.version": { stringValue: expect.stringMatching(/^\d+\.\d+\.\d+/) },
      "cloud.provider": { stringValue: "cloudflare" },
      "faas.name": { stringValue: "hookline" },
    });
    const spans = rs.scopeSpans
      .flatMap((s: any) => s.spans)
      .filter((s: any) => s.traceId === answer.trace_id);
    expect(spans).toHaveLength(1 + stored.spans.length);
    expect(stored.spans.map((s: any) => s.status).sort()).toEqual(["blocked", "error", "skipped", "success"]);

    const root = spans.find((s: any) => s.spanId === stored.root_span_id);
    expect(root).toMatchObject({
      parentSpanId: "",
      name: `trigger ${event}`,
      kind: 2,
      startTimeUnixNano: nanos(stored.started_at),
      endTimeUnixNano: nanos(stored.ended_at),
      status: { code: 1, message: "" },
    });
    expect(attrsOf(root)).toMatchObject({
      "hookline.trigger_event": { stringValue: event },
      "hookline.decision": { stringValue: "block" },
      "hookline.status": { stringValue: "blocked" },
      "enduser.id": { stringValue: "u_otlp" },
      "client.address": { stringValue: "203.0.113.7" },
      "hookline.duration_ms": { doubleValue: stored.duration_ms },
    });
    for (const s of stored.spans) {
      const sent = spans.find((x: any) => x.spanId === s.id);
      expect(sent, s.name).toMatchObject({
        traceId: answer.trace_id,
        parentSpanId: stored.root_span_id,
        name: s.name,
        kind: 1,
        startTimeUnixNano: nanos(s.started_at),
        endTimeUnixNano: nanos(s.ended_at),
        status: { code: STATUS[s.status], message: s.status === "error" ? s.status_message : "" },
      });
      expect(attrsOf(sent)).toMatchObject({
        "hookline.script.id": { stringValue: s.script_id },
        "hookline.script.version": { intValue: String(s.script_version) },
        "hookline.layer_index": { intValue: String(s.layer_index) },
        "hookline.parallel_index": { intValue: String(s.parallel_index) },
        "hookline.span.status": { stringValue: s.status },
        "hookline.duration_ms": { doubleValue: s.duration_ms },
      });
    }
    const tagger = spans.find((x: any) => x.name === "tagger");
    const storedLogs = stored.spans.find((s: any) => s.name === "tagger").attributes.logs;
    expect(storedLogs).toEqual([["hi"]]);
    expect(attrsOf(tagger)["hookline.logs"]).toEqual({ stringValue: JSON.stringify(storedLogs) });
  });
});

describe("a failing collector", () => {
  it("changes neither the decision nor the Turso write; the failure is logged without secrets and counted", async () => {
    const event = await pipeline();
    const before = (await (await callWithEnv(otlpEnv("http/json"), "GET", "/health")).json()) as any;
    await receiver.reset();
    await receiver.fail(100, 503);
    const warn = vi.spyOn(console, "warn");
    const answer = await fire(event, otlpEnv("http/json"));
    expect(answer).toMatchObject({ status: "blocked", decision: "block" });
    await waitForTrace(answer.trace_id);
    expect(await receiver.received()).toHaveLength(3); // the first try and two retries
    const lines = warn.mock.calls.map((a) => String(a[0])).filter((l) => l.includes("otlp_export_failed"));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ status: 503, traces: 1, spans: 5 });
    expect(lines[0]).not.toContain(SECRET);
    const after = (await (await callWithEnv(otlpEnv("http/json"), "GET", "/health")).json()) as any;
    expect(after.otlp.failed_exports - before.otlp.failed_exports).toBe(1);
    expect(after.otlp.dropped_spans - before.otlp.dropped_spans).toBe(5);
    expect(after.otlp).toMatchObject({ enabled: true, protocol: "http/json" });
  });

  it("does not retry a refused body (400), and survives a collector that is not there", async () => {
    const event = await pipeline();
    await receiver.fail(1, 400);
    await fire(event, otlpEnv("http/json"));
    expect(await receiver.received()).toHaveLength(1);
    const gone = await fire(event, otlpEnv("http/protobuf", "http://127.0.0.1:9/v1/traces"));
    await waitForTrace(gone.trace_id);
  });

  it("refuses bad OTLP settings with CONFIG_INVALID naming the variable, never echoing a header value", async () => {
    const proto = await callWithEnv({ OTLP_PROTOCOL: "grpc" }, "GET", "/v1/traces", { headers: TRIGGER });
    expect(proto.status).toBe(500);
    expect(((await proto.json()) as any).error.message).toContain("OTLP_PROTOCOL");
    const headers = await callWithEnv({ OTLP_HEADERS: "no-equals-sign-secret" }, "GET", "/v1/traces");
    const body = (await headers.json()) as any;
    expect(body.error.code).toBe("CONFIG_INVALID");
    expect(body.error.message).toContain("OTLP_HEADERS");
    expect(body.error.message).not.toContain("no-equals-sign-secret");
  });
});
