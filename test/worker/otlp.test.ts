/**
 * OTLP/JSON export, checked field by field against the OTLP/JSON rules: hex ids of the right
 * length, integer enums, int64 nanos as exact decimal strings, parent links, typed attribute
 * values, status codes per outcome; and the bulk export's paging through `x-next-cursor`.
 */
import { describe, expect, it } from "vitest";
import type { OtlpSpan, toOtlpRequest } from "../../src/otlp/traces";
import { anyValue, unixNanos } from "../../src/otlp/values";
import { ADMIN, admin, call, unique } from "./helpers";
import { seed, spanRow, traceRow } from "./trace-fixtures";

const attr = (span: OtlpSpan, key: string) => span.attributes.find((a) => a.key === key)?.value;

describe("OTLP value encoding (pure)", () => {
  it("turns ms into nanos exactly, beyond 2^53", () => {
    expect(unixNanos(1_767_323_045_123)).toBe("1767323045123000000");
    expect(unixNanos(4_102_444_800_999)).toBe("4102444800999000000");
    expect(BigInt(4_102_444_800_999 * 1e6)).not.toBe(4_102_444_800_999_000_000n); // why BigInt
    expect(unixNanos(0)).toBe("0");
  });

  it("types AnyValue by JSON type", () => {
    expect(anyValue("x")).toEqual({ stringValue: "x" });
    expect(anyValue(7)).toEqual({ intValue: "7" });
    expect(anyValue(1.5)).toEqual({ doubleValue: 1.5 });
    expect(anyValue(true)).toEqual({ boolValue: true });
    expect(anyValue(null)).toEqual({});
    expect(anyValue(["a", 1])).toEqual({ arrayValue: { values: [{ stringValue: "a" }, { intValue: "1" }] } });
    expect(anyValue({ k: false })).toEqual({
      kvlistValue: { values: [{ key: "k", value: { boolValue: false } }] },
    });
  });
});

