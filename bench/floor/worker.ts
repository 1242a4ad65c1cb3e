/**
 * The benchmark's floor: a no-op Hono worker under the same `wrangler dev` flags as Hookline. It
 * does what any JSON webhook must: parse the JSON body, write one JSON log line, answer JSON (in
 * the trigger answer's shape). Nothing else: no auth, no scripts, no trace.
 */
import { Hono } from "hono";

const app = new Hono();

app.post("/v1/triggers/:event", async (c) => {
  const started = performance.now();
  const body = await c.req.json<Record<string, unknown>>();
  const answer = {
    trace_id: "0".repeat(32),
    status: "success",
    decision: "allow",
    data: {},
    duration_ms: Math.round((performance.now() - started) * 100) / 100,
  };
  console.log(
    JSON.stringify({
      level: "info",
      msg: "request",
      time: new Date().toISOString(),
      method: c.req.method,
      path: new URL(c.req.url).pathname,
      status: 200,
      keys: Object.keys(body).length,
      duration_ms: answer.duration_ms,
    }),
  );
  return c.json(answer);
});

app.get("/health", (c) => c.json({ ok: true }));

export default app;
