/**
 * The trace writer: buffers finished traces of one isolate and writes them off the answer's path.
 *
 * - Traces finished close together are coalesced: a batch is flushed `flushIntervalMs` after its
 *   first trace; once it holds `maxBatchTraces` traces or `maxBatchBytes`, it takes no more and
 *   the next trace opens a new batch.
 * - `enqueue` returns the promise of the flush that carries the trace; the trigger route passes it
 *   to `ctx.waitUntil`, so nothing buffered is lost when the isolate goes idle.
 * - Workers bind timers and I/O to the request that created them. So a batch is flushed only by
 *   its own timer, in the context of the request that opened it (that request's waitUntil awaits
 *   the same flush, so its context lives until the flush ends); other requests only await the
 *   batch's promise, which workerd resolves into each awaiting request's own context.
 * - A failed flush is retried with jittered backoff; if every try fails, the batch goes to the
 *   fallback (the trace queue, when one is bound); whatever neither takes is logged as one
 *   structured JSON line per trace (`trace_write_failed`), never dropped in silence. The promise
 *   never rejects.
 */
import type { TraceRecord } from "../db/trace-writes";
import { rootMessage } from "../lib/db-errors";
import type { Logger } from "../lib/log";

export interface TraceWriterOptions {
  /** Writes one flush (one database request). Throws on failure. */
  write: (records: TraceRecord[]) => Promise<void>;
  /**
   * Tried once when every try of `write` failed (the trace queue in `direct` mode, Turso in
   * `queue` mode). Resolves with the records it could not take (logged as failed); throws when
   * it took none.
   */
  fallback?: { name: string; write: (records: TraceRecord[]) => Promise<TraceRecord[]> };
  logger: Logger;
  flushIntervalMs?: number;
  maxBatchTraces?: number;
  maxBatchBytes?: number;
  /** Delays before each retry; the jitter multiplies each by 0.5–1.5. */
  retryDelaysMs?: number[];
  random?: () => number;
}

interface Batch {
  records: TraceRecord[];
  bytes: number;
  done: Promise<void>;
}

export const DEFAULT_RETRY_DELAYS_MS = [100, 500, 2000, 5000];
/**
 * Default coalescing window (`TRACE_FLUSH_MS`). Every flush is one outbound request, and its fixed
 * cost (the request, the rollup upsert) is shared by the traces it carries: at 100 ms one isolate
 * serving ~100 calls/s writes ~10 traces per request (at 25 ms it wrote ~3).
 */
export const DEFAULT_FLUSH_INTERVAL_MS = 100;

/** Rough stored size of a record (its JSON text columns dominate). */
function recordBytes(r: TraceRecord): number {
  const t = r.trace;
  let n = (t.contextSnapshot?.length ?? 0) + (t.layerPrev?.length ?? 0) + (t.resultData?.length ?? 0) + 512;
  for (const s of r.spans) n += (s.attributes?.length ?? 0) + 256;
  return n;
}

export class TraceWriter {
  private batch: Batch | null = null;
  private readonly interval: number;
  private readonly maxTraces: number;
  private readonly maxBytes: number;
  private readonly delays: number[];
  private readonly random: () => number;

  constructor(private readonly opts: TraceWriterOptions) {
    this.interval = opts.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
    this.maxTraces = opts.maxBatchTraces ?? 100;
    this.maxBytes = opts.maxBatchBytes ?? 4 * 1024 * 1024;
    this.delays = opts.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.random = opts.random ?? Math.random;
  }

  /** Buffers a trace; resolves once the flush carrying it has been written (or logged). */
  enqueue(record: TraceRecord): Promise<void> {
    const batch = this.batch ?? this.openBatch();
    batch.records.push(record);
    batch.bytes += recordBytes(record);
    if (batch.records.length >= this.maxTraces || batch.bytes >= this.maxBytes) this.batch = null;
    return batch.done;
  }

  /** Opens a batch whose timer, set in the current request's context, will flush it. */
  private openBatch(): Batch {
    const batch: Batch = { records: [], bytes: 0, done: Promise.resolve() };
    batch.done = new Promise<void>((resolve) => {
      setTimeout(() => {
        if (this.batch === batch) this.batch = null;
        this.writeWithRetries(batch.records).finally(resolve);
      }, this.interval);
    });
    this.batch = batch;
    return batch;
  }

  private async writeWithRetries(records: TraceRecord[]): Promise<void> {
    let lastError: unknown;
    for (let attempt = 0; attempt <= this.delays.length; attempt++) {
      if (attempt > 0) {
        const base = this.delays[attempt - 1] ?? 0;
        await new Promise((r) => setTimeout(r, base * (0.5 + this.random())));
      }
      try {
        await this.opts.write(records);
        if (attempt > 0)
          this.opts.logger.warn("trace_write_recovered", { attempts: attempt + 1, traces: records.length });
        return;
      } catch (err) {
        lastError = err;
      }
    }
    let failed = records;
    let message = rootMessage(lastError);
    const fallback = this.opts.fallback;
    if (fallback) {
      try {
        failed = await fallback.write(records);
        this.opts.logger.warn("trace_write_deferred", {
          via: fallback.name,
          traces: records.length - failed.length,
          error: message,
        });
      } catch (err) {
        message = `${message}; ${fallback.name}: ${rootMessage(err)}`;
      }
    }
    for (const record of failed) {
      this.opts.logger.error("trace_write_failed", {
        attempts: this.delays.length + 1,
        error: message,
        trace: { ...record.trace, spans: record.spans },
      });
    }
  }
}
