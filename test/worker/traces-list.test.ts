/**
 * `GET /v1/traces`: every filter alone and combined, newest-first order, keyset pagination that
 * stays exact while traces arrive, and the 400/401 answers for bad parameters.
 */
import { describe, expect, it } from "vitest";
import { encodeCursor } from "../../src/lib/time-params";
import { admin, call, unique } from "./helpers";
import { seed, spanRow, traceRow } from "./trace-fixtures";

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);
const ids = (body: { traces: { id: string }[] }) => body.traces.map((t) => t.id);

describe("GET /v1/traces filters", () => {
  it("filters by each parameter and by a combination, newest first", async () => {
    const ev = unique("ev");
    const user = unique("user");
    const script = unique("scr");
    const a = traceRow({
      triggerEvent: ev,
      startedAt: T0,
      durationMs: 5,
      userId: user,
      requestIp: "10.0.0.1",
    });
    const b = traceRow({
      triggerEvent: ev,
      startedAt: T0 + 1000,
      durationMs: 50,
      status: "blocked",
      decision: "block",
      userId: user,
    });
    const c = traceRow({
      triggerEvent: ev,
      startedAt: T0 + 2000,
      durationMs: 500,
      status: "error",
      decision: "block", // failed closed
      requestIp: "10.0.0.2",
    });
    const d = traceRow({
      triggerEvent: ev,
      startedAt: T0 + 3000,
      durationMs: 80,
      userId: user,
      requestIp: "10.0.0.1",
    });
    await seed(
      { trace: a, spans: [spanRow(a, { scriptId: script })] },
      { trace: b, spans: [spanRow(b)] },
      { trace: c, spans: [spanRow(c, { scriptId: script, layerIndex: 1 })] },
      { trace: d, spans: [] },
    );
    const q = (extra: string) => admin("GET", `/v1/traces?trigger_event=${ev}${extra}`);

    const all = await q("");
    expect(all.status).toBe(200);
    expect(ids(all.body)).toEqual([d.id, c.id, b.id, a.id]);
    expect(all.body.next_cursor).toBeNull();
    expect(all.body.traces[3]).toEqual({
      id: a.id,
      root_span_id: a.rootSpanId,
      trigger_event: ev,
      status: "success",
      decision: "allow",
      status_message: null,
      started_at: T0,
      ended_at: T0 + 5,
      duration_ms: 5,
      user_id: user,
      request_ip: "10.0.0.1",
    });

    expect(ids((await q("&status=blocked")).body)).toEqual([b.id]);
    expect(ids((await q("&status=error")).body)).toEqual([c.id]);
    // the answer given, whatever the status: the failed-closed error counts as a block
    expect(ids((await q("&decision=block")).body)).toEqual([c.id, b.id]);
    expect(ids((await q("&decision=allow")).body)).toEqual([d.id, a.id]);
    expect(ids((await q("&decision=block&status=error")).body)).toEqual([c.id]);
    expect(ids((await admin("GET", `/v1/traces?user_id=${user}`)).body)).toEqual([d.id, b.id, a.id]);
    expect(ids((await q("&request_ip=10.0.0.1")).body)).toEqual([d.id, a.id]);
    expect(ids((await admin("GET", `/v1/traces?script_id=${script}`)).body)).toEqual([c.id, a.id]);
    expect(ids((await q("&min_duration_ms=50")).body)).toEqual([d.id, c.id, b.id]);
    // since inclusive, until exclusive; ms or ISO 8601.
    expect(ids((await q(`&since=${T0 + 1000}&until=${T0 + 3000}`)).body)).toEqual([c.id, b.id]);
    const iso = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
    expect(ids((await q(`&since=${iso(T0 + 1000)}&until=${iso(T0 + 3000)}`)).body)).toEqual([c.id, b.id]);
    // A combination.
    expect(ids((await q(`&user_id=${user}&request_ip=10.0.0.1&min_duration_ms=10`)).body)).toEqual([d.id]);
    expect(ids((await q(`&script_id=${script}&status=success&until=${T0 + 1}`)).body)).toEqual([a.id]);
    expect(ids((await q(`&script_id=${script}&status=blocked`)).body)).toEqual([]);
  });

  it("leaves context and result out of list rows", async () => {
    const ev = unique("ev");
    await seed({ trace: traceRow({ triggerEvent: ev }), spans: [] });
    const { body } = await admin("GET", `/v1/traces?trigger_event=${ev}`);
    expect(body.traces).toHaveLength(1);
    expect(body.traces[0]).not.toHaveProperty("context_snapshot");
    expect(body.traces[0]).not.toHaveProperty("result_data");
  });
});

