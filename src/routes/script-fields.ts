/**
 * From API bodies to script rows, shared by the scripts routes and the plan apply: the compile
 * check (422 naming the field), new-script rows, field changes and the new-version test (a new
 * source, allowed_hosts or timeout_ms makes a new version).
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
    allowedHosts: body.allowed_hosts,
    timeoutMs: body.timeout_ms,
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

/** A new version's content and the API names of what differs from the current one. */
export interface NewVersion {
  content: repo.VersionContent;
  changed: ("source" | "allowed_hosts" | "timeout_ms")[];
}

/**
 * The version an update makes, or null when it gives no source, allowed_hosts or timeout_ms that
 * differ from the current version (or the script is unknown: the caller answers 404).
 */
export async function newVersionFor(
  current: repo.VersionContent | undefined,
  body: Pick<z.output<typeof UpdateScriptFields>, "source" | "allowed_hosts" | "timeout_ms">,
): Promise<NewVersion | null> {
  if (!current) return null;
  const sha256 = body.source === undefined ? current.sha256 : await sha256Hex(body.source);
  const content: repo.VersionContent = {
    source: body.source ?? current.source,
    sha256,
    allowedHosts: body.allowed_hosts ?? current.allowedHosts,
    timeoutMs: body.timeout_ms ?? current.timeoutMs,
  };
  const changed: NewVersion["changed"] = [];
  if (sha256 !== current.sha256) changed.push("source");
  if (JSON.stringify(content.allowedHosts) !== JSON.stringify(current.allowedHosts))
    changed.push("allowed_hosts");
  if (content.timeoutMs !== current.timeoutMs) changed.push("timeout_ms");
  return changed.length ? { content, changed } : null;
}
