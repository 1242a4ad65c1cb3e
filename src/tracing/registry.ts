/**
 * One trace writer per isolate and configuration. The writer outlives requests (that is how it
 * coalesces), so it is built lazily from the first request's config, never from globals.
 *
 * Delivery (`TRACE_DELIVERY`, only with a `TRACE_QUEUE` binding; without one it is always direct):
 * - `direct`: each flush is one Turso batch; after its quick retries it goes to the queue.
 * - `queue`: each flush goes to the queue (the consumer coalesces across isolates); if sending
 *   keeps failing, it is written to Turso directly.
 * Both paths, and the queue consumer, store through `storeTraceRecords`.
 */
import { createDatabase } from "../db/client";
import { insertTraceRecords, type TraceRecord } from "../db/trace-writes";
import type { Config } from "../env";
import { createLogger } from "../lib/log";
import { pushToOtlp } from "../otlp/push";
import { sendToQueue } from "./queue";
import { TraceWriter } from "./writer";

export type DeliveryMode = "direct" | "queue";

/** The delivery mode in force: `queue` needs the binding. */
export function deliveryMode(config: Config): DeliveryMode {
  return config.TRACE_DELIVERY === "queue" && config.TRACE_QUEUE ? "queue" : "direct";
}

/**
 * Writes records to Turso in one idempotent batch, then pushes them to the OTLP collector if one
 * is configured (the push never throws, so it cannot fail the write).
 * @throws when the database does not commit the batch
 */
export async function storeTraceRecords(config: Config, records: TraceRecord[]): Promise<void> {
  // A fresh client per flush: no I/O object is shared between the requests a writer serves.
  await insertTraceRecords(createDatabase(config), records);
  await pushToOtlp(config, records, createLogger(config.LOG_LEVEL, { component: "otlp" }));
}

const writers = new Map<string, TraceWriter>();
/** The writer of each parsed config (one per isolate in workerd), so a call builds no key. */
const byConfig = new WeakMap<Config, TraceWriter>();

function buildWriter(config: Config): TraceWriter {
  const queue = config.TRACE_QUEUE;
  const logger = createLogger(config.LOG_LEVEL, { component: "trace_writer" });
  const toTurso = (records: TraceRecord[]) => storeTraceRecords(config, records);
  const timing = { flushIntervalMs: config.TRACE_FLUSH_MS, retryDelaysMs: config.TRACE_RETRY_DELAYS_MS };
  if (!queue) return new TraceWriter({ write: toTurso, logger, ...timing });
  if (deliveryMode(config) === "queue") {
    return new TraceWriter({
      // Records too big for a message are written directly, in the same try.
      write: async (records) => {
        const left = await sendToQueue(queue, records);
        if (left.length > 0) await toTurso(left);
      },
      fallback: {
        name: "turso",
        write: async (records) => {
          await toTurso(records);
          return [];
        },
      },
      logger,
      ...timing,
    });
  }
  return new TraceWriter({
    write: toTurso,
    fallback: { name: "queue", write: (records) => sendToQueue(queue, records) },
    logger,
    ...timing,
  });
}

/** Returns this isolate's writer for the configuration. */
export function getTraceWriter(config: Config): TraceWriter {
  const known = byConfig.get(config);
  if (known) return known;
  const key = [
    config.TURSO_DATABASE_URL,
    config.TRACE_RETRY_DELAYS_MS.join(","),
    config.TRACE_FLUSH_MS,
    deliveryMode(config),
    config.TRACE_QUEUE ? "q" : "-",
    config.OTLP_ENDPOINT ?? "",
    config.OTLP_PROTOCOL,
  ].join("|");
  let writer = writers.get(key);
  if (!writer) {
    writer = buildWriter(config);
    writers.set(key, writer);
  }
  byConfig.set(config, writer);
  return writer;
}
