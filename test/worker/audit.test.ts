// The audit trail: every mutating endpoint leaves exactly one entry naming the token, in the same
// batch as the change; GET /v1/audit filters and pages; entries older than 400 days are deleted
// by the daily cron; no entry holds secret values or trace contents.
import {
  createExecutionContext,
  createScheduledController,
  env,
  waitOnExecutionContext,
} from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SCOPES } from "../../src/auth/scopes";
import { auditLog } from "../../src/db/schema";
import worker from "../../src/index";
import { sha256Hex } from "../../src/lib/hash";
import { ADMIN, admin, createScript, testDb, unique } from "./helpers";
import { callAs, documentedOperations, type TestToken } from "./token-fixtures";

const ops = await documentedOperations(ADMIN);

interface Expected {
  action: string;
  targetId: string | null;
  beforeVersion: number | null;
  afterVersion: number | null;
}

/** How to make one real change through each audited endpoint, as `token`, and what it records. */
type Change = (token: TestToken[], as: string, requestId: string) => Promise<Expected>;

async function changeAs(
  tokens: TestToken[],
  as: string,
  requestId: string,
  method: string,
  path: string,
  json?: unknown,
) {
  const res = await callAs(tokens, as, method, path, { json, headers: { "x-request-id": requestId } });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<any>;
}

const AUDITED: Record<string, Change> = {
  "POST /v1/scripts": async (t, as, rid) => {
    const body = await changeAs(t, as, rid, "POST", "/v1/scripts", {
      name: "audited",
      trigger_event: unique("audit"),
      layer_index: 0,
      parallel_index: 0,
      source: "return {}",
    });
    return { action: "script.create", targetId: body.id, beforeVersion: null, afterVersion: 1 };
  },
  "PUT /v1/scripts/{id}": async (t, as, rid) => {
    const { id } = await createScript(unique("audit"), "return {}");
    await changeAs(t, as, rid, "PUT", `/v1/scripts/${id}`, { source: "return { data = { v = 2 } }" });
    return { action: "script.update", targetId: id, beforeVersion: 1, afterVersion: 2 };
  },
  "DELETE /v1/scripts/{id}": async (t, as, rid) => {
    const { id } = await createScript(unique("audit"), "return {}");
    await changeAs(t, as, rid, "DELETE", `/v1/scripts/${id}`);
    return { action: "script.disable", targetId: id, beforeVersion: 1, afterVersion: 1 };
  },
  "POST /v1/scripts/apply": async (t, as, rid) => {
    const { id } = await createScript(unique("audit"), "return {}");
    await changeAs(t, as, rid, "POST", "/v1/scripts/apply", {
      update: [{ id, expected_version: 1, source: "return { data = { v = 2 } }" }],
    });
    return { action: "scripts.apply", targetId: id, beforeVersion: 1, afterVersion: 2 };
  },
  "PUT /v1/scripts/{id}/secrets/{name}": async (t, as, rid) => {
    const { id } = await createScript(unique("audit"), "return {}");
    await changeAs(t, as, rid, "PUT", `/v1/scripts/${id}/secrets/API_KEY`, { value: "audited-value" });
    return { action: "secret.put", targetId: id, beforeVersion: null, afterVersion: null };
  },
  "DELETE /v1/scripts/{id}/secrets/{name}": async (t, as, rid) => {
    const { id } = await createScript(unique("audit"), "return {}");
    await admin("PUT", `/v1/scripts/${id}/secrets/API_KEY`, { value: "audited-value" });
    await changeAs(t, as, rid, "DELETE", `/v1/scripts/${id}/secrets/API_KEY`);
    return { action: "secret.delete", targetId: id, beforeVersion: null, afterVersion: null };
  },
  "POST /v1/secrets/reencrypt": async (t, as, rid) => {
    await changeAs(t, as, rid, "POST", "/v1/secrets/reencrypt");
    return { action: "secrets.reencrypt", targetId: null, beforeVersion: null, afterVersion: null };
  },
  "POST /v1/scripts/{id}/rollback": async (t, as, rid) => {
    const { id } = await createScript(unique("audit"), "return {}");
    await admin("PUT", `/v1/scripts/${id}`, { source: "return { data = { v = 2 } }" });
    await changeAs(t, as, rid, "POST", `/v1/scripts/${id}/rollback`, { version: 1 });
    return { action: "script.rollback", targetId: id, beforeVersion: 2, afterVersion: 3 };
  },
  "POST /internal/cleanup-traces": async (t, as, rid) => {
    await changeAs(t, as, rid, "POST", "/internal/cleanup-traces");
    return { action: "traces.cleanup", targetId: null, beforeVersion: null, afterVersion: null };
  },
  "DELETE /v1/users/{user_id}/traces": async (t, as, rid) => {
    const user = unique("erased");
    await changeAs(t, as, rid, "DELETE", `/v1/users/${user}/traces`);
    return {
      action: "user.erase",
      targetId: `sha256:${await sha256Hex(user)}`,
      beforeVersion: null,
      afterVersion: null,
    };
  },
};

