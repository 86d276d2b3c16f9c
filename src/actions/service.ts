import { slugFromTitle } from '../core/text.js';
import { z } from 'zod';
import type { Core } from '../core/context.js';
import type { Db, DbOrTrx } from '../core/db/index.js';
import { isUniqueViolation } from '../core/db/errors.js';
import type { ActionKind, ActionStatus, ActionUpdateKind } from './tables.js';
import { getSiteSettings } from '../core/settings.js';
import { DomainError } from '../core/web/errors.js';
import { formValues, multilineText, optionalMultilineText, text } from '../core/web/forms.js';
import { zonedLocalToUtc } from '../core/time.js';
import { recordAudit } from '../core/audit.js';
import { signupBlockData } from '../supporters/service.js';
import { assembledKinds, isTakingPart, kindModule, type Action, type KindModule } from './kinds.js';
import {
  actionSlugTaken,
  closeActionsDueBy,
  deleteActionUpdate,
  findActionById,
  findActionBySlug,
  findCampaignById,
  findCampaignBySlug,
  insertAction,
  insertActionUpdate,
  insertCampaign,
  listActionsByStatus,
  listActionsForAdmin,
  listActionsWithLiveCounters,
  listActionSubjects,
  listActionTitles,
  listActionTargets,
  listActionUpdates,
  listCampaigns,
  replaceActionTargets,
  setActionCount,
  updateActionRow,
  updateCampaignRow,
  type ActionRowFull,
  type CampaignRow,
} from './queries.js';

// The frame every action shares: campaigns, the action's common fields and states, deadlines read in the
// organisation's time zone, the live counter (refreshed in batches, never +1 per request), updates and targets.
// What a supporter does on an action is its kind's business (kinds.ts).

const DAY = 24 * 3600_000;

/** The module of a kind, among the kinds the capability was assembled with. */
const kindOf = (kind: ActionKind): KindModule => kindModule(assembledKinds(), kind);

export { isTakingPart, kindModule, type Action, type Kinds } from './kinds.js';

export interface Campaign {
  id: number;
  slug: string;
  title: string;
  summary: string;
}

const toCampaign = (r: CampaignRow): Campaign => ({ id: Number(r.id), slug: r.slug, title: r.title, summary: r.summary });

/** Turns a row into an action, its settings parsed by its kind (unknown or broken settings fall back to the defaults). */
function rowToAction(r: ActionRowFull): Action {
  return rowToKindAction(r, kindOf(r.kind).settingsSchema);
}

/** Turns a row into an action whose settings this schema parses (unknown or broken settings fall back to the defaults). */
function rowToKindAction<S>(r: ActionRowFull, settingsSchema: z.ZodType<S>): Action<S> {
  let raw: unknown = {};
  try {
    raw = JSON.parse(r.settings);
  } catch {
    raw = {};
  }
  const parsed = settingsSchema.safeParse(raw);
  const settings = parsed.success ? parsed.data : settingsSchema.parse({});
  return {
    id: Number(r.id),
    campaignId: r.campaign_id === null ? null : Number(r.campaign_id),
    slug: r.slug,
    kind: r.kind,
    status: r.status,
    title: r.title,
    summary: r.summary,
    body: r.body,
    thankYou: r.thank_you,
    result: r.result,
    deadline: r.deadline,
    closesAt: r.closes_at === null ? null : Number(r.closes_at),
    goal: r.goal === null ? null : Number(r.goal),
    count: Number(r.count),
    newsletterListId: r.newsletter_list_id === null ? null : Number(r.newsletter_list_id),
    nextActionId: r.next_action_id === null ? null : Number(r.next_action_id),
    settings,
    openedAt: r.opened_at === null ? null : Number(r.opened_at),
    closedAt: r.closed_at === null ? null : Number(r.closed_at),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** The end of a day (YYYY-MM-DD) in a time zone, as UTC ms: the first instant of the next day there. */
export function endOfDay(day: string, timeZone: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const start = zonedLocalToUtc(`${day}T00:00`, timeZone);
  if (start === null) return null;
  const next = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) + DAY).toISOString().slice(0, 10);
  return zonedLocalToUtc(`${next}T00:00`, timeZone);
}

// ---- reading ----

/** The action with this slug, if any (any state). */
export async function getActionBySlug(db: DbOrTrx, slug: string): Promise<Action | undefined> {
  const r = await findActionBySlug(db, slug);
  return r ? rowToAction(r) : undefined;
}

