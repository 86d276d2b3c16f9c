import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Core } from '../../core/context.js';
import { AppError } from '../../core/web/errors.js';
import { anyone, get, type RouteTable } from '../../core/web/routes.js';
import { campaignFeed, categoryFeed, robotsTxt, siteFeed, sitemapDocument, type FeedDocument } from './service.js';

// The addresses of discovery: feeds, the sitemap and robots.txt. Each answers a document with a validator, so a feed
// reader polling every few minutes gets "not modified" (304) and no body until something changes.

export const publicRoutes: RouteTable = [
  get('/feed.xml', anyone, sendSiteFeed),
  get('/campaigns/:slug/feed.xml', anyone, sendCampaignFeed),
  get('/categories/:slug/feed.xml', anyone, sendCategoryFeed),
  get('/sitemap.xml', anyone, sendSitemap),
  get('/sitemaps/:part', anyone, sendSitemapPart),
  get('/robots.txt', anyone, sendRobots),
];

// Feed readers and search engines may keep a document five minutes; a change shows within that time.
const MAX_AGE = 300;

// Campaign and category slugs are lower-case ASCII words joined by hyphens; anything else (a NUL byte, say, which
// PostgreSQL refuses in a query) is simply not a feed.
const SlugParams = z.object({
  slug: z
    .string()
    .max(200)
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/),
});
const PartParams = z.object({ part: z.string().regex(/^[1-9][0-9]{0,5}\.xml$/) });

const noFeed = () => new AppError(404, 'not_found', 'We could not find that feed. It may have moved, or the link may be mistyped.');

/** Sends a document with its validators, or 304 when the reader already holds this version. */
function sendDocument(req: FastifyRequest, reply: FastifyReply, doc: FeedDocument) {
  reply.header('cache-control', `public, max-age=${MAX_AGE}`).header('etag', doc.etag);
  if (doc.lastModified !== null) reply.header('last-modified', new Date(doc.lastModified).toUTCString());
  if (notModified(req, doc)) return reply.code(304).send();
  return reply.type(doc.type).send(doc.body);
}

/** Whether the request's validators match this document (If-None-Match first; If-Modified-Since only without it). */
function notModified(req: FastifyRequest, doc: FeedDocument): boolean {
  const tags = req.headers['if-none-match'];
  if (tags !== undefined) {
    return tags.split(',').some((t) => {
      const tag = t.trim().replace(/^W\//, '');
      return tag === '*' || tag === doc.etag;
    });
  }
  const since = Date.parse(req.headers['if-modified-since'] ?? '');
  return doc.lastModified !== null && !Number.isNaN(since) && Math.floor(doc.lastModified / 1000) * 1000 <= since;
}

async function sendSiteFeed(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return sendDocument(req, reply, await siteFeed(core));
}

async function sendCampaignFeed(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const p = SlugParams.safeParse(req.params);
  if (!p.success) throw noFeed();
  const doc = await campaignFeed(core, p.data.slug);
  if (!doc) throw noFeed();
  return sendDocument(req, reply, doc);
}

async function sendCategoryFeed(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const p = SlugParams.safeParse(req.params);
  if (!p.success) throw noFeed();
  const doc = await categoryFeed(core, p.data.slug);
  if (!doc) throw noFeed();
  return sendDocument(req, reply, doc);
}

async function sendSitemap(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return sendDocument(req, reply, (await sitemapDocument(core))!);
}

async function sendSitemapPart(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const p = PartParams.safeParse(req.params);
  if (!p.success) throw noFeed();
  const doc = await sitemapDocument(core, { part: Number(p.data.part.slice(0, -'.xml'.length)) });
  if (!doc) throw noFeed();
  return sendDocument(req, reply, doc);
}

async function sendRobots(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return sendDocument(req, reply, await robotsTxt(core));
}
