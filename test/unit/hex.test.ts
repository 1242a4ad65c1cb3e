// randomHex draws its bytes from a pool refilled by one getRandomValues call per 1 KiB: every id
// still gets bytes of its own, across refills too.
import { afterEach, describe, expect, it, vi } from "vitest";
import { randomHex } from "../../src/lib/hex";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("randomHex", () => {
  it("answers 2×bytes lowercase hex characters, distinct ids across several pool refills", () => {
    const ids = Array.from({ length: 500 }, () => randomHex(8)); // 4,000 bytes: 4 refills
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(randomHex(16)).toMatch(/^[0-9a-f]{32}$/);
    expect(randomHex(2000)).toMatch(/^[0-9a-f]{4000}$/); // larger than the pool: drawn on its own
  });

  it("draws the random bytes in 1 KiB pools, not one call per id", () => {
    const draw = vi.spyOn(crypto, "getRandomValues");
    for (let i = 0; i < 256; i++) randomHex(8); // 2,048 bytes
    expect(draw.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(draw.mock.calls.length).toBeLessThanOrEqual(3);
  });
});
