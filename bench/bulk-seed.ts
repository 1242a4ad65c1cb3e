/**
 * Bulk-seeds traces and spans straight into the benchmark's SQLite file with better-sqlite3: one
 * transaction, prepared statements, every index in place (nothing dropped, so the cleanup and the
 * reads that follow see a realistic file). Spans are stored as the writer stores them: one packed,
 * deflated span set per trace (src/db/span-codec.ts, src/db/deflate.ts), the script heads once in
 * `pipeline_span_heads`. Expired traces start 31–90 days ago, unexpired ones
 * 1 hour–29 days ago; ids are random lowercase hex (32 for traces, 16 for spans) as the worker
 * makes them. Events, statuses, users, IPs and scripts vary so every list filter has work to do.
 */
import { createHash, randomBytes } from "node:crypto";
import { statSync } from "node:fs";
import Database from "better-sqlite3";
import { deflateText } from "../src/db/deflate";
import type { SpanRow } from "../src/db/schema";
import { packSpans } from "../src/db/span-codec";

const DAY = 86_400_000;

export interface SeedScript {
  id: string;
  name: string;
}

export interface BulkSeedOptions {
  file: string;
  expiredTraces: number;
  liveTraces: number;
  spansPerTrace: number;
  /** The seeded example scripts; spans cycle through them. */
  scripts: SeedScript[];
  now: number;
}

export interface BulkSeedResult {
  traces: number;
  spans: number;
  insertSeconds: number;
  checkpointSeconds: number;
  rowsPerSecond: number;
  fileMiB: number;
  /** Distinct users (`bulk-u0` … `bulk-u{n-1}`). */
  users: number;
}

export const EVENTS = [
  "before_signin",
  "before_signin",
  "before_signin",
  "before_signin",
  "before_signin",
  "before_signin",
  "before_signin",
  "before_signup",
  "before_signup",
  "password_reset",
];

/** Inserts the rows and checkpoints the WAL; returns counts and timings. */
export function bulkSeed(opts: BulkSeedOptions): BulkSeedResult {
  const db = new Database(opts.file, { fileMustExist: true });
  db.pragma("busy_timeout = 10000");
  db.pragma("synchronous = OFF");
  db.pragma("cache_size = -524288"); // 512 MiB: random-id index pages stay in memory
  const users = Math.max(1, Math.round((opts.expiredTraces + opts.liveTraces) / 11));
  const insertTrace = db.prepare(`insert into pipeline_traces
    (id, root_span_id, trigger_event, status, decision, status_message, started_at, ended_at, duration_ms,
     user_id, request_ip, context_snapshot, result_data, created_at)
    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertSet = db.prepare(`insert into pipeline_span_sets (started_at, trace_id, part, heads, ids, spans)
    values (?, ?, 0, ?, ?, ?)`);
  const insertHeads = db.prepare(
    "insert into pipeline_span_heads (id, heads) values (?, ?) on conflict do nothing",
  );
  /** The writer's key of a heads list (src/db/span-sets.ts): base64url of 16 bytes of its SHA-256. */
  const headKeys = new Map<string, string>();
  const headsKey = (json: string) => {
    let key = headKeys.get(json);
    if (!key) {
      key = createHash("sha256").update(json).digest().subarray(0, 16).toString("base64url");
      headKeys.set(json, key);
      insertHeads.run(key, json);
    }
    return key;
  };
  const n = opts.spansPerTrace;
  const total = opts.expiredTraces + opts.liveTraces;
  const attrs = (i: number, j: number) =>
    JSON.stringify({
      input: { ctx: { user: { id: `bulk-u${i % users}` }, request: { country: "US" } }, prev: {} },
      output: { data: { step: j } },
      logs: [],
      instructions: 180 + j,
    });

  const insertAll = db.transaction(() => {
    for (let i = 0; i < total; i++) {
      const expired = i < opts.expiredTraces;
      // Expired traces spread evenly over 90..31 days ago, unexpired over 29 days..1 hour ago.
      const startedAt = expired
        ? Math.floor(opts.now - 90 * DAY + (i / opts.expiredTraces) * 59 * DAY)
        : Math.floor(
            opts.now -
              29 * DAY +
              ((i - opts.expiredTraces) / Math.max(1, opts.liveTraces)) * (29 * DAY - 3_600_000),
          );
      const hex = randomBytes(24 + 8 * n).toString("hex");
      const traceId = hex.slice(0, 32);
      const rootSpanId = hex.slice(32, 48);
      const status = i % 50 === 0 ? "error" : i % 5 === 1 ? "blocked" : "success";
      const blockedAt = status === "blocked" ? Math.min(n - 1, 6) : -1;
      const user = `bulk-u${i % users}`;
      insertTrace.run(
        traceId,
        rootSpanId,
        EVENTS[i % EVENTS.length],
        status,
        status === "success" ? "allow" : "block",
        status === "blocked" ? "risk score 80 >= 70" : status === "error" ? "script failed" : null,
        startedAt,
        startedAt + 4,
        4.2,
        user,
        `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
        `{"user":{"id":"${user}","email":"${user}@example.com"},"request":{"ip":"10.0.0.1","country":"US","user_agent":"Mozilla/5.0","device_id":"d-1"},"known_devices":["d-1"],"recent_failed_attempts":0}`,
        `{"risk":{"score":${i % 100},"factors":[]},"mfa":{"required":false}}`,
        startedAt,
      );
      const spans: SpanRow[] = [];
      for (let j = 0; j < n; j++) {
        const script = opts.scripts[j % opts.scripts.length] as SeedScript;
        const spanStatus =
          blockedAt < 0 || j < blockedAt ? "success" : j === blockedAt ? "blocked" : "skipped";
        const t = startedAt + Math.floor(j / 3);
        spans.push({
          id: hex.slice(48 + 16 * j, 64 + 16 * j),
          traceId,
          parentSpanId: rootSpanId,
          name: script.name,
          kind: "INTERNAL",
          scriptId: script.id,
          scriptVersion: 1,
          layerIndex: Math.floor(j / 3),
          parallelIndex: j % 3,
          status: spanStatus,
          statusMessage: spanStatus === "blocked" ? "risk score 80 >= 70" : null,
          startedAt: t,
          endedAt: t + 1,
          durationMs: 0.4,
          attributes: attrs(i, j),
          createdAt: t,
        });
      }
      if (n > 0) {
        const packed = packSpans({ traceId, startedAt, rootSpanId }, spans);
        const key = packed.heads.length ? headsKey(JSON.stringify(packed.heads)) : null;
        insertSet.run(startedAt, traceId, key, Buffer.from(packed.ids, "hex"), deflateText(packed.spans));
      }
    }
  });

  const t0 = performance.now();
  insertAll();
  const insertSeconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  db.pragma("wal_checkpoint(TRUNCATE)");
  const checkpointSeconds = (performance.now() - t1) / 1000;
  db.close();
  const spans = total * n;
  return {
    traces: total,
    spans,
    insertSeconds,
    checkpointSeconds,
    rowsPerSecond: (total + (n > 0 ? total : 0)) / insertSeconds, // trace rows + span set rows
    fileMiB: statSync(opts.file).size / 1024 / 1024,
    users,
  };
}
