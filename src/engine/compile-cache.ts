/**
 * Compile once per isolate: compiled chunks keyed by (script id, version), or by (script id,
 * source hash) for drafts, kept in the runtime's registry with least-recently-used eviction
 * (a use stamps the entry; the stalest entry goes when the cache is over its size, so a hit
 * costs one Map read and no reordering).
 * An entry also remembers its source and is recompiled if the source under a key ever differs.
 */
import type { CompileResult, LuaRuntime } from "./runtime";

interface Entry {
  source: string;
  result: CompileResult;
  /** When it was last used (a counter of the cache's uses). */
  used: number;
}

/** Counters for tests and metrics. */
export interface CacheStats {
  compiles: number;
  hits: number;
  size: number;
}

/** FNV-1a (32-bit) of a string; only narrows the key, the stored source decides. */
export function sourceHash(source: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < source.length; i++) {
    h ^= source.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** The cache key for a script: `id@version`, or `id#hash` for a draft. */
export function cacheKey(id: string, version: number | null, source: string): string {
  return version === null ? `${id}#${sourceHash(source)}` : `${id}@${version}`;
}

export class CompileCache {
  private readonly entries = new Map<string, Entry>();
  private compiles = 0;
  private hits = 0;
  private uses = 0;

  constructor(
    private readonly runtime: LuaRuntime,
    private readonly maxEntries: number,
  ) {}

  /** Returns the compiled chunk for this key and source, compiling it on a miss. */
  get(key: string, source: string): CompileResult {
    const found = this.entries.get(key);
    const used = ++this.uses;
    if (found && found.source === source) {
      this.hits++;
      found.used = used;
      return found.result;
    }
    if (found) this.drop(key, found);
    const result = this.runtime.compile(source);
    this.compiles++;
    this.entries.set(key, { source, result, used });
    if (this.entries.size > this.maxEntries) this.dropStalest();
    return result;
  }

  stats(): CacheStats {
    return { compiles: this.compiles, hits: this.hits, size: this.entries.size };
  }

  /** Drops the least recently used entry (a scan: only on a miss that overfills the cache). */
  private dropStalest(): void {
    let stalest: [string, Entry] | null = null;
    for (const pair of this.entries) if (stalest === null || pair[1].used < stalest[1].used) stalest = pair;
    if (stalest) this.drop(stalest[0], stalest[1]);
  }

  private drop(key: string, entry: Entry): void {
    this.entries.delete(key);
    if (entry.result.ok) this.runtime.release(entry.result.ref);
  }
}
