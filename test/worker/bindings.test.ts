// Bindings that change what is stored, each set and observed against the same call without it:
// REDACT_KEYS, TRACE_MAX_FIELD_BYTES, TRACE_RETENTION_DAYS other than 30, and TRACE_SAMPLE_RATE
// between 0 and 1 with the random source replaced (error and blocked traces always kept).
// callWithEnv waits for the request's waitUntil, so each trace is stored (or not) once it returns.
import { afterEach, describe, expect, it, vi } from "vitest";
import { storedSpans, storedTrace } from "./db";
import { ADMIN, callWithEnv, createScript, TRIGGER, unique } from "./helpers";
import { DAY_MS, type Seeded, seed, spanRow, traceRow } from "./trace-fixtures";

async function fire(bindings: Record<string, string>, event: string, context: unknown) {
  const res = await callWithEnv(bindings, "POST", `/v1/triggers/${event}`, {
    headers: TRIGGER,
    json: context,
  });
  return (await res.json()) as { trace_id: string; status: string; decision: string; data: any };
}

const utf8 = (s: string | null | undefined) => new TextEncoder().encode(s ?? "").length;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("REDACT_KEYS", () => {
  it("redacts the listed keys (any case, any depth) in what is stored, not in the answer", async () => {
    const event = unique("redact");
    await createScript(event, "return { data = { ssn = ctx.ssn } }", { name: "echo" });
    const context = { ssn: "123-45-6789", nested: { Favourite_Colour: "teal-ish" }, keep: "visible" };
    const plain = await fire({}, event, context);
    const redacted = await fire({ REDACT_KEYS: "ssn, favourite_colour" }, event, context);

    expect(redacted.data).toEqual({ ssn: "123-45-6789" });
    const before = JSON.parse((await storedTrace(plain.trace_id))?.contextSnapshot ?? "null");
    expect(before).toEqual(context);
    const after = JSON.parse((await storedTrace(redacted.trace_id))?.contextSnapshot ?? "null");
    expect(after).toEqual({ ssn: "[REDACTED]", nested: { Favourite_Colour: "[REDACTED]" }, keep: "visible" });
    const stored = JSON.stringify([
      await storedTrace(redacted.trace_id),
      await storedSpans(redacted.trace_id),
    ]);
    expect(stored).not.toContain("123-45-6789");
    expect(stored).not.toContain("teal-ish");
  });
});

describe("TRACE_MAX_FIELD_BYTES", () => {
  it("caps every stored JSON field at the configured size, with the truncation marker", async () => {
    const event = unique("cap");
    await createScript(event, "return { data = { copy = ctx.blob } }", { name: "copy" });
    const context = { blob: "x".repeat(5000) };
    const whole = await fire({}, event, context);
    const capped = await fire({ TRACE_MAX_FIELD_BYTES: "1024" }, event, context);

    expect(utf8((await storedTrace(whole.trace_id))?.contextSnapshot)).toBeGreaterThan(5000);
    const trace = await storedTrace(capped.trace_id);
    expect(utf8(trace?.contextSnapshot)).toBeLessThanOrEqual(1024);
    expect(JSON.parse(trace?.contextSnapshot ?? "null")).toMatchObject({ _truncated: true });
    expect(utf8(trace?.resultData)).toBeLessThanOrEqual(1024);
    const spans = await storedSpans(capped.trace_id);
    expect(spans).toHaveLength(1);
    expect(utf8(spans[0]?.attributes)).toBeLessThanOrEqual(1024);
    expect(capped.data.copy).toHaveLength(5000); // the caller still gets everything
  });
});

describe("TRACE_RETENTION_DAYS", () => {
  it("with 2, the cleanup deletes what is older than 2 days and keeps what is younger", async () => {
    const now = Date.now();
    const row = (startedAt: number): Seeded => {
      const trace = traceRow({ triggerEvent: unique("ret"), startedAt });
      return { trace, spans: [spanRow(trace)] };
    };
    const keep = row(now - 2 * DAY_MS + 10 * 60_000);
    const drop = row(now - 2 * DAY_MS - 10 * 60_000);
    await seed(keep, drop);
    const res = await callWithEnv({ TRACE_RETENTION_DAYS: "2" }, "POST", "/internal/cleanup-traces", {
      headers: ADMIN,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ retention_days: 2, done: true });
    expect(await storedTrace(keep.trace.id)).toBeDefined();
    expect(await storedTrace(drop.trace.id)).toBeUndefined();
    expect(await storedSpans(drop.trace.id)).toEqual([]);
  });
});

describe("TRACE_SAMPLE_RATE between 0 and 1", () => {
  it("keeps a successful trace when the random draw is below the rate, never at or above it", async () => {
    const event = unique("sample");
    await createScript(event, "return {}", { name: "pass" });
    await fire({}, event, {}); // warm: scripts and writer exist before Math.random is replaced
    const random = vi.spyOn(Math, "random");
    random.mockReturnValue(0.2499);
    const below = await fire({ TRACE_SAMPLE_RATE: "0.25" }, event, {});
    random.mockReturnValue(0.25);
    const at = await fire({ TRACE_SAMPLE_RATE: "0.25" }, event, {});
    random.mockReturnValue(0.9);
    const above = await fire({ TRACE_SAMPLE_RATE: "0.25" }, event, {});
    expect([below, at, above].map((a) => a.status)).toEqual(["success", "success", "success"]);
    expect(await storedTrace(below.trace_id)).toBeDefined();
    expect(await storedTrace(at.trace_id)).toBeUndefined();
    expect(await storedTrace(above.trace_id)).toBeUndefined();
    expect(random).toHaveBeenCalledTimes(3);
  });

  it("always keeps blocked and error traces, whatever the draw", async () => {
    const event = unique("sample");
    await createScript(event, "if ctx.block then return { block = true, reason = 'b' } end", { name: "b" });
    await createScript(event, "if ctx.fail then error('boom') end", {
      name: "f",
      parallel_index: 1,
      on_error: "block",
    });
    await fire({}, event, {});
    vi.spyOn(Math, "random").mockReturnValue(0.99);
    const blocked = await fire({ TRACE_SAMPLE_RATE: "0.01" }, event, { block: true });
    const failed = await fire({ TRACE_SAMPLE_RATE: "0.01" }, event, { fail: true });
    expect(blocked.status).toBe("blocked");
    expect(failed.status).toBe("error");
    expect(await storedTrace(blocked.trace_id)).toBeDefined();
    expect(await storedTrace(failed.trace_id)).toBeDefined();
  });
});
