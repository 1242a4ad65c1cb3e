/**
 * Where the trigger path gets its scripts: this isolate's ScriptCache over the database,
 * built lazily per database URL (and secrets key) from the request's config (never from
 * globals). Each load also decrypts the scripts' secrets, once, for every call it serves.
 */
import { createDatabase } from "../db/client";
import { listEnabledScripts, type ScriptWithSource } from "../db/scripts-repo";
import type { Config } from "../env";
import { createLogger } from "../lib/log";
import { keyringTag } from "../secrets/keyring";
import { ScriptCache } from "./script-cache";
import { attachSecrets, type WithSecrets } from "./script-secrets";

/** A script as the trigger path caches it: its current source and its decrypted secrets. */
export type CachedScript = ScriptWithSource & WithSecrets;

const caches = new Map<string, ScriptCache<CachedScript>>();
/** The cache of each parsed config (workerd hands one env, so one config, to every request). */
const byConfig = new WeakMap<Config, ScriptCache<CachedScript>>();

/** Returns this isolate's script cache for the configured database and secrets key. */
export function getScriptCache(config: Config): ScriptCache<CachedScript> {
  const known = byConfig.get(config);
  if (known) return known;
  const key = `${config.TURSO_DATABASE_URL}\n${keyringTag(config)}`;
  let cache = caches.get(key);
  if (!cache) {
    const logger = createLogger(config.LOG_LEVEL, { component: "script_cache" });
    cache = new ScriptCache<CachedScript>({
      load: async () => {
        const db = createDatabase(config);
        return attachSecrets(db, config, await listEnabledScripts(db), logger);
      },
      onRefreshError: (err) => logger.warn("script_refresh_failed", { message: (err as Error).message }),
    });
    caches.set(key, cache);
  }
  byConfig.set(config, cache);
  return cache;
}

/** Drops every cached snapshot of this database (after an edit in this isolate), whatever the key. */
export function invalidateScriptCaches(config: Config): void {
  for (const [key, cache] of caches) if (key.startsWith(`${config.TURSO_DATABASE_URL}\n`)) cache.invalidate();
}
