/**
 * Where the trigger path gets its scripts: this isolate's ScriptCache over the database,
 * built lazily per database URL (and secrets key) from the request's config (never from
 * globals). Each load also decrypts the scripts' secrets, once, for every call it serves.
 */
import { createDatabase } from "../db/client";
import { listEnabledScripts, type ScriptWithSource } from "../db/scripts-repo";
import { listEnabledSealedSecrets } from "../db/secrets-repo";
import type { Config } from "../env";
import { createLogger } from "../lib/log";
import { keyringTag } from "../secrets/keyring";
import { ScriptCache } from "./script-cache";
import { attachSecrets, type WithSecrets } from "./script-secrets";

/** A script as the trigger path caches it: its current source and its decrypted secrets. */
export type CachedScript = ScriptWithSource & WithSecrets;

const caches = new Map<string, ScriptCache<CachedScript>>();

/** Returns this isolate's script cache for the configured database and secrets key. */
export function getScriptCache(config: Config): ScriptCache<CachedScript> {
  const key = `${config.TURSO_DATABASE_URL}\n${keyringTag(config)}`;
  let cache = caches.get(key);
  if (!cache) {
    const logger = createLogger(config.LOG_LEVEL, { component: "script_cache" });
    cache = new ScriptCache<CachedScript>({
      load: async () => {
        const db = createDatabase(config);
        // Both reads in parallel: a load costs one round trip, as before secrets.
        const secrets = config.SECRETS_KEY ? listEnabledSealedSecrets(db) : Promise.resolve([]);
        secrets.catch(() => {}); // awaited below; a failure surfaces there
        return attachSecrets(db, config, await listEnabledScripts(db), logger, secrets);
      },
      onRefreshError: (err) => logger.warn("script_refresh_failed", { message: (err as Error).message }),
    });
    caches.set(key, cache);
  }
  return cache;
}

/** Drops every cached snapshot of this database (after an edit in this isolate), whatever the key. */
export function invalidateScriptCaches(config: Config): void {
  for (const [key, cache] of caches) if (key.startsWith(`${config.TURSO_DATABASE_URL}\n`)) cache.invalidate();
}
