/**
 * The Turso (libSQL) schema, in drizzle. One unit of time everywhere: Unix milliseconds.
 *
 * - `pipeline_traces`: one row per trigger call (an OpenTelemetry trace; id = 32 lowercase hex).
 * - `pipeline_span_sets` + `pipeline_span_heads`: the trace's spans (one per script run, id = 16
 *   lowercase hex, and one CLIENT span per outbound HTTP call of a script, child of the script's
 *   span), packed into one row per trace (src/db/span-codec.ts); what script spans share across
 *   traces (script id, version, slot, name, settings) stored once in `pipeline_span_heads`.
 *   Stored compact (src/engine/stored-trace.ts): the context once per trace, `prev` once per
 *   layer (`layer_prev`), no per-span input. The read functions in src/db unpack the spans and
 *   rebuild every span's full input.
 * - `pipeline_scripts`: the Lua scripts, one row each, pointing at their current version.
 * - `pipeline_rollups`: per-minute stats per trigger and per script (src/stats/rollup.ts), kept
 *   400 days; upserted by every trace flush, read by `GET /v1/stats`. No user data.
 * - `pipeline_script_versions`: immutable versions (source, allowed_hosts, timeout_ms), so an old
 *   trace can show the code that ran and where it could reach; each also records the run
 *   settings in force when it was made (on_error, instruction_budget, mode), so a rollback can
 *   restore them.
 * - `script_secrets`: per-script secrets, AES-GCM ciphertext only (see src/secrets/crypto.ts).
 *
 * Every index serves a named read or the cleanup (each is commented where it is declared); span
 * sets are deleted explicitly before their traces (no foreign key: sets are keyed by time).
 */
