import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Core } from '../core/context.js';
import { getSiteSettings } from '../core/settings.js';
import { AppError, DomainError } from '../core/web/errors.js';
import { formValues, parseForm } from '../core/web/forms.js';
import { refusedFields } from '../core/web/public-forms.js';
import { can, get, post, type Handler, type RouteTable } from '../core/web/routes.js';
import { signupBlockData } from '../supporters/service.js';
import { ActionAdminView } from './action-page-views.js';
import { ActionFormView, ActionListView, ChooseKindView } from './admin-views.js';
import { CampaignEditView, CampaignListView } from './campaign-views.js';
import { actionPage as publicActionPage } from './routes.js';
import {
  ActionFormSchema,
  actionCountsByDay,
  ActionUpdateFormSchema,
  CampaignFormSchema,
  changeActionStatus,
  createAction,
  createCampaign,
  getActionTargets,
  getActionUpdates,
  getCampaign,
  getCampaigns,
  KindChoiceSchema,
  kindModule,
  listActionsForStaff,
  parseKindSettings,
  parseTargets,
  postActionUpdate,
  removeActionUpdate,
  requireAction,
  setActionTargets,
  updateAction,
  updateCampaign,
  type Action,
  type Kinds,
  type StatusChange,
} from './service.js';

// The staff side of actions: the list, creating (kind first, then the form) and editing, opening and closing,
// numbers over time, updates (delivery record, response, news), targets, and campaigns. Permissions beside each route.

const EDIT = can('actions:edit');

/** The frame's admin routes, for these kinds. */
export function frameAdminRoutes(kinds: Kinds): RouteTable {
  const k =
    (h: KindsHandler): Handler =>
    (req, reply, core) =>
      h(kinds, req, reply, core);
  return [
    get('/admin/actions', EDIT, k(listActions)),
    get('/admin/actions/new', EDIT, k(showNewAction)),
    post('/admin/actions', EDIT, k(createActionFromForm)),
    get('/admin/actions/:id', EDIT, k(showActionAdmin)),
    get('/admin/actions/:id/edit', EDIT, k(showEditAction)),
    get('/admin/actions/:id/preview', EDIT, k(showPreview)),
    post('/admin/actions/:id/edit', EDIT, k(saveAction)),
    post('/admin/actions/:id/open', EDIT, k(changeStatus('open'))),
    post('/admin/actions/:id/close', EDIT, k(changeStatus('close'))),
    post('/admin/actions/:id/reopen', EDIT, k(changeStatus('reopen'))),
    post('/admin/actions/:id/unpublish', EDIT, k(changeStatus('unpublish'))),
    post('/admin/actions/:id/updates', EDIT, k(postUpdate)),
    post('/admin/actions/:id/updates/:updateId/delete', EDIT, deleteUpdate),
    post('/admin/actions/:id/targets', EDIT, k(saveTargets)),
    get('/admin/campaigns', EDIT, showCampaigns),
    post('/admin/campaigns', EDIT, createCampaignFromForm),
    get('/admin/campaigns/:id', EDIT, showEditCampaign),
    post('/admin/campaigns/:id', EDIT, saveCampaign),
  ];
}

/** A handler that is also given the kinds of action. */
type KindsHandler = (kinds: Kinds, req: FastifyRequest, reply: FastifyReply, core: Core) => unknown;

const IdParams = z.object({
  id: z
    .string()
    .regex(/^\d{1,12}$/)
    .transform(Number),
});
const UpdateParams = z.object({
  id: z
    .string()
    .regex(/^\d{1,12}$/)
    .transform(Number),
  updateId: z
    .string()
    .regex(/^\d{1,12}$/)
    .transform(Number),
});

const NOTICES: Record<string, string> = {
  created: 'The action was saved as a draft. Open it when it is ready.',
  saved: 'Your changes were saved.',
  open: 'The action is open to supporters.',
  close: 'The action is closed.',
  reopen: 'The action is open again.',
  unpublish: 'The action is back to draft.',
  update: 'The update was posted.',
  'update-deleted': 'The update was deleted.',
  targets: 'The targets were saved.',
  campaign: 'The campaign was saved.',
};

const idOf = (req: FastifyRequest) => {
  const p = IdParams.safeParse(req.params);
  if (!p.success) throw new AppError(404, 'not_found', 'There is no such action.');
  return p.data.id;
};

