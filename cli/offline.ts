/**
 * Runs a tree's scripts in this process with the real engine (src/engine): no server, no
 * database. `hookline test` runs every fixture case `<dir>/<trigger>/tests/*.json`; `hookline
 * run` runs one context and prints the answer with its spans, as the dry run shows them.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import {
  EngineInputError,
  type EnginePorts,
  type JsonObject,
  type RunOutput,
  type ScriptEngine,
  type ScriptSpec,
  systemClock,
} from "../src/engine";
import { presentResult, presentSpans } from "../src/routes/trigger-presenter";
import { CliError } from "./errors";
import { stubHttpPort } from "./stub-http";
import type { ScriptTree } from "./tree";

/** The enabled scripts of one trigger as engine specs (the id is the manifest's, or the file). */
export function specsFor(tree: ScriptTree, trigger: string): ScriptSpec[] {
  return tree.scripts
    .filter((s) => s.enabled && s.trigger_event === trigger)
    .map((s) => ({
      id: s.id ?? s.file,
      name: s.name,
      version: null,
      layerIndex: s.layer_index,
      parallelIndex: s.parallel_index,
      onError: s.on_error,
      instructionBudget: s.instruction_budget,
      allowedHosts: s.allowed_hosts,
      timeoutMs: s.timeout_ms,
      mode: s.mode,
      source: s.source,
    }));
}

/** Stubbed HTTP (`url` → `{ status, json }`): an unlisted URL is a network error naming it. */
export type HttpStubs = Record<string, { status: number; json?: unknown }>;

/**
 * Runs one trigger once; `http.fetch` goes to `stubs` only (never the network), through the
 * engine's own egress policy (allowed_hosts, https) exactly as on the server.
 * @throws CliError when the context is refused by the engine
 */
export async function runOnce(
  engine: ScriptEngine,
  tree: ScriptTree,
  trigger: string,
  context: JsonObject,
  stubs: HttpStubs = {},
): Promise<RunOutput> {
  const ports: EnginePorts = { http: stubHttpPort(stubs), clock: systemClock };
  try {
    return await engine.run({ triggerEvent: trigger, context, scripts: specsFor(tree, trigger), ports });
  } catch (err) {
    if (err instanceof EngineInputError) throw new CliError(`context refused: ${err.message}`);
    throw err;
  }
}

/** The answer with its spans, shaped like `POST /v1/triggers/{event}/dry-run`. */
export function presentRun(run: RunOutput) {
  return { ...presentResult(run), spans: presentSpans(run.trace, run.spans) };
}

export const HttpStubsSchema = z.record(
  z.string(),
  z.object({ status: z.number().int().min(100).max(599), json: z.unknown() }).strict(),
);

const Case = z
  .object({
    context: z.record(z.string(), z.unknown()),
    expect: z
      .object({
        decision: z.enum(["allow", "block"]),
        blocked_by: z
          .union([z.string(), z.object({ name: z.string(), script_id: z.string(), reason: z.string() }).partial()])
          .optional(),
        data: z.record(z.string(), z.unknown()).optional(),
      })
      .strict(),
    http: HttpStubsSchema.optional(),
  })
  .strict();

export interface CaseResult {
  file: string;
  ok: boolean;
  /** What differed (empty when ok). */
  problems: string[];
}

/** True when `want` is contained in `got`: objects key by key, everything else equal. */
export function isSubset(want: unknown, got: unknown): boolean {
  if (want !== null && typeof want === "object" && !Array.isArray(want)) {
    if (got === null || typeof got !== "object" || Array.isArray(got)) return false;
    return Object.entries(want).every(([k, v]) => isSubset(v, (got as Record<string, unknown>)[k]));
  }
  return JSON.stringify(want) === JSON.stringify(got);
}

function check(run: RunOutput, expect: z.output<typeof Case>["expect"]): string[] {
  const { result } = run;
  const problems: string[] = [];
  const why = result.blocked_by ? ` (blocked by ${result.blocked_by.name}: ${result.blocked_by.reason})` : "";
  const errors = result.errors.length ? ` (errors: ${result.errors.map((e) => `${e.name}: ${e.message}`).join("; ")})` : "";
  if (result.decision !== expect.decision) {
    problems.push(`decision: expected ${expect.decision}, got ${result.decision}${why}${errors}`);
  }
  if (expect.blocked_by !== undefined) {
    const want = typeof expect.blocked_by === "string" ? { name: expect.blocked_by } : expect.blocked_by;
    if (!isSubset(want, result.blocked_by)) {
      problems.push(`blocked_by: expected ${JSON.stringify(want)}, got ${JSON.stringify(result.blocked_by)}`);
    }
  }
  if (expect.data !== undefined && !isSubset(expect.data, result.data)) {
    problems.push(`data: expected to contain ${JSON.stringify(expect.data)}, got ${JSON.stringify(result.data)}`);
  }
  return problems;
}

/** Every case file of the tree, as `<trigger>/tests/<name>.json`, sorted. */
export function caseFiles(tree: ScriptTree): string[] {
  return tree.triggers.flatMap((t) => {
    const folder = join(tree.dir, t, "tests");
    if (!existsSync(folder)) return [];
    return readdirSync(folder)
      .filter((f) => f.endsWith(".json"))
      .sort()
      .map((f) => `${t}/tests/${f}`);
  });
}

/** Runs one case file; a malformed file is a failed case naming the problem, never a crash. */
export async function runCase(engine: ScriptEngine, tree: ScriptTree, file: string): Promise<CaseResult> {
  const trigger = file.split("/")[0] as string;
  let parsed: z.output<typeof Case>;
  try {
    const raw = JSON.parse(readFileSync(join(tree.dir, file), "utf8"));
    const r = Case.safeParse(raw);
    if (!r.success) {
      const issue = r.error.issues[0];
      return { file, ok: false, problems: [`bad case file: ${issue?.path.join(".")}: ${issue?.message}`] };
    }
    parsed = r.data;
  } catch (err) {
    return { file, ok: false, problems: [`bad case file: ${(err as Error).message}`] };
  }
  try {
    const run = await runOnce(engine, tree, trigger, parsed.context as JsonObject, parsed.http);
    const problems = check(run, parsed.expect);
    return { file, ok: problems.length === 0, problems };
  } catch (err) {
    return { file, ok: false, problems: [(err as Error).message] };
  }
}
