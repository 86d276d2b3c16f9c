import { sql, type Insertable, type RawBuilder, type Selectable, type Updateable } from 'kysely';
import { byDialect, type DbOrTrx, type Trx } from '../../core/db/index.js';
import { deleteExpiredTokensOf, findToken, insertToken, newestTokenAt, spendToken } from '../../core/tokens.js';
import type { LetterDeliveriesTable, LetterDeliveryStatus, LetterStatus, LettersTable } from './tables.js';

// The letters' SQL: letters, their deliveries (one per recipient), their confirmation tokens, and what the admin
// pages count. No rules here (service.ts has them).

export type LetterRow = Selectable<LettersTable>;
export type DeliveryRow = Selectable<LetterDeliveriesTable>;

/** Letters their writer confirmed and staff did not reject: what counts, and what new letters are compared with. */
const CONFIRMED: readonly LetterStatus[] = ['held', 'queued', 'sent'];

// ---- letters ----

/** The letter from this address in this action, if any. */
export async function findLetterByEmailIndex(db: DbOrTrx, actionId: number, emailIndex: string): Promise<LetterRow | undefined> {
  return db.selectFrom('letters').selectAll().where('action_id', '=', actionId).where('email_index', '=', emailIndex).executeTakeFirst();
}

/** One letter by id. */
export async function findLetter(db: DbOrTrx, id: number): Promise<LetterRow | undefined> {
  return db.selectFrom('letters').selectAll().where('id', '=', id).executeTakeFirst();
}

/** One letter by id, locked until the transaction ends (PostgreSQL; SQLite has one writer already). */
export async function lockLetter(trx: Trx, id: number): Promise<LetterRow | undefined> {
  const q = trx.selectFrom('letters').selectAll().where('id', '=', id);
  return byDialect(trx, { sqlite: () => q.executeTakeFirst(), postgres: () => q.forUpdate().executeTakeFirst() });
}

/** Stores a new letter; returns its id. */
export async function insertLetter(db: DbOrTrx, row: Insertable<LettersTable>): Promise<number> {
  return Number((await db.insertInto('letters').values(row).returning('id').executeTakeFirstOrThrow()).id);
}

