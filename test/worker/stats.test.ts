/**
 * `GET /v1/stats` on a known set: exact counts per outcome and nearest-rank percentiles, per
 * trigger and per script; the default 24 h window; the row caps; bad parameters.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { readStatsRows } from "../../src/db/trace-stats";
import { percentile } from "../../src/stats/aggregate";
import { admin, testDb, unique } from "./helpers";
import { DAY_MS, type Seeded, seed, spanRow, traceRow } from "./trace-fixtures";

/** 20 traces (durations 1..20 ms), each running script A, then script B (5 skipped, 4 blocking). */
function knownSet(ev: string, start: number): Seeded[] {
  return Array.from({ length: 20 }, (_, k) => {
    const i = k + 1;
    const status = i >= 6 && i <= 9 ? "blocked" : i >= 19 ? "error" : "success";
    const trace = traceRow({
      triggerEvent: ev,
      startedAt: start + i * 1000,
      durationMs: i,
      status,
      decision: status === "blocked" ? "block" : "allow",
    });
    const a = spanRow(trace, {
      scriptId: `${ev}_a`,
      durationMs: i / 2,
      status: i >= 19 ? "error" : "success",
    });
    const bStatus = i <= 5 ? "skipped" : i <= 9 ? "blocked" : "success";
    const b = spanRow(trace, {
      scriptId: `${ev}_b`,
      layerIndex: 1,
      durationMs: bStatus === "skipped" ? 0 : 100 + i,
      status: bStatus,
    });
    return { trace, spans: [a, b] };
  });
}

describe("GET /v1/stats", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("counts outcomes and computes percentiles per trigger and per script (default: last 24 h)", async () => {
    const ev = unique("ev");
    // The isolate's clock stands still (Date only): the default window ends exactly now.
    const now = Date.now();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(now);
    const old = traceRow({ triggerEvent: ev, startedAt: now - DAY_MS - 60_000, durationMs: 999 });
    await seed(...knownSet(ev, now - 3_600_000), {
      trace: old,
      spans: [spanRow(old, { scriptId: `${ev}_a` })],
    });

    const { status, body } = await admin("GET", `/v1/stats?trigger_event=${ev}`);
    expect(status).toBe(200);
    expect(body.window.until - body.window.since).toBe(DAY_MS);
    expect(body.window.until).toBe(now);
    expect(body.sample).toMatchObject({ traces: 20, spans: 40, truncated: false });
    expect(body.triggers).toEqual([
      {
        trigger_event: ev,
        calls: 20,
        success: 14,
        blocked: 4,
        errors: 2,
        p50_ms: 10,
        p95_ms: 19,
        max_ms: 20,
      },
    ]);
    expect(body.scripts).toEqual([
      {
        script_id: `${ev}_a`,
        trigger_event: ev,
        calls: 20,
        success: 18,
        blocked: 0,
        errors: 2,
        skipped: 0,
        p50_ms: 5,
        p95_ms: 9.5,
        max_ms: 10,
      },
      // Percentiles over the 15 runs that were not skipped: 106..120.
      {
        script_id: `${ev}_b`,
        trigger_event: ev,
        calls: 20,
        success: 11,
        blocked: 4,
        errors: 0,
        skipped: 5,
        p50_ms: 113,
        p95_ms: 120,
        max_ms: 120,
      },
    ]);
  });

  it("honours since (inclusive) and until (exclusive), in ms or ISO 8601", async () => {
    const ev = unique("ev");
    const start = Date.UTC(2026, 2, 1);
    await seed(...knownSet(ev, start)); // traces at start + 1 s … start + 20 s
    const since = new Date(start + 5000).toISOString();
    const { body } = await admin(
      "GET",
      `/v1/stats?trigger_event=${ev}&since=${since}&until=${start + 10_000}`,
    );
    // Traces 5..9: durations 5,6,7,8,9; 6..9 blocked.
    expect(body.triggers).toEqual([
      { trigger_event: ev, calls: 5, success: 1, blocked: 4, errors: 0, p50_ms: 7, p95_ms: 9, max_ms: 9 },
    ]);
    expect(body.scripts.map((s: { calls: number }) => s.calls)).toEqual([5, 5]);
  });

  it("answers empty lists for a window without traces", async () => {
    const { status, body } = await admin("GET", `/v1/stats?trigger_event=${unique("ev")}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      triggers: [],
      scripts: [],
      sample: { traces: 0, spans: 0, truncated: false },
    });
  });

  it("caps the rows it reads and says so", async () => {
    const ev = unique("ev");
    const start = Date.UTC(2026, 2, 2);
    await seed(...knownSet(ev, start));
    const rows = await readStatsRows(
      testDb(),
      { since: start, until: start + DAY_MS, triggerEvent: ev },
      8,
      10,
    );
    expect(rows.truncated).toBe(true);
    expect(rows.traces).toHaveLength(8);
    expect(rows.traces[0]!.durationMs).toBe(20); // the newest first
    expect(rows.spans).toHaveLength(10);
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

  it("uses nearest-rank percentiles", () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 95)).toBe(4);
  });
});
