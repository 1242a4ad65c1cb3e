// Packing trace records into queue messages: every message under the 128 KB limit, every
// sendBatch within 100 messages / 256 KB, big traces split by spans, nothing lost or doubled.
import { describe, expect, it } from "vitest";
import type { TraceRecord } from "../../src/db/trace-writes";
import { retryDelaySeconds } from "../../src/tracing/consumer";
import {
  groupSends,
  MAX_MESSAGE_BYTES,
  MAX_MESSAGES_PER_SEND,
  MAX_SEND_BYTES,
  packRecords,
} from "../../src/tracing/queue";

const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)).byteLength;

function record(id: string, spans: number, attrBytes: number): TraceRecord {
  return {
    trace: { id, rootSpanId: "r", contextSnapshot: "c".repeat(1000) } as TraceRecord["trace"],
    spans: Array.from({ length: spans }, (_, i) => ({
      id: `${id}-${i}`,
      traceId: id,
      attributes: "é".repeat(attrBytes / 2),
    })) as TraceRecord["spans"],
  };
}

describe("packRecords", () => {
  it("keeps every message under the limit and every span exactly once", () => {
    const records = Array.from({ length: 60 }, (_, i) => record(`t${i}`, 9, 4_000 + i * 100));
    const { messages, oversized } = packRecords(records);
    expect(oversized).toEqual([]);
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) {
      expect(bytes(m.body)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
      expect(m.bytes).toBeGreaterThanOrEqual(bytes(m.body));
    }
    const spanIds = messages.flatMap((m) => m.body.records.flatMap((r) => r.spans.map((s) => s.id)));
    expect(spanIds.sort()).toEqual(records.flatMap((r) => r.spans.map((s) => s.id)).sort());
  });

  it("splits one trace bigger than a message by spans, each part carrying the trace row", () => {
    const big = record("big", 9, 30_000); // ~270 KB of span attributes (2-byte characters)
    const { messages, oversized } = packRecords([big]);
    expect(oversized).toEqual([]);
    expect(messages.length).toBeGreaterThanOrEqual(3);
    for (const m of messages) {
      expect(bytes(m.body)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
      expect(m.body.records.map((r) => r.trace.id)).toEqual(["big"]);
    }
    expect(messages.flatMap((m) => m.body.records[0]!.spans.map((s) => s.id))).toEqual(
      big.spans.map((s) => s.id),
    );
  });

  it("hands back a trace whose single span cannot fit any message", () => {
    const huge = record("huge", 1, 2 * MAX_MESSAGE_BYTES);
    const small = record("small", 1, 100);
    const { messages, oversized } = packRecords([huge, small]);
    expect(oversized).toEqual([huge]);
    expect(messages.flatMap((m) => m.body.records.map((r) => r.trace.id))).toEqual(["small"]);
  });
});

describe("groupSends", () => {
  it("stays within 100 messages and 256 KB per sendBatch", () => {
    const records = Array.from({ length: 400 }, (_, i) => record(`t${i}`, 1, i % 2 ? 100 : 20_000));
    const groups = groupSends(packRecords(records).messages);
    for (const g of groups) {
      expect(g.length).toBeLessThanOrEqual(MAX_MESSAGES_PER_SEND);
      expect(g.reduce((n, m) => n + bytes(m.body), 0)).toBeLessThanOrEqual(MAX_SEND_BYTES);
    }
    // One tiny record per message (a 60-byte message limit), 250 messages → 100 + 100 + 50.
    const tiny = Array.from(
      { length: 250 },
      (_, i) => ({ trace: { id: `x${i}` }, spans: [] }) as unknown as TraceRecord,
    );
    const many = groupSends(packRecords(tiny, 60).messages);
    expect(many.map((g) => g.length)).toEqual([100, 100, 50]);
  });
});

describe("retryDelaySeconds", () => {
  it("follows the configured delays by attempt, repeating the last", () => {
    const delays = [1, 2, 4, 5];
    expect([1, 2, 3, 4, 5, 20].map((a) => retryDelaySeconds(delays, a))).toEqual([1, 2, 4, 5, 5, 5]);
  });
});
