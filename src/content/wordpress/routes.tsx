import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Core } from '../../core/context.js';
import { getSiteSettings } from '../../core/settings.js';
import { can, get, type RouteTable } from '../../core/web/routes.js';
import { getWordPressOverview } from './service.js';
import { WordPressView } from './views.js';

// The admin page of the WordPress import: what the last import did, and the files staff still have to fetch from
// the old site by hand. The import itself is run from the command line (`lantern import wordpress FILE.xml`).

export const adminRoutes: RouteTable = [get('/admin/content/wordpress', can('content:edit'), showWordPressImport)];

const PageQuery = z.object({ page: z.coerce.number().int().min(1).max(100_000).catch(1) });

async function showWordPressImport(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const { page } = PageQuery.catch({ page: 1 }).parse(req.query ?? {});
  const [overview, site] = await Promise.all([getWordPressOverview(core.db, page), getSiteSettings(core.db)]);
  return reply.adminPage({
    title: 'Moving in from WordPress',
    body: <WordPressView {...overview} page={Math.min(page, overview.pages)} timeZone={site.timeZone} />,
  });
}
