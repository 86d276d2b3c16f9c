import { sql, type Insertable, type SelectQueryBuilder, type Selectable, type Updateable } from 'kysely';
import type { Db, DbOrTrx } from '../core/db/index.js';
import type { Schema } from '../core/db/schema.js';
import type {
  ConsentEventKind,
  LawfulBasis,
  ListsTable,
  SubscriptionStatus,
  SupporterImportStatus,
  SupporterImportsTable,
  SupportersTable,
  SuppressionReason,
} from './tables.js';

export type SupporterRow = Selectable<SupportersTable>;
export type ListRow = Selectable<ListsTable>;

/** The supporter with this email blind index, erased or not. */
export async function findSupporterByEmailIndex(db: DbOrTrx, emailIndex: string): Promise<SupporterRow | undefined> {
  return db.selectFrom('supporters').selectAll().where('email_index', '=', emailIndex).executeTakeFirst();
}

/** One supporter by id. */
export async function findSupporterById(db: DbOrTrx, id: number): Promise<SupporterRow | undefined> {
  return db.selectFrom('supporters').selectAll().where('id', '=', id).executeTakeFirst();
}

/** One supporter by the random id used in links. */
export async function findSupporterByPublicId(db: DbOrTrx, publicId: string): Promise<SupporterRow | undefined> {
  return db.selectFrom('supporters').selectAll().where('public_id', '=', publicId).executeTakeFirst();
}

/** Inserts a supporter; returns its id. */
export async function insertSupporter(db: DbOrTrx, row: Insertable<SupportersTable>): Promise<number> {
  return (await db.insertInto('supporters').values(row).returning('id').executeTakeFirstOrThrow()).id;
}

/** Updates a supporter's columns. */
export async function updateSupporter(db: DbOrTrx, id: number, values: Updateable<SupportersTable>): Promise<void> {
  await db.updateTable('supporters').set(values).where('id', '=', id).execute();
}

