/**
 * The Hono app factory. Tests, `wrangler dev` and production all use `createApp()`, so the
 * middleware chain, error shape and validation hook are the same everywhere.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { validationHook } from "./lib/validation";
import { requireToken } from "./middleware/auth";
import { handleError, handleNotFound } from "./middleware/errors";
import { requestContext } from "./middleware/request-context";
import { registerHealth } from "./routes/health";
import { registerInternal } from "./routes/internal";
import { registerScripts } from "./routes/scripts";
import { registerStats } from "./routes/stats";
import { registerTraces } from "./routes/traces";
import { registerTriggers } from "./routes/triggers";
import type { App, AppEnv } from "./types";
import { API_VERSION } from "./version";

/** Builds the Hookline app with every route registered. */
export function createApp(): App {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use("*", requestContext());
  app.onError(handleError);
  app.notFound(handleNotFound);

  registerHealth(app);
  registerTraces(app);
  registerStats(app);
  registerInternal(app);
  registerScripts(app);
  registerTriggers(app);

  app.openAPIRegistry.registerComponent("securitySchemes", "adminToken", {
    type: "http",
    scheme: "bearer",
    description: "ADMIN_TOKEN",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "triggerToken", {
    type: "http",
    scheme: "bearer",
    description: "TRIGGER_TOKEN",
  });
  // The API description is not public either: every endpoint but /health needs a token.
  app.use("/openapi.json", requireToken("ADMIN_TOKEN"));
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Hookline",
      version: API_VERSION,
      description: "Run and observe authentication hooks (Lua scripts) at the edge.",
    },
  });
  return app;
}
