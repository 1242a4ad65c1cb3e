/**
 * drizzle against the server: drizzle-orm/libsql queries, batches and transactions (batons), and
 * `drizzle-kit migrate` run twice on the project's migrations (the second run is a no-op).
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createClient } from "@libsql/client";
import { eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/libsql";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shippedMigrationCount, startTestServer, type TestServer } from "./helpers";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const run = promisify(execFile);

const notes = sqliteTable("notes", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  body: text("body").notNull().unique(),
  done: integer("done", { mode: "boolean" }).notNull().default(false),
});

describe("drizzle-orm/libsql", () => {
  let server: TestServer;
  let db: ReturnType<typeof drizzle>;
  let client: ReturnType<typeof createClient>;

  beforeAll(async () => {
    server = await startTestServer();
    client = createClient({ url: server.url });
    db = drizzle(client);
    await db.run(
      sql`CREATE TABLE notes (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL UNIQUE, done INTEGER NOT NULL DEFAULT 0)`,
    );
  });

  afterAll(async () => {
    client.close();
    await server.stop();
  });

  it("inserts with returning, selects, updates, deletes", async () => {
    const [row] = await db.insert(notes).values({ body: "first" }).returning();
    expect(row).toEqual({ id: 1, body: "first", done: false });
    await db.update(notes).set({ body: "renamed", done: true }).where(eq(notes.id, 1));
    expect(await db.select().from(notes)).toEqual([{ id: 1, body: "renamed", done: true }]);
    await db.delete(notes).where(eq(notes.id, 1));
    expect(await db.select().from(notes)).toEqual([]);
  });

  it("batch commits, or rolls back when a statement fails", async () => {
    await db.batch([db.insert(notes).values({ body: "b1" }), db.insert(notes).values({ body: "b2" })]);
    await expect(
      db.batch([db.insert(notes).values({ body: "b3" }), db.insert(notes).values({ body: "b1" })]),
    ).rejects.toThrow();
    const bodies = (await db.select({ body: notes.body }).from(notes)).map((r) => r.body);
    expect(bodies.sort()).toEqual(["b1", "b2"]);
  });

  it("transaction commits, rolls back, and nests with savepoints", async () => {
    await db.transaction(async (tx) => {
      await tx.insert(notes).values({ body: "t1" });
      await tx
        .transaction(async (inner) => {
          await inner.insert(notes).values({ body: "t-inner" });
          inner.rollback();
        })
        .catch(() => {});
      await tx.insert(notes).values({ body: "t2" });
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.insert(notes).values({ body: "gone" });
        tx.rollback();
      }),
    ).rejects.toThrow();
    const bodies = (await db.select({ body: notes.body }).from(notes)).map((r) => r.body);
    expect(bodies.sort()).toEqual(["b1", "b2", "t1", "t2"]);
  });
});

describe("drizzle-kit migrate", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  const migrate = async () => {
    const { TURSO_AUTH_TOKEN: _unused, ...env } = process.env;
    const { stdout, stderr } = await run("npx", ["drizzle-kit", "migrate"], {
      cwd: ROOT,
      env: { ...env, TURSO_DATABASE_URL: server.url },
      timeout: 60_000,
    });
    return stdout + stderr;
  };

  it("applies the migrations, and a second run is a no-op", async () => {
    expect(await migrate()).toMatch(/migrations applied successfully/);
    expect(await migrate()).toMatch(/migrations applied successfully/);
    const client = createClient({ url: server.url });
    const tables = await client.execute(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'pipeline_%' ORDER BY name",
    );
    expect(tables.rows.map((r) => r.name)).toEqual([
      "pipeline_rollups",
      "pipeline_script_versions",
      "pipeline_scripts",
      "pipeline_span_heads",
      "pipeline_span_sets",
      "pipeline_traces",
    ]);
    const applied = await client.execute('SELECT count(*) AS n FROM "__drizzle_migrations"');
    expect(applied.rows[0]?.n).toBe(shippedMigrationCount());
    client.close();
  }, 120_000);
});
