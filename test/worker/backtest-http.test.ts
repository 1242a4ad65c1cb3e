/**
 * http.fetch in backtests and replays, inside workerd against the real test server on
 * 127.0.0.1: "off" fails every fetch at once, "recorded" answers the status of the original
 * CLIENT span (read back from the database through src/db), "live" sends GET/HEAD for real and
 * refuses other methods unless allow_writes. Scripts here carry `allowedHosts` directly (the
 * engine's egress policy still applies in every mode).
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { insertTraceRecords } from "../../src/db/trace-writes";
import type { RunOutput, ScriptSpec } from "../../src/engine";
import { ScriptEngine } from "../../src/engine";
import { loadConfig } from "../../src/env";
import { backtestChunk } from "../../src/pipeline/backtest";
import { type HttpMode, recordedCalls, rerunPorts } from "../../src/pipeline/backtest-http";
import { LIVE_PORTS } from "../../src/pipeline/run-trigger";
import { spec } from "../engine/helpers";
import { countStored } from "./db";
import { admin, createScript, eventually, fireTrigger, testDb, unique } from "./helpers";

const BASE = env.TEST_HTTP_URL; // http://127.0.0.1:<port>
const engine = new ScriptEngine();
const net = (source: string) => spec(source, { allowedHosts: ["127.0.0.1"] });
const run = (scripts: ScriptSpec[], ports = LIVE_PORTS) =>
  engine.run({
    triggerEvent: "before_signin",
    context: { user: { id: "u1" } },
    scripts,
    ports,
    insecureHttpHosts: ["127.0.0.1"],
  });

// Two calls: /echo answers 200 with a JSON body, /missing answers 404 (then the script blocks).
const FETCHER = `
  local a = http.fetch("${BASE}/echo?x=1")
  local b = http.fetch("${BASE}/missing")
  local data = { a = a.status, b = b.status, a_body = a.body }
  if b.status == 404 then return { block = true, reason = "missing", data = data } end
  return { data = data }`;
const probe = (call: string) =>
  net(`local ok, r = pcall(http.fetch, ${call})
       if ok then return { data = { status = r.status, method = r.json and r.json.method } } end
       return { data = { error = r } }`);

let recorded: RunOutput;

beforeAll(async () => {
  recorded = await run([net(FETCHER)]);
  expect(recorded.result).toMatchObject({ decision: "block", data: { a: 200, b: 404 } });
});

/** A backtest chunk of `event`'s stored traces (up to 10) with the fetching draft, in one http mode. */
function chunkOf(event: string, over: { maxLiveCalls?: number } = {}) {
  const config = loadConfig(env);
  if (!config.ok) throw new Error(config.message);
  const settings = config.config;
  return (http: HttpMode) =>
    backtestChunk(
      settings,
      testDb(),
      { event, limit: 10, chunkSize: 10, http, allowWrites: false, ...over },
      [net(FETCHER)],
      null,
    );
}

describe("recorded", () => {
  it("answers each call with the status of its CLIENT span, with no body", async () => {
    const calls = recordedCalls(recorded.spans);
    expect(calls.map((c) => [c.method, c.status])).toEqual([
      ["GET", 200],
      ["GET", 404],
    ]);
    const again = await run([net(FETCHER)], rerunPorts("recorded", false, calls));
    expect(again.result.decision).toBe("block");
    // The live answer had a JSON body; the recorded one has the status only.
    expect(again.result.data).toEqual({ a: 200, b: 404, a_body: "" });
  });

  it("fails a call that was not recorded, and each recorded call answers once", async () => {
    const calls = recordedCalls(recorded.spans);
    const other = await run([probe(`"${BASE}/other"`)], rerunPorts("recorded", false, calls));
    expect(other.result.data.error).toContain(`no recorded call for GET ${BASE}/other`);
    const twice = net(`local a = http.fetch("${BASE}/missing")
      local ok, e = pcall(http.fetch, "${BASE}/missing") return { data = { a = a.status, e = e } }`);
    const out = await run([twice], rerunPorts("recorded", false, calls));
    expect(out.result.data.a).toBe(404);
    expect(out.result.data.e).toContain("no recorded call");
  });
});

