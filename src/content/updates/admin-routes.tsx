import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Core } from '../../core/context.js';
import { getSiteSettings } from '../../core/settings.js';
import { utcToZonedLocal } from '../../core/time.js';
import { AppError, DomainError } from '../../core/web/errors.js';
import { formValues, parseForm } from '../../core/web/forms.js';
import { refusedFields } from '../../core/web/public-forms.js';
import { can, get, post, type RouteTable } from '../../core/web/routes.js';
import { getCampaigns, listPublicActions } from '../../actions/service.js';
import { CategoriesView, CategoryEditView, UpdateFormView, UpdateListAdminView, WarningsView, type EditorChoices } from './admin-views.js';
import {
  addWarningReason,
  CategoryFormSchema,
  createCategory,
  createUpdate,
  deleteCategory,
  deleteTag,
  getUpdateForStaff,
  listCategories,
  listCategoriesForStaff,
  listRevisions,
  listTags,
  listUpdatesForStaff,
  imageChoices,
  listWarningReasons,
  makePreviewLink,
  mergeTag,
  moveWarningReason,
  previewAddress,
  publishUpdate,
  ReasonMoveFormSchema,
  ReasonRetireFormSchema,
  renameWarningReason,
  renderUpdateBody,
  restoreRevision,
  retireWarningReason,
  revokePreviewLink,
  saveCategory,
  saveUpdate,
  scheduledInstant,
  scheduleUpdate,
  TagMergeFormSchema,
  unpublishUpdate,
  UpdateFormSchema,
  updateInputOf,
  WarningReasonFormSchema,
  type StaffMember,
  type UpdateForStaff,
} from './service.js';

// The staff side of updates. Writing needs content:edit (owners, editors, campaigners); putting an update on the
// website or taking it off (publish, schedule, unpublish) needs content:publish (owners, editors).

const EDIT = can('content:edit');
const PUBLISH = can('content:publish');

export const adminRoutes: RouteTable = [
  get('/admin/content/updates', EDIT, listUpdatesAdmin),
  get('/admin/content/updates/new', EDIT, showNewUpdate),
  post('/admin/content/updates', EDIT, createUpdateFromForm),
  get('/admin/content/updates/:id', EDIT, showEditUpdate),
  post('/admin/content/updates/:id', EDIT, saveUpdateFromForm),
  post('/admin/content/updates/:id/unpublish', PUBLISH, unpublishFromForm),
  post('/admin/content/updates/:id/preview-link', EDIT, makePreviewLinkFromForm),
  post('/admin/content/updates/:id/preview-link/revoke', EDIT, revokePreviewLinkFromForm),
  post('/admin/content/updates/:id/revisions/:revisionId/restore', EDIT, restoreRevisionFromForm),
  get('/admin/content/categories', EDIT, showCategories),
  post('/admin/content/categories', EDIT, createCategoryFromForm),
  get('/admin/content/categories/:id', EDIT, showEditCategory),
  post('/admin/content/categories/:id', EDIT, saveCategoryFromForm),
  post('/admin/content/categories/:id/delete', EDIT, deleteCategoryFromForm),
  post('/admin/content/tags/:id/merge', EDIT, mergeTagFromForm),
  post('/admin/content/tags/:id/delete', EDIT, deleteTagFromForm),
  get('/admin/content/warnings', EDIT, showWarnings),
  post('/admin/content/warnings', EDIT, addReasonFromForm),
  post('/admin/content/warnings/:id', EDIT, renameReasonFromForm),
  post('/admin/content/warnings/:id/move', EDIT, moveReasonFromForm),
  post('/admin/content/warnings/:id/retire', EDIT, retireReasonFromForm),
];

const idText = z
  .string()
  .regex(/^\d{1,12}$/)
  .transform(Number);
const IdParams = z.object({ id: idText });
const RevisionParams = z.object({ id: idText, revisionId: idText });
const PageQuery = z.object({ page: z.coerce.number().int().min(1).max(100_000).catch(1).default(1) });

const NOTICES: Record<string, string> = {
  created: 'The update was saved as a draft.',
  saved: 'Your changes were saved.',
  published: 'The update is on the website.',
  scheduled: 'The update is scheduled.',
  unpublished: 'The update is back to draft and off the website.',
  restored: 'The revision was restored (and saved as the newest revision).',
  'preview-link': 'A new private preview link was made; any earlier link no longer works.',
  'preview-revoked': 'The private preview link no longer works.',
  category: 'The category was saved.',
  'category-deleted': 'The category was deleted.',
  'tag-merged': 'The tags were merged.',
  'tag-deleted': 'The tag was deleted.',
  reason: 'The reasons were saved.',
};

