/**
 * Draft scripts (dry run, backtest, replay): checked and turned into engine specs, then laid
 * over the saved pipeline of an event — a draft with the id of a saved script replaces it, ids
 * in `disable` leave the pipeline, and disabled saved scripts never run.
 */
import type { Database } from "../db/client";
import { listScripts, type ScriptWithSource } from "../db/scripts-repo";
import { DEFAULT_SCRIPT_TIMEOUT_MS } from "../engine/driver";
import type { ScriptSpec } from "../engine/types";
import type { Config } from "../env";
import { ApiError } from "../errors";
import type { Logger } from "../lib/log";
import { assertCompiles } from "../routes/script-fields";
import type { DraftScriptInput } from "../schemas/triggers";
import { toSpec } from "./run-trigger";
import { specsWithSecrets } from "./script-secrets";

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

/**
 * The saved pipeline of `event` with `scripts` (drafts) laid over it and `disable` left out, as
 * engine specs with their secrets (saved scripts, and drafts standing in for one by id): what a
 * backtest or a replay runs.
 * @throws ApiError SCRIPT_COMPILE_ERROR for a draft, VALIDATION_FAILED for an unknown disable id
 */
export async function draftPipeline(
  vars: { db: Database; config: Config; logger: Logger },
  event: string,
  body: { scripts: DraftScriptInput[]; disable: string[] },
): Promise<ScriptSpec[]> {
  const saved = await listScripts(vars.db, event);
  const drafts = draftSpecs(body.scripts, "scripts", saved);
  checkDisable(saved, body.disable);
  return specsWithSecrets(vars.db, vars.config, pipelineWith(saved, drafts, body.disable), vars.logger);
}
