import type { Selectable } from 'kysely';
import type { Db, DbOrTrx } from '../core/db/index.js';
import type { PagesTable } from './tables.js';

export type PageRow = Selectable<PagesTable>;

/** The published page with this slug, if any. */
export async function findPublishedPageBySlug(db: Db, slug: string): Promise<PageRow | undefined> {
  return db.selectFrom('pages').selectAll().where('slug', '=', slug).where('published_at', 'is not', null).executeTakeFirst();
}

/** Creates or replaces the page with this slug. */
export async function upsertPage(
  db: DbOrTrx,
  p: { slug: string; title: string; summary: string; body: string; publishedAt: number | null },
): Promise<void> {
  const now = Date.now();
  await db
    .insertInto('pages')
    .values({
      slug: p.slug,
      title: p.title,
      summary: p.summary,
      body: p.body,
      published_at: p.publishedAt,
      nav_position: null,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc.column('slug').doUpdateSet({ title: p.title, summary: p.summary, body: p.body, published_at: p.publishedAt, updated_at: now }),
    )
    .execute();
}

/** Whether a page with this slug exists at all. */
export async function pageExists(db: Db, slug: string): Promise<boolean> {
  return (await db.selectFrom('pages').select('id').where('slug', '=', slug).executeTakeFirst()) !== undefined;
}

/** Published pages placed in the navigation, in their order. */
export async function listNavPageRows(db: Db): Promise<Array<Pick<PageRow, 'slug' | 'title' | 'nav_position'>>> {
  return db
    .selectFrom('pages')
    .select(['slug', 'title', 'nav_position'])
    .where('published_at', 'is not', null)
    .where('nav_position', 'is not', null)
    .orderBy('nav_position')
    .orderBy('title')
    .execute();
}

/** Every page, for staff. */
export async function listPageRows(db: Db): Promise<PageRow[]> {
  return db.selectFrom('pages').selectAll().orderBy('title').execute();
}

/** A page by slug, published or not. */
export async function findPageBySlug(db: DbOrTrx, slug: string): Promise<PageRow | undefined> {
  return db.selectFrom('pages').selectAll().where('slug', '=', slug).executeTakeFirst();
}

/** Writes a page's text, state and place in the navigation. */
export async function writePage(
  db: DbOrTrx,
  p: { slug: string; title: string; summary: string; body: string; publishedAt: number | null; navPosition: number | null },
): Promise<void> {
  const now = Date.now();
  await db
    .insertInto('pages')
    .values({
      slug: p.slug,
      title: p.title,
      summary: p.summary,
      body: p.body,
      published_at: p.publishedAt,
      nav_position: p.navPosition,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc.column('slug').doUpdateSet({
        title: p.title,
        summary: p.summary,
        body: p.body,
        published_at: p.publishedAt,
        nav_position: p.navPosition,
        updated_at: now,
      }),
    )
    .execute();
}
