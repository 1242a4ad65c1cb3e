/**
 * Erasure of one user's traces (`DELETE /v1/users/{user_id}/traces`). One round deletes the span
 * sets of the user's ≤ n oldest traces, then those traces, then checks whether any is left, in
 * one batch (one HTTP request, one transaction). The traces come from `trace_user_started_idx`
 * (`user_id = ?`, ordered by started_at, id), their sets from the sets' primary key
 * (started_at, trace_id); the set delete answers the spans each set held.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Database } from "./client";
import { spansDeleted } from "./trace-retention";

const userTraceIds = (userId: string, n: number, columns = sql`id`) =>
  sql`select ${columns} from pipeline_traces where user_id = ${userId} order by started_at, id limit ${n}`;

/** Deletes the spans of the user's next ≤ n traces (run before the traces themselves). */
export const deleteSpansOfUserTraces = (userId: string, n: number): SQL =>
  sql`delete from pipeline_span_sets where (started_at, trace_id) in (${userTraceIds(userId, n, sql`started_at, id`)})
    returning length(ids) / 8 as spans`;

/** Deletes the user's next ≤ n traces. */
export const deleteUserTraces = (userId: string, n: number): SQL =>
  sql`delete from pipeline_traces where id in (${userTraceIds(userId, n)})`;

/** Whether any trace of the user is left (answers `done` without another round). */
export const userHasTraces = (userId: string): SQL =>
  sql`select exists (select 1 from pipeline_traces where user_id = ${userId}) as left`;

export interface ErasureResult {
  deleted_traces: number;
  deleted_spans: number;
  batches: number;
  /** False when `maxBatches` ended first: call again. */
  done: boolean;
}

/**
 * Deletes up to `maxBatches × batchSize` of the user's traces and all their spans.
 * @throws the database error of a failed round (rounds already committed stay committed)
 */
export async function eraseUserTraces(
  db: Database,
  userId: string,
  opts: { batchSize: number; maxBatches: number },
): Promise<ErasureResult> {
  const result: ErasureResult = { deleted_traces: 0, deleted_spans: 0, batches: 0, done: false };
  while (result.batches < opts.maxBatches) {
    const [spans, traces, left] = await db.batch([
      db.run(deleteSpansOfUserTraces(userId, opts.batchSize)),
      db.run(deleteUserTraces(userId, opts.batchSize)),
      db.run(userHasTraces(userId)),
    ]);
    result.batches += 1;
    result.deleted_spans += spansDeleted(spans);
    result.deleted_traces += traces.rowsAffected;
    if (Number(left.rows[0]?.left ?? 0) === 0) {
      result.done = true;
      break;
    }
  }
  return result;
}
