/**
 * This isolate's secrets keyring, imported once per config object (workerd hands the same env
 * object to every request of an isolate), so WebCrypto key import is not paid per request.
 */
import type { Config } from "../env";
import { importKeyring, type KeyringResult } from "./crypto";

const keyrings = new WeakMap<Config, Promise<KeyringResult>>();

/** The keyring of these bindings, or why there is none (NOT_CONFIGURED / CONFIG_INVALID). */
export function getKeyring(config: Config): Promise<KeyringResult> {
  let result = keyrings.get(config);
  if (!result) {
    result = importKeyring(config);
    keyrings.set(config, result);
  }
  return result;
}

/** Identifies the key material of a config, to keep caches of decrypted secrets apart. */
export function keyringTag(config: Config): string {
  return [config.SECRETS_KEY ?? "", config.SECRETS_KEY_ID ?? "", config.SECRETS_KEYS_OLD ?? ""].join("\n");
}
