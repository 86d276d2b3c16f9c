import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import { byDialect, type Db, type DbOrTrx } from '../core/db/index.js';
import type { DeliveryStatus, NewsletterImagesTable, NewsletterStatus, NewslettersTable } from './tables.js';

export type NewsletterRow = Selectable<NewslettersTable>;

/** Inserts a newsletter; returns its id. */
export async function insertNewsletter(db: DbOrTrx, row: Insertable<NewslettersTable>): Promise<number> {
  return (await db.insertInto('newsletters').values(row).returning('id').executeTakeFirstOrThrow()).id;
}

/** One newsletter by id. */
export async function findNewsletter(db: DbOrTrx, id: number): Promise<NewsletterRow | undefined> {
  return db.selectFrom('newsletters').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Every newsletter, newest first. */
export async function listNewsletterRows(db: Db, o: { limit: number; offset: number }): Promise<NewsletterRow[]> {
  return db.selectFrom('newsletters').selectAll().orderBy('id', 'desc').limit(o.limit).offset(o.offset).execute();
}

/**
 * Changes a newsletter only while it is in one of the given states; returns whether it was. The state check and
 * the change are one statement, so two staff pressing two buttons at once cannot both win.
 */
export async function updateNewsletterIf(
  db: DbOrTrx,
  id: number,
  from: readonly NewsletterStatus[],
  values: Updateable<NewslettersTable>,
): Promise<boolean> {
  const r = await db.updateTable('newsletters').set(values).where('id', '=', id).where('status', 'in', from).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Records how many deliveries a send queued. */
export async function setRecipientCount(db: DbOrTrx, id: number, count: number): Promise<void> {
  await db.updateTable('newsletters').set({ recipient_count: count }).where('id', '=', id).execute();
}

/** Deletes a draft; returns whether there was one. */
export async function deleteDraftRow(db: DbOrTrx, id: number): Promise<boolean> {
  const r = await db.deleteFrom('newsletters').where('id', '=', id).where('status', '=', 'draft').executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

/** Whether an archive slug is taken. */
export async function archiveSlugTaken(db: DbOrTrx, slug: string): Promise<boolean> {
  return (await db.selectFrom('newsletters').select('id').where('archive_slug', '=', slug).executeTakeFirst()) !== undefined;
}

/**
 * Writes one delivery per supporter given (pending unless told otherwise), in ONE statement however many there are
 * (the ids travel as one JSON or array parameter); returns how many. A supporter already holding a delivery of this
 * newsletter is left alone.
 */
export async function insertDeliveries(
  trx: DbOrTrx,
  o: { newsletterId: number; supporterIds: readonly number[]; now: number; status?: DeliveryStatus },
): Promise<number> {
  if (o.supporterIds.length === 0) return 0;
  // Literals, not parameters: PostgreSQL types an INSERT … SELECT's parameters as text. Both are integers checked here.
  if (!Number.isSafeInteger(o.newsletterId) || !Number.isSafeInteger(o.now)) throw new Error('newsletter id and time must be integers');
  const constants = sql`${sql.lit(o.newsletterId)}, ${sql.lit(o.status ?? 'pending')}, ${sql.lit(o.now)}`;
  const ids = [...o.supporterIds];
  // SQLite needs the WHERE: without it, ON CONFLICT after a SELECT would read as a join's ON.
  const audience = byDialect(trx, {
    sqlite: () => sql<DeliveryInsert>`SELECT value, ${constants} FROM json_each(${JSON.stringify(ids)}) WHERE true`,
    postgres: () => sql<DeliveryInsert>`SELECT u.id, ${constants} FROM unnest(${ids}::bigint[]) AS u(id)`,
  });
  const r = await trx
    .insertInto('newsletter_deliveries')
    .columns(['supporter_id', 'newsletter_id', 'status', 'updated_at'])
    .expression(audience)
    .onConflict((oc) => oc.columns(['newsletter_id', 'supporter_id']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0);
}

type DeliveryInsert = { supporter_id: number; newsletter_id: number; status: DeliveryStatus; updated_at: number };

/** One delivery waiting to be sent: which supporter it is for. */
export interface PendingDelivery {
  id: number;
  supporterId: number;
}

/**
 * The next pending deliveries after a cursor, in id order, only while the newsletter is still sending (a pause or
 * cancel stops the next fetch). Whether each supporter may still be mailed is asked of supporters afterwards.
 */
export async function findPendingDeliveries(
  db: Db,
  o: { newsletterId: number; afterId: number; limit: number },
): Promise<PendingDelivery[]> {
  const rows = await db
    .selectFrom('newsletter_deliveries as d')
    .select(['d.id', 'd.supporter_id'])
    .where('d.newsletter_id', '=', o.newsletterId)
    .where('d.status', '=', 'pending')
    .where('d.id', '>', o.afterId)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('newsletters as n')
          .select(sql`1`.as('one'))
          .where('n.id', '=', o.newsletterId)
          .where('n.status', '=', 'sending'),
      ),
    )
    .orderBy('d.id')
    .limit(o.limit)
    .execute();
  return rows.map((r) => ({ id: r.id, supporterId: r.supporter_id }));
}

/** Sets the outcome of deliveries (one statement per outcome). */
export async function setDeliveryStatus(
  trx: DbOrTrx,
  ids: readonly number[],
  status: DeliveryStatus,
  o: { error?: string | null; now: number },
): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) {
    await trx
      .updateTable('newsletter_deliveries')
      .set({ status, error: o.error ?? null, updated_at: o.now })
      .where('id', 'in', ids.slice(i, i + 500))
      .execute();
  }
}

