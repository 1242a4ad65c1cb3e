/**
 * Applies a whole plan of script changes (creates, updates, disables, moves) in ONE database
 * transaction: every update first proves it is based on the script's current version, then the
 * writes run; any failure rolls everything back. Slots are freed before they are taken, so two
 * scripts can swap places in one plan. The caller's audit entries are written in the same
 * transaction.
 */
import { and, eq, inArray } from "drizzle-orm";
import { isUniqueViolation } from "../lib/db-errors";
import type { AuditInsert } from "./audit-repo";
import type { Database } from "./client";
import { auditLog, pipelineScripts, pipelineScriptVersions } from "./schema";
import {
  type NewScript,
  newScriptRows,
  type ScriptChanges,
  settingsAfter,
  type VersionContent,
  versionRow,
} from "./scripts-repo";

export interface PlannedUpdate {
  id: string;
  expectedVersion: number;
  changes: ScriptChanges;
  /** Set when the source or the network settings change (a new version), decided before the transaction. */
  version: VersionContent | null;
}

export interface AppliedScript {
  id: string;
  name: string;
  triggerEvent: string;
  action: "created" | "updated";
  previousVersion: number | null;
  currentVersion: number;
  enabled: boolean;
}

/** Why a plan was refused; `item` is the body path, e.g. `update.2`. Nothing was written. */
export class PlanRejected extends Error {
  constructor(
    readonly reason: "missing" | "version" | "slot",
    readonly item: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

function slotChanges(c: ScriptChanges): boolean {
  return c.triggerEvent !== undefined || c.layerIndex !== undefined || c.parallelIndex !== undefined;
}

/**
 * Runs the plan in one write transaction (BEGIN IMMEDIATE) and returns what each item became.
 * @throws PlanRejected when an id is unknown, a version moved on or a slot is taken (rolled back)
 */
export async function applyScriptPlan(
  db: Database,
  creates: NewScript[],
  updates: PlannedUpdate[],
  now: number,
  audits: AuditInsert[] = [],
): Promise<AppliedScript[]> {
  return db.transaction(async (tx) => {
    const ids = updates.map((u) => u.id);
    const rows = ids.length
      ? await tx.select().from(pipelineScripts).where(inArray(pipelineScripts.id, ids))
      : [];
    const byId = new Map(rows.map((r) => [r.id, r]));
    const current = updates.map((u, i) => {
      const row = byId.get(u.id);
      if (!row) throw new PlanRejected("missing", `update.${i}`, `No script with id ${u.id}`);
      if (row.currentVersion !== u.expectedVersion) {
        throw new PlanRejected(
          "version",
          `update.${i}`,
          `Script ${u.id} (${row.name}) is at version ${row.currentVersion}, not ${u.expectedVersion}: it changed since the plan was made`,
          { script_id: u.id, expected_version: u.expectedVersion, current_version: row.currentVersion },
        );
      }
      return row;
    });
    const step = async (item: string, write: () => Promise<unknown>) => {
      try {
        await write();
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        const rejected = new PlanRejected(
          "slot",
          item,
          `${item}: another enabled script already holds this slot`,
        );
        rejected.cause = err;
        throw rejected;
      }
    };
    // Phase 1: free the slots of scripts that move or end disabled.
    for (const [i, u] of updates.entries()) {
      if (current[i]?.enabled && (u.changes.enabled === false || slotChanges(u.changes))) {
        await tx.update(pipelineScripts).set({ enabled: false }).where(eq(pipelineScripts.id, u.id));
      }
    }
    // Phase 2: the final fields, and a new version where the source or network settings changed.
    const applied: AppliedScript[] = [];
    for (const [i, u] of updates.entries()) {
      const row = current[i] as (typeof current)[number];
      const version = u.version ? row.currentVersion + 1 : row.currentVersion;
      if (u.version)
        await tx
          .insert(pipelineScriptVersions)
          .values(versionRow(u.id, version, u.version, settingsAfter(row, u.changes), now));
      const enabled = u.changes.enabled ?? row.enabled;
      await step(`update.${i}`, () =>
        tx
          .update(pipelineScripts)
          .set({ ...u.changes, enabled, currentVersion: version, updatedAt: now })
          .where(and(eq(pipelineScripts.id, u.id), eq(pipelineScripts.currentVersion, row.currentVersion))),
      );
      applied.push({
        id: u.id,
        name: u.changes.name ?? row.name,
        triggerEvent: u.changes.triggerEvent ?? row.triggerEvent,
        action: "updated",
        previousVersion: row.currentVersion,
        currentVersion: version,
        enabled,
      });
    }
    // Phase 3: new scripts, into slots the phases above may have freed.
    for (const [i, s] of creates.entries()) {
      const created = newScriptRows(s);
      await step(`create.${i}`, () => tx.insert(pipelineScripts).values(created.script));
      await tx.insert(pipelineScriptVersions).values(created.version);
      applied.push({
        id: s.id,
        name: s.name,
        triggerEvent: s.triggerEvent,
        action: "created",
        previousVersion: null,
        currentVersion: 1,
        enabled: s.enabled,
      });
    }
    // The audit entries land in the same transaction as the changes they record.
    if (audits.length) await tx.insert(auditLog).values(audits);
    return applied;
  });
}
