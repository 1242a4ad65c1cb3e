/**
 * The packed form of a trace's spans (pure: no I/O). One span set (`pipeline_span_sets`) holds:
 * - `ids`: the span ids (16 hex each) concatenated, in the order of `spans`;
 * - `heads`: what its script spans share with other traces, a list of
 *   `[script_id, script_version, layer_index, parallel_index, name, on_error, instruction_budget]`
 *   (stored once, in `pipeline_span_heads`, under a key);
 * - `spans`: a JSON array with one positional array per span:
 *   `[head, status, start, duration_ms, instructions, attributes, status_message, end_delta,
 *   parent, kind, name, created_delta]`, where `head` is an index into the heads or, for a span
 *   that matches none, the head itself (an array); `status` and `kind` are indexes into
 *   SPAN_STATUSES / SPAN_KINDS; `start` is ms after the trace's start; `end_delta` is `ended_at -
 *   started_at - round(duration_ms)` and `created_delta` is `created_at - started_at` (both 0 for
 *   every span the engine builds); `parent` is null for a child of the trace's root span;
 *   `attributes` is the parsed object when its JSON text is canonical, else the text itself.
 *   Trailing fields at their defaults (null / 0) are left out.
 * A span of another kind (CLIENT) that refers to a head takes from it only its script id,
 * version and slot, and carries its own `name` (a CLIENT name holds a host, possibly from user
 * data: it never goes into the shared heads). Every field reads back exactly as written.
 */
import { SPAN_KINDS, SPAN_STATUSES, type SpanReadRow, type SpanRow } from "./schema";

export type Head = [
  scriptId: string,
  scriptVersion: number | null,
  layerIndex: number,
  parallelIndex: number,
  name: string,
  onError: string | null,
  instructionBudget: number | null,
];

type Packed = unknown[];

/** What a set's spans are stored relative to. */
export interface SetBase {
  traceId: string;
  startedAt: number;
  rootSpanId: string;
}

export interface PackedSet {
  heads: Head[];
  /** The span ids concatenated (16 hex each). */
  ids: string;
  /** JSON text of the packed spans. */
  spans: string;
}

/** Defaults of the optional trailing fields 6..11 (left out when equal). */
const DEFAULTS: unknown[] = [null, 0, null, 0, null, 0];
const SPAN_ID = /^(?!0{16})[0-9a-f]{16}$/;

const headOf = (s: SpanRow): Head => [
  s.scriptId,
  s.scriptVersion ?? null,
  s.layerIndex,
  s.parallelIndex,
  s.name,
  s.onError ?? null,
  s.instructionBudget ?? null,
];
const slotKey = (h: readonly unknown[]) => JSON.stringify(h.slice(0, 4));

function code(list: readonly string[], value: string, what: string): number {
  const i = list.indexOf(value);
  if (i < 0) throw new Error(`span ${what} ${JSON.stringify(value)} is not one of ${list.join(", ")}`);
  return i;
}

/** Attributes as stored: the object when `JSON.stringify` gives the text back, else the text. */
function packAttributes(text: string | null | undefined): unknown {
  if (text === null || text === undefined) return null;
  try {
    const value: unknown = JSON.parse(text);
    if (
      value !== null &&
      typeof value === "object" &&
      !Array.isArray(value) &&
      JSON.stringify(value) === text
    )
      return value;
  } catch {
    // not JSON: kept as text
  }
  return text;
}

/**
 * Packs spans of one trace.
 * @throws when a span id is not 16 lowercase hex (not all zero), or a status or kind is unknown
 */
export function packSpans(base: SetBase, spans: readonly SpanRow[]): PackedSet {
  const heads: Head[] = [];
  const byHead = new Map<string, number>();
  const bySlot = new Map<string, number>();
  for (const s of spans) {
    if ((s.kind ?? "INTERNAL") !== "INTERNAL") continue;
    const head = headOf(s);
    const key = JSON.stringify(head);
    if (byHead.has(key)) continue;
    byHead.set(key, heads.length);
    if (!bySlot.has(slotKey(head))) bySlot.set(slotKey(head), heads.length);
    heads.push(head);
  }
  const packed = spans.map((s) => {
    if (!SPAN_ID.test(s.id)) throw new Error(`span id ${JSON.stringify(s.id)} is not 16 lowercase hex`);
    const kind = s.kind ?? "INTERNAL";
    const head = headOf(s);
    let ref: number | Head | undefined;
    let ownName: string | null = null;
    if (kind === "INTERNAL") ref = byHead.get(JSON.stringify(head));
    else if (head[5] === null && head[6] === null) {
      ref = bySlot.get(slotKey(head));
      if (ref !== undefined) ownName = s.name;
    }
    const parent = s.parentSpanId === base.rootSpanId ? null : (s.parentSpanId ?? null);
    const row: Packed = [
      ref ?? head,
      code(SPAN_STATUSES, s.status, "status"),
      s.startedAt - base.startedAt,
      s.durationMs,
      s.instructions ?? null,
      packAttributes(s.attributes),
      s.statusMessage ?? null,
      s.endedAt - s.startedAt - Math.round(s.durationMs),
      parent,
      code(SPAN_KINDS, kind, "kind"),
      ownName,
      (s.createdAt ?? s.startedAt) - s.startedAt,
    ];
    let n = row.length;
    while (n > 6 && row[n - 1] === DEFAULTS[n - 7]) n--;
    row.length = n;
    return row;
  });
  return { heads, ids: spans.map((s) => s.id).join(""), spans: JSON.stringify(packed) };
}

/**
 * Unpacks one stored set: the spans as stored (a child of the root span has a null parent; the
 * read functions turn it into the root span id and rebuild the input).
 * @throws when the set is malformed (ids and spans of different lengths, a head index with no heads)
 */
export function unpackSpans(
  base: Omit<SetBase, "rootSpanId">,
  heads: readonly Head[] | null,
  ids: string,
  spansJson: string,
): SpanReadRow[] {
  const packed = JSON.parse(spansJson) as Packed[];
  if (!Array.isArray(packed) || ids.length !== packed.length * 16)
    throw new Error(`span set of trace ${base.traceId}: ${packed.length} spans, ${ids.length / 16} ids`);
  return packed.map((p, i) => {
    const [ref, status, start, durationMs, instructions, attributes] = p;
    const at = (k: number) => (p.length > k ? p[k] : DEFAULTS[k - 6]);
    const head = (typeof ref === "number" ? heads?.[ref] : ref) as Head | undefined;
    if (!Array.isArray(head)) throw new Error(`span set of trace ${base.traceId}: span ${i} has no head`);
    const ownName = at(10) as string | null;
    const startedAt = base.startedAt + (start as number);
    return {
      id: ids.slice(i * 16, i * 16 + 16),
      traceId: base.traceId,
      parentSpanId: at(8) as string | null,
      name: ownName ?? head[4],
      kind: SPAN_KINDS[at(9) as number] ?? "INTERNAL",
      scriptId: head[0],
      scriptVersion: head[1],
      layerIndex: head[2],
      parallelIndex: head[3],
      status: SPAN_STATUSES[status as number] ?? "error",
      statusMessage: at(6) as string | null,
      startedAt,
      endedAt: startedAt + Math.round(durationMs as number) + (at(7) as number),
      durationMs: durationMs as number,
      onError: (ownName === null ? head[5] : null) as SpanReadRow["onError"],
      instructionBudget: ownName === null ? head[6] : null,
      instructions: instructions as number | null,
      attributes:
        attributes === null ? null : typeof attributes === "string" ? attributes : JSON.stringify(attributes),
      createdAt: startedAt + (at(11) as number),
    };
  });
}
