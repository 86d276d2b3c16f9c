import type { Db, DbOrTrx } from '../core/db/index.js';

/** Appends one entry to the audit log. */
export async function insertAuditEntry(db: DbOrTrx, e: { staffId: number | null; action: string; target: string | null; details: string | null; at: number }): Promise<void> {
  await db.insertInto('audit_log').values({ staff_id: e.staffId, action: e.action, target: e.target, details: e.details, created_at: e.at }).execute();
}

/** Audit entries newest first, with the encrypted name of the staff member who acted. */
export async function listAuditEntries(db: Db, o: { limit: number; offset: number }) {
  return db
    .selectFrom('audit_log')
    .leftJoin('staff', 'staff.id', 'audit_log.staff_id')
    .select(['audit_log.id', 'audit_log.action', 'audit_log.target', 'audit_log.details', 'audit_log.created_at', 'staff.name_enc'])
    .orderBy('audit_log.id', 'desc')
    .limit(o.limit)
    .offset(o.offset)
    .execute();
}
