// Durable delivery through the trace queue (TRACE_QUEUE, consumed by this same worker inside
// workerd): the direct path's queue fallback, TRACE_DELIVERY=queue coalescing, the consumer's
// retries and acks, the dead-letter queue's log lines, and /health.
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { TraceRecord } from "../../src/db/trace-writes";
import worker from "../../src/index";
import { countStored, storedSpans, storedTrace, waitForTrace } from "./db";
import {
  admin,
  callWithEnv,
  createScript,
  dbControl,
  eventually,
  fireDetached,
  isTraceInsert,
  TRIGGER,
  unique,
} from "./helpers";
import { spanRow, traceRow } from "./trace-fixtures";

const logLines = (spy: { mock: { calls: unknown[][] } }, msg: string) =>
  spy.mock.calls
    .map((args) => String(args[0]))
    .filter((line) => line.includes(`"msg":"${msg}"`))
    .map((line) => JSON.parse(line));

function records(n: number): TraceRecord[] {
  return Array.from({ length: n }, () => {
    const trace = traceRow({ triggerEvent: unique("q") });
    return { trace, spans: [spanRow(trace), spanRow(trace, { parallelIndex: 1 })] };
  });
}

function batchOf(queue: string, bodies: unknown[], attempts = 1) {
  return createMessageBatch(
    queue,
    bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts, body })),
  );
}

async function consume(queue: string, bodies: unknown[], attempts = 1) {
  const batch = batchOf(queue, bodies, attempts);
  const ctx = createExecutionContext();
  await worker.queue(batch, env as never);
  return getQueueResult(batch, ctx);
}

async function fire(event: string, overrides: Record<string, string | undefined> = {}) {
  const res = await callWithEnv(overrides, "POST", `/v1/triggers/${event}`, {
    headers: TRIGGER,
    json: { user: { id: "u" }, country: "GB" },
  });
  return (await res.json()) as any;
}

afterEach(async () => {
  vi.useRealTimers();
  await dbControl.fault("none");
  vi.restoreAllMocks();
});

describe("the queue consumer", () => {
  it("writes a whole batch in one idempotent Turso request and acks every message", async () => {
    const rs = records(6);
    const bodies = [
      { v: 1, records: rs.slice(0, 3) },
      { v: 1, records: rs.slice(3) },
    ];
    await dbControl.reset();
    const result = await consume("hookline-traces", bodies);
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1"]);
    expect(result.retryMessages).toEqual([]);
    const writes = (await dbControl.stats()).requests.filter((r) => r.sql.some((s) => s.includes("insert")));
    expect(writes).toHaveLength(1);
    expect(await countStored(rs.map((r) => r.trace.id))).toBe(6);
    // Delivered again (at-least-once): still acked, nothing doubled.
    const again = await consume("hookline-traces", bodies, 2);
    expect(again.explicitAcks.sort()).toEqual(["m0", "m1"]);
    expect(await storedSpans(rs[0]!.trace.id)).toHaveLength(2);
  });

  it("joins the parts of a split trace", async () => {
    const [r] = records(1) as [TraceRecord];
    const parts = [
      { v: 1, records: [{ ...r, spans: [r.spans[0]] }] },
      { v: 1, records: [{ ...r, spans: [r.spans[1]] }] },
    ];
    await consume("hookline-traces", parts);
    expect(await storedSpans(r.trace.id)).toHaveLength(2);
  });

  it("retries every message with the backoff of its attempt while Turso fails", async () => {
    const rs = records(2);
    const spy = vi.spyOn(console, "warn");
    await dbControl.fault("http500");
    const first = await consume("hookline-traces", [{ v: 1, records: rs }], 1);
    expect(first.explicitAcks).toEqual([]);
    expect(first.retryMessages).toEqual([{ msgId: "m0" }]);
    const later = await consume("hookline-traces", [{ v: 1, records: rs }], 7);
    expect(later.retryMessages).toEqual([{ msgId: "m0" }]);
    // TRACE_QUEUE_RETRY_DELAYS_S is "1,2,4,5" in the tests.
    expect(logLines(spy, "trace_queue_retry").map((l) => [l.attempts, l.delay_s])).toEqual([
      [1, [1]],
      [7, [5]],
    ]);
    await dbControl.fault("none");
    expect(await countStored(rs.map((r) => r.trace.id))).toBe(0);
  });

  it("acks and logs a malformed message instead of retrying it forever", async () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const result = await consume("hookline-traces", [{ nope: true }, "text"]);
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1"]);
    expect(logLines(spy, "trace_queue_message_invalid")).toHaveLength(2);
  });
});

