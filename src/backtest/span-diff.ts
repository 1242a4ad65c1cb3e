/**
 * Span-by-span comparison of two runs of a pipeline (pure): the recording and a replay, or two
 * recorded traces. Spans pair up by script id; each pair is `same`, `changed` (naming the
 * fields that differ), `added` (only in b) or `removed` (only in a). Order: layer, parallel.
 * CLIENT spans (one per http.fetch call, same script id as their parent) are left out.
 */
import { parseJsonColumn } from "../lib/json-column";

/** The span columns a diff reads (stored rows and fresh engine rows both have them). */
export interface DiffableSpan {
  scriptId: string;
  name: string;
  scriptVersion?: number | null;
  layerIndex: number;
  parallelIndex: number;
  status: string;
  statusMessage?: string | null;
  attributes?: string | null;
  kind?: string;
  /** A column on stored and fresh rows (read rows also repeat it in attributes). */
  instructions?: number | null;
}

export type DiffField = "version" | "status" | "output" | "instructions";

interface Side {
  version: number | null;
  status: string;
  status_message: string | null;
  output: unknown;
  instructions: number | null;
}

export interface SpanDiff {
  script_id: string;
  name: string;
  layer_index: number;
  parallel_index: number;
  change: "same" | "changed" | "added" | "removed";
  fields: DiffField[];
  a: Side | null;
  b: Side | null;
}

function sideOf(s: DiffableSpan): Side {
  const attrs = parseJsonColumn(s.attributes) as Record<string, unknown> | null;
  const instructions =
    s.instructions ?? (attrs && typeof attrs.instructions === "number" ? attrs.instructions : null);
  return {
    version: s.scriptVersion ?? null,
    status: s.status,
    status_message: s.statusMessage ?? null,
    output: attrs && "output" in attrs ? attrs.output : null,
    instructions,
  };
}

function differs(a: Side, b: Side, field: DiffField): boolean {
  if (field === "output") return JSON.stringify(a.output) !== JSON.stringify(b.output);
  if (field === "status") return a.status !== b.status || a.status_message !== b.status_message;
  return a[field] !== b[field];
}

/** Pairs the spans of a and b by script id and names what differs in `fields`. */
export function diffSpans(a: DiffableSpan[], b: DiffableSpan[], fields: DiffField[]): SpanDiff[] {
  const byId = new Map<string, { a?: DiffableSpan; b?: DiffableSpan }>();
  const runs = (spans: DiffableSpan[]) => spans.filter((s) => s.kind !== "CLIENT");
  for (const s of runs(a)) byId.set(s.scriptId, { a: s });
  for (const s of runs(b)) byId.set(s.scriptId, { ...byId.get(s.scriptId), b: s });
  const out: SpanDiff[] = [];
  for (const [scriptId, pair] of byId) {
    const where = (pair.b ?? pair.a) as DiffableSpan;
    const sa = pair.a ? sideOf(pair.a) : null;
    const sb = pair.b ? sideOf(pair.b) : null;
    const changed = sa && sb ? fields.filter((f) => differs(sa, sb, f)) : [];
    out.push({
      script_id: scriptId,
      name: where.name,
      layer_index: where.layerIndex,
      parallel_index: where.parallelIndex,
      change: !sa ? "added" : !sb ? "removed" : changed.length ? "changed" : "same",
      fields: changed,
      a: sa,
      b: sb,
    });
  }
  return out.sort((x, y) => x.layer_index - y.layer_index || x.parallel_index - y.parallel_index);
}

/** The first pair that is not `same` (in execution order), or null. */
export function firstDivergence(diffs: SpanDiff[]): SpanDiff | null {
  return diffs.find((d) => d.change !== "same") ?? null;
}

/** Groups diffs by layer index, ascending. */
export function byLayer(diffs: SpanDiff[]): { layer_index: number; spans: SpanDiff[] }[] {
  const layers = new Map<number, SpanDiff[]>();
  for (const d of diffs) layers.set(d.layer_index, [...(layers.get(d.layer_index) ?? []), d]);
  return [...layers].sort(([x], [y]) => x - y).map(([layer_index, spans]) => ({ layer_index, spans }));
}
