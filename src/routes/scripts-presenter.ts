/** Turns script rows into the API's snake_case shapes. */

import type { ScriptVersionRow } from "../db/schema";
import type { ScriptWithSource } from "../db/scripts-repo";

export function presentScript(s: ScriptWithSource) {
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    trigger_event: s.triggerEvent,
    layer_index: s.layerIndex,
    parallel_index: s.parallelIndex,
    enabled: s.enabled,
    on_error: s.onError,
    instruction_budget: s.instructionBudget,
    allowed_hosts: s.allowedHosts,
    timeout_ms: s.timeoutMs,
    mode: s.mode,
    current_version: s.currentVersion,
    source: s.source,
    sha256: s.sha256,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}

export function presentVersion(v: ScriptVersionRow, withSource: boolean) {
  return {
    script_id: v.scriptId,
    version: v.version,
    sha256: v.sha256,
    allowed_hosts: v.allowedHosts,
    timeout_ms: v.timeoutMs,
    on_error: v.onError,
    instruction_budget: v.instructionBudget,
    mode: v.mode,
    created_at: v.createdAt,
    ...(withSource ? { source: v.source } : {}),
  };
}