/** A refusal of a state change, as a message on the action's page. */
function refusedChange(err: unknown): Record<string, string> {
  if (err instanceof DomainError && (err.code === 'conflict' || err.code === 'invalid')) return { _form: err.message };
  throw err;
}

function valuesOf(kinds: Kinds, a: Action): Record<string, string> {
  const kind = kindModule(kinds, a.kind);
  return {
    campaignId: a.campaignId === null ? '' : String(a.campaignId),
    title: a.title,
    slug: a.slug,
    summary: a.summary,
    body: a.body,
    thankYou: a.thankYou,
    result: a.result,
    deadline: a.deadline ?? '',
    goal: a.goal === null ? '' : String(a.goal),
    newsletterListId: a.newsletterListId === null ? '' : String(a.newsletterListId),
    nextActionId: a.nextActionId === null ? '' : String(a.nextActionId),
    ...kind.settingsToValues(a.settings),
  };
}

const notice = (req: FastifyRequest) => NOTICES[formValues(req.query).done ?? ''];

const noSuchAction = () => new AppError(404, 'not_found', 'There is no such action.');

async function formPage(
  kinds: Kinds,
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  o: { kind: Action['kind']; action?: Action; values: Record<string, string>; errors?: Record<string, string>; status?: number },
) {
  const { db } = core;
  const module = kindModule(kinds, o.kind);
  const [campaigns, lists, all, site] = await Promise.all([
    getCampaigns(db),
    signupBlockData(core),
    listActionsForStaff(db),
    getSiteSettings(db),
  ]);
  return reply.adminPage({
    title: o.action ? `Edit: ${o.action.title}` : `New action: ${module.label}`,
    status: o.status ?? 200,
    body: (
      <ActionFormView
        csrf={req.csrfToken()}
        formAction={o.action ? `/admin/actions/${o.action.id}` : '/admin/actions'}
        isNew={!o.action}
        kind={o.kind}
        kindLabel={module.label}
        campaigns={campaigns}
        lists={lists.lists.map((l) => ({ id: l.id, name: l.name }))}
        otherActions={all.filter((a) => a.id !== o.action?.id && a.status !== 'closed').map((a) => ({ id: a.id, title: a.title }))}
        values={o.values}
        errors={o.errors}
        kindFields={module.SettingsFields({ values: o.values, errors: o.errors })}
        timeZone={site.timeZone}
      />
    ),
  });
}

async function actionPage(
  kinds: Kinds,
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  id: number,
  o: { errors?: Record<string, string>; updateValues?: Record<string, string>; targetsValue?: string; status?: number } = {},
) {
  const { db } = core;
  const action = await requireAction(db, id).catch(() => {
    throw noSuchAction();
  });
  const module = kindModule(kinds, action.kind);
  const [campaign, days, updates, targets] = await Promise.all([
    action.campaignId === null ? undefined : getCampaign(db, { id: action.campaignId }),
    actionCountsByDay(db, action),
    getActionUpdates(db, action.id),
    action.kind === 'email_target' ? getActionTargets(db, action.id) : Promise.resolve(null),
  ]);
  const links = (module.adminLinks?.(action) ?? []).filter((l) => l.href.startsWith('/admin/'));
  return reply.adminPage({
    title: action.title,
    status: o.status ?? 200,
    body: (
      <ActionAdminView
        csrf={req.csrfToken()}
        action={action}
        campaign={campaign}
        kindLabel={module.label}
        noun={module.noun}
        days={days}
        updates={updates}
        targets={targets}
        links={links}
        canEdit={req.viewer!.can('actions:edit')}
        notice={notice(req)}
        errors={o.errors}
        updateValues={o.updateValues}
        {...(o.targetsValue !== undefined ? { targetsValue: o.targetsValue } : {})}
      />
    ),
  });
}

async function listActions(kinds: Kinds, req: FastifyRequest, reply: FastifyReply, core: Core) {
  const actions = await listActionsForStaff(core.db);
  const kindLabels = Object.fromEntries(kinds.map((k) => [k.kind, k.label]));
  return reply.adminPage({
    title: 'Actions',
    body: <ActionListView actions={actions} kindLabels={kindLabels} canEdit={req.viewer!.can('actions:edit')} notice={notice(req)} />,
  });
}

