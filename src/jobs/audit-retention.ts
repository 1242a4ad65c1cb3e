/**
 * Audit-trail retention: deletes entries older than 400 days in bounded batches. Run by the
 * daily cron after the trace cleanup.
 */
import { AUDIT_RETENTION_DAYS } from "../audit/entry";
import { deleteAuditBefore } from "../db/audit-repo";
import type { Database } from "../db/client";

const DAY_MS = 86_400_000;
const BATCH = 1000;
/** At most this many batches per run; the next day's run goes on. */
const MAX_BATCHES = 50;

/** Deletes expired audit entries; answers the cutoff and how many rows went. */
export async function cleanupExpiredAudit(
  db: Database,
  now: number,
): Promise<{ cutoff: number; deleted: number }> {
  const cutoff = now - AUDIT_RETENTION_DAYS * DAY_MS;
  let deleted = 0;
  for (let i = 0; i < MAX_BATCHES; i++) {
    const n = await deleteAuditBefore(db, cutoff, BATCH);
    deleted += n;
    if (n < BATCH) break;
  }
  return { cutoff, deleted };
}
