// Migration 0007_span_sets carries every span forward: a database made by the migrations before
// 0007 holds span rows (script spans of several shapes, a CLIENT span, a skipped run, an orphan
// span whose trace is gone); after the migration `pipeline_spans` is gone, each trace has one
// packed span set, every span reads back equal to its row, a redelivery of the same spans adds
// nothing, and the orphan is left for the cleanup's orphan walk.
import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import { describe, expect, it } from "vitest";
import { createDatabase } from "../../src/db/client";
import type { SpanReadRow } from "../../src/db/schema";
import { readSpanSets } from "../../src/db/span-sets";
import { spansOfTraces, type TraceFullRow, withFullSpans } from "../../src/db/trace-queries";
import { deleteOrphanSpans } from "../../src/db/trace-retention";
import { insertTraceRecords } from "../../src/db/trace-writes";
import { MIGRATIONS, migrationFixture, rawPipeline } from "./helpers";

const T1 = "1".repeat(32);
const T2 = "2".repeat(32);
const GHOST = "9".repeat(32);
const ROOT1 = "1000000000000001";
const ROOT2 = "2000000000000001";
const NOW = 1_796_000_000_000;

const COLUMNS = [
  "id",
  "trace_id",
  "parent_span_id",
  "name",
  "kind",
  "script_id",
  "script_version",
  "layer_index",
  "parallel_index",
  "status",
  "status_message",
  "started_at",
  "ended_at",
  "duration_ms",
  "on_error",
  "instruction_budget",
  "instructions",
  "attributes",
  "created_at",
] as const;

/** An old span row, as read back (SpanReadRow); `over` sets any field. */
function row(over: Partial<SpanReadRow> & Pick<SpanReadRow, "id" | "traceId">): SpanReadRow {
  return {
    parentSpanId: null,
    name: "Geo Blocker",
    kind: "INTERNAL",
    scriptId: "scr_geo",
    scriptVersion: 1,
    layerIndex: 0,
    parallelIndex: 0,
    status: "success",
    statusMessage: null,
    startedAt: NOW + 1,
    endedAt: NOW + 4,
    durationMs: 2.75,
    onError: "block",
    instructionBudget: 1000,
    instructions: 25,
    attributes: JSON.stringify({ output: { data: { geo: "NL" } } }),
    createdAt: NOW + 1,
    ...over,
  };
}

const rows: SpanReadRow[] = [
  row({ id: "a000000000000001", traceId: T1 }),
  // the same script head in another trace; its parent stored explicitly as the root span
  row({
    id: "b000000000000001",
    traceId: T2,
    parentSpanId: ROOT2,
    startedAt: NOW + 50,
    endedAt: NOW + 53,
    createdAt: NOW + 50,
  }),
  row({
    id: "a000000000000002",
    traceId: T1,
    name: "Risk Scorer",
    scriptId: "scr_risk",
    scriptVersion: 3,
    layerIndex: 1,
    status: "blocked",
    statusMessage: "risk 80 >= 70",
    onError: "continue",
    instructionBudget: 5_000_000,
    instructions: 69,
    // not canonical JSON text (spaces): kept byte for byte
    attributes: '{ "output": {"block": true}, "logs": [["risk", 80]] }',
    endedAt: NOW + 9, // not started_at + round(duration): kept
    createdAt: NOW + 7, // not started_at: kept
  }),
  row({
    id: "a000000000000003",
    traceId: T1,
    name: "IP Reputation",
    scriptId: "scr_ip",
    layerIndex: 1,
    parallelIndex: 1,
    status: "skipped",
    durationMs: 0,
    endedAt: NOW + 1,
    instructions: 0,
    attributes: null,
  }),
  // an outbound call of scr_ip, a child of its span
  row({
    id: "a000000000000004",
    traceId: T1,
    parentSpanId: "a000000000000003",
    name: "GET api.example.com",
    kind: "CLIENT",
    scriptId: "scr_ip",
    layerIndex: 1,
    parallelIndex: 1,
    status: "error",
    statusMessage: "HTTP 503",
    startedAt: NOW + 2,
    endedAt: NOW + 14,
    durationMs: 12,
    onError: null,
    instructionBudget: null,
    instructions: null,
    attributes: JSON.stringify({ "http.request.method": "GET", "http.response.status_code": 503 }),
    createdAt: NOW + 2,
  }),
  // an orphan: its trace row is gone
  row({ id: "c000000000000001", traceId: GHOST, startedAt: NOW - 5, endedAt: NOW - 2, createdAt: NOW - 5 }),
];

/** A Hrana statement inserting an old span row. */
function insertRow(r: SpanReadRow) {
  const arg = (v: unknown) =>
    v === null
      ? { type: "null" }
      : typeof v === "number"
        ? Number.isInteger(v)
          ? { type: "integer", value: String(v) }
          : { type: "float", value: v }
        : { type: "text", value: String(v) };
  const field = (c: string) => c.replace(/_(\w)/g, (_, x: string) => x.toUpperCase());
  return {
    sql: `insert into pipeline_spans (${COLUMNS.join(", ")}) values (${COLUMNS.map(() => "?").join(", ")})`,
    args: COLUMNS.map((c) => arg((r as unknown as Record<string, unknown>)[field(c)])),
  };
}

