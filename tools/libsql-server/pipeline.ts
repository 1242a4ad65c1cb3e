/**
 * `POST /v2/pipeline`: takes the stream named by the baton (or a new one), runs each request in
 * order and answers `{baton, base_url, results}`. Per-request failures (SQL, arguments, too many
 * stored texts) are `{"type":"error"}` results; protocol failures reject the whole request.
 * Without a `close` request the stream stays open and the answer carries its next baton.
 */
import { executeBatch } from "./batch";
import type { PipelineBody, StreamRequest } from "./decode";
import { HranaError, toHranaError } from "./errors";
import { describeStmt, executeSequence } from "./sequence";
import { executeStmt, resolveSql } from "./statements";
import type { Stream, StreamRegistry } from "./streams";

/** sqld keeps at most this many stored SQL texts per stream. */
export const MAX_STORED_SQL = 50;

type StreamResult =
  | { type: "ok"; response: { type: string } & Record<string, unknown> }
  | { type: "error"; error: { message: string; code: string } };

export interface PipelineAnswer {
  baton: string | null;
  base_url: null;
  results: StreamResult[];
}

/** Every SQL text a pipeline ran or described, for the test-controls log. */
export type SqlSink = (sql: string) => void;

async function handleRequest(
  stream: Stream,
  req: StreamRequest,
  sink: SqlSink,
): Promise<Record<string, unknown>> {
  switch (req.type) {
    case "close":
      stream.close();
      return {};
    case "get_autocommit":
      return { is_autocommit: stream.isAutocommit };
    case "store_sql":
      if (!stream.sqls.has(req.sqlId) && stream.sqls.size >= MAX_STORED_SQL) {
        throw new HranaError(
          "SQL_STORE_TOO_MANY",
          `The server already stores ${stream.sqls.size} SQL texts, it cannot store more`,
        );
      }
      stream.sqls.set(req.sqlId, req.sql);
      return {};
    case "close_sql":
      stream.sqls.delete(req.sqlId);
      return {};
    case "execute": {
      const sql = resolveSql(stream.sqls, req.stmt);
      sink(sql);
      return { result: await executeStmt(stream.conn(), req.stmt, sql) };
    }
    case "batch": {
      const sqls = req.steps.map((step) => resolveSql(stream.sqls, step.stmt));
      sqls.forEach(sink);
      return { result: await executeBatch(stream.conn(), req.steps, sqls) };
    }
    case "sequence": {
      const sql = resolveSql(stream.sqls, req);
      sink(sql);
      await executeSequence(stream.conn(), sql);
      return {};
    }
    case "describe": {
      const sql = resolveSql(stream.sqls, req);
      sink(sql);
      return { result: await describeStmt(stream.conn(), sql) };
    }
  }
}

/**
 * Runs a validated pipeline body.
 * @throws ProtocolError / StreamExpiredError, which the HTTP layer turns into 400 / 500.
 */
export async function runPipeline(
  registry: StreamRegistry,
  body: PipelineBody,
  sink: SqlSink,
): Promise<PipelineAnswer> {
  const stream = registry.acquire(body.baton);
  const results: StreamResult[] = [];
  try {
    for (const req of body.requests) {
      try {
        const response = await handleRequest(stream, req, sink);
        results.push({ type: "ok", response: { type: req.type, ...response } });
      } catch (err) {
        if (!(err instanceof HranaError) && !isSqlFailure(err)) throw err;
        results.push({ type: "error", error: toHranaError(err).toProto() });
      }
    }
  } catch (err) {
    registry.discard(stream);
    throw err;
  }
  return { baton: registry.release(stream), base_url: null, results };
}

function isSqlFailure(err: unknown): boolean {
  return err instanceof Error && err.name === "SqliteError";
}
