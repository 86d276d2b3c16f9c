import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { getCampaign, getCampaigns } from '../../actions/service.js';
import type { Core } from '../../core/context.js';
import { getSiteSettings } from '../../core/settings.js';
import { AppError } from '../../core/web/errors.js';
import { formValues, optionalMultilineText, optionalText, parseForm, text } from '../../core/web/forms.js';
import { refusedFields } from '../../core/web/public-forms.js';
import { anyone, can, get, post, type RouteTable } from '../../core/web/routes.js';
import { shareTags } from '../../core/web/share.js';
import { registerMemoryUploadRoutes, type MemoryUpload } from '../../core/web/uploads.js';
import {
  createResource,
  deleteResource,
  downloadResource,
  getPublishedResource,
  getResourceForStaff,
  listPublishedResources,
  listResourcesForStaff,
  RESOURCE_TYPES,
  RESOURCE_UPLOAD_CEILING,
  RESOURCES_PER_PAGE,
  saveResource,
  setResourcePublished,
  type ResourceInput,
  type ResourceType,
} from './service.js';
import { ResourceAdminView, ResourcesAdminView, ResourcesView, ResourceView } from './views.js';

// The resources library: the public list with its filters, a resource's page and its download; and the staff pages.

export const publicRoutes: RouteTable = [
  get('/resources', anyone, showResources),
  get('/resources/:slug', anyone, showResource),
  get('/resources/:slug/download', anyone, sendResourceFile, {
    config: { rateLimit: { max: 120, timeWindow: '1 minute' }, exposure: 'download' },
  }),
];

export const adminRoutes: RouteTable = [
  get('/admin/content/resources', can('content:edit'), showResourcesForStaff),
  get('/admin/content/resources/:id', can('content:edit'), showResourceForStaff),
  post('/admin/content/resources/:id/publish', can('content:publish'), publish),
  post('/admin/content/resources/:id/unpublish', can('content:publish'), unpublish),
  post('/admin/content/resources/:id/delete', can('content:edit'), remove),
];

// The two forms that carry a file: multipart is accepted on these routes only.
const uploadRoutes: RouteTable = [
  post('/admin/content/resources', can('content:edit'), addResource),
  post('/admin/content/resources/:id', can('content:edit'), changeResource),
];

let uploadedFile: (req: FastifyRequest) => MemoryUpload | undefined = () => undefined;

/** Registers the upload routes in their own multipart scope (the file read into memory up to the ceiling; the organisation's limit is checked by the service). */
export async function setupResourceUploads(app: FastifyInstance, core: Core): Promise<void> {
  uploadedFile = await registerMemoryUploadRoutes(app, core, {
    routes: uploadRoutes,
    side: 'admin',
    field: 'file',
    maxBytes: RESOURCE_UPLOAD_CEILING,
    fields: 10,
    accept: (req) => Boolean(req.viewer),
  });
}

const notFound = () => new AppError(404, 'not_found', 'We could not find that resource. It may have moved, or the link may be mistyped.');
const SlugParams = z.object({ slug: z.string().max(200) });
const slugOf = (params: unknown) => {
  const p = SlugParams.safeParse(params);
  if (!p.success) throw notFound();
  return p.data.slug;
};

const ListQuery = z.object({
  type: z
    .enum(RESOURCE_TYPES as [ResourceType, ...ResourceType[]])
    .optional()
    .catch(undefined),
  campaign: z.string().max(200).optional().catch(undefined),
  year: z.coerce.number().int().min(1900).max(2999).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).catch(1).default(1),
});

