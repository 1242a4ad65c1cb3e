/**
 * OTLP/protobuf encoding of the subset Hookline sends (pure): ExportTraceServiceRequest with
 * resource, scope, spans (ids, parent, name, kind, times, attributes, status) and every AnyValue
 * kind. Hand-written against opentelemetry-proto's field numbers instead of shipping protobufjs
 * (~70 KiB gzipped plus generated code) for one message; the tests decode every body with the
 * official generated definitions (`@opentelemetry/otlp-transformer`), so a wrong tag or wire type
 * fails there.
 */
import type { ExportTraceServiceRequest, OtlpSpan } from "./traces";
import type { AnyValue, KeyValue } from "./values";

const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;

const utf8 = new TextEncoder();

/** A growable byte buffer with the few protobuf primitives needed. */
class ProtoWriter {
  private buf = new Uint8Array(1024);
  private len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private varint(v: bigint): void {
    this.ensure(10);
    let x = BigInt.asUintN(64, v);
    while (x > 0x7fn) {
      this.buf[this.len++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.buf[this.len++] = Number(x);
  }

  private tag(field: number, wire: number): void {
    this.varint(BigInt((field << 3) | wire));
  }

  uint(field: number, v: number | bigint): void {
    this.tag(field, VARINT);
    this.varint(BigInt(v));
  }

  fixed64(field: number, decimal: string): void {
    this.tag(field, FIXED64);
    this.ensure(8);
    new DataView(this.buf.buffer, this.len, 8).setBigUint64(0, BigInt.asUintN(64, BigInt(decimal)), true);
    this.len += 8;
  }

  double(field: number, v: number): void {
    this.tag(field, FIXED64);
    this.ensure(8);
    new DataView(this.buf.buffer, this.len, 8).setFloat64(0, v, true);
    this.len += 8;
  }

  bytes(field: number, data: Uint8Array): void {
    this.tag(field, LEN);
    this.varint(BigInt(data.length));
    this.ensure(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
  }

  string(field: number, s: string): void {
    this.bytes(field, utf8.encode(s));
  }

  message(field: number, write: (w: ProtoWriter) => void): void {
    const inner = new ProtoWriter();
    write(inner);
    this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

// AnyValue: 1 string, 2 bool, 3 int64, 4 double, 5 ArrayValue{1 values}, 6 KeyValueList{1 values}.
function anyValue(w: ProtoWriter, v: AnyValue): void {
  if ("stringValue" in v) w.string(1, v.stringValue);
  else if ("boolValue" in v) w.uint(2, v.boolValue ? 1 : 0);
  else if ("intValue" in v) w.uint(3, BigInt(v.intValue));
  else if ("doubleValue" in v) w.double(4, v.doubleValue);
  else if ("arrayValue" in v)
    w.message(5, (a) => {
      for (const item of v.arrayValue.values) a.message(1, (x) => anyValue(x, item));
    });
  else if ("kvlistValue" in v)
    w.message(6, (l) => {
      for (const kv of v.kvlistValue.values) l.message(1, (x) => keyValue(x, kv));
    });
}

// KeyValue: 1 key, 2 value.
function keyValue(w: ProtoWriter, kv: KeyValue): void {
  w.string(1, kv.key);
  w.message(2, (x) => anyValue(x, kv.value));
}

// Span: 1 trace_id, 2 span_id, 4 parent_span_id, 5 name, 6 kind, 7/8 times, 9 attributes, 15 status.
function span(w: ProtoWriter, s: OtlpSpan): void {
  w.bytes(1, hexBytes(s.traceId));
  w.bytes(2, hexBytes(s.spanId));
  if (s.parentSpanId) w.bytes(4, hexBytes(s.parentSpanId));
  w.string(5, s.name);
  if (s.kind) w.uint(6, s.kind);
  w.fixed64(7, s.startTimeUnixNano);
  w.fixed64(8, s.endTimeUnixNano);
  for (const a of s.attributes) w.message(9, (x) => keyValue(x, a));
  // Status: 2 message, 3 code.
  w.message(15, (x) => {
    if (s.status.message) x.string(2, s.status.message);
    if (s.status.code) x.uint(3, s.status.code);
  });
}

/** Encodes an export request as OTLP/protobuf (`application/x-protobuf`). */
export function encodeExportRequest(req: ExportTraceServiceRequest): Uint8Array {
  const w = new ProtoWriter();
  // ExportTraceServiceRequest: 1 resource_spans; ResourceSpans: 1 resource, 2 scope_spans.
  for (const rs of req.resourceSpans) {
    w.message(1, (r) => {
      r.message(1, (res) => {
        for (const a of rs.resource.attributes) res.message(1, (x) => keyValue(x, a));
      });
      for (const ss of rs.scopeSpans) {
        // ScopeSpans: 1 scope {1 name, 2 version}, 2 spans.
        r.message(2, (sc) => {
          sc.message(1, (x) => {
            x.string(1, ss.scope.name);
            x.string(2, ss.scope.version);
          });
          for (const s of ss.spans) sc.message(2, (x) => span(x, s));
        });
      }
    });
  }
  return w.finish();
}
