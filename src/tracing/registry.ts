/**
 * One trace writer per isolate and database. The writer outlives requests (that is how it
 * coalesces), so it is built lazily from the first request's config, never from globals.
 */
import { createDatabase } from "../db/client";
import { insertTraceRecords } from "../db/trace-writes";
import type { Config } from "../env";
import { createLogger } from "../lib/log";
import { TraceWriter } from "./writer";

const writers = new Map<string, TraceWriter>();

/** Returns this isolate's writer for the configured database. */
export function getTraceWriter(config: Config): TraceWriter {
  const key = `${config.TURSO_DATABASE_URL}|${config.TRACE_RETRY_DELAYS_MS.join(",")}`;
  let writer = writers.get(key);
  if (!writer) {
    writer = new TraceWriter({
      // A fresh client per flush: no I/O object is shared between the requests a writer serves.
      write: (records) => insertTraceRecords(createDatabase(config), records),
      logger: createLogger(config.LOG_LEVEL, { component: "trace_writer" }),
      retryDelaysMs: config.TRACE_RETRY_DELAYS_MS,
    });
    writers.set(key, writer);
  }
  return writer;
}
