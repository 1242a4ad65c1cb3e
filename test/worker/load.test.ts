// A small load test for CI: 200 concurrent trigger calls on the example pipeline — every call
// answered correctly, exactly 200 traces stored, every id unique, and, with all 200 inside one
// flush window (the flush timer is faked), exactly two writes: the 100-trace cap per request.
import { afterEach, describe, expect, it, vi } from "vitest";
import { exampleScripts, manifest } from "../engine/examples";
import { countStored, tracesForEvent } from "./db";
import {
  call,
  createScript,
  dbControl,
  eventually,
  fireDetached,
  isTraceInsert,
  TRIGGER,
  unique,
} from "./helpers";

const CALLS = 200;

async function seedExamplePipeline(event: string) {
  for (const s of exampleScripts()) {
    await createScript(event, s.source, {
      name: s.name,
      layer_index: s.layerIndex,
      parallel_index: s.parallelIndex,
      on_error: s.onError,
    });
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe("load", () => {
  it(`answers ${CALLS} concurrent calls correctly and stores exactly ${CALLS} traces`, async () => {
    const event = unique("load");
    await seedExamplePipeline(event);
    const { allowed, blocked } = manifest.sample_contexts;
    await call("POST", `/v1/triggers/${event}`, { headers: TRIGGER, json: allowed }); // warm the cache
    await eventually(async () => (await tracesForEvent(event)).length === 1);
    await dbControl.reset();

    vi.useFakeTimers({ toFake: ["setTimeout"] });
    const answers = await Promise.all(
      Array.from({ length: CALLS }, async (_, i) => ({
        i,
        ...(await fireDetached(event, i % 2 === 0 ? allowed : blocked)),
      })),
    );
    expect((await dbControl.stats()).requests.filter((r) => isTraceInsert(r.sql))).toEqual([]); // all buffered (a script-cache refresh read may happen: not a write)
    vi.runOnlyPendingTimers();
    vi.useRealTimers();

    for (const { i, status, body } of answers) {
      expect(status).toBe(200);
      if (i % 2 === 0) expect(body).toMatchObject({ status: "success", decision: "allow" });
      else
        expect(body).toMatchObject({
          status: "blocked",
          decision: "block",
          blocked_by: { name: "Risk Threshold" },
        });
    }
    const ids = answers.map((a) => a.body.trace_id as string);
    expect(new Set(ids).size).toBe(CALLS);
    await eventually(async () => (await countStored(ids)) === CALLS, 15_000);
    expect((await tracesForEvent(event)).length).toBe(CALLS + 1);

    const writes = (await dbControl.stats()).requests.filter((r) => isTraceInsert(r.sql));
    expect(writes).toHaveLength(2); // one window, at most 100 traces per request
  });
});
