import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db, DbOrTrx } from '../../core/db/index.js';
import type { CampaignHubsTable, ContactMessagesTable, HomeSectionsTable, TestimonialsTable } from './tables.js';

export type HubRow = Selectable<CampaignHubsTable>;
export type TestimonialRow = Selectable<TestimonialsTable>;
export type ContactMessageRow = Selectable<ContactMessagesTable>;

/** A campaign's hub content, if staff wrote any. */
export async function findHub(db: DbOrTrx, campaignId: number): Promise<HubRow | undefined> {
  return db.selectFrom('campaign_hubs').selectAll().where('campaign_id', '=', campaignId).executeTakeFirst();
}

/** Creates or replaces a campaign's hub content. */
export async function upsertHub(db: DbOrTrx, h: HubRow): Promise<void> {
  const { campaign_id: _id, ...rest } = h;
  await db
    .insertInto('campaign_hubs')
    .values(h)
    .onConflict((oc) => oc.column('campaign_id').doUpdateSet(rest))
    .execute();
}

/** Testimonials that may be shown (permission recorded), for a campaign and those for the whole charity, in order. */
export async function listShownTestimonialRows(db: Db, o: { campaignId?: number; limit: number }): Promise<TestimonialRow[]> {
  let q = db.selectFrom('testimonials').selectAll().where('permission_recorded_at', 'is not', null);
  if (o.campaignId !== undefined) q = q.where((eb) => eb.or([eb('campaign_id', '=', o.campaignId!), eb('campaign_id', 'is', null)]));
  return q.orderBy('position').orderBy('id').limit(o.limit).execute();
}

/** Every testimonial, for staff. */
export async function listTestimonialRows(db: Db): Promise<TestimonialRow[]> {
  return db.selectFrom('testimonials').selectAll().orderBy('position').orderBy('id').execute();
}

/** Stores a testimonial; returns its id. */
export async function insertTestimonial(db: DbOrTrx, t: Insertable<TestimonialsTable>): Promise<number> {
  const r = await db.insertInto('testimonials').values(t).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

/** Changes a testimonial; how many rows changed. */
export async function updateTestimonialRow(db: DbOrTrx, id: number, t: Updateable<TestimonialsTable>): Promise<number> {
  const r = await db.updateTable('testimonials').set(t).where('id', '=', id).executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Deletes a testimonial; how many rows went. */
export async function deleteTestimonialRow(db: DbOrTrx, id: number): Promise<number> {
  const r = await db.deleteFrom('testimonials').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Stores a contact message (already encrypted); returns its id. */
export async function insertContactMessage(db: DbOrTrx, m: Insertable<ContactMessagesTable>): Promise<number> {
  const r = await db.insertInto('contact_messages').values(m).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

/** A contact message by id. */
export async function findContactMessage(db: DbOrTrx, id: number): Promise<ContactMessageRow | undefined> {
  return db.selectFrom('contact_messages').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Contact messages, newest first. */
export async function listContactMessageRows(db: Db, limit: number): Promise<ContactMessageRow[]> {
  return db.selectFrom('contact_messages').selectAll().orderBy('id', 'desc').limit(limit).execute();
}

/** Marks a message handled. */
export async function markContactMessageHandled(db: DbOrTrx, id: number, at: number): Promise<number> {
  const r = await db.updateTable('contact_messages').set({ handled_at: at }).where('id', '=', id).executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Deletes a message; how many rows went. */
export async function deleteContactMessageRow(db: DbOrTrx, id: number): Promise<number> {
  const r = await db.deleteFrom('contact_messages').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Deletes messages received before the time; how many went. */
export async function deleteContactMessagesBefore(db: DbOrTrx, before: number): Promise<number> {
  const r = await db.deleteFrom('contact_messages').where('created_at', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export type HomeSectionRow = Selectable<HomeSectionsTable>;

/** The home page's sections, in order. */
export async function listHomeSectionRows(db: DbOrTrx): Promise<HomeSectionRow[]> {
  return db.selectFrom('home_sections').selectAll().orderBy('position').orderBy('id').execute();
}

/** Replaces the home page's sections with these, in this order. */
export async function replaceHomeSections(db: DbOrTrx, rows: ReadonlyArray<Omit<HomeSectionRow, 'id' | 'position'>>): Promise<void> {
  await db.deleteFrom('home_sections').execute();
  let position = 0;
  for (const r of rows)
    await db
      .insertInto('home_sections')
      .values({ ...r, position: ++position })
      .execute();
}
