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
