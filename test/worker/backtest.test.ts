// Backtest: recorded traces re-run with drafts. Flips against the recording with their ids,
// chunks with a cursor, replacing and disabling saved scripts, http modes, compile errors.
import { beforeAll, describe, expect, it } from "vitest";
import { BACKTEST_CHUNK_INSTRUCTIONS } from "../../src/pipeline/backtest";
import { countStored } from "./db";
import { admin, createScript, eventually, fireTrigger, unique } from "./helpers";

const COUNTRIES = ["GB", "FR", "DE", "KP", "US", "NL", "JP"];
const blocks = (country: string) =>
  `if ctx.request.country == "${country}" then return { block = true, reason = "geo ${country}" } end`;

interface Recorded {
  id: string;
  country: string;
  decision: string;
  startedAt: number;
}

let event: string;
let geoId: string;
let recorded: Recorded[];
const idsOf = (country: string) =>
  recorded
    .filter((r) => r.country === country)
    .map((r) => r.id)
    .sort();
const sorted = (ids: string[]) => [...ids].sort();

const backtest = (body: Record<string, unknown>) => admin("POST", `/v1/triggers/${event}/backtest`, body);
const draft = (source: string, over: Record<string, unknown> = {}) => ({
  name: "Draft",
  layer_index: 0,
  parallel_index: 5,
  source,
  ...over,
});

beforeAll(async () => {
  // Saved pipeline: Geo (blocks KP) in layer 0, Tag in layer 1. 50 calls over 7 countries.
  event = unique("bt");
  geoId = (await createScript(event, blocks("KP"), { name: "Geo" })).id;
  await createScript(event, "return { data = { tagged = true } }", { name: "Tag", layer_index: 1 });
  recorded = [];
  for (let i = 0; i < 50; i++) {
    const country = COUNTRIES[i % COUNTRIES.length] as string;
    const { body } = await fireTrigger(event, {
      user: { id: `u_${i}`, password: "hunter22" },
      request: { country, ip: `198.51.100.${i}` },
    });
    recorded.push({ id: body.trace_id, country, decision: body.decision, startedAt: 0 });
  }
  await eventually(async () => (await countStored(recorded.map((r) => r.id))) === 50, 15_000);
  const list = await admin("GET", `/v1/traces?trigger_event=${event}&limit=200`);
  const startedAt = new Map(
    list.body.traces.map((t: { id: string; started_at: number }) => [t.id, t.started_at]),
  );
  for (const r of recorded) r.startedAt = startedAt.get(r.id) as number;
});

