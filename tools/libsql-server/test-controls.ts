/**
 * Test controls (only with `testControls: true`): a log of `/v2/pipeline` requests and fault
 * injection, for tests and benchmarks that can reach the server only over HTTP.
 *   GET  /_test/stats  -> {"pipeline_requests": n, "in_flight": n, "open_streams": n,
 *                          "requests": [{seq, at_ms, status, types, sql}]}
 *   POST /_test/reset  -> clears the counter and the log
 *   POST /_test/fault  {"mode": "none"|"http500"|"delay"|"drop"|"drop_after_commit"|"hold", "delay_ms"?,
 *                       "times"?} -> the fault in force; with `times`, it applies to that many
 *                      pipeline requests, then the mode returns to "none" by itself
 * `drop_after_commit` runs the request (committing it), then destroys the socket before answering: the
 * write happened but the client never hears so. `hold` keeps requests waiting, unanswered, until
 * the mode is changed; then they run normally.
 */

export type FaultMode = "none" | "http500" | "delay" | "drop" | "drop_after_commit" | "hold";

export interface Fault {
  mode: FaultMode;
  delay_ms: number;
  /** Requests the fault still applies to; null: until changed. */
  times: number | null;
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
const MODES: readonly FaultMode[] = ["none", "http500", "delay", "drop", "drop_after_commit", "hold"];

/** Counters, the request ring buffer and the fault in force. */
export class TestControls {
  #count = 0;
  #log: LoggedRequest[] = [];
  #inFlight = 0;
  #release: (() => void) | undefined;
  #held: Promise<void> | undefined;
  fault: Fault = { mode: "none", delay_ms: 0, times: null };

  /** The fault for one pipeline request; counts it against `times` (back to none at 0). */
  takeFault(): Fault {
    const fault = this.fault;
    if (fault.times !== null && fault.mode !== "none") {
      const left = fault.times - 1;
      this.fault = left > 0 ? { ...fault, times: left } : { mode: "none", delay_ms: 0, times: null };
    }
    return fault;
  }

  /** Marks a request as received but not yet answered (counted in `in_flight` until `record`). */
  begin(): void {
    this.#inFlight += 1;
  }

  /** Resolves at once, or, under the `hold` fault, once the mode is changed. */
  whileHeld(): Promise<void> {
    if (this.fault.mode !== "hold") return Promise.resolve();
    this.#held ??= new Promise<void>((resolve) => {
      this.#release = resolve;
    });
    return this.#held;
  }

  /** Records one `/v2/pipeline` HTTP request. */
  record(status: number, types: string[], sql: string[]): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
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

  stats(): { pipeline_requests: number; in_flight: number; requests: LoggedRequest[] } {
    return { pipeline_requests: this.#count, in_flight: this.#inFlight, requests: this.#log };
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
    const { mode, delay_ms: delay, times } = body as { mode?: unknown; delay_ms?: unknown; times?: unknown };
    if (!MODES.includes(mode as FaultMode)) return `mode must be one of ${MODES.join(", ")}`;
    if (
      times !== undefined &&
      (!Number.isInteger(times) || (times as number) < 1 || (times as number) > 1e6)
    ) {
      return "times must be an integer from 1 to 1000000";
    }
    if (times !== undefined && mode === "hold") return "hold lasts until changed: times is not allowed";
    if (
      delay !== undefined &&
      (typeof delay !== "number" || !Number.isFinite(delay) || delay < 0 || delay > MAX_DELAY_MS)
    ) {
      return `delay_ms must be a number from 0 to ${MAX_DELAY_MS}`;
    }
    this.fault = {
      mode: mode as FaultMode,
      delay_ms: typeof delay === "number" ? delay : 0,
      times: typeof times === "number" ? times : null,
    };
    if (this.fault.mode !== "hold" && this.#release) {
      this.#release();
      this.#release = undefined;
      this.#held = undefined;
    }
    return this.fault;
  }
}
