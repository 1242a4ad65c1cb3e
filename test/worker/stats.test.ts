/**
 * `GET /v1/stats` from the per-minute rollups: exact counts per outcome; p50/p95 from the buckets
 * within the stated error bound and exact maxima, per trigger and per script (durations and
 * instructions); minute-resolution windows; upserts that add up across flushes and never count a
 * stored row twice (a retried flush, a queue redelivery mixing stored and new traces, a split
 * trace); no user data in a rollup row; bad parameters.
 */
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { insertTraceRecords } from "../../src/db/trace-writes";
import worker from "../../src/index";
import { RELATIVE_ERROR } from "../../src/stats/histogram";
import { admin, createScript, eventuallyValue, fireTrigger, testDb, unique } from "./helpers";
import { DAY_MS, type Seeded, spanRow, traceRow } from "./trace-fixtures";

const MINUTE = 60_000;

/**
 * 20 traces one minute apart (durations 1..20 ms), each running script A (instructions 10·i),
 * then script B (5 skipped, 4 blocking; instructions 1000 + i).
 */
function knownSet(ev: string, start: number): Seeded[] {
  return Array.from({ length: 20 }, (_, k) => {
    const i = k + 1;
    const status = i >= 6 && i <= 9 ? "blocked" : i >= 19 ? "error" : "success";
    const trace = traceRow({
      triggerEvent: ev,
      startedAt: start + i * MINUTE,
      durationMs: i,
      status,
      decision: status === "blocked" ? "block" : "allow",
    });
    const a = spanRow(trace, {
      scriptId: `${ev}_a`,
      durationMs: i / 2,
      instructions: 10 * i,
      status: i >= 19 ? "error" : "success",
    });
    const bStatus = i <= 5 ? "skipped" : i <= 9 ? "blocked" : "success";
    const b = spanRow(trace, {
      scriptId: `${ev}_b`,
      layerIndex: 1,
      durationMs: bStatus === "skipped" ? 0 : 100 + i,
      instructions: bStatus === "skipped" ? 0 : 1000 + i,
      status: bStatus,
    });
    return { trace, spans: [a, b] };
  });
}

/** Writes through the trace writer's own statement (traces, spans and rollups in one batch). */
const write = (records: Seeded[]) => insertTraceRecords(testDb(), records);

/** Delivers message bodies to the trace queue's consumer (this worker's `queue` handler). */
async function consume(bodies: unknown[], attempts = 1) {
  const batch = createMessageBatch(
    "hookline-traces",
    bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env as never);
  const result = await getQueueResult(batch, ctx);
  expect(result.explicitAcks).toHaveLength(bodies.length); // written, not retried
}

const statsOf = (ev: string, start: number) =>
  admin("GET", `/v1/stats?trigger_event=${ev}&since=${start}&until=${start + MINUTE}`);

/** `actual` is the exact value up to the stated relative error of the bucket percentiles. */
function near(actual: number | null, exact: number) {
  expect(actual).not.toBeNull();
  expect(Math.abs((actual as number) - exact)).toBeLessThanOrEqual(RELATIVE_ERROR * exact + 1e-9);
}

