/**
 * The database file and the per-stream SQLite connections (better-sqlite3).
 * Each stream owns its own connection, as in sqld, opened with `timeout: 0` so a locked database
 * never blocks the event loop: SQLITE_BUSY is retried asynchronously by `withBusyRetry`.
 * `:memory:` is backed by a temp file (deleted on close) because streams are separate
 * connections and must see the same data.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { isRetryableBusy } from "./errors";

export type Connection = Database.Database;
export type Statement = Database.Statement;

/** How long a statement may keep retrying SQLITE_BUSY before the error is reported. */
export const BUSY_DEADLINE_MS = 5_000;
const STATEMENT_CACHE_SIZE = 64;

/** The database file behind the server. */
export interface DatabaseFile {
  path: string;
  /** Opens a new connection for a stream. */
  connect(): Connection;
  /** Closes the anchor connection and removes the temp file of a `:memory:` database. */
  dispose(): void;
}

/**
 * Opens (creating if needed) the database file and switches it to WAL.
 * @param file a path, or ":memory:" for a temp file deleted by `dispose()`.
 */
export function openDatabaseFile(file: string): DatabaseFile {
  let tempDir: string | undefined;
  let path = file;
  if (file === ":memory:" || file === "") {
    tempDir = mkdtempSync(join(tmpdir(), "libsql-server-"));
    path = join(tempDir, "memory.db");
  }
  // The anchor stays open for the server's life: when SQLite's last connection closes it
  // checkpoints and deletes the WAL, which would otherwise happen on every short stream
  // (measured: ~2 ms per request instead of ~0.2). It must read once after the switch to WAL,
  // or it does not hold the WAL open.
  const anchor = new Database(path, { timeout: 1_000 });
  anchor.pragma("journal_mode = WAL");
  anchor.prepare("SELECT count(*) FROM sqlite_master").get();
  return {
    path,
    connect() {
      const conn = new Database(path, { timeout: 0 });
      conn.pragma("foreign_keys = ON");
      conn.pragma("synchronous = NORMAL");
      return conn;
    },
    dispose() {
      if (anchor.open) anchor.close();
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    },
  };
}

const caches = new WeakMap<Connection, Map<string, Statement>>();

/** Prepares through a small per-connection LRU cache. @throws SqliteError, RangeError */
export function prepareCached(conn: Connection, sql: string): Statement {
  let cache = caches.get(conn);
  if (!cache) {
    cache = new Map();
    caches.set(conn, cache);
  }
  const hit = cache.get(sql);
  if (hit) {
    cache.delete(sql);
    cache.set(sql, hit);
    return hit;
  }
  const stmt = conn.prepare(sql);
  cache.set(sql, stmt);
  if (cache.size > STATEMENT_CACHE_SIZE) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  return stmt;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn`, retrying while it throws SQLITE_BUSY, a few ms apart, up to `deadlineMs`; then the
 * last error is thrown. Waiting is asynchronous so other streams (the lock holder) keep running.
 */
export async function withBusyRetry<T>(fn: () => T, deadlineMs = BUSY_DEADLINE_MS): Promise<T> {
  const start = Date.now();
  let delay = 2;
  for (;;) {
    try {
      return fn();
    } catch (err) {
      if (!isRetryableBusy(err) || Date.now() - start + delay > deadlineMs) throw err;
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 25);
  }
}

/** Rolls back an open transaction (so no lock survives) and closes the connection. */
export function closeConnection(conn: Connection): void {
  try {
    if (conn.open && conn.inTransaction) conn.exec("ROLLBACK");
  } catch {
    // The connection is closed below either way.
  }
  caches.delete(conn);
  if (conn.open) conn.close();
}
