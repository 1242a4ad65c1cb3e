/**
 * Trace records → Cloudflare Queue messages, and sending them.
 *
 * Limits (Cloudflare Queues): a message is at most 128 KB, one `sendBatch` at most 100 messages
 * and 256 KB. Records are packed greedily into messages of at most MAX_MESSAGE_BYTES (JSON); a
 * record too big for one message is split by spans (each part repeats the trace row, which the
 * idempotent insert writes once). A record whose trace row or one span alone cannot fit is not
 * queued: it is handed back to the caller (which writes or logs it).
 *
 * Subrequests: one flush makes at most MAX_SEND_CALLS `sendBatch` calls (a writer batch is
 * ≤ 4 MiB, so ≤ 16 full sends), made one after another (Workers allow 6 open connections).
 */
import type { TraceRecord } from "../db/trace-writes";
import type { TraceQueueBody, TraceQueueProducer } from "../env";

export const MAX_MESSAGE_BYTES = 120_000;
export const MAX_SEND_BYTES = 240_000;
export const MAX_MESSAGES_PER_SEND = 100;
export const MAX_SEND_CALLS = 16;
/** `{"v":1,"records":[` … `]}` */
const ENVELOPE_BYTES = 24;

const encoder = new TextEncoder();
const jsonBytes = (value: unknown) => encoder.encode(JSON.stringify(value)).byteLength;

interface Part {
  record: TraceRecord;
  /** The record this part belongs to (a split record has several parts). */
  origin: TraceRecord;
  bytes: number;
}

/** Splits one record into parts that each fit a message, or null when it cannot be split so. */
function splitRecord(record: TraceRecord, maxBytes: number): Part[] | null {
  const whole = jsonBytes(record) + 1;
  if (whole + ENVELOPE_BYTES <= maxBytes) return [{ record, origin: record, bytes: whole }];
  const base = jsonBytes({ ...record, spans: [] }) + 1;
  const parts: Part[] = [];
  let spans: TraceRecord["spans"] = [];
  let bytes = base;
  for (const span of record.spans) {
    const size = jsonBytes(span) + 1;
    if (base + size + ENVELOPE_BYTES > maxBytes) return null;
    if (bytes + size + ENVELOPE_BYTES > maxBytes) {
      parts.push({ record: { ...record, spans }, origin: record, bytes });
      spans = [];
      bytes = base;
    }
    spans.push(span);
    bytes += size;
  }
  parts.push({ record: { ...record, spans }, origin: record, bytes });
  return parts;
}

export interface PackedMessage {
  body: TraceQueueBody;
  bytes: number;
  origins: Set<TraceRecord>;
}

/**
 * Packs records into message bodies of at most `maxBytes` of JSON each.
 * @returns the messages, and the records that fit no message (a single row over the limit).
 */
export function packRecords(
  records: TraceRecord[],
  maxBytes = MAX_MESSAGE_BYTES,
): { messages: PackedMessage[]; oversized: TraceRecord[] } {
  const messages: PackedMessage[] = [];
  const oversized: TraceRecord[] = [];
  let current: PackedMessage | null = null;
  for (const record of records) {
    const parts = splitRecord(record, maxBytes);
    if (!parts) {
      oversized.push(record);
      continue;
    }
    for (const part of parts) {
      if (!current || current.bytes + part.bytes > maxBytes) {
        current = { body: { v: 1, records: [] }, bytes: ENVELOPE_BYTES, origins: new Set() };
        messages.push(current);
      }
      current.body.records.push(part.record);
      current.bytes += part.bytes;
      current.origins.add(part.origin);
    }
  }
  return { messages, oversized };
}

/** Groups messages into `sendBatch` calls within the count and size limits. */
export function groupSends(messages: PackedMessage[]): PackedMessage[][] {
  const groups: PackedMessage[][] = [];
  let group: PackedMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    if (group.length > 0 && (group.length >= MAX_MESSAGES_PER_SEND || bytes + m.bytes > MAX_SEND_BYTES)) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(m);
    bytes += m.bytes;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/**
 * Sends records to the queue in at most MAX_SEND_CALLS sequential `sendBatch` calls.
 * @returns the records not queued (oversized, beyond the call bound, or in a failed send
 *   after an earlier send succeeded).
 * @throws the send error when the first send fails (nothing was queued).
 */
export async function sendToQueue(queue: TraceQueueProducer, records: TraceRecord[]): Promise<TraceRecord[]> {
  const { messages, oversized } = packRecords(records);
  const groups = groupSends(messages);
  const notQueued = new Set<TraceRecord>(oversized);
  let sent = 0;
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i] as PackedMessage[];
    if (i >= MAX_SEND_CALLS) {
      for (const m of group) for (const r of m.origins) notQueued.add(r);
      continue;
    }
    try {
      await queue.sendBatch(group.map((m) => ({ body: m.body, contentType: "json" as const })));
      sent += 1;
    } catch (err) {
      if (sent === 0) throw err;
      for (const g of groups.slice(i)) for (const m of g) for (const r of m.origins) notQueued.add(r);
      break;
    }
  }
  return records.filter((r) => notQueued.has(r));
}
