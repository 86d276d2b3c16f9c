import { createHash } from 'node:crypto';
import { getCampaign, getCampaigns, listPublicActions } from '../../actions/service.js';
import type { Core } from '../../core/context.js';
import type { Db } from '../../core/db/index.js';
import { getSiteSettings } from '../../core/settings.js';
import type { HeadTags } from '../../core/web/layout.js';
import { feedLink } from '../../core/web/share.js';
import { getArchived, listArchive } from '../../newsletters/service.js';
import { getImages, type ContentImage } from '../images/service.js';
import { publicEventsByTime } from '../../events/service.js';
import { listResources } from '../resources/service.js';
import { listPagesForStaff } from '../service.js';
import {
  getCategoryBySlug,
  getPublishedUpdate,
  listCategories,
  listPublishedUpdates,
  updatesCacheKey,
  type UpdateSummary,
} from '../updates/service.js';
import { excerptOf, feedHtml, renderAtom, tagUri, type AtomEntry } from './atom.js';
import { renderSitemap, renderSitemapIndex, SITEMAP_LIMIT, type SitemapEntry } from './sitemap.js';

// Discovery: the Atom feeds (the whole site, a campaign, a category, and the newsletter archive as a category),
// sitemap.xml and robots.txt. Nothing here is stored: each document is built from what the other parts publish,
// and kept in memory while what it was built from has not changed (its "version"), like the pages' documents.

/** A document served as it is: its media type, body, validator and when what it shows last changed. */
export interface FeedDocument {
  type: string;
  body: string;
  etag: string;
  lastModified: number | null;
}

const ATOM = 'application/atom+xml; charset=utf-8';
const XML = 'application/xml; charset=utf-8';
const TEXT = 'text/plain; charset=utf-8';

/** The category slug under which the newsletter archive is offered as a feed (its archive keeps /newsletters). */
export const NEWSLETTER_CATEGORY = 'newsletter';

/** How many entries a feed carries: the newest ones. */
export const FEED_ENTRIES = 20;

/** The address of the whole site's feed. */
export const siteFeedUrl = (baseUrl: string) => `${baseUrl}/feed.xml`;
/** The address of a campaign's feed. */
export const campaignFeedUrl = (baseUrl: string, slug: string) => `${baseUrl}/campaigns/${encodeURIComponent(slug)}/feed.xml`;
/** The address of a category's feed. */
export const categoryFeedUrl = (baseUrl: string, slug: string) => `${baseUrl}/categories/${encodeURIComponent(slug)}/feed.xml`;

/** The head tag that lets a feed reader find the whole site's feed from any page (the home page, the news list). */
export function siteFeedHead(core: Core, orgName: string): HeadTags {
  return feedLink(siteFeedUrl(core.config.baseUrl), `News from ${orgName}`);
}

/** The head tag of a campaign hub's feed. */
export function campaignFeedHead(core: Core, campaign: { slug: string; title: string }): HeadTags {
  return feedLink(campaignFeedUrl(core.config.baseUrl, campaign.slug), `News of ${campaign.title}`);
}

/** The head tag of a category page's feed. */
export function categoryFeedHead(core: Core, category: { slug: string; name: string }): HeadTags {
  return feedLink(categoryFeedUrl(core.config.baseUrl, category.slug), `${category.name}: news`);
}

// ---- the document cache ------------------------------------------------------------------------------------------

// Per database (tests run several in one process), by document; a few dozen documents at most.
const documents = new WeakMap<Db, Map<string, { version: string; doc: FeedDocument }>>();

