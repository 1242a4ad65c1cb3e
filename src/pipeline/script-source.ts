/**
 * Where the trigger path gets its scripts: this isolate's ScriptCache over the database,
 * built lazily per database URL from the request's config (never from globals).
 */
import { createDatabase } from "../db/client";
import { listEnabledScripts } from "../db/scripts-repo";
import type { Config } from "../env";
import { createLogger } from "../lib/log";
import { ScriptCache } from "./script-cache";

const caches = new Map<string, ScriptCache>();

/** Returns this isolate's script cache for the configured database. */
export function getScriptCache(config: Config): ScriptCache {
  let cache = caches.get(config.TURSO_DATABASE_URL);
  if (!cache) {
    const logger = createLogger(config.LOG_LEVEL, { component: "script_cache" });
    cache = new ScriptCache({
      load: () => listEnabledScripts(createDatabase(config)),
      onRefreshError: (err) => logger.warn("script_refresh_failed", { message: (err as Error).message }),
    });
    caches.set(config.TURSO_DATABASE_URL, cache);
  }
  return cache;
}
