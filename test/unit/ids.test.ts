// Trace and span ids: format, never all zeros, distinct, and random bytes drawn from a pool (one
// getRandomValues call per 4 KiB, never one per id or per trace).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ScriptEngine } from "../../src/engine";
import { resetRandomPool, TraceIds } from "../../src/engine/ids";
import { spec } from "../engine/helpers";

beforeEach(() => {
  resetRandomPool();
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("TraceIds", () => {
  it("hands out a 32-hex trace id and distinct 16-hex span ids, more than reserved too", () => {
    const ids = new TraceIds(3);
    expect(ids.traceId).toMatch(/^[0-9a-f]{32}$/);
    const spans = Array.from({ length: 5 }, () => ids.spanId()); // 2 beyond the reservation
    for (const s of spans) expect(s).toMatch(/^[0-9a-f]{16}$/);
    expect(new Set(spans).size).toBe(5);
  });

  it("redraws an all-zero id", () => {
    let call = 0;
    const fake = (buf: Uint8Array) => buf.fill(call++ === 0 ? 0 : 7); // the first draw is all zeros
    vi.spyOn(crypto, "getRandomValues").mockImplementation(fake as never);
    const ids = new TraceIds(1);
    expect(ids.traceId).toBe("07".repeat(16));
    expect(ids.spanId()).toBe("07".repeat(8)); // its bytes of the first draw were zeros too
    expect(call).toBe(3);
  });

  it("pipeline runs take their ids from the pool: one getRandomValues call per 4 KiB of ids", async () => {
    const engine = new ScriptEngine();
    const scripts = [
      spec("return {}"),
      spec("return {}", { parallelIndex: 1 }),
      spec("return {}", { layerIndex: 1 }),
    ];
    await engine.run({ triggerEvent: "before_signin", context: {}, scripts }); // warm
    resetRandomPool();
    const draw = vi.spyOn(crypto, "getRandomValues");
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) {
      const { trace, spans } = await engine.run({ triggerEvent: "before_signin", context: {}, scripts });
      ids.push(trace.id, trace.rootSpanId, ...spans.map((s) => s.id));
    }
    // 100 traces × (16 + 4 × 8) bytes = 4,800 bytes: the pool is filled twice.
    expect(draw).toHaveBeenCalledTimes(2);
    expect(new Set(ids).size).toBe(500);
  });
});
