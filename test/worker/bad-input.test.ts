// Bad input, broadly: malformed requests across every endpoint — encodings, types, sizes,
// unicode, injection strings in filters, names and ids. Each must be a 4xx in the error shape
// (naming the field where there is one), store nothing, and leave the worker serving.
import { inArray, or } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { pipelineScripts, pipelineScriptVersions, pipelineTraces } from "../../src/db/schema";
import { storedSpansOf, waitForTrace } from "./db";
import { ADMIN, admin, call, callWithEnv, TRIGGER, testDb, unique } from "./helpers";

interface Case {
  name: string;
  method: string;
  path: string;
  auth?: Record<string, string>;
  json?: unknown;
  body?: BodyInit;
  type?: string;
  status: number;
  code: string;
  field?: string;
}

/** This run's own trigger event: every row a wrong answer could store is findable by it. */
const EVENT = unique("bad_input");
const deep = (n: number): unknown => (n === 0 ? 1 : { d: deep(n - 1) });
const script = (patch: Record<string, unknown>) => ({
  name: "x",
  trigger_event: EVENT,
  layer_index: 0,
  parallel_index: 0,
  source: "return {}",
  ...patch,
});
const INJECTION = "x'; DROP TABLE pipeline_traces; --";
const enc = encodeURIComponent;

