/**
 * Two test projects:
 * - `server`: the local libSQL HTTP server's own tests, in Node.
 * - `worker`: the engine and the worker, inside workerd through @cloudflare/vitest-pool-workers,
 *   talking over HTTP to a real local libSQL server that test/global-setup.ts starts.
 */
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

const fengariStubs = fileURLToPath(new URL("./src/shims/fengari-node-stubs.mjs", import.meta.url));

export default defineConfig({
  // fengari's Node-only start-up modules, stubbed (see src/shims); inherited by the worker project.
  resolve: { alias: { "readline-sync": fengariStubs, tmp: fengariStubs } },
  test: {
    projects: [
      {
        test: {
          name: "server",
          environment: "node",
          include: ["test/server/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        plugins: [
          cloudflareTest(({ inject }) => ({
            main: "./src/index.ts",
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                TURSO_DATABASE_URL: inject("dbUrl"),
                DB_CONTROL_URL: inject("dbUrl"),
                ADMIN_TOKEN: "test-admin-token",
                TRIGGER_TOKEN: "test-trigger-token",
              },
            },
          })),
        ],
        test: {
          name: "worker",
          include: ["test/engine/**/*.test.ts", "test/worker/**/*.test.ts"],
          globalSetup: ["./test/global-setup.ts"],
          testTimeout: 30_000,
        },
      },
    ],
  },
});
