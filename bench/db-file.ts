/**
 * Direct reads of the benchmark's SQLite file with better-sqlite3 (beside the local server, which
 * keeps serving the workers): row counts for a run's `user_id` prefix, and polling until the
 * workers' background trace writes have landed. Reads never go through the server, so they never
 * show up in its request counters.
 */
import Database from "better-sqlite3";
import { sleep } from "./client";

export type Db = Database.Database;

/** Opens the file for reading (WAL: sees every committed write of the server). */
export function openReader(file: string): Db {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma("busy_timeout = 5000");
  return db;
}

export interface RunRows {
  traces: number;
  distinctIds: number;
  spans: number;
  /** Rows of `pipeline_span_sets` holding them (one per trace unless a trace arrived split). */
  spanSets: number;
  ids: Set<string>;
}

/** Traces (and their spans) whose user_id starts with `prefix`. */
export function rowsOfRun(db: Db, prefix: string): RunRows {
  const like = `${prefix}%`;
  const t = db
    .prepare("select count(*) as n, count(distinct id) as d from pipeline_traces where user_id like ?")
    .get(like) as { n: number; d: number };
  const s = db
    .prepare(
      "select coalesce(sum(length(ids) / 8), 0) as n, count(*) as sets from pipeline_span_sets where (started_at, trace_id) in (select started_at, id from pipeline_traces where user_id like ?)",
    )
    .get(like) as { n: number; sets: number };
  const ids = new Set(
    (db.prepare("select id from pipeline_traces where user_id like ?").all(like) as { id: string }[]).map(
      (r) => r.id,
    ),
  );
  return { traces: t.n, distinctIds: t.d, spans: s.n, spanSets: s.sets, ids };
}

/**
 * Polls until `expected` traces of the run are stored, then a quiet `settleMs` more (to catch a
 * late duplicate or an extra request). Returns the wait in ms; gives up after `timeoutMs`.
 */
export async function waitForTraces(
  db: Db,
  prefix: string,
  expected: number,
  timeoutMs = 30_000,
  settleMs = 500,
) {
  const t0 = performance.now();
  const count = db.prepare("select count(*) as n from pipeline_traces where user_id like ?");
  while (performance.now() - t0 < timeoutMs) {
    const { n } = count.get(`${prefix}%`) as { n: number };
    if (n >= expected) break;
    await sleep(50);
  }
  const waited = performance.now() - t0;
  await sleep(settleMs);
  return waited;
}
