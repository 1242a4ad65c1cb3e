/**
 * Applies the SQL migrations in `migrations/` to `TURSO_DATABASE_URL` (+ `TURSO_AUTH_TOKEN`)
 * over HTTP, with drizzle's libSQL migrator. Used by `npm run db:migrate`, `npm start`, the test
 * setup and the benchmark. Exits non-zero on failure when run as a command.
 */
import { fileURLToPath } from "node:url";
import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";

const MIGRATIONS_FOLDER = fileURLToPath(new URL("../migrations", import.meta.url));

/** Applies every pending migration; a second call is a no-op. */
export async function migrateDatabase(url: string, authToken?: string): Promise<void> {
  const client = createClient({ url, authToken: authToken || undefined });
  try {
    await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    client.close();
  }
}

async function main(): Promise<void> {
  const url = process.env.TURSO_DATABASE_URL;
  if (!url) {
    console.error("db:migrate: TURSO_DATABASE_URL is not set (e.g. libsql://<db>-<org>.turso.io)");
    process.exit(2);
  }
  try {
    await migrateDatabase(url, process.env.TURSO_AUTH_TOKEN);
    console.log(`db:migrate: migrations applied to ${new URL(url).host}`);
  } catch (err) {
    console.error(`db:migrate: failed: ${(err as Error).message}`);
    process.exit(1);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
