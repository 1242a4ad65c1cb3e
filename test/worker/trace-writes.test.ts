// Trace writes as the local libSQL server sees them: one request per trace, coalescing under
// concurrency, no database request before a warm answer, TRACING=off and sampling.
import { describe, expect, it } from "vitest";
import { countStored, storedSpans, tracesForEvent, waitForTrace } from "./db";
import { callWithEnv, createScript, dbControl, eventually, fireTrigger, TRIGGER, unique } from "./helpers";

const isTraceInsert = (sql: string[]) => sql.some((s) => /insert into "pipeline_traces"/i.test(s));
const isScriptRead = (sql: string[]) => sql.some((s) => /from "pipeline_scripts"/i.test(s));

async function eventWithScripts(n = 3) {
  const event = unique("w");
  for (let i = 0; i < n; i++) {
    await createScript(event, `return { data = { s${i} = true } }`, { name: `s${i}`, layer_index: i });
  }
  return event;
}

const fire = async (event: string, context: unknown = { user: { id: "u" } }) =>
  (await fireTrigger(event, context)).body;

describe("trace writes", () => {
  it("writes a trace and all its spans in exactly one database request, and reads no scripts once warm", async () => {
    const event = await eventWithScripts(3);
    await waitForTrace((await fire(event)).trace_id); // warms the script cache
    await dbControl.reset();
    const { trace_id } = await fire(event);
    await waitForTrace(trace_id);
    const { requests } = await dbControl.stats();
    const inserts = requests.filter((r) => isTraceInsert(r.sql));
    expect(inserts).toHaveLength(1);
    expect(inserts[0]?.sql.some((s) => /insert into "pipeline_spans"/i.test(s))).toBe(true);
    expect(requests.filter((r) => isScriptRead(r.sql))).toEqual([]);
    expect(await storedSpans(trace_id)).toHaveLength(3);
  });

  it("coalesces concurrent calls into few requests and stores every trace exactly once", async () => {
    const event = await eventWithScripts(2);
    await waitForTrace((await fire(event)).trace_id);
    await dbControl.reset();
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => fire(event, { user: { id: `u${i}` } })),
    );
    const ids = answers.map((a) => a.trace_id);
    expect(new Set(ids).size).toBe(40);
    await eventually(async () => (await countStored(ids)) === 40);
    const inserts = (await dbControl.stats()).requests.filter((r) => isTraceInsert(r.sql));
    expect(inserts.length).toBeGreaterThanOrEqual(1);
    expect(inserts.length).toBeLessThanOrEqual(4);
    expect((await tracesForEvent(event)).length).toBe(41);
  });

  it("stores nothing with TRACING=off, and samples only successful traces", async () => {
    const event = unique("sample");
    await createScript(event, "if ctx.block then return { block = true, reason = 'x' } end", { name: "b" });
    const off = await callWithEnv({ TRACING: "off" }, "POST", `/v1/triggers/${event}`, {
      headers: TRIGGER,
      json: { block: true },
    });
    expect(((await off.json()) as any).decision).toBe("block");
    const none = await callWithEnv({ TRACE_SAMPLE_RATE: "0" }, "POST", `/v1/triggers/${event}`, {
      headers: TRIGGER,
      json: {},
    });
    const kept = await callWithEnv({ TRACE_SAMPLE_RATE: "0" }, "POST", `/v1/triggers/${event}`, {
      headers: TRIGGER,
      json: { block: true },
    });
    const keptId = ((await kept.json()) as any).trace_id;
    expect(((await none.json()) as any).decision).toBe("allow");
    await waitForTrace(keptId);
    expect(await tracesForEvent(event)).toEqual([keptId]);
  });
});
