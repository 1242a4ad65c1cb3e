/**
 * Row 2: database HTTP requests per trace at low load. Counters at the local server are reset,
 * then sequential trigger calls, each `spacingMs` after the previous answer (more than the
 * writer's flush window, TRACE_FLUSH_MS, so no two traces can share a flush); after the writes land, every `/v2/pipeline`
 * request is classified by its SQL: trace inserts, script reads (cache refreshes), other.
 */
import { readSampleContexts } from "../tools/seed";
import { classify, countKinds, dbStats, type RequestKind, resetDbStats, sleep, timedTrigger } from "./client";
import { type Db, rowsOfRun, waitForTraces } from "./db-file";

export interface WritesResult {
  calls: number;
  spacingMs: number;
  seconds: number;
  tracesStored: number;
  requests: number;
  kinds: Record<RequestKind, number>;
  insertsPerTrace: number;
  /** Seconds after the first call at which each script read (cache refresh) happened. */
  scriptReadsAt: number[];
}

/** Runs the low-load request count against the tracing-on worker. */
export async function measureWrites(
  onUrl: string,
  dbUrl: string,
  reader: Db,
  calls: number,
  spacingMs: number,
  signal: AbortSignal,
): Promise<WritesResult> {
  const prefix = `bench-writes-${Date.now().toString(36)}-`;
  const { allowed, blocked } = readSampleContexts();
  await sleep(1000); // let any earlier flush land before the counters are reset
  await resetDbStats(dbUrl);
  const t0 = performance.now();
  const wallT0 = Date.now();
  let made = 0;
  for (let i = 0; i < calls && !signal.aborted; i++) {
    // The gap runs from one answer to the next call: a slow call can never bring two traces
    // within one flush window (start-to-start spacing can, when one call is slower).
    if (i > 0) await sleep(spacingMs);
    const base = (i % 2 === 0 ? allowed : blocked) as { user: object };
    await timedTrigger(onUrl, { ...base, user: { ...base.user, id: `${prefix}${i}` } });
    made += 1;
  }
  const seconds = (performance.now() - t0) / 1000;
  await waitForTraces(reader, prefix, made, 15_000, 1000);
  const stats = await dbStats(dbUrl);
  const kinds = countKinds(stats.requests);
  const scriptReadsAt = stats.requests
    .filter((r) => classify(r) === "script_read")
    .map((r) => (r.at_ms - wallT0) / 1000);
  const stored = rowsOfRun(reader, prefix).traces;
  return {
    calls: made,
    spacingMs,
    seconds,
    tracesStored: stored,
    requests: stats.pipeline_requests,
    kinds,
    insertsPerTrace: kinds.trace_insert / Math.max(1, stored),
    scriptReadsAt,
  };
}
