// Shadow mode: a shadow script runs on live traffic and is recorded, but never changes the
// answer; its span and /v1/stats say what it would have done; a promotion is a versioned edit.
import { describe, expect, it } from "vitest";
import { waitForTrace } from "./db";
import { admin, createScript, fireTrigger, unique } from "./helpers";

const GEO = 'if ctx.country == "KP" then return { block = true, reason = "geo", data = { geo = true } } end';

async function spanOf(traceId: string, name: string) {
  await waitForTrace(traceId);
  const { body } = await admin("GET", `/v1/traces/${traceId}`);
  return body.spans.find((s: { name: string }) => s.name === name);
}

describe("shadow mode", () => {
  it("a shadow blocker never blocks; its span and the stats say it would have", async () => {
    const event = unique("shadow");
    await createScript(event, GEO, { name: "Shadow Geo", mode: "shadow" });
    await createScript(event, 'error("boom")', { name: "Shadow Boom", mode: "shadow", parallel_index: 1 });
    await createScript(event, "return { data = { tagged = true } }", { name: "Tag", layer_index: 1 });

    const kp = await fireTrigger(event, { country: "KP" });
    expect(kp.body).toMatchObject({ status: "success", decision: "allow", data: { tagged: true } });
    expect(kp.body.data.geo).toBeUndefined(); // shadow data is not merged
    expect(kp.body.blocked_by).toBeUndefined();
    expect(kp.body.errors).toBeUndefined(); // shadow errors never reach the answer
    const gb = await fireTrigger(event, { country: "GB" });
    expect(gb.body.decision).toBe("allow");

    const geo = await spanOf(kp.body.trace_id, "Shadow Geo");
    expect(geo).toMatchObject({ status: "success", status_message: "shadow: would block: geo" });
    expect(geo.attributes).toMatchObject({ shadow: true, shadow_outcome: "block", would_block: true });
    const boom = await spanOf(kp.body.trace_id, "Shadow Boom");
    expect(boom.status).toBe("success");
    expect(boom.attributes).toMatchObject({ shadow: true, shadow_outcome: "error", would_error: true });
    const tag = await spanOf(kp.body.trace_id, "Tag");
    expect(tag.status).toBe("success"); // the next layer ran: nothing was enforced
    expect((await spanOf(gb.body.trace_id, "Shadow Geo")).attributes.would_block).toBe(false);

    const stats = await admin("GET", `/v1/stats?trigger_event=${event}`);
    const byName = (id: string) => stats.body.scripts.find((s: { script_id: string }) => s.script_id === id);
    expect(byName(geo.script_id)).toMatchObject({
      calls: 2,
      success: 2,
      blocked: 0,
      shadow_runs: 2,
      would_block: 1,
      would_error: 0,
    });
    expect(byName(boom.script_id)).toMatchObject({
      calls: 2,
      errors: 0,
      shadow_runs: 2,
      would_block: 0,
      would_error: 2,
    });
    expect(byName(tag.script_id)).toMatchObject({ shadow_runs: 0, would_block: 0 });
    expect(stats.body.triggers[0]).toMatchObject({ calls: 2, blocked: 0, errors: 0 });
  });

  it("a shadow runaway stays inside its own budget and the answer comes from the enforced scripts", async () => {
    const event = unique("shadow");
    const budget = 10_000;
    await createScript(event, "while true do end", {
      name: "Runaway",
      mode: "shadow",
      instruction_budget: budget,
    });
    await createScript(event, 'return { block = true, reason = "real" }', { name: "Real", layer_index: 1 });
    const { body } = await fireTrigger(event, {});
    expect(body).toMatchObject({ decision: "block", blocked_by: { name: "Real", reason: "real" } });
    const span = await spanOf(body.trace_id, "Runaway");
    expect(span.status).toBe("success");
    expect(span.status_message).toMatch(/^shadow: would error: .*instruction budget/);
    expect(span.attributes.instructions).toBe(budget);
  });

  it("promotion to enforce is an ordinary settings edit (audited), and then the script blocks", async () => {
    const event = unique("shadow");
    const s = await createScript(event, GEO, { name: "Geo", mode: "shadow" });
    expect(s).toMatchObject({ mode: "shadow", current_version: 1 });
    expect((await fireTrigger(event, { country: "KP" })).body.decision).toBe("allow");
    const promoted = await admin("PUT", `/v1/scripts/${s.id}`, { mode: "enforce", expected_version: 1 });
    expect(promoted.body).toMatchObject({ mode: "enforce", current_version: 1, source: GEO });
    const audit = await admin("GET", `/v1/audit?target_id=${s.id}&action=script.update`);
    expect(audit.body.entries[0].details).toMatchObject({ changed: ["mode"] });
    const after = await fireTrigger(event, { country: "KP" });
    expect(after.body).toMatchObject({ decision: "block", blocked_by: { reason: "geo" } });
    expect(after.body.data).toEqual({ geo: true });
    const span = await spanOf(after.body.trace_id, "Geo");
    expect(span.attributes.shadow).toBeUndefined();
  });

  it("refuses an unknown mode with a 400 naming it", async () => {
    const res = await admin("POST", "/v1/scripts", {
      name: "x",
      trigger_event: unique("shadow"),
      layer_index: 0,
      parallel_index: 0,
      source: "return {}",
      mode: "audit",
    });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe("mode");
  });
});
