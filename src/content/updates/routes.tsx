import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Core } from '../../core/context.js';
import { getSiteSettings } from '../../core/settings.js';
import { AppError } from '../../core/web/errors.js';
import type { PageOptions } from '../../core/web/app.js';
import { mergeHead, shareTags } from '../../core/web/share.js';
import { anyone, get, type RouteTable } from '../../core/web/routes.js';
import {
  getCategoryBySlug,
  getPublishedUpdate,
  getUpdateByPreviewToken,
  featuredImages,
  isSlug,
  keptForAMoment,
  listPublishedUpdates,
  relatedActions,
  updatesCacheKey,
  UPDATES_PER_PAGE,
} from './service.js';
import { categoryFeedHead, siteFeedHead } from '../feeds/service.js';
import { CategoryView, pageHref, UpdatePageView, UpdatesListView } from './views.js';

// The public pages of updates: every update (newest first, a page at a time), one update, one category's updates,
// and the private preview of a draft. Drafts and scheduled updates are not found at their address.

export { adminRoutes } from './admin-routes.js';

export const publicRoutes: RouteTable = [
  get('/updates', anyone, showUpdates),
  get('/updates/preview/:token', anyone, showPreview),
  get('/updates/:slug', anyone, showUpdate),
  get('/categories/:slug', anyone, showCategory),
];

const notFound = () => new AppError(404, 'not_found', 'We could not find that update. It may have moved, or the link may be mistyped.');

// A page number outside what exists is "not found", so no crawler walks an endless list of empty pages.
const PageQuery = z.object({ page: z.coerce.number().int().min(1).max(100_000).catch(0).default(1) });
const SlugParams = z.object({ slug: z.string().max(200) });
const TokenParams = z.object({ token: z.string().max(200) });

const publicUrl = (core: Core, path: string) => `${core.config.baseUrl}${path}`;

/** Canonical and Open Graph (core's share tags), and the previous and next pages of a list, for the page's head. */
function headTags(
  core: Core,
  o: { path: string; title: string; description: string; siteName: string; prev?: string; next?: string },
): NonNullable<PageOptions['head']> {
  return mergeHead(shareTags({ url: publicUrl(core, o.path), title: o.title, description: o.description, siteName: o.siteName }), {
    links: [
      ...(o.prev ? [{ rel: 'prev', href: publicUrl(core, o.prev) }] : []),
      ...(o.next ? [{ rel: 'next', href: publicUrl(core, o.next) }] : []),
    ],
  });
}

function pageOf(req: FastifyRequest): number {
  const { page } = PageQuery.parse(req.query ?? {});
  if (page < 1) throw notFound();
  return page;
}

function pagesOf(total: number, page: number): number {
  const pages = Math.max(1, Math.ceil(total / UPDATES_PER_PAGE));
  if (page > pages) throw notFound();
  return pages;
}

async function showUpdates(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const page = pageOf(req);
  const [site, { list, version, images }] = await Promise.all([
    getSiteSettings(core.db),
    keptForAMoment(core.db, `updates ${page}`, async () => {
      const [list, version] = await Promise.all([listPublishedUpdates(core.db, { page }), updatesCacheKey(core.db)]);
      return { list, version, images: await featuredImages(core, list.items) };
    }),
  ]);
  const pages = pagesOf(list.total, page);
  const title = page > 1 ? `Updates, page ${page}` : 'Updates';
  return reply.page({
    title,
    description: `News from ${site.orgName}.`,
    head: mergeHead(
      headTags(core, {
        path: pageHref('/updates', page),
        title,
        description: `News from ${site.orgName}.`,
        siteName: site.orgName,
        ...(page > 1 ? { prev: pageHref('/updates', page - 1) } : {}),
        ...(page < pages ? { next: pageHref('/updates', page + 1) } : {}),
      }),
      siteFeedHead(core, site.orgName), // feeds
    ),
    body: (
      <UpdatesListView
        heading="Updates"
        items={list.items}
        page={page}
        pages={pages}
        base="/updates"
        timeZone={site.timeZone}
        images={images}
      />
    ),
    cacheKey: `updates ${page} ${version}`,
  });
}