/** The action with this id, if any (any state). */
export async function getActionById(db: DbOrTrx, id: number): Promise<Action | undefined> {
  const r = await findActionById(db, id);
  return r ? rowToAction(r) : undefined;
}

/** What a kind tells the frame to read its own actions: which kinds of action it serves, and its settings' schema. */
export interface KindReader<S> {
  kinds: readonly ActionKind[];
  settingsSchema: z.ZodType<S>;
}

/**
 * An action of the reader's kinds by slug or id (any state), its settings parsed by the reader's schema; undefined
 * when there is none, or when it is of another kind. How a kind reads its actions without importing the registry.
 */
export async function findActionForKind<S>(
  db: DbOrTrx,
  key: { slug: string } | { id: number },
  reader: KindReader<S>,
): Promise<Action<S> | undefined> {
  const r = 'slug' in key ? await findActionBySlug(db, key.slug) : await findActionById(db, key.id);
  return r && reader.kinds.includes(r.kind) ? rowToKindAction(r, reader.settingsSchema) : undefined;
}

/** The titles of these actions by id (for a supporter's copy of their data). */
export async function actionTitles(db: DbOrTrx, ids: readonly number[]): Promise<Map<number, string>> {
  const unique = [...new Set(ids)];
  return new Map((await listActionTitles(db, unique)).map((r) => [Number(r.id), r.title]));
}

/** The kinds of these actions, by id (a kind sharing its tables with another words its notices by the action's kind). */
export async function actionKinds(db: DbOrTrx, ids: readonly number[]): Promise<Map<number, ActionKind>> {
  const unique = [...new Set(ids)];
  return new Map((await listActionSubjects(db, unique)).map((r) => [Number(r.id), r.kind as ActionKind]));
}

/** An action that must exist (admin pages); throws DomainError('not_found') otherwise. */
export async function requireAction(db: DbOrTrx, id: number): Promise<Action> {
  const a = await getActionById(db, id);
  if (!a) throw new DomainError('not_found', 'There is no such action.');
  return a;
}

/** Every action for the admin list, with its campaign's title (null when it stands on its own). */
export async function listActionsForStaff(db: Db): Promise<Array<Action & { campaignTitle: string | null }>> {
  return (await listActionsForAdmin(db)).map((r) => ({ ...rowToAction(r), campaignTitle: r.campaign_title }));
}

/** The actions the public sees: open ones (and, with `closed`, closed ones), of one campaign or all. */
export async function listPublicActions(db: Db, o: { campaignId?: number; closed?: boolean } = {}): Promise<Action[]> {
  const statuses: ActionStatus[] = o.closed ? ['open', 'closed'] : ['open'];
  return (await listActionsByStatus(db, { statuses, ...(o.campaignId !== undefined ? { campaignId: o.campaignId } : {}) })).map((r) =>
    rowToAction(r),
  );
}

/** What another part of the website shows of an action beside its own text (an update's related actions). */
export interface ActionCard {
  id: number;
  title: string;
  summary: string;
  url: string;
  count: number;
  /** What the counter counts, singular and plural ("signature", "signatures"). */
  noun: readonly [string, string];
  /** Whether supporters can still take part. */
  open: boolean;
  /** What the button says ("Sign the petition"). */
  verb?: string;
}

/** The public actions among these ids (open or closed, never drafts), in the order given. */
export async function listActionCards(db: DbOrTrx, ids: readonly number[], now = Date.now()): Promise<ActionCard[]> {
  const cards: ActionCard[] = [];
  for (const id of new Set(ids)) {
    const a = await getActionById(db, id);
    if (!a || a.status === 'draft') continue;
    const { noun } = kindOf(a.kind);
    cards.push({
      id: a.id,
      title: a.title,
      summary: a.summary,
      url: `/act/${a.slug}`,
      count: a.count,
      noun,
      open: isTakingPart(a, now),
      verb: KIND_VERBS[a.kind],
    });
  }
  return cards;
}

/** What supporters do on an action of each kind, as a button says it. */
export const KIND_VERBS: Readonly<Record<Action['kind'], string>> = {
  petition: 'Sign the petition',
  letter_mp: 'Write to your MP',
  email_target: 'Send an email',
  sign_on: 'Sign on as an organisation',
};

