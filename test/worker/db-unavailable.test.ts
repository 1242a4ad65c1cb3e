// Admin endpoints with the database unreachable or too slow: a 503 DATABASE_UNAVAILABLE in the
// error shape (never a 500 or a hang), and the per-request database timeout (DB_TIMEOUT_MS).
import { afterEach, describe, expect, it, vi } from "vitest";
import { ADMIN, callWithEnv, dbControl } from "./helpers";

const DEAD = { TURSO_DATABASE_URL: "http://127.0.0.1:9" };

const ENDPOINTS: [string, string, unknown?][] = [
  ["GET", "/v1/scripts"],
  [
    "POST",
    "/v1/scripts",
    { name: "n", trigger_event: "down_db", layer_index: 0, parallel_index: 0, source: "return {}" },
  ],
  ["GET", "/v1/scripts/scr_0000000000000000"],
  ["GET", "/v1/triggers"],
  ["GET", "/v1/traces"],
  ["GET", `/v1/traces/${"a".repeat(32)}`],
  ["GET", "/v1/stats"],
  ["POST", "/internal/cleanup-traces"],
];

afterEach(async () => {
  await dbControl.fault("none");
  vi.restoreAllMocks();
});

describe("database unavailable", () => {
  it.each(ENDPOINTS)("%s %s answers 503 DATABASE_UNAVAILABLE", async (method, path, json) => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const res = await callWithEnv(DEAD, method, path, { headers: ADMIN, json });
    expect(res.status).toBe(503);
    const body: any = await res.json();
    expect(body.error).toMatchObject({ code: "DATABASE_UNAVAILABLE", request_id: expect.any(String) });
  });

  it("bounds each database request by DB_TIMEOUT_MS", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    await dbControl.fault("hold"); // the server takes requests and never answers until released
    let patientSettled = false;
    const patient = callWithEnv({ DB_TIMEOUT_MS: "60000" }, "GET", "/v1/scripts", { headers: ADMIN }).finally(
      () => {
        patientSettled = true;
      },
    );
    const quick = await callWithEnv({ DB_TIMEOUT_MS: "200" }, "GET", "/v1/scripts", { headers: ADMIN });
    // The 200 ms request gave up while the 60 s one, sent first, is still waiting.
    expect(quick.status).toBe(503);
    expect(((await quick.json()) as any).error.code).toBe("DATABASE_UNAVAILABLE");
    expect(patientSettled).toBe(false);
    await dbControl.fault("none");
    expect((await patient).status).toBe(200);
  });

  it("refuses a DB_TIMEOUT_MS that is not a number of ms in range", async () => {
    const res = await callWithEnv({ DB_TIMEOUT_MS: "soon" }, "GET", "/v1/scripts", { headers: ADMIN });
    expect(res.status).toBe(500);
    expect(((await res.json()) as any).error).toMatchObject({
      code: "CONFIG_INVALID",
      message: expect.stringContaining("DB_TIMEOUT_MS"),
    });
  });
});
