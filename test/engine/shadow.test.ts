// Shadow scripts in the executor: recorded as "success" with what they would have done; their
// block, data and errors (even fail-closed ones) never change the answer; they run in their
// layer under the same trigger deadline as every other script.
import { describe, expect, it } from "vitest";
import { ScriptEngine } from "../../src/engine";
import { fakePorts } from "./fake-ports";
import { spec } from "./helpers";

const engine = new ScriptEngine();
const run = async (scripts: Parameters<ScriptEngine["run"]>[0]["scripts"]) =>
  await engine.run({ triggerEvent: "before_signin", context: { a: 1 }, scripts });
const attrs = (s: { attributes?: string | null }) => JSON.parse(s.attributes as string);

describe("shadow scripts", () => {
  it("a shadow block is recorded, not enforced: data not merged, later layers run", async () => {
    const shadow = spec("return { block = true, reason = 'would', data = { s = 1 } }", { mode: "shadow" });
    const next = spec("return { data = { next = prev.s == nil } }", { layerIndex: 1 });
    const { result, spans } = await run([shadow, next]);
    expect(result).toMatchObject({ status: "success", decision: "allow", blocked_by: null, errors: [] });
    expect(result.data).toEqual({ next: true });
    expect(spans.map((s) => [s.status, s.statusMessage])).toEqual([
      ["success", "shadow: would block: would"],
      ["success", null],
    ]);
    expect(attrs(spans[0] as never)).toMatchObject({
      shadow: true,
      shadow_outcome: "block",
      would_block: true,
    });
    expect(attrs(spans[1] as never).shadow).toBeUndefined();
  });

  it("a fail-closed shadow error neither fails the call nor is listed", async () => {
    const { result, spans } = await run([spec("error('boom')", { mode: "shadow", onError: "block" })]);
    expect(result).toMatchObject({ status: "success", decision: "allow", errors: [] });
    expect(spans[0]?.statusMessage).toMatch(/^shadow: would error: .*boom/);
    expect(attrs(spans[0] as never)).toMatchObject({
      shadow_outcome: "error",
      would_error: true,
      would_block: false,
    });
  });

  it("a shadow script after an enforced block is skipped like any other", async () => {
    const { result, spans } = await run([
      spec("return { block = true }"),
      spec("return {}", { mode: "shadow", layerIndex: 1 }),
    ]);
    expect(result.decision).toBe("block");
    expect(spans[1]?.status).toBe("skipped");
    expect(attrs(spans[1] as never)).toMatchObject({ shadow: true });
    expect(attrs(spans[1] as never).shadow_outcome).toBeUndefined();
  });

  it("a shadow script waiting on I/O is ended by the trigger deadline; the answer is the enforced one", async () => {
    const { ports, port, clock } = fakePorts();
    const waiting = spec(
      `http.fetch("https://api.example.com/slow", { timeout_ms = 10000 })
                          return { block = true }`,
      {
        mode: "shadow",
        onError: "block",
        allowedHosts: ["api.example.com"],
        timeoutMs: 10_000,
      },
    );
    const enforced = spec("return { data = { ok = true } }", { parallelIndex: 1 });
    const running = engine.run({
      triggerEvent: "before_signin",
      context: { a: 1 },
      scripts: [waiting, enforced],
      ports,
      triggerDeadlineMs: 500,
    });
    await port.arrived(1);
    clock.advance(500);
    const { result, spans } = await running;
    expect(result).toMatchObject({ status: "success", decision: "allow", errors: [], data: { ok: true } });
    expect(spans[0]?.statusMessage).toMatch(/^shadow: would error: .*the trigger deadline \(500 ms\) passed/);
    expect(attrs(spans[0] as never)).toMatchObject({
      shadow: true,
      shadow_outcome: "error",
      would_error: true,
    });
  });
});
