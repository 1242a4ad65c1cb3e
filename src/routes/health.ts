/** `GET /health`: liveness plus a `select 1` round trip to the database. No token needed. */
import { createRoute, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { jsonResponse } from "../schemas/common";
import type { App } from "../types";

const HealthSchema = z
  .object({
    ok: z.boolean(),
    db: z.object({ ok: z.boolean(), latency_ms: z.number().optional(), error: z.string().optional() }),
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
    const started = performance.now();
    try {
      await c.var.db.run(sql`select 1`);
      const latency = Math.round((performance.now() - started) * 100) / 100;
      return c.json({ ok: true, db: { ok: true, latency_ms: latency } }, 200);
    } catch (err) {
      c.var.logger.warn("health_db_unreachable", { message: (err as Error).message });
      return c.json({ ok: false, db: { ok: false, error: "database unreachable" } }, 503);
    }
  });
}
