/**
 * ScriptEngine: the engine's front door. One per isolate (module scope in the worker): it owns
 * the Lua runtime and the compile cache, runs a trigger's scripts through the executor and
 * returns the answer plus the trace rows to store. Pure: no I/O, no Hono, no drizzle.
 */

import { CompileCache, cacheKey } from "./compile-cache";
import { readReturn } from "./contract";
import { ConversionError, pushJsonView } from "./json-lua";
import { contractLimits, readReturnLimits } from "./limits";
import { executePipeline } from "./pipeline";
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

export class ScriptEngine {
  private readonly opts: Required<EngineOptions>;
  private readonly runtime: LuaRuntime;
  private readonly cache: CompileCache;
  private emptySecretsRef = -1;

  constructor(opts: EngineOptions = {}) {
    this.opts = contractLimits(opts);
    this.runtime = new LuaRuntime({
      maxEntries: this.opts.maxLogEntries,
      maxBytes: this.opts.maxLogBytes,
      maxDepth: this.opts.maxDepth,
    });
    this.cache = new CompileCache(this.runtime, this.opts.cacheSize);
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
   * Runs a trigger's scripts and builds the trace. Synchronous (fengari is).
   * @throws EngineInputError when the context is not a JSON object within the depth limit.
   */
  run(input: RunInput): RunOutput {
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
    let prevRef = -1;
    let prevFor: JsonObject | null = null;
    const redactor = new Redactor(input.redactKeys ?? []).learnSecrets(context);
    const scriptSecrets = input.scripts.flatMap((s) => Object.values(s.secrets ?? {}));
    redactor.learnValues(scriptSecrets);
    try {
      const runScript = (spec: ScriptSpec, prev: JsonObject): ScriptRun => {
        if (prev !== prevFor) {
          if (prevRef !== -1) this.runtime.release(prevRef);
          pushJsonView(L, prev, "prev", this.opts.maxDepth + 1);
          prevRef = this.runtime.ref();
          prevFor = prev;
        }
        return this.runOne(spec, ctxRef, prevRef);
      };
      const { result, records } = executePipeline(input.scripts, runScript, input.extraErrors ?? []);
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
      this.runtime.reset();
    }
  }

  private runOne(spec: ScriptSpec, ctxRef: number, prevRef: number): ScriptRun {
    const startedAt = Date.now();
    const t0 = performance.now();
    const done = (
      partial: Omit<ScriptRun, "startedAt" | "durationMs" | "logs" | "logsDropped">,
    ): ScriptRun => {
      const { logs, dropped } = this.runtime.takeLogs();
      return { ...partial, logs, logsDropped: dropped, startedAt, durationMs: performance.now() - t0 };
    };
    if (spec.loadError !== undefined) {
      return done({
        outcome: { kind: "error", message: spec.loadError, line: null },
        output: null,
        instructions: 0,
      });
    }
    const compiled = this.compile(spec);
    if (!compiled.ok) {
      const message = `compile error: ${compiled.message}`;
      return done({
        outcome: { kind: "error", message, line: compiled.line },
        output: null,
        instructions: 0,
      });
    }
    const secretsRef = this.secretsView(spec);
    let call: ReturnType<LuaRuntime["call"]>;
    try {
      call = this.runtime.call(
        compiled.ref,
        ctxRef,
        prevRef,
        { instructionBudget: spec.instructionBudget, memoryLimitBytes: this.opts.memoryLimitBytes },
        secretsRef,
      );
    } finally {
      if (secretsRef !== this.emptySecretsRef) this.runtime.release(secretsRef);
    }
    if (!call.ok) {
      return done({
        outcome: { kind: "error", message: call.message, line: call.line },
        output: null,
        instructions: call.instructions,
      });
    }
    const { outcome, output } = readReturn(this.runtime.L, 1, readReturnLimits(this.opts));
    this.runtime.reset();
    return done({ outcome, output, instructions: call.instructions });
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
