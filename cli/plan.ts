/**
 * What `push` would change: the tree (desired) against the live scripts. Manifest entries with
 * an `id` match that script; others match an enabled live script of the same trigger and name
 * (so a tree without ids, like examples/scripts/, lines up with what it seeded), else they are
 * created. Enabled live scripts of the tree's triggers that nothing matched are disabled.
 */
import type { ApplyBody, LiveScript } from "./api";
import { CliError } from "./errors";
import type { DesiredScript, ScriptTree } from "./tree";

/**
 * Settings compared field by field (the slot and the source are reported on their own). The
 * last three are compared only when the server's scripts carry them.
 */
const SETTINGS = [
  "name",
  "description",
  "on_error",
  "instruction_budget",
  "enabled",
  "allowed_hosts",
  "timeout_ms",
  "mode",
] as const;
const OPTIONAL = new Set<string>(["allowed_hosts", "timeout_ms", "mode"]);
/** Defaults the API applies; a create leaves a field at its default out of the body. */
const DEFAULTS: Record<string, unknown> = { allowed_hosts: [], timeout_ms: 3_000, mode: "enforce" };
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
type Setting = (typeof SETTINGS)[number];

export interface SettingChange {
  field: Setting;
  from: unknown;
  to: unknown;
}

export type PlanItem =
  | { kind: "create"; desired: DesiredScript }
  | {
      kind: "update";
      live: LiveScript;
      desired: DesiredScript;
      settings: SettingChange[];
      moved: boolean;
      sourceChanged: boolean;
    }
  | { kind: "disable"; live: LiveScript };

const slotOf = (s: { trigger_event: string; layer_index: number; parallel_index: number }) =>
  `${s.trigger_event}/${s.layer_index}-${s.parallel_index}`;

function compare(live: LiveScript, desired: DesiredScript): PlanItem | null {
  const compared = SETTINGS.filter((f) => !OPTIONAL.has(f) || live[f] !== undefined);
  const settings = compared.filter((f) => !same(live[f], desired[f])).map((field) => ({
    field,
    from: live[field],
    to: desired[field],
  }));
  const moved = slotOf(live) !== slotOf(desired);
  const sourceChanged = live.source !== desired.source;
  if (!settings.length && !moved && !sourceChanged) return null;
  return { kind: "update", live, desired, settings, moved, sourceChanged };
}

/**
 * Each desired script with the live script it stands for (undefined: it is new).
 * @throws CliError when a manifest id is unknown to the server or listed twice
 */
function matchScripts(tree: ScriptTree, live: LiveScript[]): [DesiredScript, LiveScript | undefined][] {
  const byId = new Map(live.map((s) => [s.id, s]));
  const claimed = new Set<string>();
  const pairs: [DesiredScript, LiveScript | undefined][] = [];
  for (const [i, d] of tree.scripts.entries()) {
    if (d.id === undefined) continue;
    const match = byId.get(d.id);
    if (!match) throw new CliError(`manifest.json: scripts[${i}] (${d.name}): no script ${d.id} on the server`);
    if (claimed.has(d.id)) throw new CliError(`manifest.json: scripts[${i}]: id ${d.id} is listed twice`);
    claimed.add(d.id);
  }
  for (const d of tree.scripts) {
    let match = d.id === undefined ? undefined : byId.get(d.id);
    if (d.id === undefined) {
      match = live.find(
        (s) => s.enabled && !claimed.has(s.id) && s.trigger_event === d.trigger_event && s.name === d.name,
      );
      if (match) claimed.add(match.id);
    }
    pairs.push([d, match]);
  }
  return pairs;
}

/**
 * @throws CliError when a manifest id is unknown to the server or listed twice
 */
export function computePlan(tree: ScriptTree, live: LiveScript[]): PlanItem[] {
  const pairs = matchScripts(tree, live);
  const claimed = new Set(pairs.flatMap(([, match]) => (match ? [match.id] : [])));
  const items: PlanItem[] = [];
  for (const [desired, match] of pairs) {
    if (!match) {
      items.push({ kind: "create", desired });
      continue;
    }
    const item = compare(match, desired);
    if (item) items.push(item);
  }
  const owned = new Set(tree.triggers);
  for (const s of live) {
    if (s.enabled && owned.has(s.trigger_event) && !claimed.has(s.id)) items.push({ kind: "disable", live: s });
  }
  return items.sort((a, b) => triggerOf(a).localeCompare(triggerOf(b)));
}

function triggerOf(item: PlanItem): string {
  return item.kind === "disable" ? item.live.trigger_event : item.desired.trigger_event;
}

/** The body of `POST /v1/scripts/apply` for a plan; each update names the version it is based on. */
export function applyBody(items: PlanItem[]): ApplyBody {
  const body: ApplyBody = { create: [], update: [] };
  for (const item of items) {
    if (item.kind === "create") {
      const { id: _id, file: _file, secrets: _secrets, ...fields } = item.desired;
      const create: Record<string, unknown> = { ...fields };
      for (const [k, v] of Object.entries(DEFAULTS)) if (same(create[k], v)) delete create[k];
      body.create.push(create);
    } else if (item.kind === "disable") {
      body.update.push({ id: item.live.id, expected_version: item.live.current_version, enabled: false });
    } else {
      const d = item.desired;
      const change: ApplyBody["update"][number] = { id: item.live.id, expected_version: item.live.current_version };
      for (const s of item.settings) change[s.field] = s.to;
      if (item.moved) {
        Object.assign(change, {
          trigger_event: d.trigger_event,
          layer_index: d.layer_index,
          parallel_index: d.parallel_index,
        });
      }
      if (item.sourceChanged) change.source = d.source;
      body.update.push(change);
    }
  }
  return body;
}

/** Secrets the manifest names that the server lacks, and the reverse (values are never compared). */
export interface SecretGap {
  desired: DesiredScript;
  /** The live script; undefined when push will create it. */
  live?: LiveScript;
  missing: string[];
  unlisted: string[];
}

/**
 * The secret names of each script, tree against server, for scripts whose manifest entry lists
 * `secrets` (live scripts carry their names only when the server has a SECRETS_KEY). push cannot
 * set values, so these are warnings, not plan items.
 */
export function secretGaps(tree: ScriptTree, live: LiveScript[]): SecretGap[] {
  const gaps: SecretGap[] = [];
  for (const [desired, match] of matchScripts(tree, live)) {
    if (desired.secrets === undefined || (match && match.secrets === undefined)) continue;
    const have = new Set(match?.secrets ?? []);
    const want = new Set(desired.secrets);
    const missing = desired.secrets.filter((n) => !have.has(n));
    const unlisted = [...have].filter((n) => !want.has(n));
    if (missing.length || unlisted.length) gaps.push({ desired, live: match, missing, unlisted });
  }
  return gaps;
}
