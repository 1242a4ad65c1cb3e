// shouldStoreTrace with an injected random source: the TRACE_SAMPLE_RATE edge, TRACING=off, and
// blocked/error traces kept whatever the draw.
import { describe, expect, it } from "vitest";
import { shouldStoreTrace } from "../../src/pipeline/trigger-input";

const cfg = (rate: number, tracing: "on" | "off" = "on") => ({ TRACING: tracing, TRACE_SAMPLE_RATE: rate });

describe("shouldStoreTrace", () => {
  it("keeps a successful trace exactly when the draw is below the rate", () => {
    expect(shouldStoreTrace("success", cfg(0.3), () => 0.2999)).toBe(true);
    expect(shouldStoreTrace("success", cfg(0.3), () => 0.3)).toBe(false);
    expect(shouldStoreTrace("success", cfg(0.3), () => 0.7)).toBe(false);
    expect(shouldStoreTrace("success", cfg(0), () => 0)).toBe(false);
    expect(shouldStoreTrace("success", cfg(1), () => 0.9999)).toBe(true);
  });

  it("keeps blocked and error traces whatever the draw, and nothing with TRACING=off", () => {
    for (const status of ["blocked", "error"] as const) {
      expect(shouldStoreTrace(status, cfg(0), () => 0.9999)).toBe(true);
      expect(shouldStoreTrace(status, cfg(1, "off"), () => 0)).toBe(false);
    }
  });

  it("draws once per successful trace at a rate below 1, and not otherwise", () => {
    let draws = 0;
    const random = () => {
      draws++;
      return 0.5;
    };
    for (let i = 0; i < 10; i++) shouldStoreTrace("success", cfg(0.5), random);
    shouldStoreTrace("success", cfg(1), random);
    shouldStoreTrace("blocked", cfg(0.5), random);
    expect(draws).toBe(10);
  });
});
