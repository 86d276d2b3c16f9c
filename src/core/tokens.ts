import type { DbOrTrx } from './db/index.js';
import type { TokenPurpose } from './db/schema.js';

// Single-use tokens (confirmation links, password resets, spent proofs of work) are stored only as hashes, each
// with one purpose. These are the few ways every capability reads and spends them.

/** Stores a token by its hash. */
export async function insertToken(
  db: DbOrTrx,
  t: { tokenHash: string; purpose: TokenPurpose; subjectId: number | null; at: number; expiresAt: number; usedAt?: number | null },
): Promise<void> {
  await db
    .insertInto('tokens')
    .values({
      token_hash: t.tokenHash,
      purpose: t.purpose,
      subject_id: t.subjectId,
      created_at: t.at,
      expires_at: t.expiresAt,
      used_at: t.usedAt ?? null,
    })
    .execute();
}

/** Records a token that may exist only once (a spent proof of work); false when it was already there. */
export async function insertTokenOnce(
  db: DbOrTrx,
  t: { tokenHash: string; purpose: TokenPurpose; at: number; expiresAt: number },
): Promise<boolean> {
  const r = await db
    .insertInto('tokens')
    .values({ token_hash: t.tokenHash, purpose: t.purpose, subject_id: null, created_at: t.at, expires_at: t.expiresAt, used_at: t.at })
    .onConflict((oc) => oc.column('token_hash').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** The token with this hash and purpose, used or not, expired or not. */
export async function findToken(db: DbOrTrx, tokenHash: string, purpose: TokenPurpose) {
  return db.selectFrom('tokens').selectAll().where('token_hash', '=', tokenHash).where('purpose', '=', purpose).executeTakeFirst();
}

/** Marks an unused, unexpired token used; returns its subject, or undefined when it could not be used. */
export async function spendToken(db: DbOrTrx, tokenHash: string, purpose: TokenPurpose, now: number): Promise<number | undefined> {
  const row = await db
    .updateTable('tokens')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('subject_id')
    .executeTakeFirst();
  return row?.subject_id === null || row?.subject_id === undefined ? undefined : Number(row.subject_id);
}

/** When the newest token of a purpose was made for a subject, if ever (to space out repeated emails). */
export async function newestTokenAt(
  db: DbOrTrx,
  purpose: TokenPurpose,
  subjectId: number,
  o: { usableAt?: number } = {},
): Promise<number | undefined> {
  let q = db.selectFrom('tokens').select('created_at').where('purpose', '=', purpose).where('subject_id', '=', subjectId);
  if (o.usableAt !== undefined) q = q.where('used_at', 'is', null).where('expires_at', '>', o.usableAt);
  const row = await q.orderBy('created_at', 'desc').limit(1).executeTakeFirst();
  return row === undefined ? undefined : Number(row.created_at);
}

// ---- tokens that one of several purposes may answer (staff invitations and password resets share a page) ----

/** Deletes every token of these purposes, or only those of one subject. */
export async function deleteTokensOf(db: DbOrTrx, o: { purposes: TokenPurpose[]; subjectId?: number }): Promise<void> {
  let q = db.deleteFrom('tokens').where('purpose', 'in', o.purposes);
  if (o.subjectId !== undefined) q = q.where('subject_id', '=', o.subjectId);
  await q.execute();
}

/** The unused, unexpired token with this hash and one of these purposes, if any. */
export async function findUsableToken(db: DbOrTrx, tokenHash: string, purposes: TokenPurpose[], now: number) {
  return db
    .selectFrom('tokens')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('purpose', 'in', purposes)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

/** Marks a usable token of one of these purposes used; returns false when it was already used, expired or never existed. */
export async function useTokenOf(db: DbOrTrx, tokenHash: string, purposes: TokenPurpose[], now: number): Promise<boolean> {
  const r = await db
    .updateTable('tokens')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('purpose', 'in', purposes)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Deletes tokens that expired before the given time (of every purpose). */
export async function deleteExpiredTokens(db: DbOrTrx, before: number): Promise<void> {
  await db.deleteFrom('tokens').where('expires_at', '<', before).execute();
}

/** The shape of every emailed token (newToken's 32 random bytes in base64url): anything else is refused unhashed. */
export const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** What a public form says when its proof of work was already spent (a double submit, or a replay). */
export const PROOF_USED = 'That check was already used. Please press the button again.';

/** Deletes the tokens of a purpose that expired before `now`. */
export async function deleteExpiredTokensOf(db: DbOrTrx, purpose: TokenPurpose, now: number): Promise<void> {
  await db.deleteFrom('tokens').where('purpose', '=', purpose).where('expires_at', '<', now).execute();
}

/** Deletes the tokens of a purpose made for these subjects. */
export async function deleteTokensOfSubjects(db: DbOrTrx, purpose: TokenPurpose, subjectIds: readonly number[]): Promise<void> {
  if (subjectIds.length === 0) return;
  await db
    .deleteFrom('tokens')
    .where('purpose', '=', purpose)
    .where('subject_id', 'in', [...subjectIds])
    .execute();
}
