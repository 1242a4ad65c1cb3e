// The trace writer on its own: coalescing, size-triggered flushes, retries and the log fallback.
import { describe, expect, it } from "vitest";
import type { TraceRecord } from "../../src/db/trace-writes";
import type { Logger } from "../../src/lib/log";
import { TraceWriter } from "../../src/tracing/writer";

function record(id: string): TraceRecord {
  return { trace: { id } as TraceRecord["trace"], spans: [] };
}

function memoryLogger() {
  const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
    lines.push({ level, msg, fields });
  const logger: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  return { logger, lines };
}

describe("TraceWriter", () => {
  it("coalesces traces enqueued close together into one write", async () => {
    const writes: string[][] = [];
    const writer = new TraceWriter({
      write: async (rs) => void writes.push(rs.map((r) => r.trace.id)),
      logger: memoryLogger().logger,
      flushIntervalMs: 20,
    });
    const done = ["a", "b", "c"].map((id) => writer.enqueue(record(id)));
    expect(done[0]).toBe(done[2]);
    await Promise.all(done);
    expect(writes).toEqual([["a", "b", "c"]]);
  });

  it("closes a full batch: the next trace opens a new batch, each flushed by its own timer", async () => {
    const writes: string[][] = [];
    const writer = new TraceWriter({
      write: async (rs) => void writes.push(rs.map((r) => r.trace.id)),
      logger: memoryLogger().logger,
      flushIntervalMs: 5,
      maxBatchTraces: 2,
    });
    const done = ["a", "b", "c", "d", "e"].map((id) => writer.enqueue(record(id)));
    expect(done[0]).toBe(done[1]);
    expect(done[2]).not.toBe(done[1]);
    await Promise.all(done);
    expect(writes).toEqual([["a", "b"], ["c", "d"], ["e"]]);
  });

  it("retries a failed write with backoff and succeeds once the database recovers", async () => {
    let calls = 0;
    const { logger, lines } = memoryLogger();
    const writer = new TraceWriter({
      write: async () => {
        calls++;
        if (calls < 3) throw new Error("HTTP 500");
      },
      logger,
      flushIntervalMs: 1,
      retryDelaysMs: [5, 5, 5],
    });
    await writer.enqueue(record("a"));
    expect(calls).toBe(3);
    expect(lines.filter((l) => l.level === "error")).toEqual([]);
    expect(lines.find((l) => l.msg === "trace_write_recovered")?.fields).toMatchObject({ attempts: 3 });
  });

  it("logs every trace as one full JSON line when all tries fail, and never rejects", async () => {
    const { logger, lines } = memoryLogger();
    let calls = 0;
    const writer = new TraceWriter({
      write: async () => {
        calls++;
        throw new Error("connection refused");
      },
      logger,
      flushIntervalMs: 1,
      retryDelaysMs: [1, 1],
    });
    const rec = {
      trace: { id: "t1", triggerEvent: "before_signin" } as TraceRecord["trace"],
      spans: [{ id: "s1" } as TraceRecord["spans"][number]],
    };
    await expect(Promise.all([writer.enqueue(rec), writer.enqueue(record("t2"))])).resolves.toBeDefined();
    expect(calls).toBe(3);
    const failed = lines.filter((l) => l.msg === "trace_write_failed");
    expect(failed.map((l) => (l.fields?.trace as { id: string } | undefined)?.id)).toEqual(["t1", "t2"]);
    expect(failed[0]?.fields).toMatchObject({
      attempts: 3,
      error: "connection refused",
      trace: { id: "t1", triggerEvent: "before_signin", spans: [{ id: "s1" }] },
    });
  });

  it("hands a batch whose tries all failed to the fallback, and logs only what it could not take", async () => {
    const { logger, lines } = memoryLogger();
    const handed: string[][] = [];
    const writer = new TraceWriter({
      write: async () => {
        throw new Error("HTTP 503");
      },
      fallback: {
        name: "queue",
        write: async (rs) => {
          handed.push(rs.map((r) => r.trace.id));
          return rs.filter((r) => r.trace.id === "big");
        },
      },
      logger,
      flushIntervalMs: 1,
      retryDelaysMs: [1],
    });
    await Promise.all(["a", "big", "b"].map((id) => writer.enqueue(record(id))));
    expect(handed).toEqual([["a", "big", "b"]]);
    expect(lines.find((l) => l.msg === "trace_write_deferred")?.fields).toMatchObject({
      via: "queue",
      traces: 2,
    });
    const failed = lines.filter((l) => l.msg === "trace_write_failed");
    expect(failed.map((l) => (l.fields?.trace as { id: string } | undefined)?.id)).toEqual(["big"]);
  });

  it("logs every trace, with both errors, when the fallback fails too", async () => {
    const { logger, lines } = memoryLogger();
    const writer = new TraceWriter({
      write: async () => {
        throw new Error("HTTP 503");
      },
      fallback: {
        name: "queue",
        write: async () => {
          throw new Error("queue unavailable");
        },
      },
      logger,
      flushIntervalMs: 1,
      retryDelaysMs: [1],
    });
    await Promise.all(["a", "b"].map((id) => writer.enqueue(record(id))));
    const failed = lines.filter((l) => l.msg === "trace_write_failed");
    expect(failed).toHaveLength(2);
    expect(failed[0]?.fields?.error).toBe("HTTP 503; queue: queue unavailable");
  });
});