import { sql } from "drizzle-orm";
import {
  blob,
  check,
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";

/** SQLite default for "now" in Unix milliseconds (the app always sets it explicitly too). */
const nowMs = sql`(cast(unixepoch('subsec') * 1000 as integer))`;

export const TRACE_STATUSES = ["success", "blocked", "error"] as const;
export const SPAN_STATUSES = ["success", "blocked", "error", "skipped"] as const;
export const SPAN_KINDS = ["INTERNAL", "SERVER", "CLIENT"] as const;
export const DECISIONS = ["allow", "block"] as const;
export const ON_ERROR_POLICIES = ["continue", "block"] as const;
/** `enforce`: the script's answer counts; `shadow`: it runs and is recorded, never changes the answer. */
export const SCRIPT_MODES = ["enforce", "shadow"] as const;

export type TraceStatus = (typeof TRACE_STATUSES)[number];
export type SpanStatus = (typeof SPAN_STATUSES)[number];
export type Decision = (typeof DECISIONS)[number];
export type OnErrorPolicy = (typeof ON_ERROR_POLICIES)[number];
export type ScriptMode = (typeof SCRIPT_MODES)[number];

export const pipelineTraces = sqliteTable(
  "pipeline_traces",
  {
    id: text("id").primaryKey(),
    /** Span id of the trigger's own (SERVER) span; script spans name it as their parent. */
    rootSpanId: text("root_span_id").notNull(),
    triggerEvent: text("trigger_event").notNull(),
    status: text("status", { enum: TRACE_STATUSES }).notNull(),
    decision: text("decision", { enum: DECISIONS }).notNull(),
    statusMessage: text("status_message"),
    startedAt: integer("started_at").notNull(),
    endedAt: integer("ended_at").notNull(),
    durationMs: real("duration_ms").notNull(),
    /** VM instructions of the whole run (its script spans' sum; feeds the trigger's rollup row). */
    instructions: integer("instructions"),
    userId: text("user_id"),
    requestIp: text("request_ip"),
    contextSnapshot: text("context_snapshot"),
    /** JSON object: layer index → the `prev` that layer's scripts saw (stored once per layer). */
    layerPrev: text("layer_prev"),
    resultData: text("result_data"),
    createdAt: integer("created_at").notNull().default(nowMs),
  },
  (t) => [
    check(
      "pipeline_traces_id_hex",
      sql`length(${t.id}) = 32 and ${t.id} not glob '*[^0-9a-f]*' and ${t.id} != '00000000000000000000000000000000'`,
    ),
    check("pipeline_traces_status", sql`${t.status} in ('success', 'blocked', 'error')`),
    check("pipeline_traces_decision", sql`${t.decision} in ('allow', 'block')`),
    // GET /v1/traces without a filter or with since/until (newest first, keyset on (started_at,
    // id)); the cleanup's expired-trace walk and count (started_at < cutoff).
    index("trace_started_at_idx").on(t.startedAt, t.id),
    // GET /v1/traces?trigger_event= ; backtests (recorded traces of one trigger, by time).
    index("trace_trigger_started_idx").on(t.triggerEvent, t.startedAt, t.id),
    // GET /v1/traces?status= (e.g. the errors of a day).
    index("trace_status_started_idx").on(t.status, t.startedAt, t.id),
    // GET /v1/traces?user_id= and the erasure of one user's traces (DELETE /v1/users/{id}/traces).
    index("trace_user_started_idx").on(t.userId, t.startedAt, t.id),
    // GET /v1/traces?request_ip=.
    index("trace_ip_started_idx").on(t.requestIp, t.startedAt, t.id),
  ],
);

/**
 * `pipeline_span_sets`: the spans of a trace, packed into one row (src/db/span-codec.ts), so a
 * trace costs one span row written, not one per span. A trace normally has one set (`part` 0); a
 * trace whose spans arrive in several deliveries (a record split across queue messages) gets one
 * set per delivery that brings a span not stored yet (`part` 1, 2, …), and reads join them,
 * each span id once. Keyed by the trace's `started_at` first: sets are appended in time order,
 * the retention cleanup deletes by time, and every read by trace knows its start from the trace row.
 * - `heads`: the key of the `pipeline_span_heads` row its script spans refer to (null: none).
 * - `ids`: the span ids, 8 bytes each, in the order of `spans` (what the idempotent insert and the
 *   rollup upsert probe, with instr, to skip spans already stored).
 * - `spans`: a JSON array of positional span arrays (see span-codec.ts), deflated (src/db/deflate.ts);
 *   plain JSON text in sets carried over from `pipeline_spans` by migration 0007.
 * The primary key serves every read: a trace's spans, the `script_id` probe of the trace list,
 * the erasure and cleanup deletes (by (started_at, trace_id)), the orphan walk (by started_at).
 */
export const pipelineSpanSets = sqliteTable(
  "pipeline_span_sets",
  {
    startedAt: integer("started_at").notNull(),
    traceId: text("trace_id").notNull(),
    part: integer("part").notNull(),
    heads: text("heads"),
    ids: blob("ids", { mode: "buffer" }).notNull(),
    spans: blob("spans").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.startedAt, t.traceId, t.part] }),
    check("pipeline_span_sets_ids", sql`length(${t.ids}) % 8 = 0 and length(${t.ids}) > 0`),
  ],
);

/**
 * `pipeline_span_heads`: what script spans have in common across traces — for each script of a
 * run its id, version, slot, name and run settings — stored once per distinct list and
 * referred to by key (a SHA-256 of the list) from the span sets. Only script metadata, never
 * user data (CLIENT span names and everything a run produced stay in the set). Kept: one row per
 * distinct script configuration (its primary key serves the set → heads lookup and the
 * `script_id` probe).
 */
export const pipelineSpanHeads = sqliteTable("pipeline_span_heads", {
  id: text("id").primaryKey(),
  /** JSON array of `[script_id, script_version, layer_index, parallel_index, name, on_error, instruction_budget]`. */
  heads: text("heads").notNull(),
  createdAt: integer("created_at").notNull().default(nowMs),
});

export type SpanKind = (typeof SPAN_KINDS)[number];