const CASES: Case[] = [
  // POST /v1/triggers/:event
  {
    name: "trigger: invalid JSON",
    method: "POST",
    path: `/v1/triggers/${EVENT}`,
    body: '{"a":',
    status: 400,
    code: "INVALID_JSON",
  },
  {
    name: "trigger: array body",
    method: "POST",
    path: `/v1/triggers/${EVENT}`,
    json: [1],
    status: 400,
    code: "VALIDATION_FAILED",
    field: "body",
  },
  {
    name: "trigger: number body",
    method: "POST",
    path: `/v1/triggers/${EVENT}`,
    body: "42",
    status: 400,
    code: "VALIDATION_FAILED",
    field: "body",
  },
  {
    name: "trigger: null body",
    method: "POST",
    path: `/v1/triggers/${EVENT}`,
    body: "null",
    status: 400,
    code: "VALIDATION_FAILED",
    field: "body",
  },
  {
    name: "trigger: empty body",
    method: "POST",
    path: `/v1/triggers/${EVENT}`,
    body: "",
    status: 400,
    code: "INVALID_JSON",
  },
  {
    name: "trigger: 65 KB body",
    method: "POST",
    path: `/v1/triggers/${EVENT}`,
    json: { p: "é".repeat(33_000) },
    status: 413,
    code: "PAYLOAD_TOO_LARGE",
  },
  {
    name: "trigger: text/plain",
    method: "POST",
    path: `/v1/triggers/${EVENT}`,
    body: "{}",
    type: "text/plain",
    status: 415,
    code: "UNSUPPORTED_MEDIA_TYPE",
  },
  {
    name: "trigger: form body",
    method: "POST",
    path: `/v1/triggers/${EVENT}`,
    body: "a=1",
    type: "application/x-www-form-urlencoded",
    status: 415,
    code: "UNSUPPORTED_MEDIA_TYPE",
  },
  {
    name: "trigger: invalid UTF-8",
    method: "POST",
    path: `/v1/triggers/${EVENT}`,
    body: new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]),
    status: 400,
    code: "INVALID_JSON",
  },
  {
    name: "trigger: context nested 40 deep",
    method: "POST",
    path: `/v1/triggers/${EVENT}`,
    json: deep(40),
    status: 400,
    code: "VALIDATION_FAILED",
    field: "context",
  },
  {
    name: "trigger: uppercase event",
    method: "POST",
    path: "/v1/triggers/Before_Signin",
    json: {},
    status: 400,
    code: "VALIDATION_FAILED",
    field: "event",
  },
  {
    name: "trigger: SQL in event",
    method: "POST",
    path: `/v1/triggers/${enc(INJECTION)}`,
    json: {},
    status: 400,
    code: "VALIDATION_FAILED",
    field: "event",
  },
  {
    name: "trigger: unicode event",
    method: "POST",
    path: `/v1/triggers/${enc("connexion_é")}`,
    json: {},
    status: 400,
    code: "VALIDATION_FAILED",
    field: "event",
  },
  {
    name: "trigger: 65-char event",
    method: "POST",
    path: `/v1/triggers/${"e".repeat(65)}`,
    json: {},
    status: 400,
    code: "VALIDATION_FAILED",
    field: "event",
  },
  {
    name: "trigger: unknown token",
    method: "POST",
    path: `/v1/triggers/${EVENT}`,
    auth: { authorization: "Bearer not-a-configured-token" },
    json: {},
    status: 401,
    code: "UNAUTHORIZED",
  },
  // POST /v1/triggers/:event/dry-run
  {
    name: "dry run: context is an array",
    method: "POST",
    path: `/v1/triggers/${EVENT}/dry-run`,
    auth: ADMIN,
    json: { context: [] },
    status: 400,
    code: "VALIDATION_FAILED",
    field: "context",
  },
  {
    name: "dry run: scripts is an object",
    method: "POST",
    path: `/v1/triggers/${EVENT}/dry-run`,
    auth: ADMIN,
    json: { context: {}, scripts: {} },
    status: 400,
    code: "VALIDATION_FAILED",
    field: "scripts",
  },
  {
    name: "dry run: draft does not compile",
    method: "POST",
    path: `/v1/triggers/${EVENT}/dry-run`,
    auth: ADMIN,
    json: { context: {}, scripts: [{ name: "d", layer_index: 0, parallel_index: 0, source: "return (" }] },
    status: 422,
    code: "SCRIPT_COMPILE_ERROR",
    field: "scripts.0.source",
  },
  // POST/PUT /v1/scripts
  {
    name: "script: blank name",
    method: "POST",
    path: "/v1/scripts",
    auth: ADMIN,
    json: script({ name: "   " }),
    status: 400,
    code: "VALIDATION_FAILED",
    field: "name",
  },
  {
    name: "script: 101-char name",
    method: "POST",
    path: "/v1/scripts",
    auth: ADMIN,
    json: script({ name: "n".repeat(101) }),
    status: 400,
    code: "VALIDATION_FAILED",
    field: "name",
  },
  {
    name: "script: SQL in trigger_event",
    method: "POST",
    path: "/v1/scripts",
    auth: ADMIN,
    json: script({ trigger_event: INJECTION }),
    status: 400,
    code: "VALIDATION_FAILED",
    field: "trigger_event",
  },
  {
    name: "script: layer_index as string",
    method: "POST",
    path: "/v1/scripts",
    auth: ADMIN,
    json: script({ layer_index: "0" }),
    status: 400,
    code: "VALIDATION_FAILED",
    field: "layer_index",
  },
  {
    name: "script: huge layer_index",
    method: "POST",
    path: "/v1/scripts",
    auth: ADMIN,
    json: script({ layer_index: 1e9 }),
    status: 400,
    code: "VALIDATION_FAILED",
    field: "layer_index",
  },
  {
    name: "script: on_error unknown",
    method: "POST",
    path: "/v1/scripts",
    auth: ADMIN,
    json: script({ on_error: "ignore" }),
    status: 400,
    code: "VALIDATION_FAILED",
    field: "on_error",
  },
  {
    name: "script: fractional budget",
    method: "POST",
    path: "/v1/scripts",
    auth: ADMIN,
    json: script({ instruction_budget: 5000.5 }),
    status: 400,
    code: "VALIDATION_FAILED",
    field: "instruction_budget",
  },
  {
    name: "script: source is a number",
    method: "POST",
    path: "/v1/scripts",
    auth: ADMIN,
    json: script({ source: 42 }),
    status: 400,
    code: "VALIDATION_FAILED",
    field: "source",
  },
  {
    name: "script: source over 64 KB",
    method: "POST",
    path: "/v1/scripts",
    auth: ADMIN,
    json: script({ source: `-- ${"x".repeat(66_000)}` }),
    status: 400,
    code: "VALIDATION_FAILED",
    field: "source",
  },
  {
    name: "script: source does not compile",
    method: "POST",
    path: "/v1/scripts",
    auth: ADMIN,
    json: script({ source: "if then" }),
    status: 422,
    code: "SCRIPT_COMPILE_ERROR",
    field: "source",
  },
  {
    name: "script: unknown field",
    method: "POST",
    path: "/v1/scripts",
    auth: ADMIN,
    json: script({ owner: "me" }),
    status: 400,
    code: "VALIDATION_FAILED",
  },
  {
    name: "script: body is a string",
    method: "POST",
    path: "/v1/scripts",
    auth: ADMIN,
    body: '"script"',
    status: 400,
    code: "VALIDATION_FAILED",
    field: "body",
  },
  {
    name: "script: SQL in id",
    method: "GET",
    path: `/v1/scripts/${enc("scr_1' OR '1'='1")}`,
    auth: ADMIN,
    status: 400,
    code: "VALIDATION_FAILED",
    field: "id",
  },
  {
    name: "script: version 0",
    method: "GET",
    path: "/v1/scripts/scr_x/versions/0",
    auth: ADMIN,
    status: 400,
    code: "VALIDATION_FAILED",
    field: "version",
  },
  {
    name: "script: version abc",
    method: "GET",
    path: "/v1/scripts/scr_x/versions/abc",
    auth: ADMIN,
    status: 400,
    code: "VALIDATION_FAILED",
    field: "version",
  },
  {
    name: "scripts: bad trigger_event filter",
    method: "GET",
    path: `/v1/scripts?trigger_event=${enc(INJECTION)}`,
    auth: ADMIN,
    status: 400,
    code: "VALIDATION_FAILED",
    field: "trigger_event",
  },
  // GET /v1/traces…, /v1/stats, /internal/cleanup-traces
  {
    name: "traces: unknown status",
    method: "GET",
    path: "/v1/traces?status=deleted",
    auth: ADMIN,
    status: 400,
    code: "VALIDATION_FAILED",
    field: "status",
  },
  {
    name: "traces: limit 0",
    method: "GET",
    path: "/v1/traces?limit=0",
    auth: ADMIN,
    status: 400,
    code: "VALIDATION_FAILED",
    field: "limit",
  },
  {
    name: "traces: limit 201",
    method: "GET",
    path: "/v1/traces?limit=201",
    auth: ADMIN,
    status: 400,
    code: "VALIDATION_FAILED",
    field: "limit",
  },
  {
    name: "traces: since is prose",
    method: "GET",
    path: "/v1/traces?since=yesterday",
    auth: ADMIN,
    status: 400,
    code: "VALIDATION_FAILED",
    field: "since",
  },
  {
    name: "traces: forged cursor",
    method: "GET",
    path: `/v1/traces?cursor=${enc("1' OR 1=1 --")}`,
    auth: ADMIN,
    status: 400,
    code: "VALIDATION_FAILED",
    field: "cursor",
  },
  {
    name: "traces: SQL in script_id",
    method: "GET",
    path: `/v1/traces?script_id=${enc(INJECTION)}`,
    auth: ADMIN,
    status: 400,
    code: "VALIDATION_FAILED",
    field: "script_id",
  },
  {
    name: "traces: negative min_duration_ms",
    method: "GET",
    path: "/v1/traces?min_duration_ms=-5",
    auth: ADMIN,
    status: 400,
    code: "VALIDATION_FAILED",
    field: "min_duration_ms",
  },
  {
    name: "trace: id not hex",
    method: "GET",
    path: "/v1/traces/zzzz",
    auth: ADMIN,
    status: 400,
    code: "VALIDATION_FAILED",
    field: "id",
  },
  {
    name: "trace: id in upper case",
    method: "GET",
    path: `/v1/traces/${"AB".repeat(16)}`,
    auth: ADMIN,
    status: 400,
    code: "VALIDATION_FAILED",
    field: "id",
  },
  {
    name: "otlp: bad id",
    method: "GET",
    path: "/v1/traces/123/otlp",
    auth: ADMIN,
    status: 400,
    code: "VALIDATION_FAILED",
    field: "id",
  },
  {
    name: "otlp bulk: bad until",
    method: "GET",
    path: "/v1/traces/otlp?until=2026-13-45",
    auth: ADMIN,
    status: 400,
    code: "VALIDATION_FAILED",
    field: "until",
  },
  {
    name: "stats: bad since",
    method: "GET",
    path: "/v1/stats?since=soon",
    auth: ADMIN,
    status: 400,
    code: "VALIDATION_FAILED",
    field: "since",
  },
  {
    name: "cleanup: batch_size 0",
    method: "POST",
    path: "/internal/cleanup-traces?batch_size=0",
    auth: ADMIN,
    status: 400,
    code: "VALIDATION_FAILED",
    field: "batch_size",
  },
  {
    name: "cleanup: no token",
    method: "POST",
    path: "/internal/cleanup-traces",
    auth: {},
    status: 401,
    code: "UNAUTHORIZED",
  },
];

