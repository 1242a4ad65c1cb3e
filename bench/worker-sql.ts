/**
 * The SQL of one `GET /v1/traces` page, built by the worker's own `tracePageStatement` (drizzle),
 * so the query plans in row 6 are of the statements the worker sends. The module is loaded at run
 * time by path: its `client.ts` uses Workers-only types that the Node type-check does not have.
 */
import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";

/** The repository's page query (mirrors `TracePageQuery` of src/db/trace-queries.ts). */
export interface PageQuery {
  triggerEvent?: string;
  status?: "success" | "blocked" | "error";
  userId?: string;
  requestIp?: string;
  scriptId?: string;
  since?: number;
  until?: number;
  minDurationMs?: number;
  limit: number;
}

interface TraceQueriesModule {
  tracePageStatement(db: unknown, q: PageQuery): { toSQL(): { sql: string; params: unknown[] } };
}

const MODULE = "../src/db/trace-queries.ts";

/** SQL text and parameters of the page query; no request is made (`toSQL` only builds). */
export async function pageSql(q: PageQuery): Promise<{ sql: string; params: unknown[] }> {
  const mod = (await import(MODULE)) as TraceQueriesModule;
  const client = createClient({ url: "http://127.0.0.1:9" });
  try {
    return mod.tracePageStatement(drizzle(client), q).toSQL();
  } finally {
    client.close();
  }
}