/**
 * One span as the engine builds it (src/engine/trace.ts) and the readers see it; packed into a
 * span set when stored.
 */
export interface SpanRow {
  id: string;
  traceId: string;
  /** Null or the trace's root span id: a child of the trigger's own span. */
  parentSpanId?: string | null;
  name: string;
  kind?: SpanKind;
  scriptId: string;
  scriptVersion?: number | null;
  layerIndex: number;
  parallelIndex: number;
  status: SpanStatus;
  statusMessage?: string | null;
  startedAt: number;
  endedAt: number;
  durationMs: number;
  /** The run's settings and the VM instructions it executed (0 when skipped; feeds the rollups). */
  onError?: OnErrorPolicy | null;
  instructionBudget?: number | null;
  instructions?: number | null;
  attributes?: string | null;
  createdAt?: number;
}

/** A span read back: every field present (null where unset). */
export type SpanReadRow = {
  [K in keyof SpanRow]-?: undefined extends SpanRow[K] ? Exclude<SpanRow[K], undefined> | null : SpanRow[K];
} & { kind: SpanKind; createdAt: number };

export const pipelineScripts = sqliteTable(
  "pipeline_scripts",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    description: text("description"),
    triggerEvent: text("trigger_event").notNull(),
    layerIndex: integer("layer_index").notNull(),
    parallelIndex: integer("parallel_index").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    onError: text("on_error", { enum: ON_ERROR_POLICIES }).notNull().default("continue"),
    instructionBudget: integer("instruction_budget").notNull().default(1_000_000),
    mode: text("mode", { enum: SCRIPT_MODES }).notNull().default("enforce"),
    currentVersion: integer("current_version").notNull(),
    createdAt: integer("created_at").notNull().default(nowMs),
    updatedAt: integer("updated_at").notNull().default(nowMs),
  },
  (t) => [
    check("pipeline_scripts_on_error", sql`${t.onError} in ('continue', 'block')`),
    check("pipeline_scripts_slot", sql`${t.layerIndex} >= 0 and ${t.parallelIndex} >= 0`),
    check("pipeline_scripts_budget", sql`${t.instructionBudget} > 0`),
    index("script_trigger_idx").on(t.triggerEvent, t.enabled, t.layerIndex, t.parallelIndex),
    uniqueIndex("script_enabled_slot_uq")
      .on(t.triggerEvent, t.layerIndex, t.parallelIndex)
      .where(sql`${t.enabled} = 1`),
  ],
);

