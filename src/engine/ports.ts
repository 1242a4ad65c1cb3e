/**
 * The engine's ports: the only way I/O reaches the pure core. The edge (the trigger route, the
 * dry run, a backtest, the offline CLI runner) hands the engine an `EnginePorts`:
 *
 * - `http`: one HTTP exchange at a time, **no policy and no redirects** — the engine checks every
 *   URL against the script's egress policy (egress.ts), follows redirects itself (re-checking each
 *   hop), counts calls and runs the timeouts. `null` means HTTP is off: every `http.fetch` fails at
 *   once with a clear message. A recording or replaying port (backtests) implements the same
 *   interface.
 * - `clock`: wall time and cancellable sleeps, for durations, per-call timeouts and deadlines, so
 *   engine tests can drive time by hand.
 *
 * @example
 * const ports: EnginePorts = { http: workerHttpPort(), clock: systemClock };
 * await engine.run({ ...input, ports });
 */

export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** What the engine asks the port to send (headers lower-case, already filtered). */
export interface OutboundRequest {
  url: string;
  method: HttpMethod;
  headers: Record<string, string>;
  body: Uint8Array | null;
}

/** One answer, exactly as received: a 3xx is returned as is (never followed by the port). */
export interface OutboundResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Uint8Array;
}

/** Why a port could not answer. */
export type PortErrorCode = "too_large" | "network" | "aborted";

/** The only error a port should reject with (anything else is treated as `network`). */
export class PortError extends Error {
  constructor(
    readonly code: PortErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface SendOptions {
  /** Aborted at a timeout or deadline: stop at once and reject with code `aborted`. */
  signal: AbortSignal;
  /** Stop reading the body past this many bytes and reject with code `too_large`. */
  maxBodyBytes: number;
}

export interface HttpPort {
  /**
   * Sends one request and reads its whole body (up to `maxBodyBytes`).
   * @throws PortError too_large | network | aborted
   */
  send(request: OutboundRequest, options: SendOptions): Promise<OutboundResponse>;
}

/**
 * The abort reason the engine gives when a call or wait it started is over (answered, or given
 * up): the signal then only stops timers and leftover work. Given a reason, `abort` does not
 * build a DOMException (with its stack) on every call.
 */
export const SETTLED = "settled";

/** A started wait: `done` resolves after its time; after `cancel` it never settles (timer cleared). */
export interface Timer {
  done: Promise<void>;
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch (fractions allowed). */
  now(): number;
  /** Starts a wait of `ms`. (A timer, not an AbortSignal: a signal costs ~10 µs to make in Node.) */
  timer(ms: number): Timer;
}

export interface EnginePorts {
  http: HttpPort | null;
  clock: Clock;
}

/** Date.now and setTimeout: I/O advances the Workers clock, so waits are measured for real. */
export const systemClock: Clock = {
  now: () => Date.now(),
  timer: (ms) => {
    let id: ReturnType<typeof setTimeout> | undefined;
    const done = new Promise<void>((resolve) => {
      id = setTimeout(resolve, Math.max(0, ms));
    });
    return { done, cancel: () => clearTimeout(id) };
  },
};

/** No network: what the engine uses when no ports are given (and the dry run's `http: "off"`). */
export const offlinePorts: EnginePorts = { http: null, clock: systemClock };
