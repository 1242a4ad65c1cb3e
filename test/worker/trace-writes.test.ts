// Trace writes as the local libSQL server sees them: one request per trace, coalescing under
// concurrency, no database request before a warm answer, TRACING=off and sampling.
import { afterEach, describe, expect, it, vi } from "vitest";
import { countStored, storedSpans, tracesForEvent, waitForTrace } from "./db";
import {
  callWithEnv,
  createScript,
  dbControl,
  eventually,
  fireDetached,
  fireTrigger,
  isScriptRead,
  isTraceInsert,
  TRIGGER,
  unique,
} from "./helpers";

async function eventWithScripts(n = 3) {
  const event = unique("w");
  for (let i = 0; i < n; i++) {
    await createScript(event, `return { data = { s${i} = true } }`, { name: `s${i}`, layer_index: i });
  }
  return event;
}

const fire = async (event: string, context: unknown = { user: { id: "u" } }) =>
  (await fireTrigger(event, context)).body;

afterEach(() => {
  vi.useRealTimers();
});

describe("trace writes", () => {
  it("writes a trace and all its spans in exactly one database request, and reads no scripts once warm", async () => {
    const event = await eventWithScripts(3);
    await waitForTrace((await fire(event)).trace_id); // warms the script cache
    await dbControl.reset();
    const { trace_id } = await fire(event);
    await waitForTrace(trace_id);
    const { requests } = await dbControl.stats();
    const inserts = requests.filter((r) => isTraceInsert(r.sql));
    expect(inserts).toHaveLength(1);
    expect(inserts[0]?.sql.some((s) => /insert into pipeline_span_sets/i.test(s))).toBe(true);
    expect(requests.filter((r) => isScriptRead(r.sql))).toEqual([]);
    expect(await storedSpans(trace_id)).toHaveLength(3);
  });

  it("coalesces the calls of one flush window into one request and stores every trace exactly once", async () => {
    const event = await eventWithScripts(2);
    await waitForTrace((await fire(event)).trace_id);
    await dbControl.reset();
    // The flush timer is faked, so all 40 calls finish inside one window however slow the machine
    // is. The calls run in this test's own request context (callWithEnv, not SELF), so the timer
    // the test fires and the I/O it starts belong to the context that created them.
    vi.useFakeTimers({ toFake: ["setTimeout"] });
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => fireDetached(event, { user: { id: `u${i}` } })),
    );
    expect((await dbControl.stats()).requests.filter((r) => isTraceInsert(r.sql))).toEqual([]); // all buffered (a script-cache refresh read may happen: not a write)
    expect(vi.getTimerCount()).toBe(1); // one batch, one flush timer
    vi.runOnlyPendingTimers();
    vi.useRealTimers();
    const ids = answers.map((a) => a.body.trace_id as string);
    expect(new Set(ids).size).toBe(40);
    await eventually(async () => (await countStored(ids)) === 40);
    const inserts = (await dbControl.stats()).requests.filter((r) => isTraceInsert(r.sql));
    expect(inserts).toHaveLength(1);
    expect((await tracesForEvent(event)).length).toBe(41);
  });

  it("flushes a batch TRACE_FLUSH_MS after its first trace: 100 ms by default, or as configured", async () => {
    const event = await eventWithScripts(1);
    for (const [overrides, windowMs] of [
      [{}, 100],
      [{ TRACE_FLUSH_MS: "300" }, 300],
    ] as const) {
      await waitForTrace((await fireDetached(event, {}, overrides)).body.trace_id); // warm: scripts cached
      await dbControl.reset();
      vi.useFakeTimers({ toFake: ["setTimeout"] });
      const { body } = await fireDetached(event, { user: { id: "w" } }, overrides);
      vi.advanceTimersByTime(windowMs - 1);
      expect(vi.getTimerCount()).toBe(1); // the batch's flush timer, not yet due
      vi.advanceTimersByTime(1);
      expect(vi.getTimerCount()).toBe(0); // fired: the write is on its way
      vi.useRealTimers();
      await waitForTrace(body.trace_id);
      expect((await dbControl.stats()).requests.filter((r) => isTraceInsert(r.sql))).toHaveLength(1);
    }
  });

  it("stores nothing with TRACING=off, and samples only successful traces", async () => {
    const event = unique("sample");
    await createScript(event, "if ctx.block then return { block = true, reason = 'x' } end", { name: "b" });
    const off = await callWithEnv({ TRACING: "off" }, "POST", `/v1/triggers/${event}`, {
      headers: TRIGGER,
      json: { block: true },
    });
    expect(((await off.json()) as any).decision).toBe("block");
    const none = await callWithEnv({ TRACE_SAMPLE_RATE: "0" }, "POST", `/v1/triggers/${event}`, {
      headers: TRIGGER,
      json: {},
    });
    const kept = await callWithEnv({ TRACE_SAMPLE_RATE: "0" }, "POST", `/v1/triggers/${event}`, {
      headers: TRIGGER,
      json: { block: true },
    });
    const keptId = ((await kept.json()) as any).trace_id;
    expect(((await none.json()) as any).decision).toBe("allow");
    await waitForTrace(keptId);
    expect(await tracesForEvent(event)).toEqual([keptId]);
  });
});
