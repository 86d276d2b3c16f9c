import { slugFromTitle } from '../../core/text.js';
import { z } from 'zod';
import type { Core } from '../../core/context.js';
import { recordAudit } from '../../core/audit.js';
import { hashToken, newToken } from '../../core/crypto.js';
import type { Db, DbOrTrx, Trx } from '../../core/db/index.js';
import { isUniqueViolation } from '../../core/db/errors.js';
import { renderMarkdown } from '../../core/markdown.js';
import { getSiteSettings } from '../../core/settings.js';
import { deleteTokensOfSubjects, findToken, insertToken, TOKEN_SHAPE } from '../../core/tokens.js';
import { DomainError } from '../../core/web/errors.js';
import { multilineText, optionalMultilineText, optionalText, text } from '../../core/web/forms.js';
import { DATETIME_LOCAL, zonedLocalToUtc } from '../../core/time.js';
import { getActionById, getCampaign, listActionCards, type ActionCard } from '../../actions/service.js';
import { getImages, imageExists, listImages, type ContentImage } from '../images/service.js';
import { addRedirect } from '../redirects/service.js';
import { indexDocument, plainTextOfMarkdown, unindexDocument } from '../search/service.js';
import {
  categorySlugTaken,
  changeUpdateStatusIf,
  countPublishedUpdates,
  countUpdates,
  countUpdatesPerCategory,
  deleteCategoryRow,
  deleteTagRow,
  findCategoryRowById,
  findCategoryRowBySlug,
  findPublishedUpdateRow,
  findRevisionRow,
  findTagRowById,
  findUpdateById,
  findUpdateRowBySlug,
  findWarningReasonRow,
  insertCategory,
  insertRevision,
  insertTagOnce,
  insertUpdate,
  insertWarningReason,
  listActionIdsOfUpdates,
  listCategoriesOfUpdates,
  listCategoryRows,
  listDueScheduledUpdateIds,
  listPublishedUpdateRows,
  listRevisionRows,
  listTagRows,
  listTagsOfUpdates,
  listUpdateRowsForStaff,
  listWarningReasonLabels,
  listWarningReasonRows,
  moveUpdateTags,
  publishedVersion,
  touchUpdatesWithReason,
  touchUpdatesWithTag,
  setUpdateActions,
  setUpdateCategories,
  setUpdateTags,
  updateCategoryRow,
  updateSlugTaken,
  updateUpdateRow,
  updateWarningReasonRow,
  type CategoryRow,
  type UpdateRow,
} from './queries.js';
import type { AuthorKind, UpdateStatus } from './tables.js';

// Updates: the website's news. This file is the contract the rest of the website codes against (site hubs, feeds,
// search, the WordPress import): the read API first, then the writing staff do, then scheduling and preview links.
// Only published updates are ever public; a draft is seen through its private preview link, never at its address.

export type { AuthorKind, UpdateStatus } from './tables.js';

/** An update as listings, feeds and search show it. */
export interface UpdateSummary {
  id: number;
  slug: string;
  /** Its public address, '/updates/<slug>'. */
  url: string;
  title: string;
  excerpt: string;
  publishedAt: number;
  updatedAt: number;
  /** The name staff chose to show as the author (a person's, the organisation's, or other words). */
  authorName: string;
  /** content/images' id, or null; a listing with a warning shows the warning instead of the image. */
  featuredImageId: number | null;
  featuredImageAlt: string;
  campaignId: number | null;
  categories: Array<{ id: number; slug: string; name: string }>;
  tags: string[];
  warning: { reason: string; text: string } | null;
}

/** An update's whole page: the summary, its text as safe HTML and as Markdown, and the actions shown beside it. */
export type PublishedUpdate = UpdateSummary & { html: string; bodyMd: string; relatedActionIds: number[] };

export interface Category {
  id: number;
  slug: string;
  /** Its public address, '/categories/<slug>'. */
  url: string;
  name: string;
  description: string;
}

/** Everything staff edit about an update. */
export interface UpdateForStaff {
  id: number;
  slug: string;
  url: string;
  title: string;
  excerpt: string;
  bodyMd: string;
  authorKind: AuthorKind;
  authorName: string;
  authorStaffId: number | null;
  status: UpdateStatus;
  publishAt: number | null;
  publishedAt: number | null;
  featuredImageId: number | null;
  featuredImageAlt: string;
  campaignId: number | null;
  categoryIds: number[];
  tags: string[];
  relatedActionIds: number[];
  warningReasonId: number | null;
  warningText: string;
  createdAt: number;
  updatedAt: number;
}

/** What staff (or an import) write: the update's words and choices. */
export interface UpdateInput {
  title: string;
  /** Empty or absent: made from the title. */
  slug?: string | undefined;
  excerpt: string;
  bodyMd: string;
  /** staff: the staff member's name; organisation: the organisation's name; custom: `authorName`. */
  authorKind: AuthorKind;
  authorName?: string | undefined;
  categoryIds?: readonly number[];
  /** Tag names; made into tags (by slug) when new. */
  tags?: readonly string[];
  featuredImageId?: number | null;
  featuredImageAlt?: string;
  campaignId?: number | null;
  relatedActionIds?: readonly number[];
  warningReasonId?: number | null;
  warningText?: string;
}

/** Who is making a change (a signed-in staff member; the WordPress import passes the staff member who ran it). */
export interface StaffMember {
  id: number | null;
  name: string;
}

export const UPDATES_PER_PAGE = 10;
const MAX_PER_PAGE = 50;
const PREVIEW_LINK_MS = 30 * 24 * 3600_000;

const updateUrl = (slug: string) => `/updates/${slug}`;
const categoryUrl = (slug: string) => `/categories/${slug}`;

// ---- slugs ----

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Whether a text is a slug as Lantern writes them (lower-case letters and digits, single hyphens, at most 80). */
export function isSlug(s: string): boolean {
  return s.length <= 80 && SLUG.test(s);
}

/** A slug from a title: lower-case ASCII words joined by hyphens, at most 80 characters ('update' when none remain). */
export function slugify(title: string, fallback = 'update'): string {
  return slugFromTitle(title, { max: 80, fallback });
}

// ---- reading: the public API ----

