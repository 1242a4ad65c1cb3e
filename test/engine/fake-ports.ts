// A scripted HttpPort and a hand-driven Clock for engine tests (no network, no timers).
import type {
  Clock,
  EnginePorts,
  HttpPort,
  OutboundRequest,
  OutboundResponse,
  Timer,
} from "../../src/engine";
import { PortError } from "../../src/engine";

/** A clock that moves only when the test calls `advance`. */
export class ManualClock implements Clock {
  private t = 1_800_000_000_000;
  private sleepers: { at: number; resolve: () => void; cancelled: boolean }[] = [];

  now(): number {
    return this.t;
  }

  timer(ms: number): Timer {
    const sleeper = { at: this.t + Math.max(0, ms), resolve: () => {}, cancelled: false };
    const done = new Promise<void>((resolve) => {
      sleeper.resolve = resolve;
    });
    this.sleepers.push(sleeper);
    return {
      done,
      cancel: () => {
        sleeper.cancelled = true;
      },
    };
  }

  /** Timers not cancelled yet. */
  get waiting(): number {
    return this.sleepers.filter((s) => !s.cancelled).length;
  }

  /** Moves time on and wakes every timer that is due. */
  advance(ms: number): void {
    this.t += ms;
    const due = this.sleepers.filter((s) => s.at <= this.t);
    this.sleepers = this.sleepers.filter((s) => s.at > this.t);
    for (const s of due) if (!s.cancelled) s.resolve();
  }
}

interface Pending {
  request: OutboundRequest;
  resolve: (r: OutboundResponse) => void;
  reject: (e: Error) => void;
}

/** A port that records every request and answers only when the test says so. */
export class ScriptedPort implements HttpPort {
  readonly requests: OutboundRequest[] = [];
  readonly pending: Pending[] = [];
  /** Requests whose send was aborted by the engine. */
  aborted = 0;
  private arrivals: (() => void)[] = [];

  send(request: OutboundRequest, { signal }: { signal: AbortSignal }): Promise<OutboundResponse> {
    this.requests.push(request);
    return new Promise((resolve, reject) => {
      const p = { request, resolve, reject };
      this.pending.push(p);
      signal.addEventListener(
        "abort",
        () => {
          if (this.pending.includes(p)) this.aborted++;
          reject(new PortError("aborted", "aborted"));
        },
        { once: true },
      );
      for (const a of this.arrivals.splice(0)) a();
    });
  }

  /** Resolves when at least `n` requests have arrived. */
  async arrived(n: number): Promise<void> {
    while (this.requests.length < n) await new Promise<void>((r) => this.arrivals.push(r));
  }

  /** Answers the pending request whose URL contains `part`. */
  answer(
    part: string,
    status = 200,
    body: unknown = { ok: true },
    headers: Record<string, string> = {},
  ): void {
    const i = this.pending.findIndex((p) => p.request.url.includes(part));
    if (i < 0) throw new Error(`no pending request for ${part}`);
    const [p] = this.pending.splice(i, 1);
    const text = typeof body === "string" ? body : JSON.stringify(body);
    p?.resolve({
      status,
      headers: { "content-type": typeof body === "string" ? "text/plain" : "application/json", ...headers },
      body: new TextEncoder().encode(text),
    });
  }
}

/** Ports from a scripted port and a manual clock. */
export function fakePorts(): { ports: EnginePorts; port: ScriptedPort; clock: ManualClock } {
  const port = new ScriptedPort();
  const clock = new ManualClock();
  return { ports: { http: port, clock }, port, clock };
}

/** Lets pending promise callbacks run (a microtask turn, not a timer). */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}
