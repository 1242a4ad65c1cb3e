/** The Hono environment shared by the app, its middleware and its routes. */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Principal } from "./auth/scopes";
import type { Database } from "./db/client";
import type { Bindings, Config } from "./env";
import type { Logger } from "./lib/log";

export interface AppVariables {
  requestId: string;
  logger: Logger;
  config: Config;
  db: Database;
  /** The raw and parsed JSON object body, set by the jsonObjectBody middleware. */
  rawBody: string;
  jsonBody: Record<string, unknown>;
  /** Who called, set by requireScope (the token's name and scopes). */
  principal?: Principal;
  /** Set by the trigger route so the request log line can name the trace. */
  traceId?: string;
}

export type AppEnv = { Bindings: Bindings; Variables: AppVariables };

export type App = OpenAPIHono<AppEnv>;
