/**
 * Happy paths through @libsql/client (Node build, http: URL → Hrana over HTTP): execute,
 * batches that commit or roll back, interactive transactions over batons, value round trips.
 */
import { type Client, createClient, LibsqlError } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./helpers";

let server: TestServer;
let client: Client;

beforeAll(async () => {
  server = await startTestServer();
  client = createClient({ url: server.url, intMode: "bigint" });
  await client.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, qty INTEGER)");
});

afterAll(async () => {
  client.close();
  await server.stop();
});

const count = async (sql = "SELECT count(*) FROM items") => (await client.execute(sql)).rows[0]?.[0];

describe("execute", () => {
  it("inserts and reads back with affected rows, rowid and column types", async () => {
    const ins = await client.execute({
      sql: "INSERT INTO items (name, qty) VALUES (?, ?)",
      args: ["apple", 3n],
    });
    expect(ins.rowsAffected).toBe(1);
    expect(typeof ins.lastInsertRowid).toBe("bigint");
    const res = await client.execute({
      sql: "SELECT id, name, qty FROM items WHERE name = :n",
      args: { n: "apple" },
    });
    expect(res.columns).toEqual(["id", "name", "qty"]);
    expect(res.columnTypes).toEqual(["INTEGER", "TEXT", "INTEGER"]);
    expect(res.rows[0]?.name).toBe("apple");
    expect(res.rows[0]?.qty).toBe(3n);
  });

  it("reports 0 rows affected and no rowid for a SELECT, as sqld", async () => {
    const res = await client.execute("SELECT 1");
    expect(res.rowsAffected).toBe(0);
    expect(res.lastInsertRowid).toBeUndefined();
  });

  it("counts updated rows", async () => {
    await client.execute({
      sql: "INSERT INTO items (name, qty) VALUES (?, ?), (?, ?)",
      args: ["b1", 1n, "b2", 1n],
    });
    const res = await client.execute("UPDATE items SET qty = qty + 1 WHERE name LIKE 'b%'");
    expect(res.rowsAffected).toBe(2);
  });

  it("binds @ and $ named parameters and ?NNN positions", async () => {
    const named = await client.execute({ sql: "SELECT @a || $b AS v", args: { a: "x", b: "y" } });
    expect(named.rows[0]?.v).toBe("xy");
    const numbered = await client.execute({ sql: "SELECT ?2, ?1, ?2", args: ["one", "two"] });
    expect(Array.from(numbered.rows[0] ?? [])).toEqual(["two", "one", "two"]);
  });

  it("runs executeMultiple as a sequence", async () => {
    await client.executeMultiple(
      "CREATE TABLE seq_a (x); INSERT INTO seq_a VALUES (1); INSERT INTO seq_a VALUES (2);",
    );
    expect(await count("SELECT count(*) FROM seq_a")).toBe(2n);
  });
});

describe("batch", () => {
  it("commits every statement", async () => {
    const before = (await count()) as bigint;
    const results = await client.batch(
      [
        { sql: "INSERT INTO items (name, qty) VALUES (?, ?)", args: ["c1", 1n] },
        { sql: "INSERT INTO items (name, qty) VALUES (?, ?)", args: ["c2", 2n] },
        "SELECT count(*) AS n FROM items",
      ],
      "write",
    );
    expect(results).toHaveLength(3);
    expect(results[2]?.rows[0]?.n).toBe(before + 2n);
  });

  it("rolls back all steps when one fails", async () => {
    const before = await count();
    const failing = client.batch(
      [
        { sql: "INSERT INTO items (name, qty) VALUES (?, ?)", args: ["d1", 1n] },
        { sql: "INSERT INTO items (name, qty) VALUES (?, ?)", args: ["apple", 1n] },
      ],
      "write",
    );
    await expect(failing).rejects.toMatchObject({ code: "SQLITE_CONSTRAINT" });
    expect(await count()).toBe(before);
    expect((await client.execute("SELECT count(*) FROM items WHERE name = 'd1'")).rows[0]?.[0]).toBe(0n);
  });

  it("applies migrate() with foreign keys off around it", async () => {
    await client.migrate([
      "CREATE TABLE mig_parent (id INTEGER PRIMARY KEY)",
      "CREATE TABLE mig_child (p REFERENCES mig_parent(id))",
    ]);
    expect(await count("SELECT count(*) FROM sqlite_master WHERE name LIKE 'mig_%'")).toBe(2n);
  });
});