/** Events and script names the cases could store rows under (paths and bodies). */
function scope() {
  const events = new Set([EVENT, INJECTION]);
  const names = new Set<string>();
  for (const c of CASES) {
    const m = /^\/v1\/triggers\/([^/?]+)/.exec(c.path);
    if (m?.[1]) events.add(decodeURIComponent(m[1]));
    const json = c.json as { trigger_event?: unknown; name?: unknown } | undefined;
    if (typeof json?.trigger_event === "string") events.add(json.trigger_event);
    if (typeof json?.name === "string") names.add(json.name);
  }
  return { events: [...events], names: [...names] };
}

/** The rows the cases could have created, by id (never counts of the whole shared database). */
async function rowsInScope() {
  const db = testDb();
  const { events, names } = scope();
  const traces = await db
    .select({ id: pipelineTraces.id })
    .from(pipelineTraces)
    .where(inArray(pipelineTraces.triggerEvent, events));
  const scripts = await db
    .select({ id: pipelineScripts.id })
    .from(pipelineScripts)
    .where(or(inArray(pipelineScripts.triggerEvent, events), inArray(pipelineScripts.name, names)));
  const traceIds = traces.map((t) => t.id);
  const scriptIds = scripts.map((t) => t.id);
  const spans = await storedSpansOf(traceIds);
  const versions = scriptIds.length
    ? await db
        .select({ id: pipelineScriptVersions.scriptId, v: pipelineScriptVersions.version })
        .from(pipelineScriptVersions)
        .where(inArray(pipelineScriptVersions.scriptId, scriptIds))
    : [];
  return { traceIds, spans: spans.length, scriptIds, versions: versions.length };
}

