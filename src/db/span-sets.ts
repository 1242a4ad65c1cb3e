/**
 * Span sets in the database (`pipeline_span_sets` + `pipeline_span_heads`; the packed form is in
 * span-codec.ts):
 * - `spanSetWrites`: the two statements a trace flush adds to its batch. The heads insert is a
 *   no-op (no row written) when the same script list is stored already. The set insert writes one
 *   row per trace unless every span id of it is stored already (a redelivery), so a trace whose
 *   spans arrive split over deliveries gets a further set (`part` + 1) holding what it brings.
 * The packed spans are stored deflated (deflate.ts): a set is a few hundred bytes.
 * - `readSpanSets`: the spans of some traces, by primary key (started_at, trace_id), each span
 *   id once, in (layer_index, parallel_index, started_at) order.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Database } from "./client";
import { deflateText, storedText, toHex } from "./deflate";
import type { SpanReadRow, SpanRow, TraceRow } from "./schema";
import { type Head, packSpans, unpackSpans } from "./span-codec";

/** The same script list hashes to the same key; a few hundred lists at most per isolate. */
const keyCache = new Map<string, string>();
const KEY_CACHE_MAX = 256;

/** The heads key: base64url of the first 16 bytes of the list's SHA-256 (22 characters). */
async function headsKey(json: string): Promise<string> {
  const cached = keyCache.get(json);
  if (cached) return cached;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(json)));
  const key = btoa(String.fromCharCode(...digest.subarray(0, 16)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
  if (keyCache.size >= KEY_CACHE_MAX) keyCache.clear();
  keyCache.set(json, key);
  return key;
}

/** One trace's spans of a flush: start, id, heads key, ids (hex), deflated packed spans (hex), id list. */
type SetPayload = [number, string, string | null, string, string, string[]];

/**
 * The statements that store the spans of a flush (null when it has none): heads first, then
 * the sets. Records of the same trace must be joined before (one set per trace per flush).
 * @throws when a span cannot be packed (see packSpans)
 */
export async function spanSetWrites(
  records: { trace: TraceRow; spans: SpanRow[] }[],
): Promise<{ heads: SQL | null; sets: SQL } | null> {
  const sets: SetPayload[] = [];
  const heads = new Map<string, string>();
  for (const { trace, spans } of records) {
    if (spans.length === 0) continue;
    const packed = packSpans(
      { traceId: trace.id, startedAt: trace.startedAt, rootSpanId: trace.rootSpanId },
      spans,
    );
    let key: string | null = null;
    if (packed.heads.length > 0) {
      const json = JSON.stringify(packed.heads);
      key = await headsKey(json);
      heads.set(key, json);
    }
    sets.push([
      trace.startedAt,
      trace.id,
      key,
      packed.ids,
      toHex(deflateText(packed.spans)),
      spans.map((s) => s.id),
    ]);
  }
  if (sets.length === 0) return null;
  const headRows = JSON.stringify([...heads]);
  return {
    heads:
      heads.size > 0
        ? sql`insert into pipeline_span_heads (id, heads) select j.value ->> 0, j.value ->> 1
            from json_each(${headRows}) j where true on conflict do nothing`
        : null,
    sets: sql`with r as materialized (select j.value ->> 0 as started_at, j.value ->> 1 as trace_id,
        j.value ->> 2 as heads, j.value ->> 3 as ids, j.value ->> 4 as spans, j.value -> 5 as span_ids
        from json_each(${JSON.stringify(sets)}) j)
      insert into pipeline_span_sets (started_at, trace_id, part, heads, ids, spans)
      select r.started_at, r.trace_id,
        (select count(*) from pipeline_span_sets x where x.started_at = r.started_at and x.trace_id = r.trace_id),
        r.heads, unhex(r.ids), unhex(r.spans)
      from r where exists (select 1 from json_each(r.span_ids) i where not exists (
        select 1 from pipeline_span_sets x where x.started_at = r.started_at and x.trace_id = r.trace_id
          and instr(x.ids, unhex(i.value)) > 0))
      on conflict do nothing`,
  };
}

export interface SetRow {
  trace_id: string;
  started_at: number;
  ids: string;
  /** Deflated packed spans (plain text in sets carried over by migration 0007). */
  spans: string | ArrayBuffer | Uint8Array;
  heads: string | null;
}

const selectSets = (where: SQL) =>
  sql`select s.trace_id, s.started_at, lower(hex(s.ids)) as ids, s.spans, h.heads
    from pipeline_span_sets s left join pipeline_span_heads h on h.id = s.heads
    where ${where}`;

/** The select of the stored sets of these traces (exported for the tests' EXPLAIN QUERY PLAN). */
export function spanSetSelect(traces: { id: string; startedAt: number }[]): SQL {
  const keys = sql.join(
    traces.map((t) => sql`(${t.startedAt}, ${t.id})`),
    sql`, `,
  );
  return selectSets(sql`(s.started_at, s.trace_id) in (values ${keys})`);
}

/** The select of one trace's sets by its id alone (its start read from the trace row). */
export const spanSetsOfTrace = (traceId: string): SQL =>
  selectSets(
    sql`s.started_at = (select started_at from pipeline_traces where id = ${traceId}) and s.trace_id = ${traceId}`,
  );

/** Spans in read order: by slot, then start; a span stored twice (overlapping parts) once. */
function ordered(spans: SpanReadRow[]): SpanReadRow[] {
  const seen = new Set<string>();
  const once = spans.filter((s) => !seen.has(s.id) && seen.add(s.id));
  return once.sort(
    (a, b) => a.layerIndex - b.layerIndex || a.parallelIndex - b.parallelIndex || a.startedAt - b.startedAt,
  );
}

/** Decodes selected set rows into each trace's stored spans (traces without sets: []). */
export function spansFromSetRows(traceIds: string[], rows: SetRow[]): Map<string, SpanReadRow[]> {
  const byTrace = new Map<string, SpanReadRow[]>(traceIds.map((id) => [id, []]));
  for (const r of rows) {
    const heads = r.heads === null ? null : (JSON.parse(r.heads) as Head[]);
    const base = { traceId: r.trace_id, startedAt: Number(r.started_at) };
    byTrace.get(r.trace_id)?.push(...unpackSpans(base, heads, r.ids, storedText(r.spans)));
  }
  for (const [id, spans] of byTrace) byTrace.set(id, ordered(spans));
  return byTrace;
}

/** The stored spans of these traces, grouped by trace id (see spansFromSetRows). */
export async function readSpanSets(
  db: Database,
  traces: { id: string; startedAt: number }[],
): Promise<Map<string, SpanReadRow[]>> {
  if (traces.length === 0) return new Map();
  const rows = await db.all<SetRow>(spanSetSelect(traces));
  return spansFromSetRows(
    traces.map((t) => t.id),
    rows,
  );
}
