/**
 * ScriptEngine: the engine's front door. One per isolate (module scope in the worker): it owns
 * the Lua runtime and the compile cache, runs a trigger's scripts through the executor (the
 * scripts of a layer concurrently, each in its own Lua thread) and returns the answer plus the
 * trace rows to store. Pure: I/O only through the ports of the input (ports.ts).
 */

import { CompileCache, cacheKey } from "./compile-cache";
import { readReturn } from "./contract";
import { ScriptDriver, type TriggerRun } from "./driver";
import { HTTP_DEFAULTS, TriggerHttp } from "./http-call";
import { ConversionError, pushJsonView } from "./json-view";
import { contractLimits, readReturnLimits } from "./limits";
import { executePipeline } from "./pipeline";
import { offlinePorts } from "./ports";
import { Redactor } from "./redact";
import { type CompileResult, LuaRuntime } from "./runtime";
import { buildTrace } from "./trace";
import type {
  EngineOptions,
  JsonObject,
  PipelineResult,
  RunInput,
  RunOutput,
  ScriptRun,
  ScriptSpec,
  SourceCheck,
} from "./types";

/** Thrown by `run` for input the caller should reject (answer 400): e.g. a context too deep. */
export class EngineInputError extends Error {}

/** A compiled script: ok, or its compile error. */
export type CompiledScript = CompileResult;

const DEFAULT_MAX_FIELD_BYTES = 16 * 1024;
/** Outbound requests per trigger call: 50 Workers subrequests minus the script load, trace writes, a queue send. */
export const DEFAULT_MAX_FETCHES_PER_TRIGGER = 40;
export const DEFAULT_TRIGGER_DEADLINE_MS = 5000;

export class ScriptEngine {
  private readonly opts: Required<EngineOptions>;
  private readonly runtime: LuaRuntime;
  private readonly cache: CompileCache;
  private readonly driver: ScriptDriver;
  private emptySecretsRef = -1;

  constructor(opts: EngineOptions = {}) {
    this.opts = contractLimits(opts);
    this.runtime = new LuaRuntime({
      maxEntries: this.opts.maxLogEntries,
      maxBytes: this.opts.maxLogBytes,
      maxDepth: this.opts.maxDepth,
    });
    this.cache = new CompileCache(this.runtime, this.opts.cacheSize);
    this.driver = new ScriptDriver(this.runtime, this.opts);
  }

  /** Compiles a script once per (id, version) — or (id, source) for drafts — and caches it. */
  compile(spec: Pick<ScriptSpec, "id" | "version" | "source">): CompiledScript {
    if (spec.source.length > this.opts.maxSourceBytes) {
      return { ok: false, line: null, message: `source larger than ${this.opts.maxSourceBytes} bytes` };
    }
    return this.cache.get(cacheKey(spec.id, spec.version, spec.source), spec.source);
  }

  /** Compile-cache counters (compiles, hits, size). */
  stats() {
    return this.cache.stats();
  }

  /**
   * Runs a trigger's scripts and builds the trace. Calls of one isolate may interleave: every
   * run has its own thread, `_ENV`, budgets, meters and logs.
   * @throws EngineInputError when the context is not a JSON object within the depth limit.
   */
  async run(input: RunInput): Promise<RunOutput> {
    const ports = input.ports ?? offlinePorts;
    const startedAt = Date.now();
    const t0 = performance.now();
    const L = this.runtime.L;
    const { context } = input;
    if (typeof context !== "object" || context === null || Array.isArray(context)) {
      throw new EngineInputError("context must be a JSON object");
    }
    let ctxRef: number;
    try {
      pushJsonView(L, context, "ctx", this.opts.maxDepth);
      ctxRef = this.runtime.ref();
    } catch (err) {
      this.runtime.reset();
      if (err instanceof ConversionError) throw new EngineInputError(`context: ${err.message}`);
      throw err;
    }
    const deadlineMs = input.triggerDeadlineMs ?? DEFAULT_TRIGGER_DEADLINE_MS;
    const trigger: TriggerRun = {
      http: new TriggerHttp(
        ports.http,
        ports.clock,
        input.maxFetchesPerTrigger ?? DEFAULT_MAX_FETCHES_PER_TRIGGER,
        input.insecureHttpHosts ?? [],
        HTTP_DEFAULTS,
      ),
      deadlineAt: ports.clock.now() + deadlineMs,
      deadlineMs,
    };
    let prevRef = -1;
    let prevFor: JsonObject | null = null;
    const redactor = new Redactor(input.redactKeys ?? []).learnSecrets(context);
    const scriptSecrets = input.scripts.flatMap((s) => Object.values(s.secrets ?? {}));
    redactor.learnValues(scriptSecrets);
    try {
      const runScript = (spec: ScriptSpec, prev: JsonObject): Promise<ScriptRun> => {
        if (prev !== prevFor) {
          if (prevRef !== -1) this.runtime.release(prevRef);
          pushJsonView(L, prev, "prev", this.opts.maxDepth + 1);
          prevRef = this.runtime.ref();
          prevFor = prev;
        }
        return this.runOne(spec, ctxRef, prevRef, trigger);
      };
      const { result, records } = await executePipeline(input.scripts, runScript, input.extraErrors ?? []);
      if (scriptSecrets.length > 0) scrubAnswer(result, new Redactor().learnValues(scriptSecrets));
      const { trace, spans } = buildTrace({
        triggerEvent: input.triggerEvent,
        context,
        result,
        records,
        startedAt,
        durationMs: performance.now() - t0,
        userId: input.userId ?? null,
        requestIp: input.requestIp ?? null,
        redactor,
        maxFieldBytes: input.maxFieldBytes ?? DEFAULT_MAX_FIELD_BYTES,
      });
      return { result, trace, spans };
    } finally {
      this.runtime.release(ctxRef);
      if (prevRef !== -1) this.runtime.release(prevRef);
    }
  }