/** Whether any delivery of a newsletter is still pending. */
export async function hasPendingDeliveries(db: DbOrTrx, newsletterId: number): Promise<boolean> {
  const r = await db
    .selectFrom('newsletter_deliveries')
    .select('id')
    .where('newsletter_id', '=', newsletterId)
    .where('status', '=', 'pending')
    .limit(1)
    .executeTakeFirst();
  return r !== undefined;
}

/** How many deliveries of a newsletter are in each state, and how many were sent in the last minute. */
export async function deliveryCounts(
  db: Db,
  newsletterId: number,
  now: number,
): Promise<{ byStatus: Record<DeliveryStatus, number>; sentLastMinute: number }> {
  const [rows, recent] = await Promise.all([
    db
      .selectFrom('newsletter_deliveries')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('newsletter_id', '=', newsletterId)
      .groupBy('status')
      .execute(),
    db
      .selectFrom('newsletter_deliveries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('newsletter_id', '=', newsletterId)
      .where('status', '=', 'sent')
      .where('updated_at', '>=', now - 60_000)
      .executeTakeFirstOrThrow(),
  ]);
  const byStatus: Record<DeliveryStatus, number> = { pending: 0, sent: 0, failed: 0, skipped: 0 };
  for (const r of rows) byStatus[r.status] = Number(r.n);
  return { byStatus, sentLastMinute: Number(recent.n) };
}

/**
 * Takes the sender lock of a newsletter that is sending: free, expired, or held by an earlier run of the same job
 * (the queue hands a job out again only once its previous run is known to have stopped). Returns the status when
 * taken, or why not.
 */
export async function takeSenderLock(
  db: Db,
  o: { newsletterId: number; runner: string; jobId: number; until: number; now: number },
): Promise<'taken' | 'held' | 'not_sending'> {
  const r = await db
    .updateTable('newsletters')
    .set({ runner: o.runner, runner_until: o.until })
    .where('id', '=', o.newsletterId)
    .where('status', '=', 'sending')
    .where((eb) => eb.or([eb('runner', 'is', null), eb('runner_until', '<', o.now), eb('runner', 'like', `job:${o.jobId}:%`)]))
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 1) return 'taken';
  const row = await db.selectFrom('newsletters').select('status').where('id', '=', o.newsletterId).executeTakeFirst();
  return row?.status === 'sending' ? 'held' : 'not_sending';
}

/** Renews the sender lock; returns the newsletter's status, or null when this runner no longer holds the lock. */
export async function renewSenderLock(
  db: Db,
  o: { newsletterId: number; runner: string; until: number },
): Promise<NewsletterStatus | null> {
  const r = await db
    .updateTable('newsletters')
    .set({ runner_until: o.until })
    .where('id', '=', o.newsletterId)
    .where('runner', '=', o.runner)
    .returning('status')
    .executeTakeFirst();
  return r?.status ?? null;
}

/** A newsletter's status, or null when this runner no longer holds its sender lock. */
export async function senderStatus(db: Db, o: { newsletterId: number; runner: string }): Promise<NewsletterStatus | null> {
  const r = await db
    .selectFrom('newsletters')
    .select('status')
    .where('id', '=', o.newsletterId)
    .where('runner', '=', o.runner)
    .executeTakeFirst();
  return r?.status ?? null;
}

/** Releases the sender lock (only if this runner holds it), setting anything else given at the same time. */
export async function releaseSenderLock(
  trx: DbOrTrx,
  o: { newsletterId: number; runner: string; values?: Updateable<NewslettersTable> },
): Promise<void> {
  await trx
    .updateTable('newsletters')
    .set({ ...o.values, runner: null, runner_until: null })
    .where('id', '=', o.newsletterId)
    .where('runner', '=', o.runner)
    .execute();
}

