/**
 * `GET /v1/stats/series`: the rollups as a point per step, per trigger and per script, every step
 * of the window present (quiet ones as zeros), exact counts per step and p95s from the step's own
 * buckets; the default step; bad parameters.
 */
import { describe, expect, it } from "vitest";
import { insertTraceRecords } from "../../src/db/trace-writes";
import { RELATIVE_ERROR } from "../../src/stats/histogram";
import { admin, testDb, unique } from "./helpers";
import { DAY_MS, type Seeded, spanRow, traceRow } from "./trace-fixtures";

const MINUTE = 60_000;
const START = Date.UTC(2026, 10, 20, 10, 0); // a whole minute

/** Six traces a minute apart: #1 blocked, #4 an error; script A with instructions 100·(i+1). */
function sixCalls(ev: string): Seeded[] {
  return Array.from({ length: 6 }, (_, i) => {
    const status = i === 1 ? "blocked" : i === 4 ? "error" : "success";
    const trace = traceRow({
      triggerEvent: ev,
      startedAt: START + i * MINUTE,
      status,
      decision: status === "success" ? "allow" : "block",
    });
    const span = spanRow(trace, { scriptId: `${ev}_a`, instructions: 100 * (i + 1), status });
    return { trace, spans: [span] };
  });
}

function near(actual: number | null, exact: number) {
  expect(actual).not.toBeNull();
  expect(Math.abs((actual as number) - exact)).toBeLessThanOrEqual(RELATIVE_ERROR * exact + 1e-9);
}

const series = (ev: string, query: string) => admin("GET", `/v1/stats/series?trigger_event=${ev}&${query}`);

describe("GET /v1/stats/series", () => {
  it("a point per step for the trigger and each script, quiet steps as zeros", async () => {
    const ev = unique("series");
    await insertTraceRecords(testDb(), sixCalls(ev));
    const res = await series(
      ev,
      `since=${START - 2 * MINUTE}&until=${START + 6 * MINUTE}&step_ms=${2 * MINUTE}`,
    );
    expect(res.status).toBe(200);
    expect(res.body.step_ms).toBe(2 * MINUTE);
    expect(res.body.source).toMatchObject({ kind: "rollups", resolution_ms: MINUTE });
    const [trigger, script] = res.body.series;
    expect(res.body.series).toHaveLength(2);
    expect(trigger).toMatchObject({ trigger_event: ev, script_id: null });
    expect(script).toMatchObject({ trigger_event: ev, script_id: `${ev}_a` });
    const t = (k: number) => START + (k - 1) * 2 * MINUTE;
    const counts = (p: any) => [p.t, p.calls, p.success, p.blocked, p.errors];
    expect(trigger.points.map(counts)).toEqual([
      [t(0), 0, 0, 0, 0],
      [t(1), 2, 1, 1, 0],
      [t(2), 2, 2, 0, 0],
      [t(3), 2, 1, 0, 1],
    ]);
    expect(script.points.map(counts)).toEqual(trigger.points.map(counts));
    // the quiet step has no percentiles; the others, their own step's (p95 of two runs: the larger)
    expect(script.points[0].instructions_p95).toBeNull();
    near(script.points[1].instructions_p95, 200);
    near(script.points[2].instructions_p95, 400);
    near(script.points[3].instructions_p95, 600);
  });

  it("chooses a step when none is given (1 minute for a short window) and keeps other triggers out", async () => {
    const ev = unique("series");
    await insertTraceRecords(testDb(), [...sixCalls(ev), ...sixCalls(unique("other"))]);
    const res = await series(ev, `since=${START}&until=${START + 6 * MINUTE}`);
    expect(res.status).toBe(200);
    expect(res.body.step_ms).toBe(MINUTE);
    expect(res.body.series.map((s: any) => s.trigger_event)).toEqual([ev, ev]);
    expect(res.body.series[0].points.map((p: any) => p.calls)).toEqual([1, 1, 1, 1, 1, 1]);
    const week = await series(ev, `since=${START}&until=${START + 7 * DAY_MS}`);
    expect(week.body.step_ms).toBe(360 * MINUTE); // 28 points
    expect(week.body.series[0].points).toHaveLength(28);
  });

  const bad: [string, string][] = [
    [`step_ms=90000&since=${START}&until=${START + DAY_MS}`, "step_ms"],
    [`step_ms=abc`, "step_ms"],
    [`step_ms=${MINUTE}&since=${START}&until=${START + 30 * DAY_MS}`, "step_ms"], // 43,200 points
    [`since=${START + MINUTE}&until=${START}`, "since"],
  ];
  for (const [query, field] of bad) {
    it(`rejects ${query} with a 400 naming ${field}`, async () => {
      const res = await admin("GET", `/v1/stats/series?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: "VALIDATION_FAILED", field });
    });
  }
});
