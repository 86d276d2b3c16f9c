import type { Db, DbOrTrx } from '../core/db/index.js';
import { renderMarkdown } from '../core/markdown.js';
import { recordAudit } from '../core/audit.js';
import type { Core } from '../core/context.js';
import { DomainError } from '../core/web/errors.js';
import type { NavItem } from '../core/web/layout.js';
import { indexDocument, plainTextOfMarkdown, unindexDocument } from './search/service.js';
import {
  findPageBySlug,
  findPublishedPageBySlug,
  listNavPageRows,
  listPageRows,
  pageExists,
  upsertPage,
  writePage,
  type PageRow,
} from './queries.js';

export interface Page {
  slug: string;
  title: string;
  summary: string;
  /** The body rendered from Markdown (safe: raw HTML is not allowed through). */
  html: string;
  updatedAt: number;
}

const rendered = new Map<string, { updatedAt: number; html: string }>();

// Published pages are read on every public request, so, like the site settings, they are kept for a few seconds:
// an edit shows at once in the process that made it and within PAGE_CACHE_MS in any other.
const PAGE_CACHE_MS = 5_000;
const published = new Map<string, { db: Db; at: number; page: Page }>();

/** The published page with this slug, its Markdown rendered (and cached until the page changes). */
export async function getPublishedPage(db: Db, slug: string): Promise<Page | undefined> {
  const now = Date.now();
  const cached = published.get(slug);
  if (cached && cached.db === db && now - cached.at < PAGE_CACHE_MS) return cached.page;
  const row = await findPublishedPageBySlug(db, slug);
  if (!row) return undefined;
  let hit = rendered.get(slug);
  if (!hit || hit.updatedAt !== row.updated_at) {
    hit = { updatedAt: row.updated_at, html: renderMarkdown(row.body) };
    rendered.set(slug, hit);
  }
  const page = { slug: row.slug, title: row.title, summary: row.summary, html: hit.html, updatedAt: row.updated_at };
  published.set(slug, { db, at: now, page });
  return page;
}

/** Publishes a page now (creating or replacing it). */
export async function publishPage(db: DbOrTrx, p: { slug: string; title: string; summary: string; body: string }): Promise<void> {
  await upsertPage(db, { ...p, publishedAt: Date.now() });
  published.delete(p.slug);
}

/** Whether a page (published or not) has this slug. */
export async function hasPage(db: Db, slug: string): Promise<boolean> {
  return pageExists(db, slug);
}

/** Pages every install needs, written once on a new database whether or not demo content is wanted. */
export async function ensureEssentialPages(db: Db, orgName: string): Promise<void> {
  if (!(await pageExists(db, 'home'))) {
    await publishPage(db, {
      slug: 'home',
      title: orgName,
      summary: 'Welcome.',
      body: 'This site is being set up. Please come back soon.',
    });
  }
  if (!(await pageExists(db, 'privacy'))) {
    await publishPage(db, {
      slug: 'privacy',
      title: 'Privacy',
      summary: 'How we look after the information you give us.',
      body: [
        'We collect only what we need to run our campaigns, and we never sell or share it.',
        '',
        '## What we keep and why',
        '',
        '- **Your email address and name**, when you sign up or take an action, so we can do what you asked.',
        '- **Your postcode**, when you write to your MP, so the letter reaches the right person.',
        '',
        '## How we protect it',
        '',
        'Personal details are encrypted in our database. This website loads nothing from any other site: no',
        'fonts, analytics or trackers. Staff accounts are protected with strong passwords and two-step sign-in.',
        '',
        '## Your rights',
        '',
        'You can ask for a copy of everything we hold about you, or ask us to erase it, at any time.',
      ].join('\n'),
    });
  }
}

// ---- pages staff add and place in the navigation ----

/** The pages every install has, at their own addresses (any other page is at /<slug>). */
export const FIXED_PAGES: Readonly<Record<string, string>> = { home: '/', privacy: '/privacy', about: '/about', contact: '/contact' };

/** A page's public address. */
export const pageUrl = (slug: string) => FIXED_PAGES[slug] ?? `/${slug}`;

// The navigation is read on every page: kept for a few seconds (the same array while nothing changed, so cached
// documents stay valid), and let go at once in the process that changed a page.
const NAV_MS = 5_000;
let navCache: { db: Db; at: number; key: string; items: readonly NavItem[] } | undefined;