describe("POST /v1/triggers/:event/backtest", () => {
  it("a draft that blocks one country flips exactly that country's recorded traces", async () => {
    const { status, body } = await backtest({ scripts: [draft(blocks("FR"), { name: "Block FR" })] });
    expect(status).toBe(200);
    const fr = idsOf("FR");
    expect(fr.length).toBe(7);
    expect(body).toMatchObject({
      trigger_event: event,
      stored: false,
      redacted_contexts: true,
      http: "off",
      calls: 50,
      unreadable: 0,
      done: true,
      next_cursor: null,
    });
    expect(body.note).toContain('"[REDACTED]"');
    expect(body.flips.allow_to_block.count).toBe(fr.length);
    expect(sorted(body.flips.allow_to_block.trace_ids)).toEqual(fr);
    expect(body.flips.block_to_allow).toEqual({ count: 0, trace_ids: [] });
    expect(body.decisions).toEqual({ allow: 50 - 14, block: 14 });
    expect(body.unchanged).toBe(50 - fr.length);
    const times = recorded.map((r) => r.startedAt);
    expect(body.range).toEqual({ oldest: Math.min(...times), newest: Math.max(...times) });
    const byName = (name: string) => body.scripts.find((s: { name: string }) => s.name === name);
    expect(byName("Block FR")).toMatchObject({ version: null, runs: 50, blocked: 7, errors: 0 });
    expect(byName("Geo")).toMatchObject({ version: 1, runs: 50, blocked: 7 });
    expect(byName("Tag")).toMatchObject({ runs: 36, skipped: 14 });
    const { p50, p95 } = byName("Geo").instructions;
    expect(p50).toBeGreaterThan(0);
    expect(p95).toBeGreaterThanOrEqual(p50);
  });

  it("scripts see the recorded context as stored: redacted", async () => {
    const { body } = await backtest({
      limit: 5,
      scripts: [draft('if ctx.user.password == "[REDACTED]" then return { block = true } end')],
    });
    expect(body.calls).toBe(5);
    expect(body.decisions.block).toBe(5);
  });

  it("works in chunks with a cursor and adds up to the same totals", async () => {
    const body = { scripts: [draft(blocks("NL"))], chunk_size: 20 };
    const first = await backtest(body);
    expect(first.body).toMatchObject({ calls: 20, done: false, chunk: { traces: 20 } });
    expect(first.body.chunk.instructions).toBeGreaterThan(0);
    const second = await backtest({ ...body, cursor: first.body.next_cursor });
    expect(second.body).toMatchObject({ calls: 40, done: false, chunk: { traces: 20 } });
    const third = await backtest({ ...body, cursor: second.body.next_cursor });
    expect(third.body).toMatchObject({ calls: 50, done: true, next_cursor: null, chunk: { traces: 10 } });
    expect(third.body.flips.allow_to_block.count).toBe(idsOf("NL").length);
    expect(sorted(third.body.flips.allow_to_block.trace_ids)).toEqual(idsOf("NL"));
    // A cursor only continues the backtest it came from.
    const other = await backtest({
      scripts: [draft(blocks("JP"))],
      chunk_size: 20,
      cursor: first.body.next_cursor,
    });
    expect(other.status).toBe(400);
    expect(other.body.error.field).toBe("cursor");
    const junk = await backtest({ ...body, cursor: "bm90LWEtY3Vyc29y" });
    expect(junk.body.error.field).toBe("cursor");
  });

  it("ends a chunk at the instruction cap (Workers bill CPU), even below chunk_size", async () => {
    const heavy = draft("for i = 1, 700000 do end", { instruction_budget: 2_000_000 });
    const { body } = await backtest({ scripts: [heavy], chunk_size: 1000 });
    const per = body.scripts.find((s: { name: string }) => s.name === "Draft").instructions.p95 as number;
    expect(per).toBeGreaterThan(700_000);
    expect(body.done).toBe(false);
    expect(body.chunk.instructions).toBeGreaterThanOrEqual(BACKTEST_CHUNK_INSTRUCTIONS);
    expect(body.chunk.traces).toBeLessThan(50);
    expect(body.chunk.instructions - per * 1.01).toBeLessThan(BACKTEST_CHUNK_INSTRUCTIONS);
  });

  it("a draft with a saved script's id replaces it: flips both ways", async () => {
    const { body } = await backtest({
      scripts: [draft(blocks("DE"), { id: geoId, name: "Geo v2", parallel_index: 0 })],
    });
    expect(body.flips.allow_to_block.count).toBe(idsOf("DE").length);
    expect(sorted(body.flips.allow_to_block.trace_ids)).toEqual(idsOf("DE"));
    expect(body.flips.block_to_allow.count).toBe(idsOf("KP").length);
    expect(sorted(body.flips.block_to_allow.trace_ids)).toEqual(idsOf("KP"));
    expect(body.scripts.map((s: { name: string }) => s.name).sort()).toEqual(["Geo v2", "Tag"]);
  });

  it("disabling a saved script flips its blocks to allow", async () => {
    const { body } = await backtest({ disable: [geoId] });
    expect(body.flips.block_to_allow.count).toBe(idsOf("KP").length);
    expect(sorted(body.flips.block_to_allow.trace_ids)).toEqual(idsOf("KP"));
    expect(body.flips.allow_to_block.count).toBe(0);
    expect(body.scripts.map((s: { name: string }) => s.name)).toEqual(["Tag"]);
    const unknown = await backtest({ disable: ["scr_nope"] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.field).toBe("disable.0");
  });

  it("selects by status, time and limit", async () => {
    const blocked = await backtest({ status: "blocked" });
    expect(blocked.body).toMatchObject({ calls: 7, unchanged: 7 });
    const limited = await backtest({ limit: 10 });
    expect(limited.body).toMatchObject({ calls: 10, done: true });
    const t = recorded[40]?.startedAt as number;
    const since = await backtest({ since: new Date(t).toISOString(), until: t + 1 });
    expect(since.body.calls).toBe(recorded.filter((r) => r.startedAt === t).length);
    const later = await backtest({ since: t });
    expect(later.body.calls).toBe(recorded.filter((r) => r.startedAt >= t).length);
    const none = await backtest({ until: 1000 });
    expect(none.body).toMatchObject({ calls: 0, done: true, range: { oldest: null, newest: null } });
  });

  it('with http "off" (the default) every fetch fails; "recorded" and "live" are accepted', async () => {
    const { body } = await backtest({
      limit: 3,
      http: "off",
      scripts: [draft('local r = http.fetch("http://127.0.0.1:9/") return { block = true }')],
    });
    expect(body.calls).toBe(3);
    const d = body.scripts.find((s: { name: string }) => s.name === "Draft");
    expect(d).toMatchObject({ runs: 3, errors: 3, blocked: 0 });
    expect(body.flips.allow_to_block.count).toBe(0);
    const byDefault = await backtest({ limit: 3, scripts: [draft('http.fetch("http://127.0.0.1:9/")')] });
    expect(byDefault.body).toMatchObject({ http: "off", calls: 3 });
    // (what each mode answers is in backtest-http.test.ts, with a script that may reach 127.0.0.1)
    for (const http of ["recorded", "live"]) {
      const res = await backtest({ limit: 2, http });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ http, calls: 2, unchanged: 2 });
    }
  });

  it("refuses a draft that does not compile (422) and bad selections (400)", async () => {
    const broken = await backtest({ scripts: [draft("return {")] });
    expect(broken.status).toBe(422);
    expect(broken.body.error.field).toBe("scripts.0.source");
    for (const [body, field] of [
      [{ limit: 10_001 }, "limit"],
      [{ limit: 0 }, "limit"],
      [{ chunk_size: 1001 }, "chunk_size"],
      [{ since: "yesterday" }, "since"],
      [{ since: 2000, until: 1000 }, "since"],
      [{ status: "maybe" }, "status"],
      [{ http: "sometimes" }, "http"],
    ] as const) {
      const res = await backtest(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.field).toBe(field);
    }
    expect((await backtest({ extra: 1 })).status).toBe(400);
  });
});
