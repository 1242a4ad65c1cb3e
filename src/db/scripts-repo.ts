/**
 * Database access for scripts and their immutable versions. Routes and the script cache call
 * these; nothing else in the worker writes `pipeline_scripts` or `pipeline_script_versions`.
 */
import { and, asc, eq, inArray } from "drizzle-orm";
import { type AuditInsert, auditInsert } from "./audit-repo";
import type { Database } from "./client";
import {
  type OnErrorPolicy,
  pipelineScripts,
  pipelineScriptVersions,
  type ScriptMode,
  type ScriptRow,
  type ScriptVersionRow,
} from "./schema";

/**
 * What a version holds besides its number: the source and the network settings. A change to any
 * of them appends a new version; a version is never edited.
 */
export interface VersionContent {
  source: string;
  sha256: string;
  /** Hosts http.fetch may reach (`api.example.com`, `*.example.com`); `[]` = no network. */
  allowedHosts: string[];
  /** Deadline of one run while it waits on I/O, in ms. */
  timeoutMs: number;
}

/** A script together with the content of its current version. */
export interface ScriptWithSource extends ScriptRow, VersionContent {}

export interface NewScript extends VersionContent {
  id: string;
  name: string;
  description: string | null;
  triggerEvent: string;
  layerIndex: number;
  parallelIndex: number;
  enabled: boolean;
  onError: OnErrorPolicy;
  instructionBudget: number;
  mode: ScriptMode;
  now: number;
}

const withSource = {
  script: pipelineScripts,
  source: pipelineScriptVersions.source,
  sha256: pipelineScriptVersions.sha256,
  allowedHosts: pipelineScriptVersions.allowedHosts,
  timeoutMs: pipelineScriptVersions.timeoutMs,
};

const currentVersionJoin = and(
  eq(pipelineScriptVersions.scriptId, pipelineScripts.id),
  eq(pipelineScriptVersions.version, pipelineScripts.currentVersion),
);

const flatten = ({ script, ...content }: { script: ScriptRow } & VersionContent): ScriptWithSource => ({
  ...script,
  ...content,
});

/** The run settings a version records as they were when it was made (a rollback restores them). */
export type RunSettings = Pick<ScriptRow, "onError" | "instructionBudget" | "mode">;

/** The run settings of `row` once `changes` apply. */
export function settingsAfter(row: RunSettings, changes: Partial<RunSettings> = {}): RunSettings {
  return {
    onError: changes.onError ?? row.onError,
    instructionBudget: changes.instructionBudget ?? row.instructionBudget,
    mode: changes.mode ?? row.mode,
  };
}

/** The row of version `version` of script `scriptId`, with the run settings in force. */
export function versionRow(
  scriptId: string,
  version: number,
  c: VersionContent,
  settings: RunSettings,
  now: number,
) {
  const { source, sha256, allowedHosts, timeoutMs } = c;
  const { onError, instructionBudget, mode } = settings;
  return {
    scriptId,
    version,
    source,
    sha256,
    allowedHosts,
    timeoutMs,
    onError,
    instructionBudget,
    mode,
    createdAt: now,
  };
}

/** Every enabled script of every trigger, with its current source, in execution order. */
export async function listEnabledScripts(db: Database): Promise<ScriptWithSource[]> {
  const rows = await db
    .select(withSource)
    .from(pipelineScripts)
    .innerJoin(pipelineScriptVersions, currentVersionJoin)
    .where(eq(pipelineScripts.enabled, true))
    .orderBy(
      asc(pipelineScripts.triggerEvent),
      asc(pipelineScripts.layerIndex),
      asc(pipelineScripts.parallelIndex),
    );
  return rows.map(flatten);
}

/** Scripts (enabled or not), optionally of one trigger, with their current source. */
export async function listScripts(db: Database, triggerEvent?: string): Promise<ScriptWithSource[]> {
  const rows = await db
    .select(withSource)
    .from(pipelineScripts)
    .innerJoin(pipelineScriptVersions, currentVersionJoin)
    .where(triggerEvent ? eq(pipelineScripts.triggerEvent, triggerEvent) : undefined)
    .orderBy(
      asc(pipelineScripts.triggerEvent),
      asc(pipelineScripts.layerIndex),
      asc(pipelineScripts.parallelIndex),
      asc(pipelineScripts.createdAt),
    );
  return rows.map(flatten);
}