describe("migration 0007_span_sets on a database made by the migrations before it", () => {
  const fixture = migrationFixture("0007_span_sets");

  it("packs every span row into its trace's span set and reads each back equal", async () => {
    const client = createClient({ url: fixture.server.url });
    await migrate(drizzle(client), { migrationsFolder: fixture.oldFolder });
    for (const [id, root, start] of [
      [T1, ROOT1, NOW],
      [T2, ROOT2, NOW + 50],
    ] as const) {
      await client.execute({
        sql: `insert into pipeline_traces (id, root_span_id, trigger_event, status, decision, started_at, ended_at,
                duration_ms, context_snapshot, layer_prev, result_data, created_at)
              values (?, ?, 'before_signin', 'success', 'allow', ?, ?, 20, '{"user":{"id":"u1"}}', '{"0":{},"1":{"geo":"NL"}}', '{}', ?)`,
        args: [id, root, start, start + 20, start],
      });
    }
    // One stream with foreign keys off, so the orphan (no trace row) can be written too.
    const answer = await rawPipeline(fixture.server.url, {
      requests: [
        { type: "execute", stmt: { sql: "PRAGMA foreign_keys = OFF" } },
        ...rows.map((r) => ({ type: "execute", stmt: insertRow(r) })),
        { type: "close" },
      ],
    });
    expect(answer.json.results.map((r: { type: string }) => r.type)).toEqual(
      Array(rows.length + 2).fill("ok"),
    );

    await migrate(drizzle(client), { migrationsFolder: MIGRATIONS });

    const tables = await client.execute(
      "select name from sqlite_master where type = 'table' and name like '%span%'",
    );
    expect(tables.rows.map((r) => r.name).sort()).toEqual(["pipeline_span_heads", "pipeline_span_sets"]);
    const sets = await client.execute(
      "select trace_id, started_at, part, typeof(spans) as t from pipeline_span_sets order by trace_id",
    );
    expect(sets.rows.map((r) => [r.trace_id, Number(r.started_at), r.part, r.t])).toEqual([
      [T1, NOW, 0, "text"],
      [T2, NOW + 50, 0, "text"],
      [GHOST, NOW - 5, 0, "text"], // an orphan's set starts at its earliest span
    ]);
    // one heads row per distinct list of script heads: T1's three scripts; T2's one (the orphan's is the same)
    expect(Number((await client.execute("select count(*) as n from pipeline_span_heads")).rows[0]?.n)).toBe(
      2,
    );

    const db = createDatabase({ TURSO_DATABASE_URL: fixture.server.url });
    const traces = (await client.execute("select * from pipeline_traces order by id")).rows.map((t) => ({
      id: String(t.id),
      rootSpanId: String(t.root_span_id),
      startedAt: Number(t.started_at),
      contextSnapshot: t.context_snapshot as string,
      layerPrev: t.layer_prev as string,
    })) as TraceFullRow[];
    const read = await spansOfTraces(db, traces);
    const stored = await readSpanSets(db, [...traces, { id: GHOST, startedAt: NOW - 5 }]);
    for (const t of [...traces, { id: GHOST, rootSpanId: "" }]) {
      // as stored, field for field (attributes text byte for byte; a child of the root: null parent)
      const rowsOf = rows.filter((r) => r.traceId === t.id);
      const asStored = rowsOf.map((r) => ({
        ...r,
        parentSpanId: r.parentSpanId === t.rootSpanId ? null : r.parentSpanId,
      }));
      expect(stored.get(t.id)).toEqual(
        asStored.sort(
          (a, b) =>
            a.layerIndex - b.layerIndex || a.parallelIndex - b.parallelIndex || a.startedAt - b.startedAt,
        ),
      );
    }
    for (const t of traces) {
      // what the old read path answered: the rows in (layer, parallel, started_at) order, in full
      const own = rows
        .filter((r) => r.traceId === t.id)
        .sort(
          (a, b) =>
            a.layerIndex - b.layerIndex || a.parallelIndex - b.parallelIndex || a.startedAt - b.startedAt,
        );
      expect(read.get(t.id)).toEqual(withFullSpans(t, own));
    }

    // A redelivery of T1 after the migration finds every span stored: nothing new is written.
    const changes = async () =>
      Number((await client.execute("select count(*) as n from pipeline_span_sets")).rows[0]?.n);
    const before = await changes();
    const t1 = (await client.execute({ sql: "select * from pipeline_traces where id = ?", args: [T1] }))
      .rows[0];
    await insertTraceRecords(db, [
      {
        trace: {
          id: T1,
          rootSpanId: ROOT1,
          triggerEvent: "before_signin",
          status: "success",
          decision: "allow",
          startedAt: NOW,
          endedAt: NOW + 20,
          durationMs: Number(t1?.duration_ms),
        },
        spans: rows.filter((r) => r.traceId === T1),
      },
    ]);
    expect(await changes()).toBe(before);
    const rollups = await client.execute("select script_id, calls from pipeline_rollups where minute > ?", [
      NOW - 120_000,
    ]);
    expect(rollups.rows).toEqual([]); // nothing counted again

    // The orphan's set is what the cleanup's orphan walk deletes.
    const orphans = await db.run(deleteOrphanSpans(NOW + 60_000, 10));
    expect(orphans.rows.map((r) => Number(r.spans))).toEqual([1]);
    client.close();
  }, 60_000);
});
