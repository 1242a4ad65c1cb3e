// Migrations carry existing data forward: a database made by the old schema (every migration before
// 0005_compact_traces_rollups) with traces in the old shape (every span storing the whole context
// and its prev) is migrated to the current schema; afterwards the read path shows every span
// exactly as before. The same for 0007_span_sets (span rows → one packed span set per trace):
// spans-0007.test.ts.
import { rmSync } from "node:fs";
import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import { describe, expect, it } from "vitest";
import { createDatabase } from "../../src/db/client";
import { getTraceWithSpans } from "../../src/db/trace-queries";
import { MIGRATIONS, migrationFixture, migrationsBefore } from "./helpers";

const T = "0123456789abcdef0123456789abcdef";
const ROOT = "1111111111111111";
const CLIENT = "c000000000000001";
const ctx = { user: { id: "u1", email: "a@example.com" }, password: "[REDACTED]" };
const prevs = [{}, { geo: "NL" }];
/** Old-shape span attributes: the whole input stored in every span. */
const oldAttributes = (layer: number, n: number) => ({
  script_version: 1,
  on_error: "continue",
  instruction_budget: 1000,
  instructions: n,
  input: { ctx, prev: prevs[layer] },
  output: { data: { n } },
  logs: [],
  logs_dropped: 0,
});
const spans = [
  { id: "a000000000000001", layer: 0, parallel: 0 },
  { id: "a000000000000002", layer: 0, parallel: 1 },
  { id: "a000000000000003", layer: 1, parallel: 0 },
];

describe("migrations on a database made by the old schema", () => {
  const fixture = migrationFixture("0005_compact_traces_rollups");

  it("moves context and prev out of the spans and reads every span back with its full input", async () => {
    const client = createClient({ url: fixture.server.url });
    await migrate(drizzle(client), { migrationsFolder: fixture.oldFolder });
    const now = Date.now();
    await client.execute({
      sql: `insert into pipeline_traces (id, root_span_id, trigger_event, status, decision, started_at, ended_at,
              duration_ms, context_snapshot, result_data, created_at)
            values (?, ?, 'before_signin', 'success', 'allow', ?, ?, 1, ?, '{"geo":"NL","n":3}', ?)`,
      args: [T, ROOT, now, now + 1, JSON.stringify(ctx), now],
    });
    for (const [i, s] of spans.entries()) {
      await client.execute({
        sql: `insert into pipeline_spans (id, trace_id, parent_span_id, name, kind, script_id, script_version,
                layer_index, parallel_index, status, started_at, ended_at, duration_ms, attributes, created_at)
              values (?, ?, ?, 'script', 'INTERNAL', ?, 1, ?, ?, 'success', ?, ?, 0, ?, ?)`,
        args: [
          s.id,
          T,
          ROOT,
          `scr_${i}`,
          s.layer,
          s.parallel,
          now,
          now,
          JSON.stringify(oldAttributes(s.layer, i)),
          now,
        ],
      });
    }

    // A CLIENT span (0003_http_fetch): an outbound call of scr_0, a child of its span.
    const clientAttributes = { "http.request.method": "GET", "server.address": "api.example.com" };
    await client.execute({
      sql: `insert into pipeline_spans (id, trace_id, parent_span_id, name, kind, script_id, script_version,
              layer_index, parallel_index, status, started_at, ended_at, duration_ms, attributes, created_at)
            values (?, ?, ?, 'GET api.example.com', 'CLIENT', 'scr_0', 1, 0, 0, 'success', ?, ?, 12, ?, ?)`,
      args: [CLIENT, T, "a000000000000001", now + 1, now + 13, JSON.stringify(clientAttributes), now + 1],
    });

    // 0005 and 0006: the spans compacted in place (0007 then packs them: checked by the read below)
    const before0007 = migrationsBefore("0007_span_sets");
    await migrate(drizzle(client), { migrationsFolder: before0007 });
    rmSync(before0007, { recursive: true, force: true });

    const trace = await client.execute({
      sql: "select layer_prev, instructions from pipeline_traces where id = ?",
      args: [T],
    });
    expect(JSON.parse(String(trace.rows[0]?.layer_prev))).toEqual({ 0: {}, 1: { geo: "NL" } });
    expect(trace.rows[0]?.instructions).toBe(0 + 1 + 2);
    const stored = await client.execute(
      "select parent_span_id, attributes from pipeline_spans where kind != 'CLIENT' order by id",
    );
    for (const row of stored.rows) {
      expect(row.parent_span_id).toBeNull();
      expect(JSON.parse(String(row.attributes))).not.toHaveProperty("input");
      expect(String(row.attributes)).not.toContain("a@example.com");
    }
    await migrate(drizzle(client), { migrationsFolder: MIGRATIONS });

    const read = await getTraceWithSpans(createDatabase({ TURSO_DATABASE_URL: fixture.server.url }), T);
    const call = read?.spans.find((s) => s.id === CLIENT);
    expect(call).toMatchObject({ kind: "CLIENT", parentSpanId: "a000000000000001", durationMs: 12 });
    expect(JSON.parse(String(call?.attributes))).toEqual(clientAttributes); // passes through as stored
    const runs = (read?.spans ?? []).filter((s) => s.kind !== "CLIENT");
    expect(runs.map((s) => s.id)).toEqual(spans.map((s) => s.id));
    for (const [i, s] of runs.entries()) {
      expect(s.parentSpanId).toBe(ROOT);
      expect(JSON.parse(String(s.attributes))).toEqual(oldAttributes(spans[i]?.layer ?? -1, i));
    }

    // The stats rollups are backfilled from the traces already stored.
    const rollups = await client.execute(
      `select script_id, calls, success, instructions_max, instructions_hist, http_calls, http_max, http_hist
       from pipeline_rollups order by script_id`,
    );
    expect(
      rollups.rows.map((r) => [
        r.script_id,
        r.calls,
        r.success,
        r.instructions_max,
        r.http_calls,
        r.http_max,
      ]),
    ).toEqual([
      ["", 1, 1, 0 + 1 + 2, 0, null],
      ["scr_0", 1, 1, 0, 1, 12],
      ["scr_1", 1, 1, 1, 0, null],
      ["scr_2", 1, 1, 2, 0, null],
    ]);
    expect(JSON.parse(String(rollups.rows[3]?.instructions_hist))).toEqual({ 8: 1 }); // ⌈ln 2 / ln 1.1⌉
    expect(JSON.parse(String(rollups.rows[1]?.http_hist))).toEqual({ 27: 1 }); // ⌈ln 12 / ln 1.1⌉
    client.close();
  }, 60_000);
});
