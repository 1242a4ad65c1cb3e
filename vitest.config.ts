/**
 * Two test projects:
 * - `server`: the local libSQL HTTP server's own tests and the Node tools (`npm start`), in Node.
 *   test/node: checks that need Node (the whole OpenAPI document through a standard validator).
 * - `worker`: the engine and the worker, inside workerd through @cloudflare/vitest-pool-workers,
 *   talking over HTTP to a real local libSQL server that test/global-setup.ts starts.
 * - `console`: the console in real Chromium (playwright-core + @sparticuz/chromium) against one
 *   `npm start` stack that test/console/global-setup.ts starts on free ports.
 */
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

const fengariStubs = fileURLToPath(new URL("./src/shims/fengari-node-stubs.mjs", import.meta.url));

export default defineConfig({
  // fengari's Node-only start-up modules, stubbed (see src/shims); inherited by the worker project.
  resolve: { alias: { "readline-sync": fengariStubs, tmp: fengariStubs } },
  test: {
    // The JSON report feeds the `N passed, N failed` line that .ci/run prints last.
    reporters: ["default", "json"],
    outputFile: { json: ".test-results/results.json" },
    projects: [
      {
        test: {
          name: "server",
          environment: "node",
          include: [
            "test/server/**/*.test.ts",
            "test/tools/**/*.test.ts",
            "test/cli/**/*.test.ts",
            "test/node/**/*.test.ts",
          ],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "console",
          environment: "node",
          include: ["test/console/**/*.test.ts"],
          globalSetup: ["./test/console/global-setup.ts"],
          // one stack for all files; one browser per file, files one at a time
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
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
                // Script secrets: a test-only key (test/worker/secrets-*.test.ts also run without it).
                SECRETS_KEY: "3q1OovgX0j1m8nL0pQ6uYh5bq2s3k2VNV1wq8c5v7xM=",
                SECRETS_KEY_ID: "test1",
                // The outbound-HTTP test server (test/global-setup.ts), reachable over plain http.
                TEST_HTTP_URL: inject("httpUrl"),
                ALLOW_INSECURE_HTTP_HOSTS: "127.0.0.1",
                // Short retry backoff so fault tests see the whole retry window in well under a second.
                TRACE_RETRY_DELAYS_MS: "50,100,200",
                // Queue consumer backoff (s): with max_retries = 20 the window is ~92 s, enough to
                // ride out the 60 s outage of the fault test, and no retry waits more than 5 s.
                TRACE_QUEUE_RETRY_DELAYS_S: "1,2,4,5",
                // The test OTLP receiver; tests point OTLP_ENDPOINT at it per call.
                OTLP_TEST_URL: inject("otlpUrl"),
                // Request lines would drown the test output; tests that check them raise the level.
                LOG_LEVEL: "warn",
              },
            },
          })),
        ],
        test: {
          name: "worker",
          include: ["test/engine/**/*.test.ts", "test/unit/**/*.test.ts", "test/worker/**/*.test.ts"],
          globalSetup: ["./test/global-setup.ts"],
          // One database serves every worker test file; counting requests at the server needs
          // files to run one at a time.
          fileParallelism: false,
          testTimeout: 30_000,
        },
      },
    ],
  },
});
