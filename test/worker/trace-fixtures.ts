/**
 * Test fixtures for stored traces: row builders with random valid ids (32/16 lowercase hex, as
 * the CHECK constraints and the span codec demand), seeding helpers that write through drizzle and
 * the writer's own span-set statement, and an
 * EXPLAIN QUERY PLAN helper that runs through the same libSQL client as the worker.
 */
import type { SQL } from "drizzle-orm";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import { pipelineTraces, type SpanRow, type TraceRow } from "../../src/db/schema";
import { spanSetWrites } from "../../src/db/span-sets";
import { randomHex } from "../../src/lib/hex";
import { testDb } from "./helpers";

export const DAY_MS = 86_400_000;

/** A trace row; every field overridable. Timing: starts at `startedAt`, lasts `durationMs`. */
export function traceRow(over: Partial<TraceRow> = {}): TraceRow {
  const startedAt = over.startedAt ?? Date.now();
  const durationMs = over.durationMs ?? 12;
  return {
    id: randomHex(16),
    rootSpanId: randomHex(8),
    triggerEvent: "before_signin",
    status: "success",
    decision: "allow",
    statusMessage: null,
    startedAt,
    endedAt: startedAt + Math.ceil(durationMs),
    durationMs,
    userId: null,
    requestIp: null,
    contextSnapshot: JSON.stringify({ user: { id: "u1" } }),
    resultData: JSON.stringify({ allow: true }),
    createdAt: startedAt,
    ...over,
  };
}

/** A script span of `trace` (child of its root span); every field overridable. */
export function spanRow(trace: TraceRow, over: Partial<SpanRow> = {}): SpanRow {
  const startedAt = over.startedAt ?? trace.startedAt;
  const durationMs = over.durationMs ?? 3;
  return {
    id: randomHex(8),
    traceId: trace.id,
    parentSpanId: trace.rootSpanId,
    name: "script",
    kind: "INTERNAL",
    scriptId: "scr_default",
    scriptVersion: 1,
    layerIndex: 0,
    parallelIndex: 0,
    status: "success",
    statusMessage: null,
    startedAt,
    endedAt: startedAt + Math.ceil(durationMs),
    durationMs,
    attributes: JSON.stringify({ input: { a: 1 }, output: { allow: true }, logs: [], instructions: 42 }),
    createdAt: startedAt,
    ...over,
  };
}

/** A trace with its spans. */
export interface Seeded {
  trace: TraceRow;
  spans: SpanRow[];
}

/** Writes only the span sets of these records (no trace rows: orphans when none exists). */
export async function seedSpanSets(...records: Seeded[]): Promise<void> {
  const db = testDb();
  const writes = await spanSetWrites(records);
  if (writes?.heads) await db.run(writes.heads);
  if (writes) await db.run(writes.sets);
}

/** Writes traces and their span sets straight into the test database (no rollups). */
export async function seed(...records: Seeded[]): Promise<void> {
  const traces = records.map((r) => r.trace);
  if (traces.length) await testDb().insert(pipelineTraces).values(traces);
  await seedSpanSets(...records);
}

const dialect = new SQLiteAsyncDialect();

/** `EXPLAIN QUERY PLAN` of a drizzle query (builder or `sql`), as the plan's detail lines. */
export async function queryPlan(
  query: SQL | { toSQL(): { sql: string; params: unknown[] } },
): Promise<string[]> {
  const { sql, params } = "toSQL" in query ? query.toSQL() : dialect.sqlToQuery(query);
  const db = testDb();
  const res = await db.$client.execute({ sql: `EXPLAIN QUERY PLAN ${sql}`, args: params as never });
  return res.rows.map((r) => String(r.detail));
}

/** True when a plan line reads a whole table (a `SCAN` that is not an index walk). */
export function isFullScan(line: string): boolean {
  return (
    /^SCAN \w+( AS \w+)?$/.test(line.trim()) ||
    (/^SCAN /.test(line.trim()) && !/USING (COVERING )?INDEX/.test(line))
  );
}
