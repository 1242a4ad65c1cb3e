/**
 * The Lua pipeline engine's public API (pure: no I/O). See docs/scripts.md.
 */
export { EngineInputError, ScriptEngine, checkSource } from "./engine";
export type { CompiledScript } from "./engine";
export { ENGINE_DEFAULTS } from "./limits";
export { DEFAULT_REDACT_KEYS, REDACTED, Redactor } from "./redact";
export { deepMerge } from "./merge";
export { BUDGET_MESSAGE, MEMORY_MESSAGE } from "./runtime";
export type * from "./types";
