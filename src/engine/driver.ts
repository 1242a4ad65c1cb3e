/**
 * Drives one script run on its Lua thread: resume, and whenever it yields on `http.fetch`,
 * await the call (or the run's deadline: the script's `timeoutMs` or the trigger's deadline,
 * whichever is first), then resume with the answer. A run still waiting at its deadline ends as
 * an error ("timed out …") and its call is aborted. Runs of a layer are driven concurrently by
 * the executor; nothing here blocks the others.
 */
import type { LuaState } from "fengari";
import { type EgressPolicy, parseUrl } from "./egress";
import { type HttpCallRecord, newRecord, precheck, sendFetch, type TriggerHttp } from "./http-call";
import { pushFetchResponse, raiseText, readFetchArgs } from "./lua-http";
import type { Deliver, EnvParts, LuaRun, LuaRuntime, RunIo, StepResult } from "./runtime";
import type { EngineOptions, ScriptSpec } from "./types";

/** What one trigger call shares among its runs. */
export interface TriggerRun {
  http: TriggerHttp;
  /** Clock time after which no run waits any longer. */
  deadlineAt: number;
  deadlineMs: number;
}

export interface DrivenRun {
  run: LuaRun;
  step: Exclude<StepResult, { status: "yield" }>;
  calls: HttpCallRecord[];
  /** Clock time from start to end when the run waited on I/O (else 0). */
  waitedMs: number;
}

export const DEFAULT_SCRIPT_TIMEOUT_MS = 3000;
const TIMEOUT = Symbol("timeout");

export class ScriptDriver {
  constructor(
    private readonly runtime: LuaRuntime,
    private readonly opts: Required<EngineOptions>,
  ) {}

  async drive(spec: ScriptSpec, ref: number, env: EnvParts, trigger: TriggerRun): Promise<DrivenRun> {
    const { clock } = trigger.http;
    const io = new RunFetches(this.opts.maxDepth, spec, trigger);
    const { calls, inflight } = io;
    const run = this.runtime.start(
      ref,
      env,
      { instructionBudget: spec.instructionBudget, memoryLimitBytes: this.opts.memoryLimitBytes },
      io,
    );
    const startedAt = clock.now();
    let step = this.runtime.resume(run);
    if (step.status !== "yield") return { run, step, calls, waitedMs: 0 };
    const timeoutMs = spec.timeoutMs ?? DEFAULT_SCRIPT_TIMEOUT_MS;
    const scriptDeadline = startedAt + timeoutMs;
    const byScript = scriptDeadline <= trigger.deadlineAt;
    const deadlineAt = Math.min(scriptDeadline, trigger.deadlineAt);
    while (step.status === "yield") {
      const next = await this.within(run.pending as Promise<Deliver>, deadlineAt, trigger);
      run.pending = null;
      if (next === TIMEOUT) {
        const why = byScript
          ? `timed out: the script's timeout_ms (${timeoutMs}) passed while it waited on http.fetch`
          : `timed out: the trigger deadline (${trigger.deadlineMs} ms) passed while it waited on http.fetch`;
        const last = calls[calls.length - 1];
        if (last && last.error === null) {
          last.errorType = "deadline";
          last.error = why;
          last.durationMs = Math.max(0, clock.now() - last.startedAt);
        }
        for (const stop of inflight) stop();
        return {
          run,
          step: { status: "error", instructions: run.instructions(), line: null, message: why },
          calls,
          waitedMs: clock.now() - startedAt,
        };
      }
      run.delivered = next;
      step = this.runtime.resume(run);
    }
    return { run, step, calls, waitedMs: clock.now() - startedAt };
  }

  private async within(
    pending: Promise<Deliver>,
    deadlineAt: number,
    trigger: TriggerRun,
  ): Promise<Deliver | typeof TIMEOUT> {
    const { clock } = trigger.http;
    const timer = clock.timer(deadlineAt - clock.now());
    try {
      return await Promise.race([pending, timer.done.then((): typeof TIMEOUT => TIMEOUT)]);
    } finally {
      timer.cancel();
    }
  }
}

/** One run's `http.fetch` calls: its records, its policy, and the stops of calls in flight. */
class RunFetches implements RunIo {
  readonly calls: HttpCallRecord[] = [];
  /** Stops the run's call in flight (called at its deadline). */
  readonly inflight = new Set<() => void>();
  private readonly policy: EgressPolicy;
  private count = 0;

  constructor(
    private readonly maxDepth: number,
    spec: ScriptSpec,
    private readonly trigger: TriggerRun,
  ) {
    this.policy = { allowedHosts: spec.allowedHosts ?? [], insecureHosts: trigger.http.insecureHosts };
  }

  /** Inside the run's thread: reads the arguments, checks, starts the call (or raises). */
  fetch(L: LuaState): Promise<Deliver> {
    const { http } = this.trigger;
    const { maxDepth, calls, policy } = this;
    this.count++;
    const req = readFetchArgs(L, http.limits, maxDepth);
    const parsed = parseUrl(req.url); // once for the record, the policy and the send
    const rec = newRecord(req, http.clock.now(), parsed);
    if (calls.length <= http.limits.maxCallsPerRun) calls.push(rec);
    const refused = precheck(req, rec, this.count, policy, http, parsed);
    if (refused !== null) raiseText(L, refused);
    return sendFetch(req, rec, policy, http, this.inflight, parsed).then(
      (answer): Deliver =>
        answer.ok
          ? (T) => {
              pushFetchResponse(T, answer.response, maxDepth);
              return 1;
            }
          : (T) => raiseText(T, answer.message),
    );
  }
}