const notice = (req: FastifyRequest) => NOTICES[formValues(req.query).done ?? ''];
const staffOf = (req: FastifyRequest): StaffMember => ({ id: req.viewer!.id, name: req.viewer!.name });

function idOf(req: FastifyRequest, what = 'update'): number {
  const p = IdParams.safeParse(req.params);
  if (!p.success) throw new AppError(404, 'not_found', `There is no such ${what}.`);
  return p.data.id;
}

async function requireUpdate(core: Core, id: number): Promise<UpdateForStaff> {
  const u = await getUpdateForStaff(core.db, id);
  if (!u) throw new AppError(404, 'not_found', 'There is no such update.');
  return u;
}

/** Every value of a repeated field (checkboxes), as strings. */
function listOf(body: unknown, key: string): string[] {
  const v = body && typeof body === 'object' ? (body as Record<string, unknown>)[key] : undefined;
  const all = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return all.filter((x): x is string => typeof x === 'string').slice(0, 100);
}

async function editorChoices(req: FastifyRequest, core: Core): Promise<EditorChoices> {
  const [site, categories, campaigns, actions, reasons, images] = await Promise.all([
    getSiteSettings(core.db),
    listCategories(core.db),
    getCampaigns(core.db),
    listPublicActions(core.db),
    listWarningReasons(core.db),
    imageChoices(core),
  ]);
  return {
    images,
    categories,
    campaigns: campaigns.map((c) => ({ id: c.id, title: c.title })),
    actions: actions.map((a) => ({ id: a.id, title: a.title })),
    reasons,
    staffName: req.viewer!.name,
    orgName: site.orgName,
    canPublish: req.viewer!.can('content:publish'),
    timeZone: site.timeZone,
  };
}

function valuesOf(u: UpdateForStaff, timeZone: string): Record<string, string> {
  return {
    title: u.title,
    slug: u.slug,
    excerpt: u.excerpt,
    body: u.bodyMd,
    authorKind: u.authorKind,
    authorName: u.authorKind === 'custom' ? u.authorName : '',
    tags: u.tags.join(', '),
    featuredImageId: u.featuredImageId === null ? '' : String(u.featuredImageId),
    featuredImageAlt: u.featuredImageAlt,
    campaignId: u.campaignId === null ? '' : String(u.campaignId),
    warningReasonId: u.warningReasonId === null ? '' : String(u.warningReasonId),
    warningText: u.warningText,
    publishAt: u.publishAt === null ? '' : utcToZonedLocal(u.publishAt, timeZone),
  };
}

interface EditorState {
  values: Record<string, string>;
  lists: { categoryIds: readonly string[]; relatedActionIds: readonly string[] };
  errors?: Record<string, string> | undefined;
  status?: number;
  previewHtml?: string | undefined;
}

async function editorPage(req: FastifyRequest, reply: FastifyReply, core: Core, update: UpdateForStaff | undefined, s: EditorState) {
  const choices = await editorChoices(req, core);
  const [revisions, previewLink] = update
    ? await Promise.all([listRevisions(core.db, update.id), previewAddress(core, update.id)])
    : [undefined, undefined];
  return reply.adminPage({
    title: update ? `Edit: ${update.title}` : 'Write an update',
    status: s.status ?? 200,
    body: (
      <UpdateFormView
        csrf={req.csrfToken()}
        update={update}
        values={s.values}
        lists={s.lists}
        errors={s.errors}
        notice={notice(req)}
        choices={choices}
        previewHtml={s.previewHtml}
        previewLink={previewLink}
        revisions={revisions}
      />
    ),
  });
}

async function listUpdatesAdmin(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const { page } = PageQuery.parse(req.query ?? {});
  const [site, list] = await Promise.all([getSiteSettings(core.db), listUpdatesForStaff(core.db, { page })]);
  return reply.adminPage({
    title: 'Updates',
    body: (
      <UpdateListAdminView
        items={list.items}
        timeZone={site.timeZone}
        notice={notice(req)}
        page={page}
        pages={Math.max(1, Math.ceil(list.total / 50))}
      />
    ),
  });
}

async function showNewUpdate(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return editorPage(req, reply, core, undefined, { values: { authorKind: 'staff' }, lists: { categoryIds: [], relatedActionIds: [] } });
}

async function showEditUpdate(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const update = await requireUpdate(core, idOf(req));
  const { timeZone } = await getSiteSettings(core.db);
  return editorPage(req, reply, core, update, {
    values: valuesOf(update, timeZone),
    lists: { categoryIds: update.categoryIds.map(String), relatedActionIds: update.relatedActionIds.map(String) },
  });
}

/**
 * The editor's form, for a new update or an existing one: Preview re-renders it with the text rendered beside it
 * (nothing stored); Save, Publish now and Schedule store it. Everything is checked before anything is stored, so a
 * refused schedule or a missing permission leaves the update as it was.
 */
