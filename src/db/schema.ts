/**
 * The Turso (libSQL) schema, in drizzle. One unit of time everywhere: Unix milliseconds.
 *
 * - `pipeline_traces`: one row per trigger call (an OpenTelemetry trace; id = 32 lowercase hex).
 * - `pipeline_spans`: one row per script run in that call (a span; id = 16 lowercase hex), and
 *   one CLIENT row per outbound HTTP call of a script (its parent is the script's span).
 *   Stored compact (src/engine/stored-trace.ts): the context once per trace, `prev` once per
 *   layer (`layer_prev`), no per-span input; `parent_span_id` is null when the parent is the
 *   trace's root span. The read functions in src/db rebuild every span's full input.
 * - `pipeline_scripts`: the Lua scripts, one row each, pointing at their current version.
 * - `pipeline_rollups`: per-minute stats per trigger and per script (src/stats/rollup.ts), kept
 *   400 days; upserted by every trace flush, read by `GET /v1/stats`. No user data.
 * - `pipeline_script_versions`: immutable versions (source, allowed_hosts, timeout_ms), so an old
 *   trace can show the code that ran and where it could reach; each also records the run
 *   settings in force when it was made (on_error, instruction_budget, mode), so a rollback can
 *   restore them.
 * - `script_secrets`: per-script secrets, AES-GCM ciphertext only (see src/secrets/crypto.ts).
 *
 * Indexes are named for the reads and the retention cleanup that use them (each serves one: the
 * list filters, the per-trace span read and script probe, the cleanup's expired-trace and
 * orphan-span walks); spans are deleted
 * explicitly before their traces (foreign keys are not enforced on every libSQL connection).
 */
import { sql } from "drizzle-orm";
import {
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
    index("trace_started_at_idx").on(t.startedAt, t.id),
    index("trace_trigger_started_idx").on(t.triggerEvent, t.startedAt, t.id),
    index("trace_status_started_idx").on(t.status, t.startedAt, t.id),
    index("trace_user_started_idx").on(t.userId, t.startedAt, t.id),
    index("trace_ip_started_idx").on(t.requestIp, t.startedAt, t.id),
  ],
);

export const pipelineSpans = sqliteTable(
  "pipeline_spans",
  {
    id: text("id").primaryKey(),
    traceId: text("trace_id")
      .notNull()
      .references(() => pipelineTraces.id, { onDelete: "cascade" }),
    parentSpanId: text("parent_span_id"),
    name: text("name").notNull(),
    kind: text("kind", { enum: SPAN_KINDS }).notNull().default("INTERNAL"),
    scriptId: text("script_id").notNull(),
    scriptVersion: integer("script_version"),
    layerIndex: integer("layer_index").notNull(),
    parallelIndex: integer("parallel_index").notNull(),
    status: text("status", { enum: SPAN_STATUSES }).notNull(),
    statusMessage: text("status_message"),
    startedAt: integer("started_at").notNull(),
    endedAt: integer("ended_at").notNull(),
    durationMs: real("duration_ms").notNull(),
    /** The run's settings and the VM instructions it executed (0 when skipped; feeds the rollups). */
    onError: text("on_error", { enum: ON_ERROR_POLICIES }),
    instructionBudget: integer("instruction_budget"),
    instructions: integer("instructions"),
    attributes: text("attributes"),
    createdAt: integer("created_at").notNull().default(nowMs),
  },
  (t) => [
    check(
      "pipeline_spans_id_hex",
      sql`length(${t.id}) = 16 and ${t.id} not glob '*[^0-9a-f]*' and ${t.id} != '0000000000000000'`,
    ),
    check("pipeline_spans_status", sql`${t.status} in ('success', 'blocked', 'error', 'skipped')`),
    check("pipeline_spans_kind", sql`${t.kind} in ('INTERNAL', 'SERVER', 'CLIENT')`),
    index("span_trace_order_idx").on(t.traceId, t.layerIndex, t.parallelIndex),
    index("span_started_at_idx").on(t.startedAt),
  ],
);

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
export type SpanRow = typeof pipelineSpans.$inferInsert;
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
