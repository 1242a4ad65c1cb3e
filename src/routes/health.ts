/**
 * `GET /health`: liveness plus a `select 1` round trip to the database, the trace delivery mode
 * and this isolate's OTLP push counters. No token needed (nothing secret: no URLs, no headers).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { otlpCounters } from "../otlp/push";
import { jsonResponse } from "../schemas/common";
import { deliveryMode } from "../tracing/registry";
import type { App } from "../types";

const HealthSchema = z
  .object({
    ok: z.boolean(),
    db: z.object({ ok: z.boolean(), latency_ms: z.number().optional(), error: z.string().optional() }),
    delivery: z.object({
      mode: z
        .enum(["direct", "queue"])
        .openapi({ description: "The mode in force (queue needs TRACE_QUEUE)" }),
      configured: z.enum(["direct", "queue"]).openapi({ description: "TRACE_DELIVERY" }),
      queue: z.enum(["bound", "absent"]).openapi({
        description: "Whether the TRACE_QUEUE producer is bound; a Worker cannot read the queue's backlog",
      }),
    }),
    otlp: z.object({
      enabled: z.boolean(),
      protocol: z.enum(["http/json", "http/protobuf"]),
      exports: z.number().int(),
      spans: z.number().int(),
      failed_attempts: z.number().int(),
      failed_exports: z.number().int(),
      dropped_spans: z.number().int(),
    }),
  })
  .openapi("Health");

const route = createRoute({
  method: "get",
  path: "/health",
  tags: ["health"],
  summary: "Liveness and database reachability",
  responses: {
    200: jsonResponse(HealthSchema, "Worker and database are up"),
    503: jsonResponse(HealthSchema, "The database is unreachable"),
  },
});

export function registerHealth(app: App): void {
  app.openapi(route, async (c) => {
    const config = c.var.config;
    const delivery = {
      mode: deliveryMode(config),
      configured: config.TRACE_DELIVERY,
      queue: config.TRACE_QUEUE ? ("bound" as const) : ("absent" as const),
    };
    const otlp = {
      enabled: Boolean(config.OTLP_ENDPOINT),
      protocol: config.OTLP_PROTOCOL,
      ...otlpCounters(),
    };
    const started = performance.now();
    try {
      await c.var.db.run(sql`select 1`);
      const latency = Math.round((performance.now() - started) * 100) / 100;
      return c.json({ ok: true, db: { ok: true, latency_ms: latency }, delivery, otlp }, 200);
    } catch (err) {
      c.var.logger.warn("health_db_unreachable", { message: (err as Error).message });
      return c.json({ ok: false, db: { ok: false, error: "database unreachable" }, delivery, otlp }, 503);
    }
  });
}
