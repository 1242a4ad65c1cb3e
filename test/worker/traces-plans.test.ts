/**
 * Query plans, through the same libSQL client the worker uses: no retention delete and no trace
 * list/stats/span read does a full `SCAN` of `pipeline_traces` or `pipeline_span_sets`; each names
 * the index it is meant to use (the span sets: their primary key (started_at, trace_id, part)).
 */
import { describe, expect, it } from "vitest";
import { rollupReadStatements } from "../../src/db/rollups";
import { spanSetSelect, spanSetsOfTrace } from "../../src/db/span-sets";
import { type TracePageQuery, tracePageStatement } from "../../src/db/trace-queries";
import {
  deleteExpiredTraces,
  deleteOrphanSpans,
  deleteSpansOfExpiredTraces,
} from "../../src/db/trace-retention";
import { testDb } from "./helpers";
import { queryPlan } from "./trace-fixtures";

const CUTOFF = Date.UTC(2026, 0, 1);
const CURSOR = { startedAt: CUTOFF, id: "f".repeat(32) };

/** A line that reads a whole pipeline table rather than seeking or walking an index. */
const FULL_SCAN = /^SCAN (pipeline_traces|pipeline_span_sets|s|t|ss|x)\b(?!.*USING (COVERING )?INDEX)/;
/** The span sets' primary key, sought by (started_at, trace_id). */
const SETS_BY_KEY =
  /SEARCH (pipeline_span_sets|s|ss|x)( EXISTS)? USING (COVERING )?(INDEX sqlite_autoindex_pipeline_span_sets_1|PRIMARY KEY) \(started_at=\? AND trace_id=\?\)/;

async function expectIndexed(label: string, query: Parameters<typeof queryPlan>[0], ...indexes: string[]) {
  const plan = await queryPlan(query);
  console.log(`plan ${label}:\n  ${plan.join("\n  ")}`);
  for (const line of plan) expect(line, `${label}: ${line}`).not.toMatch(FULL_SCAN);
  for (const index of indexes) expect(plan.join("\n"), label).toContain(index);
  return plan;
}

describe("retention statements use indexes", () => {
  it("delete spans of expired traces", async () => {
    const plan = await expectIndexed(
      "delete spans",
      deleteSpansOfExpiredTraces(CUTOFF, 500),
      "trace_started_at_idx",
    );
    expect(plan.join("\n")).toMatch(SETS_BY_KEY);
  });

  it("delete expired traces", async () => {
    await expectIndexed("delete traces", deleteExpiredTraces(CUTOFF, 500), "trace_started_at_idx");
  });

  it("delete orphan spans", async () => {
    const plan = await expectIndexed(
      "delete orphans",
      deleteOrphanSpans(CUTOFF, 500),
      "trace_started_at_idx",
    );
    // the candidates walk the sets' key by its leading started_at (< the oldest expired trace)
    expect(plan.join("\n")).toMatch(
      /SEARCH s USING (COVERING )?(INDEX sqlite_autoindex_pipeline_span_sets_1|PRIMARY KEY) \(started_at<\?\)/,
    );
  });
});

describe("list and stats reads use indexes", () => {
  const db = testDb();
  const page = (q: Partial<TracePageQuery>) => tracePageStatement(db, { limit: 50, cursor: CURSOR, ...q });
  const cases: [string, Partial<TracePageQuery>, string][] = [
    ["no filter", {}, "trace_started_at_idx"],
    ["trigger_event", { triggerEvent: "before_signin" }, "trace_trigger_started_idx"],
    ["status", { status: "error" }, "trace_status_started_idx"],
    ["user_id", { userId: "u1" }, "trace_user_started_idx"],
    ["request_ip", { requestIp: "10.0.0.1" }, "trace_ip_started_idx"],
    ["since/until", { since: CUTOFF - 86_400_000, until: CUTOFF }, "trace_started_at_idx"],
    ["script_id", { scriptId: "geo" }, "trace_started_at_idx"],
    [
      "combination",
      { triggerEvent: "before_signin", status: "blocked", since: 0, minDurationMs: 10 },
      "_started_idx",
    ],
  ];
  for (const [label, q, index] of cases) {
    it(`list: ${label}`, async () => {
      await expectIndexed(`list ${label}`, page(q), index);
    });
  }

  it("list: script_id probes each candidate trace's span sets by key; the heads are read once", async () => {
    const plan = await expectIndexed("list script_id", page({ scriptId: "geo" }), "trace_started_at_idx");
    const text = plan.join("\n");
    expect(text).toMatch(SETS_BY_KEY);
    // the heads lists naming the script: an uncorrelated list subquery (once per query, not per trace)
    expect(text).toMatch(/LIST SUBQUERY \d+\n\s*SCAN sh\b/);
    expect(text).not.toMatch(/CORRELATED[^\n]*\n\s*SCAN sh\b/);
  });

  it("span reads: a page of traces and one trace by id seek the sets' key", async () => {
    const byPage = spanSetSelect([
      { id: "a".repeat(32), startedAt: CUTOFF },
      { id: "b".repeat(32), startedAt: CUTOFF + 1 },
    ]);
    for (const [label, statement] of [
      ["page", byPage],
      ["one", spanSetsOfTrace("a".repeat(32))],
    ] as const) {
      const plan = await expectIndexed(`spans ${label}`, statement, "sqlite_autoindex_pipeline_span_heads_1");
      expect(plan.join("\n"), label).toMatch(SETS_BY_KEY);
    }
  });

  it("list: first page without a cursor walks the index, no sort", async () => {
    const plan = await expectIndexed(
      "list first page",
      tracePageStatement(db, { limit: 50 }),
      "trace_started_at_idx",
    );
    expect(plan.join("\n")).not.toContain("USE TEMP B-TREE FOR ORDER BY");
  });

  it("stats read the rollups by their key's minute range, never traces or spans", async () => {
    const window = { since: CUTOFF - 86_400_000, until: CUTOFF };
    for (const w of [window, { ...window, triggerEvent: "before_signin" }]) {
      const q = rollupReadStatements(w);
      for (const [label, statement] of [
        ["sums", q.sums],
        ["buckets", q.buckets],
      ] as const) {
        const plan = await expectIndexed(`stats ${label}`, statement);
        const text = plan.join("\n");
        expect(text, label).toMatch(/SEARCH (pipeline_rollups|r) USING .*\(minute>\? AND minute<\?\)/);
        expect(text, label).not.toMatch(/^SCAN (pipeline_rollups|r)\b/m);
        expect(text, label).not.toMatch(/pipeline_traces|pipeline_span/);
      }
    }
  });
});