/** A campaign's public actions as cards (open ones first, then closed, each newest first). */
export async function listCampaignActionCards(db: Db, campaignId: number, now = Date.now()): Promise<ActionCard[]> {
  const actions = await listPublicActions(db, { campaignId, closed: true });
  const cards = actions.map((a) => ({
    id: a.id,
    title: a.title,
    summary: a.summary,
    url: `/act/${a.slug}`,
    count: a.count,
    noun: kindOf(a.kind).noun,
    open: isTakingPart(a, now),
    verb: KIND_VERBS[a.kind],
  }));
  return [...cards.filter((c) => c.open), ...cards.filter((c) => !c.open)];
}

/** Every campaign, newest first. */
export async function getCampaigns(db: Db): Promise<Campaign[]> {
  return (await listCampaigns(db)).map(toCampaign);
}

/** The campaign with this id or slug, if any. */
export async function getCampaign(db: DbOrTrx, key: { id: number } | { slug: string }): Promise<Campaign | undefined> {
  const r = 'id' in key ? await findCampaignById(db, key.id) : await findCampaignBySlug(db, key.slug);
  return r ? toCampaign(r) : undefined;
}

export interface ActionUpdate {
  id: number;
  kind: ActionUpdateKind;
  title: string;
  body: string;
  happenedOn: string | null;
  postedAt: number;
}

/** An action's updates ("handed in on …", the response, news), newest first. */
export async function getActionUpdates(db: DbOrTrx, actionId: number): Promise<ActionUpdate[]> {
  return (await listActionUpdates(db, actionId)).map((u) => ({
    id: Number(u.id),
    kind: u.kind,
    title: u.title,
    body: u.body,
    happenedOn: u.happened_on,
    postedAt: Number(u.posted_at),
  }));
}

export interface ActionTarget {
  id: number;
  name: string;
  role: string;
  email: string;
}

/** The fixed recipients of an "email a target" action, in order. */
export async function getActionTargets(db: DbOrTrx, actionId: number): Promise<ActionTarget[]> {
  return (await listActionTargets(db, actionId)).map((t) => ({ id: Number(t.id), name: t.name, role: t.role, email: t.email }));
}

// ---- campaigns: writing ----

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** A URL slug from a title: lower-case ASCII words joined by hyphens, at most 60 characters. */
const slugify = (title: string) => slugFromTitle(title, { max: 60, fallback: 'action' });

const slugField = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim().toLowerCase() : v),
  z
    .string({ error: 'Enter a web address ending' })
    .max(60, 'The web address ending must be 60 characters or fewer')
    .regex(SLUG, 'Use only lower-case letters, digits and single hyphens, like stop-forced-labour')
    .optional(),
);

export const CampaignFormSchema = z.object({
  title: text('a title', { max: 120 }),
  summary: multilineText('a summary', { max: 400 }),
  slug: slugField,
});

/** Creates a campaign (slug from the title unless given); throws DomainError('invalid') if the slug is taken. */
export async function createCampaign(core: Core, staffId: number | null, input: z.output<typeof CampaignFormSchema>): Promise<Campaign> {
  const slug = input.slug ?? slugify(input.title);
  const now = Date.now();
  try {
    return await core.db.transaction().execute(async (trx) => {
      const id = await insertCampaign(trx, { slug, title: input.title, summary: input.summary, at: now });
      await recordAudit(trx, { staffId, action: 'campaign.create', target: `campaign ${id}` });
      return { id, slug, title: input.title, summary: input.summary };
    });
  } catch (e) {
    if (isUniqueViolation(e))
      throw new DomainError('invalid', 'Another campaign uses that web address.', {
        slug: 'Another campaign uses that web address; choose another',
      });
    throw e;
  }
}

/** Changes a campaign's title and summary (its address stays, so links keep working). */
export async function updateCampaign(
  core: Core,
  staffId: number | null,
  id: number,
  input: { title: string; summary: string },
): Promise<void> {
  await core.db.transaction().execute(async (trx) => {
    if (!(await findCampaignById(trx, id))) throw new DomainError('not_found', 'There is no such campaign.');
    await updateCampaignRow(trx, id, { ...input, at: Date.now() });
    await recordAudit(trx, { staffId, action: 'campaign.update', target: `campaign ${id}` });
  });
}

// ---- actions: writing ----