describe("live and off", () => {
  it('"live" sends GET for real and refuses POST unless allow_writes', async () => {
    const get = await run([probe(`"${BASE}/echo"`)], rerunPorts("live", false, []));
    expect(get.result.data).toEqual({ status: 200, method: "GET" });
    const post = `"${BASE}/echo", { method = "POST", body = "x" }`;
    const refused = await run([probe(post)], rerunPorts("live", false, []));
    expect(refused.result.data.error).toContain("POST is not sent in a backtest without allow_writes: true");
    const allowed = await run([probe(post)], rerunPorts("live", true, []));
    expect(allowed.result.data).toEqual({ status: 200, method: "POST" });
  });

  it('"off" fails every fetch at once with a clear message', async () => {
    const off = await run([probe(`"${BASE}/echo"`)], rerunPorts("off", false, recordedCalls(recorded.spans)));
    expect(off.result.data.error).toContain("HTTP is off for this run");
  });
});

describe("backtestChunk reads the recorded calls from the database", () => {
  it("a stored trace re-runs with its recorded answers; off and live differ as they should", async () => {
    const event = unique("bth");
    const stored = await run([net(FETCHER)]);
    const trace = { ...stored.trace, triggerEvent: event };
    const spans = stored.spans.map((s) => ({ ...s }));
    await insertTraceRecords(testDb(), [{ trace, spans }]);
    const chunk = chunkOf(event);
    // recorded: both calls answered from the stored CLIENT spans, so it blocks again (no flip).
    const rec = await chunk("recorded");
    expect(rec.tally).toMatchObject({ calls: 1, block: 1, allow: 0 });
    expect(rec.tally.scripts[0]).toMatchObject({ runs: 1, blocked: 1, errors: 0 });
    // off: the first fetch fails, so the script errors (on_error continue) and the call allows.
    const off = await chunk("off");
    expect(off.tally).toMatchObject({ calls: 1, allow: 1 });
    expect(off.tally.block_to_allow.count).toBe(1);
    expect(off.tally.scripts[0]).toMatchObject({ errors: 1 });
  });
});

describe("a live chunk ends at its outbound-call cap", () => {
  it("stops after the trace that reaches the cap and hands back a cursor; recorded chunks do not count", async () => {
    const event = unique("bthcap");
    for (let i = 0; i < 3; i++) {
      const out = await run([net(FETCHER)]);
      await insertTraceRecords(testDb(), [
        { trace: { ...out.trace, triggerEvent: event }, spans: out.spans },
      ]);
    }
    const chunk = chunkOf(event, { maxLiveCalls: 3 });
    // two calls per trace: 2 < 3 after the first trace, 4 >= 3 after the second
    const live = await chunk("live");
    expect(live.chunk).toMatchObject({ traces: 2, http_calls: 4 });
    expect(live.next).not.toBeNull();
    const recorded = await chunk("recorded");
    expect(recorded.chunk).toMatchObject({ traces: 3, http_calls: 6 });
    expect(recorded.next).toBeNull();
  });
});

describe("through the API: a saved script that fetches, recorded by real trigger calls", () => {
  it("backtest and replay with http recorded keep the decisions; off flips them", async () => {
    const event = unique("bth");
    await createScript(event, FETCHER, { name: "Fetcher", allowed_hosts: ["127.0.0.1"] });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await fireTrigger(event, { user: { id: `u${i}` } })).body.trace_id);
    await eventually(async () => (await countStored(ids)) === 3, 15_000);
    const backtest = (http: HttpMode) =>
      admin("POST", `/v1/triggers/${event}/backtest`, { http }).then((r) => r.body);
    const rec = await backtest("recorded");
    expect(rec).toMatchObject({ calls: 3, unchanged: 3, decisions: { block: 3 } });
    expect(rec.scripts[0]).toMatchObject({ name: "Fetcher", runs: 3, blocked: 3, errors: 0 });
    const off = await backtest("off");
    expect(off.flips.block_to_allow.count).toBe(3);
    expect(off.scripts[0]).toMatchObject({ errors: 3, blocked: 0 });
    const live = await backtest("live");
    expect(live).toMatchObject({ calls: 3, unchanged: 3 });
    const replay = await admin("POST", `/v1/traces/${ids[0]}/replay`, { http: "recorded" });
    expect(replay.body).toMatchObject({ decision_changed: false, replayed: { decision: "block" } });
    // the replayed body is empty (bodies are never recorded): the output differs, the status not
    expect(replay.body.spans[0]).toMatchObject({ change: "changed", fields: ["output"] });
  });
});
