/**
 * The executor: runs scripts layer by layer and decides allow/block (decision table in
 * docs/scripts.md). Lua-free: it takes a `runScript` callback, so it is tested with fakes too.
 *
 * - Layers run in ascending `layerIndex`. The scripts of a layer are all started at once and run
 *   concurrently (a script waiting on I/O lets the others run); the layer ends when all have.
 * - Results are taken in ascending `parallelIndex` whatever the finishing order.
 * - Every script of a layer sees the same `prev` (the data merged from earlier layers); their
 *   `data` deep-merge in order (see merge.ts).
 * - A block, or an error of an `onError: "block"` script, lets the rest of its layer run;
 *   every later layer is skipped.
 * - Precedence: a block beats a fail-closed error (status "blocked"; the error is still listed).
 * - A `shadow` script runs like the others (same prev, same limits) but never changes the
 *   answer: its span is "success" and `shadow` says what it would have done (pass, block, error).
 */
import type { SpanStatus } from "../db/schema";
import { deepMerge } from "./merge";
import type { BlockedBy, JsonObject, PipelineError, PipelineResult, ScriptRun, ScriptSpec } from "./types";

/** One script's place in the run: what it saw and how it ended (run is null when skipped). */
export interface ScriptRecord {
  spec: ScriptSpec;
  status: SpanStatus;
  statusMessage: string | null;
  prev: JsonObject;
  run: ScriptRun | null;
  /** Set for skipped scripts (ms). */
  skippedAt: number | null;
  /** For a shadow script that ran: what it would have done (never enforced). */
  shadow?: ShadowOutcome;
}

/** What a shadow script would have done; `message` is the block reason or the error. */
export interface ShadowOutcome {
  outcome: "pass" | "block" | "error";
  message: string | null;
}

/** The span status message of a shadow run. */
function shadowMessage(s: ShadowOutcome): string {
  if (s.outcome === "block") return `shadow: would block: ${s.message}`;
  if (s.outcome === "error") return `shadow: would error: ${s.message}`;
  return "shadow: would pass";
}

/** Records a shadow script's run without touching the answer. */
function shadowRecord(spec: ScriptSpec, prev: JsonObject, run: ScriptRun): ScriptRecord {
  const { outcome } = run;
  const shadow: ShadowOutcome =
    outcome.kind === "error"
      ? { outcome: "error", message: errorMessage(outcome.message, outcome.line) }
      : outcome.kind === "block"
        ? { outcome: "block", message: outcome.reason }
        : { outcome: "pass", message: null };
  return {
    spec,
    status: "success",
    statusMessage: shadowMessage(shadow),
    prev,
    run,
    skippedAt: null,
    shadow,
  };
}

export type RunScript = (spec: ScriptSpec, prev: JsonObject) => Promise<ScriptRun>;

/** Formats a script error as stored and answered: `line 3: message` or `message`. */
export function errorMessage(message: string, line: number | null): string {
  return line === null ? message : `line ${line}: ${message}`;
}

/** Groups scripts into layers, each ordered by parallel index (input order breaks ties). */
export function groupLayers(scripts: ScriptSpec[]): ScriptSpec[][] {
  const sorted = [...scripts].sort(
    (a, b) => a.layerIndex - b.layerIndex || a.parallelIndex - b.parallelIndex,
  );
  const layers: ScriptSpec[][] = [];
  for (const spec of sorted) {
    const last = layers[layers.length - 1];
    if (last && (last[0] as ScriptSpec).layerIndex === spec.layerIndex) last.push(spec);
    else layers.push([spec]);
  }
  return layers;
}

/**
 * Runs the pipeline.
 * @param extraErrors errors found before the run; listed first, they never change the decision.
 */
export async function executePipeline(
  scripts: ScriptSpec[],
  runScript: RunScript,
  extraErrors: PipelineError[] = [],
  now: () => number = Date.now,
): Promise<{ result: PipelineResult; records: ScriptRecord[] }> {
  const records: ScriptRecord[] = [];
  const errors: PipelineError[] = [...extraErrors];
  let data: JsonObject = {};
  let blockedBy: BlockedBy | null = null;
  let failClosed: PipelineError | null = null;
  let stopReason: string | null = null;

  for (const layer of groupLayers(scripts)) {
    if (stopReason !== null) {
      for (const spec of layer) {
        records.push({
          spec,
          status: "skipped",
          statusMessage: stopReason,
          prev: data,
          run: null,
          skippedAt: now(),
        });
      }
      continue;
    }
    const prev = data;
    let next = prev;
    const runs = await Promise.all(layer.map((spec) => runScript(spec, prev)));
    for (let i = 0; i < layer.length; i++) {
      const spec = layer[i] as ScriptSpec;
      const run = runs[i] as ScriptRun;
      if (spec.mode === "shadow") {
        records.push(shadowRecord(spec, prev, run));
        continue;
      }
      const { outcome } = run;
      if (outcome.kind === "error") {
        const error = {
          script_id: spec.id,
          name: spec.name,
          message: errorMessage(outcome.message, outcome.line),
        };
        errors.push(error);
        if (spec.onError === "block") failClosed ??= error;
        records.push({ spec, status: "error", statusMessage: error.message, prev, run, skippedAt: null });
        continue;
      }
      if (outcome.data) next = deepMerge(next, outcome.data);
      if (outcome.kind === "block") {
        blockedBy ??= { script_id: spec.id, name: spec.name, reason: outcome.reason };
        records.push({ spec, status: "blocked", statusMessage: outcome.reason, prev, run, skippedAt: null });
      } else {
        records.push({ spec, status: "success", statusMessage: null, prev, run, skippedAt: null });
      }
    }
    data = next;
    if (blockedBy) stopReason = `skipped: blocked by ${blockedBy.name}`;
    else if (failClosed) stopReason = `skipped: fail-closed error in ${failClosed.name}`;
  }

  const status = blockedBy ? "blocked" : failClosed ? "error" : "success";
  const result: PipelineResult = {
    status,
    decision: status === "success" ? "allow" : "block",
    data,
    blocked_by: blockedBy,
    errors,
  };
  return { result, records };
}
