// The worker side of the console: the static files behind their security headers, the retention
// status (GET /v1/retention) and the compile check (POST /v1/scripts/check).
import { SELF } from "cloudflare:test";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { admin, call } from "./helpers";
import { DAY_MS, isFullScan, queryPlan, seed, spanRow, traceRow } from "./trace-fixtures";

describe("GET /console/", () => {
  it("serves the console's files with a strict CSP and no-sniff", async () => {
    const res = await call("GET", "/console/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const csp = res.headers.get("content-security-policy") ?? "";
    for (const part of [
      "default-src 'none'",
      "script-src 'self'",
      "connect-src 'self'",
      "frame-ancestors 'none'",
    ]) {
      expect(csp).toContain(part);
    }
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await res.text();
    expect(html).toContain('<script type="module" src="js/main.js"></script>');
    expect(html).not.toMatch(/<script>(?!<\/script>)/); // no inline script
    const js = await call("GET", "/console/js/main.js");
    expect(js.headers.get("content-security-policy")).toBe(csp);
  });

  it("redirects /console to /console/", async () => {
    const res = await SELF.fetch("http://hookline.test/console", { redirect: "manual" });
    expect(res.status).toBe(308);
    expect(res.headers.get("location")).toBe("/console/");
  });
});

describe("GET /v1/retention", () => {
  it("needs the admin token", async () => {
    expect((await call("GET", "/v1/retention")).status).toBe(401);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it("counts the traces older than the retention period", async () => {
    // The isolate's clock stands still (Date only), so both reads use the same cutoff: no row
    // another test seeded near the 30-day boundary can cross it between them.
    const now = Date.now();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(now);
    const before = await admin("GET", "/v1/retention");
    expect(before.status).toBe(200);
    expect(before.body.retention_days).toBe(30);
    const old = traceRow({ startedAt: now - 31 * DAY_MS });
    const fresh = traceRow({ startedAt: now - 29 * DAY_MS });
    await seed({ trace: old, spans: [spanRow(old)] }, { trace: fresh, spans: [] });
    const after = await admin("GET", "/v1/retention");
    expect(after.body.due_traces).toBe(before.body.due_traces + 1);
    expect(after.body.cutoff).toBe(now - 30 * DAY_MS);
    expect(after.body.cutoff_iso).toBe(new Date(after.body.cutoff).toISOString());
  });

  it("counts from the started_at index", async () => {
    const plan = await queryPlan(
      sql`select count(*) as n from pipeline_traces where started_at < ${Date.now()}`,
    );
    expect(plan.some(isFullScan)).toBe(false);
    expect(plan.join("\n")).toContain("trace_started_at_idx");
  });
});

describe("POST /v1/scripts/check", () => {
  it("answers ok for source that compiles, and stores nothing", async () => {
    const res = await admin("POST", "/v1/scripts/check", { source: "return {}" });
    expect(res).toMatchObject({ status: 200, body: { ok: true } });
  });

  it("answers the 422 of a save, with the line", async () => {
    const res = await admin("POST", "/v1/scripts/check", { source: "local a = 1\n\nif a then\nreturn" });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({
      code: "SCRIPT_COMPILE_ERROR",
      field: "source",
      details: { line: 4 },
    });
  });

  it("refuses a missing source and a missing token", async () => {
    const bad = await admin("POST", "/v1/scripts/check", {});
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe("source");
    expect((await call("POST", "/v1/scripts/check", { json: { source: "return {}" } })).status).toBe(401);
  });
});
