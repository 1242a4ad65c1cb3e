/**
 * Scripts as files: `<dir>/manifest.json` lists every script (settings, slot, the file with its
 * Lua source, the names of its secrets — never values) and `pull` lays them out as `<dir>/<trigger>/<layer>-<parallel>-<slug>.lua`.
 * Any layout works as input as long as the manifest names the files (examples/scripts/ does).
 * The manifest's `triggers` are the triggers this tree owns: a live script of such a trigger
 * that the manifest does not list is disabled by `push`; other triggers are left alone.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { z } from "zod";
import type { LiveScript } from "./api";
import { CliError } from "./errors";

export const MANIFEST = "manifest.json";

const ManifestScript = z
  .object({
    id: z.string().min(1).optional(),
    name: z.string().min(1),
    description: z.string().nullable().optional(),
    file: z.string().min(1),
    trigger_event: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, "must match ^[a-z][a-z0-9_]{0,63}$"),
    layer_index: z.number().int().min(0).max(99),
    parallel_index: z.number().int().min(0).max(99),
    enabled: z.boolean().default(true),
    on_error: z.enum(["continue", "block"]).default("continue"),
    instruction_budget: z.number().int().min(1_000).max(100_000_000).default(1_000_000),
    /** Names of the secrets the script reads (values never live in the tree; `plan` checks they are set). */
    secrets: z.array(z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, "must match ^[A-Z][A-Z0-9_]{0,63}$")).optional(),
    /** Hosts http.fetch may reach (offline runs check them like the server; [] = no network). */
    allowed_hosts: z.array(z.string().min(1)).default([]),
    /** Deadline of one run while it waits on I/O. */
    timeout_ms: z.number().int().min(1).max(30_000).default(3_000),
    /** `shadow`: runs on live traffic and is traced, never changes the answer (issue 13). */
    mode: z.enum(["enforce", "shadow"]).default("enforce"),
  })
  .strict();

const Manifest = z.object({
  triggers: z.array(z.string()).optional(),
  scripts: z.array(ManifestScript),
});

/** One script as the tree wants it (defaults filled in, source read). */
export type DesiredScript = z.output<typeof ManifestScript> & { description: string | null; source: string };

export interface ScriptTree {
  dir: string;
  /** Triggers this tree owns (listed in the manifest, or holding one of its scripts). */
  triggers: string[];
  scripts: DesiredScript[];
}

function issuePath(path: PropertyKey[]): string {
  return path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "");
}

/**
 * Reads `<dir>/manifest.json` and the files it names.
 * @throws CliError naming the file and field on a missing or malformed manifest or a missing file
 */
export function readTree(dir: string): ScriptTree {
  const path = join(dir, MANIFEST);
  if (!existsSync(path)) throw new CliError(`${path} not found (run \`hookline pull ${dir}\` first)`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new CliError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = Manifest.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError(`${path}: ${issuePath(issue?.path ?? [])}: ${issue?.message}`);
  }
  const root = resolve(dir);
  const scripts = parsed.data.scripts.map((s, i) => {
    const file = resolve(root, s.file);
    if (relative(root, file).startsWith("..")) throw new CliError(`${path}: scripts[${i}].file leaves ${dir}`);
    if (!existsSync(file)) throw new CliError(`${path}: scripts[${i}].file ${s.file} not found`);
    return { ...s, description: s.description ?? null, source: readFileSync(file, "utf8") };
  });
  const triggers = [...new Set([...(parsed.data.triggers ?? []), ...scripts.map((s) => s.trigger_event)])].sort();
  return { dir, triggers, scripts };
}

/** `Geo Blocker` → `geo-blocker` (a file-name-safe slug; `script` when nothing is left). */
export function slug(name: string): string {
  const s = name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60);
  return s || "script";
}

/** The manifest entry `pull` writes for a live script (defaults written out, so diffs read well). */
function manifestEntry(s: LiveScript, file: string) {
  return {
    id: s.id,
    name: s.name,
    ...(s.description !== null ? { description: s.description } : {}),
    file,
    trigger_event: s.trigger_event,
    layer_index: s.layer_index,
    parallel_index: s.parallel_index,
    on_error: s.on_error,
    instruction_budget: s.instruction_budget,
    ...(s.secrets !== undefined ? { secrets: s.secrets } : {}),
    ...(s.allowed_hosts !== undefined ? { allowed_hosts: s.allowed_hosts } : {}),
    ...(s.timeout_ms !== undefined ? { timeout_ms: s.timeout_ms } : {}),
    ...(s.mode !== undefined ? { mode: s.mode } : {}),
  };
}

/**
 * Writes the enabled live scripts as a tree. Refuses a directory that already holds a manifest
 * unless `force`; then it replaces the manifest and the `.lua` files of the pulled triggers'
 * folders (their `tests/` stay).
 * @returns the files written, relative to `dir`
 */
export function writeTree(dir: string, live: LiveScript[], force: boolean): string[] {
  if (existsSync(join(dir, MANIFEST)) && !force) {
    throw new CliError(`${join(dir, MANIFEST)} exists: pass --force to overwrite the pulled files`);
  }
  const enabled = live
    .filter((s) => s.enabled)
    .sort(
      (a, b) =>
        a.trigger_event.localeCompare(b.trigger_event) ||
        a.layer_index - b.layer_index ||
        a.parallel_index - b.parallel_index,
    );
  const triggers = [...new Set(enabled.map((s) => s.trigger_event))];
  for (const t of triggers) {
    const folder = join(dir, t);
    if (!existsSync(folder)) continue;
    for (const f of readdirSync(folder)) if (f.endsWith(".lua")) rmSync(join(folder, f));
  }
  const written: string[] = [];
  const entries = enabled.map((s) => {
    const file = `${s.trigger_event}/${s.layer_index}-${s.parallel_index}-${slug(s.name)}.lua`;
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), s.source);
    written.push(file);
    return manifestEntry(s, file);
  });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, MANIFEST), `${JSON.stringify({ triggers, scripts: entries }, null, 2)}\n`);
  return [MANIFEST, ...written];
}
