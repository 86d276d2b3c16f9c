import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db, DbOrTrx } from '../core/db/index.js';
import type { ActionStatus, ActionTargetsTable, ActionUpdateKind, ActionUpdatesTable, ActionsTable, CampaignsTable } from './tables.js';

export type CampaignRow = Selectable<CampaignsTable>;
export type ActionRowFull = Selectable<ActionsTable>;
type ActionUpdateRow = Selectable<ActionUpdatesTable>;
type ActionTargetRow = Selectable<ActionTargetsTable>;

// ---- campaigns ----

/** Every campaign, newest first. */
export async function listCampaigns(db: DbOrTrx): Promise<CampaignRow[]> {
  return db.selectFrom('campaigns').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
}

/** The campaign with this id, if any. */
export async function findCampaignById(db: DbOrTrx, id: number): Promise<CampaignRow | undefined> {
  return db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The campaign with this slug, if any. */
export async function findCampaignBySlug(db: DbOrTrx, slug: string): Promise<CampaignRow | undefined> {
  return db.selectFrom('campaigns').selectAll().where('slug', '=', slug).executeTakeFirst();
}

/** Stores a new campaign; returns its id. */
export async function insertCampaign(db: DbOrTrx, c: { slug: string; title: string; summary: string; at: number }): Promise<number> {
  const row = await db
    .insertInto('campaigns')
    .values({ slug: c.slug, title: c.title, summary: c.summary, created_at: c.at, updated_at: c.at })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Changes a campaign's title and summary. */
export async function updateCampaignRow(db: DbOrTrx, id: number, c: { title: string; summary: string; at: number }): Promise<void> {
  await db.updateTable('campaigns').set({ title: c.title, summary: c.summary, updated_at: c.at }).where('id', '=', id).execute();
}

// ---- actions ----

/** The action with this id, if any. */
export async function findActionById(db: DbOrTrx, id: number): Promise<ActionRowFull | undefined> {
  return db.selectFrom('actions').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The ids and titles of these actions. */
export async function listActionTitles(db: DbOrTrx, ids: readonly number[]): Promise<Array<{ id: number; title: string }>> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('actions')
    .select(['id', 'title'])
    .where('id', 'in', [...ids])
    .execute();
}

/** The action with this slug, if any. */
export async function findActionBySlug(db: DbOrTrx, slug: string): Promise<ActionRowFull | undefined> {
  return db.selectFrom('actions').selectAll().where('slug', '=', slug).executeTakeFirst();
}

/** Whether an action already uses this slug. */
export async function actionSlugTaken(db: DbOrTrx, slug: string): Promise<boolean> {
  return (await db.selectFrom('actions').select('id').where('slug', '=', slug).executeTakeFirst()) !== undefined;
}

/** Every action with its campaign's title (null when it has none), for the admin list, newest first. */
export async function listActionsForAdmin(db: DbOrTrx): Promise<Array<ActionRowFull & { campaign_title: string | null }>> {
  return db
    .selectFrom('actions')
    .leftJoin('campaigns', 'campaigns.id', 'actions.campaign_id')
    .selectAll('actions')
    .select('campaigns.title as campaign_title')
    .orderBy('actions.created_at', 'desc')
    .orderBy('actions.id', 'desc')
    .execute();
}

/** Actions in these states (of one campaign, if given), newest first. */
export async function listActionsByStatus(
  db: DbOrTrx,
  o: { statuses: readonly ActionStatus[]; campaignId?: number; limit?: number },
): Promise<ActionRowFull[]> {
  let q = db
    .selectFrom('actions')
    .selectAll()
    .where('status', 'in', [...o.statuses]);
  if (o.campaignId !== undefined) q = q.where('campaign_id', '=', o.campaignId);
  return q
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(o.limit ?? 500)
    .execute();
}

/** Stores a new action; returns its id. */
export async function insertAction(db: DbOrTrx, a: Insertable<ActionsTable>): Promise<number> {
  const row = await db.insertInto('actions').values(a).returning('id').executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Changes an action's columns. */
export async function updateActionRow(db: DbOrTrx, id: number, set: Updateable<ActionsTable>): Promise<void> {
  await db.updateTable('actions').set(set).where('id', '=', id).execute();
}

/** Closes every open action whose deadline has passed; returns how many. */
export async function closeActionsDueBy(db: DbOrTrx, now: number): Promise<number> {
  const r = await db
    .updateTable('actions')
    .set({ status: 'closed', closed_at: now, updated_at: now })
    .where('status', '=', 'open')
    .where('closes_at', 'is not', null)
    .where('closes_at', '<=', now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Open actions and those closed in the last `sinceMs`, whose counters may still move. */
export async function listActionsWithLiveCounters(
  db: DbOrTrx,
  now: number,
  sinceMs: number,
): Promise<Array<Pick<ActionRowFull, 'id' | 'kind' | 'count'>>> {
  return db
    .selectFrom('actions')
    .select(['id', 'kind', 'count'])
    .where((eb) => eb.or([eb('status', '=', 'open'), eb.and([eb('status', '=', 'closed'), eb('closed_at', '>=', now - sinceMs)])]))
    .execute();
}

/** Sets an action's counter. */
export async function setActionCount(db: DbOrTrx, id: number, count: number, at: number): Promise<void> {
  await db.updateTable('actions').set({ count, count_updated_at: at }).where('id', '=', id).execute();
}

// ---- updates ----

/** An action's updates, newest first. */
export async function listActionUpdates(db: DbOrTrx, actionId: number): Promise<ActionUpdateRow[]> {
  return db
    .selectFrom('action_updates')
    .selectAll()
    .where('action_id', '=', actionId)
    .orderBy('posted_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/** Stores an update about an action. */
export async function insertActionUpdate(
  db: DbOrTrx,
  u: {
    actionId: number;
    kind: ActionUpdateKind;
    title: string;
    body: string;
    happenedOn: string | null;
    at: number;
    staffId: number | null;
  },
): Promise<number> {
  const row = await db
    .insertInto('action_updates')
    .values({
      action_id: u.actionId,
      kind: u.kind,
      title: u.title,
      body: u.body,
      happened_on: u.happenedOn,
      posted_at: u.at,
      created_by: u.staffId,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Deletes one update of an action; returns whether it existed. */
export async function deleteActionUpdate(db: DbOrTrx, actionId: number, updateId: number): Promise<boolean> {
  const r = await db.deleteFrom('action_updates').where('action_id', '=', actionId).where('id', '=', updateId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

// ---- targets ----

/** The fixed recipients of an action, in order. */
export async function listActionTargets(db: DbOrTrx, actionId: number): Promise<ActionTargetRow[]> {
  return db.selectFrom('action_targets').selectAll().where('action_id', '=', actionId).orderBy('position').orderBy('id').execute();
}

/** Replaces an action's targets with these, in this order. */
export async function replaceActionTargets(
  db: DbOrTrx,
  actionId: number,
  targets: ReadonlyArray<{ name: string; role: string; email: string }>,
  at: number,
): Promise<void> {
  await db.deleteFrom('action_targets').where('action_id', '=', actionId).execute();
  if (targets.length === 0) return;
  await db
    .insertInto('action_targets')
    .values(targets.map((t, i) => ({ action_id: actionId, name: t.name, role: t.role, email: t.email, position: i, created_at: at })))
    .execute();
}

/** Whether the database has any campaign (the demo seeds only an empty one). */
export async function hasCampaigns(db: Db): Promise<boolean> {
  return (await db.selectFrom('campaigns').select('id').limit(1).executeTakeFirst()) !== undefined;
}

/** The titles and kinds of these actions (for the audit log in words). */
export async function listActionSubjects(db: DbOrTrx, ids: readonly number[]) {
  if (ids.length === 0) return [];
  return db
    .selectFrom('actions')
    .select(['id', 'title', 'kind'])
    .where('id', 'in', [...ids])
    .execute();
}

/** The titles of these campaigns. */
export async function listCampaignTitles(db: DbOrTrx, ids: readonly number[]) {
  if (ids.length === 0) return [];
  return db
    .selectFrom('campaigns')
    .select(['id', 'title'])
    .where('id', 'in', [...ids])
    .execute();
}
