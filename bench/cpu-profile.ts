/**
 * CPU profiles of a `wrangler dev` worker through its DevTools inspector (`--inspector-port`,
 * Chrome DevTools Protocol over a WebSocket: Profiler.start / Profiler.stop), and a summary of
 * one profile by source module and by function. The bundle wrangler serves is esbuild output,
 * which marks each module with a `// src/…` comment line: the summary maps every sampled line
 * back to its module that way (Debugger.getScriptSource).
 *
 * Needs a global WebSocket: on Node 20 run with `--experimental-websocket` (NODE_OPTIONS).
 */

interface CallFrame {
  functionName: string;
  scriptId: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A DevTools session on one inspector target. */
export class Inspector {
  private nextId = 1;
  private readonly pending = new Map<number, (msg: { result?: unknown; error?: unknown }) => void>();
  readonly scripts = new Map<string, string>();

  private constructor(private readonly ws: WebSocket) {
    ws.addEventListener("message", (ev) => {
      const msg = JSON.parse(String(ev.data));
      if (msg.id !== undefined) this.pending.get(msg.id)?.(msg);
      else if (msg.method === "Debugger.scriptParsed") this.scripts.set(msg.params.scriptId, msg.params.url);
    });
  }

  /** Connects to the first target the inspector lists (the worker). */
  static async connect(inspectorPort: number): Promise<Inspector> {
    if (typeof WebSocket === "undefined")
      throw new Error("no global WebSocket: run with --experimental-websocket");
    const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as {
      webSocketDebuggerUrl: string;
    }[];
    const url = targets[0]?.webSocketDebuggerUrl;
    if (!url) throw new Error(`no inspector target on port ${inspectorPort}`);
    // wrangler's inspector proxy wants an allowed Origin (DevTools' own check).
    const ws = new WebSocket(url, { headers: { origin: "http://localhost" } } as unknown as string[]);
    await new Promise((resolve, reject) => {
      ws.addEventListener("open", resolve, { once: true });
      ws.addEventListener("error", reject, { once: true });
    });
    return new Inspector(ws);
  }

  /** Sends one command and resolves with its result. */
  send<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, (msg) => {
        this.pending.delete(id);
        if (msg.error) reject(new Error(`${method}: ${JSON.stringify(msg.error)}`));
        else resolve(msg.result as T);
      });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    this.ws.close();
  }
}

/** Module of each line of a bundle, from esbuild's `// path` markers (null before the first). */
function moduleLines(source: string): (string | null)[] {
  const out: (string | null)[] = [];
  let current: string | null = null;
  for (const line of source.split("\n")) {
    const m = /^\/\/ ((?:src|node_modules|\.\.\/)[^\s]*\.(?:[cm]?js|ts|mjs))$/.exec(line);
    if (m?.[1]) current = m[1].replace(/^.*node_modules\//, "node_modules/");
    out.push(current);
  }
  return out;
}

export interface ProfileSummary {
  totalMs: number;
  /** Self time by module (or `(program)`, `(idle)`, `(garbage collector)`), ms, descending. */
  byModule: [string, number][];
  /** Self time by function (`name module`), ms, descending. */
  byFunction: [string, number][];
  /** Inclusive time by function, ms, descending. */
  inclusive: [string, number][];
}

/**
 * Sums a profile's sample time by module and function.
 * @param sources script id → source text (for the module of a line)
 */
export function summarizeProfile(profile: CpuProfile, sources: Map<string, string>): ProfileSummary {
  const lines = new Map<string, (string | null)[]>();
  for (const [id, src] of sources) lines.set(id, moduleLines(src));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const moduleOf = (f: CallFrame) => {
    if (!f.url) return f.functionName.startsWith("(") ? f.functionName : "(native)";
    return lines.get(f.scriptId)?.[f.lineNumber] ?? f.url.replace(/^.*\//, "");
  };
  const label = (n: ProfileNode) => `${n.callFrame.functionName || "(anonymous)"} ${moduleOf(n.callFrame)}`;
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  const mod = new Map<string, number>();
  const fn = new Map<string, number>();
  const incl = new Map<string, number>();
  let total = 0;
  for (const [id, ms] of self) {
    const n = byId.get(id) as ProfileNode;
    total += ms;
    add(mod, moduleOf(n.callFrame), ms);
    add(fn, label(n), ms);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const l = label(byId.get(at) as ProfileNode);
      if (!seen.has(l)) add(incl, l, ms);
      seen.add(l);
    }
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return { totalMs: total, byModule: sorted(mod), byFunction: sorted(fn), inclusive: sorted(incl) };
}

/**
 * Profiles the worker while `work` runs; answers the profile and the sources of its scripts.
 * @param intervalUs sampling interval
 */
export async function profileWhile(
  inspectorPort: number,
  work: () => Promise<void>,
  intervalUs = 100,
): Promise<{ profile: CpuProfile; sources: Map<string, string> }> {
  const insp = await Inspector.connect(inspectorPort);
  try {
    await insp.send("Profiler.enable");
    await insp.send("Profiler.setSamplingInterval", { interval: intervalUs });
    await insp.send("Profiler.start");
    await work();
    const { profile } = await insp.send<{ profile: CpuProfile }>("Profiler.stop");
    // Only now: an enabled debugger slows the code it watches, which would skew the profile.
    await insp.send("Debugger.enable");
    const sources = new Map<string, string>();
    const ids = new Set(profile.nodes.map((n) => n.callFrame.scriptId).filter((id) => id && id !== "0"));
    for (const id of ids) {
      try {
        const { scriptSource } = await insp.send<{ scriptSource: string }>("Debugger.getScriptSource", {
          scriptId: id,
        });
        sources.set(id, scriptSource);
      } catch {}
    }
    await insp.send("Debugger.disable");
    return { profile, sources };
  } finally {
    insp.close();
  }
}