const etagOf = (body: string) => `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;

/** The document for `key` built at this version, from memory when it was already built at it. */
async function cached(
  core: Core,
  key: string,
  version: string,
  build: () => Promise<{ type: string; body: string; lastModified: number | null }>,
): Promise<FeedDocument> {
  let perDb = documents.get(core.db);
  if (!perDb) documents.set(core.db, (perDb = new Map()));
  const hit = perDb.get(key);
  if (hit && hit.version === version) return hit.doc;
  const built = await build();
  const doc = { ...built, etag: etagOf(built.body) };
  perDb.delete(key);
  perDb.set(key, { version, doc });
  if (perDb.size > 200) perDb.delete(perDb.keys().next().value!);
  return doc;
}

// ---- feeds -------------------------------------------------------------------------------------------------------

/** The newsletter archive as an Atom feed: the newest sent newsletters, each in full as its web version shows it. */
export async function newsletterFeed(core: Core): Promise<FeedDocument> {
  const { baseUrl } = core.config;
  const [site, { items }] = await Promise.all([getSiteSettings(core.db), listArchive(core, 1, FEED_ENTRIES)]);
  const version = JSON.stringify([baseUrl, site.orgName, items.map((i) => [i.slug, i.updatedAt, i.subject])]);
  return cached(core, 'newsletters', version, async () => {
    const entries: AtomEntry[] = [];
    for (const item of items) {
      const full = await getArchived(core, item.slug);
      if (!full) continue; // taken out of the archive since it was listed
      const html = feedHtml(full.html, { baseUrl, images: true });
      entries.push({
        id: tagUri(baseUrl, full.sentAt, `newsletters/${full.slug}`),
        title: full.subject,
        url: `${baseUrl}/newsletters/${encodeURIComponent(full.slug)}`,
        publishedAt: full.sentAt,
        updatedAt: Math.max(full.sentAt, full.updatedAt),
        authorName: site.orgName,
        summary: excerptOf(html),
        html,
      });
    }
    const body = renderAtom({
      id: categoryFeedUrl(baseUrl, NEWSLETTER_CATEGORY),
      title: `${site.orgName}: newsletters`,
      subtitle: 'Newsletters we have sent to our supporters.',
      selfUrl: categoryFeedUrl(baseUrl, NEWSLETTER_CATEGORY),
      pageUrl: `${baseUrl}/newsletters`,
      iconUrl: `${baseUrl}/assets/favicon.svg`,
      authorName: site.orgName,
      emptyUpdatedAt: 0,
      entries,
    });
    return { type: ATOM, body, lastModified: newestOf(entries) };
  });
}

/** What a feed of updates is about: its cache key and version, words and addresses, and how to load its entries. */
export interface UpdatesFeedSpec {
  key: string;
  /** Changes whenever anything the feed shows may have changed (content/updates' key of published updates). */
  version: string;
  title: string;
  subtitle: string;
  selfUrl: string;
  pageUrl: string;
  /** The newest published updates of the feed, newest first. */
  list: () => Promise<readonly UpdateSummary[]>;
  /** The full rendered HTML of one update, or undefined if it is no longer published. */
  html: (u: UpdateSummary) => Promise<string | undefined>;
}

/** A feed of published updates: each entry with its excerpt and its full text, a warned one without images. */
export async function updatesFeed(core: Core, spec: UpdatesFeedSpec): Promise<FeedDocument> {
  const { baseUrl } = core.config;
  const site = await getSiteSettings(core.db);
  return cached(core, spec.key, JSON.stringify([baseUrl, site.orgName, spec.title, spec.version]), async () => {
    const entries: AtomEntry[] = [];
    const items = await spec.list();
    // Featured images lead their update's text, except under a warning, where no image is shown at all.
    const images = await getImages(
      core,
      items.flatMap((u) => (u.featuredImageId !== null && !u.warning ? [u.featuredImageId] : [])),
    );
    for (const u of items) {
      const full = await spec.html(u);
      if (full === undefined) continue; // unpublished since it was listed
      const featured = u.warning || u.featuredImageId === null ? undefined : images.get(u.featuredImageId);
      const lead = featured?.src ? featuredImageHtml(featured, u.featuredImageAlt) : '';
      const html = feedHtml(lead + full, { baseUrl, images: !u.warning });
      entries.push({
        id: tagUri(baseUrl, u.publishedAt, `updates/${u.id}`),
        title: u.title,
        url: new URL(u.url, `${baseUrl}/`).toString(),
        publishedAt: u.publishedAt,
        updatedAt: Math.max(u.publishedAt, u.updatedAt),
        authorName: u.authorName || site.orgName,
        summary: u.excerpt || excerptOf(html),
        html,
        warning: u.warning,
        categories: u.categories.map((c) => c.name),
      });
    }
    const body = renderAtom({
      id: spec.selfUrl,
      title: spec.title,
      subtitle: spec.subtitle,
      selfUrl: spec.selfUrl,
      pageUrl: spec.pageUrl,
      iconUrl: `${baseUrl}/assets/favicon.svg`,
      authorName: site.orgName,
      emptyUpdatedAt: 0,
      entries,
    });
    return { type: ATOM, body, lastModified: newestOf(entries) };
  });
}

/** A featured image as the first paragraph of an entry (its widest fallback encoding; readers need no srcset). */
function featuredImageHtml(image: ContentImage, alt: string): string {
  const escape = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<p><img src="${escape(image.src)}" alt="${escape(alt || image.alt)}"></p>`;
}

