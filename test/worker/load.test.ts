// A small load test for CI: 200 concurrent trigger calls on the example pipeline — every call
// answered correctly, exactly 200 traces stored, every id unique, coalesced writes.
import { describe, expect, it } from "vitest";
import { exampleScripts, manifest } from "../engine/examples";
import { countStored, tracesForEvent } from "./db";
import { call, createScript, dbControl, eventually, TRIGGER, unique } from "./helpers";

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

describe("load", () => {
  it(`answers ${CALLS} concurrent calls correctly and stores exactly ${CALLS} traces`, async () => {
    const event = unique("load");
    await seedExamplePipeline(event);
    const { allowed, blocked } = manifest.sample_contexts;
    await call("POST", `/v1/triggers/${event}`, { headers: TRIGGER, json: allowed }); // warm the cache
    await eventually(async () => (await tracesForEvent(event)).length === 1);
    await dbControl.reset();

    const answers = await Promise.all(
      Array.from({ length: CALLS }, async (_, i) => {
        const context = i % 2 === 0 ? allowed : blocked;
        const res = await call("POST", `/v1/triggers/${event}`, { headers: TRIGGER, json: context });
        return { i, status: res.status, body: (await res.json()) as any };
      }),
    );

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

    const writes = (await dbControl.stats()).requests.filter((r) =>
      r.sql.some((s) => /insert into "pipeline_traces"/i.test(s)),
    );
    expect(writes.length).toBeGreaterThanOrEqual(2); // at most 100 traces per flush
    expect(writes.length).toBeLessThan(CALLS / 4);
  });
});
