/**
 * No request may take the server down: malformed, mistyped, oversized and odd bodies each get an
 * error answer, and a health check afterwards proves the server lives on.
 */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { StreamRegistry } from "../../tools/libsql-server/streams";
import { health, rawExecute, rawPipeline, startTestServer, type TestServer } from "./helpers";

let server: TestServer;
const MAX_BODY = 64 * 1024;

beforeAll(async () => {
  server = await startTestServer({ maxBodyBytes: MAX_BODY });
});

afterAll(async () => {
  await server.stop();
});

const execute = (stmt: unknown) =>
  JSON.stringify({ requests: [{ type: "execute", stmt }, { type: "close" }] });
const withArg = (value: unknown) => execute({ sql: "SELECT ?", args: [value] });
let deepCond: unknown = { type: "is_autocommit" };
for (let i = 0; i < 200; i++) deepCond = { type: "not", cond: deepCond };

const badBodies: [string, string | Uint8Array][] = [
  ["not JSON", "this is not json"],
  ["empty body", ""],
  ["truncated JSON", '{"requests": ['],
  ["JSON null", "null"],
  ["JSON array", "[]"],
  ["JSON number", "42"],
  ["requests missing", "{}"],
  ["requests not an array", '{"requests": "execute"}'],
  ["request null", '{"requests": [null]}'],
  ["request without type", '{"requests": [{}]}'],
  ["request type not a string", '{"requests": [{"type": true}]}'],
  ["unknown request type", '{"requests": [{"type": "drop_database"}]}'],
  ["baton a number", '{"baton": 5, "requests": []}'],
  ["stmt missing", '{"requests": [{"type": "execute"}]}'],
  ["sql a number", execute({ sql: 1 })],
  ["sql a boolean", execute({ sql: true })],
  ["sql_id a string", execute({ sql_id: "1" })],
  ["sql_id fractional", execute({ sql_id: 1.5 })],
  ["args not an array", execute({ sql: "SELECT ?", args: { a: 1 } })],
  ["named_args not an array", execute({ sql: "SELECT :a", named_args: "a" })],
  ["named arg without name", execute({ sql: "SELECT :a", named_args: [{ value: { type: "null" } }] })],
  ["want_rows a string", execute({ sql: "SELECT 1", want_rows: "yes" })],
  ["integer as JSON number", withArg({ type: "integer", value: 5 })],
  ["integer as boolean", withArg({ type: "integer", value: true })],
  ["integer not decimal", withArg({ type: "integer", value: "0x10" })],
  ["integer past int64", withArg({ type: "integer", value: "9223372036854775808" })],
  ["float as string", withArg({ type: "float", value: "1.5" })],
  ["float as boolean", withArg({ type: "float", value: false })],
  ["text not a string", withArg({ type: "text", value: 12 })],
  ["text with a lone surrogate", withArg({ type: "text", value: "\ud800" })],
  ["blob not base64", withArg({ type: "blob", base64: "!!!" })],
  ["boolean value type", withArg({ type: "boolean", value: true })],
  ["value a bare boolean", withArg(true)],
  ["value null literal", withArg(null)],
  ["batch without steps", '{"requests": [{"type": "batch", "batch": {}}]}'],
  [
    "batch condition unknown",
    JSON.stringify({
      requests: [
        {
          type: "batch",
          batch: {
            steps: [
              { stmt: { sql: "SELECT 1" } },
              { condition: { type: "maybe" }, stmt: { sql: "SELECT 1" } },
            ],
          },
        },
      ],
    }),
  ],
  [
    "batch condition nested too deep",
    JSON.stringify({
      requests: [{ type: "batch", batch: { steps: [{ condition: deepCond, stmt: { sql: "SELECT 1" } }] } }],
    }),
  ],
  ["store_sql without sql", '{"requests": [{"type": "store_sql", "sql_id": 1}]}'],
  ["invalid UTF-8 bytes", new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
  ["deeply nested JSON", `${"[".repeat(30_000)}${"]".repeat(30_000)}`],
];

describe("malformed bodies get 400 and the server lives", () => {
  it.each(badBodies)("%s", async (_name, body) => {
    const answer = await rawPipeline(server.url, body);
    expect(answer.status).toBe(400);
    expect(answer.contentType).toBe("text/plain");
    expect(await health(server.url)).toBe(200);
  });
});

describe("odd but valid inputs are answered", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["invalid UTF-8 cast to text", { sql: "SELECT CAST(X'FF' AS TEXT)" }, "ok"],
    [
      "text holding NUL, bound",
      { sql: "SELECT length(?)", args: [{ type: "text", value: "a\u0000b" }] },
      "ok",
    ],
    ["NUL inside the SQL text", { sql: "SELECT 'a\u0000b'" }, "error"],
    ["infinite float read back", { sql: "SELECT 1e999" }, "ok"],
    ["boolean-like literal", { sql: "SELECT TRUE, FALSE" }, "ok"],
    ["zero-length blob", { sql: "SELECT ?", args: [{ type: "blob", base64: "" }] }, "ok"],
    [
      "unused named argument",
      { sql: "SELECT 1", named_args: [{ name: "x", value: { type: "null" } }] },
      "error",
    ],
  ];

  it.each(cases)("%s → %s", async (_name, stmt, type) => {
    const result = await rawExecute(server.url, stmt);
    expect(result.type).toBe(type);
    expect(await health(server.url)).toBe(200);
  });

  it("reads an infinite float as JSON null, as sqld's serde does", async () => {
    const result = await rawExecute(server.url, { sql: "SELECT 1e999" });
    expect(result.response.result.rows).toEqual([[{ type: "float", value: null }]]);
  });
});

