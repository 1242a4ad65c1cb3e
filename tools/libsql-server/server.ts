/**
 * The local libSQL-over-HTTP server (Hrana v2 over HTTP, JSON): the Turso stand-in behind
 * `npm start` and the tests. `startLocalServer` is the whole public API.
 *
 * Routes: `GET /health`, `GET /v2` (version probe), `POST /v2/pipeline`, and `/_test/*` when
 * test controls are on. Every route but `/health` requires the bearer token when one is set.
 * No request can take the process down: every handler is wrapped and an unexpected exception
 * becomes an HTTP 500 JSON answer.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { openDatabaseFile } from "./database";
import { isAuthorized, sendJson, sendText } from "./http-util";
import { pipelineRoute, type RouteContext, testControlsRoute } from "./routes";
import { StreamRegistry } from "./streams";
import { TestControls } from "./test-controls";

export interface LocalServerOptions {
  /** Database file path, or ":memory:" (a temp file deleted on close). */
  file: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** When set, requests need `Authorization: Bearer <authToken>` (401 otherwise). */
  authToken?: string;
  /** Mounts `/_test/stats`, `/_test/reset`, `/_test/fault`. */
  testControls?: boolean;
  /** Largest accepted request body (default 32 MiB); larger ones get 413. */
  maxBodyBytes?: number;
  /** Idle time after which a stream expires (default 10 000 ms, as sqld). */
  streamIdleMs?: number;
  /** One line per request; default console.log; pass () => {} to silence. */
  log?: (line: string) => void;
}

export interface LocalServer {
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  port: number;
  /** Stops listening, closes every stream (rolling back open transactions) and the database. */
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
const DEFAULT_STREAM_IDLE_MS = 10_000;

async function route(
  ctx: RouteContext,
  authToken: string | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<string[]> {
  if (path === "/health" && (req.method === "GET" || req.method === "HEAD")) {
    sendText(res, 200, "");
    return [];
  }
  if (!isAuthorized(req, authToken)) {
    sendJson(res, 401, { error: "Unauthorized: a valid bearer token is required" });
    return [];
  }
  if (path === "/v2/pipeline") {
    if (req.method === "POST") return pipelineRoute(ctx, req, res);
    sendText(res, 405, "Method not allowed");
  } else if (path === "/v2" && req.method === "GET") {
    sendText(res, 200, "");
  } else if (ctx.controls && path.startsWith("/_test/")) {
    await testControlsRoute(ctx.controls, ctx.registry, req, res, path);
  } else {
    sendText(res, 404, "Not found");
  }
  return [];
}

/**
 * Starts the server and resolves once it listens.
 * @throws when the database file cannot be opened or the port cannot be bound.
 * @example
 * const server = await startLocalServer({ file: ":memory:", log: () => {} });
 * const client = createClient({ url: server.url });
 */
export async function startLocalServer(opts: LocalServerOptions): Promise<LocalServer> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const db = openDatabaseFile(opts.file);
  const registry = new StreamRegistry(db, opts.streamIdleMs ?? DEFAULT_STREAM_IDLE_MS);
  const ctx: RouteContext = {
    registry,
    controls: opts.testControls ? new TestControls() : undefined,
    maxBodyBytes: opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
  };

  const server = createServer((req, res) => {
    const started = performance.now();
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    let types: string[] = [];
    req.on("error", () => {});
    res.on("error", () => {});
    res.on("close", () => {
      const ms = (performance.now() - started).toFixed(1);
      const status = res.headersSent ? res.statusCode : 0;
      log(`${req.method} ${path} ${status} ${ms}ms ${types.join(",") || "-"}`);
    });
    route(ctx, opts.authToken, req, res, path).then(
      (seen) => {
        types = seen;
      },
      (err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        log(`internal error on ${req.method} ${path}: ${err instanceof Error ? err.stack : message}`);
        if (res.headersSent) res.destroy();
        else sendJson(res, 500, { message: `Internal server error: ${message}`, code: "INTERNAL" });
      },
    );
  });
  // Node closes an idle keep-alive socket after 5 s by default; a client (workerd) that reuses
  // it at that moment gets "Network connection lost". Idle gaps of several seconds happen on a
  // loaded machine, so idle sockets are kept for a minute (close() still ends idle sockets).
  server.keepAliveTimeout = 60_000;
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
    else socket.destroy();
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    db.dispose();
    throw err;
  }
  server.on("error", (err) => log(`server error: ${err.message}`));

  const { port, address } = server.address() as AddressInfo;
  const shownHost = address === "0.0.0.0" || address === "::" ? "127.0.0.1" : address;
  const url = `http://${shownHost.includes(":") ? `[${shownHost}]` : shownHost}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => {
        registry.closeAll();
        db.dispose();
      });
      return closing;
    },
  };
}
