/** Test reads of stored traces and spans, straight from the local libSQL server. */
import { asc, eq, inArray } from "drizzle-orm";
import { pipelineSpans, pipelineTraces } from "../../src/db/schema";
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

/** The stored spans of a trace, in (layer, parallel) order. */
export async function storedSpans(traceId: string) {
  return testDb()
    .select()
    .from(pipelineSpans)
    .where(eq(pipelineSpans.traceId, traceId))
    .orderBy(asc(pipelineSpans.layerIndex), asc(pipelineSpans.parallelIndex));
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
