/**
 * Per-isolate cache of the enabled scripts, so trigger calls make no database request before
 * they answer. Stale-while-revalidate: within `ttlMs` the snapshot is used as is; after it, the
 * snapshot is still used and one background refresh starts (kept alive with `waitUntil`).
 * Only a cold isolate waits for the database; concurrent cold calls share one load.
 *
 * An edit made elsewhere therefore reaches an isolate at the latest at the first call after
 * `ttlMs + refresh time` has passed since its last load (the call that finds the snapshot stale
 * still answers with it; the calls after the refresh see the edit).
 */
import type { ScriptWithSource } from "../db/scripts-repo";

export interface ScriptSnapshot<S extends Pick<ScriptWithSource, "triggerEvent"> = ScriptWithSource> {
  loadedAt: number;
  byEvent: Map<string, S[]>;
}

export interface ScriptCacheOptions<S extends Pick<ScriptWithSource, "triggerEvent"> = ScriptWithSource> {
  load: () => Promise<S[]>;
  now?: () => number;
  onRefreshError?: (err: unknown) => void;
}

/** Groups scripts by trigger event (each list keeps the loader's order). */
function snapshotOf<S extends Pick<ScriptWithSource, "triggerEvent">>(
  scripts: S[],
  loadedAt: number,
): ScriptSnapshot<S> {
  const byEvent = new Map<string, S[]>();
  for (const s of scripts) {
    const list = byEvent.get(s.triggerEvent);
    if (list) list.push(s);
    else byEvent.set(s.triggerEvent, [s]);
  }
  return { loadedAt, byEvent };
}

export class ScriptCache<S extends Pick<ScriptWithSource, "triggerEvent"> = ScriptWithSource> {
  private snapshot: ScriptSnapshot<S> | null = null;
  private inflight: Promise<ScriptSnapshot<S>> | null = null;
  /** Bumped by invalidate(), so a load that started before an edit cannot install stale data. */
  private generation = 0;
  private readonly now: () => number;

  constructor(private readonly opts: ScriptCacheOptions<S>) {
    // Read at each call (not captured once), so a test can move the clock of a live isolate.
    this.now = opts.now ?? (() => Date.now());
  }

  /**
   * The enabled scripts of `event`. Throws only when there is no snapshot and loading fails.
   * @param waitUntil keeps a background refresh alive past the answer
   */
  async scriptsFor(event: string, ttlMs: number, waitUntil: (p: Promise<unknown>) => void): Promise<S[]> {
    const snap = this.snapshot;
    if (!snap) return (await this.refresh()).byEvent.get(event) ?? [];
    if (this.now() - snap.loadedAt >= ttlMs && !this.inflight) {
      waitUntil(this.refresh().catch((err) => this.opts.onRefreshError?.(err)));
    }
    return snap.byEvent.get(event) ?? [];
  }

  /** Drops the snapshot (after an edit in this isolate), so the next call loads afresh. */
  invalidate(): void {
    this.generation++;
    this.snapshot = null;
    this.inflight = null;
  }

  private refresh(): Promise<ScriptSnapshot<S>> {
    if (this.inflight) return this.inflight;
    const started = this.now();
    const generation = this.generation;
    const load: Promise<ScriptSnapshot<S>> = this.opts
      .load()
      .then((scripts) => {
        const snap = snapshotOf(scripts, started);
        if (generation === this.generation) this.snapshot = snap;
        return snap;
      })
      .finally(() => {
        if (this.inflight === load) this.inflight = null;
      });
    this.inflight = load;
    return load;
  }
}
