/**
 * Row 3: concurrent load on the tracing-on worker. `clients` loops share one counter of `calls`
 * (each takes the next call number until none remain). Every call carries a user id with this
 * run's own prefix, so the stored rows of the run can be counted exactly: traces stored must equal
 * calls answered, with no duplicate and no id missing. Database write requests are counted at the
 * server (trace inserts per call: the writer's coalescing).
 */
import { readSampleContexts } from "../tools/seed";
import { countKinds, dbStats, type RequestKind, resetDbStats, sleep, timedTrigger } from "./client";
import { type Db, rowsOfRun, waitForTraces } from "./db-file";
import { type Summary, summarize } from "./stats";

export interface LoadResult {
  clients: number;
  calls: number;
  failures: number;
  seconds: number;
  callsPerSecond: number;
  latency: Summary;
  requests: number;
  kinds: Record<RequestKind, number>;
  writesPerCall: number;
  tracesPerWrite: number;
  writeWaitMs: number;
  stored: { traces: number; distinctIds: number; spans: number };
  answeredIds: number;
  missing: number;
  unexpected: number;
}

/** Runs the concurrent load; a failed call is counted, not retried. */
export async function measureLoad(
  onUrl: string,
  dbUrl: string,
  reader: Db,
  clients: number,
  calls: number,
  signal: AbortSignal,
): Promise<LoadResult> {
  const prefix = `bench-load-${Date.now().toString(36)}-`;
  const { allowed, blocked } = readSampleContexts();
  await sleep(1000);
  await resetDbStats(dbUrl);
  const answered = new Set<string>();
  const times: number[] = [];
  let next = 0;
  let failures = 0;
  const deadline = performance.now() + 5 * 60_000;
  const client = async () => {
    while (next < calls && !signal.aborted && performance.now() < deadline) {
      const i = next++;
      const base = (i % 2 === 0 ? allowed : blocked) as { user: object };
      try {
        const r = await timedTrigger(onUrl, { ...base, user: { ...base.user, id: `${prefix}${i}` } });
        times.push(r.ms);
        answered.add(r.answer.trace_id);
      } catch {
        failures += 1;
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, client));
  const seconds = (performance.now() - t0) / 1000;
  const writeWaitMs = await waitForTraces(reader, prefix, answered.size, 30_000, 1000);
  const stats = await dbStats(dbUrl);
  const kinds = countKinds(stats.requests);
  const rows = rowsOfRun(reader, prefix);
  let missing = 0;
  for (const id of answered) if (!rows.ids.has(id)) missing += 1;
  let unexpected = 0;
  for (const id of rows.ids) if (!answered.has(id)) unexpected += 1;
  return {
    clients,
    calls: times.length,
    failures,
    seconds,
    callsPerSecond: times.length / seconds,
    latency: summarize(times),
    requests: stats.pipeline_requests,
    kinds,
    writesPerCall: kinds.trace_insert / Math.max(1, times.length),
    tracesPerWrite: rows.traces / Math.max(1, kinds.trace_insert),
    writeWaitMs,
    stored: { traces: rows.traces, distinctIds: rows.distinctIds, spans: rows.spans },
    answeredIds: answered.size,
    missing,
    unexpected,
  };
}
