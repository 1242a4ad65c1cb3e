/**
 * The SQL of one `GET /v1/traces` page, built by the worker's own `tracePageStatement` (drizzle),
 * so the query plans in row 6 are of the statements the worker sends. No request is made.
 */
import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import type { Database } from "../src/db/client";
import { type TracePageQuery, tracePageStatement } from "../src/db/trace-queries";

export type PageQuery = TracePageQuery;

/** SQL text and parameters of the page query (`toSQL` only builds). */
export function pageSql(q: PageQuery): { sql: string; params: unknown[] } {
  const client = createClient({ url: "http://127.0.0.1:9" });
  try {
    return tracePageStatement(drizzle(client) as unknown as Database, q).toSQL();
  } finally {
    client.close();
  }
}
