/**
 * Streams, batons and the other request types on raw HTTP: a stream stays open without
 * `close`, a baton works once, a bad baton is 400, an idle stream expires (500 STREAM_EXPIRED);
 * batch conditions, describe, sequence, get_autocommit, store_sql/close_sql.
 * The file's server keeps the default 10 s idle expiry, so no test depends on the gap between two
 * of its requests; the expiry tests use their own server with a short expiry and wait for it by
 * polling the server's open-stream count, never by sleeping.
 */
import { createClient } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, rawExecute, rawPipeline, startTestServer, type TestServer } from "./helpers";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server.stop();
});

const exec = (sql: string) => ({ type: "execute", stmt: { sql } });

/** A server whose streams expire after 50 ms idle, and a wait until none is open any more. */
async function expiringServer() {
  const short = await startTestServer({ streamIdleMs: 50, testControls: true });
  const openStreams = async () =>
    ((await (await fetch(`${short.url}/_test/stats`)).json()) as { open_streams: number }).open_streams;
  return { server: short, allExpired: () => eventually(async () => (await openStreams()) === 0) };
}

describe("batons", () => {
  it("keeps a stream open without close, then closes it", async () => {
    const first = await rawPipeline(server.url, {
      requests: [exec("BEGIN"), { type: "get_autocommit" }],
    });
    expect(first.status).toBe(200);
    expect(typeof first.json.baton).toBe("string");
    expect(first.json.base_url).toBeNull();
    expect(first.json.results[1]).toEqual({
      type: "ok",
      response: { type: "get_autocommit", is_autocommit: false },
    });

    const second = await rawPipeline(server.url, {
      baton: first.json.baton,
      requests: [exec("ROLLBACK"), { type: "get_autocommit" }],
    });
    expect(second.json.results[1].response.is_autocommit).toBe(true);
    expect(second.json.baton).not.toBe(first.json.baton);

    const last = await rawPipeline(server.url, {
      baton: second.json.baton,
      requests: [{ type: "close" }],
    });
    expect(last.status).toBe(200);
    expect(last.json.baton).toBeNull();
  });

  it("answers 400 for an invalid, a reused or a closed stream's baton", async () => {
    expect((await rawPipeline(server.url, { baton: "not-a-baton", requests: [] })).status).toBe(400);
    expect((await rawPipeline(server.url, { baton: "999999.0.abc", requests: [] })).status).toBe(400);

    const open = await rawPipeline(server.url, { requests: [] });
    const next = await rawPipeline(server.url, { baton: open.json.baton, requests: [] });
    expect(next.status).toBe(200);
    const reused = await rawPipeline(server.url, { baton: open.json.baton, requests: [] });
    expect(reused.status).toBe(400);
    expect(reused.contentType).toBe("text/plain");
    expect(reused.text).toMatch(/already been used/);

    const closed = await rawPipeline(server.url, {
      baton: next.json.baton,
      requests: [{ type: "close" }],
    });
    expect(closed.json.baton).toBeNull();
    expect((await rawPipeline(server.url, { baton: next.json.baton, requests: [] })).status).toBe(400);
  });

  it("expires an idle stream: 500 JSON STREAM_EXPIRED, and its transaction is rolled back", async () => {
    const { server: short, allExpired } = await expiringServer();
    try {
      await rawExecute(short.url, { sql: "CREATE TABLE exp (x)" });
      const open = await rawPipeline(short.url, {
        requests: [exec("BEGIN IMMEDIATE"), exec("INSERT INTO exp VALUES (1)")],
      });
      expect(open.json.baton).toEqual(expect.any(String));
      await allExpired();
      const late = await rawPipeline(short.url, {
        baton: open.json.baton,
        requests: [exec("COMMIT")],
      });
      expect(late.status).toBe(500);
      expect(late.contentType).toBe("application/json");
      expect(late.json).toEqual({ message: expect.any(String), code: "STREAM_EXPIRED" });
      const check = await rawExecute(short.url, { sql: "SELECT count(*) FROM exp" });
      expect(check.response.result.rows).toEqual([[{ type: "integer", value: "0" }]]);
      // The write lock went with it: another stream can write at once.
      expect((await rawExecute(short.url, { sql: "INSERT INTO exp VALUES (2)" })).type).toBe("ok");
    } finally {
      await short.stop();
    }
  });

  it("the client sees an expired transaction as STREAM_EXPIRED", async () => {
    const { server: short, allExpired } = await expiringServer();
    const client = createClient({ url: short.url });
    try {
      const tx = await client.transaction("write");
      await tx.execute("SELECT 1"); // the client opens the stream (BEGIN) with its first statement
      await allExpired();
      await expect(tx.execute("SELECT 1")).rejects.toMatchObject({ code: "STREAM_EXPIRED" });
    } finally {
      client.close();
      await short.stop();
    }
  });
});

