import type { Db, DbOrTrx } from '../core/db/index.js';
import { renderMarkdown } from '../core/markdown.js';
import { findPublishedPageBySlug, pageExists, upsertPage } from './queries.js';

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
