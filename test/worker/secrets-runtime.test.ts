// Script secrets end to end (workerd, real local libSQL): a script reads its secret, and the
// value is stored nowhere (every column of every table), nor shown in trace detail, OTLP or the
// dry run; other scripts cannot read it; edits reach this isolate's cache; a wrong, missing or
// rotated SECRETS_KEY behaves as documented.
import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { scriptSecrets } from "../../src/db/schema";
import { waitForTrace } from "./db";
import {
  ADMIN,
  admin,
  call,
  callWithEnv,
  createScript,
  dbControl,
  fireTrigger,
  TRIGGER,
  testDb,
  unique,
} from "./helpers";
import { findInDatabase } from "./secrets-db-scan";

const REDACTED = "[REDACTED]";
const newKey = () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));

async function putSecret(scriptId: string, name: string, value: string) {
  const res = await admin("PUT", `/v1/scripts/${scriptId}/secrets/${name}`, { value });
  if (res.status !== 201 && res.status !== 200)
    throw new Error(`secret not set: ${JSON.stringify(res.body)}`);
}

async function triggerWith(
  overrides: Record<string, string | undefined>,
  event: string,
  context: unknown = {},
) {
  const res = await callWithEnv(overrides, "POST", `/v1/triggers/${event}`, {
    headers: TRIGGER,
    json: context,
  });
  return (await res.json()) as any;
}

afterEach(() => vi.restoreAllMocks());

describe("a script's secret", () => {
  it("is used by its script and stored nowhere: database, trace detail, OTLP, dry run", async () => {
    const ev = unique("ev");
    const value = `sk_live_${unique("v")}`;
    const user = await createScript(
      ev,
      `log("calling with " .. secrets.API_KEY)
       return { data = { copy = secrets.API_KEY, len = #secrets.API_KEY, [secrets.API_KEY] = 1 } }`,
      { name: "Uses secret" },
    );
    await createScript(ev, `return { data = { neighbour_sees = secrets.API_KEY or "nil" } }`, {
      name: "Neighbour",
      parallel_index: 1,
    });
    await createScript(ev, `error("leaking " .. prev.copy)`, { name: "Next layer", layer_index: 1 });
    await putSecret(user.id, "API_KEY", value);

    const { body } = await fireTrigger(ev, { user: { id: unique("u") } });
    expect(body.data).toMatchObject({ copy: value, len: value.length, neighbour_sees: "nil" });
    expect(body.errors[0].message).toBe(`line 1: leaking ${REDACTED}`);
    const trace = await waitForTrace(body.trace_id);
    expect(trace.resultData).toContain(REDACTED);

    expect(await findInDatabase(value)).toEqual([]);
    const detail = await call("GET", `/v1/traces/${body.trace_id}`, { headers: ADMIN });
    const detailText = await detail.text();
    expect(detail.status).toBe(200);
    expect(detailText).toContain(REDACTED);
    expect(detailText).not.toContain(value);
    const otlp = await call("GET", `/v1/traces/${body.trace_id}/otlp`, { headers: ADMIN });
    expect(otlp.status).toBe(200);
    expect(await otlp.text()).not.toContain(value);

    // The dry run runs the saved script with its secret (and a draft standing in for it by id),
    // but neither its spans nor its data show the value; a new draft has no secrets.
    const dry = await call("POST", `/v1/triggers/${ev}/dry-run`, {
      headers: ADMIN,
      json: {
        context: {},
        scripts: [
          {
            name: "Draft",
            layer_index: 2,
            parallel_index: 0,
            source: `return { data = { draft_sees = secrets.API_KEY or "nil" } }`,
          },
          {
            id: user.id,
            name: "Uses secret v2",
            layer_index: 0,
            parallel_index: 0,
            source: `return { data = { v2 = secrets.API_KEY, v2len = #secrets.API_KEY } }`,
          },
        ],
      },
    });
    const dryText = await dry.text();
    expect(dry.status).toBe(200);
    expect(dryText).not.toContain(value);
    const dryBody = JSON.parse(dryText);
    expect(dryBody.data).toMatchObject({
      v2: REDACTED,
      v2len: value.length,
      draft_sees: "nil",
      neighbour_sees: "nil",
    });
    expect(dryBody.spans.length).toBe(4);
    expect(await findInDatabase(value)).toEqual([]);
  });

  it("reaches the cache on edit (PUT, DELETE), and warm calls never read the secrets table", async () => {
    const ev = unique("ev");
    const { id } = await createScript(ev, `return { data = { has = secrets.TOKEN ~= nil } }`);
    expect((await fireTrigger(ev, {})).body.data.has).toBe(false);
    await putSecret(id, "TOKEN", "tok-12345");
    expect((await fireTrigger(ev, {})).body.data.has).toBe(true);
    await dbControl.reset();
    for (let i = 0; i < 3; i++) expect((await fireTrigger(ev, {})).body.data.has).toBe(true);
    const sql = (await dbControl.stats()).requests.flatMap((r) => r.sql);
    expect(sql.filter((s) => s.includes("script_secrets"))).toEqual([]);
    expect((await admin("DELETE", `/v1/scripts/${id}/secrets/TOKEN`)).status).toBe(200);
    expect((await fireTrigger(ev, {})).body.data.has).toBe(false);
  });

  it("does not decrypt for another script when its row is copied there", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const ev = unique("ev");
    const a = await createScript(ev, "return {}");
    const b = await createScript(unique("ev2"), `return { data = { got = secrets.API_KEY } }`, {
      on_error: "block",
    });
    await putSecret(a.id, "API_KEY", "copied-value-1");
    const [row] = await testDb().select().from(scriptSecrets).where(eq(scriptSecrets.scriptId, a.id));
    await testDb()
      .insert(scriptSecrets)
      .values({ ...(row as typeof scriptSecrets.$inferSelect), scriptId: b.id });
    await admin("PUT", `/v1/scripts/${b.id}`, { description: "drop the cache" });
    const { body } = await fireTrigger(b.trigger_event as string, {});
    expect(body).toMatchObject({ status: "error", decision: "block" });
    expect(body.errors[0].message).toMatch(/secret API_KEY could not be decrypted with key id test1/);
    await testDb().delete(scriptSecrets).where(eq(scriptSecrets.scriptId, b.id));
  });
});