describe("batch conditions", () => {
  it("evaluates ok, error, not, and, or and is_autocommit", async () => {
    const steps = [
      { stmt: { sql: "SELECT 1" } }, // 0 ok
      { stmt: { sql: "SELECT * FROM nowhere" } }, // 1 error
      { condition: { type: "ok", step: 1 }, stmt: { sql: "SELECT 2" } }, // 2 skipped
      { condition: { type: "error", step: 1 }, stmt: { sql: "SELECT 3" } }, // 3 runs
      { condition: { type: "not", cond: { type: "ok", step: 0 } }, stmt: { sql: "SELECT 4" } }, // 4 skipped
      {
        condition: {
          type: "and",
          conds: [
            { type: "ok", step: 0 },
            { type: "error", step: 1 },
          ],
        },
        stmt: { sql: "SELECT 5" },
      }, // 5 runs
      {
        condition: {
          type: "or",
          conds: [
            { type: "ok", step: 2 },
            { type: "ok", step: 4 },
          ],
        },
        stmt: { sql: "SELECT 6" },
      }, // 6 skipped
      { condition: { type: "is_autocommit" }, stmt: { sql: "SELECT 7" } }, // 7 runs
      { condition: { type: "error", step: 2 }, stmt: { sql: "SELECT 8" } }, // 8 skipped: 2 did not run
    ];
    const answer = await rawPipeline(server.url, {
      requests: [{ type: "batch", batch: { steps } }, { type: "close" }],
    });
    const { step_results: results, step_errors: errors } = answer.json.results[0].response.result;
    expect(results.map((r: unknown) => r !== null)).toEqual([
      true,
      false,
      false,
      true,
      false,
      true,
      false,
      true,
      false,
    ]);
    expect(errors.map((e: unknown) => e !== null)).toEqual([
      false,
      true,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(errors[1].code).toBe("SQLITE_UNKNOWN");
    expect(results[3].rows).toEqual([[{ type: "integer", value: "3" }]]);
  });
});

describe("other requests", () => {
  it("store_sql, execute by sql_id, close_sql", async () => {
    const answer = await rawPipeline(server.url, {
      requests: [
        { type: "store_sql", sql_id: 1, sql: "SELECT ? * 2" },
        { type: "execute", stmt: { sql_id: 1, args: [{ type: "integer", value: "21" }] } },
        { type: "close_sql", sql_id: 1 },
        { type: "close" },
      ],
    });
    expect(answer.json.results.map((r: { type: string }) => r.type)).toEqual(["ok", "ok", "ok", "ok"]);
    expect(answer.json.results[1].response.result.rows).toEqual([[{ type: "integer", value: "42" }]]);
  });

  it("describe lists parameters and columns without running", async () => {
    await rawExecute(server.url, {
      sql: "CREATE TABLE desc_t (id INTEGER PRIMARY KEY, label TEXT)",
    });
    const answer = await rawPipeline(server.url, {
      requests: [
        { type: "describe", sql: "SELECT id, label FROM desc_t WHERE id = :id AND label = ?" },
        { type: "close" },
      ],
    });
    expect(answer.json.results[0].response.result).toEqual({
      params: [{ name: ":id" }, { name: null }],
      cols: [
        { name: "id", decltype: "INTEGER" },
        { name: "label", decltype: "TEXT" },
      ],
      is_explain: false,
      is_readonly: true,
    });
  });

  it("sequence runs several statements and stops at the first error", async () => {
    const ok = await rawPipeline(server.url, {
      requests: [
        {
          type: "sequence",
          sql: "CREATE TABLE sq (x); INSERT INTO sq VALUES (1); INSERT INTO sq VALUES (2)",
        },
        { type: "close" },
      ],
    });
    expect(ok.json.results[0]).toEqual({ type: "ok", response: { type: "sequence" } });
    const bad = await rawPipeline(server.url, {
      requests: [
        {
          type: "sequence",
          sql: "INSERT INTO sq VALUES (3); INSERT INTO nope VALUES (4); INSERT INTO sq VALUES (5)",
        },
        { type: "close" },
      ],
    });
    expect(bad.json.results[0].error.code).toBe("SQLITE_UNKNOWN");
    const count = await rawExecute(server.url, { sql: "SELECT count(*) FROM sq" });
    expect(count.response.result.rows).toEqual([[{ type: "integer", value: "3" }]]);
  });

  it("reports affected_row_count and last_insert_rowid as sqld", async () => {
    await rawExecute(server.url, { sql: "CREATE TABLE rows_t (id INTEGER PRIMARY KEY, v)" });
    const ins = await rawExecute(server.url, {
      sql: "INSERT INTO rows_t (v) VALUES (1), (2) RETURNING id",
    });
    expect(ins.response.result).toMatchObject({ affected_row_count: 2, last_insert_rowid: "2" });
    expect(ins.response.result.cols).toEqual([{ name: "id", decltype: "INTEGER" }]);
    const upd = await rawExecute(server.url, {
      sql: "WITH x AS (SELECT 1) UPDATE rows_t SET v = v + 1",
    });
    expect(upd.response.result).toMatchObject({ affected_row_count: 2, last_insert_rowid: null });
    const sel = await rawExecute(server.url, { sql: "SELECT * FROM rows_t", want_rows: false });
    expect(sel.response.result).toMatchObject({
      rows: [],
      affected_row_count: 0,
      last_insert_rowid: null,
    });
  });
});
