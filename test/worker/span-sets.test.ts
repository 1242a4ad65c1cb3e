/**
 * The packed span sets: every field of every span the engine builds reads back exactly; a trace
 * costs one set row and its script list one heads row, written once; spans that arrive split over
 * deliveries (stored A, then A∪B) are all kept, each read once, and counted once in the rollups;
 * a pure redelivery writes nothing; a malformed span id is refused like the old CHECK refused it.
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { SpanReadRow, SpanRow } from "../../src/db/schema";
import { getTraceWithSpans, withFullSpans } from "../../src/db/trace-queries";
import { insertTraceRecords } from "../../src/db/trace-writes";
import { ScriptEngine } from "../../src/engine";
import { storedSpans } from "./db";
import { testDb, unique } from "./helpers";
import { spanRow, traceRow } from "./trace-fixtures";

/** A span as the read path answers it: every field present, null where unset. */
const asRead = (s: SpanRow): SpanReadRow => ({
  parentSpanId: null,
  kind: "INTERNAL",
  scriptVersion: null,
  statusMessage: null,
  onError: null,
  instructionBudget: null,
  instructions: null,
  attributes: null,
  createdAt: s.startedAt,
  ...s,
});

async function setsOf(traceId: string) {
  return testDb().all<{ part: number; n: number }>(
    sql`select part, length(ids) / 8 as n from pipeline_span_sets where trace_id = ${traceId} order by part`,
  );
}

async function scriptCalls(ev: string): Promise<Record<string, number>> {
  const rows = await testDb().all<{ script_id: string; calls: number }>(
    sql`select script_id, sum(calls) as calls from pipeline_rollups where trigger_event = ${ev} group by script_id`,
  );
  return Object.fromEntries(rows.map((r) => [r.script_id, Number(r.calls)]));
}

describe("span sets", () => {
  it("reads back every field of an engine-built trace (script spans, a CLIENT span, a skipped one)", async () => {
    const ev = unique("pack");
    const engine = new ScriptEngine();
    const spec = (id: string, layer: number, parallel: number, source: string) => ({
      id: `${ev}_${id}`,
      name: `Script ${id}`,
      version: 3,
      layerIndex: layer,
      parallelIndex: parallel,
      onError: "continue" as const,
      instructionBudget: 50_000,
      source,
    });
    const { trace, spans } = await engine.run({
      triggerEvent: ev,
      context: { user: { id: "u1" }, n: 2 },
      scripts: [
        spec("a", 0, 0, "log('seen', ctx.n) return { data = { a = ctx.n * 2 } }"),
        spec("b", 0, 1, "local ok, err = pcall(http.fetch, 'https://nowhere.example/x') return {}"),
        spec("c", 1, 0, "return { block = true, reason = 'no' }"),
        spec("d", 2, 0, "return {}"),
      ],
    });
    expect(spans.some((s) => s.kind === "CLIENT")).toBe(true);
    expect(spans.some((s) => s.status === "skipped")).toBe(true);
    await insertTraceRecords(testDb(), [{ trace, spans }]);

    const read = await getTraceWithSpans(testDb(), trace.id);
    const expected = withFullSpans(read!.trace, spans.map(asRead)).sort(
      (a, b) => a.layerIndex - b.layerIndex || a.parallelIndex - b.parallelIndex || a.startedAt - b.startedAt,
    );
    expect(read?.spans).toEqual(expected);
    expect(await setsOf(trace.id)).toEqual([{ part: 0, n: spans.length }]);
  });

  it("stores a script list once: a second trace of the same scripts writes no heads row", async () => {
    const ev = unique("heads");
    const records = [0, 1].map(() => {
      const trace = traceRow({ triggerEvent: ev });
      return { trace, spans: [spanRow(trace, { scriptId: `${ev}_s`, name: ev })] };
    });
    const heads = async () =>
      Number(
        (
          await testDb().all<{ n: number }>(
            sql`select count(*) as n from pipeline_span_heads where instr(heads, ${ev}) > 0`,
          )
        )[0]?.n,
      );
    await insertTraceRecords(testDb(), [records[0]!]);
    expect(await heads()).toBe(1);
    await insertTraceRecords(testDb(), [records[1]!]);
    expect(await heads()).toBe(1);
    expect((await getTraceWithSpans(testDb(), records[1]!.trace.id))?.spans.map((s) => s.name)).toEqual([ev]);
  });

  it("keeps every span of a trace delivered as A, then A∪B; reads and counts each once", async () => {
    const ev = unique("split");
    const trace = traceRow({ triggerEvent: ev });
    const [a1, a2, b1] = [0, 1, 2].map((i) => spanRow(trace, { parallelIndex: i, scriptId: `${ev}_${i}` }));
    await insertTraceRecords(testDb(), [{ trace, spans: [a1!, a2!] }]);
    await insertTraceRecords(testDb(), [{ trace, spans: [a1!, a2!, b1!] }]);
    expect(await setsOf(trace.id)).toEqual([
      { part: 0, n: 2 },
      { part: 1, n: 3 },
    ]);
    const read = await getTraceWithSpans(testDb(), trace.id);
    expect(read?.spans.map((s) => s.id)).toEqual([a1!.id, a2!.id, b1!.id]);
    expect(await scriptCalls(ev)).toEqual({ "": 1, [`${ev}_0`]: 1, [`${ev}_1`]: 1, [`${ev}_2`]: 1 });

    // every span stored: a redelivery (whole or in part) writes no set and counts nothing
    await insertTraceRecords(testDb(), [{ trace, spans: [b1!, a1!] }]);
    await insertTraceRecords(testDb(), [{ trace, spans: [a1!, a2!, b1!] }]);
    expect(await setsOf(trace.id)).toHaveLength(2);
    expect(await scriptCalls(ev)).toEqual({ "": 1, [`${ev}_0`]: 1, [`${ev}_1`]: 1, [`${ev}_2`]: 1 });
  });

  it("keeps attributes text byte for byte when it is not canonical JSON, or not JSON at all", async () => {
    const trace = traceRow({ triggerEvent: unique("attrs") });
    const texts = ['{ "output": {"a": 1} }', "not json", '["an","array"]', null, '{"output":{"b":2}}'];
    const spans = texts.map((attributes, i) => spanRow(trace, { parallelIndex: i, attributes }));
    await insertTraceRecords(testDb(), [{ trace, spans }]);
    const stored = await storedSpans(trace.id);
    expect(stored.map((s) => s.attributes)).toEqual(texts);
  });

  it("refuses a span id that is not 16 lowercase hex, writing nothing of the flush", async () => {
    const trace = traceRow({ triggerEvent: unique("badid") });
    const bad = spanRow(trace, { id: "XYZ" });
    await expect(insertTraceRecords(testDb(), [{ trace, spans: [bad] }])).rejects.toThrow(/16 lowercase hex/);
    expect(await getTraceWithSpans(testDb(), trace.id)).toBeNull();
  });
});