/** The published updates of a feed (the whole site, a campaign or a category), as content/updates lists them. */
function publishedUpdates(
  core: Core,
  key: string,
  filter: { campaignId?: number; categoryId?: number },
  words: { title: string; subtitle: string; selfUrl: string; pageUrl: string },
) {
  return async (version: string) =>
    updatesFeed(core, {
      key,
      version,
      ...words,
      list: async () => (await listPublishedUpdates(core.db, { ...filter, perPage: FEED_ENTRIES })).items,
      html: async (u) => (await getPublishedUpdate(core.db, u.slug))?.html,
    });
}

/** The whole site's feed: the newest published updates. */
export async function siteFeed(core: Core): Promise<FeedDocument> {
  const { baseUrl } = core.config;
  const [site, version] = await Promise.all([getSiteSettings(core.db), updatesCacheKey(core.db)]);
  return publishedUpdates(
    core,
    'site',
    {},
    {
      title: site.orgName,
      subtitle: `News from ${site.orgName}.`,
      selfUrl: siteFeedUrl(baseUrl),
      pageUrl: `${baseUrl}/updates`,
    },
  )(version);
}

/** A campaign's feed: the newest updates about it; undefined when there is no such campaign. */
export async function campaignFeed(core: Core, slug: string): Promise<FeedDocument | undefined> {
  const { baseUrl } = core.config;
  const [campaign, site, version] = await Promise.all([getCampaign(core.db, { slug }), getSiteSettings(core.db), updatesCacheKey(core.db)]);
  if (!campaign) return undefined;
  return publishedUpdates(
    core,
    `campaign ${campaign.id}`,
    { campaignId: campaign.id },
    {
      title: `${campaign.title} · ${site.orgName}`,
      subtitle: campaign.summary,
      selfUrl: campaignFeedUrl(baseUrl, campaign.slug),
      pageUrl: `${baseUrl}/campaigns/${encodeURIComponent(campaign.slug)}`,
    },
  )(`${version} ${campaign.title} ${campaign.summary}`);
}

/** A category's feed by its slug (the newsletter archive under its own), or undefined when there is no such category. */
export async function categoryFeed(core: Core, slug: string): Promise<FeedDocument | undefined> {
  if (slug === NEWSLETTER_CATEGORY) return newsletterFeed(core);
  const { baseUrl } = core.config;
  const [category, site, version] = await Promise.all([
    getCategoryBySlug(core.db, slug),
    getSiteSettings(core.db),
    updatesCacheKey(core.db),
  ]);
  if (!category) return undefined;
  return publishedUpdates(
    core,
    `category ${category.id}`,
    { categoryId: category.id },
    {
      title: `${category.name} · ${site.orgName}`,
      subtitle: category.description || `Updates about ${category.name}.`,
      selfUrl: categoryFeedUrl(baseUrl, category.slug),
      pageUrl: new URL(category.url, `${baseUrl}/`).toString(),
    },
  )(version);
}

const newestOf = (entries: readonly AtomEntry[]) => (entries.length ? Math.max(...entries.map((e) => e.updatedAt)) : null);