/**
 * An optional form field: empty or absent is null; anything else must pass `read`, which returns the value or a
 * message (so each field keeps its own plain-English message, which a zod union would lose).
 */
function optionalField<T>(read: (s: string) => T | { message: string }) {
  return z
    .unknown()
    .optional()
    .transform((v, ctx): T | null => {
      if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) return null;
      const r = typeof v === 'string' ? read(v.trim()) : { message: 'Enter a single value' };
      if (r !== null && typeof r === 'object' && 'message' in r) {
        ctx.addIssue({ code: 'custom', message: r.message });
        return z.NEVER;
      }
      return r as T;
    });
}

const optionalId = (label: string) =>
  optionalField((s) => (/^\d{1,12}$/.test(s) ? Number(s) : { message: `Choose ${label} from the list` }));

/** Whether YYYY-MM-DD names a day that exists (no 30 February). */
function isRealDay(s: string): boolean {
  const [y, m, d] = s.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

const optionalDay = optionalField((s) =>
  !/^\d{4}-\d{2}-\d{2}$/.test(s)
    ? { message: 'Enter the date like 2026-12-31' }
    : isRealDay(s)
      ? s
      : { message: 'Enter a real date, like 2026-12-31' },
);

const optionalGoal = optionalField((s) => {
  const digits = s.replace(/[,\s]/g, '');
  if (!/^\d{1,9}$/.test(digits)) return { message: 'Enter the goal as a whole number, like 10000' };
  return Number(digits) >= 1 ? Number(digits) : { message: 'The goal must be at least 1' };
});

/** The fields every action has, as staff fill them in. */
export const ActionFormSchema = z.object({
  // An action may stand on its own: no campaign is null.
  campaignId: optionalId('a campaign'),
  title: text('a title', { max: 120 }),
  slug: slugField,
  summary: multilineText('a summary', { max: 400 }),
  body: multilineText('the text of the action', { max: 50_000 }),
  thankYou: optionalMultilineText('a thank-you message', { max: 10_000 }).transform((v) => v ?? ''),
  result: optionalMultilineText('the result', { max: 10_000 }).transform((v) => v ?? ''),
  deadline: optionalDay,
  goal: optionalGoal,
  newsletterListId: optionalId('a newsletter list'),
  nextActionId: optionalId('a next action'),
});
export type ActionInput = z.output<typeof ActionFormSchema>;

const KIND_VALUES = ['petition', 'letter_mp', 'email_target', 'sign_on'] as const satisfies readonly ActionKind[];
export const KindChoiceSchema = z.object({ kind: z.enum(KIND_VALUES, { error: 'Choose what supporters will do' }) });

/** What checking an action's form needs from outside its transaction (SQLite has one connection: read it first). */
async function referenceContext(core: Core): Promise<{ listIds: Set<number>; timeZone: string }> {
  const [lists, site] = await Promise.all([signupBlockData(core), getSiteSettings(core.db)]);
  return { listIds: new Set(lists.lists.map((l) => l.id)), timeZone: site.timeZone };
}

/** Checks the references an action's form makes (campaign, list, next action) and the deadline's date. */
async function checkReferences(
  trx: DbOrTrx,
  ref: { listIds: Set<number>; timeZone: string },
  input: ActionInput,
  selfId: number | null,
): Promise<{ closesAt: number | null }> {
  const fields: Record<string, string> = {};
  if (input.campaignId !== null && !(await findCampaignById(trx, input.campaignId))) fields.campaignId = 'Choose a campaign from the list';
  if (input.newsletterListId !== null && !ref.listIds.has(input.newsletterListId))
    fields.newsletterListId = 'Choose a newsletter list from the list';
  if (input.nextActionId !== null && (input.nextActionId === selfId || !(await findActionById(trx, input.nextActionId)))) {
    fields.nextActionId = 'Choose another action from the list';
  }
  let closesAt: number | null = null;
  if (input.deadline !== null) {
    closesAt = endOfDay(input.deadline, ref.timeZone);
    if (closesAt === null) fields.deadline = 'Enter a real date, like 2026-12-31';
  }
  if (Object.keys(fields).length) throw new DomainError('invalid', 'Some answers need correcting.', fields);
  return { closesAt };
}

/** Parses the kind's settings from the form; throws DomainError('invalid') with field messages. */
export function parseKindSettings(kind: KindModule, body: unknown): Record<string, unknown> {
  const values = formValues(body);
  const r = kind.settingsSchema.safeParse(kind.settingsFromForm ? kind.settingsFromForm(values) : values);
  if (r.success) return r.data;
  const fields: Record<string, string> = {};
  for (const issue of r.error.issues) {
    const key = String(issue.path[0] ?? '_form');
    fields[key] ??= issue.message;
  }
  throw new DomainError('invalid', 'Some answers need correcting.', fields);
}

/** Creates a draft action; returns it. Throws DomainError('invalid') with field messages. */
export async function createAction(
  core: Core,
  staffId: number | null,
  kind: ActionKind,
  input: ActionInput,
  settings: Record<string, unknown>,
): Promise<Action> {
  const module = kindOf(kind);
  const parsedSettings = module.settingsSchema.parse(settings);
  const now = Date.now();
  const ref = await referenceContext(core);
  try {
    return await core.db.transaction().execute(async (trx) => {
      const { closesAt } = await checkReferences(trx, ref, input, null);
      let slug = input.slug ?? slugify(input.title);
      if (input.slug === undefined) {
        // A title used before gets a number: stop-forced-labour-2.
        for (let n = 2; await actionSlugTaken(trx, slug); n++) slug = `${slugify(input.title).slice(0, 55)}-${n}`;
      }
      const id = await insertAction(trx, {
        campaign_id: input.campaignId,
        slug,
        kind,
        status: 'draft',
        title: input.title,
        summary: input.summary,
        body: input.body,
        thank_you: input.thankYou,
        result: input.result,
        deadline: input.deadline,
        closes_at: closesAt,
        goal: input.goal,
        count: 0,
        count_updated_at: null,
        newsletter_list_id: input.newsletterListId,
        next_action_id: input.nextActionId,
        settings: JSON.stringify(parsedSettings),
        opened_at: null,
        closed_at: null,
        created_by: staffId,
        created_at: now,
        updated_at: now,
      });
      await recordAudit(trx, { staffId, action: 'action.create', target: `action ${id}`, details: { kind } });
      return rowToAction((await findActionById(trx, id))!);
    });
  } catch (e) {
    if (isUniqueViolation(e))
      throw new DomainError('invalid', 'Another action uses that web address.', {
        slug: 'Another action uses that web address; choose another',
      });
    throw e;
  }
}

/** Changes an action's fields and settings (its kind and address stay, so links keep working). */
export async function updateAction(
  core: Core,
  staffId: number | null,
  id: number,
  input: ActionInput,
  settings: Record<string, unknown>,
): Promise<void> {
  const ref = await referenceContext(core);
  await core.db.transaction().execute(async (trx) => {
    const current = await findActionById(trx, id);
    if (!current) throw new DomainError('not_found', 'There is no such action.');
    const parsedSettings = kindOf(current.kind).settingsSchema.parse(settings);
    const { closesAt } = await checkReferences(trx, ref, input, id);
    const now = Date.now();
    // Moving the deadline into the future reopens nothing by itself; staff reopen a closed action on purpose.
    await updateActionRow(trx, id, {
      campaign_id: input.campaignId,
      title: input.title,
      summary: input.summary,
      body: input.body,
      thank_you: input.thankYou,
      result: input.result,
      deadline: input.deadline,
      closes_at: closesAt,
      goal: input.goal,
      newsletter_list_id: input.newsletterListId,
      next_action_id: input.nextActionId,
      settings: JSON.stringify(parsedSettings),
      updated_at: now,
    });
    await recordAudit(trx, { staffId, action: 'action.update', target: `action ${id}` });
  });
}

export type StatusChange = 'open' | 'close' | 'reopen' | 'unpublish';

/**
 * Moves an action between states: a draft opens; an open action closes (at once, whatever its deadline); a closed
 * one reopens only if its deadline is still ahead (or it has none); an open action with nobody's actions yet can go
 * back to draft. Throws DomainError('conflict') when the change is not allowed now.
 */
export async function changeActionStatus(
  core: Core,
  staffId: number | null,
  id: number,
  change: StatusChange,
  now = Date.now(),
): Promise<Action> {
  return core.db.transaction().execute(async (trx) => {
    const r = await findActionById(trx, id);
    if (!r) throw new DomainError('not_found', 'There is no such action.');
    const a = rowToAction(r);
    const pastDeadline = a.closesAt !== null && a.closesAt <= now;
    if (change === 'open') {
      if (a.status !== 'draft') throw new DomainError('conflict', 'Only a draft can be opened.');
      if (pastDeadline) throw new DomainError('conflict', 'The deadline has passed. Move the deadline first, then open the action.');
      if (a.kind === 'email_target' && (await listActionTargets(trx, id)).length === 0) {
        throw new DomainError('conflict', 'Add at least one target before opening this action: its emails need somewhere to go.');
      }
      await updateActionRow(trx, id, { status: 'open', opened_at: a.openedAt ?? now, updated_at: now });
    } else if (change === 'close') {
      if (a.status !== 'open') throw new DomainError('conflict', 'Only an open action can be closed.');
      await updateActionRow(trx, id, { status: 'closed', closed_at: now, updated_at: now });
    } else if (change === 'reopen') {
      if (a.status !== 'closed') throw new DomainError('conflict', 'Only a closed action can be reopened.');
      if (pastDeadline) throw new DomainError('conflict', 'The deadline has passed. Move the deadline first, then reopen the action.');
      await updateActionRow(trx, id, { status: 'open', closed_at: null, updated_at: now });
    } else {
      if (a.status !== 'open') throw new DomainError('conflict', 'Only an open action can go back to draft.');
      if (a.count > 0 || (await kindOf(a.kind).countConfirmed(trx, id)) > 0) {
        throw new DomainError(
          'conflict',
          'Supporters have already taken part, so this action can only be closed, not taken back to draft.',
        );
      }
      await updateActionRow(trx, id, { status: 'draft', updated_at: now });
    }
    await recordAudit(trx, { staffId, action: `action.${change}`, target: `action ${id}` });
    return rowToAction((await findActionById(trx, id))!);
  });
}

const UPDATE_KINDS = ['delivery', 'response', 'update'] as const satisfies readonly ActionUpdateKind[];

export const ActionUpdateFormSchema = z.object({
  kind: z.enum(UPDATE_KINDS, { error: 'Choose what kind of update this is' }),
  title: text('a title', { max: 200 }),
  body: optionalMultilineText('the text', { max: 20_000 }).transform((v) => v ?? ''),
  happenedOn: optionalDay,
});

/** Posts an update on an action (a delivery record needs the day it was handed in). */
export async function postActionUpdate(
  core: Core,
  staffId: number | null,
  actionId: number,
  input: z.output<typeof ActionUpdateFormSchema>,
): Promise<void> {
  if (input.kind === 'delivery' && input.happenedOn === null) {
    throw new DomainError('invalid', 'Enter the day it was handed in.', { happenedOn: 'Enter the day it was handed in, like 2026-12-31' });
  }
  await core.db.transaction().execute(async (trx) => {
    if (!(await findActionById(trx, actionId))) throw new DomainError('not_found', 'There is no such action.');
    const id = await insertActionUpdate(trx, {
      actionId,
      kind: input.kind,
      title: input.title,
      body: input.body,
      happenedOn: input.happenedOn,
      at: Date.now(),
      staffId,
    });
    await recordAudit(trx, {
      staffId,
      action: 'action.update_posted',
      target: `action ${actionId}`,
      details: { update: id, kind: input.kind },
    });
  });
}

/** Deletes an update; returns whether it existed. */
export async function removeActionUpdate(core: Core, staffId: number | null, actionId: number, updateId: number): Promise<boolean> {
  return core.db.transaction().execute(async (trx) => {
    const gone = await deleteActionUpdate(trx, actionId, updateId);
    if (gone)
      await recordAudit(trx, { staffId, action: 'action.update_deleted', target: `action ${actionId}`, details: { update: updateId } });
    return gone;
  });
}

const TARGET_LINE = /^(?<name>[^|]+)\|(?<role>[^|]*)\|(?<email>[^|]+)$/;
const TargetEmail = z.email();

/**
 * Reads targets written one per line as `Name | Role | email`; throws DomainError('invalid') naming the first bad
 * line. At most 50 targets: every target gets every letter, and more than that would be a mailing list.
 */
export function parseTargets(source: string): Array<{ name: string; role: string; email: string }> {
  const lines = source
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (lines.length > 50) throw new DomainError('invalid', 'At most 50 targets.', { targets: 'List at most 50 targets' });
  const seen = new Set<string>();
  return lines.map((line, i) => {
    const m = TARGET_LINE.exec(line);
    const name = m?.groups?.name?.trim() ?? '';
    const role = m?.groups?.role?.trim() ?? '';
    const email = m?.groups?.email?.trim() ?? '';
    const bad = (why: string) => new DomainError('invalid', why, { targets: `Line ${i + 1}: ${why}` });
    if (!m || name === '') throw bad('write each target as Name | Role | email');
    if (name.length > 200 || role.length > 200) throw bad('the name and role must be 200 characters or fewer');
    if (/[\u0000-\u001f\u007f]/.test(line)) throw bad('it contains characters that are not allowed');
    if (!TargetEmail.safeParse(email).success || email.length > 254) throw bad('the email address is not in the right format');
    if (seen.has(email.toLowerCase())) throw bad('that email address is listed twice');
    seen.add(email.toLowerCase());
    return { name, role, email };
  });
}

/** Replaces the targets of an "email a target" action. */
export async function setActionTargets(
  core: Core,
  staffId: number | null,
  actionId: number,
  targets: ReadonlyArray<{ name: string; role: string; email: string }>,
): Promise<void> {
  await core.db.transaction().execute(async (trx) => {
    const r = await findActionById(trx, actionId);
    if (!r) throw new DomainError('not_found', 'There is no such action.');
    if (r.kind !== 'email_target') throw new DomainError('conflict', 'Only an "email a target" action has targets.');
    if (r.status === 'open' && targets.length === 0)
      throw new DomainError('invalid', 'An open action needs at least one target.', {
        targets: 'An open action needs at least one target',
      });
    await replaceActionTargets(trx, actionId, targets, Date.now());
    await recordAudit(trx, { staffId, action: 'action.targets', target: `action ${actionId}`, details: { count: targets.length } });
  });
}

// ---- the counter and the deadline (jobs) ----

/** How long after closing a counter keeps being refreshed (late confirmations of earlier actions still count). */
const COUNT_AFTER_CLOSE_MS = 31 * DAY;

/** Recounts every live action's confirmed actions in one pass; returns how many counters changed. */
export async function refreshActionCounts(db: Db, now = Date.now()): Promise<number> {
  let changed = 0;
  for (const a of await listActionsWithLiveCounters(db, now, COUNT_AFTER_CLOSE_MS)) if (await recount(db, a, now)) changed++;
  return changed;
}

/** Recounts one action's confirmed actions and stores the figure if it moved; true when it did. */
async function recount(db: Db, a: { id: number; kind: ActionKind; count: number }, now: number): Promise<boolean> {
  const id = Number(a.id);
  const n = await kindOf(a.kind).countConfirmed(db, id);
  if (n === Number(a.count)) return false;
  await setActionCount(db, id, n, now);
  return true;
}

/** Closes open actions whose deadline day has ended; returns how many. */
export async function closeActionsPastDeadline(db: Db, now = Date.now()): Promise<number> {
  return closeActionsDueBy(db, now);
}

/** Confirmed actions per day for the admin chart, from the kind. */
export async function actionCountsByDay(db: Db, action: Action): Promise<Array<{ day: string; count: number }>> {
  const tz = (await getSiteSettings(db)).timeZone;
  return kindOf(action.kind).countsByDay(db, action.id, tz);
}

/** Counters lag confirmations by at most this much: a refresh of one action's counter is queued per slot. */
const COUNT_SLOT_MS = 2_000;

/**
 * Asks for this action's counter to be recounted shortly (call it in the transaction that confirmed something).
 * One job per action per two-second slot, whatever the number of confirmations in it: the counter is recounted in
 * a batch, never +1 per request.
 */
export async function scheduleCountRefresh(core: Core, trx: DbOrTrx, actionId: number, now = Date.now()): Promise<void> {
  const slot = Math.floor(now / COUNT_SLOT_MS);
  await core.queue.enqueue(
    trx,
    'refreshActionCount',
    { actionId },
    { uniqueKey: `count:${actionId}:${slot}`, runAt: (slot + 1) * COUNT_SLOT_MS, maxAttempts: 3 },
  );
}

/** Recounts one action's counter now. */
export async function refreshActionCount(db: Db, actionId: number, now = Date.now()): Promise<void> {
  const r = await findActionById(db, actionId);
  if (r) await recount(db, r, now);
}
