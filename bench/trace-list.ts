/**
 * Row 6: `GET /v1/traces` latency with each filter, on the bulk-seeded file (≈1M spans), and the
 * query plan of each. The SQL is built by the worker's own `tracePageStatement` (bench/worker-sql.ts); the
 * first 300 characters of it are checked against the SQL the worker actually sent (the local
 * server's request log), then `EXPLAIN QUERY PLAN` runs on the file with better-sqlite3.
 */
import { adminCall, dbStats, resetDbStats } from "./client";
import type { Db } from "./db-file";
import { type Summary, summarize } from "./stats";
import { type PageQuery, pageSql } from "./worker-sql";

export interface ListCase {
  label: string;
  /** For the summary line. */
  short: string;
  /** Query string of `GET /v1/traces` (without `?`). */
  query: string;
  /** The same filter as the repository sees it (limit 50, the default page). */
  page: PageQuery;
}

export interface ListResult {
  label: string;
  short: string;
  query: string;
  calls: number;
  latency: Summary;
  rows: number;
  plan: string[];
  sqlMatchesWorker: boolean;
}

/** The filter cases; the user, script and windows come from the bulk seed. */
export function listCases(scriptId: string, now: number): ListCase[] {
  const DAY = 86_400_000;
  const since = now - 45 * DAY;
  const until = since + DAY;
  const wSince = now - 40 * DAY;
  const wUntil = now - 33 * DAY;
  const limit = 50;
  return [
    { label: "no filter", short: "none", query: "", page: { limit } },
    {
      label: "trigger_event=before_signup",
      short: "event",
      query: "trigger_event=before_signup",
      page: { limit, triggerEvent: "before_signup" },
    },
    { label: "status=blocked", short: "status", query: "status=blocked", page: { limit, status: "blocked" } },
    {
      label: "user_id=bulk-u42",
      short: "user",
      query: "user_id=bulk-u42",
      page: { limit, userId: "bulk-u42" },
    },
    {
      label: "script_id (Risk Scorer)",
      short: "script",
      query: `script_id=${scriptId}`,
      page: { limit, scriptId },
    },
    {
      label: "since/until (1-day window, 45 days ago)",
      short: "window",
      query: `since=${since}&until=${until}`,
      page: { limit, since, until },
    },
    {
      label: "trigger_event + status=error + since/until (7 days)",
      short: "combined",
      query: `trigger_event=before_signin&status=error&since=${wSince}&until=${wUntil}`,
      page: { limit, triggerEvent: "before_signin", status: "error", since: wSince, until: wUntil },
    },
  ];
}

/** Runs `calls` sequential requests per case (bounded by `maxSecondsPerCase`) and explains each. */
export async function measureTraceList(
  onUrl: string,
  dbUrl: string,
  reader: Db,
  cases: ListCase[],
  calls: number,
  signal: AbortSignal,
  maxSecondsPerCase = 60,
): Promise<ListResult[]> {
  const out: ListResult[] = [];
  for (const c of cases) {
    if (signal.aborted) break;
    const path = `/v1/traces${c.query ? `?${c.query}` : ""}`;
    const first = await adminCall(onUrl, "GET", path); // warm-up, and the row count
    if (first.status !== 200)
      throw new Error(`GET ${path} answered ${first.status}: ${JSON.stringify(first.body)}`);
    await resetDbStats(dbUrl);
    const times: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < calls && !signal.aborted && performance.now() - t0 < maxSecondsPerCase * 1000; i++) {
      times.push((await adminCall(onUrl, "GET", path)).ms);
    }
    const { sql, params } = await pageSql(c.page);
    const sent = (await dbStats(dbUrl)).requests
      .flatMap((r) => r.sql)
      .find((s) => /from "pipeline_traces"/.test(s));
    const plan = reader.prepare(`explain query plan ${sql}`).all(...(params as unknown[])) as {
      detail: string;
      parent: number;
      id: number;
    }[];
    out.push({
      label: c.label,
      short: c.short,
      query: c.query,
      calls: times.length,
      latency: summarize(times),
      rows: (first.body?.traces ?? []).length,
      plan: indentPlan(plan),
      sqlMatchesWorker: sent !== undefined && sql.startsWith(sent),
    });
  }
  return out;
}

/** EXPLAIN QUERY PLAN rows as indented lines (children under their parent). */
function indentPlan(rows: { id: number; parent: number; detail: string }[]): string[] {
  const depth = new Map<number, number>([[0, -1]]);
  return rows.map((r) => {
    const d = (depth.get(r.parent) ?? -1) + 1;
    depth.set(r.id, d);
    return `${"  ".repeat(d)}${r.detail}`;
  });
}