// ---- sitemap -----------------------------------------------------------------------------------------------------

/** Every public, published address of the site, with when it last changed where that is known. Never a draft. */
export async function publicAddresses(core: Core): Promise<SitemapEntry[]> {
  const { db, config } = core;
  const at = (path: string, lastModified?: number | null) => ({ url: `${config.baseUrl}${path}`, lastModified });
  const [pages, actions, campaigns, newsletters, updates, categories, resources, { upcoming, past }] = await Promise.all([
    listPagesForStaff(db),
    listPublicActions(db, { closed: true }),
    getCampaigns(db),
    allArchivedNewsletters(core),
    allPublishedUpdates(db),
    listCategories(db),
    listResources(db, { limit: SITEMAP_LIMIT * 20 }),
    publicEventsByTime(db),
  ]);
  const entries: SitemapEntry[] = [];
  // The website's pages (home, privacy, about, contact and any other staff published; never an unpublished one),
  // and the pages that are always there.
  for (const p of pages) if (p.published) entries.push(at(p.url, p.updatedAt));
  for (const path of ['/contact', '/data-sources', '/stay-in-touch']) {
    if (!entries.some((e) => e.url === `${config.baseUrl}${path}`)) entries.push(at(path));
  }
  // Actions: open and closed ones (drafts are not public), and the list of open ones.
  const newestAction = actions.reduce((m, a) => Math.max(m, a.updatedAt), 0);
  entries.push(at('/act', newestAction || null));
  for (const a of actions) entries.push(at(`/act/${encodeURIComponent(a.slug)}`, a.updatedAt));
  // A campaign hub changes when one of its actions does.
  const campaignChanged = new Map<number, number>();
  for (const a of actions)
    if (a.campaignId !== null) campaignChanged.set(a.campaignId, Math.max(campaignChanged.get(a.campaignId) ?? 0, a.updatedAt));
  for (const c of campaigns) entries.push(at(`/campaigns/${encodeURIComponent(c.slug)}`, campaignChanged.get(c.id) ?? null));
  // Updates (published only: drafts and scheduled ones are not public), the list of them, and each category, which
  // changes when one of its updates does.
  entries.push(at('/updates', updates[0]?.updatedAt ?? null));
  const categoryChanged = new Map<number, number>();
  for (const u of updates) {
    entries.push(at(u.url, u.updatedAt));
    for (const c of u.categories) categoryChanged.set(c.id, Math.max(categoryChanged.get(c.id) ?? 0, u.updatedAt));
  }
  for (const c of categories) entries.push(at(c.url, categoryChanged.get(c.id) ?? null));
  // The resources library (published resources only) and each resource's page.
  entries.push(at('/resources', resources.reduce((m, r) => Math.max(m, r.updatedAt), 0) || null));
  for (const r of resources) entries.push(at(r.url, r.updatedAt));
  // Events: the lists, and each published event's page (to come and past; drafts are not public).
  const events = [...upcoming, ...past];
  entries.push(at('/events', upcoming.reduce((m, e) => Math.max(m, e.event.updatedAt), 0) || null));
  entries.push(at('/events/past', past.reduce((m, e) => Math.max(m, e.event.updatedAt), 0) || null));
  for (const e of events) entries.push(at(`/events/${encodeURIComponent(e.event.slug)}`, e.event.updatedAt));
  // The newsletter archive and each newsletter in it.
  entries.push(at('/newsletters', newsletters[0]?.updatedAt ?? null));
  for (const n of newsletters) entries.push(at(`/newsletters/${encodeURIComponent(n.slug)}`, n.updatedAt));
  return entries;
}

/** Every published update, newest first, as many at a time as content/updates lists. */
async function allPublishedUpdates(db: Db): Promise<Array<{ url: string; updatedAt: number; categories: ReadonlyArray<{ id: number }> }>> {
  const out: Array<{ url: string; updatedAt: number; categories: ReadonlyArray<{ id: number }> }> = [];
  for (let page = 1; ; page++) {
    const { total, items } = await listPublishedUpdates(db, { page, perPage: 50 });
    out.push(...items.map((u) => ({ url: u.url, updatedAt: Math.max(u.publishedAt, u.updatedAt), categories: u.categories })));
    if (items.length === 0 || out.length >= total) return out;
  }
}

