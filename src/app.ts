/**
 * The Hono app factory. Tests, `wrangler dev` and production all use `createApp()`, so the
 * middleware chain, error shape and validation hook are the same everywhere.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { SCOPE_DESCRIPTIONS, SCOPES } from "./auth/scopes";
import { validationHook } from "./lib/validation";
import { requireScope } from "./middleware/auth";
import { handleError, handleNotFound } from "./middleware/errors";
import { requestContext } from "./middleware/request-context";
import { registerAudit } from "./routes/audit";
import { registerBacktest } from "./routes/backtest";
import { registerConsole } from "./routes/console";
import { registerHealth } from "./routes/health";
import { registerInternal } from "./routes/internal";
import { registerReplay } from "./routes/replay";
import { registerRetention } from "./routes/retention";
import { registerScriptRollback } from "./routes/script-rollback";
import { registerScripts } from "./routes/scripts";
import { registerScriptsApply } from "./routes/scripts-apply";
import { registerScriptCheck } from "./routes/scripts-check";
import { registerSecrets } from "./routes/secrets";
import { registerStats } from "./routes/stats";
import { registerStatsSeries } from "./routes/stats-series";
import { registerTraces } from "./routes/traces";
import { registerTriggers } from "./routes/triggers";
import { registerUsers } from "./routes/users";
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
  registerStatsSeries(app);
  registerInternal(app);
  registerScriptsApply(app);
  registerScripts(app);
  registerSecrets(app);
  registerScriptRollback(app);
  registerTriggers(app);
  registerAudit(app);
  registerRetention(app);
  registerScriptCheck(app);
  registerUsers(app);
  registerConsole(app);
  registerBacktest(app);
  registerReplay(app);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerToken", {
    type: "http",
    scheme: "bearer",
    description: `ADMIN_TOKEN (every scope), TRIGGER_TOKEN (trigger) or a named API_TOKENS token. Each operation names its scope in its security requirement and in x-required-scope. Scopes: ${SCOPES.map((s) => `${s}: ${SCOPE_DESCRIPTIONS[s]}`).join("; ")}.`,
  });
  // The API description is not public either: every endpoint but /health needs a token.
  app.use("/openapi.json", requireScope("scripts:read"));
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