async function showResources(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const q = ListQuery.parse(req.query ?? {});
  const [campaigns, site] = await Promise.all([getCampaigns(core.db), getSiteSettings(core.db)]);
  const campaign = q.campaign ? campaigns.find((c) => c.slug === q.campaign) : undefined;
  const list = await listPublishedResources(core.db, {
    type: q.type,
    campaignId: q.campaign ? (campaign?.id ?? -1) : undefined,
    year: q.year,
    page: q.page,
  });
  const pages = Math.max(1, Math.ceil(list.total / RESOURCES_PER_PAGE));
  if (q.page > pages) throw notFound();
  const href = (page: number) => {
    const params = new URLSearchParams();
    if (q.type) params.set('type', q.type);
    if (campaign) params.set('campaign', campaign.slug);
    if (q.year) params.set('year', String(q.year));
    if (page > 1) params.set('page', String(page));
    const s = params.toString();
    return s ? `/resources?${s}` : '/resources';
  };
  const filtered = Boolean(q.type || q.campaign || q.year || q.page > 1);
  return reply.page({
    title: 'Resources',
    description: `Briefing papers, resource packs and reports from ${site.orgName}.`,
    head: shareTags({
      url: `${core.config.baseUrl}/resources`,
      title: 'Resources',
      description: `Briefing papers and reports from ${site.orgName}.`,
      siteName: site.orgName,
    }),
    body: (
      <ResourcesView
        items={list.items}
        total={list.total}
        page={q.page}
        pages={pages}
        years={list.years}
        campaigns={campaigns}
        filter={{ type: q.type, campaign: campaign?.slug ?? q.campaign, year: q.year ? String(q.year) : undefined }}
        pageHref={href}
      />
    ),
    ...(filtered ? {} : { cacheKey: `resources ${list.total} ${list.items.map((r) => `${r.id}.${r.updatedAt}`).join(',')}` }),
  });
}

async function showResource(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const r = await getPublishedResource(core.db, slugOf(req.params));
  if (!r) throw notFound();
  const [campaign, site] = await Promise.all([
    r.campaignId === null ? undefined : getCampaign(core.db, { id: r.campaignId }),
    getSiteSettings(core.db),
  ]);
  const url = `${core.config.baseUrl}${r.url}`;
  return reply.page({
    title: r.title,
    description: r.summary,
    head: shareTags({ url, title: r.title, description: r.summary, siteName: site.orgName }),
    body: <ResourceView r={r} campaign={campaign} shareUrl={url} />,
    cacheKey: `resource ${r.id} ${r.updatedAt} ${campaign?.title ?? ''}`,
  });
}

async function sendResourceFile(req: FastifyRequest, reply: FastifyReply, core: Core) {
  // A <video> on a page fetches the file to show its first frame and length (and again to seek): a page view, not a
  // download, so not counted. Browsers say so in Sec-Fetch-Dest.
  const dest = req.headers['sec-fetch-dest'];
  const file = await downloadResource(core, slugOf(req.params), { count: dest !== 'video' && dest !== 'audio' });
  if (!file) throw notFound();
  // Always a download, never shown as a page: a file that is also HTML (a polyglot) cannot run here.
  return reply
    .header('content-type', file.contentType)
    .header('content-disposition', `attachment; filename="${file.fileName}"; filename*=UTF-8''${encodeURIComponent(file.fileName)}`)
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'public, max-age=300')
    .send(Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength));
}

// ---- staff ----

const ResourceForm = z.object({
  title: text('a title', { max: 200 }),
  summary: optionalMultilineText('the summary', { max: 1000 }).transform((s) => s ?? ''),
  type: z.enum(RESOURCE_TYPES as [ResourceType, ...ResourceType[]], { error: 'Choose a type from the list' }),
  publishedOn: optionalText('the date', { max: 10 }),
  campaignId: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(/^\d{1,12}$/, 'Choose a campaign from the list')
      .transform(Number)
      .optional(),
  ),
  slug: optionalText('the web address ending', { max: 100 }).transform((s) => s?.toLowerCase()),
});

const inputOf = (f: z.output<typeof ResourceForm>): ResourceInput => ({
  title: f.title,
  summary: f.summary,
  type: f.type,
  publishedOn: f.publishedOn,
  campaignId: f.campaignId ?? null,
  slug: f.slug,
});

const IdParams = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
const idOf = (params: unknown) => {
  const p = IdParams.safeParse(params);
  if (!p.success) throw new AppError(404, 'not_found', 'There is no such resource.');
  return p.data.id;
};

