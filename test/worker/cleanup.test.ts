/**
 * Trace retention: the 30-day boundary through the cron handler and through the endpoint, spans
 * deleted with their traces, orphan spans, bounded batches, the time budget, and no row that is
 * not due ever touched.
 */
import {
  createExecutionContext,
  createScheduledController,
  env,
  waitOnExecutionContext,
} from "cloudflare:test";
import { eq, inArray } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { pipelineTraces } from "../../src/db/schema";
import worker from "../../src/index";
import { cleanupExpiredTraces } from "../../src/jobs/cleanup";
import { randomHex } from "../../src/lib/hex";
import { deleteSpanSets, storedSpansOf } from "./db";
import { admin, call, testDb, unique } from "./helpers";
import { DAY_MS, type Seeded, seed, seedSpanSets, spanRow, traceRow } from "./trace-fixtures";

const MINUTE = 60_000;

async function present(seeded: Seeded[]) {
  const db = testDb();
  const traceIds = seeded.map((s) => s.trace.id);
  const spanIds = new Set(seeded.flatMap((s) => s.spans.map((x) => x.id)));
  const traces = await db
    .select({ id: pipelineTraces.id })
    .from(pipelineTraces)
    .where(inArray(pipelineTraces.id, traceIds));
  const spans = (await storedSpansOf(traceIds)).filter((s) => spanIds.has(s.id));
  return { traces: traces.length, spans: spans.length };
}

function withSpans(startedAt: number, n = 2): Seeded {
  const trace = traceRow({ triggerEvent: unique("ev"), startedAt });
  return {
    trace,
    spans: Array.from({ length: n }, (_, i) =>
      spanRow(trace, { parallelIndex: i, startedAt: startedAt + i }),
    ),
  };
}

/** An "ancient" clock for batch tests: nothing any other test writes is this old. */
function ancientNow(): number {
  return Date.UTC(2001, 0, 1) + Math.floor(Math.random() * DAY_MS);
}

describe("retention boundary", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("scheduled handler: 30 days minus a minute stays, 30 days plus a minute goes, with its spans", async () => {
    const now = Date.now();
    const keep = withSpans(now - 30 * DAY_MS + MINUTE);
    const drop = withSpans(now - 30 * DAY_MS - MINUTE);
    await seed(keep, drop);

    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: now, cron: "17 3 * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);

    expect(await present([keep])).toEqual({ traces: 1, spans: 2 });
    expect(await present([drop])).toEqual({ traces: 0, spans: 0 });
  });

  it("scheduled handler: stats rollups are kept 400 days, older ones go", async () => {
    const now = Date.now();
    const ev = unique("ev");
    const db = testDb().$client;
    const minuteOf = (t: number) => Math.floor(t / MINUTE) * MINUTE;
    const keptMinute = minuteOf(now - 400 * DAY_MS) + MINUTE; // well past the 30-day trace retention
    const goneMinute = minuteOf(now - 400 * DAY_MS) - MINUTE;
    for (const minute of [keptMinute, goneMinute])
      await db.execute({
        sql: "insert into pipeline_rollups (minute, trigger_event, script_id, calls) values (?, ?, '', 1)",
        args: [minute, ev],
      });
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: now, cron: "17 3 * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    const left = await db.execute({
      sql: "select minute from pipeline_rollups where trigger_event = ?",
      args: [ev],
    });
    expect(left.rows.map((r) => Number(r.minute))).toEqual([keptMinute]);
  });

  it("endpoint: same boundary, and it answers what it deleted", async () => {
    // The isolate's clock stands still (Date only): the cutoff the route answers is exact.
    const now = Date.now();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(now);
    const keep = withSpans(now - 30 * DAY_MS + MINUTE, 1);
    const drop = withSpans(now - 30 * DAY_MS - MINUTE, 3);
    await seed(keep, drop);

    const res = await admin("POST", "/internal/cleanup-traces");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ retention_days: 30, done: true });
    expect(res.body.deleted_traces).toBeGreaterThanOrEqual(1);
    expect(res.body.deleted_spans).toBeGreaterThanOrEqual(3);
    expect(res.body.batches).toBeGreaterThanOrEqual(1);
    expect(res.body.cutoff).toBe(now - 30 * DAY_MS);
    expect(new Date(res.body.cutoff_iso).getTime()).toBe(res.body.cutoff);
    expect(await present([keep])).toEqual({ traces: 1, spans: 1 });
    expect(await present([drop])).toEqual({ traces: 0, spans: 0 });
  });

  it("endpoint: needs the admin token and validates its parameters", async () => {
    expect((await call("POST", "/internal/cleanup-traces")).status).toBe(401);
    const bad = await admin("POST", "/internal/cleanup-traces?batch_size=0");
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe("batch_size");
  });
});