describe("SECRETS_KEY", () => {
  it("missing: scripts see no secrets and run", async () => {
    const ev = unique("ev");
    const { id } = await createScript(ev, `return { data = { none = next(secrets) == nil } }`, {
      on_error: "block",
    });
    await putSecret(id, "API_KEY", "missing-key-value");
    const body = await triggerWith({ SECRETS_KEY: undefined }, ev);
    expect(body).toMatchObject({ status: "success", data: { none: true } });
  });

  it("wrong: the script ends as a clear error under on_error, with one value-free log line", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: string) => void lines.push(line));
    const ev = unique("ev");
    const value = `wrong-key-${unique("v")}`;
    const { id } = await createScript(ev, `return { data = { got = secrets.API_KEY } }`, {
      on_error: "block",
    });
    await putSecret(id, "API_KEY", value);
    const body = await triggerWith({ SECRETS_KEY: newKey() }, ev);
    expect(body).toMatchObject({ status: "error", decision: "block" });
    expect(body.errors[0]).toMatchObject({ script_id: id });
    expect(body.errors[0].message).toMatch(/^secret API_KEY could not be decrypted with key id test1/);
    const logged = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "secret_decrypt_failed");
    expect(logged).toContainEqual(
      expect.objectContaining({ script_id: id, name: "API_KEY", key_id: "test1" }),
    );
    expect(lines.join("\n")).not.toContain(value);
    expect(lines.join("\n")).not.toContain(env.SECRETS_KEY);
  });

  it("rotates: old rows still read under SECRETS_KEYS_OLD, reencrypt moves them to the new id", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const ev = unique("ev");
    const value = `rotate-${unique("v")}`;
    const { id } = await createScript(ev, `return { data = { len = #secrets.API_KEY } }`, {
      on_error: "block",
    });
    await putSecret(id, "API_KEY", value);
    const k2 = newKey();
    const rotated = { SECRETS_KEY: k2, SECRETS_KEY_ID: "k2", SECRETS_KEYS_OLD: `test1:${env.SECRETS_KEY}` };
    const back = { SECRETS_KEYS_OLD: `k2:${k2}` };
    expect((await triggerWith(rotated, ev)).data).toEqual({ len: value.length });
    const reencrypt = (over: Record<string, string>) =>
      callWithEnv(over, "POST", "/v1/secrets/reencrypt?limit=1000", { headers: ADMIN }).then(
        (r) => r.json() as any,
      );
    try {
      const result = await reencrypt(rotated);
      expect(result).toMatchObject({ key_id: "k2", done: true });
      expect(result.reencrypted).toBeGreaterThanOrEqual(1);
      const [row] = await testDb().select().from(scriptSecrets).where(eq(scriptSecrets.scriptId, id));
      expect(row?.keyId).toBe("k2");
      expect((await triggerWith(rotated, ev)).data).toEqual({ len: value.length });
      // Without the old key the moved row no longer opens under the previous configuration.
      expect((await triggerWith({}, ev)).errors[0].message).toMatch(/key id k2, which is neither/);
    } finally {
      expect((await reencrypt(back)).done).toBe(true); // back to the suite's key for other tests
    }
    expect((await fireTrigger(ev, {})).body.data).toEqual({ len: value.length });
  });
});
