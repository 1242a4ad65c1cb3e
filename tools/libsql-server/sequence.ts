/**
 * `sequence` (several statements, no arguments, no results) and `describe` (parameters and
 * columns of one statement without running it).
 */
import { type Connection, prepareCached, withBusyRetry } from "./database";
import type { Stmt } from "./decode";
import { toHranaError } from "./errors";
import { splitStatements } from "./sql-lexer";
import { checkSyntax, parseOne, runStatement } from "./statements";

const NO_ARGS: Stmt = {
  args: [],
  namedArgs: new Map(),
  bothArgKinds: false,
  wantRows: false,
};

/**
 * Runs every statement of `sql` in order and stops at the first error. As in sqld, syntax
 * errors anywhere are reported before any statement runs.
 * @throws HranaError
 */
export async function executeSequence(conn: Connection, sql: string): Promise<void> {
  const stmts = splitStatements(sql);
  for (const s of stmts) checkSyntax(conn, s.text);
  for (const s of stmts) await runStatement(conn, s, NO_ARGS);
}

export interface DescribeResult {
  params: { name: string | null }[];
  cols: { name: string; decltype: string | null }[];
  is_explain: boolean;
  is_readonly: boolean;
}

/** Describes one statement. @throws HranaError */
export async function describeStmt(conn: Connection, sql: string): Promise<DescribeResult> {
  const parsed = parseOne(sql);
  try {
    const prepared = await withBusyRetry(() => prepareCached(conn, parsed.text));
    const cols = prepared.reader
      ? prepared.columns().map((c) => ({ name: c.name, decltype: c.type ?? null }))
      : [];
    return {
      params: parsed.params.map((p) => ({ name: p.name })),
      cols,
      is_explain: parsed.isExplain,
      is_readonly: prepared.readonly,
    };
  } catch (err) {
    throw toHranaError(err);
  }
}
