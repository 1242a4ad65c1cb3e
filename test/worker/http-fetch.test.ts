/**
 * http.fetch for real, inside workerd: the worker's HttpPort against the test server on
 * 127.0.0.1 (tools/http-test-server, started by test/global-setup.ts). Concurrency is shown by a
 * barrier (the server answers only once all three requests of a layer have arrived), egress
 * refusals never reach the server, bodies are capped while reading, CLIENT spans are stored,
 * read back and exported with the right parents.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { insertTraceRecords } from "../../src/db/trace-writes";
import type { RunInput, ScriptSpec } from "../../src/engine";
import { BUDGET_MESSAGE, ScriptEngine } from "../../src/engine";
import { LIVE_PORTS } from "../../src/pipeline/run-trigger";
import { spec } from "../engine/helpers";
import { admin, testDb, unique } from "./helpers";

const BASE = env.TEST_HTTP_URL; // http://127.0.0.1:<port>
const engine = new ScriptEngine();
const net = (source: string, over: Partial<ScriptSpec> = {}) =>
  spec(source, { allowedHosts: ["127.0.0.1"], ...over });
const run = (scripts: ScriptSpec[], over: Partial<RunInput> = {}) =>
  engine.run({
    triggerEvent: "before_signin",
    context: { user: { id: "u1" } },
    scripts,
    ports: LIVE_PORTS,
    insecureHttpHosts: ["127.0.0.1"],
    ...over,
  });
const attrsOf = (s: { attributes?: string | null }) => JSON.parse(s.attributes as string);
const errorOfRun = async (src: string, over: Partial<ScriptSpec> = {}) => {
  const { result } = await run([
    net(`local ok, e = pcall(http.fetch, ${src}) return { data = { e = e } }`, over),
  ]);
  return result.data.e as string;
};

describe("concurrency (real server)", () => {
  it("the three scripts of a layer are in flight at once: a barrier of 3 answers them all", async () => {
    const group = unique("g");
    const scripts = [0, 1, 2].map((i) =>
      net(
        `local r = http.fetch("${BASE}/barrier?n=3&group=${group}&id=${i}", { timeout_ms = 5000 })
           return { data = { ["s${i}"] = r.json.arrived } }`,
        { parallelIndex: i },
      ),
    );
    const { result } = await run(scripts);
    expect(result.errors).toEqual([]);
    expect(result.data).toEqual({ s0: 3, s1: 3, s2: 3 });
  });

  it("merge order is parallel_index order when the later script answers first", async () => {
    const key = unique("k");
    const first = net(`local r = http.fetch("${BASE}/hold?key=${key}", { timeout_ms = 5000 })
                       return { data = { who = "p0", held = r.json.released } }`);
    // p1 answers first, and only then releases p0: p0 certainly finishes last
    const second = net(
      `http.fetch("${BASE}/echo") http.fetch("${BASE}/release?key=${key}")
                        return { data = { who = "p1" } }`,
      { parallelIndex: 1 },
    );
    const { result } = await run([first, second]);
    expect(result.data).toEqual({ who: "p1", held: true });
  });

  it("two concurrent trigger calls interleave (each waits for the other) and keep their own ctx, prev, logs", async () => {
    const group = unique("pair");
    const scripts = [
      spec("return { data = { tag = 'tag-' .. ctx.name } }"),
      net(
        `log(ctx.name) local r = http.fetch("${BASE}/barrier?n=2&group=${group}&id=" .. ctx.name, { timeout_ms = 5000 })
           log(prev.tag) return { data = { seen = ctx.name .. '/' .. prev.tag .. '/' .. r.json.arrived } }`,
        { layerIndex: 1 },
      ),
    ];
    const [a, b] = await Promise.all([
      run(scripts, { context: { name: "alice" } }),
      run(scripts, { context: { name: "bob" } }),
    ]);
    expect(a.result.data).toEqual({ tag: "tag-alice", seen: "alice/tag-alice/2" });
    expect(b.result.data).toEqual({ tag: "tag-bob", seen: "bob/tag-bob/2" });
    expect(attrsOf(a.spans[1] as never).logs).toEqual([["alice"], ["tag-alice"]]);
    expect(attrsOf(b.spans[1] as never).logs).toEqual([["bob"], ["tag-bob"]]);
  });
});

describe("egress refusals (real URLs)", () => {
  const port = new URL(BASE).port;
  it("refused host, http to a host not listed as insecure, user info, IP-literal tricks", async () => {
    const cases: [string, RegExp][] = [
      [`"https://evil.example/"`, /refused: host evil.example is not in allowed_hosts/],
      [`"http://localhost:${port}/echo"`, /refused: plain http:\/\/ to localhost not allowed/],
      [`"http://u:p@127.0.0.1:${port}/echo"`, /refused: user info in the URL is not allowed/],
      [`"http://2130706433:${port}/echo"`, /refused: IP address literal 2130706433 not allowed/],
      [`"http://[::1]:${port}/echo"`, /refused: IP address literal \[::1\] not allowed/],
      [`"http://0x7f.1:${port}/echo"`, /refused: IP address literal 0x7f.1 not allowed/],
    ];
    for (const [url, message] of cases) {
      expect(await errorOfRun(url, { allowedHosts: ["127.0.0.1", "localhost"] }), url).toMatch(message);
    }
  });

  it("a redirect to a refused host is not followed", async () => {
    const to = encodeURIComponent("https://evil.example/x");
    expect(await errorOfRun(`"${BASE}/redirect?to=${to}"`)).toBe(
      "http.fetch: redirect refused: host evil.example is not in allowed_hosts",
    );
    const inside = encodeURIComponent(`${BASE}/echo`);
    const { result } = await run([
      net(`return { data = { s = http.fetch("${BASE}/redirect?to=${inside}").json.path } }`),
    ]);
    expect(result.data.s).toBe("/echo");
  });

  it("a response over 256 KiB is aborted while reading (chunked or declared)", async () => {
    expect(await errorOfRun(`"${BASE}/big?bytes=300000"`)).toBe(
      "http.fetch: response larger than 262144 bytes",
    );
    expect(await errorOfRun(`"${BASE}/big?bytes=300000&length=1"`)).toBe(
      "http.fetch: response larger than 262144 bytes",
    );
    const { result } = await run([
      net(`return { data = { n = #http.fetch("${BASE}/big?bytes=262144").body } }`),
    ]);
    expect(result.data.n).toBe(262144);
  });

  it("a server that never answers ends at the per-call timeout", async () => {
    expect(await errorOfRun(`"${BASE}/hang", { timeout_ms = 100 }`)).toBe(
      "http.fetch: timed out after 100 ms",
    );
  });

  it("more than 10 calls per run", async () => {
    const { result } = await run([
      net(
        `for i = 1, 10 do http.fetch("${BASE}/echo") end local ok, e = pcall(http.fetch, "${BASE}/echo") return { data = { e = e } }`,
      ),
    ]);
    expect(result.data.e).toBe("http.fetch: too many calls (at most 10 per run)");
  });

  it("a deadline under on_error continue (allow, error listed) vs block (block)", async () => {
    for (const onError of ["continue", "block"] as const) {
      const s = net(`http.fetch("${BASE}/hang", { timeout_ms = 10000 })`, { timeoutMs: 150, onError });
      const { result } = await run([s]);
      expect(result.decision).toBe(onError === "block" ? "block" : "allow");
      expect(result.errors[0]?.message).toMatch(/timed out: the script's timeout_ms \(150\) passed/);
    }
  });

  it("a runaway loop after a real fetch ends at the budget", async () => {
    const { result } = await run([
      net(`http.fetch("${BASE}/echo") while true do end`, { instructionBudget: 100_000 }),
    ]);
    expect(result.errors[0]?.message).toBe(BUDGET_MESSAGE);
  });

  it("only the script's own headers go out", async () => {
    const { result } = await run([
      net(`local r = http.fetch("${BASE}/echo", { headers = { ["x-api-key"] = "k1" } })
           return { data = { h = r.json.headers } }`),
    ]);
    const sent = result.data.h as Record<string, string>;
    expect(sent["x-api-key"]).toBe("k1");
    expect(
      Object.keys(sent).filter((h) => ["authorization", "cookie", "webhook-signature"].includes(h)),
    ).toEqual([]);
  });
});

describe("CLIENT spans in the database, trace detail and OTLP", () => {
  it("are stored as children of their script span, read back and exported with the right parents", async () => {
    const out = await run(
      [
        net(
          `http.fetch("${BASE}/echo?token=s3cret") pcall(http.fetch, "https://evil.example/") return { data = { ok = true } }`,
          {
            name: "Caller",
          },
        ),
      ],
      { triggerEvent: unique("ev") },
    );
    await insertTraceRecords(testDb(), [{ trace: out.trace, spans: out.spans }]);
    const script = out.spans.find((s) => s.kind === "INTERNAL");
    const detail = await admin("GET", `/v1/traces/${out.trace.id}`);
    expect(detail.status).toBe(200);
    const clients = detail.body.spans.filter((s: { kind: string }) => s.kind === "CLIENT");
    expect(clients).toHaveLength(2);
    for (const c of clients) expect(c.parent_span_id).toBe(script?.id);
    const ok = clients.find((c: { status: string }) => c.status === "success");
    expect(ok.attributes["url.full"]).toBe(`${BASE}/echo?token=`);
    expect(ok.attributes["http.response.status_code"]).toBe(200);
    expect(ok.duration_ms).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(detail.body)).not.toContain("s3cret");
    const refused = clients.find((c: { status: string }) => c.status === "error");
    expect(refused.attributes["error.type"]).toBe("refused");

    const otlp = await admin("GET", `/v1/traces/${out.trace.id}/otlp`);
    const spans = otlp.body.resourceSpans[0].scopeSpans[0].spans as {
      spanId: string;
      parentSpanId?: string;
      kind: number;
    }[];
    const exportedScript = spans.find((s) => s.spanId === script?.id);
    expect(exportedScript?.parentSpanId).toBe(out.trace.rootSpanId);
    const exportedClients = spans.filter((s) => s.kind === 3);
    expect(exportedClients).toHaveLength(2);
    for (const c of exportedClients) expect(c.parentSpanId).toBe(script?.id);
  });
});