describe("the dead-letter queue consumer", () => {
  it("logs trace_write_failed with the full trace for every trace it cannot write, and acks", async () => {
    const rs = records(2);
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    await dbControl.fault("drop");
    const result = await consume("hookline-traces-dlq", [{ v: 1, records: rs }], 21);
    expect(result.ackAll).toBe(true);
    const lines = logLines(spy, "trace_write_failed");
    expect(lines.map((l) => l.trace.id).sort()).toEqual(rs.map((r) => r.trace.id).sort());
    for (const line of lines) {
      const sent = rs.find((r) => r.trace.id === line.trace.id)!;
      expect(line).toMatchObject({ level: "error", via: "dead_letter_queue" });
      expect(line.trace).toEqual({ ...sent.trace, spans: sent.spans });
    }
  });

  it("writes them if Turso is back by then", async () => {
    const rs = records(1);
    const result = await consume("hookline-traces-dlq", [{ v: 1, records: rs }], 21);
    expect(result.ackAll).toBe(true);
    expect(await storedTrace(rs[0]!.trace.id)).toBeDefined();
  });
});

describe("TRACE_DELIVERY=direct (default) with the queue bound", () => {
  it("sends a batch whose quick retries failed to the queue; the consumer writes it once Turso is back", async () => {
    const event = unique("fallback");
    await createScript(event, "return { data = { ok = true } }");
    const warm = await fire(event);
    await waitForTrace(warm.trace_id);
    const spy = vi.spyOn(console, "warn");
    await dbControl.fault("http500");
    const { trace_id, decision } = await fire(event); // waits for the flush, retries and the send
    expect(decision).toBe("allow");
    expect(logLines(spy, "trace_write_deferred")).toContainEqual(
      expect.objectContaining({ via: "queue", traces: 1 }),
    );
    await dbControl.fault("none");
    await waitForTrace(trace_id, 20_000);
    expect(await storedSpans(trace_id)).toHaveLength(1);
  });
});

describe("TRACE_DELIVERY=queue", () => {
  it("sends every trace through the queue: one flush window is one message and one Turso write", async () => {
    const event = unique("qmode");
    await createScript(event, "return { data = { ok = true } }");
    const q = { TRACE_DELIVERY: "queue" };
    await waitForTrace((await fire(event, q)).trace_id, 20_000);
    await dbControl.reset();
    // The flush timer is faked, so the 20 calls share one flush however slow the machine is (the
    // consumer's own coalescing of several messages is held by "writes a whole batch in one
    // idempotent Turso request" above, on a batch built by the test).
    vi.useFakeTimers({ toFake: ["setTimeout"] });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => fireDetached(event, { user: { id: `u${i}` } }, q)),
    );
    expect((await dbControl.stats()).requests.filter((r) => isTraceInsert(r.sql))).toEqual([]); // all buffered (a script-cache refresh read may happen: not a write)
    expect(vi.getTimerCount()).toBe(1); // one batch, one flush timer
    vi.runOnlyPendingTimers();
    vi.useRealTimers();
    const ids = answers.map((a) => a.body.trace_id as string);
    expect(new Set(ids).size).toBe(20);
    await eventually(async () => (await countStored(ids)) === 20, 20_000);
    const writes = (await dbControl.stats()).requests.filter((r) => r.sql.some((s) => s.includes("insert")));
    expect(writes).toHaveLength(1);
  });

  it("reports the mode on /health", async () => {
    const res = await callWithEnv({ TRACE_DELIVERY: "queue" }, "GET", "/health");
    expect(((await res.json()) as any).delivery).toEqual({
      mode: "queue",
      configured: "queue",
      queue: "bound",
    });
    const unbound = await callWithEnv({ TRACE_DELIVERY: "queue", TRACE_QUEUE: undefined }, "GET", "/health");
    expect(((await unbound.json()) as any).delivery).toEqual({
      mode: "direct",
      configured: "queue",
      queue: "absent",
    });
    const plain = await admin("GET", "/health");
    expect(plain.body.delivery).toEqual({ mode: "direct", configured: "direct", queue: "bound" });
  });
});