async function showNewAction(kinds: Kinds, req: FastifyRequest, reply: FastifyReply, core: Core) {
  const q = formValues(req.query);
  const choice = KindChoiceSchema.safeParse(q);
  if (!choice.success) {
    const error = q.kind !== undefined ? 'Choose what supporters will do' : undefined;
    return reply.adminPage({
      title: 'Create an action',
      status: error ? 422 : 200,
      body: <ChooseKindView kinds={kinds.map((k) => ({ kind: k.kind, label: k.label }))} error={error} />,
    });
  }
  const module = kindModule(kinds, choice.data.kind);
  const campaigns = await getCampaigns(core.db);
  const defaults = module.settingsToValues(module.settingsSchema.parse({}));
  return formPage(kinds, req, reply, core, {
    kind: choice.data.kind,
    values: { campaignId: campaigns.length === 1 ? String(campaigns[0]!.id) : '', ...defaults },
  });
}

async function createActionFromForm(kinds: Kinds, req: FastifyRequest, reply: FastifyReply, core: Core) {
  const choice = KindChoiceSchema.safeParse(formValues(req.body));
  if (!choice.success) throw new AppError(422, 'invalid', 'Choose what supporters will do, then fill in the form.');
  const module = kindModule(kinds, choice.data.kind);
  const values = formValues(req.body);
  const form = parseForm(ActionFormSchema, req.body);
  let settings: Record<string, unknown> | undefined;
  let errors: Record<string, string> = form.ok ? {} : form.errors;
  try {
    settings = parseKindSettings(module, req.body);
  } catch (e) {
    errors = { ...errors, ...refusedFields(e) };
  }
  if (!form.ok || !settings) return formPage(kinds, req, reply, core, { kind: choice.data.kind, values, errors, status: 422 });
  try {
    const action = await createAction(core, req.viewer!.id, choice.data.kind, form.data, settings);
    return reply.redirect(`/admin/actions/${action.id}?done=created`, 303);
  } catch (e) {
    return formPage(kinds, req, reply, core, { kind: choice.data.kind, values, errors: refusedFields(e), status: 422 });
  }
}

async function showActionAdmin(kinds: Kinds, req: FastifyRequest, reply: FastifyReply, core: Core) {
  return actionPage(kinds, req, reply, core, idOf(req));
}

async function showEditAction(kinds: Kinds, req: FastifyRequest, reply: FastifyReply, core: Core) {
  const action = await requireAction(core.db, idOf(req)).catch(() => {
    throw noSuchAction();
  });
  return formPage(kinds, req, reply, core, { kind: action.kind, action, values: valuesOf(kinds, action) });
}

/** The public page of an action as it will look (or looks), for staff: drafts included, marked as a preview. */
async function showPreview(kinds: Kinds, req: FastifyRequest, reply: FastifyReply, core: Core) {
  const action = await requireAction(core.db, idOf(req)).catch(() => {
    throw noSuchAction();
  });
  // The public layout, so staff see the page as supporters will; the admin address keeps it uncached and private.
  return reply.page(await publicActionPage(kinds, core, action, { editHref: `/admin/actions/${action.id}` }));
}

async function saveAction(kinds: Kinds, req: FastifyRequest, reply: FastifyReply, core: Core) {
  const action = await requireAction(core.db, idOf(req)).catch(() => {
    throw noSuchAction();
  });
  const module = kindModule(kinds, action.kind);
  const values = { ...formValues(req.body), slug: action.slug };
  const form = parseForm(ActionFormSchema, { ...formValues(req.body), slug: action.slug });
  let settings: Record<string, unknown> | undefined;
  let errors: Record<string, string> = form.ok ? {} : form.errors;
  try {
    settings = parseKindSettings(module, req.body);
  } catch (e) {
    errors = { ...errors, ...refusedFields(e) };
  }
  if (!form.ok || !settings) return formPage(kinds, req, reply, core, { kind: action.kind, action, values, errors, status: 422 });
  try {
    await updateAction(core, req.viewer!.id, action.id, form.data, settings);
    return reply.redirect(`/admin/actions/${action.id}?done=saved`, 303);
  } catch (e) {
    return formPage(kinds, req, reply, core, { kind: action.kind, action, values, errors: refusedFields(e), status: 422 });
  }
}

