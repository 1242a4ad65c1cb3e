// Trace rows: id formats, parent links, attributes, redaction at depth, truncation markers.
import { describe, expect, it } from "vitest";
import { REDACTED, Redactor, ScriptEngine } from "../../src/engine";
import { expandSpanAttributes, traceInputs } from "../../src/engine/stored-trace";
import type { RunOutput } from "../../src/engine/types";
import { spec } from "./helpers";

/** A span's attributes as every reader shows them (input rebuilt from the trace). */
function fullAttributes(out: Pick<RunOutput, "trace" | "spans">, i = 0) {
  const span = out.spans[i];
  if (!span) throw new Error(`no span ${i}`);
  return JSON.parse(expandSpanAttributes(span.attributes, span, traceInputs(out.trace)) as string);
}

const context = {
  user: {
    email: "a@b.c",
    password: "hunter2",
    profile: { client_secret: "cs", nested: [{ access_token: "at" }] },
  },
  headers: { "X-Api-Key": "k", Authorization: "Bearer abc", "Set-Cookie": "sid=1", accept: "json" },
};

async function runTrace(
  scripts = [spec("log('hello', ctx.user) return { data = { token = 't', keep = 1 } }")],
  extra = {},
) {
  return await new ScriptEngine().run({
    triggerEvent: "before_signin",
    context,
    scripts,
    userId: "u1",
    requestIp: "203.0.113.1",
    ...extra,
  });
}

describe("trace rows", () => {
  it("ids, parent links, timestamps and caller fields", async () => {
    const before = Date.now();
    const { trace, spans } = await runTrace([
      spec("return {}"),
      spec("return {}", { layerIndex: 1, version: null }),
    ]);
    expect(trace.id).toMatch(/^[0-9a-f]{32}$/);
    expect(trace.id).not.toBe("0".repeat(32));
    expect(trace.rootSpanId).toMatch(/^[0-9a-f]{16}$/);
    expect(trace).toMatchObject({
      triggerEvent: "before_signin",
      status: "success",
      decision: "allow",
      userId: "u1",
      requestIp: "203.0.113.1",
      statusMessage: null,
    });
    expect(trace.startedAt).toBeGreaterThanOrEqual(before);
    expect(trace.createdAt).toBe(trace.startedAt);
    expect(trace.endedAt).toBeGreaterThanOrEqual(trace.startedAt);
    expect(typeof trace.durationMs).toBe("number");
    const ids = new Set(spans.map((s) => s.id));
    expect(ids.size).toBe(2);
    for (const s of spans) {
      expect(s.id).toMatch(/^[0-9a-f]{16}$/);
      expect(s.traceId).toBe(trace.id);
      expect(s.parentSpanId).toBe(trace.rootSpanId);
      expect(s.kind).toBe("INTERNAL");
    }
    expect(spans[1]).toMatchObject({ layerIndex: 1, parallelIndex: 0, scriptVersion: null });
  });
  it("span attributes carry input, output, logs, version, instructions, on_error", async () => {
    const s = spec("log('n', 1) return { data = { x = prev.y } }", { version: 7, onError: "block" });
    const out = await runTrace([s]);
    const { spans } = out;
    const a = fullAttributes(out);
    expect(a).toMatchObject({
      script_version: 7,
      on_error: "block",
      output: { data: {} },
      logs: [["n", 1]],
      logs_dropped: 0,
    });
    expect(a.instructions).toBeGreaterThan(0);
    expect(a.input.prev).toEqual({});
    expect(a.input.ctx.user.email).toBe("a@b.c");
    expect(spans[0]).toMatchObject({ scriptId: s.id, scriptVersion: 7, name: s.name, status: "success" });
  });
  it("stores the context once and prev once per layer; every span's input is rebuilt on read", async () => {
    const scripts = [
      spec("return { data = { a = 1 } }", { layerIndex: 0, parallelIndex: 0 }),
      spec("return { data = { b = 2 } }", { layerIndex: 0, parallelIndex: 1 }),
      spec("return { data = { c = prev.a + prev.b } }", { layerIndex: 1, parallelIndex: 0 }),
      spec("return {}", { layerIndex: 1, parallelIndex: 1 }),
      spec("return {}", { layerIndex: 2, parallelIndex: 0 }),
    ];
    const out = await runTrace(scripts);
    for (const s of out.spans) {
      const stored = JSON.parse(s.attributes as string);
      expect(stored).not.toHaveProperty("input");
      expect(s.attributes).not.toContain("a@b.c"); // the context is not copied into spans
    }
    expect(JSON.parse(out.trace.layerPrev as string)).toEqual({
      0: {},
      1: { a: 1, b: 2 },
      2: { a: 1, b: 2, c: 3 },
    });
    const ctx = JSON.parse(out.trace.contextSnapshot as string);
    const prevs = out.spans.map((_, i) => fullAttributes(out, i).input);
    expect(prevs).toEqual([
      { ctx, prev: {} },
      { ctx, prev: {} },
      { ctx, prev: { a: 1, b: 2 } },
      { ctx, prev: { a: 1, b: 2 } },
      { ctx, prev: { a: 1, b: 2, c: 3 } },
    ]);
  });
  it("redacts secret keys at any depth in every stored field, not in the answer", async () => {
    const { trace, spans, result } = await runTrace();
    const stored = [trace.contextSnapshot, trace.layerPrev, trace.resultData, spans[0]?.attributes].join(
      "\n",
    );
    for (const secret of ["hunter2", '"cs"', '"at"', '"k"', "Bearer abc", "sid=1", '"t"'])
      expect(stored).not.toContain(secret);
    const snap = JSON.parse(trace.contextSnapshot as string);
    expect(snap.user.password).toBe(REDACTED);
    expect(snap.user.profile.nested[0].access_token).toBe(REDACTED);
    expect(snap.headers).toEqual({
      "X-Api-Key": REDACTED,
      Authorization: REDACTED,
      "Set-Cookie": REDACTED,
      accept: "json",
    });
    expect(JSON.parse(trace.resultData as string)).toEqual({ token: REDACTED, keep: 1 });
    const attrs = JSON.parse(spans[0]?.attributes as string);
    expect(attrs.logs[0][1].password).toBe(REDACTED);
    expect(result.data).toEqual({ token: "t", keep: 1 }); // the answer is not redacted
  });
  it("redacts key=value text in logs and messages; extra keys by config", async () => {
    const s = spec("log('login token=abc123 ok') error('password: swordfish')");
    const { spans, trace } = await runTrace([s], { redactKeys: ["ssn"] });
    expect(spans[0]?.attributes).not.toContain("abc123");
    expect(spans[0]?.statusMessage).toBe(`line 1: password: ${REDACTED}`);
    expect(trace.statusMessage).not.toContain("swordfish");
    expect(new Redactor(["ssn"]).value({ user_ssn: "1", a: 1 })).toEqual({ user_ssn: REDACTED, a: 1 });
  });
  it("caps every stored JSON field with a marker that parses", async () => {
    const big = { blob: "x".repeat(50_000) };
    const out = await new ScriptEngine().run({
      triggerEvent: "t",
      context: big,
      maxFieldBytes: 4096,
      scripts: [spec("return { data = { copy = ctx.blob } }")],
    });
    const fields = [
      out.trace.contextSnapshot,
      out.trace.layerPrev,
      out.trace.resultData,
      out.spans[0]?.attributes,
    ];
    for (const field of fields) {
      expect((field as string).length).toBeLessThanOrEqual(4096);
      expect(() => JSON.parse(field as string)).not.toThrow();
    }
    const snap = JSON.parse(out.trace.contextSnapshot as string);
    expect(snap).toMatchObject({ _truncated: true, original_bytes: 50_011 });
    expect(snap.preview.startsWith('{"blob":"xxx')).toBe(true);
    const attrs = fullAttributes(out);
    expect(attrs.input.ctx._truncated).toBe(true);
    expect(attrs.instructions).toBeGreaterThan(0);
    expect(out.result.data.copy).toHaveLength(50_000); // the answer is not truncated
  });
  it("log count and bytes are capped", async () => {
    const { spans } = await runTrace([spec("for i = 1, 100 do log('line', i) end")]);
    const a = JSON.parse(spans[0]?.attributes as string);
    expect(a.logs).toHaveLength(50);
    expect(a.logs_dropped).toBe(50);
    const big = await runTrace([spec("for i = 1, 10 do log(string.rep('z', 3000)) end")]);
    const b = JSON.parse(big.spans[0]?.attributes as string);
    expect(b.logs.length).toBeLessThan(4);
    expect(b.logs_dropped).toBeGreaterThan(6);
  });
});

