/**
 * Database access for script secrets (`script_secrets`). Rows hold ciphertext only; sealing and
 * opening is src/secrets/crypto.ts. Nothing else in the worker reads or writes this table.
 */
import { and, asc, eq, inArray, ne, sql } from "drizzle-orm";
import type { AuditInsert } from "./audit-repo";
import type { Database } from "./client";
import { pipelineScripts, type ScriptSecretRow, scriptSecrets } from "./schema";

/** What the API lists: names and times, never the ciphertext. */
export type SecretInfo = Pick<ScriptSecretRow, "name" | "keyId" | "createdAt" | "updatedAt">;

export interface SecretWrite {
  scriptId: string;
  name: string;
  keyId: string;
  iv: string;
  ciphertext: string;
  now: number;
}

/** The secrets of one script, by name. */
export async function listSecretInfo(db: Database, scriptId: string): Promise<SecretInfo[]> {
  return db
    .select({
      name: scriptSecrets.name,
      keyId: scriptSecrets.keyId,
      createdAt: scriptSecrets.createdAt,
      updatedAt: scriptSecrets.updatedAt,
    })
    .from(scriptSecrets)
    .where(eq(scriptSecrets.scriptId, scriptId))
    .orderBy(asc(scriptSecrets.name));
}

/** Every row (with ciphertext) of these scripts, for the script cache to decrypt. */
export async function listSealedSecrets(db: Database, scriptIds: string[]): Promise<ScriptSecretRow[]> {
  if (scriptIds.length === 0) return [];
  const rows: ScriptSecretRow[] = [];
  for (let i = 0; i < scriptIds.length; i += 200) {
    const page = scriptIds.slice(i, i + 200);
    rows.push(...(await db.select().from(scriptSecrets).where(inArray(scriptSecrets.scriptId, page))));
  }
  return rows;
}

/** Every row of every enabled script, in one query (the script cache loads it next to the scripts). */
export async function listEnabledSealedSecrets(db: Database): Promise<ScriptSecretRow[]> {
  const rows = await db
    .select({ secret: scriptSecrets })
    .from(scriptSecrets)
    .innerJoin(pipelineScripts, eq(pipelineScripts.id, scriptSecrets.scriptId))
    .where(eq(pipelineScripts.enabled, true));
  return rows.map((r) => r.secret);
}

/**
 * The audit row of the change just made in the same batch, inserted only when that statement
 * changed a row (`changes()`), so a refused write or a delete of nothing records nothing.
 */
function auditIfChanged(db: Database, a: AuditInsert) {
  return db.run(sql`
    insert into audit_log (id, at, actor, action, target_type, target_id, request_id, before_version, after_version, details)
    select ${a.id}, ${a.at}, ${a.actor}, ${a.action}, ${a.targetType}, ${a.targetId ?? null}, ${a.requestId},
           ${a.beforeVersion ?? null}, ${a.afterVersion ?? null}, ${a.details ?? null}
    where changes() > 0`);
}

/**
 * Inserts or replaces a secret in one statement that also enforces the per-script count: a new
 * name is only inserted while the script has fewer than `maxPerScript` secrets, so two
 * concurrent writes cannot pass the limit together. The audit row lands in the same batch.
 * Returns null when refused by the limit.
 */
export async function upsertSecret(
  db: Database,
  w: SecretWrite,
  maxPerScript: number,
  audit: AuditInsert,
): Promise<{ created: boolean; info: SecretInfo } | null> {
  const [upsert] = await db.batch([
    db.run(sql`
    insert into script_secrets (script_id, name, key_id, iv, ciphertext, created_at, updated_at)
    select ${w.scriptId}, ${w.name}, ${w.keyId}, ${w.iv}, ${w.ciphertext}, ${w.now}, ${w.now}
    where exists (select 1 from script_secrets where script_id = ${w.scriptId} and name = ${w.name})
       or (select count(*) from script_secrets where script_id = ${w.scriptId}) < ${maxPerScript}
    on conflict (script_id, name) do update set
      key_id = excluded.key_id, iv = excluded.iv, ciphertext = excluded.ciphertext,
      updated_at = excluded.updated_at
    returning created_at, updated_at`),
    auditIfChanged(db, audit),
  ]);
  const row = upsert.rows[0] as unknown as { created_at: number; updated_at: number } | undefined;
  if (!row) return null;
  const created = Number(row.created_at) === w.now && Number(row.updated_at) === w.now;
  return {
    created,
    info: {
      name: w.name,
      keyId: w.keyId,
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
    },
  };
}

/** Deletes one secret (and records it in the same batch); true when it existed. */
export async function deleteSecret(
  db: Database,
  scriptId: string,
  name: string,
  audit: AuditInsert,
): Promise<boolean> {
  const [deleted] = await db.batch([
    db.run(sql`delete from script_secrets where script_id = ${scriptId} and name = ${name}`),
    auditIfChanged(db, audit),
  ]);
  return deleted.rowsAffected > 0;
}

/** Rows written under a key other than `currentKeyId` (what a rotation still has to re-encrypt). */
export async function listSealedNotUnder(
  db: Database,
  currentKeyId: string,
  limit: number,
): Promise<ScriptSecretRow[]> {
  return db.select().from(scriptSecrets).where(ne(scriptSecrets.keyId, currentKeyId)).limit(limit);
}

/**
 * Replaces one row's ciphertext if it is still the one that was read (so a concurrent PUT of a
 * new value is never overwritten with the old one). Returns true when replaced.
 */
export async function reseal(
  db: Database,
  old: ScriptSecretRow,
  next: Omit<SecretWrite, "now">,
): Promise<boolean> {
  const rows = await db
    .update(scriptSecrets)
    .set({ keyId: next.keyId, iv: next.iv, ciphertext: next.ciphertext })
    .where(
      and(
        eq(scriptSecrets.scriptId, old.scriptId),
        eq(scriptSecrets.name, old.name),
        eq(scriptSecrets.ciphertext, old.ciphertext),
      ),
    )
    .returning({ name: scriptSecrets.name });
  return rows.length > 0;
}
