/**
 * Database access for the audit trail: the insert statement (batched with the change it records
 * where the change is one batch, so both land or neither), the filtered newest-first keyset
 * page of `GET /v1/audit`, and the 400-day retention delete. Each read walks one audit_* index.
 */
import { and, desc, eq, gte, inArray, lt, type SQL, sql } from "drizzle-orm";
import type { Cursor } from "../lib/time-params";
import type { Database } from "./client";
import { type AuditAction, type AuditRow, auditLog } from "./schema";

export type AuditInsert = typeof auditLog.$inferInsert;

/** Filters of `GET /v1/audit`. Instants are Unix ms (since inclusive, until exclusive). */
export interface AuditQuery {
  actor?: string;
  action?: AuditAction;
  targetId?: string;
  since?: number;
  until?: number;
  limit: number;
  cursor?: Cursor;
}

/** The statement that records one entry (await it, or put it in the change's batch). */
export function auditInsert(db: Database, entry: AuditInsert) {
  return db.insert(auditLog).values(entry);
}

/** One page, newest first, plus whether more rows follow. */
export async function listAudit(db: Database, q: AuditQuery): Promise<{ rows: AuditRow[]; more: boolean }> {
  const a = auditLog;
  const conditions: (SQL | undefined)[] = [
    q.actor !== undefined ? eq(a.actor, q.actor) : undefined,
    q.action !== undefined ? eq(a.action, q.action) : undefined,
    q.targetId !== undefined ? eq(a.targetId, q.targetId) : undefined,
    q.since !== undefined ? gte(a.at, q.since) : undefined,
    q.until !== undefined ? lt(a.at, q.until) : undefined,
    q.cursor !== undefined ? sql`(${a.at}, ${a.id}) < (${q.cursor.startedAt}, ${q.cursor.id})` : undefined,
  ];
  const rows = await db
    .select()
    .from(a)
    .where(and(...conditions))
    .orderBy(desc(a.at), desc(a.id))
    .limit(q.limit + 1);
  return { rows: rows.slice(0, q.limit), more: rows.length > q.limit };
}

/**
 * Deletes up to `limit` entries older than `cutoff` (oldest first, on audit_at_idx).
 * @returns how many rows were deleted
 */
export async function deleteAuditBefore(db: Database, cutoff: number, limit: number): Promise<number> {
  const due = db
    .select({ id: auditLog.id })
    .from(auditLog)
    .where(lt(auditLog.at, cutoff))
    .orderBy(auditLog.at)
    .limit(limit);
  const result = await db.delete(auditLog).where(inArray(auditLog.id, due));
  return result.rowsAffected;
}
