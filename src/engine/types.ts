/**
 * Types shared by the Lua pipeline engine: JSON values, script specs, per-script outcomes,
 * the pipeline result and the engine's options. No runtime code lives here.
 */
import type { Decision, OnErrorPolicy, ScriptMode, SpanRow, TraceRow, TraceStatus } from "../db/schema";
import type { HttpCallRecord } from "./http-call";
import type { EnginePorts } from "./ports";

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** One script to run, as the trigger endpoint, the dry run or a replay loads it. */
export interface ScriptSpec {
  id: string;
  name: string;
  /** Saved version; null for a draft (then the compile cache keys by source). */
  version: number | null;
  layerIndex: number;
  parallelIndex: number;
  onError: OnErrorPolicy;
  /** VM instructions this script may execute per run (default 1,000,000 in the schema). */
  instructionBudget: number;
  /** `shadow`: runs and is recorded, but its block, data and errors never change the answer. */
  mode?: ScriptMode;
  source: string;
  /** This script's secrets, read in Lua as `secrets.NAME`; their values are scrubbed from what is stored. */
  secrets?: Readonly<Record<string, string>>;
  /** Set when the script cannot run as given (e.g. a secret did not decrypt): it ends as this error. */
  loadError?: string;
  /** Hosts `http.fetch` may reach (`api.example.com`, `*.example.com`); empty or absent: none. */
  allowedHosts?: readonly string[];
  /** Deadline of one run while it waits on I/O, in ms (default 3,000). */
  timeoutMs?: number;
}

/** What `checkSource` answers: ok, or the first compile error with its line. */
export type SourceCheck = { ok: true } | { ok: false; line: number | null; message: string };

/** An error listed in the result (a script's, or one the caller passes in). */
export interface PipelineError {
  script_id: string | null;
  name: string;
  message: string;
}

export interface BlockedBy {
  script_id: string;
  name: string;
  reason: string;
}

/** The answer to the auth service. `data` is never redacted (redaction is for storage). */
export interface PipelineResult {
  status: TraceStatus;
  decision: Decision;
  data: JsonObject;
  blocked_by: BlockedBy | null;
  errors: PipelineError[];
}

/** How one script run ended, before it becomes a span. */
export type ScriptOutcome =
  | { kind: "pass"; data: JsonObject | null }
  | { kind: "block"; data: JsonObject | null; reason: string }
  | { kind: "error"; message: string; line: number | null };

/** A finished script run: its outcome plus what the span records. */
export interface ScriptRun {
  outcome: ScriptOutcome;
  /** The raw value the script returned, as JSON (for the span's `output`), when convertible. */
  output: JsonValue | null;
  logs: JsonValue[][];
  logsDropped: number;
  instructions: number;
  startedAt: number;
  durationMs: number;
  /** Its http.fetch calls, each a CLIENT child span (at most maxCallsPerRun + 1 kept). */
  calls: HttpCallRecord[];
}

/** Limits and knobs of a ScriptEngine; every field has a default. */
export interface EngineOptions {
  /** Bytes a script run may allocate for strings, table entries and closures (16 MiB). */
  memoryLimitBytes?: number;
  /** Largest JSON a script may return (256 KiB), counted while converting. */
  maxOutputBytes?: number;
  /** Deepest nesting converted between JSON and Lua, either way (32). */
  maxDepth?: number;
  /** log() calls kept per script run (50) and their total JSON bytes (4 KiB). */
  maxLogEntries?: number;
  maxLogBytes?: number;
  /** Compiled scripts kept per engine, least recently used evicted first (500). */
  cacheSize?: number;
  /** Largest script source accepted (64 KiB). */
  maxSourceBytes?: number;
}

export interface RunInput {
  triggerEvent: string;
  context: JsonObject;
  scripts: ScriptSpec[];
  userId?: string | null;
  requestIp?: string | null;
  /** Extra key fragments to redact in what is stored (added to the defaults). */
  redactKeys?: string[];
  /** Cap per stored JSON field (16 KiB). */
  maxFieldBytes?: number;
  /** Errors found before the run (e.g. a script whose source could not be loaded). */
  extraErrors?: PipelineError[];
  /** I/O for scripts (ports.ts); absent: no network (every http.fetch fails), system clock. */
  ports?: EnginePorts;
  /** Hosts plain http:// may reach (ALLOW_INSECURE_HTTP_HOSTS). */
  insecureHttpHosts?: readonly string[];
  /** Outbound requests the whole call may make, redirect hops included (default 40). */
  maxFetchesPerTrigger?: number;
  /** Deadline of the whole call while scripts wait on I/O, in ms (default 5,000). */
  triggerDeadlineMs?: number;
}

export interface RunOutput {
  result: PipelineResult;
  trace: TraceRow;
  spans: SpanRow[];
}
