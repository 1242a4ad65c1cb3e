// Promises about one isolate's behaviour: an edit or a disable through the API reaches the same
// isolate's next trigger at once; a secret a script logs from the context is not stored; request
// bodies never reach the log, on routes that read them.
import { afterEach, describe, expect, it, vi } from "vitest";
import { storedSpans, waitForTrace } from "./db";
import { ADMIN, admin, callWithEnv, createScript, fireTrigger, TRIGGER, unique } from "./helpers";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("edits through the API, same isolate", () => {
  it("the next trigger after PUT runs the new version, and after DELETE no longer runs the script", async () => {
    const event = unique("edit");
    const s = await createScript(event, "return { data = { v = 1 } }", { name: "v" });
    await createScript(event, "return { data = { other = true } }", { name: "o", parallel_index: 1 });
    expect((await fireTrigger(event, {})).body.data).toEqual({ v: 1, other: true });

    expect(
      (await admin("PUT", `/v1/scripts/${s.id}`, { source: "return { data = { v = 2 } }" })).status,
    ).toBe(200);
    const afterPut = (await fireTrigger(event, {})).body;
    expect(afterPut.data).toEqual({ v: 2, other: true });
    await waitForTrace(afterPut.trace_id);
    expect((await storedSpans(afterPut.trace_id)).map((x) => [x.name, x.scriptVersion])).toEqual([
      ["v", 2],
      ["o", 1],
    ]);

    expect((await admin("DELETE", `/v1/scripts/${s.id}`)).status).toBe(200);
    const afterDelete = (await fireTrigger(event, {})).body;
    expect(afterDelete.data).toEqual({ other: true });
    await waitForTrace(afterDelete.trace_id);
    expect((await storedSpans(afterDelete.trace_id)).map((x) => x.name)).toEqual(["o"]);
  });
});

describe("secrets from the context", () => {
  it("a script that logs and returns a secret from the context stores it nowhere", async () => {
    const event = unique("leak");
    const secret = "correct-horse-battery-staple";
    await createScript(
      event,
      "log('the password is', ctx.password) return { data = { echo = ctx.password } }",
      {
        name: "leaky",
      },
    );
    const { body } = await fireTrigger(event, { user: { id: "u1" }, password: secret });
    expect(body.data.echo).toBe(secret); // redaction is for storage, never for the caller
    const trace = await waitForTrace(body.trace_id);
    const spans = await storedSpans(body.trace_id);
    expect(spans).toHaveLength(1);
    expect(spans[0]?.attributes).toContain("the password is");
    expect(JSON.stringify([trace, spans])).not.toContain(secret);
  });
});

describe("no bodies in the log", () => {
  it("routes that read their body (create, update, trigger, dry run, a refused body) log none of it", async () => {
    const marker = "body-marker-7f3a9c";
    const lines: string[] = [];
    for (const level of ["log", "warn", "error"] as const)
      vi.spyOn(console, level).mockImplementation((line: unknown) => void lines.push(String(line)));
    const event = unique("nolog");
    const debug = { LOG_LEVEL: "debug" };
    const created = await callWithEnv(debug, "POST", "/v1/scripts", {
      headers: ADMIN,
      json: {
        name: `n ${marker}`,
        description: marker,
        trigger_event: event,
        layer_index: 0,
        parallel_index: 0,
        source: `-- ${marker}\nreturn {}`,
      },
    });
    expect(created.status).toBe(201);
    const id = ((await created.json()) as any).id;
    const calls = [
      callWithEnv(debug, "PUT", `/v1/scripts/${id}`, { headers: ADMIN, json: { description: `${marker}2` } }),
      callWithEnv(debug, "POST", `/v1/triggers/${event}`, { headers: TRIGGER, json: { note: marker } }),
      callWithEnv(debug, "POST", `/v1/triggers/${event}/dry-run`, {
        headers: ADMIN,
        json: { context: { note: marker }, scripts: [] },
      }),
      callWithEnv(debug, "POST", "/v1/scripts", {
        headers: ADMIN,
        json: { name: marker, layer_index: marker },
      }),
    ];
    const statuses = [];
    for (const c of calls) statuses.push((await c).status);
    expect(statuses).toEqual([200, 200, 200, 400]);
    const requests = lines.filter((l) => l.includes('"msg":"request"'));
    expect(requests).toHaveLength(5);
    expect(lines.filter((l) => l.includes(marker))).toEqual([]);
  });
});
