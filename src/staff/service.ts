import type { Keyring } from '../core/crypto.js';
import type { Db, DbOrTrx } from '../core/db/index.js';
import { insertAuditEntry, listAuditEntries } from './queries.js';

export interface AuditEntry {
  id: number;
  staffName: string | null;
  action: string;
  target: string | null;
  createdAt: number;
}

/**
 * Records a staff action in the audit log. `action` is a short verb phrase ("settings.update", "job.retry");
 * `target` names what was acted on without personal data ("job 12", "staff 3").
 */
export async function recordAudit(db: DbOrTrx, e: { staffId: number | null; action: string; target?: string; details?: Record<string, unknown> }): Promise<void> {
  await insertAuditEntry(db, { staffId: e.staffId, action: e.action, target: e.target ?? null, details: e.details ? JSON.stringify(e.details) : null, at: Date.now() });
}

/** The audit log, newest first, with staff names decrypted. */
export async function listAudit(db: Db, keyring: Keyring, o: { limit: number; offset?: number }): Promise<AuditEntry[]> {
  const rows = await listAuditEntries(db, { limit: o.limit, offset: o.offset ?? 0 });
  return rows.map((r) => ({ id: r.id, staffName: keyring.decryptNullable(r.name_enc), action: r.action, target: r.target, createdAt: r.created_at }));
}
