/**
 * Compile once per isolate: compiled chunks keyed by (script id, version), or by (script id,
 * source hash) for drafts, kept in the runtime's registry with least-recently-used eviction.
 * An entry also remembers its source and is recompiled if the source under a key ever differs.
 */
import type { CompileResult, LuaRuntime } from "./runtime";

interface Entry {
  source: string;
  result: CompileResult;
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

  constructor(
    private readonly runtime: LuaRuntime,
    private readonly maxEntries: number,
  ) {}

  /** Returns the compiled chunk for this key and source, compiling it on a miss. */
  get(key: string, source: string): CompileResult {
    const found = this.entries.get(key);
    if (found && found.source === source) {
      this.hits++;
      this.entries.delete(key); // move to the most recently used end
      this.entries.set(key, found);
      return found.result;
    }
    if (found) this.drop(key, found);
    const result = this.runtime.compile(source);
    this.compiles++;
    this.entries.set(key, { source, result });
    while (this.entries.size > this.maxEntries) {
      const [oldest, entry] = this.entries.entries().next().value as [string, Entry];
      this.drop(oldest, entry);
    }
    return result;
  }

  stats(): CacheStats {
    return { compiles: this.compiles, hits: this.hits, size: this.entries.size };
  }

  private drop(key: string, entry: Entry): void {
    this.entries.delete(key);
    if (entry.result.ok) this.runtime.release(entry.result.ref);
  }
}