describe("secret values learnt from the context", () => {
  it("are scrubbed wherever a script copies them, in every stored field, but not in the answer", async () => {
    const engine = new ScriptEngine();
    const context = {
      user: { id: "u1", credentials: { password: "hunter2-very-secret" } },
      api_key: "k-123456",
    };
    const source = `
      log("pw is", ctx.user.credentials.password, "key", ctx.api_key)
      return { block = true, reason = "saw " .. ctx.user.credentials.password,
               data = { copy = ctx.user.credentials.password, note = "key=" .. ctx.api_key } }`;
    const out = await engine.run({ triggerEvent: "before_signin", context, scripts: [spec(source)] });
    const stored = JSON.stringify([out.trace, out.spans]);
    expect(stored).not.toContain("hunter2-very-secret");
    expect(stored).not.toContain("k-123456");
    const attrs = JSON.parse(out.spans[0]?.attributes as string);
    expect(attrs.logs).toEqual([["pw is", REDACTED, "key", REDACTED]]);
    expect(JSON.parse(out.trace.resultData as string)).toEqual({ copy: REDACTED, note: `key=${REDACTED}` });
    expect(out.spans[0]?.statusMessage).toBe(`saw ${REDACTED}`);
    expect(out.result.data).toEqual({ copy: "hunter2-very-secret", note: "key=k-123456" });
  });

  it("leaves values shorter than 4 characters alone in free text", async () => {
    const redactor = new Redactor().learnSecrets({ token: "abc", password: "abcd" });
    expect(redactor.text("abc abcd")).toBe(`abc ${REDACTED}`);
  });
});