async function handleEditorForm(req: FastifyRequest, reply: FastifyReply, core: Core, update: UpdateForStaff | undefined) {
  const lists = { categoryIds: listOf(req.body, 'categoryIds'), relatedActionIds: listOf(req.body, 'relatedActionIds') };
  const again = (errors: Record<string, string> | undefined, previewHtml?: string, status = 422) =>
    editorPage(req, reply, core, update, { values: formValues(req.body), lists, errors, status, previewHtml });
  const form = parseForm(UpdateFormSchema, req.body);
  if (!form.ok) return again(form.errors);
  const f = form.data;
  if (f.intent === 'preview') return again(undefined, renderUpdateBody(f.body), 200);
  if ((f.intent === 'publish' || f.intent === 'schedule') && !req.viewer!.can('content:publish')) {
    throw new AppError(403, 'forbidden', 'Only owners and editors can publish or schedule updates.');
  }
  let at: number | null = null;
  if (f.intent === 'schedule') {
    at = f.publishAt ? await scheduledInstant(core.db, f.publishAt) : null;
    if (at === null) return again({ publishAt: 'Enter the date and time to publish it' });
    if (at <= Date.now()) return again({ publishAt: 'Choose a date and time in the future' });
  }
  const staff = staffOf(req);
  let id: number;
  try {
    if (update) {
      await saveUpdate(core, update.id, updateInputOf(f), staff);
      id = update.id;
    } else {
      id = (await createUpdate(core, updateInputOf(f), staff)).id;
    }
  } catch (e) {
    return again(refusedFields(e));
  }
  if (f.intent === 'publish') await publishUpdate(core, id, staff);
  if (f.intent === 'schedule' && at !== null) await scheduleUpdate(core, id, at, staff);
  const done = { save: update ? 'saved' : 'created', publish: 'published', schedule: 'scheduled' }[f.intent];
  return reply.redirect(`/admin/content/updates/${id}?done=${done}`, 303);
}

async function createUpdateFromForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return handleEditorForm(req, reply, core, undefined);
}

async function saveUpdateFromForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return handleEditorForm(req, reply, core, await requireUpdate(core, idOf(req)));
}

async function unpublishFromForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const update = await requireUpdate(core, idOf(req));
  await unpublishUpdate(core, update.id, staffOf(req));
  return reply.redirect(`/admin/content/updates/${update.id}?done=unpublished`, 303);
}

async function makePreviewLinkFromForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const update = await requireUpdate(core, idOf(req));
  await makePreviewLink(core, update.id, staffOf(req));
  return reply.redirect(`/admin/content/updates/${update.id}?done=preview-link`, 303);
}

async function revokePreviewLinkFromForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const update = await requireUpdate(core, idOf(req));
  await revokePreviewLink(core, update.id, staffOf(req));
  return reply.redirect(`/admin/content/updates/${update.id}?done=preview-revoked`, 303);
}

async function restoreRevisionFromForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const p = RevisionParams.safeParse(req.params);
  if (!p.success) throw new AppError(404, 'not_found', 'There is no such revision.');
  try {
    await restoreRevision(core, p.data.id, p.data.revisionId, staffOf(req));
  } catch (e) {
    if (e instanceof DomainError && e.code === 'not_found') throw new AppError(404, 'not_found', e.message);
    throw e;
  }
  return reply.redirect(`/admin/content/updates/${p.data.id}?done=restored`, 303);
}

// ---- categories and tags ----

async function categoriesPage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  s: { values?: Record<string, string>; errors?: Record<string, string>; status?: number } = {},
) {
  const [categories, tags] = await Promise.all([listCategoriesForStaff(core.db), listTags(core.db)]);
  return reply.adminPage({
    title: 'Categories and tags',
    status: s.status ?? 200,
    body: (
      <CategoriesView
        csrf={req.csrfToken()}
        categories={categories}
        tags={tags}
        values={s.values ?? {}}
        errors={s.errors}
        notice={notice(req)}
      />
    ),
  });
}

async function showCategories(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return categoriesPage(req, reply, core);
}

async function createCategoryFromForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const form = parseForm(CategoryFormSchema, req.body);
  if (!form.ok) return categoriesPage(req, reply, core, { values: form.values, errors: form.errors, status: 422 });
  try {
    await createCategory(core, form.data, staffOf(req));
  } catch (e) {
    return categoriesPage(req, reply, core, { values: formValues(req.body), errors: refusedFields(e), status: 422 });
  }
  return reply.redirect('/admin/content/categories?done=category', 303);
}

async function requireCategory(core: Core, id: number) {
  const c = (await listCategoriesForStaff(core.db)).find((x) => x.id === id);
  if (!c) throw new AppError(404, 'not_found', 'There is no such category.');
  return c;
}

