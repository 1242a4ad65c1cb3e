/**
 * http.fetch through the engine with a scripted port and a hand-driven clock: the answer table,
 * CLIENT records, merge order when a later script answers first, per-call timeouts, script and
 * trigger deadlines under on_error, call caps, budgets across yields, interleaved trigger calls.
 */
import { describe, expect, it } from "vitest";
import type { HttpPort, RunInput, ScriptSpec } from "../../src/engine";
import { BUDGET_MESSAGE, MEMORY_MESSAGE, ScriptEngine } from "../../src/engine";
import { fakePorts, settle } from "./fake-ports";
import { spec } from "./helpers";

const API = "https://api.example.com";
const net = (source: string, over: Partial<ScriptSpec> = {}) =>
  spec(source, { allowedHosts: ["api.example.com"], ...over });
const input = (scripts: ScriptSpec[], over: Partial<RunInput> = {}): RunInput => ({
  triggerEvent: "before_signin",
  context: { user: { id: "u1" } },
  scripts,
  ...over,
});
const attrsOf = (s: { attributes?: string | null }) => JSON.parse(s.attributes as string);

/** A port that answers every request at once with 200 `{}`. */
const instantPort: HttpPort = {
  send: async () => ({
    status: 200,
    headers: { "content-type": "application/json" },
    body: new TextEncoder().encode("{}"),
  }),
};

describe("http.fetch answers", () => {
  it("returns ok, status, lower-case headers, body and decoded json; records a CLIENT child span", async () => {
    const { ports, port } = fakePorts();
    const s = net(`
      local r = http.fetch("${API}/score?ip=1.2.3.4&key=abc", { method = "post", headers = { ["X-Trace"] = "t1" }, body = { ip = "1.2.3.4" } })
      return { data = { ok = r.ok, status = r.status, score = r.json.score, ct = r.headers["content-type"], len = #r.body } }`);
    const running = new ScriptEngine().run(input([s], { ports }));
    await port.arrived(1);
    const sent = port.requests[0];
    expect(sent?.method).toBe("POST");
    expect(sent?.headers).toEqual({ "x-trace": "t1", "content-type": "application/json" });
    expect(new TextDecoder().decode(sent?.body ?? new Uint8Array())).toBe('{"ip":"1.2.3.4"}');
    port.answer("/score", 200, { score: 7 }, { "X-Upper": "1" });
    const { result, spans } = await running;
    expect(result.data).toEqual({ ok: true, status: 200, score: 7, ct: "application/json", len: 11 });
    const [script, client] = spans;
    expect(client?.kind).toBe("CLIENT");
    expect(client?.parentSpanId).toBe(script?.id);
    expect(client?.name).toBe("POST api.example.com");
    expect(client?.status).toBe("success");
    expect(attrsOf(client as never)).toEqual({
      "http.request.method": "POST",
      "url.full": "https://api.example.com/score?ip=&key=",
      "server.address": "api.example.com",
      "http.response.status_code": 200,
      "http.response.body.size": 11,
    });
    expect(attrsOf(script as never).http_calls).toBe(1);
  });

  it("non-JSON bodies leave json nil; a 404 is ok = false, not an error", async () => {
    const { ports, port } = fakePorts();
    const s = net(
      `local r = http.fetch("${API}/x") return { data = { ok = r.ok, s = r.status, j = r.json == nil, b = r.body } }`,
    );
    const running = new ScriptEngine().run(input([s], { ports }));
    await port.arrived(1);
    port.answer("/x", 404, "missing");
    expect((await running).result.data).toEqual({ ok: false, s: 404, j: true, b: "missing" });
  });

  it("bad arguments raise errors naming the field", async () => {
    const engine = new ScriptEngine();
    const cases: [string, RegExp][] = [
      [`http.fetch(42)`, /url must be a string/],
      [`http.fetch("${API}", { method = "TRACE" })`, /method must be one of GET, HEAD, POST/],
      [`http.fetch("${API}", { timeout_ms = 20000 })`, /timeout_ms must be a number from 1 to 10000/],
      [`http.fetch("${API}", { headers = { host = "x" } })`, /header 'host' cannot be set/],
      [`http.fetch("${API}", { body = "x" })`, /a GET request has no body/],
      [
        `table.sort({ 2, 1 }, function(a, b) http.fetch("${API}") return a < b end)`,
        /cannot be called inside/,
      ],
    ];
    for (const [src, message] of cases) {
      const { result } = await engine.run(
        input([net(src)], { ports: { http: instantPort, clock: fakePorts().clock } }),
      );
      expect(result.errors[0]?.message).toMatch(message);
    }
  });

  it("with HTTP off every call fails at once with a clear message", async () => {
    const s = net(`local ok, e = pcall(http.fetch, "${API}/x") return { data = { e = e } }`);
    const { result, spans } = await new ScriptEngine().run(input([s]));
    expect(result.data.e).toBe("http.fetch: HTTP is off for this run");
    expect(attrsOf(spans[1] as never)["error.type"]).toBe("http_off");
  });
});