const NOTICES: Record<string, string> = {
  added: 'The resource is added as a draft. Publish it when it is ready.',
  saved: 'The resource is saved.',
  published: 'The resource is on the website.',
  unpublished: 'The resource is off the website.',
  deleted: 'The resource is deleted.',
};
const noticeOf = (req: FastifyRequest) => {
  const done = (req.query as Record<string, unknown> | undefined)?.done;
  return typeof done === 'string' ? NOTICES[done] : undefined;
};

async function listPage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  o: { values?: Record<string, string>; errors?: Record<string, string> } = {},
) {
  const [list, campaigns, site] = await Promise.all([
    listResourcesForStaff(core, { page: 1, perPage: 200 }),
    getCampaigns(core.db),
    getSiteSettings(core.db),
  ]);
  return reply.adminPage({
    title: 'Resources',
    status: o.errors ? 422 : 200,
    body: (
      <ResourcesAdminView
        csrf={req.csrfToken()}
        items={list.items}
        campaigns={campaigns}
        values={o.values ?? { type: 'briefing' }}
        errors={o.errors}
        notice={noticeOf(req)}
        maxMb={site.resourceMaxMb}
      />
    ),
  });
}

async function showResourcesForStaff(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return listPage(req, reply, core);
}

async function addResource(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const values = formValues(req.body);
  const form = parseForm(ResourceForm, req.body);
  if (!form.ok) return listPage(req, reply, core, { values, errors: form.errors });
  try {
    const made = await createResource(core, inputOf(form.data), uploadedFile(req), { id: req.viewer!.id });
    return reply.redirect(`/admin/content/resources/${made.id}?done=added`, 303);
  } catch (err) {
    return listPage(req, reply, core, { values, errors: refusedFields(err) });
  }
}

async function resourcePage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  id: number,
  o: { values?: Record<string, string>; errors?: Record<string, string> } = {},
) {
  const [r, campaigns, site] = await Promise.all([getResourceForStaff(core, id), getCampaigns(core.db), getSiteSettings(core.db)]);
  if (!r) throw new AppError(404, 'not_found', 'There is no such resource.');
  const values = o.values ?? {
    title: r.title,
    summary: r.summary,
    type: r.type,
    publishedOn: r.publishedOn,
    campaignId: r.campaignId === null ? '' : String(r.campaignId),
    slug: r.slug,
  };
  return reply.adminPage({
    title: r.title,
    status: o.errors ? 422 : 200,
    body: (
      <ResourceAdminView
        csrf={req.csrfToken()}
        r={r}
        campaigns={campaigns}
        values={values}
        errors={o.errors}
        notice={noticeOf(req)}
        maxMb={site.resourceMaxMb}
        canPublish={req.viewer!.can('content:publish')}
      />
    ),
  });
}

async function showResourceForStaff(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return resourcePage(req, reply, core, idOf(req.params));
}

async function changeResource(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req.params);
  const values = formValues(req.body);
  const form = parseForm(ResourceForm, req.body);
  if (!form.ok) return resourcePage(req, reply, core, id, { values, errors: form.errors });
  try {
    await saveResource(core, id, inputOf(form.data), uploadedFile(req), { id: req.viewer!.id });
  } catch (err) {
    return resourcePage(req, reply, core, id, { values, errors: refusedFields(err) });
  }
  return reply.redirect(`/admin/content/resources/${id}?done=saved`, 303);
}

async function publish(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req.params);
  await setResourcePublished(core, id, true, { id: req.viewer!.id });
  return reply.redirect(`/admin/content/resources/${id}?done=published`, 303);
}

async function unpublish(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req.params);
  await setResourcePublished(core, id, false, { id: req.viewer!.id });
  return reply.redirect(`/admin/content/resources/${id}?done=unpublished`, 303);
}

async function remove(req: FastifyRequest, reply: FastifyReply, core: Core) {
  await deleteResource(core, idOf(req.params), { id: req.viewer!.id });
  return reply.redirect('/admin/content/resources?done=deleted', 303);
}