describe("GET /v1/traces/:id/otlp", () => {
  it("answers an ExportTraceServiceRequest following the OTLP/JSON rules", async () => {
    const ev = unique("ev");
    const user = unique("user");
    const startedAt = 1_767_323_045_123;
    const trace = traceRow({
      triggerEvent: ev,
      startedAt,
      durationMs: 40,
      userId: user,
      requestIp: "203.0.113.9",
      status: "blocked",
      decision: "block",
    });
    const ok = spanRow(trace, { scriptId: "a", scriptVersion: 3, startedAt: startedAt + 1, durationMs: 2.5 });
    const blocked = spanRow(trace, {
      scriptId: "b",
      layerIndex: 1,
      status: "blocked",
      statusMessage: "geo",
      startedAt: startedAt + 5,
      attributes: JSON.stringify({
        input: { ip: "203.0.113.9" },
        output: { allow: false },
        logs: ["hi"],
        instructions: 42,
        cached: true,
        ratio: 0.25,
        tags: ["x", "y"],
        "custom.key": "v",
        extra: { deep: 1 },
      }),
    });
    const failed = spanRow(trace, {
      scriptId: "c",
      layerIndex: 1,
      parallelIndex: 1,
      status: "error",
      statusMessage: "boom at line 3",
    });
    const skipped = spanRow(trace, { scriptId: "d", layerIndex: 2, status: "skipped", attributes: null });
    await seed({ trace, spans: [ok, blocked, failed, skipped] });

    const res = await call("GET", `/v1/traces/${trace.id}/otlp`, { headers: ADMIN });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    const body = (await res.json()) as ReturnType<typeof toOtlpRequest>;
    expect(Object.keys(body)).toEqual(["resourceSpans"]);
    expect(body.resourceSpans).toHaveLength(1);
    const rs = body.resourceSpans[0]!;
    expect(rs.resource.attributes).toEqual([
      { key: "service.name", value: { stringValue: "hookline" } },
      { key: "service.version", value: { stringValue: expect.stringMatching(/^\d+\.\d+\.\d+/) } },
    ]);
    expect(rs.scopeSpans).toHaveLength(1);
    expect(rs.scopeSpans[0]!.scope).toEqual({ name: "hookline.pipeline", version: expect.any(String) });
    const spans = rs.scopeSpans[0]!.spans;
    expect(spans).toHaveLength(5);

    for (const s of spans) {
      expect(s.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(s.traceId).toBe(trace.id);
      expect(s.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(s.startTimeUnixNano).toMatch(/^\d+$/);
      expect(s.endTimeUnixNano).toMatch(/^\d+$/);
      expect(BigInt(s.endTimeUnixNano) >= BigInt(s.startTimeUnixNano)).toBe(true);
      expect(typeof s.kind).toBe("number");
      for (const a of s.attributes) expect(Object.keys(a.value)).toHaveLength(1);
    }

    const [root, sOk, sBlocked, sFailed, sSkipped] = spans as [
      OtlpSpan,
      OtlpSpan,
      OtlpSpan,
      OtlpSpan,
      OtlpSpan,
    ];
    // Root: the SERVER span of the trigger call, no parent, timings from the trace row.
    expect(root.spanId).toBe(trace.rootSpanId);
    expect(root).not.toHaveProperty("parentSpanId");
    expect(root.kind).toBe(2);
    expect(root.name).toBe(`trigger ${ev}`);
    expect(root.startTimeUnixNano).toBe("1767323045123000000");
    expect(root.endTimeUnixNano).toBe("1767323045163000000");
    expect(root.status).toEqual({ code: 1 }); // a block is a decision, not an error
    expect(attr(root, "hookline.trigger_event")).toEqual({ stringValue: ev });
    expect(attr(root, "hookline.decision")).toEqual({ stringValue: "block" });
    expect(attr(root, "hookline.status")).toEqual({ stringValue: "blocked" });
    expect(attr(root, "enduser.id")).toEqual({ stringValue: user });
    expect(attr(root, "client.address")).toEqual({ stringValue: "203.0.113.9" });
    expect(attr(root, "hookline.duration_ms")).toEqual({ doubleValue: 40 });
    expect(attr(root, "hookline.context")).toEqual({ stringValue: trace.contextSnapshot });

    // Script spans: INTERNAL children of the root, in execution order.
    expect([sOk, sBlocked, sFailed, sSkipped].map((s) => s.spanId)).toEqual([
      ok.id,
      blocked.id,
      failed.id,
      skipped.id,
    ]);
    for (const s of [sOk, sBlocked, sFailed, sSkipped]) {
      expect(s.parentSpanId).toBe(trace.rootSpanId);
      expect(s.kind).toBe(1);
    }
    expect(sOk.startTimeUnixNano).toBe("1767323045124000000");
    expect(attr(sOk, "hookline.script.id")).toEqual({ stringValue: "a" });
    expect(attr(sOk, "hookline.script.version")).toEqual({ intValue: "3" });
    expect(attr(sOk, "hookline.layer_index")).toEqual({ intValue: "0" });
    expect(attr(sOk, "hookline.parallel_index")).toEqual({ intValue: "0" });
    expect(attr(sOk, "hookline.span.status")).toEqual({ stringValue: "success" });
    expect(attr(sOk, "hookline.duration_ms")).toEqual({ doubleValue: 2.5 });
    expect(sOk.status).toEqual({ code: 1 });

    expect(sBlocked.status).toEqual({ code: 1 });
    expect(attr(sBlocked, "hookline.decision")).toEqual({ stringValue: "block" });
    expect(attr(sBlocked, "hookline.span.status")).toEqual({ stringValue: "blocked" });
    expect(attr(sBlocked, "hookline.instructions")).toEqual({ intValue: "42" });
    expect(attr(sBlocked, "hookline.input")).toEqual({ stringValue: '{"ip":"203.0.113.9"}' });
    expect(attr(sBlocked, "hookline.output")).toEqual({ stringValue: '{"allow":false}' });
    expect(attr(sBlocked, "hookline.logs")).toEqual({ stringValue: '["hi"]' });
    expect(attr(sBlocked, "hookline.cached")).toEqual({ boolValue: true });
    expect(attr(sBlocked, "hookline.ratio")).toEqual({ doubleValue: 0.25 });
    expect(attr(sBlocked, "hookline.tags")).toEqual({
      arrayValue: { values: [{ stringValue: "x" }, { stringValue: "y" }] },
    });
    expect(attr(sBlocked, "custom.key")).toEqual({ stringValue: "v" });
    expect(attr(sBlocked, "hookline.extra")).toEqual({ stringValue: '{"deep":1}' });

    expect(sFailed.status).toEqual({ code: 2, message: "boom at line 3" });
    expect(sSkipped.status).toEqual({ code: 0 });
    expect(attr(sSkipped, "hookline.span.status")).toEqual({ stringValue: "skipped" });
  });

  it("marks a failed trace's root span ERROR with its message", async () => {
    const trace = traceRow({ triggerEvent: unique("ev"), status: "error", statusMessage: "script c failed" });
    await seed({ trace, spans: [] });
    const { body } = await admin("GET", `/v1/traces/${trace.id}/otlp`);
    expect(body.resourceSpans[0].scopeSpans[0].spans[0].status).toEqual({
      code: 2,
      message: "script c failed",
    });
  });
});

describe("GET /v1/traces/otlp (bulk)", () => {
  it("exports filtered pages with the next cursor in x-next-cursor", async () => {
    const ev = unique("ev");
    const rows = [1, 2, 3].map((i) => traceRow({ triggerEvent: ev, startedAt: 1_767_000_000_000 + i }));
    await seed(
      ...rows.map((trace) => ({ trace, spans: [spanRow(trace), spanRow(trace, { parallelIndex: 1 })] })),
    );

    const first = await call("GET", `/v1/traces/otlp?trigger_event=${ev}&limit=2`, { headers: ADMIN });
    expect(first.status).toBe(200);
    const cursor = first.headers.get("x-next-cursor");
    expect(cursor).toEqual(expect.any(String));
    const firstBody = (await first.json()) as ReturnType<typeof toOtlpRequest>;
    expect(Object.keys(firstBody)).toEqual(["resourceSpans"]);
    const firstSpans = firstBody.resourceSpans[0]!.scopeSpans[0]!.spans;
    expect(firstSpans).toHaveLength(6);
    expect(new Set(firstSpans.map((s) => s.traceId))).toEqual(new Set([rows[2]!.id, rows[1]!.id]));

    const second = await call("GET", `/v1/traces/otlp?trigger_event=${ev}&limit=2&cursor=${cursor}`, {
      headers: ADMIN,
    });
    expect(second.headers.get("x-next-cursor")).toBeNull();
    const secondSpans = ((await second.json()) as ReturnType<typeof toOtlpRequest>).resourceSpans[0]!
      .scopeSpans[0]!.spans;
    expect(secondSpans.map((s) => s.traceId)).toEqual([rows[0]!.id, rows[0]!.id, rows[0]!.id]);
    expect(secondSpans[0]!.kind).toBe(2);
  });

  it("validates the same parameters as the list", async () => {
    const res = await admin("GET", "/v1/traces/otlp?limit=201");
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe("limit");
    const empty = await admin("GET", `/v1/traces/otlp?trigger_event=${unique("ev")}`);
    expect(empty.status).toBe(200);
    expect(empty.body.resourceSpans[0].scopeSpans[0].spans).toEqual([]);
  });
});
