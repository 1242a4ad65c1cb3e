/**
 * The optional bearer token, the per-request log line, and the test controls
 * (`/_test/stats`, `/_test/reset`, `/_test/fault`).
 */
import { createClient } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LoggedRequest } from "../../tools/libsql-server/test-controls";
import { eventually, health, rawExecute, rawPipeline, startTestServer, type TestServer } from "./helpers";

interface Stats {
  pipeline_requests: number;
  in_flight: number;
  requests: LoggedRequest[];
}

describe("auth", () => {
  let server: TestServer;
  const token = "s3cret-token";
  beforeAll(async () => {
    server = await startTestServer({ authToken: token });
  });
  afterAll(async () => {
    await server.stop();
  });

  const body = { requests: [{ type: "execute", stmt: { sql: "SELECT 1" } }, { type: "close" }] };

  it("answers 401 without a token and with a wrong one", async () => {
    expect((await rawPipeline(server.url, body)).status).toBe(401);
    expect((await rawPipeline(server.url, body, { authorization: "Bearer wrong" })).status).toBe(401);
    expect((await rawPipeline(server.url, body, { authorization: token })).status).toBe(401);
  });

  it("serves a request with the right token", async () => {
    const answer = await rawPipeline(server.url, body, { authorization: `Bearer ${token}` });
    expect(answer.status).toBe(200);
    expect(answer.json.results[0].type).toBe("ok");
  });

  it("works through the client and refuses a client without the token", async () => {
    const good = createClient({ url: server.url, authToken: token });
    expect((await good.execute("SELECT 7 AS v")).rows[0]?.v).toBe(7);
    good.close();
    const bad = createClient({ url: server.url });
    await expect(bad.execute("SELECT 1")).rejects.toMatchObject({ code: "SERVER_ERROR" });
    bad.close();
  });

  it("leaves /health open", async () => {
    expect(await health(server.url)).toBe(200);
  });
});

describe("logging", () => {
  it("logs one line per request with method, path, status, time and request types", async () => {
    const lines: string[] = [];
    const server = await startTestServer({ log: (line) => lines.push(line) });
    try {
      await rawPipeline(server.url, {
        requests: [{ type: "execute", stmt: { sql: "SELECT 1" } }, { type: "close" }],
      });
      await health(server.url);
      // The line is written when the response closes, which can be just after the client has read it.
      await eventually(() => lines.length >= 2);
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^POST \/v2\/pipeline 200 [\d.]+ms execute,close$/);
      expect(lines[1]).toMatch(/^GET \/health 200 [\d.]+ms -$/);
    } finally {
      await server.stop();
    }
  });
});

