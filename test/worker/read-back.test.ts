// Read back what the worker itself wrote: real trigger calls, then GET /v1/traces/:id, its OTLP
// export and /v1/stats over the stored rows (the other read tests use hand-seeded fixture rows).
import { describe, expect, it } from "vitest";
import { waitForTrace } from "./db";
import { admin, createScript, fireTrigger, unique } from "./helpers";

async function pipeline() {
  const event = unique("readback");
  const geo = await createScript(
    event,
    'if ctx.request.country == "KP" then return { block = true, reason = "country" } end return { data = { geo = "ok" } }',
    { name: "Geo" },
  );
  const tag = await createScript(event, "log('tagging', ctx.user.id) return { data = { tag = 1 } }", {
    name: "Tag",
    parallel_index: 1,
  });
  const late = await createScript(event, "return { data = { late = prev.tag } }", {
    name: "Late",
    layer_index: 1,
  });
  const boom = await createScript(event, 'error("boom")', {
    name: "Boom",
    layer_index: 1,
    parallel_index: 1,
  });
  return { event, ids: { geo: geo.id, tag: tag.id, late: late.id, boom: boom.id } };
}

const ctxFor = (country: string) => ({
  user: { id: `u_${country}` },
  request: { country, ip: "198.51.100.7" },
});

async function fireAndStore(event: string, country: string) {
  const { body } = await fireTrigger(event, ctxFor(country));
  await waitForTrace(body.trace_id);
  return body;
}

describe("reading back traces the worker wrote", () => {
  it("GET /v1/traces/:id shows the stored trace and spans of a real call", async () => {
    const { event, ids } = await pipeline();
    const answer = await fireAndStore(event, "KP");
    expect(answer).toMatchObject({ status: "blocked", decision: "block" });
    const { status, body } = await admin("GET", `/v1/traces/${answer.trace_id}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: answer.trace_id,
      trigger_event: event,
      status: "blocked",
      decision: "block",
      user_id: "u_KP",
      request_ip: "198.51.100.7",
      context_snapshot: ctxFor("KP"),
    });
    expect(
      body.spans.map((s: any) => [s.name, s.script_id, s.script_version, s.status, s.parent_span_id]),
    ).toEqual([
      ["Geo", ids.geo, 1, "blocked", body.root_span_id],
      ["Tag", ids.tag, 1, "success", body.root_span_id],
      ["Late", ids.late, 1, "skipped", body.root_span_id],
      ["Boom", ids.boom, 1, "skipped", body.root_span_id],
    ]);
    expect(body.spans[1].attributes).toMatchObject({ output: { data: { tag: 1 } } });
    expect(JSON.stringify(body.spans[1].attributes)).toContain("tagging");
  });

  it("GET /v1/traces/:id/otlp exports the same call as OTLP/JSON", async () => {
    const { event, ids } = await pipeline();
    const answer = await fireAndStore(event, "GB");
    const detail = (await admin("GET", `/v1/traces/${answer.trace_id}`)).body;
    const { status, body } = await admin("GET", `/v1/traces/${answer.trace_id}/otlp`);
    expect(status).toBe(200);
    const spans = body.resourceSpans[0].scopeSpans[0].spans;
    expect(spans.map((s: any) => [s.traceId, s.spanId, s.parentSpanId, s.name])).toEqual([
      [answer.trace_id, detail.root_span_id, undefined, `trigger ${event}`],
      ...detail.spans.map((s: any) => [answer.trace_id, s.id, detail.root_span_id, s.name]),
    ]);
    expect(detail.spans.map((s: any) => s.name)).toEqual(["Geo", "Tag", "Late", "Boom"]);
    const attr = (span: any, key: string) => span.attributes.find((a: any) => a.key === key)?.value;
    expect(attr(spans[0], "hookline.decision")).toEqual({ stringValue: "allow" });
    expect(attr(spans[1], "hookline.script.id")).toEqual({ stringValue: ids.geo });
    expect(spans[4].status).toMatchObject({ code: 2 }); // Boom failed: STATUS_CODE_ERROR
  });

  it("GET /v1/stats counts the calls the worker stored", async () => {
    const { event, ids } = await pipeline();
    for (const country of ["GB", "FR", "KP"]) await fireAndStore(event, country);
    const { status, body } = await admin("GET", `/v1/stats?trigger_event=${event}`);
    expect(status).toBe(200);
    expect(body.triggers).toEqual([
      expect.objectContaining({ trigger_event: event, calls: 3, success: 2, blocked: 1, errors: 0 }),
    ]);
    const byScript = Object.fromEntries(body.scripts.map((s: any) => [s.script_id, s]));
    expect(byScript[ids.geo]).toMatchObject({ calls: 3, success: 2, blocked: 1, errors: 0, skipped: 0 });
    expect(byScript[ids.tag]).toMatchObject({ calls: 3, success: 3, blocked: 0, errors: 0, skipped: 0 });
    expect(byScript[ids.late]).toMatchObject({ calls: 3, success: 2, blocked: 0, errors: 0, skipped: 1 });
    expect(byScript[ids.boom]).toMatchObject({ calls: 3, success: 0, blocked: 0, errors: 2, skipped: 1 });
    for (const s of [...body.triggers, ...body.scripts]) {
      expect(s.p50_ms).toBeGreaterThanOrEqual(0);
      expect(s.p95_ms).toBeGreaterThanOrEqual(s.p50_ms);
      expect(s.max_ms).toBeGreaterThanOrEqual(s.p95_ms);
    }
  });
});