  private async runOne(spec: ScriptSpec, ctxRef: number, prevRef: number, trigger: TriggerRun) {
    const startedAt = Date.now();
    const t0 = performance.now();
    const compiled: CompileResult =
      spec.loadError !== undefined ? { ok: false, line: null, message: spec.loadError } : this.compile(spec);
    if (!compiled.ok) {
      const message = spec.loadError ?? `compile error: ${compiled.message}`;
      return {
        outcome: { kind: "error", message, line: compiled.line },
        output: null,
        instructions: 0,
        logs: [],
        logsDropped: 0,
        calls: [],
        startedAt,
        durationMs: performance.now() - t0,
      } satisfies ScriptRun;
    }
    const secretsRef = this.secretsView(spec);
    let ended: Awaited<ReturnType<ScriptDriver["drive"]>>;
    try {
      ended = await this.driver.drive(spec, compiled.ref, { ctxRef, prevRef, secretsRef }, trigger);
    } finally {
      if (secretsRef !== this.emptySecretsRef) this.runtime.release(secretsRef);
    }
    const { run, step, calls } = ended;
    let outcome: ScriptRun["outcome"];
    let output: ScriptRun["output"] = null;
    if (step.status === "ok") {
      ({ outcome, output } = readReturn(run.thread, 1, readReturnLimits(this.opts)));
    } else {
      outcome = { kind: "error", message: step.message, line: step.line };
    }
    this.runtime.finish(run, step.status === "ok");
    return {
      outcome,
      output,
      instructions: step.instructions,
      logs: run.logs,
      logsDropped: run.logsDropped,
      calls,
      startedAt,
      durationMs: Math.max(performance.now() - t0, ended.waitedMs),
    } satisfies ScriptRun;
  }

  /** A registry ref to this script's read-only `secrets` view (one shared empty view when it has none). */
  private secretsView(spec: ScriptSpec): number {
    const secrets = spec.secrets ?? {};
    if (Object.keys(secrets).length === 0) {
      if (this.emptySecretsRef === -1) {
        pushJsonView(this.runtime.L, {}, "secrets", 1);
        this.emptySecretsRef = this.runtime.ref();
      }
      return this.emptySecretsRef;
    }
    pushJsonView(this.runtime.L, secrets as JsonObject, "secrets", 1);
    return this.runtime.ref();
  }
}

/** Script secrets never reach the caller through a message either (errors, block reason). */
function scrubAnswer(result: PipelineResult, scrubber: Redactor): void {
  result.errors = result.errors.map((e) => ({ ...e, message: scrubber.scrub(e.message) }));
  if (result.blocked_by)
    result.blocked_by = { ...result.blocked_by, reason: scrubber.scrub(result.blocked_by.reason) };
}

let checker: LuaRuntime | null = null;

/**
 * Checks that a script compiles (for the scripts API, on save). Does not run it.
 * @example checkSource("local x = ") // { ok: false, line: 1, message: "unexpected symbol near <eof>" }
 */
export function checkSource(source: string, opts: Pick<EngineOptions, "maxSourceBytes"> = {}): SourceCheck {
  const max = opts.maxSourceBytes ?? contractLimits({}).maxSourceBytes;
  if (source.length > max) return { ok: false, line: null, message: `source larger than ${max} bytes` };
  checker ??= new LuaRuntime({ maxEntries: 0, maxBytes: 0, maxDepth: 1 });
  const result = checker.compile(source);
  if (!result.ok) return { ok: false, line: result.line, message: result.message };
  checker.release(result.ref);
  return { ok: true };
}
