import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../core/context.js';
import { getSiteSettings } from '../core/settings.js';
import { AppError } from '../core/web/errors.js';
import { anyone, get, type RouteTable } from '../core/web/routes.js';
import { signupBlockData } from '../supporters/service.js';
import { siteFeedHead } from './feeds/service.js';
import { getPublishedPage } from './service.js';
import { DataSourcesView, HomeView, PageView } from './views.js';

// The public pages: the home page, the privacy page and the open data's attributions.

export const publicRoutes: RouteTable = [
  get('/', anyone, showHome),
  get('/privacy', anyone, showPrivacy),
  get('/data-sources', anyone, showDataSources),
];

const notFound = () => new AppError(404, 'not_found', 'We could not find that page. It may have moved, or the link may be mistyped.');

async function showHome(_req: FastifyRequest, reply: FastifyReply, core: Core) {
  const page = await getPublishedPage(core.db, 'home');
  if (!page) throw notFound();
  const [site, signup] = await Promise.all([getSiteSettings(core.db), signupBlockData(core)]);
  return reply.page({
    title: site.orgName,
    description: page.summary,
    head: siteFeedHead(core, site.orgName), // feeds
    body: <HomeView page={page} tagline={site.tagline} signupLists={signup.lists} />,
    // The sign-up block carries no per-visitor token, so the page stays cacheable; its lists are in the key.
    cacheKey: `home ${page.updatedAt} ${signup.cacheKey}`,
  });
}

async function showPrivacy(_req: FastifyRequest, reply: FastifyReply, core: Core) {
  const page = await getPublishedPage(core.db, 'privacy');
  if (!page) throw notFound();
  return reply.page({
    title: page.title,
    description: page.summary,
    body: <PageView page={page} />,
    cacheKey: `privacy ${page.updatedAt}`,
  });
}

async function showDataSources(_req: FastifyRequest, reply: FastifyReply) {
  return reply.page({ title: 'Data sources and attributions', body: <DataSourcesView />, cacheKey: 'data-sources' });
}
