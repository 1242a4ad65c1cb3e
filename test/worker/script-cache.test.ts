// A script edit made by another isolate (written straight to the database) reaches this
// isolate's trigger calls exactly when SCRIPT_CACHE_TTL_S says: not one millisecond before the
// TTL (no refresh, cached version), and at the first call after it (stale answer + one background
// refresh; the call after that runs the edit). The isolate's clock is faked (Date only), so the
// test does not depend on how fast the machine is.
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { pipelineScripts, pipelineScriptVersions } from "../../src/db/schema";
import { callWithEnv, createScript, dbControl, isScriptRead, TRIGGER, testDb, unique } from "./helpers";

const TTL_S = 7;
const T0 = Date.UTC(2026, 0, 1);

async function fire(event: string) {
  const res = await callWithEnv({ SCRIPT_CACHE_TTL_S: String(TTL_S) }, "POST", `/v1/triggers/${event}`, {
    headers: TRIGGER,
    json: {},
  });
  return ((await res.json()) as any).data;
}

const scriptReads = async () => (await dbControl.stats()).requests.filter((r) => isScriptRead(r.sql)).length;

afterEach(() => {
  vi.useRealTimers();
});

describe("script cache", () => {
  it("serves the cached version until the TTL has passed, then the edited one", async () => {
    const event = unique("ttl");
    const s = await createScript(event, "return { data = { v = 1 } }", { name: "v" });
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T0);
    await dbControl.reset();
    expect(await fire(event)).toEqual({ v: 1 }); // the API edit dropped the cache: a load at T0
    expect(await scriptReads()).toBe(1);

    const db = testDb();
    await db.batch([
      db.insert(pipelineScriptVersions).values({
        scriptId: s.id,
        version: 2,
        source: "return { data = { v = 2 } }",
        sha256: "0".repeat(64),
        createdAt: T0,
      }),
      db
        .update(pipelineScripts)
        .set({ currentVersion: 2, updatedAt: T0 })
        .where(eq(pipelineScripts.id, s.id)),
    ]);

    vi.setSystemTime(T0 + TTL_S * 1000 - 1);
    expect(await fire(event)).toEqual({ v: 1 });
    expect(await fire(event)).toEqual({ v: 1 }); // callWithEnv waited for any background work
    expect(await scriptReads()).toBe(1);

    vi.setSystemTime(T0 + TTL_S * 1000);
    expect(await fire(event)).toEqual({ v: 1 }); // stale answer; one refresh in its waitUntil
    expect(await scriptReads()).toBe(2);
    expect(await fire(event)).toEqual({ v: 2 });
    expect(await scriptReads()).toBe(2);
  });
});
