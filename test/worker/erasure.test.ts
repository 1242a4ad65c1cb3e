// Erasure of one user's data: DELETE /v1/users/{user_id}/traces removes every trace and span of
// that user in bounded, index-backed rounds (several calls for a large user, each answering
// `done`), and afterwards nothing of the user — id, email, IP, context, spans, logs — is left in
// any table of the database. Other users' traces stay.
import { describe, expect, it } from "vitest";
import { deleteSpansOfUserTraces, deleteUserTraces, userHasTraces } from "../../src/db/user-erasure";
import { sha256Hex } from "../../src/lib/hash";
import { storedSpansOf, waitForTrace } from "./db";
import { ADMIN, admin, call, createScript, fireTrigger, testDb, unique } from "./helpers";
import { searchable } from "./stored-values";
import { isFullScan, queryPlan, seed, spanRow, traceRow } from "./trace-fixtures";

/**
 * Every row of every table, as JSON text (new tables are covered without touching this test),
 * deflated blobs (the packed spans) inflated.
 */
async function everyRow(): Promise<{ table: string; row: string }[]> {
  const client = testDb().$client;
  const tables = await client.execute(
    "select name from sqlite_master where type = 'table' and name not like 'sqlite_%'",
  );
  const out: { table: string; row: string }[] = [];
  for (const t of tables.rows) {
    const name = String(t.name);
    const rows = await client.execute(`select * from "${name}"`);
    for (const r of rows.rows) {
      const values = rows.columns.map((c) => [c, searchable(r[c])]);
      out.push({ table: name, row: JSON.stringify(Object.fromEntries(values)) });
    }
  }
  return out;
}

function seededTraces(userId: string, email: string, ip: string, n: number) {
  return Array.from({ length: n }, (_, i) => {
    const trace = traceRow({
      userId,
      requestIp: ip,
      startedAt: 1_767_000_000_000 + i,
      contextSnapshot: JSON.stringify({ user: { id: userId, email }, request: { ip } }),
    });
    const attributes = JSON.stringify({ input: { ctx: { email } }, logs: [`checked ${email}`] });
    return {
      trace,
      spans: [spanRow(trace, { attributes }), spanRow(trace, { parallelIndex: 1, attributes })],
    };
  });
}

describe("DELETE /v1/users/{user_id}/traces", () => {
  it("erases every trace and span of the user in bounded calls; nothing of the user remains", async () => {
    const user = unique("erase_me");
    const email = `${user}@example.com`;
    // an address no other test uses: the scan below matches it as a substring of every row (a
    // random 198.51.100.N met the backtest tests' 198.51.100.0–49 in the shared database)
    const tag = crypto.randomUUID().replaceAll("-", "");
    const ip = `2001:db8:e7a5:${tag.slice(0, 4)}:${tag.slice(4, 8)}::1`;
    const other = unique("keep_me");
    await seed(
      ...seededTraces(user, email, ip, 7),
      ...seededTraces(other, `${other}@example.com`, "192.0.2.1", 2),
    );
    // Two real calls too: the worker's own trace and span rows, with the script's log line.
    const event = unique("erase");
    await createScript(event, "log('user', ctx.user.email) return { data = { seen = ctx.user.id } }");
    for (let i = 0; i < 2; i++) {
      const { body } = await fireTrigger(event, { user: { id: user, email }, request: { ip } });
      await waitForTrace(body.trace_id);
    }
    expect((await everyRow()).some((r) => r.row.includes(email))).toBe(true);

    const answers = [];
    for (let i = 0; i < 10; i++) {
      const res = await admin("DELETE", `/v1/users/${user}/traces?batch_size=3&max_batches=1`);
      expect(res.status).toBe(200);
      answers.push(res.body);
      if (res.body.done) break;
    }
    expect(answers.map((a) => [a.deleted_traces, a.done])).toEqual([
      [3, false],
      [3, false],
      [3, true],
    ]);
    expect(answers.reduce((n, a) => n + a.deleted_spans, 0)).toBe(7 * 2 + 2 * 1);

    const left = (await everyRow()).filter(
      (r) => r.row.includes(user) || r.row.includes(email) || r.row.includes(ip),
    );
    expect(left).toEqual([]);
    const kept = (await everyRow()).filter((r) => r.row.includes(other));
    expect(kept.filter((r) => r.table === "pipeline_traces")).toHaveLength(2);
    // the other user's two traces keep their span sets, with both spans of each
    expect(kept.filter((r) => r.table === "pipeline_span_sets")).toHaveLength(2);
    const keptIds = kept.filter((r) => r.table === "pipeline_traces").map((r) => JSON.parse(r.row).id);
    expect(await storedSpansOf(keptIds)).toHaveLength(4);

    const again = await admin("DELETE", `/v1/users/${user}/traces`);
    expect(again.body).toEqual({ deleted_traces: 0, deleted_spans: 0, batches: 1, done: true });
    // Each call is audited, naming the user only by a SHA-256 of the id.
    const digest = `sha256:${await sha256Hex(user)}`;
    const audited = (await everyRow()).filter((r) => r.table === "audit_log" && r.row.includes(digest));
    expect(audited).toHaveLength(answers.length + 1);
    expect(audited.every((r) => r.row.includes('"user.erase"'))).toBe(true);
  });

  it("uses the user and span indexes, never a full scan", async () => {
    for (const stmt of [deleteSpansOfUserTraces("u", 500), deleteUserTraces("u", 500), userHasTraces("u")]) {
      const plan = await queryPlan(stmt);
      expect(plan.filter((l) => isFullScan(l) && l.trim() !== "SCAN CONSTANT ROW")).toEqual([]);
      expect(plan.join("\n")).toMatch(/trace_user_started_idx/);
    }
    expect((await queryPlan(deleteSpansOfUserTraces("u", 500))).join("\n")).toMatch(
      /SEARCH pipeline_span_sets USING (COVERING )?(INDEX sqlite_autoindex_pipeline_span_sets_1|PRIMARY KEY) \(started_at=\? AND trace_id=\?\)/,
    );
  });

  it("needs the admin token and validates its parameters", async () => {
    expect((await call("DELETE", "/v1/users/u1/traces")).status).toBe(401);
    const bad = await call("DELETE", "/v1/users/u1/traces?batch_size=0", { headers: ADMIN });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.field).toBe("batch_size");
    const tooMany = await admin("DELETE", "/v1/users/u1/traces?max_batches=1000");
    expect(tooMany.body.error.field).toBe("max_batches");
  });
});