describe("concurrency and merge order", () => {
  it("merges in parallel_index order even when the later script answers first", async () => {
    const { ports, port } = fakePorts();
    const scripts = [0, 1, 2].map((i) =>
      net(`local r = http.fetch("${API}/s${i}") return { data = { who = "p${i}", ["s${i}"] = r.json.n } }`, {
        parallelIndex: i,
      }),
    );
    const running = new ScriptEngine().run(input(scripts, { ports }));
    await port.arrived(3); // all three are waiting at once: the layer runs concurrently
    port.answer("/s2", 200, { n: 2 });
    await settle();
    port.answer("/s0", 200, { n: 0 });
    await settle();
    port.answer("/s1", 200, { n: 1 });
    const { result, spans } = await running;
    expect(result.data).toEqual({ who: "p2", s0: 0, s1: 1, s2: 2 });
    expect(spans.filter((s) => s.kind === "INTERNAL").map((s) => s.parallelIndex)).toEqual([0, 1, 2]);
  });

  it("two trigger calls in one engine interleave and keep their own ctx, prev and logs", async () => {
    const { ports, port } = fakePorts();
    const engine = new ScriptEngine();
    const scripts = [
      spec("return { data = { tag = 'tag-' .. ctx.name } }", { layerIndex: 0 }),
      net(
        `log('before', ctx.name)
         local r = http.fetch("${API}/" .. ctx.name)
         log('after', ctx.name, prev.tag)
         return { data = { seen = ctx.name .. '/' .. prev.tag .. '/' .. r.json.n } }`,
        { layerIndex: 1 },
      ),
    ];
    const a = engine.run({ ...input(scripts, { ports }), context: { name: "alice" } });
    const b = engine.run({ ...input(scripts, { ports }), context: { name: "bob" } });
    await port.arrived(2);
    port.answer("/bob", 200, { n: "B" });
    const outB = await b; // bob finishes while alice is still waiting
    port.answer("/alice", 200, { n: "A" });
    const outA = await a;
    expect(outA.result.data).toEqual({ tag: "tag-alice", seen: "alice/tag-alice/A" });
    expect(outB.result.data).toEqual({ tag: "tag-bob", seen: "bob/tag-bob/B" });
    const logs = (o: typeof outA) =>
      attrsOf(o.spans.find((s) => s.layerIndex === 1 && s.kind === "INTERNAL") as never).logs;
    expect(logs(outA)).toEqual([
      ["before", "alice"],
      ["after", "alice", "tag-alice"],
    ]);
    expect(logs(outB)).toEqual([
      ["before", "bob"],
      ["after", "bob", "tag-bob"],
    ]);
  });
});

