/**
 * Test controls (only with `testControls: true`): a log of `/v2/pipeline` requests and fault
 * injection, for tests and benchmarks that can reach the server only over HTTP.
 *   GET  /_test/stats  -> {"pipeline_requests": n, "requests": [{seq, at_ms, status, types, sql}]}
 *   POST /_test/reset  -> clears the counter and the log
 *   POST /_test/fault  {"mode": "none"|"http500"|"delay"|"drop"|"drop_after_commit", "delay_ms"?}
 *                      -> the mode in force (`drop_after_commit` runs the request, then drops the
 *                         socket instead of answering: a write that committed but looks failed)
 */

export type FaultMode = "none" | "http500" | "delay" | "drop" | "drop_after_commit";

export interface Fault {
  mode: FaultMode;
  delay_ms: number;
}

export interface LoggedRequest {
  seq: number;
  at_ms: number;
  /** HTTP status answered; 0 when the socket was dropped. */
  status: number;
  types: string[];
  sql: string[];
}

const MAX_LOGGED = 20_000;
const MAX_SQL_CHARS = 300;
const MAX_DELAY_MS = 600_000;
const MODES: readonly FaultMode[] = ["none", "http500", "delay", "drop", "drop_after_commit"];

/** Counters, the request ring buffer and the fault in force. */
export class TestControls {
  #count = 0;
  #log: LoggedRequest[] = [];
  fault: Fault = { mode: "none", delay_ms: 0 };

  /** Records one `/v2/pipeline` HTTP request. */
  record(status: number, types: string[], sql: string[]): void {
    this.#count += 1;
    this.#log.push({
      seq: this.#count,
      at_ms: Date.now(),
      status,
      types,
      sql: sql.map((s) => s.slice(0, MAX_SQL_CHARS)),
    });
    if (this.#log.length > MAX_LOGGED) this.#log.splice(0, this.#log.length - MAX_LOGGED);
  }

  stats(): { pipeline_requests: number; requests: LoggedRequest[] } {
    return { pipeline_requests: this.#count, requests: this.#log };
  }

  reset(): void {
    this.#count = 0;
    this.#log = [];
  }

  /**
   * Sets the fault from a parsed JSON body.
   * @returns the fault in force, or an error message for a bad body.
   */
  setFault(body: unknown): Fault | string {
    if (typeof body !== "object" || body === null) return "expected a JSON object";
    const { mode, delay_ms: delay } = body as { mode?: unknown; delay_ms?: unknown };
    if (!MODES.includes(mode as FaultMode)) return `mode must be one of ${MODES.join(", ")}`;
    if (
      delay !== undefined &&
      (typeof delay !== "number" || !Number.isFinite(delay) || delay < 0 || delay > MAX_DELAY_MS)
    ) {
      return `delay_ms must be a number from 0 to ${MAX_DELAY_MS}`;
    }
    this.fault = { mode: mode as FaultMode, delay_ms: typeof delay === "number" ? delay : 0 };
    return this.fault;
  }
}
