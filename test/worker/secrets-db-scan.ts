/** Test helper: every place a string is stored in the test database (all tables, all columns). */
import { sql } from "drizzle-orm";
import { testDb } from "./helpers";
import { searchable } from "./stored-values";

/**
 * `table.column` of every column of every table (from sqlite_master and pragma table_info)
 * whose text, whatever its declared type, contains `needle`; blobs are searched inflated too
 * (the span sets' packed spans are deflated: see stored-values.ts).
 */
export async function findInDatabase(needle: string): Promise<string[]> {
  const db = testDb();
  const tables = await db.all<{ name: string }>(
    sql`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`,
  );
  if (tables.length < 5) throw new Error(`expected the schema's tables, found ${tables.length}`);
  const hits: string[] = [];
  for (const { name } of tables) {
    const columns = await db.all<{ name: string }>(sql.raw(`pragma table_info("${name}")`));
    for (const column of columns) {
      const rows = await db.all<{ n: number }>(
        sql`select count(*) as n from ${sql.identifier(name)} where instr(cast(${sql.identifier(column.name)} as text), ${needle}) > 0`,
      );
      if ((rows[0]?.n ?? 0) > 0 || (await inBlobs(name, column.name, needle)))
        hits.push(`${name}.${column.name}`);
    }
  }
  return hits;
}

/** Whether any blob of the column, inflated, contains `needle`. */
async function inBlobs(table: string, column: string, needle: string): Promise<boolean> {
  const rows = await testDb().all<{ v: unknown }>(
    sql`select ${sql.identifier(column)} as v from ${sql.identifier(table)} where typeof(${sql.identifier(column)}) = 'blob'`,
  );
  for (const r of rows) {
    const text = searchable(r.v);
    if (typeof text === "string" && text.includes(needle)) return true;
  }
  return false;
}
