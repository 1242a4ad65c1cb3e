// `npm run db:migrate` (tools/migrate.ts): applies the migrations over HTTP, is a no-op the second
// time, and exits non-zero with a clear message when it cannot.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createClient } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shippedMigrationCount, startTestServer, type TestServer } from "./helpers";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const run = promisify(execFile);

async function dbMigrate(env: Record<string, string | undefined>) {
  try {
    const { stdout, stderr } = await run("npx", ["tsx", "tools/migrate.ts"], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      timeout: 60_000,
    });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

describe("npm run db:migrate", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ authToken: "migrate-secret" });
  });
  afterAll(() => server.stop());

  it("applies the migrations with the token, and a second run changes nothing", async () => {
    const env = { TURSO_DATABASE_URL: server.url, TURSO_AUTH_TOKEN: "migrate-secret" };
    expect(await dbMigrate(env)).toMatchObject({
      code: 0,
      out: expect.stringContaining("migrations applied"),
    });
    expect((await dbMigrate(env)).code).toBe(0);
    const client = createClient({ url: server.url, authToken: "migrate-secret" });
    const applied = await client.execute('SELECT count(*) AS n FROM "__drizzle_migrations"');
    expect(applied.rows[0]?.n).toBe(shippedMigrationCount());
    client.close();
  }, 120_000);

  it("exits 1 on a wrong token and 2 without a URL, saying why", async () => {
    const denied = await dbMigrate({ TURSO_DATABASE_URL: server.url, TURSO_AUTH_TOKEN: "wrong" });
    expect(denied.code).toBe(1);
    expect(denied.out).toMatch(/db:migrate: failed/);
    const missing = await dbMigrate({ TURSO_DATABASE_URL: "" });
    expect(missing.code).toBe(2);
    expect(missing.out).toMatch(/TURSO_DATABASE_URL is not set/);
  }, 120_000);
});
