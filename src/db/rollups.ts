/**
 * The stats rollups in the database (`pipeline_rollups`, one row per minute × trigger × script;
 * see src/stats/rollup.ts):
 * - `rollupUpsert`: the statement a trace flush puts first in its batch, before the inserts. It
 *   counts only rows not stored yet (so no redelivery counts a row twice), adds counts, keeps
 *   maxima and adds histograms key by key in SQL, so concurrent isolates writing the same minute
 *   never lose an increment.
 * - `readRollups`: the sums over a window, in one batch (two statements, one snapshot), walking
 *   the primary key (minute, trigger_event, script_id) by minute.
 * - `deleteOldRollups`: the cron's cleanup (minute < cutoff), also by the primary key.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Buckets } from "../stats/histogram";
import type { Contribution } from "../stats/rollup";
import type { Database } from "./client";

/** Rollups are kept 400 days, so trends outlive the trace retention. */
export const ROLLUP_RETENTION_DAYS = 400;

const COUNTERS = [
  "calls",
  "success",
  "blocked",
  "errors",
  "skipped",
  "shadow_runs",
  "would_block",
  "would_error",
  "http_calls",
] as const;
const MAXIMA = ["duration_max", "instructions_max", "http_max"] as const;
const HISTOGRAMS = ["duration_hist", "instructions_hist", "http_hist"] as const;
const COLUMNS = ["minute", "trigger_event", "script_id", ...COUNTERS, ...MAXIMA, ...HISTOGRAMS];

/** `a + b` of two sparse JSON histograms, in SQL (stored row ⊕ the flush's increments). */
const mergeHist = (col: string) =>
  `(select coalesce(json_group_object(key, total), '{}') from (select key, sum(value) as total from (` +
  `select key, value from json_each(pipeline_rollups.${col}) union all ` +
  `select key, value from json_each(excluded.${col})) group by key))`;

const UPDATES = [
  ...COUNTERS.map((c) => `${c} = ${c} + excluded.${c}`),
  ...MAXIMA.map((c) => `${c} = coalesce(max(${c}, excluded.${c}), ${c}, excluded.${c})`),
  ...HISTOGRAMS.map((c) => `${c} = ${mergeHist(c)}`),
].join(", ");

const STATUS_COUNTS = ["success", "blocked", "error", "skipped"]
  .map((st) => `sum(kind != 'http' and status = '${st}')`)
  .join(", ");

/** The sparse histogram (JSON) of one bucket column over the group's contributions matching `when`. */
const groupHist = (bucket: string, when: string) =>
  `(select coalesce(json_group_object(b, n), '{}') from (select g.${bucket} as b, count(*) as n from f g
    where g.minute = f.minute and g.trigger_event = f.trigger_event and g.script_id = f.script_id and ${when}
    group by g.${bucket}))`;

const MEASURED = "kind != 'http' and status != 'skipped'";

/**
 * The upsert of a flush's rollup contributions (src/stats/rollup.ts), or null for none. It must
 * run BEFORE the flush's inserts, in the same batch (one transaction): it counts only the
 * contributions whose trace row or span is not stored yet (a span: its id in no stored set of
 * its trace, probed by the sets' primary key), i.e. exactly what the inserts that follow add. A redelivered flush, a batch mixing stored and new traces, or a split
 * trace arriving in several batches therefore counts every stored row once.
 */
export function rollupUpsert(contributions: Contribution[]): SQL | null {
  if (contributions.length === 0) return null;
  const payload = JSON.stringify(contributions);
  const field = (i: number, name: string) => `j.value ->> '$[${i}]' as ${name}`;
  const fields = [
    "id",
    "tbl",
    "minute",
    "trigger_event",
    "script_id",
    "kind",
    "status",
    "shadow",
    "d",
    "db",
    "i",
    "ib",
    "trace_id",
    "t0",
  ].map((name, i) => field(i, name));
  return sql`with v as materialized (select ${sql.raw(fields.join(", "))} from json_each(${payload}) j),
    f as materialized (select * from v where case v.tbl
      when 't' then not exists (select 1 from pipeline_traces t where t.id = v.id)
      else not exists (select 1 from pipeline_span_sets s where s.started_at = v.t0 and s.trace_id = v.trace_id
        and instr(s.ids, unhex(v.id)) > 0) end)
    insert into pipeline_rollups (${sql.raw(COLUMNS.join(", "))})
    select minute, trigger_event, script_id, sum(kind != 'http'), ${sql.raw(STATUS_COUNTS)},
      sum(shadow is not null), sum(ifnull(shadow = 'block', 0)), sum(ifnull(shadow = 'error', 0)), sum(kind = 'http'),
      max(case when ${sql.raw(MEASURED)} then d end), max(case when ${sql.raw(MEASURED)} then i end),
      max(case when kind = 'http' then d end),
      ${sql.raw(groupHist("db", MEASURED))}, ${sql.raw(groupHist("ib", MEASURED))},
      ${sql.raw(groupHist("db", "g.kind = 'http'"))}
    from f where true group by minute, trigger_event, script_id
    on conflict (minute, trigger_event, script_id) do update set ${sql.raw(UPDATES)}`;
}

