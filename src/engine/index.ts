/**
 * The Lua pipeline engine's public API (pure: I/O only through the ports handed in). See
 * docs/scripts.md.
 */

export { DEFAULT_SCRIPT_TIMEOUT_MS } from "./driver";
export type { EgressCheck, EgressPolicy } from "./egress";
export { checkUrl, displayUrl, isHostPattern } from "./egress";
export type { CompiledScript } from "./engine";
export {
  checkSource,
  DEFAULT_MAX_FETCHES_PER_TRIGGER,
  DEFAULT_TRIGGER_DEADLINE_MS,
  EngineInputError,
  ScriptEngine,
} from "./engine";
export type { HttpCallRecord, HttpLimits } from "./http-call";
export { HTTP_DEFAULTS } from "./http-call";
export { ENGINE_DEFAULTS } from "./limits";
export { deepMerge } from "./merge";
export type * from "./ports";
export { HTTP_METHODS, offlinePorts, PortError, systemClock } from "./ports";
export { DEFAULT_REDACT_KEYS, REDACTED, Redactor } from "./redact";
export { BUDGET_MESSAGE, MEMORY_MESSAGE } from "./runtime";
export type * from "./types";