describe("HTTP edge", () => {
  it("answers 413 beyond maxBodyBytes", async () => {
    const big = JSON.stringify({
      requests: [{ type: "execute", stmt: { sql: `SELECT '${"x".repeat(MAX_BODY)}'` } }],
    });
    const answer = await rawPipeline(server.url, big);
    expect(answer.status).toBe(413);
    expect(await health(server.url)).toBe(200);
  });

  it("caps bodies at 32 MiB by default", async () => {
    const defaults = await startTestServer();
    try {
      const sql = `SELECT '${"x".repeat(32 * 1024 * 1024)}'`;
      const answer = await rawPipeline(defaults.url, {
        requests: [{ type: "execute", stmt: { sql } }],
      });
      expect(answer.status).toBe(413);
      expect(await health(defaults.url)).toBe(200);
    } finally {
      await defaults.stop();
    }
  });

  it("accepts a body just under the cap", async () => {
    const sql = `SELECT '${"x".repeat(MAX_BODY - 200)}'`;
    const answer = await rawPipeline(server.url, {
      requests: [{ type: "execute", stmt: { sql } }, { type: "close" }],
    });
    expect(answer.status).toBe(200);
  });

  it("answers 404 for unknown paths, 405 for GET on the pipeline, 404 for test controls when off", async () => {
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/v2/pipeline`)).status).toBe(405);
    expect((await fetch(`${server.url}/_test/stats`)).status).toBe(404);
    expect((await fetch(`${server.url}/v3-protobuf`)).status).toBe(404);
    expect((await fetch(`${server.url}/v2`)).status).toBe(200);
  });

  it("turns an unexpected exception into a 500 JSON answer and lives on", async () => {
    const spy = vi.spyOn(StreamRegistry.prototype, "acquire").mockImplementation(() => {
      throw new Error("boom");
    });
    try {
      const answer = await rawPipeline(server.url, { requests: [{ type: "close" }] });
      expect(answer.status).toBe(500);
      expect(answer.contentType).toBe("application/json");
      expect(answer.json).toEqual({ message: "Internal server error: boom", code: "INTERNAL" });
    } finally {
      spy.mockRestore();
    }
    expect((await rawPipeline(server.url, { requests: [{ type: "close" }] })).status).toBe(200);
  });

  it("survives garbage on the socket", async () => {
    await new Promise<void>((resolve) => {
      const socket = connect(server.port, "127.0.0.1", () => socket.end("\x00\x01 NOT HTTP AT ALL\r\n\r\n"));
      socket.on("data", () => {});
      socket.on("close", () => resolve());
      socket.on("error", () => resolve());
    });
    expect(await health(server.url)).toBe(200);
  });

  it("survives a client that disconnects mid-body", async () => {
    await new Promise<void>((resolve) => {
      const socket = connect(server.port, "127.0.0.1", () => {
        socket.write('POST /v2/pipeline HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\n{"requests":');
        setTimeout(() => socket.destroy(), 20);
      });
      socket.on("close", () => resolve());
      socket.on("error", () => resolve());
    });
    expect(await health(server.url)).toBe(200);
  });
});
