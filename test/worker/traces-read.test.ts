/**
 * `GET /v1/traces/:id`: the trace with its spans in execution order and its JSON columns parsed;
 * 404 for an unknown id, 400 naming `id` for a malformed one.
 */
import { describe, expect, it } from "vitest";
import { randomHex } from "../../src/lib/hex";
import { admin, unique } from "./helpers";
import { seed, spanRow, traceRow } from "./trace-fixtures";

describe("GET /v1/traces/:id", () => {
  it("answers the trace with parsed JSON and its spans in (layer, parallel) order", async () => {
    const ev = unique("ev");
    const trace = traceRow({
      triggerEvent: ev,
      status: "blocked",
      decision: "block",
      statusMessage: "blocked by geo",
      contextSnapshot: JSON.stringify({ user: { email: "a@example.com" }, password: "[REDACTED]" }),
      resultData: JSON.stringify({ allow: false, reason: "geo" }),
    });
    const s10 = spanRow(trace, {
      scriptId: "geo",
      layerIndex: 1,
      parallelIndex: 0,
      scriptVersion: 3,
      status: "blocked",
    });
    const s01 = spanRow(trace, { scriptId: "b", layerIndex: 0, parallelIndex: 1, scriptVersion: null });
    const s00 = spanRow(trace, { scriptId: "a", layerIndex: 0, parallelIndex: 0, attributes: "not json" });
    const s20 = spanRow(trace, {
      scriptId: "late",
      layerIndex: 2,
      parallelIndex: 0,
      status: "skipped",
      attributes: null,
    });
    await seed({ trace, spans: [s10, s20, s01, s00] });

    const { status, body } = await admin("GET", `/v1/traces/${trace.id}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: trace.id,
      root_span_id: trace.rootSpanId,
      trigger_event: ev,
      status: "blocked",
      decision: "block",
      status_message: "blocked by geo",
      context_snapshot: { user: { email: "a@example.com" }, password: "[REDACTED]" },
      result_data: { allow: false, reason: "geo" },
    });
    expect(body.spans.map((s: { id: string }) => s.id)).toEqual([s00.id, s01.id, s10.id, s20.id]);
    expect(body.spans[2]).toEqual({
      id: s10.id,
      parent_span_id: trace.rootSpanId,
      name: "script",
      kind: "INTERNAL",
      script_id: "geo",
      script_version: 3,
      layer_index: 1,
      parallel_index: 0,
      status: "blocked",
      status_message: null,
      started_at: s10.startedAt,
      ended_at: s10.endedAt,
      duration_ms: 3,
      // A row in the old shape (it still carries its input): passed through, defaults filled in.
      attributes: {
        script_version: 3,
        input: { a: 1 },
        output: { allow: true },
        logs: [],
        logs_dropped: 0,
        instructions: 42,
      },
    });
    expect(body.spans[1].script_version).toBeNull();
    expect(body.spans[0].attributes).toBe("not json");
    expect(body.spans[3].attributes).toBeNull();
  });

  it("rebuilds each span's full input from a compact stored trace (context once, prev per layer)", async () => {
    const ctx = { user: { id: "u9" }, ip: "203.0.113.5" };
    const trace = traceRow({
      triggerEvent: unique("ev"),
      contextSnapshot: JSON.stringify(ctx),
      layerPrev: JSON.stringify({ 0: {}, 1: { geo: "NL" } }),
    });
    // As the writer stores them: no input, no script_version, no empty logs, root parent as null.
    const compact = (layerIndex: number, parallelIndex: number) =>
      spanRow(trace, {
        layerIndex,
        parallelIndex,
        parentSpanId: null,
        scriptVersion: 2,
        attributes: JSON.stringify({
          on_error: "continue",
          instruction_budget: 100,
          instructions: 7,
          output: {},
        }),
      });
    const spans = [compact(0, 0), compact(0, 1), compact(1, 0)];
    await seed({ trace, spans });

    const { body } = await admin("GET", `/v1/traces/${trace.id}`);
    const inputs = body.spans.map((s: { attributes: { input: unknown } }) => s.attributes.input);
    expect(inputs).toEqual([
      { ctx, prev: {} },
      { ctx, prev: {} },
      { ctx, prev: { geo: "NL" } },
    ]);
    expect(body.spans[2]).toMatchObject({
      parent_span_id: trace.rootSpanId,
      attributes: { script_version: 2, on_error: "continue", instructions: 7, logs: [], logs_dropped: 0 },
    });

    const otlp = await admin("GET", `/v1/traces/${trace.id}/otlp`);
    const otlpSpans = otlp.body.resourceSpans[0].scopeSpans[0].spans;
    const last = otlpSpans.find((s: { spanId: string }) => s.spanId === spans[2]?.id);
    expect(last.parentSpanId).toBe(trace.rootSpanId);
    const input = last.attributes.find((a: { key: string }) => a.key === "hookline.input");
    expect(JSON.parse(input.value.stringValue)).toEqual({ ctx, prev: { geo: "NL" } });
  });

  it("answers a trace without spans", async () => {
    const trace = traceRow({ triggerEvent: unique("ev"), contextSnapshot: null, resultData: null });
    await seed({ trace, spans: [] });
    const { status, body } = await admin("GET", `/v1/traces/${trace.id}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: trace.id, context_snapshot: null, result_data: null, spans: [] });
  });

  it("answers 404 NOT_FOUND in the error shape for an unknown id", async () => {
    for (const path of [`/v1/traces/${randomHex(16)}`, `/v1/traces/${randomHex(16)}/otlp`]) {
      const res = await admin("GET", path);
      expect(res.status).toBe(404);
      expect(res.body.error).toMatchObject({ code: "NOT_FOUND", request_id: expect.any(String) });
      expect(res.body.error.message).toContain(path.split("/")[3]);
    }
  });

  it("answers 400 naming id for a malformed id", async () => {
    for (const bad of ["abc", "A".repeat(32), "g".repeat(32), "0".repeat(33)]) {
      for (const suffix of ["", "/otlp"]) {
        const res = await admin("GET", `/v1/traces/${bad}${suffix}`);
        expect(res.status).toBe(400);
        expect(res.body.error).toMatchObject({ code: "VALIDATION_FAILED", field: "id" });
      }
    }
  });

  it("is described in /openapi.json, with the list's query parameters", async () => {
    const { status, body } = await admin("GET", "/openapi.json");
    expect(status).toBe(200);
    for (const path of [
      "/v1/traces",
      "/v1/traces/otlp",
      "/v1/traces/{id}",
      "/v1/traces/{id}/otlp",
      "/v1/stats",
      "/internal/cleanup-traces",
    ]) {
      expect(body.paths).toHaveProperty([path]);
    }
    const names = body.paths["/v1/traces"].get.parameters.map((p: { name: string }) => p.name);
    expect(names).toEqual(
      expect.arrayContaining(["trigger_event", "status", "script_id", "since", "until", "limit", "cursor"]),
    );
  });
});