async function showEditCategory(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const c = await requireCategory(core, idOf(req, 'category'));
  return reply.adminPage({
    title: `Edit: ${c.name}`,
    body: <CategoryEditView csrf={req.csrfToken()} category={c} values={{ name: c.name, slug: c.slug, description: c.description }} />,
  });
}

async function saveCategoryFromForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const c = await requireCategory(core, idOf(req, 'category'));
  const form = parseForm(CategoryFormSchema, req.body);
  const again = (errors: Record<string, string>) =>
    reply.adminPage({
      title: `Edit: ${c.name}`,
      status: 422,
      body: <CategoryEditView csrf={req.csrfToken()} category={c} values={formValues(req.body)} errors={errors} />,
    });
  if (!form.ok) return again(form.errors);
  try {
    await saveCategory(core, c.id, form.data, staffOf(req));
  } catch (e) {
    return again(refusedFields(e));
  }
  return reply.redirect('/admin/content/categories?done=category', 303);
}

async function deleteCategoryFromForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const c = await requireCategory(core, idOf(req, 'category'));
  try {
    await deleteCategory(core, c.id, staffOf(req));
  } catch (e) {
    if (e instanceof DomainError && e.code === 'conflict')
      return categoriesPage(req, reply, core, { errors: { _form: e.message }, status: 409 });
    throw e;
  }
  return reply.redirect('/admin/content/categories?done=category-deleted', 303);
}

async function mergeTagFromForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req, 'tag');
  const form = parseForm(TagMergeFormSchema, req.body);
  if (!form.ok) return categoriesPage(req, reply, core, { errors: { _form: 'Choose a tag to merge into.' }, status: 422 });
  try {
    await mergeTag(core, id, form.data.into, staffOf(req));
  } catch (e) {
    if (e instanceof DomainError && e.code === 'not_found') throw new AppError(404, 'not_found', e.message);
    return categoriesPage(req, reply, core, { errors: refusedFields(e), status: 422 });
  }
  return reply.redirect('/admin/content/categories?done=tag-merged', 303);
}

async function deleteTagFromForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  try {
    await deleteTag(core, idOf(req, 'tag'), staffOf(req));
  } catch (e) {
    if (e instanceof DomainError && e.code === 'not_found') throw new AppError(404, 'not_found', e.message);
    throw e;
  }
  return reply.redirect('/admin/content/categories?done=tag-deleted', 303);
}

// ---- content warning reasons ----

async function warningsPage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  s: { values?: Record<string, string>; errors?: Record<string, string>; status?: number } = {},
) {
  const reasons = await listWarningReasons(core.db);
  return reply.adminPage({
    title: 'Content warnings',
    status: s.status ?? 200,
    body: <WarningsView csrf={req.csrfToken()} reasons={reasons} values={s.values ?? {}} errors={s.errors} notice={notice(req)} />,
  });
}

async function showWarnings(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return warningsPage(req, reply, core);
}

async function addReasonFromForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const form = parseForm(WarningReasonFormSchema, req.body);
  if (!form.ok) return warningsPage(req, reply, core, { values: form.values, errors: form.errors, status: 422 });
  await addWarningReason(core, form.data.label, staffOf(req));
  return reply.redirect('/admin/content/warnings?done=reason', 303);
}

/** Runs a change to one reason; a reason that does not exist is a 404. */
async function changeReason(reply: FastifyReply, change: () => Promise<void>) {
  try {
    await change();
  } catch (e) {
    if (e instanceof DomainError && e.code === 'not_found') throw new AppError(404, 'not_found', e.message);
    throw e;
  }
  return reply.redirect('/admin/content/warnings?done=reason', 303);
}

async function renameReasonFromForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req, 'reason');
  const form = parseForm(WarningReasonFormSchema, req.body);
  if (!form.ok) return warningsPage(req, reply, core, { errors: { label: form.errors.label ?? 'Enter the reason' }, status: 422 });
  return changeReason(reply, () => renameWarningReason(core, id, form.data.label, staffOf(req)));
}

async function moveReasonFromForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req, 'reason');
  const form = parseForm(ReasonMoveFormSchema, req.body);
  if (!form.ok) return warningsPage(req, reply, core, { errors: { _form: 'Choose up or down.' }, status: 422 });
  return changeReason(reply, () => moveWarningReason(core, id, form.data.direction, staffOf(req)));
}

async function retireReasonFromForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req, 'reason');
  const form = parseForm(ReasonRetireFormSchema, req.body);
  if (!form.ok) return warningsPage(req, reply, core, { errors: { _form: 'Choose whether to retire the reason.' }, status: 422 });
  return changeReason(reply, () => retireWarningReason(core, id, form.data.retired, staffOf(req)));
}
