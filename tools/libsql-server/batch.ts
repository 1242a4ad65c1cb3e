/**
 * `batch`: steps run in order, each guarded by an optional condition on earlier steps
 * (`ok`, `error`, `not`, `and`, `or`, `is_autocommit`). A skipped step has neither a result nor
 * an error. As in sqld, every step's SQL is checked (one statement, syntax, argument kinds)
 * before any step runs; a failure there fails the whole batch request.
 */
import type { Connection } from "./database";
import type { BatchCond, BatchStep } from "./decode";
import { type HranaError, toHranaError } from "./errors";
import type { SqlStatement } from "./sql-lexer";
import { precheck, runStatement, type StmtResult } from "./statements";

export interface BatchResult {
  step_results: (StmtResult | null)[];
  step_errors: (ReturnType<HranaError["toProto"]> | null)[];
}

type Outcome = "ok" | "error" | "skipped";

function evalCond(cond: BatchCond, outcomes: Outcome[], conn: Connection): boolean {
  switch (cond.type) {
    case "ok":
      return outcomes[cond.step] === "ok";
    case "error":
      return outcomes[cond.step] === "error";
    case "not":
      return !evalCond(cond.cond, outcomes, conn);
    case "and":
      return cond.conds.every((c) => evalCond(c, outcomes, conn));
    case "or":
      return cond.conds.some((c) => evalCond(c, outcomes, conn));
    case "is_autocommit":
      return !conn.inTransaction;
  }
}

/**
 * Runs a batch whose SQL texts are already resolved (`sqls[i]` for step i).
 * @throws HranaError when a step fails the up-front checks.
 */
export async function executeBatch(
  conn: Connection,
  steps: BatchStep[],
  sqls: string[],
): Promise<BatchResult> {
  const parsed: SqlStatement[] = steps.map((step, i) => precheck(conn, step.stmt, sqls[i] ?? ""));
  const outcomes: Outcome[] = [];
  const result: BatchResult = { step_results: [], step_errors: [] };
  for (const [i, step] of steps.entries()) {
    if (step.condition && !evalCond(step.condition, outcomes, conn)) {
      outcomes.push("skipped");
      result.step_results.push(null);
      result.step_errors.push(null);
      continue;
    }
    try {
      result.step_results.push(await runStatement(conn, parsed[i] as SqlStatement, step.stmt));
      result.step_errors.push(null);
      outcomes.push("ok");
    } catch (err) {
      result.step_results.push(null);
      result.step_errors.push(toHranaError(err).toProto());
      outcomes.push("error");
    }
  }
  return result;
}
