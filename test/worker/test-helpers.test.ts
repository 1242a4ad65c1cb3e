// The waiting and reset helpers every other test leans on: `eventually` passes only on an
// explicit `true` (a probe returning 0, null, [] or a string is not success), and a reset that
// did not happen fails loudly instead of leaving stale counts behind; the stored-secret scan
// also searches the deflated span sets.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { dbControl, eventually, eventuallyValue, resetTestServer } from "./helpers";
import { findInDatabase } from "./secrets-db-scan";
import { seed, spanRow, traceRow } from "./trace-fixtures";

describe("eventually", () => {
  it("is not satisfied by 0, null, undefined, [], {}, 1 or a string", async () => {
    for (const value of [0, null, undefined, [], {}, 1, "true", false]) {
      await expect(eventually(() => value as unknown as boolean, 60)).rejects.toThrow(/condition not met/);
    }
  });

  it("resolves once the probe returns true", async () => {
    let calls = 0;
    await eventually(() => ++calls === 3);
    expect(calls).toBe(3);
  });

  it("eventuallyValue returns the first value its predicate accepts", async () => {
    let n = 0;
    expect(
      await eventuallyValue(
        () => ++n,
        (v) => v >= 4,
      ),
    ).toBe(4);
    await expect(
      eventuallyValue(
        () => [] as number[],
        (v) => v.length > 0,
        60,
      ),
    ).rejects.toThrow(/last value: \[\]/);
  });
});

describe("dbControl.reset", () => {
  it("clears the local server's counter", async () => {
    await fetch(`${env.DB_CONTROL_URL}/v2/pipeline`, {
      method: "POST",
      body: JSON.stringify({ requests: [{ type: "close" }] }),
    });
    expect((await dbControl.stats()).pipeline_requests).toBeGreaterThan(0);
    await dbControl.reset();
    expect((await dbControl.stats()).pipeline_requests).toBe(0);
  });

  it("throws when the server at the URL did not reset", async () => {
    // The outbound-HTTP test server answers, but it has no test controls.
    await expect(resetTestServer(env.TEST_HTTP_URL)).rejects.toThrow(/did not reset/);
    // Nothing listens on port 9.
    await expect(resetTestServer("http://127.0.0.1:9")).rejects.toThrow(/did not reset/);
  });
});

describe("findInDatabase (the stored-secret scans)", () => {
  it("finds a string stored only inside a span set's deflated spans", async () => {
    const marker = `marker_${crypto.randomUUID()}`;
    const trace = traceRow({ triggerEvent: "scan_probe" });
    await seed({ trace, spans: [spanRow(trace, { attributes: JSON.stringify({ output: { marker } }) })] });
    expect(await findInDatabase(marker)).toEqual(["pipeline_span_sets.spans"]);
  });
});
