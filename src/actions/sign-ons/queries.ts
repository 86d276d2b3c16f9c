import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import { deleteTokensOfSubjects, findToken, insertToken, newestTokenAt, spendToken } from '../../core/tokens.js';
import type { DbOrTrx } from '../../core/db/index.js';
import type { SignOnStatus, SignOnsTable } from './tables.js';

// The SQL of organisation sign-ons: the sign_ons rows, their confirmation tokens, the spent proofs of work, and the
// uploaded logos in `files`. Query functions answer one question each and hold no rules.

export type SignOnRow = Selectable<SignOnsTable>;

const HOUR_MS = 3_600_000;

// ---- sign-ons ----

/** Stores a new sign-on; returns its id. Throws a unique violation when the address already signed this action. */
export async function insertSignOn(db: DbOrTrx, row: Insertable<SignOnsTable>): Promise<number> {
  const r = await db.insertInto('sign_ons').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

/** The sign-on of this action made with this address (by its blind index), if any. */
export async function findSignOnByEmailIndex(db: DbOrTrx, actionId: number, emailIndex: string): Promise<SignOnRow | undefined> {
  return db.selectFrom('sign_ons').selectAll().where('action_id', '=', actionId).where('email_index', '=', emailIndex).executeTakeFirst();
}

/** One sign-on by id. */
export async function findSignOnById(db: DbOrTrx, id: number): Promise<SignOnRow | undefined> {
  return db.selectFrom('sign_ons').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Moves a sign-on to `to` if it is in one of the states `from`; returns whether it moved. The condition is in the
 * UPDATE itself, so two staff pressing buttons at once, or a confirmation link used twice, change it only once.
 */
export async function moveSignOn(
  db: DbOrTrx,
  id: number,
  o: { from: readonly SignOnStatus[]; to: SignOnStatus; at: number; confirmedAt?: number; staffId?: number | null },
): Promise<boolean> {
  const r = await db
    .updateTable('sign_ons')
    .set({
      status: o.to,
      ...(o.confirmedAt !== undefined ? { confirmed_at: o.confirmedAt } : {}),
      ...(o.staffId !== undefined ? { decided_at: o.at, decided_by: o.staffId } : {}),
    })
    .where('id', '=', id)
    .where('status', 'in', [...o.from])
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** The approved sign-ons of an action, as the public sees them (no contact details), in the order they were approved. */
export async function listApprovedSignOns(db: DbOrTrx, actionId: number, limit: number) {
  return db
    .selectFrom('sign_ons')
    .select(['id', 'organisation', 'website', 'logo_file_id', 'decided_at'])
    .where('action_id', '=', actionId)
    .where('status', '=', 'approved')
    .where('organisation', 'is not', null)
    .orderBy('decided_at')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** How many sign-ons of an action are approved. */
export async function countApproved(db: DbOrTrx, actionId: number): Promise<number> {
  const r = await db
    .selectFrom('sign_ons')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('action_id', '=', actionId)
    .where('status', '=', 'approved')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** How many sign-ons of an action are in each state. */
export async function countSignOnsByStatus(db: DbOrTrx, actionId: number): Promise<Record<SignOnStatus, number>> {
  const rows = await db
    .selectFrom('sign_ons')
    .select(['status', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('action_id', '=', actionId)
    .groupBy('status')
    .execute();
  const out: Record<SignOnStatus, number> = { unconfirmed: 0, pending: 0, approved: 0, rejected: 0 };
  for (const r of rows) out[r.status] = Number(r.n);
  return out;
}

/** Approvals per UTC hour (hours since the epoch), portable SQL: integer division on both dialects. */
export async function approvalsPerHour(db: DbOrTrx, actionId: number): Promise<Array<{ hour: number; count: number }>> {
  const hour = sql<number>`decided_at / ${sql.lit(HOUR_MS)}`;
  const rows = await db
    .selectFrom('sign_ons')
    .select([hour.as('hour'), (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('action_id', '=', actionId)
    .where('status', '=', 'approved')
    .where('decided_at', 'is not', null)
    .groupBy(hour)
    .execute();
  return rows.map((r) => ({ hour: Number(r.hour), count: Number(r.n) }));
}

/** A page of an action's sign-ons in one state for staff, oldest first (the queue is worked from the front). */
export async function listSignOnsInState(
  db: DbOrTrx,
  actionId: number,
  status: SignOnStatus,
  o: { limit: number; offset: number },
): Promise<SignOnRow[]> {
  return db
    .selectFrom('sign_ons')
    .selectAll()
    .where('action_id', '=', actionId)
    .where('status', '=', status)
    .orderBy('created_at')
    .orderBy('id')
    .limit(o.limit)
    .offset(o.offset)
    .execute();
}

/** Every sign-on of an action with an id above `afterId`, a page at a time (for the export). */
export async function listSignOnsAfter(db: DbOrTrx, actionId: number, afterId: number, limit: number): Promise<SignOnRow[]> {
  return db
    .selectFrom('sign_ons')
    .selectAll()
    .where('action_id', '=', actionId)
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
}

// ---- confirmation tokens and spent proofs of work (the shared tokens table) ----

/** Stores a confirmation token by its hash (usedAt set: only a marker that this sign-on was emailed). */
export async function insertSignOnToken(
  db: DbOrTrx,
  t: { tokenHash: string; signOnId: number; at: number; expiresAt: number; usedAt?: number | null },
): Promise<void> {
  await insertToken(db, {
    tokenHash: t.tokenHash,
    purpose: 'sign_on_confirm',
    subjectId: t.signOnId,
    at: t.at,
    expiresAt: t.expiresAt,
    usedAt: t.usedAt ?? null,
  });
}

/** The confirmation token with this hash, used or not. */
export async function findSignOnToken(db: DbOrTrx, tokenHash: string) {
  return findToken(db, tokenHash, 'sign_on_confirm');
}

/** Marks an unused, unexpired confirmation token used; returns its sign-on's id, or undefined. */
export async function useSignOnToken(db: DbOrTrx, tokenHash: string, now: number): Promise<number | undefined> {
  return spendToken(db, tokenHash, 'sign_on_confirm', now);
}

/** When the newest email about this sign-on went out (its newest token), if ever. */
export async function newestSignOnTokenAt(db: DbOrTrx, signOnId: number): Promise<number | undefined> {
  return newestTokenAt(db, 'sign_on_confirm', signOnId);
}

/** Deletes the tokens of these sign-ons (old sign-ons never confirmed). */
export async function deleteSignOnTokens(db: DbOrTrx, signOnIds: readonly number[]): Promise<void> {
  await deleteTokensOfSubjects(db, 'sign_on_confirm', signOnIds);
}

/** Sign-ons never confirmed and created before `before`, a batch at a time. */
export async function findUnconfirmedBefore(
  db: DbOrTrx,
  before: number,
  limit: number,
): Promise<Array<{ id: number; logo_file_id: number | null }>> {
  const rows = await db
    .selectFrom('sign_ons')
    .select(['id', 'logo_file_id'])
    .where('status', '=', 'unconfirmed')
    .where('created_at', '<', before)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: Number(r.id), logo_file_id: r.logo_file_id === null ? null : Number(r.logo_file_id) }));
}

/** The sign-ons made from this address, with their state. */
export async function listSignOnsByEmailIndex(db: DbOrTrx, emailIndex: string): Promise<Array<{ id: number; status: SignOnStatus }>> {
  const rows = await db.selectFrom('sign_ons').select(['id', 'status']).where('email_index', '=', emailIndex).execute();
  return rows.map((r) => ({ id: Number(r.id), status: r.status }));
}

/** The same sign-ons in full, for the contact's copy of their data (the statements' titles come from the frame). */
export async function listSignOnsInFullByEmailIndex(db: DbOrTrx, emailIndex: string) {
  return db
    .selectFrom('sign_ons')
    .select([
      'sign_ons.action_id',
      'sign_ons.organisation',
      'sign_ons.website',
      'sign_ons.organisation_enc',
      'sign_ons.website_enc',
      'sign_ons.contact_name_enc',
      'sign_ons.contact_role_enc',
      'sign_ons.status',
      'sign_ons.created_at',
    ])
    .where('sign_ons.email_index', '=', emailIndex)
    .orderBy('sign_ons.id')
    .execute();
}

/** Sign-ons stored before their organisation's details were encrypted, a batch at a time. */
export async function findSignOnsNotEncrypted(db: DbOrTrx, limit: number): Promise<SignOnRow[]> {
  return db.selectFrom('sign_ons').selectAll().where('organisation_enc', 'is', null).orderBy('id').limit(limit).execute();
}

/** Changes one sign-on, whatever its state. */
export async function updateSignOn(db: DbOrTrx, id: number, set: Updateable<SignOnsTable>): Promise<void> {
  await db.updateTable('sign_ons').set(set).where('id', '=', id).execute();
}

/** Deletes sign-ons by id. */
export async function deleteSignOns(db: DbOrTrx, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .deleteFrom('sign_ons')
    .where('id', 'in', [...ids])
    .execute();
}

/** Confirmed sign-ons waiting for staff approval, counted per action (for the dashboard). */
export async function countPendingSignOnsByAction(db: DbOrTrx): Promise<Array<{ actionId: number; count: number }>> {
  const rows = await db
    .selectFrom('sign_ons')
    .select(['action_id', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('status', '=', 'pending')
    .groupBy('action_id')
    .execute();
  return rows.map((r) => ({ actionId: Number(r.action_id), count: Number(r.n) }));
}