/** Changes a letter only while it is in one of these states; returns whether it was. */
export async function updateLetterIf(
  db: DbOrTrx,
  id: number,
  from: readonly LetterStatus[],
  set: Updateable<LettersTable>,
): Promise<boolean> {
  const r = await db
    .updateTable('letters')
    .set(set)
    .where('id', '=', id)
    .where('status', 'in', [...from])
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** The fingerprints of the newest confirmed letters of an action (not `exceptId`), to compare a new letter with. */
export async function recentFingerprints(db: DbOrTrx, actionId: number, o: { exceptId: number | null; limit: number }): Promise<string[]> {
  let q = db
    .selectFrom('letters')
    .select('fingerprint')
    .where('action_id', '=', actionId)
    .where('status', 'in', [...CONFIRMED]);
  if (o.exceptId !== null) q = q.where('id', '<>', o.exceptId);
  // The (action_id, status, created_at) index serves this: three short range scans, newest first.
  const rows = await q.orderBy('created_at', 'desc').limit(o.limit).execute();
  return rows.map((r) => r.fingerprint);
}

/** Letters held for moderation in an action, oldest first. */
export async function listHeldLetters(db: DbOrTrx, actionId: number, limit: number): Promise<LetterRow[]> {
  return db
    .selectFrom('letters')
    .selectAll()
    .where('action_id', '=', actionId)
    .where('status', '=', 'held')
    .orderBy('confirmed_at')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** How many letters an action has in each state. */
export async function countLettersByStatus(db: DbOrTrx, actionId: number): Promise<Map<LetterStatus, number>> {
  const rows = await db
    .selectFrom('letters')
    .select(['status', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('action_id', '=', actionId)
    .groupBy('status')
    .execute();
  return new Map(rows.map((r) => [r.status, Number(r.n)]));
}

/** Confirmed letters of an action (held, queued or sent). */
export async function countConfirmedLettersOf(db: DbOrTrx, actionId: number): Promise<number> {
  const r = await db
    .selectFrom('letters')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('action_id', '=', actionId)
    .where('status', 'in', [...CONFIRMED])
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Confirmed letters per UTC hour (floor of confirmed_at / 1 h; integer division on both dialects). */
export async function confirmedLettersPerHour(db: DbOrTrx, actionId: number): Promise<Array<{ hour: number; count: number }>> {
  const hour = sql<number>`confirmed_at / 3600000`;
  const rows = await db
    .selectFrom('letters')
    .select([hour.as('hour'), (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('action_id', '=', actionId)
    .where('status', 'in', [...CONFIRMED])
    .where('confirmed_at', 'is not', null)
    .groupBy(hour)
    .execute();
  return rows.map((r) => ({ hour: Math.floor(Number(r.hour)), count: Number(r.n) }));
}

/** Unconfirmed letters older than `before` (never confirmed: their writers did not want them sent), deleted; how many. */
export async function deleteUnconfirmedLettersBefore(db: DbOrTrx, before: number): Promise<number> {
  const r = await db.deleteFrom('letters').where('status', '=', 'unconfirmed').where('created_at', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** The letters made by a supporter's record or written from their address, with their state. */
export async function listLettersOfWriter(
  db: DbOrTrx,
  who: { supporterId: number; emailIndex: string | null },
): Promise<Array<{ id: number; status: LetterStatus }>> {
  const rows = await db
    .selectFrom('letters')
    .select(['id', 'status'])
    .where((eb) => eb.or([eb('supporter_id', '=', who.supporterId), ...(who.emailIndex ? [eb('email_index', '=', who.emailIndex)] : [])]))
    .execute();
  return rows.map((r) => ({ id: Number(r.id), status: r.status }));
}

/** The same letters in full, for the writer's copy of their data (their actions' titles come from the frame). */
export async function listLettersOfWriterInFull(db: DbOrTrx, who: { supporterId: number; emailIndex: string | null }) {
  return db
    .selectFrom('letters')
    .select([
      'id',
      'action_id',
      'first_name_enc',
      'last_name_enc',
      'address_enc',
      'postcode_enc',
      'subject_enc',
      'body_enc',
      'status',
      'created_at',
      'sent_at',
      'reply',
    ])
    .where((eb) => eb.or([eb('supporter_id', '=', who.supporterId), ...(who.emailIndex ? [eb('email_index', '=', who.emailIndex)] : [])]))
    .orderBy('id')
    .execute();
}

/** Deletes letters by id. */
export async function deleteLetters(db: DbOrTrx, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .deleteFrom('letters')
    .where('id', 'in', [...ids])
    .execute();
}

/** Changes one letter, whatever its state. */
export async function updateLetter(db: DbOrTrx, id: number, set: Updateable<LettersTable>): Promise<void> {
  await db.updateTable('letters').set(set).where('id', '=', id).execute();
}

/** Sent letters whose "did they reply?" question is due, oldest first. */
export async function lettersDueForFollowup(db: DbOrTrx, now: number, limit: number): Promise<LetterRow[]> {
  return db
    .selectFrom('letters')
    .selectAll()
    .where('status', '=', 'sent')
    .where('followup_at', 'is not', null)
    .where('followup_at', '<=', now)
    .orderBy('followup_at')
    .limit(limit)
    .execute();
}

/** Clears a letter's follow-up time if it is still `expected`; true for the one caller that did (the others skip). */
export async function takeFollowup(db: DbOrTrx, id: number, expected: number): Promise<boolean> {
  const r = await db
    .updateTable('letters')
    .set({ followup_at: null })
    .where('id', '=', id)
    .where('followup_at', '=', expected)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Records the writer's answer to "did they reply?". */
export async function setLetterReply(db: DbOrTrx, id: number, reply: string, at: number): Promise<boolean> {
  const r = await db
    .updateTable('letters')
    .set({ reply, replied_at: at })
    .where('id', '=', id)
    .where('status', '=', 'sent')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Every letter of an action for the export, oldest first, with its first recipient's name and party. */
export async function listLettersForExport(db: DbOrTrx, actionId: number): Promise<LetterRow[]> {
  return db
    .selectFrom('letters')
    .selectAll()
    .where('action_id', '=', actionId)
    .where('status', '<>', 'unconfirmed')
    .orderBy('id')
    .execute();
}

// ---- confirmation tokens and spent proofs of work ----

/** Stores a letter's confirmation token by its hash. */
export async function insertLetterToken(
  db: DbOrTrx,
  t: { tokenHash: string; letterId: number; at: number; expiresAt: number },
): Promise<void> {
  await insertToken(db, { tokenHash: t.tokenHash, purpose: 'letter_confirm', subjectId: t.letterId, at: t.at, expiresAt: t.expiresAt });
}

/** The confirmation token with this hash, used or not. */
export async function findLetterToken(db: DbOrTrx, tokenHash: string) {
  return findToken(db, tokenHash, 'letter_confirm');
}

/** Marks an unused, unexpired confirmation token used; returns its letter, or undefined when it could not be used. */
export async function useLetterToken(db: DbOrTrx, tokenHash: string, now: number): Promise<number | undefined> {
  return spendToken(db, tokenHash, 'letter_confirm', now);
}

/** When the newest confirmation link of a letter that can still be used was made, if any. */
export async function newestUsableLetterTokenAt(db: DbOrTrx, letterId: number, now: number): Promise<number | undefined> {
  return newestTokenAt(db, 'letter_confirm', letterId, { usableAt: now });
}

/** Deletes expired letter confirmation tokens. */
export async function deleteExpiredLetterTokens(db: DbOrTrx, now: number): Promise<void> {
  await deleteExpiredTokensOf(db, 'letter_confirm', now);
}

// ---- deliveries ----

/**
 * Serialises slot-taking for one recipient until the transaction ends, so two letters confirmed at the same moment
 * cannot take the same slot. PostgreSQL: a transaction-scoped advisory lock on the key's hash; SQLite: a write
 * transaction holds the one writer lock already.
 */
export async function lockRecipient(trx: Trx, recipientKey: string): Promise<void> {
  await byDialect(trx, {
    sqlite: async () => undefined,
    postgres: async () => {
      await sql`select pg_advisory_xact_lock(hashtextextended(${`letters:${recipientKey}`}, 0))`.execute(trx);
    },
  });
}

/** The latest slot taken for a recipient, across every action, if any. */
export async function latestSlotFor(db: DbOrTrx, recipientKey: string): Promise<number | undefined> {
  const r = await db
    .selectFrom('letter_deliveries')
    .select((eb) => eb.fn.max('not_before').as('at'))
    .where('recipient_key', '=', recipientKey)
    .executeTakeFirst();
  return r?.at === null || r?.at === undefined ? undefined : Number(r.at);
}

/** Stores a delivery unless the letter already has one for this recipient; returns its id, or undefined if it had. */
export async function insertDelivery(db: DbOrTrx, row: Insertable<LetterDeliveriesTable>): Promise<number | undefined> {
  const r = await db
    .insertInto('letter_deliveries')
    .values(row)
    .onConflict((oc) => oc.columns(['letter_id', 'recipient_key']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return r ? Number(r.id) : undefined;
}

/** One delivery by id. */
export async function findDelivery(db: DbOrTrx, id: number): Promise<DeliveryRow | undefined> {
  return db.selectFrom('letter_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A letter's deliveries, in the order they were made. */
export async function listDeliveriesOf(db: DbOrTrx, letterId: number): Promise<DeliveryRow[]> {
  return db.selectFrom('letter_deliveries').selectAll().where('letter_id', '=', letterId).orderBy('id').execute();
}

/** Who each of these letters went to, and how its delivery stands. */
export async function listRecipientsOfLetters(db: DbOrTrx, letterIds: readonly number[]) {
  if (letterIds.length === 0) return [];
  return db
    .selectFrom('letter_deliveries')
    .select(['letter_id', 'recipient_name', 'status'])
    .where('letter_id', 'in', [...letterIds])
    .execute();
}

/** Moves a delivery from one state to another; returns whether it was in the first. */
export async function updateDeliveryIf(
  db: DbOrTrx,
  id: number,
  from: LetterDeliveryStatus,
  set: Updateable<LetterDeliveriesTable>,
): Promise<boolean> {
  const r = await db.updateTable('letter_deliveries').set(set).where('id', '=', id).where('status', '=', from).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Every delivery of an action (for the export), by letter. */
export async function listDeliveriesOfAction(db: DbOrTrx, actionId: number) {
  return db
    .selectFrom('letter_deliveries')
    .select(['letter_id', 'recipient_name', 'party', 'status'])
    .where('action_id', '=', actionId)
    .orderBy('id')
    .execute();
}

/** Deliveries of an action that failed for good, newest first. */
export async function listFailedDeliveries(db: DbOrTrx, actionId: number, limit: number): Promise<DeliveryRow[]> {
  return db
    .selectFrom('letter_deliveries')
    .selectAll()
    .where('action_id', '=', actionId)
    .where('status', '=', 'failed')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** Deliveries of an action by state, and the latest slot still waiting. */
export async function deliverySummary(
  db: DbOrTrx,
  actionId: number,
): Promise<{ waiting: number; sent: number; failed: number; lastSlot: number | null }> {
  const rows = await db
    .selectFrom('letter_deliveries')
    .select(['status', (eb) => eb.fn.countAll<number | string>().as('n'), (eb) => eb.fn.max('not_before').as('last')])
    .where('action_id', '=', actionId)
    .groupBy('status')
    .execute();
  const get = (s: LetterDeliveryStatus) => rows.find((r) => r.status === s);
  const waiting = get('waiting');
  return {
    waiting: Number(waiting?.n ?? 0),
    sent: Number(get('sent')?.n ?? 0),
    failed: Number(get('failed')?.n ?? 0),
    lastSlot: waiting?.last === null || waiting?.last === undefined ? null : Number(waiting.last),
  };
}

/**
 * The replies to "did your MP reply?" per MP in an action: letters sent, asked, and answered yes, no or not yet.
 * One row per recipient (the MP's constituency key), with the name and party recorded when the letter went.
 */
export async function replyFiguresPerRecipient(db: DbOrTrx, actionId: number) {
  const count = (cond: RawBuilder<unknown>) => sql<number | string>`sum(case when ${cond} then 1 else 0 end)`;
  return db
    .selectFrom('letter_deliveries as d')
    .innerJoin('letters as l', 'l.id', 'd.letter_id')
    .select([
      'd.recipient_key',
      (eb) => eb.fn.max('d.recipient_name').as('name'),
      (eb) => eb.fn.max('d.party').as('party'),
      (eb) => eb.fn.countAll<number | string>().as('sent'),
      count(sql`l.followup_at is null`).as('asked'),
      count(sql`l.reply = 'yes'`).as('yes'),
      count(sql`l.reply = 'no'`).as('no'),
      count(sql`l.reply = 'not_yet'`).as('not_yet'),
    ])
    .where('d.action_id', '=', actionId)
    .where('d.status', '=', 'sent')
    .where('l.status', '=', 'sent')
    .where('d.recipient_key', 'like', 'mp:%')
    .groupBy('d.recipient_key')
    .execute();
}

/** Letters held for staff to read, counted per action (every action, for the dashboard). */
export async function countHeldLettersByAction(db: DbOrTrx): Promise<Array<{ actionId: number; count: number }>> {
  const rows = await db
    .selectFrom('letters')
    .select(['action_id', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('status', '=', 'held')
    .groupBy('action_id')
    .execute();
  return rows.map((r) => ({ actionId: Number(r.action_id), count: Number(r.n) }));
}

/** Deliveries that failed for good and wait for a retry, counted per action (for the dashboard). */
export async function countFailedDeliveriesByAction(db: DbOrTrx): Promise<Array<{ actionId: number; count: number }>> {
  const rows = await db
    .selectFrom('letter_deliveries')
    .select(['action_id', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('status', '=', 'failed')
    .groupBy('action_id')
    .execute();
  return rows.map((r) => ({ actionId: Number(r.action_id), count: Number(r.n) }));
}
