import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Db, DbOrTrx } from '../../core/db/index.js';
import type { ResourcesTable, ResourceType } from './tables.js';

export type ResourceRow = Selectable<ResourcesTable>;

/** What a public list may be narrowed to. */
export interface ResourceFilter {
  type?: ResourceType | undefined;
  campaignId?: number | undefined;
  year?: number | undefined;
}

// Every column but the text (which can be a megabyte).
const LIST_COLUMNS = [
  'id',
  'slug',
  'title',
  'summary',
  'type',
  'published_on',
  'campaign_id',
  'file_id',
  'file_kind',
  'byte_size',
  'page_count',
  'text_state',
  'status',
  'created_by',
  'created_at',
  'updated_at',
] as const;
export type ResourceListRow = Omit<ResourceRow, 'text'>;

function published(db: DbOrTrx, f: ResourceFilter) {
  let q = db.selectFrom('resources').where('status', '=', 'published');
  if (f.type) q = q.where('type', '=', f.type);
  if (f.campaignId !== undefined) q = q.where('campaign_id', '=', f.campaignId);
  if (f.year !== undefined) q = q.where('published_on', '>=', `${f.year}-01-01`).where('published_on', '<=', `${f.year}-12-31`);
  return q;
}

/** Published resources, newest first, a page at a time. */
export async function listPublishedResourceRows(
  db: DbOrTrx,
  f: ResourceFilter,
  o: { limit: number; offset: number },
): Promise<ResourceListRow[]> {
  return published(db, f)
    .select(LIST_COLUMNS)
    .orderBy('published_on', 'desc')
    .orderBy('id', 'desc')
    .limit(o.limit)
    .offset(o.offset)
    .execute();
}

/** How many published resources match. */
export async function countPublishedResources(db: DbOrTrx, f: ResourceFilter): Promise<number> {
  const r = await published(db, f)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The years that have published resources, newest first. */
export async function listResourceYears(db: DbOrTrx): Promise<number[]> {
  const rows = await db
    .selectFrom('resources')
    .select(sql<string>`substr(published_on, 1, 4)`.as('y'))
    .where('status', '=', 'published')
    .groupBy(sql`substr(published_on, 1, 4)`)
    .orderBy(sql`substr(published_on, 1, 4)`, 'desc')
    .execute();
  return rows.map((r) => Number(r.y));
}

/** A resource by slug (any status). */
export async function findResourceBySlug(db: DbOrTrx, slug: string): Promise<ResourceListRow | undefined> {
  return db.selectFrom('resources').select(LIST_COLUMNS).where('slug', '=', slug).executeTakeFirst();
}

/** A resource by id, with its text. */
export async function findResourceById(db: DbOrTrx, id: number): Promise<ResourceRow | undefined> {
  return db.selectFrom('resources').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Every resource for staff, newest first. */
export async function listResourceRowsForStaff(db: Db, o: { limit: number; offset: number }): Promise<ResourceListRow[]> {
  return db.selectFrom('resources').select(LIST_COLUMNS).orderBy('id', 'desc').limit(o.limit).offset(o.offset).execute();
}

/** How many resources there are. */
export async function countResources(db: Db): Promise<number> {
  const r = await db
    .selectFrom('resources')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Whether the slug is taken by another resource. */
export async function resourceSlugTaken(db: DbOrTrx, slug: string, exceptId?: number): Promise<boolean> {
  let q = db.selectFrom('resources').select('id').where('slug', '=', slug);
  if (exceptId !== undefined) q = q.where('id', '!=', exceptId);
  return (await q.executeTakeFirst()) !== undefined;
}

/** Stores a resource; returns its id. */
export async function insertResource(db: DbOrTrx, r: Insertable<ResourcesTable>): Promise<number> {
  const row = await db.insertInto('resources').values(r).returning('id').executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Changes a resource. */
export async function updateResourceRow(db: DbOrTrx, id: number, r: Updateable<ResourcesTable>): Promise<void> {
  await db.updateTable('resources').set(r).where('id', '=', id).execute();
}

/** Deletes a resource (its download counts go with it). */
export async function deleteResourceRow(db: DbOrTrx, id: number): Promise<void> {
  await db.deleteFrom('resources').where('id', '=', id).execute();
}

/** Adds one download to the resource's count for the day. */
export async function countDownload(db: DbOrTrx, resourceId: number, day: string): Promise<void> {
  await db
    .insertInto('resource_downloads')
    .values({ resource_id: resourceId, day, count: 1 })
    .onConflict((oc) => oc.columns(['resource_id', 'day']).doUpdateSet({ count: sql`resource_downloads.count + 1` }))
    .execute();
}

/** All downloads of these resources, by resource. */
export async function sumDownloads(db: DbOrTrx, ids: readonly number[]): Promise<Map<number, number>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('resource_downloads')
    .select(['resource_id', (eb) => eb.fn.sum<number>('count').as('n')])
    .where('resource_id', 'in', [...ids])
    .groupBy('resource_id')
    .execute();
  return new Map(rows.map((r) => [Number(r.resource_id), Number(r.n)]));
}
