/**
 * The stored shape of a trace and its inverse. To keep a stored trace small, the context is
 * stored once per trace (`contextSnapshot`) and `prev` once per layer (`layerPrev`: layer index →
 * the data that layer's scripts saw); a span's stored attributes leave out its `input`, its
 * `script_version`, `on_error`, `instruction_budget` and `instructions` (span fields of their own)
 * and empty `logs` / zero `logs_dropped`. How spans are then packed into one row per trace is
 * src/db/span-codec.ts. `expandSpanAttributes` rebuilds the full attributes every reader shows
 * (read API, OTLP export, dry run): each span's `input` is `{ ctx, prev }` again. Pure: no I/O.
 */
import { parseJsonColumn } from "../lib/json-column";
import type { JsonObject, JsonValue } from "./types";

/** What a span's input is rebuilt from: the trace's stored JSON columns. */
export interface StoredInputs {
  contextSnapshot?: string | null;
  layerPrev?: string | null;
}

/** Parsed once per trace, shared by all its spans. */
export interface TraceInputs {
  ctx: unknown;
  prevByLayer: Record<string, unknown>;
}

/** Parses a trace's context and per-layer prev (absent or malformed prev: none). */
export function traceInputs(t: StoredInputs): TraceInputs {
  const prev = parseJsonColumn(t.layerPrev);
  return {
    ctx: parseJsonColumn(t.contextSnapshot),
    prevByLayer:
      prev !== null && typeof prev === "object" && !Array.isArray(prev) ? (prev as JsonObject) : {},
  };
}

/**
 * The full attributes JSON of a stored script span. Rows written before the compact shape (they
 * still carry `input`) pass through with only the defaults filled in; spans of other kinds (e.g.
 * CLIENT spans of outbound calls) pass through unchanged.
 */
export function expandSpanAttributes(
  attributes: string | null | undefined,
  span: {
    kind?: string | null;
    layerIndex: number;
    scriptVersion?: number | null;
    onError?: string | null;
    instructionBudget?: number | null;
    instructions?: number | null;
  },
  inputs: TraceInputs,
): string | null {
  if (span.kind && span.kind !== "INTERNAL") return attributes ?? null;
  const stored = parseJsonColumn(attributes);
  if (stored === null || typeof stored !== "object" || Array.isArray(stored)) return attributes ?? null;
  const a = stored as Record<string, unknown>;
  const { input, logs, logs_dropped, script_version, on_error, instruction_budget, instructions, ...rest } =
    a;
  const full: Record<string, unknown> = {
    script_version: script_version ?? span.scriptVersion ?? null,
    ...known("on_error", on_error ?? span.onError),
    ...known("instruction_budget", instruction_budget ?? span.instructionBudget),
    instructions: instructions ?? span.instructions ?? 0,
    input: input ?? { ctx: inputs.ctx, prev: inputs.prevByLayer[String(span.layerIndex)] ?? {} },
    ...rest,
    logs: logs ?? [],
    logs_dropped: logs_dropped ?? 0,
  };
  return JSON.stringify(full);
}

const known = (key: string, value: unknown) =>
  value === null || value === undefined ? {} : { [key]: value };

/** The per-layer prev of a run's records, keyed by layer index (first record of a layer wins). */
export function layerPrevOf(records: { spec: { layerIndex: number }; prev: JsonObject }[]): JsonObject {
  const out: JsonObject = {};
  for (const r of records) {
    const key = String(r.spec.layerIndex);
    if (!(key in out)) out[key] = r.prev as JsonValue;
  }
  return out;
}
