/** Test reads of stored traces and spans, straight from the local libSQL server. */
import { eq, inArray, sql } from "drizzle-orm";
import { pipelineTraces, type SpanReadRow } from "../../src/db/schema";
import { type SetRow, spansFromSetRows } from "../../src/db/span-sets";
import { DEFAULT_DEADLINE_MS } from "../poll";
import { eventuallyValue, testDb } from "./helpers";

/** The stored trace row with this id, or undefined. */
export async function storedTrace(id: string) {
  const rows = await testDb().select().from(pipelineTraces).where(eq(pipelineTraces.id, id));
  return rows[0];
}

/** Ids of the stored traces of one trigger event. */
export async function tracesForEvent(event: string): Promise<string[]> {
  const rows = await testDb()
    .select({ id: pipelineTraces.id })
    .from(pipelineTraces)
    .where(eq(pipelineTraces.triggerEvent, event));
  return rows.map((r) => r.id);
}

/**
 * The stored spans of these traces (unpacked from their span sets, whether or not a trace row
 * exists), each trace's in (layer, parallel, started_at) order. A span of the trace's root span
 * has a null parent, as stored.
 */
export async function storedSpansOf(traceIds: string[]): Promise<SpanReadRow[]> {
  if (traceIds.length === 0) return [];
  const ids = sql.join(
    traceIds.map((id) => sql`${id}`),
    sql`, `,
  );
  const rows = await testDb().all<SetRow>(
    sql`select s.trace_id, s.started_at, lower(hex(s.ids)) as ids, s.spans, h.heads from pipeline_span_sets s
      left join pipeline_span_heads h on h.id = s.heads where s.trace_id in (${ids}) order by s.started_at, s.part`,
  );
  return [...spansFromSetRows(traceIds, rows).values()].flat();
}

/** The stored spans of a trace, in (layer, parallel) order. */
export function storedSpans(traceId: string): Promise<SpanReadRow[]> {
  return storedSpansOf([traceId]);
}

/** Deletes the span sets of these traces (test clean-up). */
export async function deleteSpanSets(traceIds: string[]): Promise<void> {
  const ids = sql.join(
    traceIds.map((id) => sql`${id}`),
    sql`, `,
  );
  await testDb().run(sql`delete from pipeline_span_sets where trace_id in (${ids})`);
}

/** Waits until the trace is stored (it is written in waitUntil, after the answer). */
export function waitForTrace(id: string, timeoutMs = DEFAULT_DEADLINE_MS) {
  return eventuallyValue(
    () => storedTrace(id),
    (row) => row !== undefined,
    timeoutMs,
  ).then((row) => row!);
}

/** How many of these trace ids are stored. */
export async function countStored(ids: string[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < ids.length; i += 200) {
    const rows = await testDb()
      .select({ id: pipelineTraces.id })
      .from(pipelineTraces)
      .where(inArray(pipelineTraces.id, ids.slice(i, i + 200)));
    n += rows.length;
  }
  return n;
}
