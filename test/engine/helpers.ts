// Shared helpers for the engine tests: spec builders and one-script runs.

import type { EngineOptions, JsonObject, RunOutput, ScriptSpec } from "../../src/engine";
import { ScriptEngine } from "../../src/engine";
import { expandSpanAttributes, traceInputs } from "../../src/engine/stored-trace";

let seq = 0;

/** A script spec with sensible defaults (unique id, version 1, layer 0, fail-open). */
export function spec(source: string, over: Partial<ScriptSpec> = {}): ScriptSpec {
  seq++;
  return {
    id: `s${seq}`,
    name: `script ${seq}`,
    version: 1,
    layerIndex: 0,
    parallelIndex: 0,
    onError: "continue",
    instructionBudget: 1_000_000,
    source,
    ...over,
  };
}

export const shared = new ScriptEngine();

/** Runs one script on the shared engine (or `engine`) and returns the run plus its span. */
export async function runOne(
  source: string,
  context: JsonObject = {},
  engine = shared,
  over: Partial<ScriptSpec> = {},
) {
  const out = await engine.run({ triggerEvent: "before_signin", context, scripts: [spec(source, over)] });
  const span = out.spans[0];
  if (!span) throw new Error("no span");
  // The attributes as every reader shows them (input rebuilt from the trace; see stored-trace.ts).
  const attrs = JSON.parse(expandSpanAttributes(span.attributes, span, traceInputs(out.trace)) as string);
  return { ...out, span, attrs };
}

/** The error message of a single-script run ("" when it did not fail). */
export async function errorOf(source: string, context: JsonObject = {}, engine = shared): Promise<string> {
  const { result } = await runOne(source, context, engine);
  return result.errors[0]?.message ?? "";
}

/** The merged data of a single-script run (throws if it failed). */
export async function dataOf(source: string, context: JsonObject = {}): Promise<JsonObject> {
  const { result } = await runOne(source, context);
  if (result.errors.length) throw new Error(result.errors[0]?.message);
  return result.data;
}

export function newEngine(opts: EngineOptions = {}) {
  return new ScriptEngine(opts);
}

export type { RunOutput };
