// The database failing while triggers run: the answer does not change, traces are retried and
// arrive exactly once after the fault clears, or reach the log as full JSON lines.
import { afterEach, describe, expect, it, vi } from "vitest";
import { countStored, storedSpans, waitForTrace } from "./db";
import {
  callWithEnv,
  createScript,
  dbControl,
  eventually,
  eventuallyValue,
  fireTrigger,
  isTraceInsert,
  TRIGGER,
  unique,
} from "./helpers";

async function warmEvent() {
  const event = unique("fault");
  await createScript(
    event,
    'if ctx.country == "KP" then return { block = true, reason = "geo" } end return { data = { ok = true } }',
    { name: "geo" },
  );
  const warm = await fire(event, "GB");
  await waitForTrace(warm.trace_id);
  return event;
}

const fire = async (event: string, country: string) =>
  (await fireTrigger(event, { user: { id: "u" }, country })).body;

/** A call on a worker without the trace queue binding (today's path: retries, then the log). */
const fireWithoutQueue = async (event: string, country: string) =>
  (await (
    await callWithEnv({ TRACE_QUEUE: undefined }, "POST", `/v1/triggers/${event}`, {
      headers: TRIGGER,
      json: { user: { id: "u" }, country },
      waitForBackground: false,
    })
  ).json()) as any;

function failedTraceLines(spy: { mock: { calls: unknown[][] } }) {
  return spy.mock.calls
    .map((args) => String(args[0]))
    .filter((line) => line.includes('"trace_write_failed"'))
    .map((line) => JSON.parse(line));
}

afterEach(async () => {
  await dbControl.fault("none");
  vi.restoreAllMocks();
});

describe.each([
  ["stopped (connections dropped)", "drop"],
  ["answering 500", "http500"],
] as const)("with the database %s", (_name, mode) => {
  it("answers exactly as with a healthy database and logs each trace in full", async () => {
    const event = await warmEvent();
    const healthy = [await fire(event, "GB"), await fire(event, "KP")];
    // Stored before the fault starts: a healthy trace still in its flush window would meet the
    // fault, go to the trace queue and land seconds later, inside another test's request counts.
    for (const h of healthy) await waitForTrace(h.trace_id);
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    await dbControl.fault(mode);
    const faulty = [await fireWithoutQueue(event, "GB"), await fireWithoutQueue(event, "KP")];
    expect(faulty.map((a) => [a.status, a.decision, a.data, a.blocked_by])).toEqual(
      healthy.map((a) => [a.status, a.decision, a.data, a.blocked_by]),
    );
    const ids = faulty.map((a) => a.trace_id);
    const lines = await eventuallyValue(
      () => failedTraceLines(spy).filter((l) => ids.includes(l.trace.id)),
      (found) => found.length === 2,
    );
    for (const line of lines) {
      expect(line).toMatchObject({
        level: "error",
        attempts: 4,
        trace: { triggerEvent: event, spans: [expect.objectContaining({ name: "geo" })] },
      });
    }
    await dbControl.fault("none");
    expect(await countStored(ids)).toBe(0);
  });
});

describe("with the database failing once, then recovering within the retry window", () => {
  /** One trigger call whose first trace write meets the fault; waits until the writer is done. */
  async function fireThroughOneFault(mode: "http500" | "drop_after_commit", spans: number) {
    const event = unique("once");
    for (let i = 0; i < spans; i++) {
      await createScript(event, `return { data = { s${i} = true } }`, { name: `s${i}`, parallel_index: i });
    }
    await waitForTrace((await fire(event, "GB")).trace_id); // warm: the next call reads no scripts
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const logged = () => [...warn.mock.calls, ...error.mock.calls].map((args) => String(args[0]));
    await dbControl.reset();
    await dbControl.fault(mode, undefined, 1); // exactly the next database request
    const { trace_id } = await fire(event, "GB");
    // The writer's last word on this flush: recovered after a retry, handed to the trace queue
    // after every retry failed, or failed for good.
    const lines = await eventuallyValue(logged, (all) =>
      all.some((l) => /trace_write_recovered|trace_write_deferred|trace_write_failed/.test(l)),
    );
    const inserts = (await dbControl.stats()).requests.filter((r) => isTraceInsert(r.sql));
    return { trace_id, lines, statuses: inserts.map((r) => r.status) };
  }

  it("writes the trace exactly once after a 500 (nothing was written)", async () => {
    const { trace_id, lines, statuses } = await fireThroughOneFault("http500", 2);
    expect(statuses).toEqual([500, 200]);
    expect(lines.filter((l) => /trace_write_failed|trace_write_deferred|constraint/i.test(l))).toEqual([]);
    expect(await countStored([trace_id])).toBe(1);
    expect(await storedSpans(trace_id)).toHaveLength(2);
  });

  it("writes the trace exactly once when the write committed but its answer was lost", async () => {
    const { trace_id, lines, statuses } = await fireThroughOneFault("drop_after_commit", 3);
    // The first request ran and committed (status 0: the socket was destroyed before the answer);
    // the retry met rows already stored, and must neither duplicate them nor fail on them.
    expect(statuses).toEqual([0, 200]);
    expect(lines.filter((l) => /trace_write_failed|trace_write_deferred|constraint/i.test(l))).toEqual([]);
    expect(lines.map((l) => JSON.parse(l))).toContainEqual(
      expect.objectContaining({ msg: "trace_write_recovered", attempts: 2, traces: 1 }),
    );
    expect(await countStored([trace_id])).toBe(1);
    expect(await storedSpans(trace_id)).toHaveLength(3);
  });
});

describe("with the database holding every request unanswered", () => {
  it("answers without waiting for it, and the trace arrives once it is released", async () => {
    const event = await warmEvent();
    await dbControl.reset();
    await dbControl.fault("hold");
    // If the answer waited for the trace write, it could not arrive before the release below.
    const { trace_id, decision } = await fire(event, "KP");
    expect(decision).toBe("block");
    // The trace write reached the server and is held there (the test reads no rows meanwhile:
    // its own reads would be held too).
    await eventually(async () => (await dbControl.stats()).in_flight >= 1);
    expect((await dbControl.stats()).requests).toEqual([]);
    await dbControl.fault("none");
    await waitForTrace(trace_id);
  });
});

describe("a cold isolate whose database is down", () => {
  const dead = { TURSO_DATABASE_URL: "http://127.0.0.1:9" };

  it("blocks with status error under FAIL_MODE=closed (the default), saying why", async () => {
    const res = await callWithEnv(dead, "POST", `/v1/triggers/${unique("cold")}`, {
      headers: TRIGGER,
      json: {},
      waitForBackground: false,
    });
    const body: any = await res.json();
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ status: "error", decision: "block" });
    expect(body.errors[0].message).toMatch(/scripts could not be loaded.*FAIL_MODE=closed/);
  });

  it("allows under FAIL_MODE=open, saying why", async () => {
    const res = await callWithEnv(
      { ...dead, TURSO_DATABASE_URL: "http://127.0.0.1:10", FAIL_MODE: "open" },
      "POST",
      `/v1/triggers/${unique("cold")}`,
      { headers: TRIGGER, json: {}, waitForBackground: false },
    );
    const body: any = await res.json();
    expect(body).toMatchObject({ status: "error", decision: "allow" });
    expect(body.errors[0].message).toContain("FAIL_MODE=open");
  });
});
