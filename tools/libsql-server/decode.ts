/**
 * Validates a `/v2/pipeline` JSON body into typed requests before anything runs, the way sqld
 * deserializes it up front: any wrong shape or type is a ProtocolError (HTTP 400), so a request
 * never reaches SQLite half-checked. Unknown fields are ignored, as serde does.
 */
import { ProtocolError } from "./errors";
import { checkUnicode, decodeValue, type SqlValue } from "./values";

export interface Stmt {
  sql?: string;
  sqlId?: number;
  args: SqlValue[];
  namedArgs: Map<string, SqlValue>;
  /** Both positional and named arguments were sent (reported when the statement runs). */
  bothArgKinds: boolean;
  wantRows: boolean;
}

export type BatchCond =
  | { type: "ok" | "error"; step: number }
  | { type: "not"; cond: BatchCond }
  | { type: "and" | "or"; conds: BatchCond[] }
  | { type: "is_autocommit" };

export interface BatchStep {
  condition: BatchCond | null;
  stmt: Stmt;
}

export type StreamRequest =
  | { type: "close" | "get_autocommit" }
  | { type: "execute"; stmt: Stmt }
  | { type: "batch"; steps: BatchStep[] }
  | { type: "sequence" | "describe"; sql?: string; sqlId?: number }
  | { type: "store_sql"; sqlId: number; sql: string }
  | { type: "close_sql"; sqlId: number };

export interface PipelineBody {
  baton: string | null;
  requests: StreamRequest[];
}

type Obj = Record<string, unknown>;
const MAX_COND_DEPTH = 64;

function obj(x: unknown, where: string): Obj {
  if (typeof x !== "object" || x === null || Array.isArray(x)) {
    throw new ProtocolError(`${where}: expected an object`);
  }
  return x as Obj;
}

function arr(x: unknown, where: string): unknown[] {
  if (!Array.isArray(x)) throw new ProtocolError(`${where}: expected an array`);
  return x;
}

function optArr(x: unknown, where: string): unknown[] {
  return x === undefined || x === null ? [] : arr(x, where);
}

function str(x: unknown, where: string): string {
  if (typeof x !== "string") throw new ProtocolError(`${where}: expected a string`);
  return checkUnicode(x, where);
}

function int32(x: unknown, where: string): number {
  if (typeof x !== "number" || !Number.isInteger(x) || x < -(2 ** 31) || x >= 2 ** 31) {
    throw new ProtocolError(`${where}: expected a 32-bit integer`);
  }
  return x;
}

function optSql(o: Obj, where: string): { sql?: string; sqlId?: number } {
  const sql = o.sql === undefined || o.sql === null ? undefined : str(o.sql, `${where}.sql`);
  const sqlId = o.sql_id === undefined || o.sql_id === null ? undefined : int32(o.sql_id, `${where}.sql_id`);
  return { sql, sqlId };
}

function decodeStmt(raw: unknown, where: string): Stmt {
  const o = obj(raw, where);
  const args = optArr(o.args, `${where}.args`).map((v, i) => decodeValue(v, `${where}.args[${i}]`));
  const namedArgs = new Map<string, SqlValue>();
  optArr(o.named_args, `${where}.named_args`).forEach((a, i) => {
    const na = obj(a, `${where}.named_args[${i}]`);
    const name = str(na.name, `${where}.named_args[${i}].name`);
    namedArgs.set(name, decodeValue(na.value, `${where}.named_args[${i}].value`));
  });
  let wantRows = true;
  if (o.want_rows !== undefined && o.want_rows !== null) {
    if (typeof o.want_rows !== "boolean") throw new ProtocolError(`${where}.want_rows: expected a boolean`);
    wantRows = o.want_rows;
  }
  const bothArgKinds = args.length > 0 && namedArgs.size > 0;
  return { ...optSql(o, where), args, namedArgs, bothArgKinds, wantRows };
}

function decodeCond(raw: unknown, where: string, stepIndex: number, depth: number): BatchCond {
  if (depth > MAX_COND_DEPTH) throw new ProtocolError(`${where}: batch condition nested too deeply`);
  const o = obj(raw, where);
  switch (o.type) {
    case "ok":
    case "error": {
      const step = int32(o.step, `${where}.step`);
      if (step < 0 || step >= stepIndex) {
        throw new ProtocolError(`${where}: condition refers to step ${step}, not an earlier step`);
      }
      return { type: o.type, step };
    }
    case "not":
      return { type: "not", cond: decodeCond(o.cond, `${where}.cond`, stepIndex, depth + 1) };
    case "and":
    case "or":
      return {
        type: o.type,
        conds: arr(o.conds, `${where}.conds`).map((c, i) =>
          decodeCond(c, `${where}.conds[${i}]`, stepIndex, depth + 1),
        ),
      };
    case "is_autocommit":
      return { type: "is_autocommit" };
    default:
      throw new ProtocolError(`${where}: unknown batch condition type`);
  }
}

function decodeRequest(raw: unknown, where: string): StreamRequest {
  const o = obj(raw, where);
  switch (o.type) {
    case "close":
    case "get_autocommit":
      return { type: o.type };
    case "execute":
      return { type: "execute", stmt: decodeStmt(o.stmt, `${where}.stmt`) };
    case "batch": {
      const batch = obj(o.batch, `${where}.batch`);
      const steps = arr(batch.steps, `${where}.batch.steps`).map((s, i) => {
        const step = obj(s, `${where}.batch.steps[${i}]`);
        const condition =
          step.condition === undefined || step.condition === null
            ? null
            : decodeCond(step.condition, `${where}.batch.steps[${i}].condition`, i, 0);
        return { condition, stmt: decodeStmt(step.stmt, `${where}.batch.steps[${i}].stmt`) };
      });
      return { type: "batch", steps };
    }
    case "sequence":
    case "describe":
      return { type: o.type, ...optSql(o, where) };
    case "store_sql":
      return {
        type: "store_sql",
        sqlId: int32(o.sql_id, `${where}.sql_id`),
        sql: str(o.sql, `${where}.sql`),
      };
    case "close_sql":
      return { type: "close_sql", sqlId: int32(o.sql_id, `${where}.sql_id`) };
    default:
      throw new ProtocolError(`${where}: unknown request type`);
  }
}

/**
 * Validates a parsed JSON body.
 * @throws ProtocolError on any malformed part.
 */
export function decodePipelineBody(raw: unknown): PipelineBody {
  const o = obj(raw, "body");
  const baton = o.baton === undefined || o.baton === null ? null : str(o.baton, "body.baton");
  const requests = arr(o.requests, "body.requests").map((r, i) => decodeRequest(r, `body.requests[${i}]`));
  return { baton, requests };
}