/** Non-GET operations that change nothing an operator would audit (each with its reason). */
const NOT_CHANGES: Record<string, string> = {
  "POST /v1/triggers/{event}": "a trigger call: recorded as a trace, not a change",
  "POST /v1/triggers/{event}/dry-run": "runs drafts; nothing stored",
  "POST /v1/scripts/check": "compiles a draft; nothing stored",
  "POST /v1/triggers/{event}/backtest": "re-runs recorded traces with drafts; nothing stored",
  "POST /v1/traces/{id}/replay": "re-runs one recorded trace; nothing stored",
};

async function entriesOf(actor: string) {
  const res = await admin("GET", `/v1/audit?actor=${actor}&limit=200`);
  expect(res.status).toBe(200);
  return res.body.entries as any[];
}

describe("audit trail", () => {
  it("every non-GET operation is either audited here or listed as not a change", () => {
    const mutating = ops.filter((o) => o.method !== "GET").map((o) => `${o.method} ${o.path}`);
    expect(mutating.length).toBeGreaterThan(0);
    for (const key of mutating) {
      expect(
        key in AUDITED || key in NOT_CHANGES,
        `${key}: record an audit entry (src/audit/entry.ts) and add it to AUDITED, or list it in NOT_CHANGES`,
      ).toBe(true);
    }
  });

  it.each(Object.keys(AUDITED))("%s leaves exactly one entry naming the token", async (key) => {
    const deployer: TestToken = {
      name: unique("deployer"),
      token: `tok-${unique("d")}`,
      scopes: [...SCOPES],
    };
    const requestId = unique("req");
    const startedAt = Date.now();
    const expected = await AUDITED[key]?.([deployer], deployer.token, requestId);
    const endedAt = Date.now();
    const entries = await entriesOf(deployer.name);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actor: deployer.name,
      action: expected?.action,
      target_id: expected?.targetId,
      request_id: requestId,
      before_version: expected?.beforeVersion,
      after_version: expected?.afterVersion,
    });
    // Stamped while the call ran (bracketed, not "within a minute of now").
    expect(entries[0].at).toBeGreaterThanOrEqual(startedAt);
    expect(entries[0].at).toBeLessThanOrEqual(endedAt);
  });

  it("an edit refused (compile error, conflict) leaves no entry", async () => {
    const deployer: TestToken = {
      name: unique("refused"),
      token: `tok-${unique("r")}`,
      scopes: ["scripts:write"],
    };
    const { id } = await createScript(unique("audit"), "return {}");
    const res = await callAs([deployer], deployer.token, "PUT", `/v1/scripts/${id}`, {
      json: { source: "return (" },
    });
    expect(res.status).toBe(422);
    expect(await entriesOf(deployer.name)).toEqual([]);
  });

  it("filters by action and target, and pages newest first with a cursor, without gaps or repeats", async () => {
    const actor: TestToken = {
      name: unique("pager"),
      token: `tok-${unique("p")}`,
      scopes: ["scripts:write"],
    };
    const { id } = await createScript(unique("audit"), "return {}");
    for (let v = 2; v <= 6; v++) {
      await changeAs([actor], actor.token, unique("req"), "PUT", `/v1/scripts/${id}`, {
        source: `return { data = { v = ${v} } }`,
      });
    }
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `/v1/audit?actor=${actor.name}&target_id=${id}&action=script.update&limit=2${cursor ? `&cursor=${cursor}` : ""}`;
      const page = await admin("GET", q);
      expect(page.status).toBe(200);
      seen.push(...page.body.entries.map((e: any) => e.after_version));
      cursor = page.body.next_cursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(seen).toEqual([6, 5, 4, 3, 2]);
    expect(pages).toBe(3);
    expect((await admin("GET", `/v1/audit?target_id=${id}&action=script.create`)).body.entries).toHaveLength(
      1,
    );
  });

  it("bad filters are a 400 naming the field", async () => {
    for (const [query, field] of [
      ["action=script.explode", "action"],
      ["since=yesterday", "since"],
      ["limit=0", "limit"],
      ["cursor=not-a-cursor", "cursor"],
    ] as const) {
      const res = await admin("GET", `/v1/audit?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.error.field).toBe(field);
    }
  });

  it("the daily cron deletes entries older than 400 days and keeps younger ones", async () => {
    const db = testDb();
    const now = Date.now();
    const DAY = 86_400_000;
    const actor = unique("retention");
    const row = (id: string, at: number) => ({
      id,
      at,
      actor,
      action: "script.update" as const,
      targetType: "script",
      requestId: "r",
    });
    const oldId = crypto.randomUUID().replaceAll("-", "");
    const youngId = crypto.randomUUID().replaceAll("-", "");
    await db
      .insert(auditLog)
      .values([row(oldId, now - 400 * DAY - 60_000), row(youngId, now - 400 * DAY + 60_000)]);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: now, cron: "17 3 * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    const left = (await entriesOf(actor)).map((e) => e.id);
    expect(left).toEqual([youngId]);
  });
});
