/**
 * The worker entry: `fetch` serves the Hono app; `scheduled` runs the daily trace cleanup.
 */
import { createApp } from "./app";
import type { Bindings } from "./env";
import { runScheduledCleanup } from "./jobs/cleanup";

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(_controller: ScheduledController, env: Bindings, ctx: ExecutionContext) {
    // Logs one JSON line with { cutoff, deleted_traces, deleted_spans, batches, done }; never throws.
    ctx.waitUntil(runScheduledCleanup(env));
  },
} satisfies ExportedHandler<Bindings>;
