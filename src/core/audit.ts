import type { Db, DbOrTrx } from './db/index.js';

// The audit log: every staff action that changes something, or reads personal data in bulk (an export), is written
// here in the same transaction as the change. Any capability records into it; the staff capability shows it.

export interface AuditRecord {
  id: number;
  staffId: number | null;
  action: string;
  target: string | null;
  /** JSON text of the entry's details, if any (never personal data). */
  details: string | null;
  createdAt: number;
}

/**
 * Records a staff action in the audit log. `action` is a short verb phrase ("settings.update", "job.retry");
 * `target` names what was acted on without personal data ("job 12", "staff 3").
 */
export async function recordAudit(
  db: DbOrTrx,
  e: { staffId: number | null; action: string; target?: string; details?: Record<string, unknown> },
): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      staff_id: e.staffId,
      action: e.action,
      target: e.target ?? null,
      details: e.details ? JSON.stringify(e.details) : null,
      created_at: Date.now(),
    })
    .execute();
}

/** Audit entries, newest first. */
export async function listAuditRecords(db: Db, o: { limit: number; offset: number }): Promise<AuditRecord[]> {
  const rows = await db
    .selectFrom('audit_log')
    .select(['id', 'staff_id', 'action', 'target', 'details', 'created_at'])
    .orderBy('id', 'desc')
    .limit(o.limit)
    .offset(o.offset)
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    staffId: r.staff_id,
    action: r.action,
    target: r.target,
    details: r.details,
    createdAt: r.created_at,
  }));
}
