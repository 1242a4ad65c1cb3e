/**
 * Draft scripts (dry run, backtest, replay): checked and turned into engine specs, then laid
 * over the saved pipeline of an event — a draft with the id of a saved script replaces it, ids
 * in `disable` leave the pipeline, and disabled saved scripts never run.
 */
import type { ScriptWithSource } from "../db/scripts-repo";
import { DEFAULT_SCRIPT_TIMEOUT_MS } from "../engine/driver";
import type { ScriptSpec } from "../engine/types";
import { ApiError } from "../errors";
import { assertCompiles } from "../routes/script-fields";
import type { DraftScriptInput } from "../schemas/triggers";
import { toSpec } from "./run-trigger";

/**
 * Draft scripts as engine specs (version null: the compile cache keys them by source). A draft
 * with the id of one of `standIns` (saved scripts) keeps its allowed_hosts / timeout_ms unless it
 * gives its own; any other draft without them has no network and the default deadline.
 * @throws ApiError SCRIPT_COMPILE_ERROR (422) naming `<field>.<i>.source`
 */
export function draftSpecs(
  drafts: DraftScriptInput[],
  field = "scripts",
  standIns: readonly ScriptWithSource[] = [],
): ScriptSpec[] {
  const byId = new Map(standIns.map((s) => [s.id, s]));
  return drafts.map((d, i) => {
    assertCompiles(d.source, `${field}.${i}.source`);
    const saved = d.id ? byId.get(d.id) : undefined;
    return {
      id: d.id ?? `draft_${i}`,
      name: d.name,
      version: null,
      layerIndex: d.layer_index,
      parallelIndex: d.parallel_index,
      onError: d.on_error,
      instructionBudget: d.instruction_budget,
      mode: d.mode,
      source: d.source,
      allowedHosts: d.allowed_hosts ?? saved?.allowedHosts ?? [],
      timeoutMs: d.timeout_ms ?? saved?.timeoutMs ?? DEFAULT_SCRIPT_TIMEOUT_MS,
    };
  });
}

/** The enabled saved scripts minus the replaced and the disabled ones, plus the drafts. */
export function pipelineWith(
  saved: ScriptWithSource[],
  drafts: ScriptSpec[],
  disable: string[],
): ScriptSpec[] {
  const left = new Set([...drafts.map((d) => d.id), ...disable]);
  return [...saved.filter((s) => s.enabled && !left.has(s.id)).map(toSpec), ...drafts];
}

/** Refuses `disable` ids that name no script of the event (400 naming `disable.<i>`). */
export function checkDisable(saved: ScriptWithSource[], disable: string[]): void {
  const known = new Set(saved.map((s) => s.id));
  disable.forEach((id, i) => {
    if (!known.has(id))
      throw new ApiError("VALIDATION_FAILED", `No script ${id} in this trigger`, { field: `disable.${i}` });
  });
}
