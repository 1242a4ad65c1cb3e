/**
 * Per-script secrets at rest: AES-256-GCM through WebCrypto, no I/O.
 *
 * - The keyring comes from three bindings: `SECRETS_KEY` (32 random bytes, base64) with its id
 *   `SECRETS_KEY_ID` encrypts every write; `SECRETS_KEYS_OLD` (`id:base64,id:base64`) only
 *   decrypts rows written under earlier ids, so a key can be rotated (README, "Rotating").
 * - Every row carries the id of the key that wrote it, a fresh random 96-bit nonce, and the
 *   ciphertext with its 128-bit tag (base64).
 * - The additional data binds a ciphertext to its script id and name: a row copied to another
 *   script, or renamed, does not decrypt.
 * Errors never contain a value or a key, only names and ids.
 */

/** Key ids: short, printable, safe in logs and in the database. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9_.-]{1,32}$/;
export const DEFAULT_KEY_ID = "k1";

const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The bindings a keyring is built from (all optional: no key means secrets are off). */
export interface KeyringConfig {
  SECRETS_KEY?: string;
  SECRETS_KEY_ID?: string;
  SECRETS_KEYS_OLD?: string;
}

export interface Keyring {
  /** The id every write uses. */
  currentId: string;
  keys: ReadonlyMap<string, CryptoKey>;
}

export type KeyringResult =
  | { ok: true; keyring: Keyring }
  | { ok: false; code: "NOT_CONFIGURED" | "CONFIG_INVALID"; message: string };

/** A stored secret without its plaintext. */
export interface SealedSecret {
  keyId: string;
  iv: string;
  ciphertext: string;
}

/** Thrown by `openSecret` when a row cannot be decrypted; the message names no value. */
export class SecretDecryptError extends Error {}

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** Standard or URL-safe base64, padding optional; null when malformed. */
export function fromBase64(text: string): Uint8Array | null {
  const t = text.trim().replaceAll("-", "+").replaceAll("_", "/");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t) || t.replace(/=+$/, "").length % 4 === 1) return null;
  try {
    const raw = atob(t.padEnd(Math.ceil(t.length / 4) * 4, "="));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

async function importKey(base64: string, what: string): Promise<CryptoKey | string> {
  const raw = fromBase64(base64);
  if (raw === null) return `${what} is not valid base64`;
  if (raw.length !== KEY_BYTES) return `${what} must decode to ${KEY_BYTES} bytes (got ${raw.length})`;
  return crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
}

/**
 * Builds the keyring from the bindings.
 * @example await importKeyring({ SECRETS_KEY: btoa("…32 bytes…"), SECRETS_KEY_ID: "k2", SECRETS_KEYS_OLD: "k1:…" })
 */
export async function importKeyring(config: KeyringConfig): Promise<KeyringResult> {
  const invalid = (message: string): KeyringResult => ({ ok: false, code: "CONFIG_INVALID", message });
  if (!config.SECRETS_KEY) {
    return {
      ok: false,
      code: "NOT_CONFIGURED",
      message: "SECRETS_KEY is not configured; script secrets are disabled until it is set",
    };
  }
  const currentId = config.SECRETS_KEY_ID || DEFAULT_KEY_ID;
  if (!KEY_ID_PATTERN.test(currentId)) return invalid(`SECRETS_KEY_ID must match ${KEY_ID_PATTERN.source}`);
  const keys = new Map<string, CryptoKey>();
  const current = await importKey(config.SECRETS_KEY, "SECRETS_KEY");
  if (typeof current === "string") return invalid(current);
  keys.set(currentId, current);
  for (const entry of (config.SECRETS_KEYS_OLD ?? "").split(",")) {
    if (entry.trim() === "") continue;
    const colon = entry.indexOf(":");
    const id = entry.slice(0, colon).trim();
    if (colon < 0 || !KEY_ID_PATTERN.test(id)) {
      return invalid("SECRETS_KEYS_OLD must be comma-separated id:base64 pairs");
    }
    if (keys.has(id)) return invalid(`SECRETS_KEYS_OLD repeats key id ${id}`);
    const key = await importKey(entry.slice(colon + 1), `SECRETS_KEYS_OLD key ${id}`);
    if (typeof key === "string") return invalid(key);
    keys.set(id, key);
  }
  return { ok: true, keyring: { currentId, keys } };
}

/** The additional data: a ciphertext only opens for the script and name it was sealed for. */
function additionalData(scriptId: string, name: string): Uint8Array {
  return encoder.encode(`hookline-secret/v1\u0000${scriptId}\u0000${name}`);
}

/** Encrypts `value` under the current key, bound to (scriptId, name). */
export async function sealSecret(
  keyring: Keyring,
  scriptId: string,
  name: string,
  value: string,
): Promise<SealedSecret> {
  const key = keyring.keys.get(keyring.currentId) as CryptoKey;
  const iv = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: additionalData(scriptId, name) },
    key,
    encoder.encode(value),
  );
  return { keyId: keyring.currentId, iv: toBase64(iv), ciphertext: toBase64(new Uint8Array(sealed)) };
}

/**
 * Decrypts a row sealed for (scriptId, name).
 * @throws SecretDecryptError when its key id is unknown, or the key, script, name or bytes do not match
 */
export async function openSecret(
  keyring: Keyring,
  scriptId: string,
  name: string,
  sealed: SealedSecret,
): Promise<string> {
  const key = keyring.keys.get(sealed.keyId);
  if (!key) {
    throw new SecretDecryptError(
      `secret ${name} is encrypted under key id ${sealed.keyId}, which is neither SECRETS_KEY_ID nor in SECRETS_KEYS_OLD`,
    );
  }
  const iv = fromBase64(sealed.iv);
  const data = fromBase64(sealed.ciphertext);
  let plain: ArrayBuffer | null = null;
  if (iv !== null && iv.length === NONCE_BYTES && data !== null) {
    plain = await crypto.subtle
      .decrypt({ name: "AES-GCM", iv, additionalData: additionalData(scriptId, name) }, key, data)
      .catch(() => null);
  }
  if (plain === null) {
    throw new SecretDecryptError(
      `secret ${name} could not be decrypted with key id ${sealed.keyId} (wrong key for that id, or the row belongs to another script or name)`,
    );
  }
  try {
    return decoder.decode(plain);
  } catch {
    throw new SecretDecryptError(`secret ${name} decrypted to invalid UTF-8`);
  }
}