// Rendering Markdown costs far more than reading a row; an update's HTML is kept until it changes.
const renderedHtml = new Map<number, { updatedAt: number; html: string }>();
const RENDERED_KEPT = 500;

/** An update's text as safe HTML. Images are shown only from this site's own addresses (no request elsewhere). */
export function renderUpdateBody(bodyMd: string): string {
  return renderMarkdown(bodyMd, {
    image: (src) => (src.startsWith('/') && !src.startsWith('//') && !src.includes('\\') ? src : undefined),
  });
}

function htmlOf(row: UpdateRow): string {
  const id = Number(row.id);
  const hit = renderedHtml.get(id);
  if (hit && hit.updatedAt === Number(row.updated_at)) return hit.html;
  const html = renderUpdateBody(row.body_md);
  if (renderedHtml.size >= RENDERED_KEPT) renderedHtml.delete(renderedHtml.keys().next().value as number);
  renderedHtml.set(id, { updatedAt: Number(row.updated_at), html });
  return html;
}

/** Turns rows into summaries, reading their categories, tags and warnings in one query each. */
async function summarise(db: DbOrTrx, rows: readonly UpdateRow[]): Promise<UpdateSummary[]> {
  const ids = rows.map((r) => Number(r.id));
  const [cats, tags, reasons] = await Promise.all([
    listCategoriesOfUpdates(db, ids),
    listTagsOfUpdates(db, ids),
    listWarningReasonLabels(
      db,
      rows.flatMap((r) => (r.warning_reason_id === null ? [] : [Number(r.warning_reason_id)])),
    ),
  ]);
  const reasonLabel = new Map(reasons.map((r) => [Number(r.id), r.label]));
  return rows.map((r) => {
    const id = Number(r.id);
    return {
      id,
      slug: r.slug,
      url: updateUrl(r.slug),
      title: r.title,
      excerpt: r.excerpt,
      publishedAt: Number(r.published_at ?? r.updated_at),
      updatedAt: Number(r.updated_at),
      authorName: r.author_display,
      featuredImageId: r.featured_image_id === null ? null : Number(r.featured_image_id),
      featuredImageAlt: r.featured_image_alt,
      campaignId: r.campaign_id === null ? null : Number(r.campaign_id),
      categories: cats.filter((c) => Number(c.update_id) === id).map((c) => ({ id: Number(c.id), slug: c.slug, name: c.name })),
      tags: tags.filter((t) => Number(t.update_id) === id).map((t) => t.name),
      warning:
        r.warning_reason_id === null
          ? null
          : { reason: reasonLabel.get(Number(r.warning_reason_id)) ?? 'Content warning', text: r.warning_text },
    };
  });
}

async function withPage(db: DbOrTrx, row: UpdateRow): Promise<PublishedUpdate> {
  const [summary] = await summarise(db, [row]);
  const actions = await listActionIdsOfUpdates(db, [Number(row.id)]);
  return { ...summary!, html: htmlOf(row), bodyMd: row.body_md, relatedActionIds: actions.map((a) => Number(a.action_id)) };
}

/** Published updates, newest first, of one campaign or category or all, one page at a time (page 1 first). */
export async function listPublishedUpdates(
  db: DbOrTrx,
  o: { campaignId?: number; categoryId?: number; page?: number; perPage?: number } = {},
): Promise<{ total: number; items: UpdateSummary[] }> {
  const perPage = Math.min(MAX_PER_PAGE, Math.max(1, Math.floor(o.perPage ?? UPDATES_PER_PAGE)));
  const page = Math.max(1, Math.floor(o.page ?? 1));
  const filter = {
    ...(o.campaignId !== undefined ? { campaignId: o.campaignId } : {}),
    ...(o.categoryId !== undefined ? { categoryId: o.categoryId } : {}),
  };
  const [total, rows] = await Promise.all([
    countPublishedUpdates(db, filter),
    listPublishedUpdateRows(db, { ...filter, limit: perPage, offset: (page - 1) * perPage }),
  ]);
  return { total, items: await summarise(db, rows) };
}

/** The published update with this slug, with its HTML and related actions' ids; undefined for drafts and scheduled. */
export async function getPublishedUpdate(db: DbOrTrx, slug: string): Promise<PublishedUpdate | undefined> {
  const row = await findPublishedUpdateRow(db, slug);
  return row ? withPage(db, row) : undefined;
}

const toCategory = (r: CategoryRow): Category => ({
  id: Number(r.id),
  slug: r.slug,
  url: categoryUrl(r.slug),
  name: r.name,
  description: r.description,
});

/** Every category, by name. */
export async function listCategories(db: DbOrTrx): Promise<Category[]> {
  return (await listCategoryRows(db)).map(toCategory);
}

/** The category with this slug, if any. */
export async function getCategoryBySlug(db: DbOrTrx, slug: string): Promise<Category | undefined> {
  const r = await findCategoryRowBySlug(db, slug);
  return r ? toCategory(r) : undefined;
}

/** What every cached public page of updates depends on, as a short key: it changes with any published change. */
export async function updatesCacheKey(db: DbOrTrx): Promise<string> {
  return publishedVersion(db);
}

/** The public actions shown beside an update (drafts left out), with their counters. */
export async function relatedActions(db: DbOrTrx, update: Pick<PublishedUpdate, 'relatedActionIds'>): Promise<ActionCard[]> {
  return listActionCards(db, update.relatedActionIds);
}

// ---- what the public pages read, kept for a moment ----

// An update's page is read far more often than anything changes, so what its page shows is kept in memory for
// PAGE_DATA_MS: a change made in this process shows at once (every write below goes through `changing`), and one
// made by another process within PAGE_DATA_MS, the same promise the organisation settings and pages make.
const PAGE_DATA_MS = 2_000;
let generation = 0;
const pageData = new WeakMap<object, Map<string, { at: number; generation: number; value: Promise<unknown> }>>();

/** Runs a write in a transaction, then lets this process's kept page data go. */
async function changing<T>(db: Db, write: (trx: Trx) => Promise<T>): Promise<T> {
  try {
    return await db.transaction().execute(write);
  } finally {
    generation++;
  }
}