/** The handler for one state change (open, close, reopen, back to draft). */
function changeStatus(change: StatusChange): KindsHandler {
  return async function changeActionStatusFromForm(kinds, req, reply, core) {
    const id = idOf(req);
    try {
      await changeActionStatus(core, req.viewer!.id, id, change);
      return reply.redirect(`/admin/actions/${id}?done=${change}`, 303);
    } catch (e) {
      if (e instanceof DomainError && e.code === 'not_found') throw new AppError(404, 'not_found', e.message);
      return actionPage(kinds, req, reply, core, id, { errors: refusedChange(e), status: 409 });
    }
  };
}

async function postUpdate(kinds: Kinds, req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req);
  const form = parseForm(ActionUpdateFormSchema, req.body);
  if (!form.ok) return actionPage(kinds, req, reply, core, id, { errors: form.errors, updateValues: form.values, status: 422 });
  try {
    await postActionUpdate(core, req.viewer!.id, id, form.data);
    return reply.redirect(`/admin/actions/${id}?done=update`, 303);
  } catch (e) {
    if (e instanceof DomainError && e.code === 'not_found') throw new AppError(404, 'not_found', e.message);
    return actionPage(kinds, req, reply, core, id, { errors: refusedFields(e), updateValues: formValues(req.body), status: 422 });
  }
}

async function deleteUpdate(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const p = UpdateParams.safeParse(req.params);
  if (!p.success) throw new AppError(404, 'not_found', 'There is no such update.');
  if (!(await removeActionUpdate(core, req.viewer!.id, p.data.id, p.data.updateId)))
    throw new AppError(404, 'not_found', 'There is no such update.');
  return reply.redirect(`/admin/actions/${p.data.id}?done=update-deleted`, 303);
}

async function saveTargets(kinds: Kinds, req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req);
  const raw = formValues(req.body).targets ?? '';
  try {
    await setActionTargets(core, req.viewer!.id, id, parseTargets(raw.slice(0, 100_000)));
    return reply.redirect(`/admin/actions/${id}?done=targets`, 303);
  } catch (e) {
    if (e instanceof DomainError && e.code === 'not_found') throw new AppError(404, 'not_found', e.message);
    if (e instanceof DomainError && e.code === 'conflict') throw new AppError(409, 'conflict', e.message);
    return actionPage(kinds, req, reply, core, id, { errors: refusedFields(e), targetsValue: raw.slice(0, 100_000), status: 422 });
  }
}

// ---- campaigns ----

async function campaignsPage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  o: { values?: Record<string, string>; errors?: Record<string, string>; status?: number } = {},
) {
  return reply.adminPage({
    title: 'Campaigns',
    status: o.status ?? 200,
    body: (
      <CampaignListView
        csrf={req.csrfToken()}
        campaigns={await getCampaigns(core.db)}
        values={o.values ?? {}}
        errors={o.errors}
        notice={notice(req)}
        canEdit={req.viewer!.can('actions:edit')}
      />
    ),
  });
}

async function showCampaigns(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return campaignsPage(req, reply, core);
}

async function createCampaignFromForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const form = parseForm(CampaignFormSchema, req.body);
  if (!form.ok) return campaignsPage(req, reply, core, { values: form.values, errors: form.errors, status: 422 });
  try {
    await createCampaign(core, req.viewer!.id, form.data);
    return reply.redirect('/admin/campaigns?done=campaign', 303);
  } catch (e) {
    return campaignsPage(req, reply, core, { values: formValues(req.body), errors: refusedFields(e), status: 422 });
  }
}

async function showEditCampaign(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const campaign = await getCampaign(core.db, { id: idOf(req) });
  if (!campaign) throw new AppError(404, 'not_found', 'There is no such campaign.');
  return reply.adminPage({
    title: `Edit: ${campaign.title}`,
    body: <CampaignEditView csrf={req.csrfToken()} campaign={campaign} values={{ title: campaign.title, summary: campaign.summary }} />,
  });
}

async function saveCampaign(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const campaign = await getCampaign(core.db, { id: idOf(req) });
  if (!campaign) throw new AppError(404, 'not_found', 'There is no such campaign.');
  const form = parseForm(CampaignFormSchema.pick({ title: true, summary: true }), req.body);
  if (!form.ok) {
    return reply.adminPage({
      title: `Edit: ${campaign.title}`,
      status: 422,
      body: <CampaignEditView csrf={req.csrfToken()} campaign={campaign} values={form.values} errors={form.errors} />,
    });
  }
  await updateCampaign(core, req.viewer!.id, campaign.id, form.data);
  return reply.redirect('/admin/campaigns?done=campaign', 303);
}