/** Newsletters in the public archive, newest first: sending has started, and they were not cancelled. */
export async function listArchivedRows(db: Db, o: { limit: number; offset: number }) {
  return db
    .selectFrom('newsletters')
    .select(['id', 'subject', 'body', 'archive_slug', 'started_at', 'updated_at'])
    .where('in_archive', '=', 1)
    .where('archive_slug', 'is not', null)
    .where('status', 'in', ['sending', 'paused', 'sent'])
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(o.limit)
    .offset(o.offset)
    .execute();
}

/** One archived newsletter by its slug. */
export async function findArchivedBySlug(db: Db, slug: string) {
  return db
    .selectFrom('newsletters')
    .select(['id', 'subject', 'body', 'archive_slug', 'started_at', 'updated_at'])
    .where('archive_slug', '=', slug)
    .where('in_archive', '=', 1)
    .where('status', 'in', ['sending', 'paused', 'sent'])
    .executeTakeFirst();
}

/** The newsletters a supporter was sent (or is due to be sent), newest first, with their subjects (at most 500). */
export async function listDeliveriesOf(db: DbOrTrx, supporterId: number) {
  return db
    .selectFrom('newsletter_deliveries')
    .innerJoin('newsletters', 'newsletters.id', 'newsletter_deliveries.newsletter_id')
    .select([
      'newsletter_deliveries.id',
      'newsletter_deliveries.newsletter_id',
      'newsletter_deliveries.status',
      'newsletter_deliveries.updated_at',
      'newsletters.subject',
    ])
    .where('newsletter_deliveries.supporter_id', '=', supporterId)
    .orderBy('newsletter_deliveries.updated_at', 'desc')
    .limit(500)
    .execute();
}

/** Newsletters not yet sent (or cancelled) whose audience is this segment. */
export async function findUnsentNewslettersOfSegment(db: DbOrTrx, segmentId: number) {
  return db
    .selectFrom('newsletters')
    .select(['id', 'subject', 'status'])
    .where('segment_id', '=', segmentId)
    .where('status', 'not in', ['sent', 'cancelled'])
    .execute();
}

// ---- images ------------------------------------------------------------------------------------------------------

export type NewsletterImageRow = Selectable<NewsletterImagesTable>;

/** Records an uploaded image; returns its id. */
export async function insertNewsletterImage(db: DbOrTrx, row: Insertable<NewsletterImagesTable>): Promise<number> {
  return Number((await db.insertInto('newsletter_images').values(row).returning('id').executeTakeFirstOrThrow()).id);
}

/** One uploaded image by id. */
export async function findNewsletterImage(db: DbOrTrx, id: number): Promise<NewsletterImageRow | undefined> {
  return db.selectFrom('newsletter_images').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Which of these image ids exist. */
export async function existingNewsletterImageIds(db: DbOrTrx, ids: readonly number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('newsletter_images')
    .select('id')
    .where('id', 'in', [...ids])
    .execute();
  return new Set(rows.map((r) => Number(r.id)));
}

/** Uploaded images, newest first. */
export async function listNewsletterImageRows(db: DbOrTrx, o: { limit: number }): Promise<NewsletterImageRow[]> {
  return db.selectFrom('newsletter_images').selectAll().orderBy('id', 'desc').limit(o.limit).execute();
}

/** The newsletters whose sending has started (sending, paused, sent or cancelled), the latest first. */
export async function listLatestSends(db: Db, limit: number): Promise<NewsletterRow[]> {
  return db
    .selectFrom('newsletters')
    .selectAll()
    .where('status', 'in', ['sending', 'paused', 'sent', 'cancelled'])
    .where('started_at', 'is not', null)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** Newsletters that need staff: paused, or sending but held up by the mail server. */
export async function listNewslettersHeldUp(db: Db): Promise<Array<Pick<NewsletterRow, 'id' | 'subject' | 'status' | 'last_error'>>> {
  return db
    .selectFrom('newsletters')
    .select(['id', 'subject', 'status', 'last_error'])
    .where((eb) => eb.or([eb('status', '=', 'paused'), eb.and([eb('status', '=', 'sending'), eb('last_error', 'is not', null)])]))
    .orderBy('id', 'asc')
    .limit(20)
    .execute();
}

/** The subjects of these newsletters, for the audit log. */
export async function findNewsletterSubjects(db: DbOrTrx, ids: readonly number[]) {
  if (ids.length === 0) return [];
  return db.selectFrom('newsletters').select(['id', 'subject']).where('id', 'in', ids).execute();
}