/** The published pages staff placed in the navigation, as its entries. */
export async function navPages(db: Db): Promise<readonly NavItem[]> {
  const now = Date.now();
  if (navCache && navCache.db === db && now - navCache.at < NAV_MS) return navCache.items;
  const rows = await listNavPageRows(db);
  const key = rows.map((r) => `${r.slug}:${r.title}`).join('|');
  const items =
    navCache && navCache.db === db && navCache.key === key ? navCache.items : rows.map((r) => ({ href: pageUrl(r.slug), label: r.title }));
  navCache = { db, at: now, key, items };
  return items;
}

/** A page as staff see it. */
export interface PageForStaff {
  slug: string;
  url: string;
  title: string;
  summary: string;
  body: string;
  published: boolean;
  navPosition: number | null;
  updatedAt: number;
}

const toStaffPage = (r: PageRow): PageForStaff => ({
  slug: r.slug,
  url: pageUrl(r.slug),
  title: r.title,
  summary: r.summary,
  body: r.body,
  published: r.published_at !== null,
  navPosition: r.nav_position,
  updatedAt: r.updated_at,
});

/** Every page, for staff. */
export async function listPagesForStaff(db: Db): Promise<PageForStaff[]> {
  return (await listPageRows(db)).map(toStaffPage);
}

/** One page, for staff. */
export async function getPageForStaff(db: Db, slug: string): Promise<PageForStaff | undefined> {
  const r = await findPageBySlug(db, slug);
  return r ? toStaffPage(r) : undefined;
}

/** What staff write on a page. */
export interface PageInput {
  slug: string;
  title: string;
  summary: string;
  body: string;
  published: boolean;
  navPosition: number | null;
}

/**
 * Saves a page. A new page's address is /<slug>, so its slug may not be the first part of any address the site
 * already answers (`taken`: those first parts, read from the routes), nor a word kept for what is coming.
 */
export async function savePage(
  core: Core,
  input: PageInput,
  o: { staffId: number | null; taken: ReadonlySet<string>; isNew: boolean },
): Promise<void> {
  const slug = input.slug;
  if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slug) || slug.length > 80) {
    throw new DomainError('invalid', 'Use only lower-case letters, digits and single hyphens', {
      slug: 'Use only lower-case letters, digits and single hyphens, like our-history',
    });
  }
  // A fixed page (about, contact…) may be added once at its own address; any other slug must be free.
  const free = FIXED_PAGES[slug] !== undefined ? slug !== 'home' && slug !== 'privacy' : !o.taken.has(slug) && !RESERVED.has(slug);
  if (o.isNew && (!free || (await pageExists(core.db, slug)))) {
    throw new DomainError('invalid', 'That address is taken', {
      slug: `The address /${slug} is already used by the website: choose another`,
    });
  }
  if (slug === 'home' && !input.published)
    throw new DomainError('invalid', 'The home page is always published', { published: 'The home page is always published' });
  await core.db.transaction().execute(async (trx) => {
    const current = await findPageBySlug(trx, slug);
    const publishedAt = input.published ? (current?.published_at ?? Date.now()) : null;
    await writePage(trx, {
      slug,
      title: input.title,
      summary: input.summary,
      body: input.body,
      publishedAt,
      navPosition: input.navPosition,
    });
    if (input.published && slug !== 'home') {
      await indexDocument(trx, {
        kind: 'page',
        ref: Number((await findPageBySlug(trx, slug))!.id),
        title: input.title,
        summary: input.summary,
        body: plainTextOfMarkdown(input.body),
        url: pageUrl(slug),
        publishedAt: publishedAt ?? Date.now(),
      });
    } else if (current) {
      await unindexDocument(trx, 'page', Number(current.id));
    }
    await recordAudit(trx, { staffId: o.staffId, action: 'page.save', target: `page ${slug}` });
  });
  published.delete(slug);
  navCache = undefined;
}

// Words kept for what is coming (events, donations, programmes, the API) and for machinery.
const RESERVED = new Set([
  'events',
  'donate',
  'donations',
  'programmes',
  'competitions',
  'api',
  'admin',
  'assets',
  'images',
  'pages',
  'wp-admin',
  'wp-content',
  'feed',
  'preview',
]);

// What other capabilities read of the resources library (an event's recording, chosen from it).
export { getPublishedResourceById, listResources, type Resource } from './resources/service.js';
