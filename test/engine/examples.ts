/// <reference types="vite/client" />
// Loads examples/scripts (manifest + Lua sources) as ScriptSpecs, through Vite raw imports.

import manifestJson from "../../examples/scripts/manifest.json";
import type { ScriptSpec } from "../../src/engine";

const sources = import.meta.glob("../../examples/scripts/*.lua", {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

export const manifest = manifestJson;

/** The example pipeline as specs (id = file name without .lua, version 1). */
export function exampleScripts(): ScriptSpec[] {
  return manifest.scripts.map((m) => {
    const source = sources[`../../examples/scripts/${m.file}`];
    if (source === undefined) throw new Error(`missing ${m.file}`);
    return {
      id: m.file.replace(/\.lua$/, ""),
      name: m.name,
      version: 1,
      layerIndex: m.layer_index,
      parallelIndex: m.parallel_index,
      onError: m.on_error as ScriptSpec["onError"],
      instructionBudget: 1_000_000,
      source,
      ...("allowed_hosts" in m
        ? { allowedHosts: m.allowed_hosts as string[], timeoutMs: m.timeout_ms as number }
        : {}),
    };
  });
}