/** One script with its current source, or null. */
export async function getScript(db: Database, id: string): Promise<ScriptWithSource | null> {
  const rows = await db
    .select(withSource)
    .from(pipelineScripts)
    .innerJoin(pipelineScriptVersions, currentVersionJoin)
    .where(eq(pipelineScripts.id, id));
  return rows[0] ? flatten(rows[0]) : null;
}

/** The scripts with these ids (any order; unknown ids are simply absent). */
export async function getScriptsByIds(db: Database, ids: string[]): Promise<ScriptWithSource[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select(withSource)
    .from(pipelineScripts)
    .innerJoin(pipelineScriptVersions, currentVersionJoin)
    .where(inArray(pipelineScripts.id, ids));
  return rows.map(flatten);
}

/** The rows of a new script at version 1 (shared by insertScript and the plan apply). */
export function newScriptRows(s: NewScript) {
  return {
    script: {
      id: s.id,
      name: s.name,
      description: s.description,
      triggerEvent: s.triggerEvent,
      layerIndex: s.layerIndex,
      parallelIndex: s.parallelIndex,
      enabled: s.enabled,
      onError: s.onError,
      instructionBudget: s.instructionBudget,
      mode: s.mode,
      currentVersion: 1,
      createdAt: s.now,
      updatedAt: s.now,
    },
    version: versionRow(s.id, 1, s, s, s.now),
  };
}

/** Inserts a script and its version 1 (and its audit entry) in one batch (one transaction). */
export async function insertScript(db: Database, s: NewScript, audit?: AuditInsert): Promise<void> {
  const rows = newScriptRows(s);
  const script = db.insert(pipelineScripts).values(rows.script);
  const version = db.insert(pipelineScriptVersions).values(rows.version);
  await (audit ? db.batch([script, version, auditInsert(db, audit)]) : db.batch([script, version]));
}

export type ScriptChanges = Partial<
  Pick<
    ScriptRow,
    | "name"
    | "description"
    | "triggerEvent"
    | "layerIndex"
    | "parallelIndex"
    | "enabled"
    | "onError"
    | "instructionBudget"
    | "mode"
  >
>;

/**
 * Applies field changes and, when `newVersion` is given, appends version `current + 1` and points
 * the script at it — in one batch, guarded by the version read before, so two concurrent edits
 * cannot both claim the same version number (the loser fails on the primary key). The audit
 * entry, when given, is written in the same batch.
 */
export async function updateScript(
  db: Database,
  current: ScriptWithSource,
  changes: ScriptChanges,
  newVersion: VersionContent | null,
  now: number,
  audit?: AuditInsert,
): Promise<void> {
  const version = newVersion ? current.currentVersion + 1 : current.currentVersion;
  const update = db
    .update(pipelineScripts)
    .set({ ...changes, currentVersion: version, updatedAt: now })
    .where(
      and(eq(pipelineScripts.id, current.id), eq(pipelineScripts.currentVersion, current.currentVersion)),
    );
  const auditRow = audit ? [auditInsert(db, audit)] : [];
  if (!newVersion) {
    await db.batch([update, ...auditRow]);
    return;
  }
  const insertVersion = db
    .insert(pipelineScriptVersions)
    .values(versionRow(current.id, version, newVersion, settingsAfter(current, changes), now));
  await db.batch([insertVersion, update, ...auditRow]);
}

/** All versions of a script, oldest first. */
export async function listVersions(db: Database, scriptId: string): Promise<ScriptVersionRow[]> {
  return db
    .select()
    .from(pipelineScriptVersions)
    .where(eq(pipelineScriptVersions.scriptId, scriptId))
    .orderBy(asc(pipelineScriptVersions.version));
}

/** One version of a script, or null. */
export async function getVersion(
  db: Database,
  scriptId: string,
  version: number,
): Promise<ScriptVersionRow | null> {
  const rows = await db
    .select()
    .from(pipelineScriptVersions)
    .where(and(eq(pipelineScriptVersions.scriptId, scriptId), eq(pipelineScriptVersions.version, version)));
  return rows[0] ?? null;
}