describe("GET /v1/stats", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("counts outcomes exactly and reads percentiles from the buckets, per trigger and script (default: 24 h)", async () => {
    const ev = unique("ev");
    // The isolate's clock stands still (Date only): the default window ends exactly now.
    const now = Date.now();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(now);
    const old = traceRow({ triggerEvent: ev, startedAt: now - DAY_MS - 2 * MINUTE, durationMs: 999 });
    await write([
      ...knownSet(ev, now - 3 * 3_600_000),
      { trace: old, spans: [spanRow(old, { scriptId: `${ev}_a` })] },
    ]);

    const { status, body } = await admin("GET", `/v1/stats?trigger_event=${ev}`);
    expect(status).toBe(200);
    expect(body.window.until - body.window.since).toBe(DAY_MS);
    expect(body.window.until).toBe(now);
    expect(body.source).toMatchObject({ kind: "rollups", resolution_ms: MINUTE, retention_days: 400 });
    expect(body.source.durations).toMatch(/I\/O time only/);
    expect(body.source.percentile_relative_error).toBeCloseTo(RELATIVE_ERROR, 3);
    expect(body).not.toHaveProperty("sample"); // no row caps, nothing truncated

    expect(body.triggers).toHaveLength(1);
    const t = body.triggers[0];
    expect(t).toMatchObject({ trigger_event: ev, calls: 20, success: 14, blocked: 4, errors: 2, max_ms: 20 });
    near(t.p50_ms, 10);
    near(t.p95_ms, 19);
    // Instructions per call: A's 10·i plus B's 1000 + i when B ran.
    near(t.instructions_p50, 10 * 10 + 1010);
    expect(t.instructions_max).toBe(200 + 1020);

    const [a, b] = body.scripts;
    expect(a).toMatchObject({
      script_id: `${ev}_a`,
      trigger_event: ev,
      calls: 20,
      success: 18,
      blocked: 0,
      errors: 2,
      skipped: 0,
      shadow_runs: 0,
      would_block: 0,
      http_calls: 0,
      max_ms: 10,
      instructions_max: 200,
      http_p50_ms: null,
    });
    near(a.p50_ms, 5);
    near(a.p95_ms, 9.5);
    near(a.instructions_p50, 100);
    near(a.instructions_p95, 190);
    // Percentiles over the 15 runs that were not skipped: 106..120 ms, 1006..1020 instructions.
    expect(b).toMatchObject({ calls: 20, success: 11, blocked: 4, errors: 0, skipped: 5, max_ms: 120 });
    near(b.p50_ms, 113);
    near(b.p95_ms, 120);
    near(b.instructions_p50, 1013);
    expect(b.instructions_max).toBe(1020);
  });

  it("honours since and until at minute resolution, in ms or ISO 8601, and says what it covered", async () => {
    const ev = unique("ev");
    const start = Date.UTC(2026, 2, 1);
    await write(knownSet(ev, start)); // traces at start + 1 min … start + 20 min
    const since = new Date(start + 5 * MINUTE + 30_000).toISOString(); // widened to start + 5 min
    const { body } = await admin(
      "GET",
      `/v1/stats?trigger_event=${ev}&since=${since}&until=${start + 10 * MINUTE}`,
    );
    // Traces 5..9: durations 5..9; 6..9 blocked.
    expect(body.triggers[0]).toMatchObject({ calls: 5, success: 1, blocked: 4, errors: 0, max_ms: 9 });
    near(body.triggers[0].p50_ms, 7);
    expect(body.source.covered).toEqual({ since: start + 5 * MINUTE, until: start + 10 * MINUTE });
    expect(body.scripts.map((s: { calls: number }) => s.calls)).toEqual([5, 5]);
  });

  it("adds up flushes of the same minute and does not count a retried flush twice", async () => {
    const ev = unique("ev");
    const start = Date.UTC(2026, 2, 3);
    const one = (durationMs: number) => {
      const trace = traceRow({ triggerEvent: ev, startedAt: start + 1000, durationMs });
      return { trace, spans: [spanRow(trace, { scriptId: `${ev}_a`, instructions: durationMs })] };
    };
    const first = [one(1), one(2)];
    await write(first);
    await write([one(3)]);
    await write(first); // a retry of a flush that did commit: the traces exist, nothing is added
    const { body } = await admin(
      "GET",
      `/v1/stats?trigger_event=${ev}&since=${start}&until=${start + MINUTE}`,
    );
    expect(body.triggers[0]).toMatchObject({ calls: 3, success: 3, max_ms: 3 });
    expect(body.scripts[0]).toMatchObject({ calls: 3, instructions_max: 3 });
    near(body.scripts[0].instructions_p50, 2);
  });

  it("counts every stored row once when the queue redelivers a batch mixing stored and new traces", async () => {
    const ev = unique("ev");
    const start = Date.UTC(2026, 2, 4);
    const one = (durationMs: number) => {
      const trace = traceRow({ triggerEvent: ev, startedAt: start + 1000, durationMs });
      return { trace, spans: [spanRow(trace, { scriptId: `${ev}_a`, instructions: durationMs })] };
    };
    const [a, b, c] = [one(1), one(2), one(3)];
    await consume([{ v: 1, records: [a, b] }]);
    // Redelivered (at-least-once) together with a new trace: a and b are stored, c is not.
    await consume(
      [
        { v: 1, records: [a, b] },
        { v: 1, records: [c] },
      ],
      2,
    );
    const { body } = await statsOf(ev, start);
    expect(body.triggers[0]).toMatchObject({ calls: 3, success: 3, max_ms: 3 });
    expect(body.scripts[0]).toMatchObject({ calls: 3, instructions_max: 3 });
  });

  it("counts a split trace once and each of its spans once, whichever batch brings them", async () => {
    const ev = unique("ev");
    const start = Date.UTC(2026, 2, 5);
    const trace = traceRow({ triggerEvent: ev, startedAt: start + 1000, durationMs: 4, instructions: 30 });
    const x = spanRow(trace, { scriptId: `${ev}_a`, instructions: 10 });
    const y = spanRow(trace, { scriptId: `${ev}_a`, parallelIndex: 1, instructions: 20 });
    await consume([{ v: 1, records: [{ trace, spans: [x] }] }]);
    await consume([{ v: 1, records: [{ trace, spans: [y] }] }]); // the trace row again, a new span
    await consume([{ v: 1, records: [{ trace, spans: [x, y] }] }], 2); // all of it redelivered
    const { body } = await statsOf(ev, start);
    expect(body.triggers[0]).toMatchObject({ calls: 1, instructions_max: 30 });
    expect(body.scripts[0]).toMatchObject({ calls: 2, instructions_max: 20 });
  });

  it("keeps no user data in a rollup row", async () => {
    const ev = unique("ev");
    await createScript(ev, "log(ctx.user.email) return { data = { seen = ctx.user.email } }");
    const { body } = await fireTrigger(ev, {
      user: { id: "u_secret_77", email: "carol@example.com" },
      ip: "198.51.100.77",
    });
    expect(body.status).toBe("success");
    const rows = await eventuallyValue(
      async () =>
        (
          await testDb().$client.execute({
            sql: "select * from pipeline_rollups where trigger_event = ?",
            args: [ev],
          })
        ).rows,
      (r) => r.length >= 2,
    );
    expect(rows).toHaveLength(2); // the trigger's row and the script's
    const text = JSON.stringify(rows);
    for (const secret of ["u_secret_77", "carol@example.com", "198.51.100.77"])
      expect(text).not.toContain(secret);
  });

  it("answers empty lists for a window without traces", async () => {
    const { status, body } = await admin("GET", `/v1/stats?trigger_event=${unique("ev")}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ triggers: [], scripts: [] });
  });

  it("rejects bad parameters with a 400 naming them", async () => {
    for (const [query, field] of [
      ["since=soon", "since"],
      ["until=1e3", "until"],
      ["since=2000&until=1000", "since"],
      ["trigger_event=NO", "trigger_event"],
    ]) {
      const res = await admin("GET", `/v1/stats?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ field });
    }
  });
});
