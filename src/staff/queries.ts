import type { Selectable } from 'kysely';
import { byDialect, type Db, type DbOrTrx, type Trx } from '../core/db/index.js';
import type { StaffRole, StaffTable } from './tables.js';

export type StaffRow = Selectable<StaffTable>;

/** The encrypted names of these staff members (for the audit log). */
export async function findStaffNames(db: DbOrTrx, ids: readonly number[]) {
  if (ids.length === 0) return [];
  return db.selectFrom('staff').select(['id', 'name_enc']).where('id', 'in', ids).execute();
}

// ---- staff -------------------------------------------------------------------------------------------------

/** How many staff accounts exist, disabled ones included. */
export async function countStaff(db: DbOrTrx): Promise<number> {
  const row = await db
    .selectFrom('staff')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The staff member with this email blind index, if any. */
export async function findStaffByEmailIndex(db: DbOrTrx, emailIndex: string): Promise<StaffRow | undefined> {
  return db.selectFrom('staff').selectAll().where('email_index', '=', emailIndex).executeTakeFirst();
}

/** The staff member with this id, if any. */
export async function findStaffById(db: DbOrTrx, id: number): Promise<StaffRow | undefined> {
  return db.selectFrom('staff').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Every staff account, oldest first. */
export async function listStaffRows(db: Db): Promise<StaffRow[]> {
  return db.selectFrom('staff').selectAll().orderBy('id', 'asc').execute();
}

/** Inserts a staff account; returns its id. Throws a unique violation when the email index is taken. */
export async function insertStaff(
  db: DbOrTrx,
  s: { emailEnc: string; emailIndex: string; nameEnc: string; role: StaffRole; passwordHash: string; at: number },
): Promise<number> {
  const row = await db
    .insertInto('staff')
    .values({
      email_enc: s.emailEnc,
      email_index: s.emailIndex,
      name_enc: s.nameEnc,
      role: s.role,
      password_hash: s.passwordHash,
      totp_secret_enc: null,
      totp_enabled_at: null,
      totp_last_step: null,
      created_at: s.at,
      updated_at: s.at,
      disabled_at: null,
      last_login_at: null,
      attack_alerted_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Changes chosen columns of one staff row. */
export async function updateStaff(
  db: DbOrTrx,
  id: number,
  values: Partial<
    Pick<StaffRow, 'role' | 'password_hash' | 'totp_secret_enc' | 'totp_enabled_at' | 'totp_last_step' | 'disabled_at' | 'last_login_at'>
  > & { updated_at: number },
): Promise<void> {
  await db.updateTable('staff').set(values).where('id', '=', id).execute();
}

/**
 * Records a TOTP step as used, only if it is later than the last one used: returns false when the step (or a
 * later one) was already used, so two requests racing with the same code cannot both succeed.
 */
export async function claimTotpStep(db: DbOrTrx, staffId: number, step: number, at: number): Promise<boolean> {
  const r = await db
    .updateTable('staff')
    .set({ totp_last_step: step, updated_at: at })
    .where('id', '=', staffId)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Marks the account as warned of an attack now, only if it was not warned since `notSince`: returns false when it
 * was, so two failures racing each other send one email.
 */
export async function claimAttackAlert(db: DbOrTrx, staffId: number, at: number, notSince: number): Promise<boolean> {
  const r = await db
    .updateTable('staff')
    .set({ attack_alerted_at: at })
    .where('id', '=', staffId)
    .where((eb) => eb.or([eb('attack_alerted_at', 'is', null), eb('attack_alerted_at', '<=', notSince)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Locks the active owners' rows and returns their ids: changes that could leave no owner take this first, so
 * two owners demoting each other at the same moment cannot both succeed (SQLite transactions are already
 * serialised by BEGIN IMMEDIATE).
 */
export async function lockActiveOwners(trx: Trx): Promise<number[]> {
  const base = trx.selectFrom('staff').select('id').where('role', '=', 'owner').where('disabled_at', 'is', null);
  const rows = await byDialect(trx, { sqlite: () => base.execute(), postgres: () => base.forUpdate().execute() });
  return rows.map((r) => Number(r.id));
}

/** Whether an error is a unique-constraint violation, on either dialect. */
export { isUniqueViolation } from '../core/db/errors.js';

// ---- sessions ----------------------------------------------------------------------------------------------

export interface SessionWithStaff {
  token_hash: string;
  staff_id: number;
  mfa_pending: number;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  name_enc: string;
  role: StaffRole;
  totp_enabled_at: number | null;
}

/** Stores a new session. */
export async function insertSession(
  db: DbOrTrx,
  s: { tokenHash: string; staffId: number; mfaPending: boolean; at: number; expiresAt: number },
): Promise<void> {
  await db
    .insertInto('staff_sessions')
    .values({
      token_hash: s.tokenHash,
      staff_id: s.staffId,
      mfa_pending: s.mfaPending ? 1 : 0,
      created_at: s.at,
      last_seen_at: s.at,
      expires_at: s.expiresAt,
    })
    .execute();
}

/** The session with this token hash joined to its (enabled) staff member, if any. */
export async function findSessionWithStaff(db: DbOrTrx, tokenHash: string): Promise<SessionWithStaff | undefined> {
  const row = await db
    .selectFrom('staff_sessions')
    .innerJoin('staff', 'staff.id', 'staff_sessions.staff_id')
    .select([
      'staff_sessions.token_hash',
      'staff_sessions.staff_id',
      'staff_sessions.mfa_pending',
      'staff_sessions.created_at',
      'staff_sessions.last_seen_at',
      'staff_sessions.expires_at',
      'staff.name_enc',
      'staff.role',
      'staff.totp_enabled_at',
    ])
    .where('staff_sessions.token_hash', '=', tokenHash)
    .where('staff.disabled_at', 'is', null)
    .executeTakeFirst();
  return row ? { ...row, staff_id: Number(row.staff_id), mfa_pending: Number(row.mfa_pending) } : undefined;
}

/** Marks a session as seen now (pushing back its idle timeout). */
export async function touchSession(db: DbOrTrx, tokenHash: string, at: number): Promise<void> {
  await db.updateTable('staff_sessions').set({ last_seen_at: at }).where('token_hash', '=', tokenHash).execute();
}

/** Deletes one session; returns the staff id it belonged to, if it existed. */
export async function deleteSession(db: DbOrTrx, tokenHash: string): Promise<number | undefined> {
  const row = await db.deleteFrom('staff_sessions').where('token_hash', '=', tokenHash).returning('staff_id').executeTakeFirst();
  return row ? Number(row.staff_id) : undefined;
}

/** Deletes every session of a staff member, except optionally one. */
export async function deleteSessionsOfStaff(db: DbOrTrx, staffId: number, o: { except?: string } = {}): Promise<void> {
  let q = db.deleteFrom('staff_sessions').where('staff_id', '=', staffId);
  if (o.except) q = q.where('token_hash', '!=', o.except);
  await q.execute();
}

/** Deletes sessions past their absolute expiry or idle since before the given time. */
export async function deleteStaleSessions(db: DbOrTrx, o: { now: number; idleSince: number }): Promise<void> {
  await db
    .deleteFrom('staff_sessions')
    .where((eb) => eb.or([eb('expires_at', '<=', o.now), eb('last_seen_at', '<', o.idleSince)]))
    .execute();
}

// ---- login failures ----------------------------------------------------------------------------------------

/** Records one failed sign-in under each of the given keys. */
export async function insertLoginFailures(db: DbOrTrx, keys: string[], at: number): Promise<void> {
  if (keys.length === 0) return;
  await db
    .insertInto('login_failures')
    .values(keys.map((key) => ({ key, created_at: at })))
    .execute();
}

/** How many failures were recorded under a key since `since`, and when the latest was (0 when none). */
export async function failuresSince(db: DbOrTrx, key: string, since: number): Promise<{ count: number; latest: number }> {
  const row = await db
    .selectFrom('login_failures')
    .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.max('created_at').as('latest')])
    .where('key', '=', key)
    .where('created_at', '>', since)
    .executeTakeFirstOrThrow();
  return { count: Number(row.n), latest: Number(row.latest ?? 0) };
}

/** Forgets the failures recorded under a key. */
export async function deleteLoginFailures(db: DbOrTrx, key: string): Promise<void> {
  await db.deleteFrom('login_failures').where('key', '=', key).execute();
}

/** Deletes failures older than the given time. */
export async function deleteOldLoginFailures(db: DbOrTrx, before: number): Promise<void> {
  await db.deleteFrom('login_failures').where('created_at', '<', before).execute();
}
