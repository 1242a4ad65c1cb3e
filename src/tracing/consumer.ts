/**
 * The trace queue's consumers (same worker as the producer):
 * - `hookline-traces`: every message of a batch (up to 100, from any isolate) is written in ONE
 *   idempotent Turso batch; on failure each message is retried with backoff by its attempt count
 *   (`TRACE_QUEUE_RETRY_DELAYS_S`, the last delay repeating) until `max_retries`, after which
 *   Queues moves it to the dead-letter queue.
 * - the dead-letter queue (a name ending in `-dlq`): one last write attempt, then every trace it
 *   could not write is logged as a `trace_write_failed` line with the full trace, and acked.
 */
import { joinRecords, type TraceRecord } from "../db/trace-writes";
import { type Bindings, loadConfig, type TraceQueueBody } from "../env";
import { rootMessage } from "../lib/db-errors";
import { createLogger, type Logger } from "../lib/log";
import { storeTraceRecords } from "./registry";

/** Delay before the next delivery of a message that has failed `attempts` times. */
export function retryDelaySeconds(delays: number[], attempts: number): number {
  return delays[Math.min(Math.max(attempts, 1), delays.length) - 1] ?? 0;
}

function isBody(body: unknown): body is TraceQueueBody {
  return (
    typeof body === "object" &&
    body !== null &&
    (body as TraceQueueBody).v === 1 &&
    Array.isArray((body as TraceQueueBody).records)
  );
}

/** The records of a batch, the parts of a split trace joined again. */
const recordsOf = (messages: readonly Message<unknown>[]): TraceRecord[] =>
  joinRecords(messages.flatMap((m) => (m.body as TraceQueueBody).records));

async function deadLetters(
  batch: MessageBatch<unknown>,
  records: TraceRecord[],
  store: () => Promise<void>,
  logger: Logger,
) {
  try {
    await store();
    logger.warn("trace_write_recovered", { via: "dead_letter_queue", traces: records.length });
  } catch (err) {
    const error = rootMessage(err);
    for (const record of records) {
      logger.error("trace_write_failed", {
        via: "dead_letter_queue",
        queue: batch.queue,
        error,
        trace: { ...record.trace, spans: record.spans },
      });
    }
  }
  batch.ackAll();
}

/** The worker's `queue` handler. Never throws: every message is acked or retried explicitly. */
export async function consumeTraceQueue(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  const loaded = loadConfig(env);
  if (!loaded.ok) {
    createLogger("error").error("trace_queue_config_invalid", { message: loaded.message });
    batch.retryAll({ delaySeconds: 60 });
    return;
  }
  const { config } = loaded;
  const logger = createLogger(config.LOG_LEVEL, { component: "trace_queue", queue: batch.queue });
  const valid = batch.messages.filter((m) => isBody(m.body));
  for (const m of batch.messages) {
    if (isBody(m.body)) continue;
    logger.error("trace_queue_message_invalid", { id: m.id });
    m.ack();
  }
  const records = recordsOf(valid);
  const store = () => storeTraceRecords(config, records);
  if (batch.queue.endsWith("-dlq")) return deadLetters(batch, records, store, logger);
  if (records.length === 0) return;
  const attempts = Math.max(...valid.map((m) => m.attempts));
  try {
    await store();
    for (const m of valid) m.ack();
    if (attempts > 1)
      logger.warn("trace_write_recovered", { via: "queue", traces: records.length, attempts });
    else logger.debug("trace_queue_written", { messages: valid.length, traces: records.length });
  } catch (err) {
    const delays = new Set<number>();
    for (const m of valid) {
      const delaySeconds = retryDelaySeconds(config.TRACE_QUEUE_RETRY_DELAYS_S, m.attempts);
      delays.add(delaySeconds);
      m.retry({ delaySeconds });
    }
    logger.warn("trace_queue_retry", {
      messages: valid.length,
      traces: records.length,
      attempts,
      delay_s: [...delays],
      error: rootMessage(err),
    });
  }
}
