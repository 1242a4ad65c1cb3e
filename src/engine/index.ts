/**
 * The Lua pipeline engine's public API (pure: no I/O). See docs/scripts.md.
 */

export type { CompiledScript } from "./engine";
export { checkSource, EngineInputError, ScriptEngine } from "./engine";
export { ENGINE_DEFAULTS } from "./limits";
export { deepMerge } from "./merge";
export { DEFAULT_REDACT_KEYS, REDACTED, Redactor } from "./redact";
export { BUDGET_MESSAGE, MEMORY_MESSAGE } from "./runtime";
export type * from "./types";