describe("timeouts and deadlines", () => {
  it("a per-call timeout raises an error a script can pcall", async () => {
    const { ports, port, clock } = fakePorts();
    const s = net(
      `local ok, e = pcall(http.fetch, "${API}/slow", { timeout_ms = 50 }) return { data = { ok = ok, e = e } }`,
    );
    const running = new ScriptEngine().run(input([s], { ports }));
    await port.arrived(1);
    clock.advance(49);
    await settle();
    expect(port.pending).toHaveLength(1);
    clock.advance(1);
    const { result, spans } = await running;
    expect(result.data).toEqual({ ok: false, e: "http.fetch: timed out after 50 ms" });
    expect(attrsOf(spans[1] as never)["error.type"]).toBe("timeout");
  });

  for (const onError of ["continue", "block"] as const) {
    it(`a script still waiting at its timeout_ms ends as an error under on_error ${onError}`, async () => {
      const { ports, port, clock } = fakePorts();
      const s = net(`http.fetch("${API}/slow", { timeout_ms = 10000 }) return { data = { late = true } }`, {
        onError,
        timeoutMs: 300,
      });
      const running = new ScriptEngine().run(
        input([s, spec("return { data = { other = 1 } }", { parallelIndex: 1 })], { ports }),
      );
      await port.arrived(1);
      clock.advance(300);
      const { result, spans } = await running;
      expect(result.errors[0]?.message).toMatch(/timed out: the script's timeout_ms \(300\) passed/);
      expect(result.decision).toBe(onError === "block" ? "block" : "allow");
      expect(result.status).toBe(onError === "block" ? "error" : "success");
      expect(result.data).toEqual({ other: 1 });
      expect(attrsOf(spans.find((x) => x.kind === "CLIENT") as never)["error.type"]).toBe("deadline");
      expect(spans[0]?.durationMs).toBeGreaterThanOrEqual(300);
      expect(port.aborted).toBe(1); // the call in flight is cancelled, not left running
      expect(clock.waiting).toBe(0);
    });
  }

  it("a run whose call was answered leaves no timer waiting (neither the call's nor the run's)", async () => {
    const { ports, port, clock } = fakePorts();
    const s = net(
      `local r = http.fetch("${API}/x", { timeout_ms = 2000 }) return { data = { s = r.status } }`,
    );
    const running = new ScriptEngine().run(input([s], { ports }));
    await port.arrived(1);
    expect(clock.waiting).toBe(2); // the call's timeout_ms and the run's deadline
    port.answer("/x");
    const { result } = await running;
    expect(result.data).toEqual({ s: 200 });
    expect(clock.waiting).toBe(0);
    expect(port.aborted).toBe(0);
  });

  it("the trigger deadline ends every script still waiting", async () => {
    const { ports, port, clock } = fakePorts();
    const s = net(`http.fetch("${API}/slow", { timeout_ms = 10000 })`, { timeoutMs: 3000 });
    const running = new ScriptEngine().run(input([s], { ports, triggerDeadlineMs: 500 }));
    await port.arrived(1);
    clock.advance(500);
    const { result } = await running;
    expect(result.errors[0]?.message).toMatch(/the trigger deadline \(500 ms\) passed/);
    expect(port.aborted).toBe(1);
  });
});

describe("caps and budgets", () => {
  it("at most 10 calls per run; the 11th raises", async () => {
    const src = `local n, last = 0, nil
      for i = 1, 12 do local ok, e = pcall(http.fetch, "${API}/" .. i) if ok then n = n + 1 else last = e end end
      return { data = { n = n, last = last } }`;
    const { result, spans } = await new ScriptEngine().run(
      input([net(src)], { ports: { http: instantPort, clock: fakePorts().clock } }),
    );
    expect(result.data).toEqual({ n: 10, last: "http.fetch: too many calls (at most 10 per run)" });
    expect(spans.filter((s) => s.kind === "CLIENT")).toHaveLength(11);
  });

  it("the per-trigger cap is shared by every script of the call", async () => {
    const src = `local n = 0 for i = 1, 3 do if pcall(http.fetch, "${API}/" .. i) then n = n + 1 end end return { data = { ["n" .. ctx_i] = n } }`;
    const scripts = [0, 1].map((i) => net(src.replace("ctx_i", String(i)), { parallelIndex: i }));
    const { result } = await new ScriptEngine().run(
      input(scripts, { ports: { http: instantPort, clock: fakePorts().clock }, maxFetchesPerTrigger: 4 }),
    );
    expect((result.data.n0 as number) + (result.data.n1 as number)).toBe(4);
  });

  it("a runaway loop after a fetch still ends at the instruction budget", async () => {
    const { ports, port } = fakePorts();
    const s = net(`local r = http.fetch("${API}/x") local n = 0 while true do n = n + 1 end`, {
      instructionBudget: 50_000,
    });
    const running = new ScriptEngine().run(input([s], { ports }));
    await port.arrived(1);
    port.answer("/x");
    const { result, spans } = await running;
    expect(result.errors[0]?.message).toBe(BUDGET_MESSAGE);
    expect(spans[0]?.instructions).toBe(50_000); // a column, not an attribute
  });

  it("instructions before and after the yield add up to one budget", async () => {
    const { ports, port } = fakePorts();
    const loop = "for i = 1, 20000 do end";
    const s = net(`${loop} http.fetch("${API}/x") ${loop}`, { instructionBudget: 50_000 });
    const running = new ScriptEngine().run(input([s], { ports }));
    await port.arrived(1);
    port.answer("/x");
    const ok = await running;
    expect(ok.result.errors).toEqual([]);
    const used = ok.spans[0]?.instructions as number;
    expect(used).toBeGreaterThan(40_000);
    const { ports: p2, port: port2 } = fakePorts();
    const over = new ScriptEngine().run(
      input([net(s.source, { instructionBudget: used - 100 })], { ports: p2 }),
    );
    await port2.arrived(1);
    port2.answer("/x");
    expect((await over).result.errors[0]?.message).toBe(BUDGET_MESSAGE);
  });
});

describe("step and memory meters across a yield", () => {
  /** Runs `source` with one fetch answered at once; returns the first error message or null. */
  const errorAcrossYield = async (source: string, over: Partial<ScriptSpec>, engine = new ScriptEngine()) => {
    const { ports, port } = fakePorts();
    const running = engine.run(input([net(source, over)], { ports }));
    await port.arrived(1);
    port.answer("/x");
    return (await running).result.errors[0]?.message ?? null;
  };

  it("steps charged before and after the yield add up to one budget", async () => {
    // utf8.len charges 1 step per 16 bytes: 640,000 bytes = 40,000 steps, 80 % of 50,000.
    const scan = "local n = utf8.len(s)";
    const head = "local s = string.rep('a', 640000)";
    const once = `${head} ${scan} http.fetch("${API}/x")`;
    expect(await errorAcrossYield(once, { instructionBudget: 50_000 })).toBeNull();
    const twice = `${head} ${scan} http.fetch("${API}/x") ${scan}`;
    expect(await errorAcrossYield(twice, { instructionBudget: 50_000 })).toBe(BUDGET_MESSAGE);
  });

  it("memory allocated before and after the yield adds up to one limit", async () => {
    const engine = new ScriptEngine({ memoryLimitBytes: 2 * 1024 * 1024 });
    const keepA = `local a = string.rep('a', 1200000) http.fetch("${API}/x")`;
    expect(await errorAcrossYield(`${keepA} return { data = { n = #a } }`, {}, engine)).toBeNull();
    const keepBoth = `${keepA} local b = string.rep('b', 1200000) return { data = { n = #a + #b } }`;
    expect(await errorAcrossYield(keepBoth, {}, engine)).toBe(MEMORY_MESSAGE);
  });
});

describe("redirects", () => {
  it("follows an allowed redirect (re-checked) and refuses one to a host outside the list", async () => {
    const { ports, port } = fakePorts();
    const s = net(`
      local r = http.fetch("${API}/a", { headers = { authorization = "k" } })
      local ok, e = pcall(http.fetch, "${API}/b")
      return { data = { final = r.url, status = r.status, e = e } }`);
    const running = new ScriptEngine().run(input([s], { ports }));
    await port.arrived(1);
    port.answer("/a", 302, "", { location: "/moved" });
    await port.arrived(2);
    expect(port.requests[1]?.headers.authorization).toBe("k"); // same origin keeps it
    port.answer("/moved", 200, {});
    await port.arrived(3);
    port.answer("/b", 301, "", { location: "https://evil.example.net/steal" });
    const { result, spans } = await running;
    expect(result.data).toEqual({
      final: `${API}/moved`,
      status: 200,
      e: "http.fetch: redirect refused: host evil.example.net is not in allowed_hosts",
    });
    expect(port.requests).toHaveLength(3);
    expect(attrsOf(spans[1] as never)["http.request.resend_count"]).toBe(1);
  });

  it("stops after 3 redirects", async () => {
    const { ports, port } = fakePorts();
    const s = net(`local ok, e = pcall(http.fetch, "${API}/r0") return { data = { e = e } }`);
    const running = new ScriptEngine().run(input([s], { ports }));
    for (let i = 0; i < 4; i++) {
      await port.arrived(i + 1);
      port.answer(`/r${i}`, 307, "", { location: `/r${i + 1}` });
    }
    expect((await running).result.data.e).toBe("http.fetch: too many redirects (at most 3)");
  });
});
