/**
 * Error answers as sqld gives them, checked on raw HTTP: SQL and argument errors are HTTP 200
 * with a `{"type":"error"}` result carrying the code; the client maps them to LibsqlError.
 */
import { createClient } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawExecute, rawPipeline, startTestServer, type TestServer } from "./helpers";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  await rawExecute(server.url, {
    sql: "CREATE TABLE uniq (k TEXT UNIQUE, n INTEGER CHECK (n > 0))",
  });
  await rawExecute(server.url, { sql: "INSERT INTO uniq VALUES ('taken', 1)" });
});

afterAll(async () => {
  await server.stop();
});

const text = (value: string) => ({ type: "text", value });

describe("per-statement errors inside a 200 answer", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["syntax error", { sql: "SELEC 1" }, "SQL_PARSE_ERROR"],
    ["unterminated string", { sql: "SELECT 'abc" }, "SQL_PARSE_ERROR"],
    ["empty SQL", { sql: "" }, "SQL_NO_STATEMENT"],
    ["only a comment", { sql: "  -- nothing here\n" }, "SQL_NO_STATEMENT"],
    ["two statements", { sql: "SELECT 1; SELECT 2" }, "SQL_MANY_STATEMENTS"],
    ["unique violation", { sql: "INSERT INTO uniq VALUES ('taken', 1)" }, "SQLITE_CONSTRAINT"],
    ["check violation", { sql: "INSERT INTO uniq VALUES ('new', 0)" }, "SQLITE_CONSTRAINT"],
    ["bound text and NULL succeed", { sql: "INSERT INTO uniq VALUES (?, NULL)", args: [text("z")] }, "OK"],
    ["missing table", { sql: "SELECT * FROM no_such_table" }, "SQLITE_UNKNOWN"],
    ["missing positional argument", { sql: "SELECT ?, ?", args: [text("a")] }, "ARGS_INVALID"],
    ["too many arguments", { sql: "SELECT ?", args: [text("a"), text("b")] }, "ARGS_INVALID"],
    [
      "missing named argument",
      { sql: "SELECT :a", named_args: [{ name: "b", value: text("x") }] },
      "ARGS_INVALID",
    ],
    [
      "positional and named together",
      { sql: "SELECT ?", args: [text("a")], named_args: [{ name: "b", value: text("x") }] },
      "ARGS_BOTH_POSITIONAL_AND_NAMED",
    ],
  ];

  it.each(cases)("%s → %s", async (_name, stmt, code) => {
    const answer = await rawPipeline(server.url, {
      requests: [{ type: "execute", stmt }, { type: "close" }],
    });
    expect(answer.status).toBe(200);
    const [result, close] = answer.json.results;
    expect(close).toEqual({ type: "ok", response: { type: "close" } });
    if (code === "OK") {
      expect(result.type).toBe("ok");
    } else {
      expect(result.type).toBe("error");
      expect(result.error.code).toBe(code);
      expect(typeof result.error.message).toBe("string");
    }
  });

  it("reports the base code, not the extended one, with sqld's message prefix", async () => {
    const result = await rawExecute(server.url, { sql: "INSERT INTO uniq VALUES ('x', -1)" });
    expect(result.error).toEqual({
      code: "SQLITE_CONSTRAINT",
      message: "SQLite error: CHECK constraint failed: n > 0",
    });
  });

  it("accepts a named argument with or without its prefix", async () => {
    for (const name of ["a", ":a"]) {
      const result = await rawExecute(server.url, {
        sql: "SELECT :a",
        named_args: [{ name, value: text("v") }],
      });
      expect(result.response.result.rows).toEqual([[text("v")]]);
    }
  });

  it("answers SQL_STORE_TOO_MANY past 50 stored SQL texts", async () => {
    const stores = Array.from({ length: 51 }, (_, i) => ({
      type: "store_sql",
      sql_id: i + 1,
      sql: "SELECT 1",
    }));
    const answer = await rawPipeline(server.url, { requests: [...stores, { type: "close" }] });
    expect(answer.status).toBe(200);
    expect(answer.json.results[49]).toEqual({ type: "ok", response: { type: "store_sql" } });
    expect(answer.json.results[50].error.code).toBe("SQL_STORE_TOO_MANY");
  });

  it("fails a whole batch up front when a step cannot be parsed, as sqld", async () => {
    const answer = await rawPipeline(server.url, {
      requests: [
        {
          type: "batch",
          batch: {
            steps: [{ stmt: { sql: "INSERT INTO uniq VALUES ('early', 1)" } }, { stmt: { sql: "SELEC" } }],
          },
        },
        { type: "close" },
      ],
    });
    expect(answer.json.results[0].error.code).toBe("SQL_PARSE_ERROR");
    const check = await rawExecute(server.url, {
      sql: "SELECT count(*) FROM uniq WHERE k = 'early'",
    });
    expect(check.response.result.rows).toEqual([[{ type: "integer", value: "0" }]]);
  });

  it("the client surfaces the codes as LibsqlError", async () => {
    const client = createClient({ url: server.url });
    await expect(client.execute("SELEC 1")).rejects.toMatchObject({ code: "SQL_PARSE_ERROR" });
    await expect(client.execute("SELECT 1; SELECT 2")).rejects.toMatchObject({
      code: "SQL_MANY_STATEMENTS",
    });
    await expect(client.execute("INSERT INTO uniq VALUES ('taken', 1)")).rejects.toMatchObject({
      code: "SQLITE_CONSTRAINT",
    });
    client.close();
  });
});

describe("protocol errors reject the whole request with 400 text", () => {
  const cases: [string, unknown][] = [
    ["unknown sql_id", { requests: [{ type: "execute", stmt: { sql_id: 99 } }] }],
    ["both sql and sql_id", { requests: [{ type: "execute", stmt: { sql: "SELECT 1", sql_id: 1 } }] }],
    ["neither sql nor sql_id", { requests: [{ type: "sequence" }] }],
    [
      "condition on a later step",
      {
        requests: [
          {
            type: "batch",
            batch: { steps: [{ condition: { type: "ok", step: 0 }, stmt: { sql: "SELECT 1" } }] },
          },
        ],
      },
    ],
    ["unknown request type", { requests: [{ type: "open_cursor" }] }],
  ];

  it.each(cases)("%s", async (_name, body) => {
    const answer = await rawPipeline(server.url, body);
    expect(answer.status).toBe(400);
    expect(answer.contentType).toBe("text/plain");
    expect(answer.text.length).toBeGreaterThan(0);
  });
});
