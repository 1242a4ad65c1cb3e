/**
 * The running totals of a backtest (pure, no I/O): calls, decision flips against the recording
 * (with up to FLIP_IDS trace ids each way), and per script runs, outcomes and instruction
 * percentiles. The state is plain JSON so a chunk can hand it on inside the cursor.
 *
 * Instruction counts are kept as an exact value → count map; past MAX_DISTINCT distinct values
 * per script they are rounded to 3 significant digits (so percentiles stay within 0.5%).
 */
export const FLIP_IDS = 20;
const MAX_DISTINCT = 400;

export interface ScriptTally {
  script_id: string;
  name: string;
  version: number | null;
  mode: string;
  runs: number;
  blocked: number;
  errors: number;
  skipped: number;
  would_block: number;
  would_error: number;
  /** Instruction count → how many runs used it (keys as strings: this is JSON). */
  instr: Record<string, number>;
}

export interface Flip {
  count: number;
  trace_ids: string[];
}

export interface TallyState {
  calls: number;
  /** Recorded traces whose context could not be re-run (truncated at storage, or not an object). */
  unreadable: number;
  allow: number;
  block: number;
  allow_to_block: Flip;
  block_to_allow: Flip;
  oldest: number | null;
  newest: number | null;
  scripts: ScriptTally[];
}

/** One re-run span, as the tally needs it. */
export interface SpanOutcome {
  scriptId: string;
  name: string;
  version: number | null;
  mode: string;
  status: string;
  instructions: number;
  shadowOutcome: string | null;
}

export function emptyTally(): TallyState {
  return {
    calls: 0,
    unreadable: 0,
    allow: 0,
    block: 0,
    allow_to_block: { count: 0, trace_ids: [] },
    block_to_allow: { count: 0, trace_ids: [] },
    oldest: null,
    newest: null,
    scripts: [],
  };
}

function rounded(n: number): number {
  return n < 1000 ? n : Number(n.toPrecision(3));
}

function addInstructions(t: ScriptTally, n: number): void {
  const key = String(Object.keys(t.instr).length >= MAX_DISTINCT ? rounded(n) : n);
  t.instr[key] = (t.instr[key] ?? 0) + 1;
  if (Object.keys(t.instr).length > MAX_DISTINCT) {
    const merged: Record<string, number> = {};
    for (const [k, c] of Object.entries(t.instr)) {
      const r = String(rounded(Number(k)));
      merged[r] = (merged[r] ?? 0) + c;
    }
    t.instr = merged;
  }
}

function covered(s: TallyState, startedAt: number): void {
  s.oldest = s.oldest === null ? startedAt : Math.min(s.oldest, startedAt);
  s.newest = s.newest === null ? startedAt : Math.max(s.newest, startedAt);
}

/** Counts a recorded trace that could not be re-run. */
export function addUnreadable(s: TallyState, startedAt: number): void {
  s.unreadable++;
  covered(s, startedAt);
}

/** Adds one re-run: the recorded and the new decision, and the new run's spans. */
export function addRun(
  s: TallyState,
  trace: { id: string; startedAt: number; decision: string },
  decision: string,
  spans: SpanOutcome[],
): void {
  s.calls++;
  covered(s, trace.startedAt);
  if (decision === "block") s.block++;
  else s.allow++;
  const flip =
    trace.decision === "allow" && decision === "block"
      ? s.allow_to_block
      : trace.decision === "block" && decision === "allow"
        ? s.block_to_allow
        : null;
  if (flip) {
    flip.count++;
    if (flip.trace_ids.length < FLIP_IDS) flip.trace_ids.push(trace.id);
  }
  for (const span of spans) {
    let t = s.scripts.find((x) => x.script_id === span.scriptId);
    if (!t) {
      t = {
        script_id: span.scriptId,
        name: span.name,
        version: span.version,
        mode: span.mode,
        runs: 0,
        blocked: 0,
        errors: 0,
        skipped: 0,
        would_block: 0,
        would_error: 0,
        instr: {},
      };
      s.scripts.push(t);
    }
    if (span.status === "skipped") {
      t.skipped++;
      continue;
    }
    t.runs++;
    if (span.status === "blocked") t.blocked++;
    if (span.status === "error") t.errors++;
    if (span.shadowOutcome === "block") t.would_block++;
    if (span.shadowOutcome === "error") t.would_error++;
    addInstructions(t, span.instructions);
  }
}

/** Nearest-rank percentile over a value → count map. */
export function mapPercentile(counts: Record<string, number>, p: number): number | null {
  const entries = Object.entries(counts)
    .map(([k, c]) => [Number(k), c] as const)
    .sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((a, [, c]) => a + c, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const [value, c] of entries) {
    seen += c;
    if (seen >= rank) return value;
  }
  return entries.at(-1)?.[0] ?? null;
}

/** The totals as the answer shows them. */
export function presentTally(s: TallyState) {
  return {
    calls: s.calls,
    unreadable: s.unreadable,
    decisions: { allow: s.allow, block: s.block },
    flips: { allow_to_block: s.allow_to_block, block_to_allow: s.block_to_allow },
    unchanged: s.calls - s.allow_to_block.count - s.block_to_allow.count,
    range: { oldest: s.oldest, newest: s.newest },
    scripts: s.scripts.map(({ instr, ...rest }) => ({
      ...rest,
      instructions: { p50: mapPercentile(instr, 50), p95: mapPercentile(instr, 95) },
    })),
  };
}