async function showUpdate(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const { slug } = SlugParams.parse(req.params);
  if (!isSlug(slug)) throw notFound();
  const shown = await keptForAMoment(core.db, `update ${slug}`, async () => {
    const update = await getPublishedUpdate(core.db, slug);
    if (!update) return undefined;
    const [actions, version, images] = await Promise.all([
      relatedActions(core.db, update),
      updatesCacheKey(core.db),
      featuredImages(core, [update]),
    ]);
    return { update, actions, version, image: update.featuredImageId === null ? undefined : images.get(update.featuredImageId) };
  });
  if (!shown) throw notFound();
  const { update, actions, version, image } = shown;
  const site = await getSiteSettings(core.db);
  return reply.page({
    title: update.title,
    description: update.excerpt,
    head: headTags(core, { path: update.url, title: update.title, description: update.excerpt, siteName: site.orgName }),
    body: () => (
      <UpdatePageView update={update} timeZone={site.timeZone} actions={actions} shareUrl={publicUrl(core, update.url)} image={image} />
    ),
    // The related actions' counters and states change without the update changing, so they are in the key.
    cacheKey: `update ${version} ${actions.map((a) => `${a.id}:${a.count}:${a.open ? 1 : 0}`).join(',')}`,
  });
}

async function showPreview(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const { token } = TokenParams.parse(req.params);
  const update = await getUpdateByPreviewToken(core, token);
  if (!update) throw new AppError(404, 'not_found', 'This preview link does not work: it may have expired or been replaced.');
  const [site, actions, images] = await Promise.all([
    getSiteSettings(core.db),
    relatedActions(core.db, update),
    featuredImages(core, [update]),
  ]);
  // A private link: never cached, never indexed, never a document shared between visitors.
  reply.header('cache-control', 'no-store').header('x-robots-tag', 'noindex');
  return reply.page({
    title: `Preview: ${update.title}`,
    head: { meta: [{ name: 'robots', content: 'noindex, nofollow' }] },
    body: (
      <UpdatePageView
        update={update}
        timeZone={site.timeZone}
        actions={actions}
        preview={{ status: update.status }}
        image={update.featuredImageId === null ? undefined : images.get(update.featuredImageId)}
      />
    ),
  });
}

async function showCategory(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const { slug } = SlugParams.parse(req.params);
  if (!isSlug(slug)) throw notFound();
  const page = pageOf(req);
  const shown = await keptForAMoment(core.db, `category ${slug} ${page}`, async () => {
    const category = await getCategoryBySlug(core.db, slug);
    if (!category) return undefined;
    const [list, version] = await Promise.all([listPublishedUpdates(core.db, { categoryId: category.id, page }), updatesCacheKey(core.db)]);
    return { category, list, version, images: await featuredImages(core, list.items) };
  });
  if (!shown) throw notFound();
  const { category, list, version, images } = shown;
  const site = await getSiteSettings(core.db);
  const pages = pagesOf(list.total, page);
  const title = page > 1 ? `${category.name}, page ${page}` : category.name;
  const description = category.description || `Updates about ${category.name}.`;
  return reply.page({
    title,
    description,
    head: mergeHead(
      headTags(core, {
        path: pageHref(category.url, page),
        title,
        description,
        siteName: site.orgName,
        ...(page > 1 ? { prev: pageHref(category.url, page - 1) } : {}),
        ...(page < pages ? { next: pageHref(category.url, page + 1) } : {}),
      }),
      categoryFeedHead(core, category), // feeds
    ),
    body: <CategoryView category={category} items={list.items} page={page} pages={pages} timeZone={site.timeZone} images={images} />,
    cacheKey: `category ${category.id} ${page} ${version}`,
  });
}
