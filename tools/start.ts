/**
 * `npm start`: the whole product on this machine, no Turso account needed.
 * 1. the local libSQL HTTP server on `.data/hookline.db` (port DB_PORT, default 8080; the folder
 *    can be moved with HOOKLINE_DATA_DIR);
 * 2. migrations over HTTP, the DEMO reputation API on 127.0.0.1 (port DEMO_PORT, default
 *    DB_PORT + 1, any free port if taken; made-up answers), then the example scripts (only into
 *    an empty database; IP Reputation gets the demo API's URL, and 127.0.0.1 is allowed over
 *    plain http via ALLOW_INSECURE_HTTP_HOSTS);
 * 3. `wrangler dev` (port PORT, default 8787) with dev tokens unless .dev.vars sets them;
 * then prints the URL and ready-to-paste curl lines. Ctrl-C stops everything (no orphan workerd).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { startDemoApi } from "./demo-api";
import { readDevVars } from "./dev-vars";
import { startLocalServer } from "./libsql-server/server";
import { migrateDatabase } from "./migrate";
import { readSampleContexts, seedExamples } from "./seed";
import { startWranglerDev } from "./wrangler-dev";

const port = Number(process.env.PORT ?? 8787);
const dbPort = Number(process.env.DB_PORT ?? 8080);

const dataDir = process.env.HOOKLINE_DATA_DIR ?? ".data";
const dbFile = join(dataDir, "hookline.db");

mkdirSync(dataDir, { recursive: true });
const db = await startLocalServer({ file: dbFile, port: dbPort, log: (line) => console.log(`[db] ${line}`) });
console.log(`local libSQL server: ${db.url} (file ${dbFile})`);
await migrateDatabase(db.url);
// The DEMO reputation API (made-up answers) that the example IP Reputation script calls.
const demoPort = Number(process.env.DEMO_PORT ?? dbPort + 1);
const demo = await startDemoApi(demoPort).catch(() => startDemoApi(0));
const demoUrl = `${demo.url}/reputation`;
console.log(`demo reputation API (a DEMO, made-up answers): ${demoUrl}?ip=198.51.100.9`);
const seeded = await seedExamples(db.url, undefined, demoUrl);
console.log(seeded > 0 ? `seeded ${seeded} example scripts` : "scripts already present: not seeding");

const devVars = readDevVars();
const vars = {
  ADMIN_TOKEN: "dev-admin-token",
  TRIGGER_TOKEN: "dev-trigger-token",
  // Dev-only key for script secrets (never use it elsewhere; production: wrangler secret put SECRETS_KEY).
  SECRETS_KEY: "ZGV2LW9ubHkta2V5LWhvb2tsaW5lLW5wbS1zdGFydCE=",
  SECRETS_KEY_ID: "dev",
  // Scripts may call the demo API over plain http on this machine only.
  ALLOW_INSECURE_HTTP_HOSTS: "127.0.0.1",
  ...devVars,
  // named scoped tokens may also come from the environment (the console tests use this)
  ...(process.env.API_TOKENS ? { API_TOKENS: process.env.API_TOKENS } : {}),
  TURSO_DATABASE_URL: db.url,
};
const worker = await startWranglerDev({ port, vars, extraArgs: ["--test-scheduled"] });

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping wrangler dev and the local database…`);
  await worker.stop();
  await demo.close();
  await db.close();
  process.exit(0);
};
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
worker.child.once("exit", (code) => {
  if (!stopping) {
    console.error(`wrangler dev exited (${code}); stopping`);
    void Promise.all([db.close(), demo.close()]).then(() => process.exit(1));
  }
});

const samples = readSampleContexts();
const trigger = `curl -s -H 'authorization: Bearer ${vars.TRIGGER_TOKEN}' -H 'content-type: application/json' ${worker.url}/v1/triggers/before_signin`;
console.log(`
Hookline is running at ${worker.url}

  curl ${worker.url}/health
  # an allowed sign-in
  ${trigger} \\
    -d '${JSON.stringify(samples.allowed)}'
  # a blocked sign-in (new device, failed attempts, a curl user agent: the risk threshold blocks it)
  ${trigger} \\
    -d '${JSON.stringify(samples.blocked)}'
  # the latest traces (admin token)
  curl -s -H 'authorization: Bearer ${vars.ADMIN_TOKEN}' '${worker.url}/v1/traces?limit=5'

Ctrl-C stops everything.`);
