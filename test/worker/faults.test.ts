// The database failing while triggers run: the answer does not change, traces are retried and
// arrive exactly once after the fault clears, or reach the log as full JSON lines.
import { afterEach, describe, expect, it, vi } from "vitest";
import { countStored, storedSpans, waitForTrace } from "./db";
import { callWithEnv, createScript, dbControl, eventually, fireTrigger, TRIGGER, unique } from "./helpers";

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
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    await dbControl.fault(mode);
    const faulty = [await fireWithoutQueue(event, "GB"), await fireWithoutQueue(event, "KP")];
    expect(faulty.map((a) => [a.status, a.decision, a.data, a.blocked_by])).toEqual(
      healthy.map((a) => [a.status, a.decision, a.data, a.blocked_by]),
    );
    const ids = faulty.map((a) => a.trace_id);
    const lines = await eventually(async () => {
      const found = failedTraceLines(spy).filter((l) => ids.includes(l.trace.id));
      return found.length === 2 ? found : undefined;
    });
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

describe("with the database failing, then recovering within the retry window", () => {
  it("writes the trace exactly once", async () => {
    const event = await warmEvent();
    await dbControl.reset();
    await dbControl.fault("http500");
    const { trace_id } = await fire(event, "GB");
    await eventually(async () => (await dbControl.stats()).requests.some((r) => r.status === 500));
    await dbControl.fault("none");
    await waitForTrace(trace_id);
    expect(await storedSpans(trace_id)).toHaveLength(1);
  });
});

describe("with the database slow (2 s per request)", () => {
  it("answers without waiting for it, and the trace still arrives", async () => {
    const event = await warmEvent();
    await dbControl.fault("delay", 2000);
    const started = Date.now();
    const { trace_id, decision } = await fire(event, "KP");
    expect(decision).toBe("block");
    expect(Date.now() - started).toBeLessThan(1500);
    await dbControl.fault("none");
    await waitForTrace(trace_id, 10_000);
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