export const pipelineScriptVersions = sqliteTable(
  "pipeline_script_versions",
  {
    scriptId: text("script_id")
      .notNull()
      .references(() => pipelineScripts.id),
    version: integer("version").notNull(),
    source: text("source").notNull(),
    sha256: text("sha256").notNull(),
    /**
     * The run settings in force when this version was made (a settings-only edit keeps the
     * version; a rollback restores these with the source).
     */
    onError: text("on_error", { enum: ON_ERROR_POLICIES }).notNull().default("continue"),
    instructionBudget: integer("instruction_budget").notNull().default(1_000_000),
    mode: text("mode", { enum: SCRIPT_MODES }).notNull().default("enforce"),
    /**
     * Network settings are part of a version (changing them makes a new one, so an old version
     * still says where it could reach). Hosts http.fetch may reach: a JSON array of `host` /
     * `*.domain` entries; `[]` = no network.
     */
    allowedHosts: text("allowed_hosts", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    /** Deadline of one run while it waits on I/O, in ms (1..30,000, checked by the API). */
    timeoutMs: integer("timeout_ms").notNull().default(3000),
    createdAt: integer("created_at").notNull().default(nowMs),
  },
  (t) => [
    primaryKey({ columns: [t.scriptId, t.version] }),
    check("pipeline_script_versions_version", sql`${t.version} >= 1`),
  ],
);

export const scriptSecrets = sqliteTable(
  "script_secrets",
  {
    scriptId: text("script_id")
      .notNull()
      .references(() => pipelineScripts.id),
    name: text("name").notNull(),
    /** Id of the key that encrypted this row (SECRETS_KEY_ID at write time), for rotation. */
    keyId: text("key_id").notNull(),
    /** Base64 of the 12-byte AES-GCM nonce and of ciphertext + tag; never the value. */
    iv: text("iv").notNull(),
    ciphertext: text("ciphertext").notNull(),
    createdAt: integer("created_at").notNull().default(nowMs),
    updatedAt: integer("updated_at").notNull().default(nowMs),
  },
  (t) => [primaryKey({ columns: [t.scriptId, t.name] }), index("script_secrets_key_idx").on(t.keyId)],
);

const counter = (name: string) => integer(name).notNull().default(0);
const buckets = (name: string) => text(name).notNull().default("{}");

export const pipelineRollups = sqliteTable(
  "pipeline_rollups",
  {
    /** Start of the minute, Unix ms. */
    minute: integer("minute").notNull(),
    triggerEvent: text("trigger_event").notNull(),
    /** The script's id; "" for the row of the trigger's calls themselves. */
    scriptId: text("script_id").notNull(),
    calls: counter("calls"),
    success: counter("success"),
    blocked: counter("blocked"),
    errors: counter("errors"),
    skipped: counter("skipped"),
    shadowRuns: counter("shadow_runs"),
    wouldBlock: counter("would_block"),
    wouldError: counter("would_error"),
    httpCalls: counter("http_calls"),
    durationMax: real("duration_max"),
    instructionsMax: integer("instructions_max"),
    httpMax: real("http_max"),
    /** Sparse log-bucket histograms, JSON `{ "<bucket>": count }` (src/stats/histogram.ts). */
    durationHist: buckets("duration_hist"),
    instructionsHist: buckets("instructions_hist"),
    httpHist: buckets("http_hist"),
  },
  // The key serves the window read (minute range) and the 400-day cleanup (minute < cutoff).
  (t) => [primaryKey({ columns: [t.minute, t.triggerEvent, t.scriptId] })],
);

export type TraceRow = typeof pipelineTraces.$inferInsert;
export type ScriptRow = typeof pipelineScripts.$inferSelect;
export type ScriptVersionRow = typeof pipelineScriptVersions.$inferSelect;

export const AUDIT_ACTIONS = [
  "script.create",
  "script.update",
  "script.disable",
  "script.rollback",
  "scripts.apply",
  "secret.put",
  "secret.delete",
  "secrets.reencrypt",
  "traces.cleanup",
  "user.erase",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/**
 * `audit_log`: one row per change to scripts, settings, secrets (names only), rollbacks,
 * cleanups and erasures: who (the token's name), what, when, the request id, and the versions
 * before and after. It never holds secret values or trace contents; an erased user appears only
 * as a SHA-256 of their id. Kept 400 days (the daily cron deletes older rows).
 */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: text("id").primaryKey(),
    at: integer("at").notNull(),
    actor: text("actor").notNull(),
    action: text("action", { enum: AUDIT_ACTIONS }).notNull(),
    targetType: text("target_type").notNull(),
    targetId: text("target_id"),
    requestId: text("request_id").notNull(),
    beforeVersion: integer("before_version"),
    afterVersion: integer("after_version"),
    /** Small JSON object: changed field names, counts, a secret's name. Never values of secrets. */
    details: text("details"),
  },
  (t) => [
    // GET /v1/audit (newest first, keyset on (at, id)) and the 400-day retention delete.
    index("audit_at_idx").on(t.at, t.id),
    // GET /v1/audit?target_id= (the history of one script).
    index("audit_target_at_idx").on(t.targetId, t.at, t.id),
    // GET /v1/audit?actor= (what one token did, e.g. during a rotation).
    index("audit_actor_at_idx").on(t.actor, t.at, t.id),
  ],
);

export type AuditRow = typeof auditLog.$inferSelect;
export type ScriptSecretRow = typeof scriptSecrets.$inferSelect;