describe(`bad input (${CASES.length} malformed requests)`, () => {
  it("answers each with a 4xx in the error shape, stores nothing, and keeps serving", async () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
    const before = await rowsInScope();
    for (const c of CASES) {
      const isTrigger = c.path.startsWith("/v1/triggers/") && !c.path.endsWith("dry-run");
      const headers: Record<string, string> = { ...(c.auth ?? (isTrigger ? TRIGGER : ADMIN)) };
      if (c.type !== undefined || c.body !== undefined)
        headers["content-type"] = c.type ?? "application/json";
      // callWithEnv waits for the request's waitUntil work: any (wrong) trace write is done.
      const res = await callWithEnv({}, c.method, c.path, { headers, json: c.json, body: c.body });
      const body: any = await res.json();
      expect.soft(res.status, c.name).toBe(c.status);
      expect.soft(body.error?.code, c.name).toBe(c.code);
      expect.soft(body.error?.request_id, c.name).toMatch(/^[0-9a-f]{16}$/);
      expect.soft(typeof body.error?.message, c.name).toBe("string");
      if (c.field) expect.soft(body.error?.field, c.name).toBe(c.field);
    }
    expect(await rowsInScope()).toEqual(before);
    expect((await call("GET", "/health")).status).toBe(200);
  });

  it("treats injection strings in free-text filters as plain values", async () => {
    const user = unique("u");
    const fired = await call("POST", `/v1/triggers/${unique("inj")}`, {
      headers: TRIGGER,
      json: { user: { id: user } },
    });
    const { trace_id } = (await fired.json()) as any;
    await waitForTrace(trace_id);
    for (const q of [`user_id=${enc(`${user}' OR '1'='1`)}`, `request_ip=${enc("1.1.1.1' OR '1'='1")}`]) {
      const { status, body } = await admin("GET", `/v1/traces?${q}`);
      expect(status).toBe(200);
      expect(body.traces).toEqual([]);
    }
    const exact = await admin("GET", `/v1/traces?user_id=${enc(user)}`);
    expect(exact.body.traces.map((t: any) => t.id)).toEqual([trace_id]);
  });
});
