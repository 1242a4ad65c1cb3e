/**
 * Gives scripts their decrypted secrets: once per script-cache load on the trigger path (never
 * per call), and per request for the dry run. No key configured → no secrets (scripts see an
 * empty `secrets`). A row that does not decrypt (wrong key, a key id no longer configured, a row
 * copied from another script) makes its script end as an error naming the secret, under its
 * on_error policy, and logs one value-free line.
 */
import type { Database } from "../db/client";
import type { ScriptSecretRow } from "../db/schema";
import { listSealedSecrets } from "../db/secrets-repo";
import { Redactor } from "../engine";
import type { JsonObject, ScriptSpec } from "../engine/types";
import type { Config } from "../env";
import type { Logger } from "../lib/log";
import { openSecret, SecretDecryptError } from "../secrets/crypto";
import { getKeyring } from "../secrets/keyring";

/** What a script gains from its secrets: the values, or why they are unavailable. */
export interface WithSecrets {
  secrets?: Readonly<Record<string, string>>;
  secretsError?: string;
}

/**
 * Returns `scripts` with their secrets attached (scripts without secrets are returned as is).
 * @param logger receives `secret_decrypt_failed` / `secrets_key_invalid` lines (ids and names only)
 */
export async function attachSecrets<S extends { id: string }>(
  db: Database,
  config: Config,
  scripts: S[],
  logger: Logger,
  preloaded?: Promise<ScriptSecretRow[]>,
): Promise<(S & WithSecrets)[]> {
  const keyring = await getKeyring(config);
  if (!keyring.ok) {
    if (keyring.code === "CONFIG_INVALID") logger.error("secrets_key_invalid", { message: keyring.message });
    if (keyring.code === "NOT_CONFIGURED") return scripts;
  }
  const rows = await (preloaded ??
    listSealedSecrets(
      db,
      scripts.map((s) => s.id),
    ));
  if (rows.length === 0) return scripts;
  const found = new Map<string, { secrets: Record<string, string>; error?: string }>();
  for (const row of rows) {
    const entry = found.get(row.scriptId) ?? { secrets: {} };
    found.set(row.scriptId, entry);
    if (entry.error) continue;
    if (!keyring.ok) {
      entry.error = `secrets unavailable: ${keyring.message}`;
      continue;
    }
    try {
      entry.secrets[row.name] = await openSecret(keyring.keyring, row.scriptId, row.name, row);
    } catch (err) {
      if (!(err instanceof SecretDecryptError)) throw err;
      entry.error = err.message;
      logger.error("secret_decrypt_failed", { script_id: row.scriptId, name: row.name, key_id: row.keyId });
    }
  }
  return scripts.map((s) => {
    const entry = found.get(s.id);
    if (!entry) return s;
    return entry.error
      ? { ...s, secretsError: entry.error }
      : { ...s, secrets: Object.freeze(entry.secrets) };
  });
}

/** `attachSecrets` for engine specs: an undecryptable secret becomes the spec's `loadError`. */
export async function specsWithSecrets(
  db: Database,
  config: Config,
  specs: ScriptSpec[],
  logger: Logger,
): Promise<ScriptSpec[]> {
  const attached = await attachSecrets(db, config, specs, logger);
  return attached.map(({ secretsError, ...spec }) =>
    secretsError ? { ...spec, loadError: secretsError } : spec,
  );
}

/** `data` with every secret value of `specs` replaced by [REDACTED] (only those values). */
export function scrubSecretValues(specs: ScriptSpec[], data: JsonObject): JsonObject {
  const values = specs.flatMap((s) => Object.values(s.secrets ?? {}));
  return values.length === 0 ? data : (new Redactor().learnValues(values).scrubValue(data) as JsonObject);
}
