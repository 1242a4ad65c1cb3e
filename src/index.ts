/**
 * The worker entry: `fetch` serves the Hono app; `scheduled` runs the daily trace cleanup;
 * `queue` consumes the trace queue (durable delivery) and its dead-letter queue.
 */
import { createApp } from "./app";
import type { Bindings } from "./env";
import { runScheduledCleanup } from "./jobs/cleanup";
import { consumeTraceQueue } from "./tracing/consumer";

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(_controller: ScheduledController, env: Bindings, ctx: ExecutionContext) {
    // Logs one JSON line with { cutoff, deleted_traces, deleted_spans, batches, done }; never throws.
    ctx.waitUntil(runScheduledCleanup(env));
  },
  // The trace queue and its dead-letter queue (see src/tracing/consumer.ts).
  async queue(batch: MessageBatch<unknown>, env: Bindings) {
    await consumeTraceQueue(batch, env);
  },
} satisfies ExportedHandler<Bindings>;
