// The secrets crypto module on its own: AES-GCM round trips, the script/name binding, wrong and
// unknown keys, tampering, key rotation through SECRETS_KEYS_OLD, and keyring config errors.
import { describe, expect, it } from "vitest";
import {
  fromBase64,
  importKeyring,
  type Keyring,
  openSecret,
  SecretDecryptError,
  sealSecret,
} from "../../src/secrets/crypto";

const keyB64 = () => {
  const raw = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...raw));
};

async function ring(config: Parameters<typeof importKeyring>[0]): Promise<Keyring> {
  const r = await importKeyring(config);
  if (!r.ok) throw new Error(r.message);
  return r.keyring;
}

describe("sealSecret / openSecret", () => {
  it("round-trips any UTF-8 value and never stores it in clear", async () => {
    const k = await ring({ SECRETS_KEY: keyB64(), SECRETS_KEY_ID: "k9" });
    for (const value of ["sk_live_abc123", "\u{1F511} ключ\u0000x", "\uFEFFbom-first", "x".repeat(4096)]) {
      const sealed = await sealSecret(k, "scr_a", "API_KEY", value);
      expect(sealed.keyId).toBe("k9");
      expect(sealed.ciphertext).not.toContain(value.slice(0, 8));
      expect(fromBase64(sealed.iv)?.length).toBe(12);
      expect(await openSecret(k, "scr_a", "API_KEY", sealed)).toBe(value);
    }
  });

  it("uses a fresh nonce per write", async () => {
    const k = await ring({ SECRETS_KEY: keyB64() });
    const a = await sealSecret(k, "scr_a", "N", "same value");
    const b = await sealSecret(k, "scr_a", "N", "same value");
    expect(a.iv).not.toBe(b.iv);
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(a.keyId).toBe("k1"); // the default id
  });

  it("binds the ciphertext to its script id and name (a copied row does not decrypt)", async () => {
    const k = await ring({ SECRETS_KEY: keyB64() });
    const sealed = await sealSecret(k, "scr_a", "API_KEY", "sk_live_abc123");
    await expect(openSecret(k, "scr_b", "API_KEY", sealed)).rejects.toThrow(SecretDecryptError);
    await expect(openSecret(k, "scr_a", "OTHER", sealed)).rejects.toThrow(
      /secret OTHER could not be decrypted/,
    );
  });

  it("refuses a wrong key, an unknown key id and tampered bytes, with value-free messages", async () => {
    const k = await ring({ SECRETS_KEY: keyB64(), SECRETS_KEY_ID: "k1" });
    const wrong = await ring({ SECRETS_KEY: keyB64(), SECRETS_KEY_ID: "k1" });
    const other = await ring({ SECRETS_KEY: keyB64(), SECRETS_KEY_ID: "k2" });
    const sealed = await sealSecret(k, "scr_a", "API_KEY", "sk_live_abc123");
    const err = await openSecret(wrong, "scr_a", "API_KEY", sealed).catch((e) => e);
    expect(err).toBeInstanceOf(SecretDecryptError);
    expect(err.message).toMatch(/could not be decrypted with key id k1/);
    expect(err.message).not.toContain("sk_live");
    await expect(openSecret(other, "scr_a", "API_KEY", sealed)).rejects.toThrow(
      /key id k1, which is neither SECRETS_KEY_ID nor in SECRETS_KEYS_OLD/,
    );
    const bytes = fromBase64(sealed.ciphertext) as Uint8Array;
    bytes[0] = (bytes[0] as number) ^ 1;
    const tampered = { ...sealed, ciphertext: btoa(String.fromCharCode(...bytes)) };
    await expect(openSecret(k, "scr_a", "API_KEY", tampered)).rejects.toThrow(SecretDecryptError);
    await expect(openSecret(k, "scr_a", "API_KEY", { ...sealed, iv: "!!" })).rejects.toThrow(
      SecretDecryptError,
    );
  });

  it("rotates: the new key writes, the old one (by id) still reads rows it wrote", async () => {
    const oldKey = keyB64();
    const before = await ring({ SECRETS_KEY: oldKey, SECRETS_KEY_ID: "k1" });
    const row = await sealSecret(before, "scr_a", "API_KEY", "old-value");
    const after = await ring({
      SECRETS_KEY: keyB64(),
      SECRETS_KEY_ID: "k2",
      SECRETS_KEYS_OLD: ` k1:${oldKey} `,
    });
    expect(await openSecret(after, "scr_a", "API_KEY", row)).toBe("old-value");
    const rewritten = await sealSecret(after, "scr_a", "API_KEY", "old-value");
    expect(rewritten.keyId).toBe("k2");
    await expect(openSecret(before, "scr_a", "API_KEY", rewritten)).rejects.toThrow(/key id k2/);
  });
});

describe("importKeyring", () => {
  it("answers NOT_CONFIGURED without a key", async () => {
    expect(await importKeyring({})).toMatchObject({ ok: false, code: "NOT_CONFIGURED" });
    expect(await importKeyring({ SECRETS_KEY: "" })).toMatchObject({ ok: false, code: "NOT_CONFIGURED" });
  });

  it.each([
    [{ SECRETS_KEY: "not base64!" }, /SECRETS_KEY is not valid base64/],
    [{ SECRETS_KEY: btoa("too short") }, /SECRETS_KEY must decode to 32 bytes \(got 9\)/],
    [{ SECRETS_KEY: "<KEY>", SECRETS_KEY_ID: "bad id" }, /SECRETS_KEY_ID must match/],
    [{ SECRETS_KEYS_OLD: "no-colon" }, /comma-separated id:base64 pairs/],
    [{ SECRETS_KEYS_OLD: "k0:abc" }, /SECRETS_KEYS_OLD key k0 must decode to 32 bytes/],
    [{ SECRETS_KEYS_OLD: "k1:<KEY>" }, /repeats key id k1/],
  ])("refuses %o as CONFIG_INVALID", async (config, message) => {
    const key = keyB64();
    const filled = Object.fromEntries(
      Object.entries({ SECRETS_KEY: key, ...config }).map(([k, v]) => [k, v.replace("<KEY>", key)]),
    );
    const r = await importKeyring(filled);
    expect(r).toMatchObject({ ok: false, code: "CONFIG_INVALID" });
    expect(!r.ok && r.message).toMatch(message);
    expect(!r.ok && r.message).not.toContain(key);
  });

  it("accepts URL-safe base64 without padding", async () => {
    const key = keyB64().replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
    expect((await importKeyring({ SECRETS_KEY: key })).ok).toBe(true);
  });
});