describe("test controls", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ testControls: true });
  });
  afterAll(async () => {
    await server.stop();
  });

  const stats = async () => (await (await fetch(`${server.url}/_test/stats`)).json()) as Stats;
  const setFault = async (fault: unknown) =>
    fetch(`${server.url}/_test/fault`, { method: "POST", body: JSON.stringify(fault) });

  it("counts pipeline requests and logs their types and SQL, batch steps included", async () => {
    await fetch(`${server.url}/_test/reset`, { method: "POST" });
    const client = createClient({ url: server.url });
    await client.execute("SELECT 1");
    await client.batch(["CREATE TABLE ctl (x)", "INSERT INTO ctl VALUES (1)"], "write");
    await rawPipeline(server.url, "not json");
    client.close();
    const s = await stats();
    expect(s.pipeline_requests).toBe(3);
    expect(s.requests).toHaveLength(3);
    expect(s.requests[0]).toMatchObject({
      seq: 1,
      status: 200,
      types: ["execute", "close"],
      sql: ["SELECT 1"],
    });
    expect(typeof s.requests[0]?.at_ms).toBe("number");
    expect(s.requests[1]?.types).toContain("batch");
    expect(s.requests[1]?.sql).toEqual([
      "BEGIN IMMEDIATE",
      "CREATE TABLE ctl (x)",
      "INSERT INTO ctl VALUES (1)",
      "COMMIT",
      "ROLLBACK",
    ]);
    expect(s.requests[2]).toMatchObject({ status: 400, types: [], sql: [] });
  });

  it("truncates logged SQL to 300 characters", async () => {
    await fetch(`${server.url}/_test/reset`, { method: "POST" });
    const sql = `SELECT '${"y".repeat(1000)}'`;
    await rawPipeline(server.url, {
      requests: [{ type: "execute", stmt: { sql } }, { type: "close" }],
    });
    const s = await stats();
    expect(s.requests[0]?.sql[0]).toHaveLength(300);
  });

  it("reset clears the counter and the log", async () => {
    await rawPipeline(server.url, { requests: [{ type: "close" }] });
    const reset = await fetch(`${server.url}/_test/reset`, { method: "POST" });
    expect(reset.status).toBe(200);
    expect(await reset.json()).toEqual({ ok: true, pipeline_requests: 0 });
    expect(await stats()).toEqual({ pipeline_requests: 0, in_flight: 0, open_streams: 0, requests: [] });
  });

  it("fault http500 answers 500 text until changed", async () => {
    const res = await setFault({ mode: "http500" });
    expect(await res.json()).toEqual({ mode: "http500", delay_ms: 0, times: null });
    const answer = await rawPipeline(server.url, { requests: [{ type: "close" }] });
    expect(answer.status).toBe(500);
    expect(answer.contentType).toBe("text/plain");
    const client = createClient({ url: server.url });
    await expect(client.execute("SELECT 1")).rejects.toMatchObject({ code: "SERVER_ERROR" });
    expect(await health(server.url)).toBe(200);
    await setFault({ mode: "none" });
    expect((await client.execute("SELECT 1 AS v")).rows[0]?.v).toBe(1);
    client.close();
  });

  it("fault delay keeps a request unanswered for a while, then serves it", async () => {
    // No clock is read: the request must be seen in flight and unanswered (without the delay it
    // is answered at once and the poll never sees it), then answered normally.
    await setFault({ mode: "delay", delay_ms: 1000 });
    let answered = false;
    const pending = rawPipeline(server.url, { requests: [{ type: "close" }] }).then((a) => {
      answered = true;
      return a;
    });
    await eventually(async () => (await stats()).in_flight === 1);
    expect(answered).toBe(false);
    expect((await pending).status).toBe(200);
    expect((await stats()).in_flight).toBe(0);
    await setFault({ mode: "none" });
  });

  it("fault drop destroys the socket without an answer", async () => {
    await setFault({ mode: "drop" });
    await fetch(`${server.url}/_test/reset`, { method: "POST" });
    await expect(rawPipeline(server.url, { requests: [{ type: "close" }] })).rejects.toThrow();
    expect(await health(server.url)).toBe(200);
    const s = await stats();
    expect(s.requests[0]).toMatchObject({ status: 0, types: ["close"] });
    await setFault({ mode: "none" });
    expect((await rawPipeline(server.url, { requests: [{ type: "close" }] })).status).toBe(200);
  });

  it("fault drop_after_commit commits the request, then destroys the socket without an answer", async () => {
    await rawExecute(server.url, { sql: "CREATE TABLE lost (x)" });
    await setFault({ mode: "drop_after_commit" });
    await fetch(`${server.url}/_test/reset`, { method: "POST" });
    const insert = {
      requests: [{ type: "execute", stmt: { sql: "INSERT INTO lost VALUES (1)" } }, { type: "close" }],
    };
    await expect(rawPipeline(server.url, insert)).rejects.toThrow();
    const s = await stats();
    expect(s.requests[0]).toMatchObject({
      status: 0,
      types: ["execute", "close"],
      sql: ["INSERT INTO lost VALUES (1)"],
    });
    await setFault({ mode: "none" });
    const count = await rawExecute(server.url, { sql: "SELECT count(*) FROM lost" });
    expect(count.response.result.rows).toEqual([[{ type: "integer", value: "1" }]]);
  });

  it("fault hold keeps requests unanswered until the mode changes, then serves them", async () => {
    await fetch(`${server.url}/_test/reset`, { method: "POST" });
    await setFault({ mode: "hold" });
    let answered = false;
    const pending = rawPipeline(server.url, { requests: [{ type: "close" }] }).then((a) => {
      answered = true;
      return a;
    });
    await eventually(async () => (await stats()).in_flight === 1);
    // A second, unrelated round trip to the server completes while the first is still held.
    expect(await health(server.url)).toBe(200);
    expect(answered).toBe(false);
    expect((await stats()).requests).toEqual([]);
    await setFault({ mode: "none" });
    expect((await pending).status).toBe(200);
    expect(await stats()).toMatchObject({ pipeline_requests: 1, in_flight: 0 });
  });

  it("a fault with times applies to that many requests, then the mode returns to none", async () => {
    expect(await (await setFault({ mode: "http500", times: 2 })).json()).toEqual({
      mode: "http500",
      delay_ms: 0,
      times: 2,
    });
    const close = { requests: [{ type: "close" }] };
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await rawPipeline(server.url, close)).status);
    expect(statuses).toEqual([500, 500, 200]);
  });

  it("rejects a bad fault body", async () => {
    expect((await setFault({ mode: "explode" })).status).toBe(400);
    expect((await setFault({ mode: "delay", delay_ms: -1 })).status).toBe(400);
    expect((await setFault({ mode: "http500", times: 0 })).status).toBe(400);
    expect((await setFault({ mode: "hold", times: 1 })).status).toBe(400);
    expect((await fetch(`${server.url}/_test/fault`, { method: "POST", body: "{" })).status).toBe(400);
  });
});
