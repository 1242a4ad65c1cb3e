/**
 * Trace retention: deletes traces older than `TRACE_RETENTION_DAYS` and their spans, in bounded
 * batches, until nothing is due or the time budget is spent (then `done: false`; the next run
 * continues). The cutoff is fixed once at the start, so rows written during the run (newer than
 * the cutoff) are never touched. Shared by the cron trigger and `POST /internal/cleanup-traces`.
 * The cron also deletes stats rollups older than `ROLLUP_RETENTION_DAYS` (400).
 */
import type { Database } from "../db/client";
import { createDatabase } from "../db/client";
import { deleteOldRollups, ROLLUP_RETENTION_DAYS } from "../db/rollups";
import { deleteExpiredRound } from "../db/trace-retention";
import { loadConfig } from "../env";
import { createLogger } from "../lib/log";
import { cleanupExpiredAudit } from "./audit-retention";

const DAY_MS = 86_400_000;

/** The retention cutoff in Unix ms: traces that started before it are due. */
export const retentionCutoff = (now: number, retentionDays: number): number => now - retentionDays * DAY_MS;

export const DEFAULT_BATCH_SIZE = 500;
/** Wall-clock budget of one run; the cron handler may run far longer, an HTTP caller may not. */
export const DEFAULT_TIME_BUDGET_MS = 20_000;

export interface CleanupOptions {
  /** "Now" in Unix ms; the cutoff is `now − retentionDays × 24 h`. */
  now: number;
  retentionDays: number;
  /** Traces (and at most as many orphan spans) per round trip. */
  batchSize?: number;
  /** Stop starting new rounds after this many ms (at least one round always runs). */
  timeBudgetMs?: number;
  /** Clock for the budget (tests may pass a fake one). */
  clock?: () => number;
}

export interface CleanupResult {
  cutoff: number;
  cutoff_iso: string;
  deleted_traces: number;
  deleted_spans: number;
  batches: number;
  done: boolean;
}

/**
 * Deletes expired traces and their spans (spans first), plus orphan spans older than the cutoff.
 * @throws the database error of a failed round (rounds already committed stay committed).
 * @example await cleanupExpiredTraces(db, { now: Date.now(), retentionDays: 30 })
 */
export async function cleanupExpiredTraces(db: Database, opts: CleanupOptions): Promise<CleanupResult> {
  const { now, retentionDays, batchSize = DEFAULT_BATCH_SIZE, timeBudgetMs = DEFAULT_TIME_BUDGET_MS } = opts;
  const clock = opts.clock ?? Date.now;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError("batchSize must be a positive integer");
  const cutoff = retentionCutoff(now, retentionDays);
  const started = clock();
  const result: CleanupResult = {
    cutoff,
    cutoff_iso: new Date(cutoff).toISOString(),
    deleted_traces: 0,
    deleted_spans: 0,
    batches: 0,
    done: false,
  };
  for (;;) {
    const round = await deleteExpiredRound(db, cutoff, batchSize);
    result.batches += 1;
    result.deleted_traces += round.traces;
    result.deleted_spans += round.spans + round.orphans;
    if (round.traces < batchSize && round.orphanSets < batchSize) {
      result.done = true;
      return result;
    }
    if (clock() - started >= timeBudgetMs) return result;
  }
}

/**
 * The cron entry: parses the config, runs the cleanup, and logs one JSON line with the result
 * (or the failure). Never throws: a failed run is logged and the next one continues.
 */
export async function runScheduledCleanup(env: object, now = Date.now()): Promise<CleanupResult | null> {
  const loaded = loadConfig(env);
  if (!loaded.ok) {
    createLogger("error").error("trace_cleanup_failed", {
      reason: "config_invalid",
      message: loaded.message,
    });
    return null;
  }
  const { config } = loaded;
  const logger = createLogger(config.LOG_LEVEL, { job: "trace_cleanup" });
  try {
    const db = createDatabase(config);
    const result = await cleanupExpiredTraces(db, {
      now,
      retentionDays: config.TRACE_RETENTION_DAYS,
      timeBudgetMs: 10 * 60_000,
    });
    const deletedRollups = await deleteOldRollups(db, now - ROLLUP_RETENTION_DAYS * DAY_MS);
    logger.info("trace_cleanup", { ...result, deleted_rollups: deletedRollups });
    logger.info("audit_cleanup", await cleanupExpiredAudit(db, now));
    return result;
  } catch (err) {
    logger.error("trace_cleanup_failed", { message: (err as Error).message });
    return null;
  }
}