/** The window of a stats read: rollup minutes m with floor(since) ≤ m < until. */
export interface RollupWindow {
  since: number;
  until: number;
  triggerEvent?: string;
  /**
   * Sums per step of this many ms (a multiple of a minute) from the floored `since`, for a series
   * over time; absent: one sum over the whole window.
   */
  stepMs?: number;
}

/** Sums of one (trigger, script) over the window; script_id "" is the trigger's own row. */
export interface RollupSums {
  /** Start of the step these sums cover (the floored `since` when the read has no step). */
  t: number;
  triggerEvent: string;
  scriptId: string;
  counts: Record<(typeof COUNTERS)[number], number>;
  durationMax: number | null;
  instructionsMax: number | null;
  httpMax: number | null;
  durationHist: Buckets;
  instructionsHist: Buckets;
  httpHist: Buckets;
}

const flooredSince = (w: RollupWindow) => Math.floor(w.since / 60_000) * 60_000;

/** The step a rollup minute falls in (integer division), or the window's start. */
function stepOf(w: RollupWindow, alias = ""): SQL {
  const since = flooredSince(w);
  if (w.stepMs === undefined) return sql`${since}`;
  // integers inlined (both computed here, never from input text): bound parameters may arrive as
  // REAL, and then the division would not floor
  const [from, step] = [String(Math.trunc(since)), String(Math.trunc(w.stepMs))];
  return sql.raw(`((${alias ? `${alias}.` : ""}minute - ${from}) / ${step}) * ${step} + ${from}`);
}

function where(w: RollupWindow, alias = "") {
  const p = alias ? `${alias}.` : "";
  const since = flooredSince(w);
  return sql`${sql.raw(p)}minute >= ${since} and ${sql.raw(p)}minute < ${w.until}${
    w.triggerEvent !== undefined ? sql` and ${sql.raw(p)}trigger_event = ${w.triggerEvent}` : sql``
  }`;
}

/** The two read statements (exported for the tests' EXPLAIN QUERY PLAN). */
export function rollupReadStatements(w: RollupWindow): { sums: SQL; buckets: SQL } {
  const sums = sql`select ${stepOf(w)} as t, trigger_event, script_id, ${sql.raw(COUNTERS.map((c) => `sum(${c}) as ${c}`).join(", "))},
    max(duration_max) as duration_max, max(instructions_max) as instructions_max, max(http_max) as http_max
    from pipeline_rollups where ${where(w)} group by t, trigger_event, script_id`;
  const part = (col: string, kind: string) =>
    sql`select ${stepOf(w, "r")} as t, r.trigger_event, r.script_id, ${kind} as kind, j.key as bucket, sum(j.value) as n
      from pipeline_rollups r, json_each(r.${sql.raw(col)}) j where ${where(w, "r")}
      group by t, r.trigger_event, r.script_id, j.key`;
  const buckets = sql`${part("duration_hist", "d")} union all ${part("instructions_hist", "i")} union all ${part("http_hist", "h")}`;
  return { sums, buckets };
}

/** Reads the rollup sums of a window: one entry per (step, trigger, script) that has any. */
export async function readRollups(db: Database, w: RollupWindow): Promise<RollupSums[]> {
  const q = rollupReadStatements(w);
  const [sums, buckets] = await db.batch([
    db.all<Record<string, unknown>>(q.sums),
    db.all<Record<string, unknown>>(q.buckets),
  ]);
  const byKey = new Map<string, RollupSums>();
  for (const r of sums) {
    const counts = Object.fromEntries(COUNTERS.map((c) => [c, Number(r[c] ?? 0)])) as RollupSums["counts"];
    const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
    byKey.set(`${r.t}\u0000${r.trigger_event}\u0000${r.script_id}`, {
      t: Number(r.t),
      triggerEvent: String(r.trigger_event),
      scriptId: String(r.script_id),
      counts,
      durationMax: num(r.duration_max),
      instructionsMax: num(r.instructions_max),
      httpMax: num(r.http_max),
      durationHist: {},
      instructionsHist: {},
      httpHist: {},
    });
  }
  for (const b of buckets) {
    const entry = byKey.get(`${b.t}\u0000${b.trigger_event}\u0000${b.script_id}`);
    if (!entry) continue;
    const hist =
      b.kind === "d" ? entry.durationHist : b.kind === "i" ? entry.instructionsHist : entry.httpHist;
    hist[String(b.bucket)] = Number(b.n);
  }
  return [...byKey.values()];
}

/** Deletes rollup rows of minutes before the cutoff; answers how many. */
export async function deleteOldRollups(db: Database, cutoff: number): Promise<number> {
  const res = await db.run(sql`delete from pipeline_rollups where minute < ${cutoff}`);
  return res.rowsAffected;
}
