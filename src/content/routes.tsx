import type { Capability } from '../core/context.js';
import { getSiteSettings } from '../core/settings.js';
import { AppError } from '../core/web/errors.js';
import { signupBlockData } from '../supporters/service.js';
import { getPublishedPage } from './service.js';
import { DataSourcesView, HomeView, PageView } from './views.js';

const notFound = () => new AppError(404, 'not_found', 'We could not find that page. It may have moved, or the link may be mistyped.');

export const contentCapability: Capability = {
  name: 'content',
  nav: [{ href: '/', label: 'Home' }],
  routes(app, core) {
    const { db } = core;
    app.get('/', async (_req, reply) => {
      const page = await getPublishedPage(db, 'home');
      if (!page) throw notFound();
      const [site, signup] = await Promise.all([getSiteSettings(db), signupBlockData(core)]);
      return reply.page({
        title: site.orgName,
        description: page.summary,
        body: <HomeView page={page} tagline={site.tagline} signupLists={signup.lists} />,
        // The sign-up block carries no per-visitor token, so the page stays cacheable; its lists are in the key.
        cacheKey: `home ${page.updatedAt} ${signup.cacheKey}`,
      });
    });

    app.get('/privacy', async (_req, reply) => {
      const page = await getPublishedPage(db, 'privacy');
      if (!page) throw notFound();
      return reply.page({
        title: page.title,
        description: page.summary,
        body: <PageView page={page} />,
        cacheKey: `privacy ${page.updatedAt}`,
      });
    });

    app.get('/data-sources', async (_req, reply) =>
      reply.page({ title: 'Data sources and attributions', body: <DataSourcesView />, cacheKey: 'data-sources' }),
    );
  },
};
