import type { Insertable, Selectable, Updateable } from 'kysely';
import type { DbOrTrx } from '../../core/db/index.js';
import type { CategoriesTable, ContentWarningReasonsTable, TagsTable, UpdateRevisionsTable, UpdatesTable, UpdateStatus } from './tables.js';

export type UpdateRow = Selectable<UpdatesTable>;
export type CategoryRow = Selectable<CategoriesTable>;
export type TagRow = Selectable<TagsTable>;
export type RevisionRow = Selectable<UpdateRevisionsTable>;
export type WarningReasonRow = Selectable<ContentWarningReasonsTable>;

// ---- updates ----

/** The update with this id, if any (any state). */
export async function findUpdateById(db: DbOrTrx, id: number): Promise<UpdateRow | undefined> {
  return db.selectFrom('updates').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The update with this slug, if any (any state). */
export async function findUpdateRowBySlug(db: DbOrTrx, slug: string): Promise<UpdateRow | undefined> {
  return db.selectFrom('updates').selectAll().where('slug', '=', slug).executeTakeFirst();
}

/** The published update with this slug, if any. */
export async function findPublishedUpdateRow(db: DbOrTrx, slug: string): Promise<UpdateRow | undefined> {
  return db.selectFrom('updates').selectAll().where('slug', '=', slug).where('status', '=', 'published').executeTakeFirst();
}

/** Whether another update already uses this slug. */
export async function updateSlugTaken(db: DbOrTrx, slug: string, exceptId?: number): Promise<boolean> {
  let q = db.selectFrom('updates').select('id').where('slug', '=', slug);
  if (exceptId !== undefined) q = q.where('id', '!=', exceptId);
  return (await q.executeTakeFirst()) !== undefined;
}

/** Stores a new update; returns its id. */
export async function insertUpdate(db: DbOrTrx, u: Insertable<UpdatesTable>): Promise<number> {
  const row = await db.insertInto('updates').values(u).returning('id').executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Changes an update's columns. */
export async function updateUpdateRow(db: DbOrTrx, id: number, u: Updateable<UpdatesTable>): Promise<void> {
  await db.updateTable('updates').set(u).where('id', '=', id).execute();
}

/** Deletes an update (its categories, tags, revisions and related actions go with it). */
export async function deleteUpdateRow(db: DbOrTrx, id: number): Promise<void> {
  await db.deleteFrom('updates').where('id', '=', id).execute();
}

/** How many published updates there are, of one campaign or category, or all. */
export async function countPublishedUpdates(db: DbOrTrx, o: { campaignId?: number; categoryId?: number }): Promise<number> {
  let q = db
    .selectFrom('updates')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'published');
  if (o.campaignId !== undefined) q = q.where('campaign_id', '=', o.campaignId);
  if (o.categoryId !== undefined) {
    const categoryId = o.categoryId;
    q = q.where('id', 'in', (eb) => eb.selectFrom('update_categories').select('update_id').where('category_id', '=', categoryId));
  }
  return Number((await q.executeTakeFirstOrThrow()).n);
}

/** One page of published updates, newest first, of one campaign or category, or all. */
export async function listPublishedUpdateRows(
  db: DbOrTrx,
  o: { campaignId?: number; categoryId?: number; limit: number; offset: number },
): Promise<UpdateRow[]> {
  let q = db.selectFrom('updates').selectAll().where('status', '=', 'published');
  if (o.campaignId !== undefined) q = q.where('campaign_id', '=', o.campaignId);
  if (o.categoryId !== undefined) {
    const categoryId = o.categoryId;
    q = q.where('id', 'in', (eb) => eb.selectFrom('update_categories').select('update_id').where('category_id', '=', categoryId));
  }
  return q.orderBy('published_at', 'desc').orderBy('id', 'desc').limit(o.limit).offset(o.offset).execute();
}

/** Every update for the admin list, most recently changed first. */
export async function listUpdateRowsForStaff(db: DbOrTrx, o: { limit: number; offset: number }): Promise<UpdateRow[]> {
  return db.selectFrom('updates').selectAll().orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(o.limit).offset(o.offset).execute();
}

/** How many updates there are in every state. */
export async function countUpdates(db: DbOrTrx): Promise<number> {
  return Number(
    (
      await db
        .selectFrom('updates')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
}

/** The ids of scheduled updates whose time has come. */
export async function listDueScheduledUpdateIds(db: DbOrTrx, now: number): Promise<number[]> {
  const rows = await db
    .selectFrom('updates')
    .select('id')
    .where('status', '=', 'scheduled')
    .where('publish_at', '<=', now)
    .orderBy('publish_at')
    .execute();
  return rows.map((r) => Number(r.id));
}

/** Moves an update from one state to another only if it is still in the first (so two workers publish it once). */
export async function changeUpdateStatusIf(
  db: DbOrTrx,
  id: number,
  from: readonly UpdateStatus[],
  set: Updateable<UpdatesTable>,
): Promise<boolean> {
  const r = await db
    .updateTable('updates')
    .set(set)
    .where('id', '=', id)
    .where('status', 'in', [...from])
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

// ---- categories ----

/** Every category, by name. */
export async function listCategoryRows(db: DbOrTrx): Promise<CategoryRow[]> {
  return db.selectFrom('categories').selectAll().orderBy('name').orderBy('id').execute();
}

/** The category with this slug, if any. */
export async function findCategoryRowBySlug(db: DbOrTrx, slug: string): Promise<CategoryRow | undefined> {
  return db.selectFrom('categories').selectAll().where('slug', '=', slug).executeTakeFirst();
}

/** The category with this id, if any. */
export async function findCategoryRowById(db: DbOrTrx, id: number): Promise<CategoryRow | undefined> {
  return db.selectFrom('categories').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Whether another category already uses this slug. */
export async function categorySlugTaken(db: DbOrTrx, slug: string, exceptId?: number): Promise<boolean> {
  let q = db.selectFrom('categories').select('id').where('slug', '=', slug);
  if (exceptId !== undefined) q = q.where('id', '!=', exceptId);
  return (await q.executeTakeFirst()) !== undefined;
}

/** Stores a new category; returns its id. */
export async function insertCategory(db: DbOrTrx, c: { slug: string; name: string; description: string; at: number }): Promise<number> {
  const row = await db
    .insertInto('categories')
    .values({ slug: c.slug, name: c.name, description: c.description, created_at: c.at, updated_at: c.at })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Changes a category's slug, name and description. */
export async function updateCategoryRow(
  db: DbOrTrx,
  id: number,
  c: { slug: string; name: string; description: string; at: number },
): Promise<void> {
  await db
    .updateTable('categories')
    .set({ slug: c.slug, name: c.name, description: c.description, updated_at: c.at })
    .where('id', '=', id)
    .execute();
}

/** Deletes a category. */
export async function deleteCategoryRow(db: DbOrTrx, id: number): Promise<void> {
  await db.deleteFrom('categories').where('id', '=', id).execute();
}

/** How many updates (in any state) are in each category, by category id. */
export async function countUpdatesPerCategory(db: DbOrTrx): Promise<Array<{ category_id: number; n: number }>> {
  return db
    .selectFrom('update_categories')
    .select(['category_id', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('category_id')
    .execute();
}

/** The categories of these updates. */
export async function listCategoriesOfUpdates(
  db: DbOrTrx,
  updateIds: readonly number[],
): Promise<Array<{ update_id: number; id: number; slug: string; name: string }>> {
  if (updateIds.length === 0) return [];
  return db
    .selectFrom('update_categories')
    .innerJoin('categories', 'categories.id', 'update_categories.category_id')
    .select(['update_categories.update_id', 'categories.id', 'categories.slug', 'categories.name'])
    .where('update_categories.update_id', 'in', [...updateIds])
    .orderBy('categories.name')
    .execute();
}

/** Sets an update's categories to exactly these. */
export async function setUpdateCategories(db: DbOrTrx, updateId: number, categoryIds: readonly number[]): Promise<void> {
  await db.deleteFrom('update_categories').where('update_id', '=', updateId).execute();
  if (categoryIds.length === 0) return;
  await db
    .insertInto('update_categories')
    .values([...new Set(categoryIds)].map((category_id) => ({ update_id: updateId, category_id })))
    .execute();
}

// ---- tags ----

/** Every tag, by name, with how many updates carry it. */
export async function listTagRows(db: DbOrTrx): Promise<Array<TagRow & { n: number }>> {
  return db
    .selectFrom('tags')
    .leftJoin('update_tags', 'update_tags.tag_id', 'tags.id')
    .select(['tags.id', 'tags.slug', 'tags.name', 'tags.created_at', (eb) => eb.fn.count<number>('update_tags.update_id').as('n')])
    .groupBy(['tags.id', 'tags.slug', 'tags.name', 'tags.created_at'])
    .orderBy('tags.name')
    .execute();
}

/** The tag with this slug, if any. */
export async function findTagRowBySlug(db: DbOrTrx, slug: string): Promise<TagRow | undefined> {
  return db.selectFrom('tags').selectAll().where('slug', '=', slug).executeTakeFirst();
}

/** The tag with this id, if any. */
export async function findTagRowById(db: DbOrTrx, id: number): Promise<TagRow | undefined> {
  return db.selectFrom('tags').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Stores a tag unless its slug exists; returns the id either way. */
export async function insertTagOnce(db: DbOrTrx, t: { slug: string; name: string; at: number }): Promise<number> {
  await db
    .insertInto('tags')
    .values({ slug: t.slug, name: t.name, created_at: t.at })
    .onConflict((oc) => oc.column('slug').doNothing())
    .execute();
  return Number((await db.selectFrom('tags').select('id').where('slug', '=', t.slug).executeTakeFirstOrThrow()).id);
}

/** Deletes a tag (it leaves every update that carried it). */
export async function deleteTagRow(db: DbOrTrx, id: number): Promise<void> {
  await db.deleteFrom('tags').where('id', '=', id).execute();
}

/** Moves every update from one tag to another (an update carrying both keeps one). */
export async function moveUpdateTags(db: DbOrTrx, fromTagId: number, toTagId: number): Promise<void> {
  await db
    .deleteFrom('update_tags')
    .where('tag_id', '=', fromTagId)
    .where('update_id', 'in', (eb) => eb.selectFrom('update_tags as t2').select('t2.update_id').where('t2.tag_id', '=', toTagId))
    .execute();
  await db.updateTable('update_tags').set({ tag_id: toTagId }).where('tag_id', '=', fromTagId).execute();
}

/** The tag names of these updates. */
export async function listTagsOfUpdates(db: DbOrTrx, updateIds: readonly number[]): Promise<Array<{ update_id: number; name: string }>> {
  if (updateIds.length === 0) return [];
  return db
    .selectFrom('update_tags')
    .innerJoin('tags', 'tags.id', 'update_tags.tag_id')
    .select(['update_tags.update_id', 'tags.name'])
    .where('update_tags.update_id', 'in', [...updateIds])
    .orderBy('tags.name')
    .execute();
}

/** Sets an update's tags to exactly these. */
export async function setUpdateTags(db: DbOrTrx, updateId: number, tagIds: readonly number[]): Promise<void> {
  await db.deleteFrom('update_tags').where('update_id', '=', updateId).execute();
  if (tagIds.length === 0) return;
  await db
    .insertInto('update_tags')
    .values([...new Set(tagIds)].map((tag_id) => ({ update_id: updateId, tag_id })))
    .execute();
}

// ---- revisions ----

/** Stores a revision of an update's words. */
export async function insertRevision(
  db: DbOrTrx,
  r: { updateId: number; title: string; excerpt: string; bodyMd: string; at: number; by: number | null },
): Promise<number> {
  const row = await db
    .insertInto('update_revisions')
    .values({ update_id: r.updateId, title: r.title, excerpt: r.excerpt, body_md: r.bodyMd, saved_at: r.at, saved_by: r.by })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** An update's revisions, newest first. */
export async function listRevisionRows(db: DbOrTrx, updateId: number): Promise<RevisionRow[]> {
  return db.selectFrom('update_revisions').selectAll().where('update_id', '=', updateId).orderBy('id', 'desc').execute();
}

/** One revision of an update, if it is one of its. */
export async function findRevisionRow(db: DbOrTrx, updateId: number, revisionId: number): Promise<RevisionRow | undefined> {
  return db.selectFrom('update_revisions').selectAll().where('update_id', '=', updateId).where('id', '=', revisionId).executeTakeFirst();
}

// ---- related actions ----

/** The ids of the actions shown beside these updates, in order. */
export async function listActionIdsOfUpdates(
  db: DbOrTrx,
  updateIds: readonly number[],
): Promise<Array<{ update_id: number; action_id: number }>> {
  if (updateIds.length === 0) return [];
  return db
    .selectFrom('update_actions')
    .select(['update_id', 'action_id'])
    .where('update_id', 'in', [...updateIds])
    .orderBy('position')
    .execute();
}

/** Sets the actions shown beside an update to exactly these, in this order. */
export async function setUpdateActions(db: DbOrTrx, updateId: number, actionIds: readonly number[]): Promise<void> {
  await db.deleteFrom('update_actions').where('update_id', '=', updateId).execute();
  const unique = [...new Set(actionIds)];
  if (unique.length === 0) return;
  await db
    .insertInto('update_actions')
    .values(unique.map((action_id, position) => ({ update_id: updateId, action_id, position })))
    .execute();
}

// ---- content warning reasons ----

/** Every reason, in staff's order (retired ones too). */
export async function listWarningReasonRows(db: DbOrTrx): Promise<WarningReasonRow[]> {
  return db.selectFrom('content_warning_reasons').selectAll().orderBy('position').orderBy('id').execute();
}

/** The reason with this id, if any. */
export async function findWarningReasonRow(db: DbOrTrx, id: number): Promise<WarningReasonRow | undefined> {
  return db.selectFrom('content_warning_reasons').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The labels of these reasons, by id. */
export async function listWarningReasonLabels(db: DbOrTrx, ids: readonly number[]): Promise<Array<{ id: number; label: string }>> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('content_warning_reasons')
    .select(['id', 'label'])
    .where('id', 'in', [...new Set(ids)])
    .execute();
}

/** Stores a new reason at the end of the list; returns its id. */
export async function insertWarningReason(db: DbOrTrx, r: { label: string; at: number }): Promise<number> {
  const last = await db
    .selectFrom('content_warning_reasons')
    .select((eb) => eb.fn.max<number>('position').as('p'))
    .executeTakeFirst();
  const row = await db
    .insertInto('content_warning_reasons')
    .values({ label: r.label, position: Number(last?.p ?? 0) + 1, retired: 0, created_at: r.at })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Changes a reason's label, position or whether it is retired. */
export async function updateWarningReasonRow(db: DbOrTrx, id: number, r: Updateable<ContentWarningReasonsTable>): Promise<void> {
  await db.updateTable('content_warning_reasons').set(r).where('id', '=', id).execute();
}

// ---- what a cached page depends on ----

/**
 * What changes whenever a published update or a category changes (a cache's key): how many are published and the
 * sum of their change times (every change moves one forward), and the same of the categories.
 */
export async function publishedVersion(db: DbOrTrx): Promise<string> {
  const [u, c] = await Promise.all([
    db
      .selectFrom('updates')
      .select((eb) => [eb.fn.sum<string>('updated_at').as('s'), eb.fn.countAll<number>().as('n')])
      .where('status', '=', 'published')
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('categories')
      .select((eb) => [eb.fn.sum<string>('updated_at').as('s'), eb.fn.countAll<number>().as('n')])
      .executeTakeFirstOrThrow(),
  ]);
  return `${String(u.n)}.${String(u.s ?? 0)}.${String(c.n)}.${String(c.s ?? 0)}`;
}

/** Marks the updates that give this warning reason as changed (their pages show its words). */
export async function touchUpdatesWithReason(db: DbOrTrx, reasonId: number): Promise<void> {
  await db
    .updateTable('updates')
    .set((eb) => ({ updated_at: eb('updated_at', '+', 1) }))
    .where('warning_reason_id', '=', reasonId)
    .execute();
}

/** Marks the updates that carry this tag as changed (their pages show it). */
export async function touchUpdatesWithTag(db: DbOrTrx, tagId: number): Promise<void> {
  await db
    .updateTable('updates')
    .set((eb) => ({ updated_at: eb('updated_at', '+', 1) }))
    .where('id', 'in', (eb) => eb.selectFrom('update_tags').select('update_id').where('tag_id', '=', tagId))
    .execute();
}

/** The titles of these updates, by id (the audit log's words). */
export async function listUpdateTitles(db: DbOrTrx, ids: readonly number[]): Promise<Array<{ id: number; title: string }>> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('updates')
    .select(['id', 'title'])
    .where('id', 'in', [...ids])
    .execute();
}

/** The names of these categories, by id (the audit log's words). */
export async function listCategoryNames(db: DbOrTrx, ids: readonly number[]): Promise<Array<{ id: number; name: string }>> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('categories')
    .select(['id', 'name'])
    .where('id', 'in', [...ids])
    .execute();
}
