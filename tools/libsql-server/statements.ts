/**
 * One statement: resolve its SQL text, check it is exactly one statement, bind its arguments the
 * way sqld does (`Params::bind`), run it and build the Hrana StmtResult.
 * sqld reports `affected_row_count` only for INSERT/UPDATE/DELETE (0 otherwise) and
 * `last_insert_rowid` only for INSERT (null otherwise); this does the same.
 */
import { type Connection, prepareCached, type Statement, withBusyRetry } from "./database";
import type { Stmt } from "./decode";
import { HranaError, isSyntaxError, ProtocolError, toHranaError } from "./errors";
import { type SqlParam, type SqlStatement, splitStatements } from "./sql-lexer";
import { encodeValue, type ProtoValue, type SqlValue } from "./values";

export interface Col {
  name: string | null;
  decltype: string | null;
}

export interface StmtResult {
  cols: Col[];
  rows: ProtoValue[][];
  affected_row_count: number;
  last_insert_rowid: string | null;
}

/**
 * Picks the SQL text of a request: inline `sql` or a stored `sql_id`.
 * @throws ProtocolError when neither, both, or an unknown id is given (sqld answers 400).
 */
export function resolveSql(sqls: Map<number, string>, req: { sql?: string; sqlId?: number }): string {
  if (req.sql !== undefined && req.sqlId !== undefined) {
    throw new ProtocolError("Only one of `sql` and `sql_id` may be given");
  }
  if (req.sql !== undefined) return req.sql;
  if (req.sqlId === undefined) throw new ProtocolError("Either `sql` or `sql_id` is required");
  const sql = sqls.get(req.sqlId);
  if (sql === undefined) throw new ProtocolError(`SQL text ${req.sqlId} not found`);
  return sql;
}

/** @throws HranaError SQL_NO_STATEMENT or SQL_MANY_STATEMENTS */
export function parseOne(sql: string): SqlStatement {
  const stmts = splitStatements(sql);
  const first = stmts[0];
  if (!first) throw new HranaError("SQL_NO_STATEMENT", "SQL string does not contain any statement");
  if (stmts.length > 1) {
    throw new HranaError("SQL_MANY_STATEMENTS", "SQL string contains more than one statement");
  }
  return first;
}

/**
 * Reports a syntax error now (sqld parses every statement before running any); other prepare
 * errors, such as a table a previous step will create, are left for execution time.
 * @throws HranaError SQL_PARSE_ERROR
 */
export function checkSyntax(conn: Connection, sql: string): void {
  try {
    prepareCached(conn, sql);
  } catch (err) {
    if (isSyntaxError(err)) throw toHranaError(err);
  }
}

/**
 * All checks sqld makes before running a statement.
 * @throws HranaError
 */
export function precheck(conn: Connection, stmt: Stmt, sql: string): SqlStatement {
  const parsed = parseOne(sql);
  checkSyntax(conn, parsed.text);
  if (stmt.bothArgKinds) {
    throw new HranaError(
      "ARGS_BOTH_POSITIONAL_AND_NAMED",
      "Specifying both positional and named arguments is not supported",
    );
  }
  return parsed;
}

const argsError = (detail: string) =>
  new HranaError("ARGS_INVALID", `Arguments do not match SQL parameters: ${detail}`);

/**
 * Matches arguments to parameter slots as sqld does: a slot named `?N` takes positional N, a
 * named slot (`:a`, `@a`, `$a`) takes the named argument `:a` or `a`, an anonymous slot takes
 * the positional argument at its index. Returns what to pass to better-sqlite3: one array for
 * anonymous slots and/or one object keyed by the name without its prefix.
 * @throws HranaError ARGS_INVALID
 */
export function bindArgs(params: SqlParam[], stmt: Stmt): unknown[] {
  const given = stmt.namedArgs.size > 0 ? stmt.namedArgs.size : stmt.args.length;
  if (given > params.length) {
    throw argsError(`too many parameters, expected ${params.length} found ${given}`);
  }
  const positional = (pos: number) => (stmt.namedArgs.size > 0 ? undefined : stmt.args[pos - 1]);
  const anon: SqlValue[] = [];
  const named: Record<string, SqlValue> = {};
  for (const { index, name } of params) {
    let value: SqlValue | undefined;
    if (name === null) value = positional(index);
    else if (name.startsWith("?")) value = positional(Number(name.slice(1)));
    else value = stmt.namedArgs.get(name) ?? stmt.namedArgs.get(name.slice(1));
    if (value === undefined) throw argsError(`value for parameter ${name ?? index} not found`);
    if (name === null) anon.push(value);
    else named[name.slice(1)] = value;
  }
  const hasNamed = Object.keys(named).length > 0;
  if (anon.length > 0 && hasNamed) return [anon, named];
  if (hasNamed) return [named];
  return anon.length > 0 ? [anon] : [];
}

const changesStmts = new WeakMap<Connection, Statement>();

function changesOf(conn: Connection): [bigint, bigint] {
  let stmt = changesStmts.get(conn);
  if (!stmt) {
    stmt = conn.prepare("SELECT changes(), last_insert_rowid()").raw(true).safeIntegers(true);
    changesStmts.set(conn, stmt);
  }
  return stmt.get() as [bigint, bigint];
}

function runOnce(conn: Connection, parsed: SqlStatement, args: unknown[], wantRows: boolean): StmtResult {
  const prepared = prepareCached(conn, parsed.text);
  let cols: Col[] = [];
  let rows: ProtoValue[][] = [];
  if (prepared.reader) {
    prepared.raw(true).safeIntegers(true);
    cols = prepared.columns().map((c) => ({ name: c.name, decltype: c.type ?? null }));
    const raw = prepared.all(...args) as unknown[][];
    if (wantRows) rows = raw.map((row) => row.map(encodeValue));
  } else {
    prepared.safeIntegers(true).run(...args);
  }
  let affected = 0;
  let lastInsertRowid: string | null = null;
  if (parsed.isIud) {
    const [changes, rowid] = changesOf(conn);
    affected = Number(changes);
    if (parsed.isInsert) lastInsertRowid = rowid.toString();
  }
  return { cols, rows, affected_row_count: affected, last_insert_rowid: lastInsertRowid };
}

/**
 * Runs one already-checked statement, retrying SQLITE_BUSY asynchronously.
 * @throws HranaError for SQL and argument errors.
 */
export async function runStatement(conn: Connection, parsed: SqlStatement, stmt: Stmt): Promise<StmtResult> {
  const args = bindArgs(parsed.params, stmt);
  try {
    return await withBusyRetry(() => runOnce(conn, parsed, args, stmt.wantRows));
  } catch (err) {
    throw toHranaError(err);
  }
}

/** `execute`: all checks, then run. @throws HranaError */
export async function executeStmt(conn: Connection, stmt: Stmt, sql: string): Promise<StmtResult> {
  return runStatement(conn, precheck(conn, stmt, sql), stmt);
}