describe("GET /v1/traces pagination", () => {
  it("walks a set larger than a page with inserts in between: no row twice, none missed", async () => {
    const ev = unique("ev");
    // 25 traces, 5 of them sharing one started_at (ties are broken by id).
    const rows = Array.from({ length: 25 }, (_, i) =>
      traceRow({ triggerEvent: ev, startedAt: T0 + (i < 5 ? 0 : i) * 10 }),
    );
    await seed(...rows.map((trace) => ({ trace, spans: [] })));
    const expected = [...rows]
      .sort((x, y) => y.startedAt - x.startedAt || (y.id < x.id ? -1 : 1))
      .map((r) => r.id);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { status: number; body: { traces: { id: string }[]; next_cursor: string | null } } =
        await admin("GET", `/v1/traces?trigger_event=${ev}&limit=7${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      seen.push(...ids(res.body));
      cursor = res.body.next_cursor;
      pages += 1;
      // New traces keep arriving (newer than everything listed) while the client pages.
      await seed({ trace: traceRow({ triggerEvent: ev, startedAt: T0 + 10_000 + pages }), spans: [] });
    } while (cursor);

    expect(pages).toBe(4);
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(25);
  });

  it("answers next_cursor null when the page is exactly the rest", async () => {
    const ev = unique("ev");
    await seed(
      ...[1, 2, 3, 4].map((i) => ({ trace: traceRow({ triggerEvent: ev, startedAt: T0 + i }), spans: [] })),
    );
    const first = await admin("GET", `/v1/traces?trigger_event=${ev}&limit=2`);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await admin(
      "GET",
      `/v1/traces?trigger_event=${ev}&limit=2&cursor=${first.body.next_cursor}`,
    );
    expect(second.body.traces).toHaveLength(2);
    expect(second.body.next_cursor).toBeNull();
  });

  it("defaults to 50 rows and accepts 200", async () => {
    const ev = unique("ev");
    await seed(
      ...Array.from({ length: 51 }, (_, i) => ({
        trace: traceRow({ triggerEvent: ev, startedAt: T0 + i }),
        spans: [],
      })),
    );
    const page = await admin("GET", `/v1/traces?trigger_event=${ev}`);
    expect(page.body.traces).toHaveLength(50);
    expect(page.body.next_cursor).not.toBeNull();
    const big = await admin("GET", `/v1/traces?trigger_event=${ev}&limit=200`);
    expect(big.body.traces).toHaveLength(51);
  });
});

describe("GET /v1/traces bad parameters", () => {
  const cases: [string, string][] = [
    ["status=maybe", "status"],
    ["decision=blocked", "decision"],
    ["limit=0", "limit"],
    ["limit=201", "limit"],
    ["limit=abc", "limit"],
    ["since=yesterday", "since"],
    ["until=2026-13-45T00:00:00Z", "until"],
    ["min_duration_ms=-1", "min_duration_ms"],
    ["cursor=not*a*cursor", "cursor"],
    [`cursor=${btoa("12:xyz")}`, "cursor"],
    ["trigger_event=Bad-Event", "trigger_event"],
  ];
  for (const [query, field] of cases) {
    it(`rejects ${query} with a 400 naming ${field}`, async () => {
      const res = await admin("GET", `/v1/traces?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({
        code: "VALIDATION_FAILED",
        field,
        request_id: expect.any(String),
      });
    });
  }

  it("accepts a well-formed cursor for a position past every row", async () => {
    const ev = unique("ev");
    await seed({ trace: traceRow({ triggerEvent: ev, startedAt: T0 }), spans: [] });
    const cursor = encodeCursor({ startedAt: T0, id: `${"0".repeat(31)}1` });
    const res = await admin("GET", `/v1/traces?trigger_event=${ev}&cursor=${cursor}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ traces: [], next_cursor: null });
  });

  it("refuses a missing or wrong token before looking at parameters", async () => {
    expect((await call("GET", "/v1/traces")).status).toBe(401);
    const wrong = await call("GET", "/v1/traces?limit=0", { headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe("UNAUTHORIZED");
  });
});
