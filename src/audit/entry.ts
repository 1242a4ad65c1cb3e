/**
 * Building audit entries from a request: who (the token's name from `c.var.principal`), the
 * request id, when, and what. Routes pass the action, the target and the versions; this module
 * fills in the rest, so every entry has the same shape.
 */
import type { Context } from "hono";
import type { AuditInsert } from "../db/audit-repo";
import type { AuditAction } from "../db/schema";
import { randomHex } from "../lib/hex";
import type { AppEnv } from "../types";

/** Audit entries are kept this long (the daily cron deletes older ones). */
export const AUDIT_RETENTION_DAYS = 400;

export interface AuditFacts {
  action: AuditAction;
  targetType: "script" | "trigger" | "user" | "traces" | "secrets";
  targetId?: string | null;
  beforeVersion?: number | null;
  afterVersion?: number | null;
  /** Names, counts and flags only: never secret values or trace contents. */
  details?: Record<string, unknown>;
}

/** An entry for `facts`, made by the caller of `c` now. */
export function auditEntry(c: Context<AppEnv>, facts: AuditFacts, now = Date.now()): AuditInsert {
  return {
    id: randomHex(16),
    at: now,
    actor: c.var.principal?.name ?? "unknown",
    action: facts.action,
    targetType: facts.targetType,
    targetId: facts.targetId ?? null,
    requestId: c.var.requestId,
    beforeVersion: facts.beforeVersion ?? null,
    afterVersion: facts.afterVersion ?? null,
    details: facts.details ? JSON.stringify(facts.details) : null,
  };
}
