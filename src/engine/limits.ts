/**
 * Engine defaults, in one place (documented in docs/scripts.md).
 */
import type { ToJsonLimits } from "./json-lua";
import type { EngineOptions } from "./types";

export const ENGINE_DEFAULTS: Required<EngineOptions> = {
  memoryLimitBytes: 16 * 1024 * 1024,
  maxOutputBytes: 256 * 1024,
  maxDepth: 32,
  maxLogEntries: 50,
  maxLogBytes: 4 * 1024,
  cacheSize: 500,
  maxSourceBytes: 64 * 1024,
};

/** Options with every default filled in. */
export function contractLimits(opts: EngineOptions): Required<EngineOptions> {
  const out = { ...ENGINE_DEFAULTS };
  for (const [k, v] of Object.entries(opts)) if (v !== undefined) (out as Record<string, number>)[k] = v;
  return out;
}

/** Conversion limits for a script's return value. */
export function readReturnLimits(opts: Required<EngineOptions>): ToJsonLimits {
  return { maxDepth: opts.maxDepth + 2, maxBytes: opts.maxOutputBytes };
}
