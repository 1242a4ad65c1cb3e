/**
 * drizzle-kit configuration: the schema in src/db, SQL migrations in migrations/, dialect turso.
 * `npm run db:migrate` uses our own runner (tools/migrate.ts) with the same env names.
 */
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  schema: "./src/db/schema.ts",
  out: "./migrations",
  dialect: "turso",
  strict: true,
  verbose: true,
  dbCredentials: {
    url: process.env.TURSO_DATABASE_URL ?? "http://127.0.0.1:8080",
    authToken: process.env.TURSO_AUTH_TOKEN,
  },
});
