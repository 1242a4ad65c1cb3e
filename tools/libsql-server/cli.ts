/**
 * Command line for the local libSQL server:
 *   tsx tools/libsql-server/cli.ts --file <path|:memory:> [--port 8080] [--host 127.0.0.1]
 *     [--auth-token T | env LIBSQL_AUTH_TOKEN] [--test-controls] [--max-body-bytes N]
 *     [--stream-idle-ms N] [--quiet]
 * Prints one ready line with the URL; SIGINT/SIGTERM close every stream and the database.
 */
import { parseArgs } from "node:util";
import { startLocalServer } from "./server";

const USAGE =
  "usage: cli.ts --file <path|:memory:> [--port N] [--host H] [--auth-token T] " +
  "[--test-controls] [--max-body-bytes N] [--stream-idle-ms N] [--quiet]";

function toInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      file: { type: "string" },
      port: { type: "string" },
      host: { type: "string" },
      "auth-token": { type: "string" },
      "test-controls": { type: "boolean" },
      "max-body-bytes": { type: "string" },
      "stream-idle-ms": { type: "string" },
      quiet: { type: "boolean" },
      help: { type: "boolean" },
    },
  });
  if (values.help || !values.file) {
    console.error(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const server = await startLocalServer({
    file: values.file,
    port: toInt(values.port, "port") ?? 8080,
    host: values.host,
    authToken: values["auth-token"] ?? (process.env.LIBSQL_AUTH_TOKEN || undefined),
    testControls: values["test-controls"] ?? false,
    maxBodyBytes: toInt(values["max-body-bytes"], "max-body-bytes"),
    streamIdleMs: toInt(values["stream-idle-ms"], "stream-idle-ms"),
    log: values.quiet ? () => {} : undefined,
  });
  console.log(`libsql-server ready at ${server.url} (file ${values.file})`);
  const stop = (signal: string) => {
    console.log(`libsql-server: ${signal}, closing`);
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}

main().catch((err: unknown) => {
  console.error(`libsql-server: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
