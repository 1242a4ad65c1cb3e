/**
 * From API bodies to script rows, shared by the scripts routes and the plan apply: the compile
 * check (422 naming the field), new-script rows, field changes and the new-source test.
 */
import type { z } from "@hono/zod-openapi";
import type * as repo from "../db/scripts-repo";
import { checkSource } from "../engine";
import { ApiError } from "../errors";
import { sha256Hex } from "../lib/hash";
import { randomHex } from "../lib/hex";
import type { CreateScriptBody, UpdateScriptFields } from "../schemas/scripts";

/** Refuses source that does not compile (422 naming `field`, with line and message). */
export function assertCompiles(source: string, field = "source"): void {
  const check = checkSource(source);
  if (!check.ok) {
    const where = check.line ? ` at line ${check.line}` : "";
    throw new ApiError("SCRIPT_COMPILE_ERROR", `Lua source does not compile${where}: ${check.message}`, {
      field,
      details: { line: check.line, message: check.message },
    });
  }
}

/** A new script (fresh id, version 1) from a create body whose source already compiled. */
export async function newScriptFrom(
  body: z.output<typeof CreateScriptBody>,
  now: number,
): Promise<repo.NewScript> {
  return {
    id: `scr_${randomHex(8)}`,
    name: body.name,
    description: body.description ?? null,
    triggerEvent: body.trigger_event,
    layerIndex: body.layer_index,
    parallelIndex: body.parallel_index,
    enabled: body.enabled,
    onError: body.on_error,
    instructionBudget: body.instruction_budget,
    mode: body.mode,
    source: body.source,
    sha256: await sha256Hex(body.source),
    now,
  };
}

/** The field changes of an update body (absent fields are left out, never set to undefined). */
export function changesFrom(body: z.output<typeof UpdateScriptFields>): repo.ScriptChanges {
  const changes: repo.ScriptChanges = {
    name: body.name,
    description: body.description,
    triggerEvent: body.trigger_event,
    layerIndex: body.layer_index,
    parallelIndex: body.parallel_index,
    enabled: body.enabled,
    onError: body.on_error,
    instructionBudget: body.instruction_budget,
    mode: body.mode,
  };
  for (const key of Object.keys(changes) as (keyof repo.ScriptChanges)[]) {
    if (changes[key] === undefined) delete changes[key];
  }
  return changes;
}

/** The new source of an update, or null when none is given or it equals the current one. */
export async function newSourceFor(
  currentSha256: string,
  source: string | undefined,
): Promise<{ source: string; sha256: string } | null> {
  if (source === undefined) return null;
  const sha256 = await sha256Hex(source);
  return sha256 === currentSha256 ? null : { source, sha256 };
}