/** What `load` gives for this key, kept for a moment (see PAGE_DATA_MS); a failed load is not kept. */
export function keptForAMoment<T>(db: Db, key: string, load: () => Promise<T>): Promise<T> {
  let kept = pageData.get(db);
  if (!kept) pageData.set(db, (kept = new Map()));
  const now = Date.now();
  const hit = kept.get(key);
  if (hit && hit.generation === generation && now - hit.at < PAGE_DATA_MS) return hit.value as Promise<T>;
  const value = load();
  kept.set(key, { at: now, generation, value });
  if (kept.size > 500) kept.delete(kept.keys().next().value!);
  value.catch(() => kept.delete(key));
  return value;
}

/** The featured images of these updates, by image id (one lookup for a whole list). */
export async function featuredImages(
  core: Core,
  items: ReadonlyArray<{ featuredImageId: number | null }>,
): Promise<Map<number, ContentImage>> {
  return getImages(
    core,
    items.flatMap((u) => (u.featuredImageId === null ? [] : [u.featuredImageId])),
  );
}

/** The most recent images of the website, for the editor's choice of a featured image. */
export async function imageChoices(core: Core): Promise<ContentImage[]> {
  return (await listImages(core, { page: 1, perPage: 200 })).items;
}

// ---- reading: staff ----