/** Every newsletter in the public archive, newest first, a thousand at a time. */
async function allArchivedNewsletters(core: Core): Promise<Array<{ slug: string; updatedAt: number }>> {
  const out: Array<{ slug: string; updatedAt: number }> = [];
  for (let page = 1; ; page++) {
    const { items, more } = await listArchive(core, page, 1000);
    out.push(...items.map((i) => ({ slug: i.slug, updatedAt: i.updatedAt })));
    if (!more) return out;
  }
}

/** The address of a numbered part of a sitemap too large for one document. */
export const sitemapPartUrl = (baseUrl: string, part: number) => `${baseUrl}/sitemaps/${part}.xml`;

/**
 * sitemap.xml: every public address in one document, or, past `limit` addresses (the protocol's 50,000), a sitemap
 * index of numbered parts; with `part`, that part (undefined when there is no such part).
 */
export async function sitemapDocument(core: Core, o: { part?: number; limit?: number } = {}): Promise<FeedDocument | undefined> {
  const limit = o.limit ?? SITEMAP_LIMIT;
  const { baseUrl } = core.config;
  const entries = await publicAddresses(core);
  const parts = Math.ceil(entries.length / limit);
  const version = JSON.stringify(entries);
  const newest = (list: readonly SitemapEntry[]) => list.reduce((m, e) => Math.max(m, e.lastModified ?? 0), 0) || null;
  if (o.part !== undefined) {
    if (parts <= 1 || !Number.isInteger(o.part) || o.part < 1 || o.part > parts) return undefined;
    const slice = entries.slice((o.part - 1) * limit, o.part * limit);
    return cached(core, `sitemap ${o.part} ${limit}`, version, async () => ({
      type: XML,
      body: await renderSitemap(baseUrl, slice),
      lastModified: newest(slice),
    }));
  }
  if (parts <= 1) {
    return cached(core, `sitemap ${limit}`, version, async () => ({
      type: XML,
      body: await renderSitemap(baseUrl, entries),
      lastModified: newest(entries),
    }));
  }
  return cached(core, `sitemap index ${limit}`, version, async () => {
    const index = Array.from({ length: parts }, (_, i) => ({
      url: sitemapPartUrl(baseUrl, i + 1),
      lastModified: newest(entries.slice(i * limit, (i + 1) * limit)),
    }));
    return { type: XML, body: await renderSitemapIndex(index), lastModified: newest(entries) };
  });
}

// ---- robots.txt --------------------------------------------------------------------------------------------------

// Addresses that are private (a supporter's own links: confirm, manage, unsubscribe, their data, a letter's
// confirmation and reply), for staff (the admin area, previews, staff set-up), or a machine's (the proof-of-work
// challenge, metrics), and site search, whose results pages are endless. Robots are asked to keep out of them; the
// links themselves are protected by their tokens, not by this file. `*` is understood by the major search engines.
const DISALLOWED = [
  '/admin',
  '/setup/',
  '/s/',
  '/letter/',
  '/act/*/confirm/',
  '/act/*/sign-on/confirm/',
  '/stay-in-touch/challenge',
  '/newsletters/test-link/',
  '/updates/preview/',
  '/search',
  '/metrics',
];

/** robots.txt: everything public may be read, private and staff addresses may not, and where the sitemap is. */
export async function robotsTxt(core: Core): Promise<FeedDocument> {
  const body = [
    'User-agent: *',
    ...DISALLOWED.map((p) => `Disallow: ${p}`),
    'Allow: /',
    '',
    `Sitemap: ${core.config.baseUrl}/sitemap.xml`,
    '',
  ].join('\n');
  return cached(core, 'robots', body, async () => ({ type: TEXT, body, lastModified: null }));
}
