/**
 * Per-request context: a request id, a logger stamped with it, the parsed config and a database
 * handle on `c.var`; then one structured log line per request when the answer is ready.
 */
import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { lazyDatabase } from "../db/client";
import { loadConfig } from "../env";
import { ApiError } from "../errors";
import { randomHex } from "../lib/hex";
import { createLogger } from "../lib/log";
import type { AppEnv } from "../types";
import { handleError } from "./errors";

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{8,64}$/;

/** Installs `requestId`, `logger`, `config` and `db`, and logs the request when it ends. */
export function requestContext(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomHex(8);
    c.set("requestId", requestId);
    c.header("x-request-id", requestId);
    const loaded = loadConfig(c.env ?? {});
    const logger = createLogger(loaded.ok ? loaded.config.LOG_LEVEL : "info", { request_id: requestId });
    c.set("logger", logger);
    try {
      if (!loaded.ok) {
        // answered here, not thrown: a throw would pass this `finally` before onError set the
        // answer, and the request line would log the default 200
        const invalid = new ApiError("CONFIG_INVALID", `Worker configuration is invalid: ${loaded.message}`);
        c.res = handleError(invalid, c);
        return c.res;
      }
      c.set("config", loaded.config);
      c.set("db", lazyDatabase(loaded.config));
      await next();
    } finally {
      const status = c.res.status;
      const fields = {
        method: c.req.method,
        route: routePath(c, -1),
        path: new URL(c.req.url).pathname,
        status,
        duration_ms: Math.round((performance.now() - started) * 100) / 100,
        outcome: status < 400 ? "ok" : status < 500 ? "client_error" : "server_error",
        trace_id: c.get("traceId"),
      };
      if (status >= 500) logger.error("request", fields);
      else logger.info("request", fields);
    }
  };
}
