// The app's shared behaviour: the error shape everywhere, one log line per request, health with
// the database down, and the OpenAPI document.
import { afterEach, describe, expect, it, vi } from "vitest";
import { ADMIN, admin, call, callWithEnv } from "./helpers";

afterEach(() => vi.restoreAllMocks());

describe("app", () => {
  it("answers unknown routes with the error shape and a request id", async () => {
    const res = await call("GET", "/nope");
    expect(res.status).toBe(404);
    const body: any = await res.json();
    expect(body.error).toMatchObject({ code: "NOT_FOUND", message: "No route for GET /nope" });
    expect(body.error.request_id).toBe(res.headers.get("x-request-id"));
  });

  it("keeps a sane caller-supplied request id and replaces a bad one", async () => {
    const kept = await call("GET", "/health", { headers: { "x-request-id": "req-12345678" } });
    expect(kept.headers.get("x-request-id")).toBe("req-12345678");
    const replaced = await call("GET", "/health", { headers: { "x-request-id": "bad id with spaces" } });
    expect(replaced.headers.get("x-request-id")).toMatch(/^[0-9a-f]{16}$/);
  });

  it("writes one structured log line per request, without headers or bodies", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: string) => void lines.push(line));
    await callWithEnv({ LOG_LEVEL: "info" }, "POST", "/v1/scripts/scr_x", {
      headers: { ...ADMIN, "content-type": "application/json" },
      body: JSON.stringify({ password: "hunter2" }),
    });
    const requestLines = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "request");
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toMatchObject({
      level: "info",
      method: "POST",
      path: "/v1/scripts/scr_x",
      status: 404,
      outcome: "client_error",
    });
    expect(typeof requestLines[0].duration_ms).toBe("number");
    expect(lines.join("\n")).not.toContain("hunter2");
    expect(lines.join("\n")).not.toContain("test-admin-token");
  });

  it("logs an invalid configuration's answer with its real status", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: string) => void lines.push(line));
    const res = await callWithEnv({ FAIL_MODE: "sometimes" }, "GET", "/health");
    expect(res.status).toBe(500);
    expect(((await res.json()) as any).error.code).toBe("CONFIG_INVALID");
    const requestLines = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "request");
    expect(requestLines).toEqual([
      expect.objectContaining({ level: "error", path: "/health", status: 500, outcome: "server_error" }),
    ]);
  });

  it("reports an unreachable database on /health as 503", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const res = await callWithEnv({ TURSO_DATABASE_URL: "http://127.0.0.1:9" }, "GET", "/health");
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      ok: false,
      db: { ok: false, error: "database unreachable" },
      delivery: { mode: "direct" },
    });
  });

  it("serves an OpenAPI 3.1 document of every endpoint (admin token)", async () => {
    const { status, body } = await admin("GET", "/openapi.json");
    expect(status).toBe(200);
    expect(body.openapi).toBe("3.1.0");
    for (const path of [
      "/health",
      "/v1/scripts",
      "/v1/scripts/{id}",
      "/v1/scripts/apply",
      "/v1/scripts/{id}/versions",
      "/v1/scripts/{id}/versions/{version}",
      "/v1/triggers",
      "/v1/triggers/{event}",
      "/v1/triggers/{event}/dry-run",
      "/v1/triggers/{event}/backtest",
      "/v1/traces/{id}/replay",
      "/v1/traces/{a}/diff/{b}",
      "/v1/scripts/{id}/rollback",
    ]) {
      expect(Object.keys(body.paths)).toContain(path);
    }
    expect(body.components.securitySchemes.bearerToken).toMatchObject({ type: "http", scheme: "bearer" });
    expect(body.paths["/v1/scripts"].post.requestBody.content["application/json"].schema).toBeDefined();
  });
});
