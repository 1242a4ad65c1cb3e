/**
 * Redaction and size caps for everything the engine *stores* (never for what scripts see or
 * for the answer to the caller).
 *
 * A key is secret when, lower-cased with `-` turned into `_`, it contains one of the fragments
 * (default: password, passwd, secret, token, authorization, cookie, api_key, apikey), at any
 * depth: `access_token`, `X-Api-Key`, `client_secret`, `Set-Cookie` all match. Its value
 * becomes "[REDACTED]". Free text (log strings, error messages) gets `key=value` / `key: value`
 * / `"key":"value"` pairs with such keys redacted too.
 * Values learnt from the context (`learnSecrets`: every string of 4+ characters under a secret
 * key) and the scripts' own secrets (`learnValues`) are also scrubbed wherever they appear in
 * stored text (as is, JSON-escaped or URL-encoded), so a script that logs `ctx.password` or
 * `secrets.API_KEY`, or copies it into its data under another key, does not store it either.
 * A stored JSON field over its cap becomes `{"_truncated":true,"original_bytes":N,"preview":"…"}`.
 */
import { setKey } from "./merge";
import type { JsonObject, JsonValue } from "./types";

export const REDACTED = "[REDACTED]";
export const DEFAULT_REDACT_KEYS = [
  "password",
  "passwd",
  "secret",
  "token",
  "authorization",
  "cookie",
  "api_key",
  "apikey",
];

const normalize = (key: string) => key.toLowerCase().replaceAll("-", "_");

/** Shortest secret value scrubbed from free text (shorter ones would redact ordinary words). */
export const MIN_SCRUBBED_SECRET = 4;

