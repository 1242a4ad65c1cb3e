/**
 * `POST /v1/triggers/{event}/backtest` (scope scripts:write): re-runs recorded traces of the event
 * through the pipeline as it would be with the drafts (new scripts, replacements, disabled ones)
 * and answers the decision flips against the recording, per-script errors and instruction
 * percentiles, and the time range covered. Works in chunks with a cursor; nothing is stored.
 */
import { createRoute } from "@hono/zod-openapi";
import { decodeBacktestCursor, encodeBacktestCursor } from "../backtest/cursor";
import { presentTally } from "../backtest/tally";
import type { ScriptSpec } from "../engine/types";
import { ApiError } from "../errors";
import { sha256Hex } from "../lib/hash";
import { scoped } from "../middleware/auth";
import { jsonObjectBody } from "../middleware/json-body";
import { backtestChunk } from "../pipeline/backtest";
import { draftPipeline } from "../pipeline/drafts";
import { BacktestBody, BacktestResult } from "../schemas/backtest";
import { errorResponses, jsonBody, jsonResponse } from "../schemas/common";
import { EventParam } from "../schemas/triggers";
import type { App } from "../types";

/** Said in every backtest and replay answer (and in docs/scripts.md). */
export const REDACTION_NOTE =
  'Recorded contexts are redacted: scripts see "[REDACTED]" where a secret was, and a context truncated at storage cannot be re-run (counted as unreadable).';

const route = createRoute({
  method: "post",
  path: "/v1/triggers/{event}/backtest",
  tags: ["triggers"],
  summary: "Re-run recorded traces with draft scripts; decision flips, errors, instructions",
  ...scoped("scripts:write", ...jsonObjectBody(2 * 1024 * 1024)),
  request: { params: EventParam, body: jsonBody(BacktestBody) },
  responses: {
    200: jsonResponse(BacktestResult, "Totals so far; next_cursor continues the backtest"),
    ...errorResponses(400, 401, 413, 415, 422, 500, 503),
  },
});

/** Fingerprint of the request (without its cursor) and of the pipeline it runs. */
async function fingerprint(body: BacktestBody, scripts: ScriptSpec[]): Promise<string> {
  const { cursor: _cursor, ...rest } = body;
  const pipeline = scripts.map((s) => `${s.id}@${s.version ?? "draft"}`);
  return (await sha256Hex(JSON.stringify({ rest, pipeline }))).slice(0, 32);
}

export function registerBacktest(app: App): void {
  app.openapi(route, async (c) => {
    const { event } = c.req.valid("param");
    const body = c.req.valid("json");
    if (body.since !== undefined && body.until !== undefined && body.since >= body.until)
      throw new ApiError("VALIDATION_FAILED", "since must be before until", { field: "since" });
    const scripts = await draftPipeline(c.var, event, body);
    const fp = await fingerprint(body, scripts);
    let from = null;
    if (body.cursor !== undefined) {
      from = decodeBacktestCursor(body.cursor);
      if (!from) throw new ApiError("VALIDATION_FAILED", "malformed cursor", { field: "cursor" });
      if (from.fp !== fp)
        throw new ApiError(
          "VALIDATION_FAILED",
          "cursor belongs to another backtest: send the same body, and the saved scripts must not change meanwhile",
          { field: "cursor" },
        );
    }
    const sel = {
      event,
      status: body.status,
      since: body.since,
      until: body.until,
      limit: body.limit,
      chunkSize: body.chunk_size,
      http: body.http,
      allowWrites: body.allow_writes,
    };
    const out = await backtestChunk(c.var.config, c.var.db, sel, scripts, from);
    return c.json(
      {
        trigger_event: event,
        stored: false as const,
        redacted_contexts: true as const,
        note: REDACTION_NOTE,
        http: body.http,
        ...presentTally(out.tally),
        chunk: out.chunk,
        done: out.next === null,
        next_cursor: out.next ? encodeBacktestCursor({ v: 1, fp, ...out.next }) : null,
      },
      200,
    );
  });
}
