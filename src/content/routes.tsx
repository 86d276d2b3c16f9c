import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../core/context.js';
import { getSiteSettings } from '../core/settings.js';
import { AppError } from '../core/web/errors.js';
import { z } from 'zod';
import { renderMarkdown } from '../core/markdown.js';
import { formValues, multilineText, optionalText, parseForm, text } from '../core/web/forms.js';
import { refusedFields } from '../core/web/public-forms.js';
import { anyone, can, get, post, type RouteTable } from '../core/web/routes.js';
import { shareTags } from '../core/web/share.js';
import { FIXED_PAGES, getPageForStaff, getPublishedPage, listPagesForStaff, pageUrl, savePage } from './service.js';
import { DataSourcesView, PageFormView, PagesAdminView, PageView, PrivacyView } from './views.js';

// The public pages: the home page, the privacy page and the open data's attributions.

export const publicRoutes: RouteTable = [
  get('/privacy', anyone, showPrivacy),
  get('/data-sources', anyone, showDataSources),
  get('/about', anyone, showAbout),
  // Any other page staff add lives at the top level, as on the sites charities move from; it never shadows a route.
  get('/:slug', anyone, showPage),
];

export const adminRoutes: RouteTable = [
  get('/admin/content/pages', can('content:edit'), showPages),
  get('/admin/content/pages/new', can('content:edit'), showNewPage),
  post('/admin/content/pages', can('content:publish'), savePageFromForm),
  get('/admin/content/pages/:slug', can('content:edit'), showPageForm),
];

const notFound = () => new AppError(404, 'not_found', 'We could not find that page. It may have moved, or the link may be mistyped.');

async function showPrivacy(_req: FastifyRequest, reply: FastifyReply, core: Core) {
  const [page, site] = await Promise.all([getPublishedPage(core.db, 'privacy'), getSiteSettings(core.db)]);
  if (!page) throw notFound();
  // Who is responsible for the information comes from the organisation's settings (a change there shows at once).
  return reply.page({
    title: page.title,
    description: page.summary,
    body: <PrivacyView page={page} site={site} />,
    cacheKey: `privacy ${page.updatedAt}`,
  });
}

async function showStaticPage(slug: string, reply: FastifyReply, core: Core) {
  const page = await getPublishedPage(core.db, slug);
  if (!page) throw notFound();
  const site = await getSiteSettings(core.db);
  const url = `${core.config.baseUrl}${pageUrl(slug)}`;
  return reply.page({
    title: page.title,
    description: page.summary,
    head: shareTags({ url, title: page.title, description: page.summary, siteName: site.orgName }),
    body: <PageView page={page} />,
    cacheKey: `page ${slug} ${page.updatedAt}`,
  });
}

async function showAbout(_req: FastifyRequest, reply: FastifyReply, core: Core) {
  return showStaticPage('about', reply, core);
}

const SlugParams = z.object({
  slug: z
    .string()
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/)
    .max(80),
});

async function showPage(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const p = SlugParams.safeParse(req.params);
  // The fixed pages have their own addresses: /home is not a second home page.
  if (!p.success || FIXED_PAGES[p.data.slug] !== undefined) throw notFound();
  return showStaticPage(p.data.slug, reply, core);
}

// ---- staff: pages ----

/** The first parts of every address the site answers (a new page may not take one). */
function takenFirstParts(req: FastifyRequest): Set<string> {
  return new Set(req.server.routeTable.map((r) => r.url.split('/')[1] ?? '').filter((x) => x !== '' && !x.startsWith(':')));
}

async function showPages(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const done = (req.query as Record<string, unknown> | undefined)?.done;
  return reply.adminPage({
    title: 'Pages',
    body: <PagesAdminView pages={await listPagesForStaff(core.db)} notice={done === 'saved' ? 'The page is saved.' : undefined} />,
  });
}

const PageForm = z.object({
  slug: z.string().trim().toLowerCase().max(80, 'Keep the address ending under 80 characters'),
  title: text('a title', { max: 200 }),
  summary: optionalText('the summary', { max: 300 }).transform((s) => s ?? ''),
  body: multilineText('the text', { max: 200_000 }),
  published: z.preprocess((v) => v === 'on', z.boolean()),
  navPosition: z.preprocess(
    (v) => (v === '' || v === undefined ? undefined : v),
    z.coerce.number().int('Enter a whole number').min(1, 'Enter 1 or more').max(99, 'Enter 99 or less').optional(),
  ),
  isNew: z.preprocess((v) => v === '1', z.boolean()),
  intent: z.enum(['save', 'preview']).catch('save'),
});

function pageFormPage(
  req: FastifyRequest,
  reply: FastifyReply,
  o: { values: Record<string, string>; isNew: boolean; errors?: Record<string, string>; preview?: string },
) {
  return reply.adminPage({
    title: o.isNew ? 'New page' : `Page: ${o.values.title ?? ''}`,
    status: o.errors ? 422 : 200,
    body: (
      <PageFormView
        csrf={req.csrfToken()}
        values={o.values}
        isNew={o.isNew}
        errors={o.errors}
        preview={o.preview}
        canPublish={req.viewer!.can('content:publish')}
      />
    ),
  });
}

async function showNewPage(req: FastifyRequest, reply: FastifyReply) {
  return pageFormPage(req, reply, { values: { published: 'on' }, isNew: true });
}

async function showPageForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const slug = (req.params as Record<string, string>).slug ?? '';
  const page = await getPageForStaff(core.db, slug);
  if (!page) throw new AppError(404, 'not_found', 'There is no such page.');
  return pageFormPage(req, reply, {
    values: {
      slug: page.slug,
      title: page.title,
      summary: page.summary,
      body: page.body,
      published: page.published ? 'on' : '',
      navPosition: page.navPosition === null ? '' : String(page.navPosition),
    },
    isNew: false,
  });
}

async function savePageFromForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const values = formValues(req.body);
  const isNew = values.isNew === '1';
  const form = parseForm(PageForm, req.body);
  if (!form.ok) return pageFormPage(req, reply, { values, isNew, errors: form.errors });
  if (form.data.intent === 'preview') return pageFormPage(req, reply, { values, isNew, preview: renderMarkdown(form.data.body) });
  try {
    await savePage(
      core,
      { ...form.data, navPosition: form.data.navPosition ?? null },
      { staffId: req.viewer!.id, taken: takenFirstParts(req), isNew },
    );
  } catch (err) {
    return pageFormPage(req, reply, { values, isNew, errors: refusedFields(err) });
  }
  return reply.redirect('/admin/content/pages?done=saved', 303);
}

async function showDataSources(_req: FastifyRequest, reply: FastifyReply) {
  return reply.page({ title: 'Data sources and attributions', body: <DataSourcesView />, cacheKey: 'data-sources' });
}