describe("cleanupExpiredTraces", () => {
  it("deletes in bounded batches: 5 expired traces at batchSize 2 → 3 batches, done", async () => {
    const db = testDb();
    const now = ancientNow();
    const cutoff = now - 30 * DAY_MS;
    await cleanupExpiredTraces(db, { now, retentionDays: 30 }); // anything older left by others
    const expired = [5, 4, 3, 2, 1].map((k) => withSpans(cutoff - k * MINUTE));
    const atCutoff = withSpans(cutoff); // started_at == cutoff is not due
    await seed(...expired, atCutoff);

    const result = await cleanupExpiredTraces(db, { now, retentionDays: 30, batchSize: 2 });
    expect(result).toEqual({
      cutoff,
      cutoff_iso: new Date(cutoff).toISOString(),
      deleted_traces: 5,
      deleted_spans: 10,
      batches: 3,
      done: true,
    });
    expect(await present(expired)).toEqual({ traces: 0, spans: 0 });
    expect(await present([atCutoff])).toEqual({ traces: 1, spans: 2 });
    await deleteSpanSets([atCutoff.trace.id]);
    await db.delete(pipelineTraces).where(eq(pipelineTraces.id, atCutoff.trace.id));
  });

  it("stops when the time budget ends (done: false) and the next run finishes", async () => {
    const db = testDb();
    const now = ancientNow();
    const cutoff = now - 30 * DAY_MS;
    await cleanupExpiredTraces(db, { now, retentionDays: 30 });
    const expired = [1, 2, 3, 4, 5].map((k) => withSpans(cutoff - k * MINUTE));
    await seed(...expired);

    const first = await cleanupExpiredTraces(db, { now, retentionDays: 30, batchSize: 2, timeBudgetMs: 0 });
    expect(first).toMatchObject({ deleted_traces: 2, deleted_spans: 4, batches: 1, done: false });
    // The oldest went first.
    expect(await present(expired.slice(3))).toEqual({ traces: 0, spans: 0 });
    const second = await cleanupExpiredTraces(db, { now, retentionDays: 30, batchSize: 2 });
    expect(second).toMatchObject({ deleted_traces: 3, deleted_spans: 6, batches: 2, done: true });
    expect(await present(expired)).toEqual({ traces: 0, spans: 0 });
  });

  it("deletes orphan spans older than the cutoff and keeps newer ones", async () => {
    const db = testDb();
    const now = ancientNow();
    const cutoff = now - 30 * DAY_MS;
    await cleanupExpiredTraces(db, { now, retentionDays: 30 });
    const ghost = randomHex(16);
    // Span sets whose trace row is gone (no foreign key holds them; an old bug or a manual
    // delete could leave them): one of a trace that started before the cutoff, one after.
    const oldTrace = traceRow({ id: ghost, startedAt: cutoff - MINUTE });
    const newTrace = traceRow({ id: ghost, startedAt: cutoff + MINUTE });
    const oldOrphan = spanRow(oldTrace);
    const newOrphan = spanRow(newTrace);
    await seedSpanSets({ trace: oldTrace, spans: [oldOrphan] }, { trace: newTrace, spans: [newOrphan] });
    expect(await storedSpansOf([ghost])).toHaveLength(2);

    const result = await cleanupExpiredTraces(db, { now, retentionDays: 30 });
    expect(result).toMatchObject({ deleted_traces: 0, deleted_spans: 1, done: true });
    expect((await storedSpansOf([ghost])).map((r) => r.id)).toEqual([newOrphan.id]);
    await deleteSpanSets([ghost]);
  });

  it("touches nothing that is not due while new traces arrive during the run", async () => {
    const db = testDb();
    const now = ancientNow();
    const cutoff = now - 30 * DAY_MS;
    await cleanupExpiredTraces(db, { now, retentionDays: 30 });
    const expired = Array.from({ length: 6 }, (_, k) => withSpans(cutoff - (k + 1) * MINUTE, 1));
    await seed(...expired);
    const fresh: Seeded[] = [];
    const run = cleanupExpiredTraces(db, { now, retentionDays: 30, batchSize: 1 });
    for (let i = 0; i < 4; i++) {
      const s = withSpans(cutoff + i, 1); // not due: started_at ≥ cutoff
      fresh.push(s);
      await seed(s);
    }
    const result = await run;
    expect(result).toMatchObject({ deleted_traces: 6, deleted_spans: 6, done: true });
    expect(await present(fresh)).toEqual({ traces: 4, spans: 4 });
    await deleteSpanSets(fresh.map((f) => f.trace.id));
    await db.delete(pipelineTraces).where(
      inArray(
        pipelineTraces.id,
        fresh.map((f) => f.trace.id),
      ),
    );
  });
});