describe("interactive transactions over batons", () => {
  it("commits several statements", async () => {
    const tx = await client.transaction("write");
    await tx.execute({ sql: "INSERT INTO items (name, qty) VALUES (?, ?)", args: ["t1", 1n] });
    await tx.execute({ sql: "INSERT INTO items (name, qty) VALUES (?, ?)", args: ["t2", 2n] });
    const inside = await tx.execute("SELECT count(*) FROM items WHERE name IN ('t1', 't2')");
    expect(inside.rows[0]?.[0]).toBe(2n);
    await tx.commit();
    expect(await count("SELECT count(*) FROM items WHERE name IN ('t1', 't2')")).toBe(2n);
  });

  it("rolls back", async () => {
    const tx = await client.transaction("write");
    await tx.execute({ sql: "INSERT INTO items (name, qty) VALUES (?, ?)", args: ["r1", 1n] });
    await tx.rollback();
    expect(await count("SELECT count(*) FROM items WHERE name = 'r1'")).toBe(0n);
  });

  it("supports read transactions and read batches (libSQL's BEGIN TRANSACTION READONLY)", async () => {
    const tx = await client.transaction("read");
    const res = await tx.execute("SELECT count(*) FROM items WHERE name = 'apple'");
    expect(res.rows[0]?.[0]).toBe(1n);
    await tx.commit();
    const [batched] = await client.batch(["SELECT 1 AS one"], "read");
    expect(batched?.rows[0]?.one).toBe(1n);
  });

  it("surfaces a failing statement and keeps the transaction usable", async () => {
    const tx = await client.transaction("write");
    await expect(tx.execute("INSERT INTO items (name) VALUES (NULL)")).rejects.toBeInstanceOf(LibsqlError);
    await tx.execute({ sql: "INSERT INTO items (name, qty) VALUES (?, ?)", args: ["r2", 1n] });
    await tx.commit();
    expect(await count("SELECT count(*) FROM items WHERE name = 'r2'")).toBe(1n);
  });
});

describe("values round-trip exactly", () => {
  const INT64_MAX = 9223372036854775807n;
  const INT64_MIN = -9223372036854775808n;
  const blob = new Uint8Array([0, 1, 2, 250, 255]);
  const cases: [string, unknown, unknown][] = [
    ["int64 max", INT64_MAX, INT64_MAX],
    ["int64 min", INT64_MIN, INT64_MIN],
    ["zero", 0n, 0n],
    ["float", 1.5, 1.5],
    ["float with integral value stays a float", 5, 5],
    ["negative float", -2.25e-10, -2.25e-10],
    ["text", "hello", "hello"],
    ["unicode text", "héllo ✓ 🦆 ñ", "héllo ✓ 🦆 ñ"],
    ["text with NUL", "a\u0000b", "a\u0000b"],
    ["empty text", "", ""],
    ["null", null, null],
    ["boolean true becomes 1", true, 1n],
  ];

  it.each(cases)("%s", async (_name, input, expected) => {
    const res = await client.execute({ sql: "SELECT ? AS v", args: [input as never] });
    expect(res.rows[0]?.v).toEqual(expected);
  });

  it("blob", async () => {
    const res = await client.execute({ sql: "SELECT ? AS v", args: [blob] });
    expect(new Uint8Array(res.rows[0]?.v as ArrayBuffer)).toEqual(blob);
  });

  it("keeps integer and float apart in storage", async () => {
    const res = await client.execute({ sql: "SELECT typeof(?), typeof(?)", args: [5n, 5] });
    expect(Array.from(res.rows[0] ?? [])).toEqual(["integer", "real"]);
  });

  it("stores and reads int64 extremes from a table", async () => {
    await client.execute("CREATE TABLE ints (v INTEGER)");
    await client.batch([{ sql: "INSERT INTO ints VALUES (?), (?)", args: [INT64_MAX, INT64_MIN] }]);
    const res = await client.execute("SELECT v FROM ints ORDER BY v");
    expect(res.rows.map((r) => r.v)).toEqual([INT64_MIN, INT64_MAX]);
  });

  it("does not crash on invalid UTF-8 read as text", async () => {
    const res = await client.execute("SELECT CAST(X'FF' AS TEXT) AS v, length(CAST(X'41FF' AS BLOB)) AS n");
    expect(typeof res.rows[0]?.v).toBe("string");
    expect(res.rows[0]?.n).toBe(2n);
  });
});
