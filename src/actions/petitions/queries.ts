import { sql, type ExpressionBuilder, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { ErasureSubject } from '../../core/context.js';
import type { Db, DbOrTrx } from '../../core/db/index.js';
import { findToken, newestTokenAt, spendToken } from '../../core/tokens.js';
import type { SignaturesTable } from './tables.js';
import type { Schema } from '../../core/db/schema.js';

// The petition kind's SQL: signatures, their confirmation tokens, and what the counter, chart, public list and
// export read. No rules here (service.ts has them).

type SignatureRow = Selectable<SignaturesTable>;

/**
 * Inserts a signature unless the address has signed this petition already (the unique index
 * signatures_one_per_email decides, so two simultaneous submissions cannot both get in); returns the new id, or
 * undefined for a repeat. ON CONFLICT rather than catching the violation: a failed statement would abort a
 * PostgreSQL transaction, and under the group commit it would cost every signature sharing the batch a re-run.
 * Written as one SQL template rather than with the query builder: this is the surge's statement, and building
 * a fourteen-column insert costs more than running it (the same SQL on both dialects).
 */
export async function insertSignatureOnce(db: DbOrTrx, r: Insertable<SignaturesTable>): Promise<number | undefined> {
  const { rows } = await sql<{ id: number }>`
    insert into signatures (action_id, email_index, email_enc, first_name_enc, last_name_enc, postcode_enc, town_enc, constituency_code,
      show_name, opt_in, supporter_id, status, created_at, confirmed_at)
    values (${r.action_id}, ${r.email_index}, ${r.email_enc}, ${r.first_name_enc}, ${r.last_name_enc ?? null}, ${r.postcode_enc ?? null},
      ${r.town_enc ?? null}, ${r.constituency_code ?? null}, ${r.show_name}, ${r.opt_in}, ${r.supporter_id ?? null}, ${r.status},
      ${r.created_at}, ${r.confirmed_at ?? null})
    on conflict (action_id, email_index) do nothing
    returning id`.execute(db);
  return rows[0] === undefined ? undefined : Number(rows[0].id);
}

/** The signature of an address (by blind index) on a petition. */
export async function findSignatureByEmailIndex(db: DbOrTrx, actionId: number, emailIndex: string) {
  return db
    .selectFrom('signatures')
    .select(['id', 'status', 'created_at'])
    .where('action_id', '=', actionId)
    .where('email_index', '=', emailIndex)
    .executeTakeFirst();
}

/** One signature by id. */
export async function findSignatureById(db: DbOrTrx, id: number): Promise<SignatureRow | undefined> {
  return db.selectFrom('signatures').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Links a signature to the supporter record made for its newsletter opt-in. */
export async function setSignatureSupporter(db: DbOrTrx, id: number, supporterId: number): Promise<void> {
  await db.updateTable('signatures').set({ supporter_id: supporterId }).where('id', '=', id).execute();
}

/** Marks a pending signature confirmed, with its constituency when known; false when it was confirmed already. */
export async function markSignatureConfirmed(db: DbOrTrx, id: number, at: number, constituencyCode: string | null): Promise<boolean> {
  const r = await db
    .updateTable('signatures')
    .set({ status: 'confirmed', confirmed_at: at, ...(constituencyCode === null ? {} : { constituency_code: constituencyCode }) })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

// ---- confirmation tokens (random, stored hashed, one purpose: signature_confirm; the subject is the signature) ----
// Read and spent through core/tokens.ts; written here with a template, as the surge's statement.

/** Stores a signature's confirmation token by its hash (`usedAt` set: only a note that an email went out). */
export async function insertSignatureToken(
  db: DbOrTrx,
  t: { tokenHash: string; signatureId: number; at: number; expiresAt: number; usedAt?: number | null },
): Promise<void> {
  // A template, like insertSignatureOnce: it is on the surge's path.
  await sql`
    insert into tokens (token_hash, purpose, subject_id, created_at, expires_at, used_at)
    values (${t.tokenHash}, ${'signature_confirm'}, ${t.signatureId}, ${t.at}, ${t.expiresAt}, ${t.usedAt ?? null})`.execute(db);
}

/** A signature confirmation token by its hash, used or not. */
export async function findSignatureToken(db: DbOrTrx, tokenHash: string) {
  return findToken(db, tokenHash, 'signature_confirm');
}

/** Uses an unused, unexpired confirmation token; returns its signature id, or undefined. */
export async function useSignatureToken(db: DbOrTrx, tokenHash: string, now: number): Promise<number | undefined> {
  return spendToken(db, tokenHash, 'signature_confirm', now);
}

/** When the newest email about a signature went out (its newest token), if ever. */
export async function newestSignatureTokenAt(db: DbOrTrx, signatureId: number): Promise<number | undefined> {
  return newestTokenAt(db, 'signature_confirm', signatureId);
}

// ---- counting, the chart, the public list, the export ----

/** Confirmed signatures of a petition. */
export async function countConfirmedSignatures(db: DbOrTrx, actionId: number): Promise<number> {
  const r = await db
    .selectFrom('signatures')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('action_id', '=', actionId)
    .where('status', '=', 'confirmed')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Confirmed signatures of a petition with ids up to maxId (what an export begun now holds). */
export async function countConfirmedSignaturesUpTo(db: DbOrTrx, actionId: number, maxId: number): Promise<number> {
  const r = await db
    .selectFrom('signatures')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('action_id', '=', actionId)
    .where('status', '=', 'confirmed')
    .where('id', '<=', maxId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Deletes pending signatures created before the cutoff; returns how many. */
export async function deletePendingSignaturesBefore(db: DbOrTrx, cutoff: number): Promise<number> {
  const r = await db.deleteFrom('signatures').where('status', '=', 'pending').where('created_at', '<', cutoff).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Confirmed signatures per UTC hour (hours since the epoch), for the chart. */
export async function confirmedSignaturesPerHour(db: DbOrTrx, actionId: number): Promise<Array<{ hour: number; count: number }>> {
  // Integer division of an integer column: the whole hour on both dialects.
  const hour = sql<number>`confirmed_at / 3600000`;
  const rows = await db
    .selectFrom('signatures')
    .select([hour.as('hour'), (eb) => eb.fn.countAll().as('n')])
    .where('action_id', '=', actionId)
    .where('status', '=', 'confirmed')
    .where('confirmed_at', 'is not', null)
    .groupBy(hour)
    .execute();
  return rows.map((r) => ({ hour: Number(r.hour), count: Number(r.n) }));
}

/** The newest confirmed signers who chose to be shown, with their encrypted first name and town. */
export async function findShownSigners(db: DbOrTrx, actionId: number, limit: number) {
  return db
    .selectFrom('signatures')
    .select(['id', 'first_name_enc', 'town_enc', 'confirmed_at'])
    .where('action_id', '=', actionId)
    .where('status', '=', 'confirmed')
    .where('show_name', '=', 1)
    .orderBy('confirmed_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** Stops showing a signer on the public list (staff moderation): their name stays private, their town is dropped. */
export async function hideShownSigner(db: DbOrTrx, actionId: number, signatureId: number): Promise<boolean> {
  const r = await db
    .updateTable('signatures')
    .set({ show_name: 0, town_enc: null })
    .where('id', '=', signatureId)
    .where('action_id', '=', actionId)
    .where('show_name', '=', 1)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Confirmed signatures with ids below `beforeId` (and at most `maxId`), newest first: keyset pages for the export. */
export async function findConfirmedSignaturesBefore(
  db: Db,
  actionId: number,
  o: { beforeId?: number | undefined; maxId: number; limit: number },
): Promise<SignatureRow[]> {
  return db
    .selectFrom('signatures')
    .selectAll()
    .where('action_id', '=', actionId)
    .where('status', '=', 'confirmed')
    .where('id', '<=', o.maxId)
    .$if(o.beforeId !== undefined, (q) => q.where('id', '<', o.beforeId!))
    .orderBy('id', 'desc')
    .limit(o.limit)
    .execute();
}

/** The highest signature id of a petition now (0 when none), so an export holds what existed when it began. */
export async function findMaxSignatureId(db: Db, actionId: number): Promise<number> {
  const r = await db
    .selectFrom('signatures')
    .select((eb) => eb.fn.max('id').as('id'))
    .where('action_id', '=', actionId)
    .executeTakeFirst();
  return Number(r?.id ?? 0);
}

/** Inserts many signatures (the demo). */
export async function insertSignaturesBatch(db: DbOrTrx, rows: ReadonlyArray<Insertable<SignaturesTable>>): Promise<void> {
  for (let i = 0; i < rows.length; i += 200)
    await db
      .insertInto('signatures')
      .values(rows.slice(i, i + 200))
      .execute();
}

// ---- a supporter's signatures (erasure, their copy of their data): matched by record or by address ----

const ofSubject = (subject: ErasureSubject) => (eb: ExpressionBuilder<Schema, 'signatures'>) =>
  eb.or([
    eb('signatures.supporter_id', '=', subject.supporterId),
    ...(subject.emailIndex ? [eb('signatures.email_index', '=', subject.emailIndex)] : []),
  ]);

/** The ids and statuses of a supporter's signatures. */
export async function findSignaturesOfSubject(
  db: DbOrTrx,
  subject: ErasureSubject,
): Promise<Array<{ id: number; status: SignatureRow['status'] }>> {
  const rows = await db.selectFrom('signatures').select(['id', 'status']).where(ofSubject(subject)).execute();
  return rows.map((r) => ({ id: Number(r.id), status: r.status }));
}

/** A supporter's signatures in full, for their copy of their data (the petitions' titles come from the frame). */
export async function findSignatureDetailsOfSubject(db: DbOrTrx, subject: ErasureSubject) {
  return db
    .selectFrom('signatures')
    .select([
      'signatures.action_id',
      'signatures.first_name_enc',
      'signatures.last_name_enc',
      'signatures.postcode_enc',
      'signatures.town_enc',
      'signatures.show_name',
      'signatures.status',
      'signatures.created_at',
      'signatures.confirmed_at',
    ])
    .where(ofSubject(subject))
    .orderBy('signatures.id')
    .execute();
}

/** Deletes these signatures. */
export async function deleteSignatures(db: DbOrTrx, ids: readonly number[]): Promise<void> {
  if (ids.length) await db.deleteFrom('signatures').where('id', 'in', ids).execute();
}

/** Overwrites these columns of one signature. */
export async function updateSignature(db: DbOrTrx, id: number, values: Updateable<SignaturesTable>): Promise<void> {
  await db.updateTable('signatures').set(values).where('id', '=', id).execute();
}