/** Replaces a supporter's name-word blind indexes. */
export async function replaceNameTokens(db: DbOrTrx, supporterId: number, tokenIndexes: readonly string[]): Promise<void> {
  await db.deleteFrom('supporter_name_tokens').where('supporter_id', '=', supporterId).execute();
  if (tokenIndexes.length === 0) return;
  await db
    .insertInto('supporter_name_tokens')
    .values([...new Set(tokenIndexes)].map((token_index) => ({ supporter_id: supporterId, token_index })))
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** Ids of supporters having every one of the given name-word indexes. */
export async function findSupporterIdsByNameTokens(db: Db, tokenIndexes: readonly string[], limit: number): Promise<number[]> {
  if (tokenIndexes.length === 0) return [];
  const rows = await db
    .selectFrom('supporter_name_tokens')
    .select('supporter_id')
    .where('token_index', 'in', [...new Set(tokenIndexes)])
    .groupBy('supporter_id')
    .having((eb) => eb.fn.count('token_index').distinct(), '=', new Set(tokenIndexes).size)
    .limit(limit)
    .execute();
  return rows.map((r) => r.supporter_id);
}

/** Adds tags to supporters (ignoring ones they already have). */
export async function addTags(db: DbOrTrx, supporterIds: readonly number[], tags: readonly string[]): Promise<void> {
  const values = supporterIds.flatMap((supporter_id) => tags.map((tag) => ({ supporter_id, tag })));
  for (let i = 0; i < values.length; i += 500) {
    await db
      .insertInto('supporter_tags')
      .values(values.slice(i, i + 500))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}

/** Removes a tag from supporters. */
export async function removeTag(db: DbOrTrx, supporterIds: readonly number[], tag: string): Promise<void> {
  if (supporterIds.length === 0) return;
  await db.deleteFrom('supporter_tags').where('supporter_id', 'in', supporterIds).where('tag', '=', tag).execute();
}

/** Removes every tag of one supporter (on erasure). */
export async function deleteTagsOf(db: DbOrTrx, supporterId: number): Promise<void> {
  await db.deleteFrom('supporter_tags').where('supporter_id', '=', supporterId).execute();
}

/** The tags of one supporter, sorted. */
export async function listTagsOf(db: DbOrTrx, supporterId: number): Promise<string[]> {
  const rows = await db.selectFrom('supporter_tags').select('tag').where('supporter_id', '=', supporterId).orderBy('tag').execute();
  return rows.map((r) => r.tag);
}

/** Every tag in use with its count. */
export async function listAllTags(db: Db): Promise<Array<{ tag: string; count: number }>> {
  const rows = await db
    .selectFrom('supporter_tags')
    .select(['tag', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('tag')
    .orderBy('tag')
    .execute();
  return rows.map((r) => ({ tag: r.tag, count: Number(r.n) }));
}

/** Lists not archived, in name order. */
export async function listActiveLists(db: DbOrTrx): Promise<ListRow[]> {
  return db.selectFrom('lists').selectAll().where('archived_at', 'is', null).orderBy('name').execute();
}

/** Lists by id. */
export async function findListsByIds(db: DbOrTrx, ids: readonly number[]): Promise<ListRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('lists').selectAll().where('id', 'in', ids).execute();
}

/** Inserts a list with its first wording version; returns its id. */
export async function insertList(
  db: DbOrTrx,
  l: { slug: string; name: string; description: string; wording: string; at: number },
): Promise<number> {
  const id = (
    await db
      .insertInto('lists')
      .values({
        slug: l.slug,
        name: l.name,
        description: l.description,
        wording: l.wording,
        wording_version: 1,
        created_at: l.at,
        updated_at: l.at,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  await db.insertInto('consent_wordings').values({ list_id: id, version: 1, wording: l.wording, created_at: l.at }).execute();
  return id;
}

/** Changes a list; a changed wording gets a new version (earlier consents keep pointing at theirs). */
export async function updateList(
  db: DbOrTrx,
  id: number,
  l: { name: string; description: string; wording: string; at: number },
): Promise<void> {
  const current = await db.selectFrom('lists').select(['wording', 'wording_version']).where('id', '=', id).executeTakeFirstOrThrow();
  const version = current.wording === l.wording ? current.wording_version : current.wording_version + 1;
  await db
    .updateTable('lists')
    .set({ name: l.name, description: l.description, wording: l.wording, wording_version: version, updated_at: l.at })
    .where('id', '=', id)
    .execute();
  if (version !== current.wording_version) {
    await db.insertInto('consent_wordings').values({ list_id: id, version, wording: l.wording, created_at: l.at }).execute();
  }
}

/** Sets subscription states for one supporter on several lists. */
export async function setSubscriptions(
  db: DbOrTrx,
  o: { supporterId: number; listIds: readonly number[]; status: SubscriptionStatus; basis: LawfulBasis | null; at: number },
): Promise<void> {
  if (o.listIds.length === 0) return;
  await db
    .insertInto('subscriptions')
    .values(
      o.listIds.map((list_id) => ({ supporter_id: o.supporterId, list_id, status: o.status, lawful_basis: o.basis, updated_at: o.at })),
    )
    .onConflict((oc) => oc.columns(['supporter_id', 'list_id']).doUpdateSet({ status: o.status, lawful_basis: o.basis, updated_at: o.at }))
    .execute();
}

/** A supporter's subscriptions with the list names. */
export async function listSubscriptionsOf(db: DbOrTrx, supporterId: number) {
  return db
    .selectFrom('subscriptions')
    .innerJoin('lists', 'lists.id', 'subscriptions.list_id')
    .select([
      'subscriptions.list_id',
      'subscriptions.status',
      'subscriptions.lawful_basis',
      'subscriptions.updated_at',
      'lists.name',
      'lists.slug',
    ])
    .where('subscriptions.supporter_id', '=', supporterId)
    .orderBy('lists.name')
    .execute();
}

/** Appends consent events, each with the list's current wording version. */
export async function insertConsentEvents(
  db: DbOrTrx,
  o: { supporterId: number; listIds: readonly number[]; kind: ConsentEventKind; basis: LawfulBasis | null; source: string; at: number },
): Promise<void> {
  if (o.listIds.length === 0) return;
  const lists = await db.selectFrom('lists').select(['id', 'wording_version']).where('id', 'in', o.listIds).execute();
  await db
    .insertInto('consent_events')
    .values(
      lists.map((l) => ({
        supporter_id: o.supporterId,
        list_id: l.id,
        kind: o.kind,
        lawful_basis: o.basis,
        wording_version: l.wording_version,
        source: o.source,
        created_at: o.at,
      })),
    )
    .execute();
}

/** A supporter's consent ledger, newest first, with the wording each event referred to. */
export async function listConsentEventsOf(db: DbOrTrx, supporterId: number) {
  return db
    .selectFrom('consent_events')
    .innerJoin('lists', 'lists.id', 'consent_events.list_id')
    .leftJoin('consent_wordings', (j) =>
      j
        .onRef('consent_wordings.list_id', '=', 'consent_events.list_id')
        .onRef('consent_wordings.version', '=', 'consent_events.wording_version'),
    )
    .select([
      'consent_events.id',
      'consent_events.list_id',
      'consent_events.kind',
      'consent_events.lawful_basis',
      'consent_events.wording_version',
      'consent_events.source',
      'consent_events.created_at',
      'lists.name as list_name',
      'consent_wordings.wording',
    ])
    .where('consent_events.supporter_id', '=', supporterId)
    .orderBy('consent_events.id', 'desc')
    .execute();
}

/** Adds an address to the suppression list (never mailed again). */
export async function insertSuppression(db: DbOrTrx, emailIndex: string, reason: SuppressionReason, at: number): Promise<void> {
  await db
    .insertInto('suppressions')
    .values({ email_index: emailIndex, reason, created_at: at })
    .onConflict((oc) => oc.column('email_index').doNothing())
    .execute();
}

/** The suppression entry for an address, if any. */
export async function findSuppression(db: DbOrTrx, emailIndex: string) {
  return db.selectFrom('suppressions').selectAll().where('email_index', '=', emailIndex).executeTakeFirst();
}

/** Which filters a supporter search or an audience can combine (all optional, all ANDed). */
export interface SupporterFilters {
  listId?: number | undefined;
  /** With listId: the subscription state on that list; without: on any list. */
  consent?: SubscriptionStatus | undefined;
  tag?: string | undefined;
  constituency?: string | undefined;
  source?: string | undefined;
  createdFrom?: number | undefined;
  createdTo?: number | undefined;
  /** Supporter ids already found by an exact email or name search. */
  ids?: readonly number[] | undefined;
  includeErased?: boolean | undefined;
}

/** Narrows a query over `supporters` by the filters. The one place filters become SQL. */
export function applySupporterFilters<O>(
  q: SelectQueryBuilder<Schema, 'supporters', O>,
  f: SupporterFilters,
): SelectQueryBuilder<Schema, 'supporters', O> {
  let r = q;
  if (!f.includeErased) r = r.where('supporters.erased_at', 'is', null);
  if (f.ids) r = f.ids.length ? r.where('supporters.id', 'in', f.ids) : r.where(sql<boolean>`1 = 0`);
  if (f.listId !== undefined || f.consent !== undefined) {
    r = r.where((eb) =>
      eb.exists(
        eb
          .selectFrom('subscriptions')
          .select(sql`1`.as('one'))
          .whereRef('subscriptions.supporter_id', '=', 'supporters.id')
          .$if(f.listId !== undefined, (s) => s.where('subscriptions.list_id', '=', f.listId!))
          .$if(f.consent !== undefined, (s) => s.where('subscriptions.status', '=', f.consent!)),
      ),
    );
  }
  if (f.tag)
    r = r.where((eb) =>
      eb.exists(
        eb
          .selectFrom('supporter_tags')
          .select(sql`1`.as('one'))
          .whereRef('supporter_tags.supporter_id', '=', 'supporters.id')
          .where('supporter_tags.tag', '=', f.tag!),
      ),
    );
  if (f.constituency) r = r.where('supporters.constituency_code', '=', f.constituency);
  if (f.source) r = r.where('supporters.source', '=', f.source);
  if (f.createdFrom !== undefined) r = r.where('supporters.created_at', '>=', f.createdFrom);
  if (f.createdTo !== undefined) r = r.where('supporters.created_at', '<', f.createdTo);
  return r;
}

/** A page of supporters matching the filters, newest first, and whether there are more. */
export async function findSupporters(db: Db, f: SupporterFilters, o: { limit: number; offset: number }): Promise<SupporterRow[]> {
  return applySupporterFilters(db.selectFrom('supporters').selectAll('supporters'), f)
    .orderBy('supporters.id', 'desc')
    .limit(o.limit)
    .offset(o.offset)
    .execute();
}

/** How many supporters match the filters. */
export async function countSupporters(db: Db, f: SupporterFilters): Promise<number> {
  const r = await applySupporterFilters(
    db.selectFrom('supporters').select((eb) => eb.fn.countAll<number>().as('n')),
    f,
  ).executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * Ids of the supporters a newsletter may go to: subscribed to the list, matching the segment's filters, with an
 * address, confirmed, not undeliverable or erased, and not suppressed.
 */
export function mailableSupporterIds(db: DbOrTrx, listId: number, segment: SupporterFilters = {}) {
  return reachableSupporterIds(db, { ...segment, listId, consent: 'subscribed' });
}

/** Ids of the supporters matching the filters who may be emailed at all: with an address, confirmed, not undeliverable, erased or suppressed. */
function reachableSupporterIds(db: DbOrTrx, f: SupporterFilters) {
  return applySupporterFilters(db.selectFrom('supporters').select('supporters.id'), f)
    .where('supporters.email_index', 'is not', null)
    .where('supporters.confirmed_at', 'is not', null)
    .where('supporters.undeliverable_at', 'is', null)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('suppressions')
            .select(sql`1`.as('one'))
            .whereRef('suppressions.email_index', '=', 'supporters.email_index'),
        ),
      ),
    );
}

/** The ids mailableSupporterIds finds, ascending (a newsletter's audience). */
export async function listMailableSupporterIds(db: DbOrTrx, listId: number, segment: SupporterFilters = {}): Promise<number[]> {
  const rows = await mailableSupporterIds(db, listId, segment).orderBy('supporters.id').execute();
  return rows.map((r) => r.id);
}

/** Of these supporters, the rows of those mailable on the list now, with what a message needs (still encrypted). */
export async function findMailableRecipientRows(db: DbOrTrx, listId: number, supporterIds: readonly number[]) {
  // The subscription is checked in the select list, where neither database turns it into a join: it is then one
  // primary-key lookup per supporter of the batch. In the WHERE clause PostgreSQL joins it, and on a list just
  // imported (no statistics yet) it read every subscription of the list for each batch of a send.
  const rows = await reachableSupporterIds(db, { ids: [...supporterIds] })
    .select((eb) => [
      'supporters.public_id',
      'supporters.email_enc',
      'supporters.first_name_enc',
      eb
        .case()
        .when(
          eb.exists(
            eb
              .selectFrom('subscriptions')
              .select(sql`1`.as('one'))
              .whereRef('subscriptions.supporter_id', '=', 'supporters.id')
              .where('subscriptions.list_id', '=', listId)
              .where('subscriptions.status', '=', 'subscribed'),
          ),
        )
        .then(1)
        .else(0)
        .end()
        .as('subscribed'),
    ])
    .orderBy('supporters.id')
    .execute();
  return rows.filter((r) => Number(r.subscribed) === 1);
}

/** Lists that are not archived, by name. */
export async function listOpenListRows(db: DbOrTrx): Promise<Array<{ id: number; name: string }>> {
  return db.selectFrom('lists').select(['id', 'name']).where('archived_at', 'is', null).orderBy('name').execute();
}

/** The id of the list with this slug, if there is one. */
export async function findListIdBySlug(db: DbOrTrx, slug: string): Promise<number | undefined> {
  return (await db.selectFrom('lists').select('id').where('slug', '=', slug).executeTakeFirst())?.id;
}

/** Deletes supporters who never confirmed and were created before the cutoff; returns how many. */
export async function deleteUnconfirmedBefore(db: DbOrTrx, cutoff: number): Promise<number> {
  const r = await db
    .deleteFrom('supporters')
    .where('confirmed_at', 'is', null)
    .where('erased_at', 'is', null)
    .where('created_at', '<', cutoff)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

// ---- staff side: search pages, exports, bulk tags, lists, segments, imports ------------------------------------

/** Supporters matching the filters with ids below `beforeId` (and at most `maxId`), newest first: keyset pages. */
export async function findSupportersBefore(
  db: DbOrTrx,
  f: SupporterFilters,
  o: { beforeId?: number | undefined; maxId?: number | undefined; limit: number },
): Promise<SupporterRow[]> {
  return applySupporterFilters(db.selectFrom('supporters').selectAll('supporters'), f)
    .$if(o.beforeId !== undefined, (q) => q.where('supporters.id', '<', o.beforeId!))
    .$if(o.maxId !== undefined, (q) => q.where('supporters.id', '<=', o.maxId!))
    .orderBy('supporters.id', 'desc')
    .limit(o.limit)
    .execute();
}

/** Ids of supporters matching the filters with ids above `afterId`, in id order: batches for bulk changes. */
export async function findSupporterIdsAfter(db: DbOrTrx, f: SupporterFilters, o: { afterId: number; limit: number }): Promise<number[]> {
  const rows = await applySupporterFilters(db.selectFrom('supporters').select('supporters.id'), f)
    .where('supporters.id', '>', o.afterId)
    .orderBy('supporters.id')
    .limit(o.limit)
    .execute();
  return rows.map((r) => r.id);
}

/** The highest supporter id (0 when there are none). */
export async function findMaxSupporterId(db: DbOrTrx): Promise<number> {
  const r = await db
    .selectFrom('supporters')
    .select((eb) => eb.fn.max('id').as('m'))
    .executeTakeFirst();
  return Number(r?.m ?? 0);
}

/** The tags of many supporters, by supporter id. */
export async function listTagsOfMany(db: DbOrTrx, supporterIds: readonly number[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  if (supporterIds.length === 0) return out;
  const rows = await db
    .selectFrom('supporter_tags')
    .select(['supporter_id', 'tag'])
    .where('supporter_id', 'in', supporterIds)
    .orderBy('tag')
    .execute();
  for (const r of rows) out.set(r.supporter_id, [...(out.get(r.supporter_id) ?? []), r.tag]);
  return out;
}

/** The subscriptions of many supporters (optionally only on some lists). */
export async function listSubscriptionsOfMany(db: DbOrTrx, supporterIds: readonly number[], listIds?: readonly number[]) {
  if (supporterIds.length === 0 || listIds?.length === 0) return [];
  return db
    .selectFrom('subscriptions')
    .select(['supporter_id', 'list_id', 'status', 'lawful_basis', 'updated_at'])
    .where('supporter_id', 'in', supporterIds)
    .$if(listIds !== undefined, (q) => q.where('list_id', 'in', listIds!))
    .execute();
}

/** The distinct sources supporters came from, sorted. */
export async function listSupporterSources(db: Db): Promise<string[]> {
  const rows = await db
    .selectFrom('supporters')
    .select('source')
    .distinct()
    .where('erased_at', 'is', null)
    .orderBy('source')
    .limit(500)
    .execute();
  return rows.map((r) => r.source);
}

/** Existing supporters with these email blind indexes: index → id. */
export async function findSupporterIdsByEmailIndexes(db: DbOrTrx, indexes: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (indexes.length === 0) return out;
  const rows = await db
    .selectFrom('supporters')
    .select(['id', 'email_index'])
    .where('email_index', 'in', [...new Set(indexes)])
    .execute();
  for (const r of rows) if (r.email_index) out.set(r.email_index, r.id);
  return out;
}

/** Which of these email blind indexes are suppressed, and why. */
export async function findSuppressions(db: DbOrTrx, indexes: readonly string[]): Promise<Map<string, SuppressionReason>> {
  const out = new Map<string, SuppressionReason>();
  if (indexes.length === 0) return out;
  const rows = await db
    .selectFrom('suppressions')
    .select(['email_index', 'reason'])
    .where('email_index', 'in', [...new Set(indexes)])
    .execute();
  for (const r of rows) out.set(r.email_index, r.reason);
  return out;
}

/** Every list (archived ones last) with how many supporters are subscribed to each. */
export async function listListsWithCounts(db: Db) {
  const rows = await db
    .selectFrom('lists')
    .leftJoin('subscriptions', (j) => j.onRef('subscriptions.list_id', '=', 'lists.id').on('subscriptions.status', '=', 'subscribed'))
    .select([
      'lists.id',
      'lists.slug',
      'lists.name',
      'lists.description',
      'lists.wording',
      'lists.wording_version',
      'lists.archived_at',
      'lists.created_at',
      'lists.updated_at',
    ])
    .select((eb) => eb.fn.count<number>('subscriptions.supporter_id').as('subscribed'))
    .groupBy([
      'lists.id',
      'lists.slug',
      'lists.name',
      'lists.description',
      'lists.wording',
      'lists.wording_version',
      'lists.archived_at',
      'lists.created_at',
      'lists.updated_at',
    ])
    .orderBy(sql`case when lists.archived_at is null then 0 else 1 end`)
    .orderBy('lists.name')
    .execute();
  return rows.map((r) => ({ ...r, subscribed: Number(r.subscribed) }));
}

/** One list by id. */
export async function findListById(db: DbOrTrx, id: number): Promise<ListRow | undefined> {
  return db.selectFrom('lists').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Every wording a list has shown, newest first. */
export async function listWordingsOf(db: DbOrTrx, listId: number) {
  return db.selectFrom('consent_wordings').selectAll().where('list_id', '=', listId).orderBy('version', 'desc').execute();
}

/** Archives a list (at a time) or brings it back (null). */
export async function setListArchived(db: DbOrTrx, id: number, at: number | null): Promise<void> {
  await db.updateTable('lists').set({ archived_at: at, updated_at: Date.now() }).where('id', '=', id).execute();
}

export type SegmentRow = Selectable<Schema['segments']>;

/** Inserts a segment; returns its id. */
export async function insertSegment(
  db: DbOrTrx,
  s: { name: string; filters: string; createdBy: number | null; at: number },
): Promise<number> {
  return (
    await db
      .insertInto('segments')
      .values({ name: s.name, filters: s.filters, created_by: s.createdBy, created_at: s.at, updated_at: s.at })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
}

/** One segment by id. */
export async function findSegment(db: DbOrTrx, id: number): Promise<SegmentRow | undefined> {
  return db.selectFrom('segments').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Every segment, by name. */
export async function listSegmentRows(db: DbOrTrx): Promise<SegmentRow[]> {
  return db.selectFrom('segments').selectAll().orderBy('name').orderBy('id').execute();
}

/** Renames a segment. */
export async function renameSegmentRow(db: DbOrTrx, id: number, name: string, at: number): Promise<void> {
  await db.updateTable('segments').set({ name, updated_at: at }).where('id', '=', id).execute();
}

/** Deletes a segment. */
export async function deleteSegmentRow(db: DbOrTrx, id: number): Promise<void> {
  await db.deleteFrom('segments').where('id', '=', id).execute();
}

export type SupporterImportRow = Selectable<SupporterImportsTable>;

/** Inserts an import in its first state; returns its id. */
export async function insertImport(db: DbOrTrx, row: Insertable<SupporterImportsTable>): Promise<number> {
  return (await db.insertInto('supporter_imports').values(row).returning('id').executeTakeFirstOrThrow()).id;
}

/** One import by id. */
export async function findImport(db: DbOrTrx, id: number): Promise<SupporterImportRow | undefined> {
  return db.selectFrom('supporter_imports').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Changes an import's columns; with `whenStatus`, only if it is in one of those states. Returns whether a row changed. */
export async function updateImport(
  db: DbOrTrx,
  id: number,
  values: Updateable<SupporterImportsTable>,
  whenStatus?: readonly SupporterImportStatus[],
): Promise<boolean> {
  const r = await db
    .updateTable('supporter_imports')
    .set(values)
    .where('id', '=', id)
    .$if(whenStatus !== undefined, (q) => q.where('status', 'in', whenStatus!))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** The most recent imports, newest first, without their file or findings. */
export async function listRecentImports(db: Db, limit: number) {
  return db
    .selectFrom('supporter_imports')
    .select(['id', 'staff_id', 'status', 'filename_enc', 'bytes', 'rows_total', 'rows_done', 'counts', 'created_at', 'finished_at'])
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** Stores one encrypted chunk of an uploaded file. */
export async function insertImportChunk(db: DbOrTrx, importId: number, seq: number, dataEnc: string): Promise<void> {
  await db.insertInto('supporter_import_chunks').values({ import_id: importId, seq, data_enc: dataEnc }).execute();
}

/** One encrypted chunk of an uploaded file. */
export async function findImportChunk(db: DbOrTrx, importId: number, seq: number): Promise<string | undefined> {
  return (
    await db
      .selectFrom('supporter_import_chunks')
      .select('data_enc')
      .where('import_id', '=', importId)
      .where('seq', '=', seq)
      .executeTakeFirst()
  )?.data_enc;
}

/** Deletes the stored file of an import. */
export async function deleteImportChunks(db: DbOrTrx, importId: number): Promise<void> {
  await db.deleteFrom('supporter_import_chunks').where('import_id', '=', importId).execute();
}

/** Deletes an import and its file. */
export async function deleteImportRow(db: DbOrTrx, importId: number): Promise<void> {
  await deleteImportChunks(db, importId);
  await db.deleteFrom('supporter_imports').where('id', '=', importId).execute();
}

/** Imports whose keeping time has passed. */
export async function findExpiredImports(db: DbOrTrx, now: number) {
  return db.selectFrom('supporter_imports').select(['id', 'status']).where('expires_at', '<', now).execute();
}

// ---- the public side: single-use tokens (confirmation, data export, spent proofs of work) and demo batches ----

/** Inserts the name-word blind indexes of a supporter who has none yet. */
export async function insertNameTokens(db: DbOrTrx, supporterId: number, tokenIndexes: readonly string[]): Promise<void> {
  if (tokenIndexes.length === 0) return;
  await db
    .insertInto('supporter_name_tokens')
    .values([...new Set(tokenIndexes)].map((token_index) => ({ supporter_id: supporterId, token_index })))
    .execute();
}

/**
 * Consent requested on lists (pending subscriptions, and 'requested' ledger entries with the wording version each
 * list showed), in two statements: the sign-up's path for a supporter created in the same transaction.
 */
export async function insertConsentRequests(
  db: DbOrTrx,
  o: { supporterId: number; lists: ReadonlyArray<{ id: number; wordingVersion: number }>; source: string; at: number },
): Promise<void> {
  if (o.lists.length === 0) return;
  await db
    .insertInto('subscriptions')
    .values(
      o.lists.map((l) => ({
        supporter_id: o.supporterId,
        list_id: l.id,
        status: 'pending' as const,
        lawful_basis: 'consent' as const,
        updated_at: o.at,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['supporter_id', 'list_id']).doUpdateSet({ status: 'pending', lawful_basis: 'consent', updated_at: o.at }),
    )
    .execute();
  await db
    .insertInto('consent_events')
    .values(
      o.lists.map((l) => ({
        supporter_id: o.supporterId,
        list_id: l.id,
        kind: 'requested' as const,
        lawful_basis: 'consent' as const,
        wording_version: l.wordingVersion,
        source: o.source,
        created_at: o.at,
      })),
    )
    .execute();
}

/** Inserts many supporters in batches; returns their ids in the order given. */
export async function insertSupportersBatch(db: DbOrTrx, rows: ReadonlyArray<Insertable<SupportersTable>>): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < rows.length; i += 200) {
    const inserted = await db
      .insertInto('supporters')
      .values(rows.slice(i, i + 200))
      .returning(['id', 'public_id'])
      .execute();
    // RETURNING order is not promised, so match by the public id.
    const byPublicId = new Map(inserted.map((r) => [r.public_id, r.id]));
    for (const r of rows.slice(i, i + 200)) ids.push(byPublicId.get(r.public_id)!);
  }
  return ids;
}

/** Inserts rows of one of the supporter link tables in batches. */
export async function insertBatch<T extends 'supporter_name_tokens' | 'supporter_tags' | 'subscriptions' | 'consent_events'>(
  db: DbOrTrx,
  table: T,
  rows: ReadonlyArray<Insertable<Schema[T]>>,
): Promise<void> {
  for (let i = 0; i < rows.length; i += 200) {
    await db
      .insertInto(table)
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      .values(rows.slice(i, i + 200) as any)
      .execute();
  }
}

/** Whether any list exists (the demo adds its lists only to an instance without any). */
export async function anyListExists(db: DbOrTrx): Promise<boolean> {
  return (await db.selectFrom('lists').select('id').limit(1).executeTakeFirst()) !== undefined;
}

// ---- bulk writes for imports (the same effects as the one-at-a-time functions above, in a few statements) -----

/** Supporters with these email blind indexes. */
export async function findSupportersByEmailIndexes(db: DbOrTrx, indexes: readonly string[]): Promise<SupporterRow[]> {
  if (indexes.length === 0) return [];
  return db
    .selectFrom('supporters')
    .selectAll()
    .where('email_index', 'in', [...new Set(indexes)])
    .execute();
}

/** Inserts supporters; returns each new id by its email blind index. */
export async function insertSupporters(db: DbOrTrx, rows: ReadonlyArray<Insertable<SupportersTable>>): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < rows.length; i += 200) {
    const inserted = await db
      .insertInto('supporters')
      .values(rows.slice(i, i + 200))
      .returning(['id', 'email_index'])
      .execute();
    for (const r of inserted) if (r.email_index) out.set(r.email_index, r.id);
  }
  return out;
}

/** Replaces the name-word blind indexes of many supporters. */
export async function replaceNameTokensOfMany(db: DbOrTrx, tokens: ReadonlyMap<number, readonly string[]>): Promise<void> {
  const ids = [...tokens.keys()];
  for (let i = 0; i < ids.length; i += 500)
    await db
      .deleteFrom('supporter_name_tokens')
      .where('supporter_id', 'in', ids.slice(i, i + 500))
      .execute();
  const values = [...tokens].flatMap(([supporter_id, t]) => [...new Set(t)].map((token_index) => ({ supporter_id, token_index })));
  for (let i = 0; i < values.length; i += 1000) {
    await db
      .insertInto('supporter_name_tokens')
      .values(values.slice(i, i + 1000))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}

/** Sets one subscription state for many (supporter, list) pairs. */
export async function setSubscriptionsOfMany(
  db: DbOrTrx,
  o: { pairs: ReadonlyArray<{ supporterId: number; listId: number }>; status: SubscriptionStatus; basis: LawfulBasis | null; at: number },
): Promise<void> {
  for (let i = 0; i < o.pairs.length; i += 500) {
    await db
      .insertInto('subscriptions')
      .values(
        o.pairs
          .slice(i, i + 500)
          .map((p) => ({ supporter_id: p.supporterId, list_id: p.listId, status: o.status, lawful_basis: o.basis, updated_at: o.at })),
      )
      .onConflict((oc) =>
        oc.columns(['supporter_id', 'list_id']).doUpdateSet({ status: o.status, lawful_basis: o.basis, updated_at: o.at }),
      )
      .execute();
  }
}

/** Appends one consent event per (supporter, list) pair, each with its list's current wording version. */
export async function insertConsentEventsOfMany(
  db: DbOrTrx,
  o: {
    pairs: ReadonlyArray<{ supporterId: number; listId: number }>;
    kind: ConsentEventKind;
    basis: LawfulBasis | null;
    source: string;
    at: number;
  },
): Promise<void> {
  if (o.pairs.length === 0) return;
  const lists = await db
    .selectFrom('lists')
    .select(['id', 'wording_version'])
    .where('id', 'in', [...new Set(o.pairs.map((p) => p.listId))])
    .execute();
  const version = new Map(lists.map((l) => [l.id, l.wording_version]));
  const values = o.pairs.map((p) => ({
    supporter_id: p.supporterId,
    list_id: p.listId,
    kind: o.kind,
    lawful_basis: o.basis,
    wording_version: version.get(p.listId) ?? null,
    source: o.source,
    created_at: o.at,
  }));
  for (let i = 0; i < values.length; i += 500)
    await db
      .insertInto('consent_events')
      .values(values.slice(i, i + 500))
      .execute();
}

/** Marks many supporters as changed at a time. */
export async function touchSupporters(db: DbOrTrx, ids: readonly number[], at: number): Promise<void> {
  for (let i = 0; i < ids.length; i += 500)
    await db
      .updateTable('supporters')
      .set({ updated_at: at })
      .where('id', 'in', ids.slice(i, i + 500))
      .execute();
}

/** Adds tags to supporters, each their own (ignoring ones they already have). */
export async function addTagsOfMany(db: DbOrTrx, tags: ReadonlyArray<{ supporterId: number; tags: readonly string[] }>): Promise<void> {
  const values = tags.flatMap((t) => [...new Set(t.tags)].map((tag) => ({ supporter_id: t.supporterId, tag })));
  for (let i = 0; i < values.length; i += 500)
    await db
      .insertInto('supporter_tags')
      .values(values.slice(i, i + 500))
      .onConflict((oc) => oc.doNothing())
      .execute();
}

// ---- constituencies from postcodes ------------------------------------------------------------------------------

/** Supporters (not erased) with a postcode and no constituency, id above `afterId`, in id order: batches to fill in. */
export async function findSupportersWithoutConstituency(
  db: DbOrTrx,
  o: { afterId: number; limit: number },
): Promise<Array<{ id: number; postcode_enc: string }>> {
  const rows = await db
    .selectFrom('supporters')
    .select(['id', 'postcode_enc'])
    .where('postcode_enc', 'is not', null)
    .where('constituency_code', 'is', null)
    .where('erased_at', 'is', null)
    .where('id', '>', o.afterId)
    .orderBy('id')
    .limit(o.limit)
    .execute();
  return rows.map((r) => ({ id: Number(r.id), postcode_enc: r.postcode_enc! }));
}

/** Sets a supporter's constituency unless one is already recorded (staff's or an import's word stands); true if set. */
export async function fillConstituency(db: DbOrTrx, supporterId: number, code: string): Promise<boolean> {
  const r = await db
    .updateTable('supporters')
    .set({ constituency_code: code })
    .where('id', '=', supporterId)
    .where('constituency_code', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

// ---- the dashboard and the audit log in words --------------------------------------------------------------

/** Live supporters (not erased): confirmed, confirmed since `since`, and signed up but not yet confirmed. */
export async function countSupportersForDashboard(
  db: Db,
  since: number,
): Promise<{ confirmed: number; since: number; unconfirmed: number }> {
  const r = await db
    .selectFrom('supporters')
    .where('erased_at', 'is', null)
    .select([
      sql<number | string>`count(confirmed_at)`.as('confirmed'),
      sql<number | string | null>`sum(case when confirmed_at >= ${since} then 1 else 0 end)`.as('since'),
      sql<number | string | null>`sum(case when confirmed_at is null then 1 else 0 end)`.as('unconfirmed'),
    ])
    .executeTakeFirstOrThrow();
  return { confirmed: Number(r.confirmed), since: Number(r.since ?? 0), unconfirmed: Number(r.unconfirmed ?? 0) };
}

/** Imports waiting for staff (columns to match, or checked and waiting to be confirmed), not yet expired. */
export async function listImportsWaiting(db: Db, now: number) {
  return db
    .selectFrom('supporter_imports')
    .select(['id', 'status', 'filename_enc', 'rows_total'])
    .where('status', 'in', ['uploaded', 'checked'])
    .where('expires_at', '>', now)
    .orderBy('id', 'asc')
    .limit(20)
    .execute();
}

/** The encrypted names of these supporters, for the audit log. */
export async function findSupporterNames(db: DbOrTrx, ids: readonly number[]) {
  if (ids.length === 0) return [];
  return db.selectFrom('supporters').select(['id', 'first_name_enc', 'last_name_enc', 'erased_at']).where('id', 'in', ids).execute();
}

/** The names of these saved segments. */
export async function findSegmentNames(db: DbOrTrx, ids: readonly number[]) {
  if (ids.length === 0) return [];
  return db.selectFrom('segments').select(['id', 'name']).where('id', 'in', ids).execute();
}

/** The encrypted file names of these imports. */
export async function findImportFileNames(db: DbOrTrx, ids: readonly number[]) {
  if (ids.length === 0) return [];
  return db.selectFrom('supporter_imports').select(['id', 'filename_enc']).where('id', 'in', ids).execute();
}
