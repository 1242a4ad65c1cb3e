/**
 * The SQL tokenizer behind the one-statement checks, parameter binding and INSERT/UPDATE/DELETE
 * classification.
 */
import { describe, expect, it } from "vitest";
import { splitStatements } from "../../tools/libsql-server/sql-lexer";

describe("splitStatements", () => {
  it.each([
    ["SELECT 1", 1],
    ["SELECT 1;", 1],
    ["SELECT 1; -- trailing comment", 1],
    ["SELECT 1;;  ;", 1],
    ["", 0],
    ["/* only */ -- comments\n ;", 0],
    ["SELECT ';'; SELECT \"a;b\"", 2],
    ["SELECT [x;y] FROM t; SELECT `q;`", 2],
    ["CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET x = 1; DELETE FROM u; END; SELECT 1", 2],
    ["CREATE TEMP TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END", 1],
    ["SELECT 1 /* ; */", 1],
  ])("%j has %i statement(s)", (sql, n) => {
    expect(splitStatements(sql)).toHaveLength(n);
  });

  it.each(["BEGIN TRANSACTION READONLY", "begin readonly;"])("runs %j as BEGIN DEFERRED", (sql) => {
    expect(splitStatements(sql)[0]?.text).toBe("BEGIN DEFERRED");
  });

  it("numbers parameters as SQLite does", () => {
    const [stmt] = splitStatements("SELECT ?, :a, ?5, @b, :a, ?, $c::d(e), '?' , x'3f'");
    expect(stmt?.params).toEqual([
      { index: 1, name: null },
      { index: 2, name: ":a" },
      { index: 3, name: null },
      { index: 4, name: null },
      { index: 5, name: "?5" },
      { index: 6, name: "@b" },
      { index: 7, name: null },
      { index: 8, name: "$c::d(e)" },
    ]);
  });

  it.each([
    ["INSERT INTO t VALUES (1)", true, true],
    ["replace into t values (1)", true, true],
    ["UPDATE t SET x = 1", true, false],
    ["DELETE FROM t", true, false],
    ["WITH a AS (SELECT 1), b(x) AS MATERIALIZED (SELECT 2) INSERT INTO t SELECT * FROM a", true, true],
    ["WITH a AS (DELETE FROM x) SELECT 1", false, false],
    ["SELECT 1", false, false],
    ["EXPLAIN INSERT INTO t VALUES (1)", false, false],
    ["CREATE TABLE t (x)", false, false],
  ])("%s → iud %s, insert %s", (sql, iud, insert) => {
    const [stmt] = splitStatements(sql);
    expect([stmt?.isIud, stmt?.isInsert]).toEqual([iud, insert]);
  });
});
