/**
 * Row 5: the retention cleanup through the worker (`POST /internal/cleanup-traces`, admin token),
 * called again while it answers `done: false`. Before and after, the unexpired rows are counted
 * and fingerprinted (sha256 of their sorted ids) straight from the file, to prove the cleanup
 * left them untouched, and the expired rows are counted (after: must be 0).
 */
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { adminCall } from "./client";
import type { Db } from "./db-file";

const DAY = 86_400_000;

export interface Census {
  expiredTraces: number;
  expiredSpans: number;
  liveTraces: number;
  liveSpans: number;
  /** sha256 over the sorted ids of unexpired traces, then of their spans. */
  liveFingerprint: string;
}

export interface CleanupRun {
  before: Census;
  after: Census;
  calls: number;
  batches: number;
  deletedTraces: number;
  deletedSpans: number;
  done: boolean;
  seconds: number;
  rowsPerSecond: number;
  batchSize: number | undefined;
  fileMiBBefore: number;
  fileMiBAfter: number;
}

/** Counts and fingerprints rows on either side of `boundary` (Unix ms). */
export function census(db: Db, boundary: number): Census {
  const one = (sql: string) => (db.prepare(sql).get(boundary) as { n: number }).n;
  const hash = createHash("sha256");
  for (const row of db
    .prepare("select id from pipeline_traces where started_at >= ? order by id")
    .iterate(boundary))
    hash.update((row as { id: string }).id);
  for (const row of db
    .prepare(
      "select lower(hex(s.ids)) as ids from pipeline_span_sets s join pipeline_traces t on t.id = s.trace_id where t.started_at >= ? order by s.trace_id, s.part",
    )
    .iterate(boundary))
    hash.update((row as { ids: string }).ids);
  return {
    expiredTraces: one("select count(*) as n from pipeline_traces where started_at < ?"),
    expiredSpans: one(
      "select coalesce(sum(length(ids) / 8), 0) as n from pipeline_span_sets where started_at < ?",
    ),
    liveTraces: one("select count(*) as n from pipeline_traces where started_at >= ?"),
    liveSpans: one(
      "select coalesce(sum(length(ids) / 8), 0) as n from pipeline_span_sets where (started_at, trace_id) in (select started_at, id from pipeline_traces where started_at >= ?)",
    ),
    liveFingerprint: hash.digest("hex").slice(0, 16),
  };
}

/**
 * Runs the cleanup to completion (or until `maxSeconds`).
 * @param boundary rows started before it count as expired: 30 days ago (the worker's cutoff is
 *   fixed at each call; the bulk seed leaves a day's gap on either side of it).
 */
export async function runCleanup(
  onUrl: string,
  reader: Db,
  dbFile: string,
  batchSize: number | undefined,
  signal: AbortSignal,
  maxSeconds = 480,
): Promise<CleanupRun> {
  const boundary = Date.now() - 30 * DAY;
  const before = census(reader, boundary);
  const fileMiBBefore = statSync(dbFile).size / 1024 / 1024;
  const query = batchSize ? `?batch_size=${batchSize}` : "";
  let calls = 0;
  let batches = 0;
  let deletedTraces = 0;
  let deletedSpans = 0;
  let done = false;
  const t0 = performance.now();
  while (!done && !signal.aborted && performance.now() - t0 < maxSeconds * 1000) {
    const r = await adminCall(onUrl, "POST", `/internal/cleanup-traces${query}`);
    if (r.status !== 200) throw new Error(`cleanup answered ${r.status}: ${JSON.stringify(r.body)}`);
    calls += 1;
    batches += r.body.batches;
    deletedTraces += r.body.deleted_traces;
    deletedSpans += r.body.deleted_spans;
    done = r.body.done;
  }
  const seconds = (performance.now() - t0) / 1000;
  const after = census(reader, boundary);
  return {
    before,
    after,
    calls,
    batches,
    deletedTraces,
    deletedSpans,
    done,
    seconds,
    rowsPerSecond: (deletedTraces + deletedSpans) / seconds,
    batchSize,
    fileMiBBefore,
    fileMiBAfter: statSync(dbFile).size / 1024 / 1024,
  };
}
