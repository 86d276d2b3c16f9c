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

/**
 * An audit entry in words, after the name of who did it: `did` "opened the petition" and the `title` "Label the
 * cotton" read "Amina opened the petition ‘Label the cotton’"; `subject` is shown unquoted (a person's name).
 */
export interface AuditDescription {
  did: string;
  /** A title, shown in quotation marks. */
  title?: string | undefined;
  /** A name or description, shown as it is ("Amina Yusuf", "12 supporters"). */
  subject?: string | undefined;
  /** The admin page of what was acted on, when it has one. */
  href?: string | undefined;
  /** A few words more, shown after it ("212 rows", "from editor to campaigner"). */
  more?: string | undefined;
  /** Who did it, when it was not a staff member ("Someone", "The command line"); "Lantern" when unsaid. */
  who?: string | undefined;
}

/**
 * A capability's way of putting its audit entries in words: for the entries whose codes it knows (others it leaves
 * out), by entry id. Given the whole page of entries at once, so it can look up the titles it needs in one query.
 */
export type AuditDescriber = (db: Db, entries: readonly AuditRecord[]) => Promise<Map<number, AuditDescription>>;

/** The entry's details as an object (empty when there are none or they are not JSON). */
export function auditDetails(r: Pick<AuditRecord, 'details'>): Record<string, unknown> {
  if (!r.details) return {};
  try {
    const v: unknown = JSON.parse(r.details);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The number in a target such as "action 12", when the target names that kind of thing. */
export function targetId(target: string | null, noun: string): number | undefined {
  const m = target === null ? null : new RegExp(`^${noun} (\\d+)$`).exec(target);
  return m ? Number(m[1]) : undefined;
}

/** An entry no capability describes, still in words: "recorded “widget frobnicate”" (widget 3). */
export function fallbackDescription(r: AuditRecord): AuditDescription {
  return { did: `recorded “${r.action.replace(/[._]+/g, ' ')}”`, more: r.target ?? undefined };
}

/** Every entry in words: the first describer that knows an entry's code wins; unknown codes fall back to the code in words. */
export async function describeAuditRecords(
  db: Db,
  describers: readonly AuditDescriber[],
  records: readonly AuditRecord[],
): Promise<Map<number, AuditDescription>> {
  const out = new Map<number, AuditDescription>();
  for (const d of describers) {
    const todo = records.filter((r) => !out.has(r.id));
    if (todo.length === 0) break;
    for (const [id, description] of await d(db, todo)) if (!out.has(id)) out.set(id, description);
  }
  for (const r of records) if (!out.has(r.id)) out.set(r.id, fallbackDescription(r));
  return out;
}