async function forStaff(db: DbOrTrx, row: UpdateRow): Promise<UpdateForStaff> {
  const id = Number(row.id);
  const [cats, tags, actions] = await Promise.all([
    listCategoriesOfUpdates(db, [id]),
    listTagsOfUpdates(db, [id]),
    listActionIdsOfUpdates(db, [id]),
  ]);
  return {
    id,
    slug: row.slug,
    url: updateUrl(row.slug),
    title: row.title,
    excerpt: row.excerpt,
    bodyMd: row.body_md,
    authorKind: row.author_kind,
    authorName: row.author_display,
    authorStaffId: row.author_staff_id === null ? null : Number(row.author_staff_id),
    status: row.status,
    publishAt: row.publish_at === null ? null : Number(row.publish_at),
    publishedAt: row.published_at === null ? null : Number(row.published_at),
    featuredImageId: row.featured_image_id === null ? null : Number(row.featured_image_id),
    featuredImageAlt: row.featured_image_alt,
    campaignId: row.campaign_id === null ? null : Number(row.campaign_id),
    categoryIds: cats.map((c) => Number(c.id)),
    tags: tags.map((t) => t.name),
    relatedActionIds: actions.map((a) => Number(a.action_id)),
    warningReasonId: row.warning_reason_id === null ? null : Number(row.warning_reason_id),
    warningText: row.warning_text,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** The update with this id in any state, for the editor. */
export async function getUpdateForStaff(db: DbOrTrx, id: number): Promise<UpdateForStaff | undefined> {
  const row = await findUpdateById(db, id);
  return row ? forStaff(db, row) : undefined;
}

/** The update with this slug in any state (the WordPress import finds what it imported before). */
export async function findUpdateBySlug(db: DbOrTrx, slug: string): Promise<UpdateForStaff | undefined> {
  const row = await findUpdateRowBySlug(db, slug);
  return row ? forStaff(db, row) : undefined;
}

/** One page of every update for the admin list, most recently changed first, with the total. */
export async function listUpdatesForStaff(
  db: Db,
  o: { page?: number; perPage?: number } = {},
): Promise<{
  total: number;
  items: Array<Pick<UpdateForStaff, 'id' | 'slug' | 'url' | 'title' | 'status' | 'publishAt' | 'publishedAt' | 'updatedAt' | 'authorName'>>;
}> {
  const perPage = Math.min(100, Math.max(1, Math.floor(o.perPage ?? 50)));
  const page = Math.max(1, Math.floor(o.page ?? 1));
  const [total, rows] = await Promise.all([countUpdates(db), listUpdateRowsForStaff(db, { limit: perPage, offset: (page - 1) * perPage })]);
  return {
    total,
    items: rows.map((r) => ({
      id: Number(r.id),
      slug: r.slug,
      url: updateUrl(r.slug),
      title: r.title,
      status: r.status,
      publishAt: r.publish_at === null ? null : Number(r.publish_at),
      publishedAt: r.published_at === null ? null : Number(r.published_at),
      updatedAt: Number(r.updated_at),
      authorName: r.author_display,
    })),
  };
}

export interface Revision {
  id: number;
  title: string;
  excerpt: string;
  bodyMd: string;
  savedAt: number;
  savedBy: number | null;
}

/** An update's revisions, newest first. */
export async function listRevisions(db: DbOrTrx, updateId: number): Promise<Revision[]> {
  return (await listRevisionRows(db, updateId)).map((r) => ({
    id: Number(r.id),
    title: r.title,
    excerpt: r.excerpt,
    bodyMd: r.body_md,
    savedAt: Number(r.saved_at),
    savedBy: r.saved_by === null ? null : Number(r.saved_by),
  }));
}

// ---- search (content/search indexes what is published) ----

/**
 * Puts the update into the site search as it now stands, or takes it out (a draft, a scheduled update and an
 * unpublished one are never found). Called in the transaction of every change to the update's state or text.
 */
export async function indexUpdate(db: DbOrTrx, updateId: number): Promise<void> {
  const row = await findUpdateById(db, updateId);
  if (!row || row.status !== 'published' || row.published_at === null) {
    await unindexDocument(db, 'update', updateId);
    return;
  }
  const [categories, tags] = await Promise.all([listCategoriesOfUpdates(db, [updateId]), listTagsOfUpdates(db, [updateId])]);
  await indexDocument(db, {
    kind: 'update',
    ref: updateId,
    title: row.title,
    summary: row.excerpt,
    body: [plainTextOfMarkdown(row.body_md), tags.map((t) => t.name).join(' ')].filter(Boolean).join('\n\n'),
    url: `/updates/${row.slug}`,
    publishedAt: row.published_at,
    campaignId: row.campaign_id,
    categoryIds: categories.map((c) => c.id),
  });
}

// ---- writing ----

/** Writes an update from what staff typed; every rule that needs the database is checked here. */
async function checkedValues(db: DbOrTrx, input: UpdateInput, staff: StaffMember, current?: UpdateRow) {
  const fields: Record<string, string> = {};
  const categoryIds = [...new Set(input.categoryIds ?? [])];
  for (const id of categoryIds) if (!(await findCategoryRowById(db, id))) fields.categoryIds = 'Choose categories from the list';
  if (input.campaignId != null && !(await getCampaign(db, { id: input.campaignId }))) fields.campaignId = 'Choose a campaign from the list';
  const actionIds = [...new Set(input.relatedActionIds ?? [])];
  for (const id of actionIds) if (!(await getActionById(db, id))) fields.relatedActionIds = 'Choose actions from the list';
  if (input.featuredImageId != null && !(await imageExists(db, input.featuredImageId)))
    fields.featuredImageId = 'Choose an image from the list';
  const reasonId = input.warningReasonId ?? null;
  if (reasonId !== null) {
    const reason = await findWarningReasonRow(db, reasonId);
    // A retired reason stays on the updates that chose it, but is not offered for new ones.
    if (!reason || (reason.retired && Number(current?.warning_reason_id) !== reasonId))
      fields.warningReasonId = 'Choose a reason from the list';
  }
  if (reasonId === null && (input.warningText ?? '').trim() !== '')
    fields.warningReasonId = 'Choose a reason for the warning, or leave the words empty';
  let authorName: string;
  if (input.authorKind === 'custom') {
    authorName = (input.authorName ?? '').trim();
    if (!authorName) fields.authorName = 'Enter the name to show as the author';
  } else if (input.authorKind === 'organisation') {
    authorName = (await getSiteSettings(db as Db)).orgName;
  } else {
    // Keep the original writer's name when someone else edits the update.
    authorName = current && current.author_kind === 'staff' ? current.author_display : staff.name;
  }
  // Tags are one per slug: "Embassy" and "embassy" are the same tag, written as first typed.
  const tagNames = new Map<string, string>();
  for (const name of (input.tags ?? []).map((t) => t.trim())) {
    const slug = slugify(name, '');
    if (slug && !tagNames.has(slug)) tagNames.set(slug, name);
  }
  if (Object.keys(fields).length) throw new DomainError('invalid', 'Please correct the marked fields.', fields);
  return { categoryIds, actionIds, reasonId, authorName, tagNames };
}

function slugProblem(): DomainError {
  return new DomainError('invalid', 'Another update uses that web address.', {
    slug: 'Another update uses that web address; choose another',
  });
}

async function chooseSlug(db: DbOrTrx, input: UpdateInput, exceptId?: number): Promise<string> {
  const typed = (input.slug ?? '').trim();
  if (typed) {
    if (!isSlug(typed)) {
      throw new DomainError('invalid', 'Please correct the web address.', {
        slug: 'Use only lower-case letters, digits and single hyphens, like vigil-report',
      });
    }
    if (typed === 'preview' || (await updateSlugTaken(db, typed, exceptId))) throw slugProblem();
    return typed;
  }
  const base = slugify(input.title);
  // /updates/preview/… is where private preview links live.
  let slug = base === 'preview' ? 'preview-2' : base;
  for (let n = 2; await updateSlugTaken(db, slug, exceptId); n++) slug = `${base.slice(0, 74)}-${n}`;
  return slug;
}

async function writeLinks(db: DbOrTrx, id: number, v: Awaited<ReturnType<typeof checkedValues>>, at: number): Promise<void> {
  await setUpdateCategories(db, id, v.categoryIds);
  const tagIds: number[] = [];
  for (const [slug, name] of v.tagNames) tagIds.push(await insertTagOnce(db, { slug, name, at }));
  await setUpdateTags(db, id, tagIds);
  await setUpdateActions(db, id, v.actionIds);
}

async function latestRevisionMatches(db: DbOrTrx, id: number, w: { title: string; excerpt: string; bodyMd: string }): Promise<boolean> {
  const [last] = await listRevisionRows(db, id);
  return !!last && last.title === w.title && last.excerpt === w.excerpt && last.body_md === w.bodyMd;
}

/** Creates a draft update (with its first revision); throws DomainError('invalid') with field messages. */
export async function createUpdate(core: Core, input: UpdateInput, staff: StaffMember): Promise<{ id: number; slug: string }> {
  return writeNewUpdate(core.db, input, staff, { status: 'draft', publishedAt: null, audit: 'update.create' });
}

async function writeNewUpdate(
  db: Db,
  input: UpdateInput,
  staff: StaffMember,
  o: { status: UpdateStatus; publishedAt: number | null; audit: string },
): Promise<{ id: number; slug: string }> {
  const now = Date.now();
  try {
    return await changing(db, async (trx) => {
      const v = await checkedValues(trx, input, staff);
      const slug = await chooseSlug(trx, input);
      const id = await insertUpdate(trx, {
        slug,
        title: input.title,
        excerpt: input.excerpt,
        body_md: input.bodyMd,
        author_kind: input.authorKind,
        author_display: v.authorName,
        author_staff_id: staff.id,
        status: o.status,
        publish_at: null,
        published_at: o.publishedAt,
        featured_image_id: input.featuredImageId ?? null,
        featured_image_alt: input.featuredImageAlt ?? '',
        campaign_id: input.campaignId ?? null,
        warning_reason_id: v.reasonId,
        warning_text: v.reasonId === null ? '' : (input.warningText ?? ''),
        preview_nonce: null,
        created_by: staff.id,
        created_at: now,
        updated_by: staff.id,
        updated_at: now,
      });
      await writeLinks(trx, id, v, now);
      await insertRevision(trx, { updateId: id, title: input.title, excerpt: input.excerpt, bodyMd: input.bodyMd, at: now, by: staff.id });
      await recordAudit(trx, { staffId: staff.id, action: o.audit, target: `update ${id}` });
      if (o.status === 'published') await indexUpdate(trx, id);
      return { id, slug };
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw slugProblem();
    throw e;
  }
}

async function requireUpdateRow(db: DbOrTrx, id: number): Promise<UpdateRow> {
  const row = await findUpdateById(db, id);
  if (!row) throw new DomainError('not_found', 'There is no such update.');
  return row;
}

/**
 * Saves staff's changes to an update and writes a revision (unless the words are unchanged). A new slug leaves
 * the old address redirecting (301) to the new one, and every older address is repointed to it.
 */
export async function saveUpdate(core: Core, id: number, input: UpdateInput, staff: StaffMember): Promise<{ slug: string }> {
  try {
    return await changing(core.db, (trx) => writeSavedUpdate(trx, id, input, staff));
  } catch (e) {
    if (isUniqueViolation(e)) throw slugProblem();
    throw e;
  }
}

/** saveUpdate's work inside the caller's transaction; `state` also sets the state (the import), in the same write. */
async function writeSavedUpdate(
  trx: DbOrTrx,
  id: number,
  input: UpdateInput,
  staff: StaffMember,
  state?: { status: 'draft' | 'published'; publishedAt: number | null },
): Promise<{ slug: string }> {
  const now = Date.now();
  const row = await requireUpdateRow(trx, id);
  const v = await checkedValues(trx, input, staff, row);
  const slug = (input.slug ?? '').trim() === '' ? row.slug : await chooseSlug(trx, input, id);
  await updateUpdateRow(trx, id, {
    slug,
    title: input.title,
    excerpt: input.excerpt,
    body_md: input.bodyMd,
    author_kind: input.authorKind,
    author_display: v.authorName,
    ...(input.authorKind === 'staff' && row.author_kind !== 'staff' ? { author_staff_id: staff.id } : {}),
    featured_image_id: input.featuredImageId ?? null,
    featured_image_alt: input.featuredImageAlt ?? '',
    campaign_id: input.campaignId ?? null,
    warning_reason_id: v.reasonId,
    warning_text: v.reasonId === null ? '' : (input.warningText ?? ''),
    ...(state
      ? {
          status: state.status,
          publish_at: null,
          published_at: state.publishedAt ?? row.published_at ?? (state.status === 'published' ? now : null),
        }
      : {}),
    updated_by: staff.id,
    updated_at: Math.max(now, Number(row.updated_at) + 1),
  });
  await writeLinks(trx, id, v, now);
  if (slug !== row.slug) await addRedirect(trx, updateUrl(row.slug), updateUrl(slug));
  const words = { title: input.title, excerpt: input.excerpt, bodyMd: input.bodyMd };
  if (!(await latestRevisionMatches(trx, id, words))) await insertRevision(trx, { updateId: id, ...words, at: now, by: staff.id });
  await recordAudit(trx, {
    staffId: staff.id,
    action: state ? 'update.import' : 'update.save',
    target: `update ${id}`,
    ...(slug !== row.slug ? { details: { from: row.slug, to: slug } } : {}),
  });
  if (row.status === 'published' || state) await indexUpdate(trx, id);
  return { slug };
}

/**
 * Creates or replaces the update with this slug (the WordPress import: running it twice changes nothing twice),
 * in the given state and with its original publication date, in one transaction.
 */
export async function upsertUpdateBySlug(
  core: Core,
  input: UpdateInput & { slug: string },
  o: { status: 'draft' | 'published'; publishedAt: number | null },
  staff: StaffMember,
): Promise<{ id: number; created: boolean }> {
  if (!isSlug(input.slug)) throw new DomainError('invalid', 'Not a web address ending.', { slug: 'Not a web address ending' });
  const existing = await findUpdateRowBySlug(core.db, input.slug);
  if (!existing) {
    const publishedAt = o.status === 'published' ? (o.publishedAt ?? Date.now()) : o.publishedAt;
    const made = await writeNewUpdate(core.db, input, staff, { status: o.status, publishedAt, audit: 'update.import' });
    return { id: made.id, created: true };
  }
  const id = Number(existing.id);
  try {
    await changing(core.db, (trx) => writeSavedUpdate(trx, id, input, staff, o));
  } catch (e) {
    if (isUniqueViolation(e)) throw slugProblem();
    throw e;
  }
  return { id, created: false };
}

/** Publishes an update now (a scheduled one at once). Its first publication date is kept when republished. */
export async function publishUpdate(core: Core, id: number, staff: StaffMember): Promise<void> {
  const now = Date.now();
  await changing(core.db, async (trx) => {
    const row = await requireUpdateRow(trx, id);
    if (row.status === 'published') return;
    await updateUpdateRow(trx, id, {
      status: 'published',
      publish_at: null,
      published_at: row.published_at ?? now,
      updated_by: staff.id,
      updated_at: Math.max(now, Number(row.updated_at) + 1),
    });
    await recordAudit(trx, { staffId: staff.id, action: 'update.publish', target: `update ${id}` });
    await indexUpdate(trx, id);
  });
}

/** Schedules an update to be published at a future instant (the job publishes it); throws DomainError if past. */
export async function scheduleUpdate(core: Core, id: number, at: number, staff: StaffMember, now = Date.now()): Promise<void> {
  if (!Number.isFinite(at) || at <= now) {
    throw new DomainError('invalid', 'Choose a time in the future.', { publishAt: 'Choose a date and time in the future' });
  }
  await changing(core.db, async (trx) => {
    const row = await requireUpdateRow(trx, id);
    await updateUpdateRow(trx, id, {
      status: 'scheduled',
      publish_at: at,
      // The date shown is the time it goes out, unless it had been published before.
      updated_by: staff.id,
      updated_at: Math.max(now, Number(row.updated_at) + 1),
    });
    await recordAudit(trx, { staffId: staff.id, action: 'update.schedule', target: `update ${id}`, details: { at } });
    if (row.status === 'published') await indexUpdate(trx, id);
  });
}

/** Takes an update off the website (back to a draft, any schedule cancelled). */
export async function unpublishUpdate(core: Core, id: number, staff: StaffMember): Promise<void> {
  const now = Date.now();
  await changing(core.db, async (trx) => {
    const row = await requireUpdateRow(trx, id);
    if (row.status === 'draft') return;
    await updateUpdateRow(trx, id, {
      status: 'draft',
      publish_at: null,
      updated_by: staff.id,
      updated_at: Math.max(now, Number(row.updated_at) + 1),
    });
    await recordAudit(trx, { staffId: staff.id, action: 'update.unpublish', target: `update ${id}` });
    await indexUpdate(trx, id);
  });
}

/** Puts an earlier revision's words back (written as a new revision, so nothing is lost). */
export async function restoreRevision(core: Core, id: number, revisionId: number, staff: StaffMember): Promise<void> {
  const now = Date.now();
  await changing(core.db, async (trx) => {
    const row = await requireUpdateRow(trx, id);
    const rev = await findRevisionRow(trx, id, revisionId);
    if (!rev) throw new DomainError('not_found', 'There is no such revision of this update.');
    await updateUpdateRow(trx, id, {
      title: rev.title,
      excerpt: rev.excerpt,
      body_md: rev.body_md,
      updated_by: staff.id,
      updated_at: Math.max(now, Number(row.updated_at) + 1),
    });
    await insertRevision(trx, { updateId: id, title: rev.title, excerpt: rev.excerpt, bodyMd: rev.body_md, at: now, by: staff.id });
    await recordAudit(trx, { staffId: staff.id, action: 'update.restore', target: `update ${id}`, details: { revision: revisionId } });
    if (row.status === 'published') await indexUpdate(trx, id);
  });
}

// ---- scheduling ----

/**
 * Publishes every scheduled update whose time has passed; returns how many. Safe to run twice at once: each
 * update moves from scheduled to published only once, and its date is the time it was scheduled for.
 */
export async function publishScheduledUpdates(core: Core, now = Date.now()): Promise<number> {
  let published = 0;
  for (const id of await listDueScheduledUpdateIds(core.db, now)) {
    await changing(core.db, async (trx) => {
      const row = await findUpdateById(trx, id);
      if (!row || row.status !== 'scheduled' || row.publish_at === null) return;
      const moved = await changeUpdateStatusIf(trx, id, ['scheduled'], {
        status: 'published',
        published_at: row.published_at ?? Number(row.publish_at),
        publish_at: null,
        // The real time, not `now`: a test (or a late run) passes the schedule's instant.
        updated_at: Math.max(Date.now(), Number(row.updated_at) + 1),
      });
      if (!moved) return;
      await recordAudit(trx, { staffId: null, action: 'update.publish_scheduled', target: `update ${id}` });
      await indexUpdate(trx, id);
      published++;
    });
  }
  return published;
}

// ---- private preview links ----

// The link is a signature of the update's id and a random nonce stored on the update, so staff can be shown the
// same link again; its hash is a token (30 days) so it expires, and a new nonce (or unpublishing nothing) revokes it.
const previewTokenOf = (core: Core, id: number, nonce: string) => core.keyring.sign('update-preview', `${id}.${nonce}`);

/** The private preview address of an update's draft, if a link was made and has not expired. */
export async function previewAddress(core: Core, id: number, now = Date.now()): Promise<{ url: string; expiresAt: number } | undefined> {
  const row = await findUpdateById(core.db, id);
  if (!row?.preview_nonce) return undefined;
  const token = previewTokenOf(core, id, row.preview_nonce);
  const t = await findToken(core.db, hashToken(token), 'update_preview');
  if (!t || Number(t.expires_at) <= now) return undefined;
  return { url: `/updates/preview/${token}`, expiresAt: Number(t.expires_at) };
}

/** Makes a new private preview link for an update (any earlier link stops working); returns its address. */
export async function makePreviewLink(core: Core, id: number, staff: StaffMember, now = Date.now()): Promise<string> {
  const nonce = newToken();
  const token = previewTokenOf(core, id, nonce);
  await changing(core.db, async (trx) => {
    await requireUpdateRow(trx, id);
    await deleteTokensOfSubjects(trx, 'update_preview', [id]);
    await insertToken(trx, {
      tokenHash: hashToken(token),
      purpose: 'update_preview',
      subjectId: id,
      at: now,
      expiresAt: now + PREVIEW_LINK_MS,
    });
    await updateUpdateRow(trx, id, { preview_nonce: nonce });
    await recordAudit(trx, { staffId: staff.id, action: 'update.preview_link', target: `update ${id}` });
  });
  return `/updates/preview/${token}`;
}

/** Stops an update's private preview link from working. */
export async function revokePreviewLink(core: Core, id: number, staff: StaffMember): Promise<void> {
  await changing(core.db, async (trx) => {
    await requireUpdateRow(trx, id);
    await deleteTokensOfSubjects(trx, 'update_preview', [id]);
    await updateUpdateRow(trx, id, { preview_nonce: null });
    await recordAudit(trx, { staffId: staff.id, action: 'update.preview_revoke', target: `update ${id}` });
  });
}

/** The update a private preview link shows (in whatever state), or undefined when the link is wrong or expired. */
export async function getUpdateByPreviewToken(
  core: Core,
  token: string,
  now = Date.now(),
): Promise<(PublishedUpdate & { status: UpdateStatus }) | undefined> {
  if (!TOKEN_SHAPE.test(token)) return undefined;
  const t = await findToken(core.db, hashToken(token), 'update_preview');
  if (!t || t.subject_id === null || Number(t.expires_at) <= now || t.used_at !== null) return undefined;
  const row = await findUpdateById(core.db, Number(t.subject_id));
  if (!row?.preview_nonce || previewTokenOf(core, Number(row.id), row.preview_nonce) !== token) return undefined;
  return { ...(await withPage(core.db, row)), status: row.status };
}

// ---- categories and tags ----

/** Every category with how many updates (in any state) are in it. */
export async function listCategoriesForStaff(db: DbOrTrx): Promise<Array<Category & { updates: number }>> {
  const [cats, counts] = await Promise.all([listCategoryRows(db), countUpdatesPerCategory(db)]);
  const n = new Map(counts.map((c) => [Number(c.category_id), Number(c.n)]));
  return cats.map((c) => ({ ...toCategory(c), updates: n.get(Number(c.id)) ?? 0 }));
}

/** The category with this slug, made when there is none (the WordPress import); returns its id. */
export async function ensureCategory(db: DbOrTrx, c: { slug: string; name: string; description?: string }): Promise<number> {
  const slug = isSlug(c.slug) ? c.slug : slugify(c.slug || c.name, 'category');
  const found = await findCategoryRowBySlug(db, slug);
  if (found) return Number(found.id);
  return insertCategory(db, { slug, name: c.name || slug, description: c.description ?? '', at: Date.now() });
}

/** The tag with this slug, made when there is none (the WordPress import); returns its id. */
export async function ensureTag(db: DbOrTrx, t: { slug?: string; name: string }): Promise<number> {
  const slug = t.slug && isSlug(t.slug) ? t.slug : slugify(t.slug || t.name, 'tag');
  return insertTagOnce(db, { slug, name: t.name || slug, at: Date.now() });
}

/** Gives an update these tags by id, besides the ones it has (the WordPress import). */
export async function setTagsOfUpdate(db: DbOrTrx, updateId: number, tagIds: readonly number[]): Promise<void> {
  await setUpdateTags(db, updateId, tagIds);
}

/** Puts an update in exactly these categories (the WordPress import). */
export async function setCategoriesOfUpdate(db: DbOrTrx, updateId: number, categoryIds: readonly number[]): Promise<void> {
  await setUpdateCategories(db, updateId, categoryIds);
}

/** Creates a category (slug from the name unless given); throws DomainError('invalid') when the slug is taken. */
export async function createCategory(
  core: Core,
  c: { name: string; slug?: string | undefined; description: string },
  staff: StaffMember,
): Promise<number> {
  const slug = (c.slug ?? '').trim() || slugify(c.name, 'category');
  try {
    return await changing(core.db, async (trx) => {
      if (await categorySlugTaken(trx, slug)) throw categorySlugProblem();
      const id = await insertCategory(trx, { slug, name: c.name, description: c.description, at: Date.now() });
      await recordAudit(trx, { staffId: staff.id, action: 'category.create', target: `category ${id}` });
      return id;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw categorySlugProblem();
    throw e;
  }
}

function categorySlugProblem(): DomainError {
  return new DomainError('invalid', 'Another category uses that web address.', {
    slug: 'Another category uses that web address; choose another',
  });
}

/** Renames or describes a category; a new slug leaves the old address redirecting to the new one. */
export async function saveCategory(
  core: Core,
  id: number,
  c: { name: string; slug?: string | undefined; description: string },
  staff: StaffMember,
): Promise<void> {
  try {
    await changing(core.db, async (trx) => {
      const row = await findCategoryRowById(trx, id);
      if (!row) throw new DomainError('not_found', 'There is no such category.');
      const slug = (c.slug ?? '').trim() || row.slug;
      if (slug !== row.slug && (await categorySlugTaken(trx, slug, id))) throw categorySlugProblem();
      await updateCategoryRow(trx, id, { slug, name: c.name, description: c.description, at: Date.now() });
      if (slug !== row.slug) await addRedirect(trx, categoryUrl(row.slug), categoryUrl(slug));
      await recordAudit(trx, {
        staffId: staff.id,
        action: 'category.save',
        target: `category ${id}`,
        ...(slug !== row.slug ? { details: { from: row.slug, to: slug } } : {}),
      });
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw categorySlugProblem();
    throw e;
  }
}

/** Deletes a category that no update is in; throws DomainError('conflict') otherwise. */
export async function deleteCategory(core: Core, id: number, staff: StaffMember): Promise<void> {
  await changing(core.db, async (trx) => {
    const row = await findCategoryRowById(trx, id);
    if (!row) throw new DomainError('not_found', 'There is no such category.');
    const inUse = (await countUpdatesPerCategory(trx)).some((c) => Number(c.category_id) === id && Number(c.n) > 0);
    if (inUse) throw new DomainError('conflict', 'Updates are still in this category: take them out of it first.');
    await deleteCategoryRow(trx, id);
    await recordAudit(trx, { staffId: staff.id, action: 'category.delete', target: `category ${id}`, details: { name: row.name } });
  });
}

export interface Tag {
  id: number;
  slug: string;
  name: string;
  updates: number;
}

/** Every tag with how many updates carry it. */
export async function listTags(db: DbOrTrx): Promise<Tag[]> {
  return (await listTagRows(db)).map((t) => ({ id: Number(t.id), slug: t.slug, name: t.name, updates: Number(t.n) }));
}

/** Moves every update from one tag to another and deletes the first. */
export async function mergeTag(core: Core, fromId: number, intoId: number, staff: StaffMember): Promise<void> {
  if (fromId === intoId) throw new DomainError('invalid', 'Choose another tag to merge into.', { into: 'Choose another tag' });
  await changing(core.db, async (trx) => {
    const [from, into] = await Promise.all([findTagRowById(trx, fromId), findTagRowById(trx, intoId)]);
    if (!from || !into) throw new DomainError('not_found', 'There is no such tag.');
    await touchUpdatesWithTag(trx, fromId);
    await moveUpdateTags(trx, fromId, intoId);
    await deleteTagRow(trx, fromId);
    await recordAudit(trx, {
      staffId: staff.id,
      action: 'tag.merge',
      target: `tag ${intoId}`,
      details: { from: from.name, into: into.name },
    });
  });
}

/** Deletes a tag (the updates that carried it stay). */
export async function deleteTag(core: Core, id: number, staff: StaffMember): Promise<void> {
  await changing(core.db, async (trx) => {
    const row = await findTagRowById(trx, id);
    if (!row) throw new DomainError('not_found', 'There is no such tag.');
    await touchUpdatesWithTag(trx, id);
    await deleteTagRow(trx, id);
    await recordAudit(trx, { staffId: staff.id, action: 'tag.delete', target: `tag ${id}`, details: { name: row.name } });
  });
}

// ---- content warning reasons ----

export interface WarningReason {
  id: number;
  label: string;
  position: number;
  retired: boolean;
}

/** Every reason in staff's order; `offered` leaves out the retired ones. */
export async function listWarningReasons(db: DbOrTrx, o: { offered?: boolean } = {}): Promise<WarningReason[]> {
  return (await listWarningReasonRows(db))
    .map((r) => ({ id: Number(r.id), label: r.label, position: Number(r.position), retired: !!r.retired }))
    .filter((r) => !o.offered || !r.retired);
}

/** Adds a reason at the end of the list. */
export async function addWarningReason(core: Core, label: string, staff: StaffMember): Promise<number> {
  return changing(core.db, async (trx) => {
    const id = await insertWarningReason(trx, { label, at: Date.now() });
    await recordAudit(trx, { staffId: staff.id, action: 'warning_reason.add', target: `warning_reason ${id}`, details: { label } });
    return id;
  });
}

/** Renames a reason (every update that gives it shows the new words). */
export async function renameWarningReason(core: Core, id: number, label: string, staff: StaffMember): Promise<void> {
  await changing(core.db, async (trx) => {
    if (!(await findWarningReasonRow(trx, id))) throw new DomainError('not_found', 'There is no such reason.');
    await updateWarningReasonRow(trx, id, { label });
    await touchUpdatesWithReason(trx, id);
    await recordAudit(trx, { staffId: staff.id, action: 'warning_reason.rename', target: `warning_reason ${id}`, details: { label } });
  });
}

/** Retires a reason (no longer offered; updates that give it keep it) or brings it back. */
export async function retireWarningReason(core: Core, id: number, retired: boolean, staff: StaffMember): Promise<void> {
  await changing(core.db, async (trx) => {
    if (!(await findWarningReasonRow(trx, id))) throw new DomainError('not_found', 'There is no such reason.');
    await updateWarningReasonRow(trx, id, { retired: retired ? 1 : 0 });
    await recordAudit(trx, {
      staffId: staff.id,
      action: retired ? 'warning_reason.retire' : 'warning_reason.restore',
      target: `warning_reason ${id}`,
    });
  });
}

/** Moves a reason one place up or down the list. */
export async function moveWarningReason(core: Core, id: number, direction: 'up' | 'down', staff: StaffMember): Promise<void> {
  await changing(core.db, async (trx) => {
    const list = await listWarningReasonRows(trx);
    const i = list.findIndex((r) => Number(r.id) === id);
    if (i < 0) throw new DomainError('not_found', 'There is no such reason.');
    const j = direction === 'up' ? i - 1 : i + 1;
    if (j < 0 || j >= list.length) return;
    const order = list.map((r) => Number(r.id));
    [order[i], order[j]] = [order[j]!, order[i]!];
    for (const [position, rid] of order.entries()) await updateWarningReasonRow(trx, rid, { position: position + 1 });
    await recordAudit(trx, { staffId: staff.id, action: 'warning_reason.move', target: `warning_reason ${id}`, details: { direction } });
  });
}

// ---- the staff forms ----

const idText = z
  .string()
  .regex(/^\d{1,12}$/, 'Choose from the list')
  .transform(Number);
const optionalId = z.preprocess((v) => (v === '' || v === undefined ? undefined : v), idText.optional());
const idList = z.preprocess(
  (v) => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]),
  z.array(idText).max(100, 'Choose fewer'),
);

const slugText = z.preprocess(
  (v) => (typeof v === 'string' ? v.trim().toLowerCase() : v),
  z
    .string()
    .max(80, 'The web address ending must be 80 characters or fewer')
    .refine((s) => s === '' || isSlug(s), 'Use only lower-case letters, digits and single hyphens, like vigil-report')
    .optional(),
);

const tagsText = optionalText('the tags', { max: 1000 }).transform((s, ctx) => {
  const tags = (s ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (tags.length > 30) ctx.addIssue({ code: 'custom', message: 'Give at most 30 tags' });
  if (tags.some((t) => t.length > 60)) ctx.addIssue({ code: 'custom', message: 'Each tag must be 60 characters or fewer' });
  return tags;
});

/** What the update editor sends; `intent` is the button pressed. */
export const UpdateFormSchema = z.object({
  title: text('a title', { max: 200 }),
  slug: slugText,
  excerpt: optionalMultilineText('the excerpt', { max: 600 }).transform((s) => s ?? ''),
  body: multilineText('the text', { max: 200_000 }),
  authorKind: z.enum(['staff', 'organisation', 'custom'], { error: 'Choose who is shown as the author' }),
  authorName: optionalText('the name to show', { max: 120 }),
  categoryIds: idList,
  tags: tagsText,
  featuredImageId: optionalId,
  featuredImageAlt: optionalText('the image description', { max: 300 }).transform((s) => s ?? ''),
  campaignId: optionalId,
  relatedActionIds: idList,
  warningReasonId: optionalId,
  warningText: optionalMultilineText('the warning', { max: 1000 }).transform((s) => s ?? ''),
  publishAt: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.string().regex(DATETIME_LOCAL, 'Enter a date and time, like 2026-12-05 09:00').optional(),
  ),
  intent: z.enum(['save', 'preview', 'publish', 'schedule']).catch('save'),
});

/** The editor's fields as the service's input. */
export function updateInputOf(f: z.output<typeof UpdateFormSchema>): UpdateInput {
  return {
    title: f.title,
    slug: f.slug || undefined,
    excerpt: f.excerpt,
    bodyMd: f.body,
    authorKind: f.authorKind,
    authorName: f.authorName,
    categoryIds: f.categoryIds,
    tags: f.tags,
    featuredImageId: f.featuredImageId ?? null,
    featuredImageAlt: f.featuredImageAlt,
    campaignId: f.campaignId ?? null,
    relatedActionIds: f.relatedActionIds,
    warningReasonId: f.warningReasonId ?? null,
    warningText: f.warningText,
  };
}

/** A category's form. */
export const CategoryFormSchema = z.object({
  name: text('a name', { max: 80 }),
  slug: slugText,
  description: optionalMultilineText('the description', { max: 500 }).transform((s) => s ?? ''),
});

/** A content warning reason's form. */
export const WarningReasonFormSchema = z.object({ label: text('the reason', { max: 120 }) });

/** The tag merge form: the tag to merge into. */
export const TagMergeFormSchema = z.object({ into: idText });

/** The reason list's reorder and retire buttons. */
export const ReasonMoveFormSchema = z.object({ direction: z.enum(['up', 'down']) });
export const ReasonRetireFormSchema = z.object({ retired: z.enum(['1', '0']).transform((v) => v === '1') });

/** The instant a datetime-local field means in the organisation's time zone (null when it does not exist). */
export async function scheduledInstant(db: DbOrTrx, local: string): Promise<number | null> {
  const { timeZone } = await getSiteSettings(db as Db);
  return zonedLocalToUtc(local, timeZone);
}
