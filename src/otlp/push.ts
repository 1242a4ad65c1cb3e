/**
 * OTLP push: every trace stored in Turso is also sent to an OTLP/HTTP collector
 * (`OTLP_ENDPOINT`, e.g. `https://api.honeycomb.io/v1/traces`), as http/json or http/protobuf,
 * one request per ≤ 100 traces, with bounded retries on network errors and 429/502/503/504.
 *
 * It runs after the Turso write and never throws: a failing collector is logged
 * (`otlp_export_failed`, never with the headers) and counted, and changes nothing else.
 */
import { type SpanReadRow, type TraceFullRow, withFullSpans } from "../db/trace-queries";
import type { TraceRecord } from "../db/trace-writes";
import type { Config } from "../env";
import { rootMessage } from "../lib/db-errors";
import type { Logger } from "../lib/log";
import { API_VERSION } from "../version";
import { encodeExportRequest } from "./protobuf";
import { type StoredTrace, toOtlpRequest } from "./traces";

export const TRACES_PER_REQUEST = 100;
export const OTLP_RETRY_DELAYS_MS = [250, 1000];
export const OTLP_TIMEOUT_MS = 3000;
const RETRYABLE = new Set([429, 502, 503, 504]);

/** This isolate's push counters (reported by `/health`). */
const counters = { exports: 0, spans: 0, failed_attempts: 0, failed_exports: 0, dropped_spans: 0 };

/** A copy of this isolate's OTLP counters. */
export function otlpCounters(): typeof counters {
  return { ...counters };
}

/** A record as written → the read shape the OTLP mapping takes (each span's full input rebuilt). */
export function recordToStored(r: TraceRecord): StoredTrace {
  const t = r.trace;
  const trace: TraceFullRow = {
    id: t.id,
    rootSpanId: t.rootSpanId,
    triggerEvent: t.triggerEvent,
    status: t.status,
    decision: t.decision,
    statusMessage: t.statusMessage ?? null,
    startedAt: t.startedAt,
    endedAt: t.endedAt,
    durationMs: t.durationMs,
    userId: t.userId ?? null,
    requestIp: t.requestIp ?? null,
    contextSnapshot: t.contextSnapshot ?? null,
    layerPrev: t.layerPrev ?? null,
    resultData: t.resultData ?? null,
  };
  const spans: SpanReadRow[] = r.spans.map((s) => ({
    ...s,
    parentSpanId: s.parentSpanId ?? null,
    kind: s.kind ?? "INTERNAL",
    scriptVersion: s.scriptVersion ?? null,
    statusMessage: s.statusMessage ?? null,
    onError: s.onError ?? null,
    instructionBudget: s.instructionBudget ?? null,
    instructions: s.instructions ?? null,
    attributes: s.attributes ?? null,
    createdAt: s.createdAt ?? t.startedAt,
  }));
  // Stored compact (no per-span input): rebuilt here as every reader does.
  return { trace, spans: withFullSpans(trace, spans) };
}

type OtlpConfig = Pick<Config, "OTLP_ENDPOINT" | "OTLP_HEADERS" | "OTLP_PROTOCOL" | "WORKER_NAME">;

/** One export request body with its content type. */
export function exportBody(config: OtlpConfig, records: TraceRecord[]): { body: BodyInit; type: string } {
  const req = toOtlpRequest(records.map(recordToStored), API_VERSION, {
    "cloud.provider": "cloudflare",
    "faas.name": config.WORKER_NAME,
  });
  return config.OTLP_PROTOCOL === "http/protobuf"
    ? { body: encodeExportRequest(req), type: "application/x-protobuf" }
    : { body: JSON.stringify(req), type: "application/json" };
}

async function postOnce(config: OtlpConfig, body: BodyInit, type: string): Promise<number> {
  const res = await fetch(config.OTLP_ENDPOINT as string, {
    method: "POST",
    headers: { ...config.OTLP_HEADERS, "content-type": type },
    body,
    signal: AbortSignal.timeout(OTLP_TIMEOUT_MS),
  });
  await res.body?.cancel();
  return res.status;
}

async function pushChunk(config: OtlpConfig, records: TraceRecord[], logger: Logger, delays: number[]) {
  const spans = records.reduce((n, r) => n + 1 + r.spans.length, 0);
  const { body, type } = exportBody(config, records);
  let status = 0;
  let error = "";
  for (let attempt = 0; attempt <= delays.length; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, delays[attempt - 1]));
    try {
      status = await postOnce(config, body, type);
      if (status >= 200 && status < 300) {
        counters.exports += 1;
        counters.spans += spans;
        return;
      }
      error = `HTTP ${status}`;
    } catch (err) {
      status = 0;
      error = rootMessage(err);
    }
    counters.failed_attempts += 1;
    if (status !== 0 && !RETRYABLE.has(status)) break;
  }
  counters.failed_exports += 1;
  counters.dropped_spans += spans;
  logger.warn("otlp_export_failed", { status, error, traces: records.length, spans });
}

/**
 * Sends the records to the collector; resolves when done or given up. Never rejects.
 * @param delays backoff before each retry (tests pass short ones)
 */
export async function pushToOtlp(
  config: OtlpConfig,
  records: TraceRecord[],
  logger: Logger,
  delays = OTLP_RETRY_DELAYS_MS,
): Promise<void> {
  if (!config.OTLP_ENDPOINT || records.length === 0) return;
  for (let i = 0; i < records.length; i += TRACES_PER_REQUEST) {
    try {
      await pushChunk(config, records.slice(i, i + TRACES_PER_REQUEST), logger, delays);
    } catch (err) {
      // Only an encoding bug could land here; it must not reach the writer either.
      counters.failed_exports += 1;
      logger.warn("otlp_export_failed", { status: 0, error: rootMessage(err) });
    }
  }
}
