/**
 * The trigger path between the HTTP edge and the engine: pick the scripts (cached), run them,
 * apply FAIL_MODE when no scripts could be loaded at all, and hand the finished trace to the
 * writer inside waitUntil. The database is never on the answer's path once the cache is warm.
 */
import type { ScriptWithSource } from "../db/scripts-repo";
import { EngineInputError, type EnginePorts, ScriptEngine, systemClock } from "../engine";
import type { JsonObject, PipelineError, RunOutput, ScriptSpec } from "../engine/types";
import type { Config } from "../env";
import { ApiError } from "../errors";
import { rootMessage } from "../lib/db-errors";
import { getTraceWriter } from "../tracing/registry";
import { workerHttpPort } from "./http-port";
import type { WithSecrets } from "./script-secrets";
import { type CachedScript, getScriptCache } from "./script-source";
import { shouldStoreTrace } from "./trigger-input";

/** One engine per isolate: it holds the compiled chunks, reused by every request. */
let engine: ScriptEngine | null = null;

/** This isolate's engine. */
export function getEngine(): ScriptEngine {
  engine ??= new ScriptEngine();
  return engine;
}

/** A stored script as the engine runs it (with its secrets, when loaded with them). */
export function toSpec(s: ScriptWithSource & WithSecrets): ScriptSpec {
  return {
    ...(s.secrets ? { secrets: s.secrets } : {}),
    ...(s.secretsError ? { loadError: s.secretsError } : {}),
    id: s.id,
    name: s.name,
    version: s.currentVersion,
    layerIndex: s.layerIndex,
    parallelIndex: s.parallelIndex,
    onError: s.onError,
    instructionBudget: s.instructionBudget,
    mode: s.mode,
    source: s.source,
    allowedHosts: s.allowedHosts,
    timeoutMs: s.timeoutMs,
  };
}

/** Engine specs of a cached script list, made once per list (the engine copies, never mutates them). */
const specsCache = new WeakMap<readonly CachedScript[], ScriptSpec[]>();

function specsOf(scripts: readonly CachedScript[]): ScriptSpec[] {
  let specs = specsCache.get(scripts);
  if (!specs) {
    specs = scripts.map(toSpec);
    specsCache.set(scripts, specs);
  }
  return specs;
}

/** The ports of a live run: the worker's fetch and the system clock. */
export const LIVE_PORTS: EnginePorts = { http: workerHttpPort, clock: systemClock };

export interface TriggerCall {
  event: string;
  context: JsonObject;
  userId: string | null;
  requestIp: string | null;
}

/**
 * Runs scripts through the engine with the configured redaction and field cap.
 * @throws ApiError VALIDATION_FAILED (field `context`) when the context cannot be given to Lua
 */
export async function runScripts(
  config: Config,
  call: TriggerCall,
  scripts: ScriptSpec[],
  extraErrors: PipelineError[] = [],
  ports: EnginePorts = LIVE_PORTS,
): Promise<RunOutput> {
  try {
    return await runEngine(config, call, scripts, extraErrors, ports);
  } catch (err) {
    if (err instanceof EngineInputError)
      throw new ApiError("VALIDATION_FAILED", err.message, { field: "context" });
    throw err;
  }
}

function runEngine(
  config: Config,
  call: TriggerCall,
  scripts: ScriptSpec[],
  extraErrors: PipelineError[],
  ports: EnginePorts,
): Promise<RunOutput> {
  return getEngine().run({
    triggerEvent: call.event,
    context: call.context,
    scripts,
    userId: call.userId,
    requestIp: call.requestIp,
    redactKeys: config.REDACT_KEYS,
    maxFieldBytes: config.TRACE_MAX_FIELD_BYTES,
    extraErrors,
    ports,
    insecureHttpHosts: config.ALLOW_INSECURE_HTTP_HOSTS,
    triggerDeadlineMs: config.TRIGGER_DEADLINE_MS,
    maxFetchesPerTrigger: config.TRIGGER_MAX_FETCHES,
  });
}

/**
 * Runs a trigger call end to end. If the scripts cannot be loaded (a cold isolate while the
 * database is down), answers per FAIL_MODE: `closed` → status error, decision block;
 * `open` → status error, decision allow; either way the reason is in `errors`.
 */
export async function runTrigger(
  config: Config,
  call: TriggerCall,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<RunOutput> {
  let scripts: CachedScript[] | null = null;
  let loadError: unknown = null;
  try {
    scripts = await getScriptCache(config).scriptsFor(
      call.event,
      config.SCRIPT_CACHE_TTL_S * 1000,
      waitUntil,
    );
  } catch (err) {
    loadError = err;
  }
  let output: RunOutput;
  if (scripts) {
    output = await runScripts(config, call, specsOf(scripts));
  } else {
    const reason = `scripts could not be loaded (${rootMessage(loadError)}); FAIL_MODE=${config.FAIL_MODE}`;
    output = await runScripts(config, call, [], [{ script_id: null, name: "hookline", message: reason }]);
    const decision = config.FAIL_MODE === "open" ? "allow" : "block";
    output.result = { ...output.result, status: "error", decision };
    output.trace = { ...output.trace, status: "error", decision, statusMessage: reason };
  }
  if (shouldStoreTrace(output.result.status, config)) {
    waitUntil(getTraceWriter(config).enqueue({ trace: output.trace, spans: output.spans }));
  }
  return output;
}