/** `key=value`, `key: value`, `"key":"value"`. Linear: a key starts at a word boundary. */
const TEXT_PATTERN =
  /(?<![\w-])([\w-]+)("?\s*[=:]\s*)("(?:[^"\\]|\\.)*"|(?:(?:bearer|basic)\s+)?[^\s,;&"}]+)/gi;

const MAX_MEMO_KEYS = 4096;

/**
 * Which keys are secret, for one list of fragments; shared by every Redactor made with that list
 * (one per trigger call), so each key's answer is worked out once per isolate.
 */
class SecretKeys {
  private static readonly byList = new Map<string, SecretKeys>();
  private readonly answers = new Map<string, boolean>();

  /** Any fragment, case-insensitive, `_` also matching `-`: tested without lower-casing a copy. */
  private readonly anyFragment: RegExp;

  private constructor(readonly fragments: string[]) {
    const alternatives = fragments.map((f) =>
      f.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replaceAll("_", "[-_]"),
    );
    this.anyFragment = new RegExp(alternatives.join("|"), "i");
  }

  private static readonly defaults = new SecretKeys(DEFAULT_REDACT_KEYS.map(normalize));

  static of(extra: string[]): SecretKeys {
    if (extra.length === 0) return SecretKeys.defaults;
    const fragments = [...new Set([...DEFAULT_REDACT_KEYS, ...extra].map(normalize).filter(Boolean))];
    const id = fragments.join("\u0000");
    let keys = SecretKeys.byList.get(id);
    if (keys === undefined) {
      keys = new SecretKeys(fragments);
      if (SecretKeys.byList.size < 64) SecretKeys.byList.set(id, keys);
    }
    return keys;
  }

  isSecret(key: string): boolean {
    let answer = this.answers.get(key);
    if (answer === undefined) {
      const k = normalize(key);
      answer = this.fragments.some((f) => k.includes(f));
      if (this.answers.size < MAX_MEMO_KEYS) this.answers.set(key, answer);
    }
    return answer;
  }

  /** False when no `key=value` pair in `text` can have a secret key (no fragment occurs at all). */
  mayName(text: string): boolean {
    return this.anyFragment.test(text);
  }
}

/** Redacts keys (and key=value text) built from the default fragments plus `extra`. */
export class Redactor {
  private readonly keys: SecretKeys;
  private readonly secretValues: string[] = [];

  constructor(extra: string[] = []) {
    this.keys = SecretKeys.of(extra);
  }

  /** Remembers the string values under secret keys of `value` (at any depth) to scrub from text. */
  learnSecrets(value: JsonValue, underSecret = false): this {
    if (typeof value === "string") {
      if (underSecret) this.remember(value);
    } else if (Array.isArray(value)) {
      for (const v of value) this.learnSecrets(v, underSecret);
    } else if (value !== null && typeof value === "object") {
      for (const key of Object.keys(value)) {
        this.learnSecrets(value[key] as JsonValue, underSecret || this.isSecret(key));
      }
    }
    return this;
  }

  /** Remembers known secret values (e.g. a script's secrets) to scrub from every stored string. */
  learnValues(values: Iterable<string>): this {
    for (const v of values) this.remember(v);
    return this;
  }

  /** `s` with every learnt secret value replaced (no key-based redaction). */
  scrub(s: string): string {
    return this.scrubSecretValues(s);
  }

  /** A deep copy of `value` with every learnt secret value replaced (keys and other text untouched). */
  scrubValue(value: JsonValue): JsonValue {
    if (typeof value === "string") return this.scrubSecretValues(value);
    if (Array.isArray(value)) return value.map((v) => this.scrubValue(v));
    if (value === null || typeof value !== "object") return value;
    const out: JsonObject = {};
    for (const key of Object.keys(value))
      setKey(out, this.scrubSecretValues(key), this.scrubValue(value[key] as JsonValue));
    return out;
  }

  private remember(value: string): void {
    if (value.length < MIN_SCRUBBED_SECRET) return;
    const forms = new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)]);
    for (const form of forms) if (!this.secretValues.includes(form)) this.secretValues.push(form);
    this.secretValues.sort((a, b) => b.length - a.length); // longest first: no partial leftovers
  }

  /** True when a key names a secret. */
  isSecret(key: string): boolean {
    return this.keys.isSecret(key);
  }

  /**
   * The stored JSON text of `value`: `JSON.stringify(this.value(value))`, without the copy when
   * nothing in it is redacted (the common case). `clean` remembers objects already found clean
   * (values shared between a trace's spans, layers and result are checked once).
   */
  json(value: JsonValue, clean?: WeakSet<object>): string {
    return JSON.stringify(this.isClean(value, clean) ? value : this.value(value));
  }

  /** True when `value(v)` would equal `v`: no secret key, no learnt value, no `key=value` to redact. */
  private isClean(v: JsonValue, clean?: WeakSet<object>): boolean {
    if (typeof v === "string") return this.textIsClean(v);
    if (v === null || typeof v !== "object") return true;
    if (clean?.has(v)) return true;
    if (Array.isArray(v)) {
      for (const item of v) if (!this.isClean(item, clean)) return false;
    } else {
      for (const key of Object.keys(v)) {
        if (this.isSecret(key) || !this.textIsClean(key, false)) return false;
        if (!this.isClean(v[key] as JsonValue, clean)) return false;
      }
    }
    clean?.add(v);
    return true;
  }

  /** True when `text(s)` (or, for a key, the value scrub alone) leaves `s` as it is. */
  private textIsClean(s: string, asText = true): boolean {
    for (const secret of this.secretValues) if (s.includes(secret)) return false;
    return !asText || !this.keys.mayName(s);
  }

  /** A deep copy of `value` with secret keys' values replaced and text redacted. */
  value(value: JsonValue): JsonValue {
    if (typeof value === "string") return this.text(value);
    if (Array.isArray(value)) return value.map((v) => this.value(v));
    if (value === null || typeof value !== "object") return value;
    const out: JsonObject = {};
    for (const key of Object.keys(value)) {
      const stored = this.scrubSecretValues(key); // a secret used as a key is not stored either
      setKey(out, stored, this.isSecret(key) ? REDACTED : this.value(value[key] as JsonValue));
    }
    return out;
  }

  /** `token=abc`, `password: "x"`, `"api_key":"k"` -> the value becomes [REDACTED]. */
  text(text: string): string {
    if (this.textIsClean(text)) return text;
    // Known values first: a secret that itself contains `key=` text is still removed whole.
    const s = this.scrubSecretValues(text);
    const re = new RegExp(TEXT_PATTERN); // own lastIndex
    let out = "";
    let last = 0;
    for (let m = re.exec(s); m !== null; m = re.exec(s)) {
      const [all, key, sep, v] = m as unknown as [string, string, string, string];
      if (this.isSecret(key)) {
        out += `${s.slice(last, m.index)}${key}${sep}${v.startsWith('"') ? `"${REDACTED}"` : REDACTED}`;
        last = m.index + all.length;
        re.lastIndex = last;
      } else {
        re.lastIndex = m.index + key.length; // the value may itself be a key: `line 1: token: x`
      }
    }
    return out + s.slice(last);
  }

  private scrubSecretValues(s: string): string {
    let out = s;
    for (const secret of this.secretValues) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  }
}

/** UTF-8 length of a JS string, without encoding it. */
export function utf8Bytes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** The truncation marker for a JSON text over `maxBytes` bytes; itself at most `maxBytes`. */
export function truncationMarker(json: string, maxBytes: number): JsonObject {
  const original = utf8Bytes(json);
  let keep = Math.max(0, maxBytes - 80);
  for (;;) {
    const marker = { _truncated: true, original_bytes: original, preview: json.slice(0, keep) };
    const size = utf8Bytes(JSON.stringify(marker));
    if (size <= maxBytes || keep === 0) return marker;
    keep = Math.max(0, keep - Math.max(16, Math.ceil((size - maxBytes) / 2)));
  }
}

/** A value whose JSON is at most `maxBytes`, or its truncation marker. */
export function capValue(value: JsonValue, maxBytes: number): JsonValue {
  const json = JSON.stringify(value);
  return utf8Bytes(json) <= maxBytes ? value : truncationMarker(json, maxBytes);
}

/** JSON text of `value`, at most `maxBytes` (a truncation marker otherwise). */
export function capJson(value: JsonValue, maxBytes: number): string {
  return capJsonText(JSON.stringify(value), maxBytes);
}

/** JSON text already serialised, at most `maxBytes` (its truncation marker otherwise). */
export function capJsonText(json: string, maxBytes: number): string {
  // A UTF-16 unit is at most 3 UTF-8 bytes (a surrogate pair, 2 units, is 4): short text fits unmeasured.
  if (json.length * 3 <= maxBytes) return json;
  return utf8Bytes(json) <= maxBytes ? json : JSON.stringify(truncationMarker(json, maxBytes));
}
