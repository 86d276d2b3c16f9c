import type { Selectable } from 'kysely';
import type { DbOrTrx } from '../../core/db/index.js';
import type { WordPressAttachmentsTable, WordPressImportsTable, WordPressItemKind, WordPressItemsTable } from './tables.js';

export type WordPressItemRow = Selectable<WordPressItemsTable>;
export type WordPressAttachmentRow = Selectable<WordPressAttachmentsTable>;
export type WordPressImportRow = Selectable<WordPressImportsTable>;

/** What this WordPress item became in an earlier import, if it was imported. */
export async function findItem(db: DbOrTrx, source: string, wpKey: string): Promise<WordPressItemRow | undefined> {
  return db.selectFrom('wordpress_items').selectAll().where('source', '=', source).where('wp_key', '=', wpKey).executeTakeFirst();
}

/** Records what a WordPress item became (or what it becomes now). */
export async function upsertItem(
  db: DbOrTrx,
  i: { source: string; wpKey: string; kind: WordPressItemKind; ref: string; hash: string; at: number },
): Promise<void> {
  await db
    .insertInto('wordpress_items')
    .values({ source: i.source, wp_key: i.wpKey, kind: i.kind, ref: i.ref, hash: i.hash, imported_at: i.at, changed_at: i.at })
    .onConflict((oc) => oc.columns(['source', 'wp_key']).doUpdateSet({ kind: i.kind, ref: i.ref, hash: i.hash, changed_at: i.at }))
    .execute();
}

/** What these WordPress items became (to name the post an attachment belongs to). */
export async function findItems(db: DbOrTrx, source: string, wpKeys: readonly string[]): Promise<WordPressItemRow[]> {
  if (wpKeys.length === 0) return [];
  return db.selectFrom('wordpress_items').selectAll().where('source', '=', source).where('wp_key', 'in', wpKeys).execute();
}

/** Lists a file the export only points at; a file already listed is left as it is. Returns whether it is new. */
export async function insertAttachmentOnce(
  db: DbOrTrx,
  a: { source: string; url: string; title: string; parentKey: string | null; at: number },
): Promise<boolean> {
  const r = await db
    .insertInto('wordpress_attachments')
    .values({ source: a.source, url: a.url, title: a.title, parent_key: a.parentKey, found_at: a.at })
    .onConflict((oc) => oc.columns(['source', 'url']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Whether this file is already listed. */
export async function attachmentListed(db: DbOrTrx, source: string, url: string): Promise<boolean> {
  return (
    (await db.selectFrom('wordpress_attachments').select('id').where('source', '=', source).where('url', '=', url).executeTakeFirst()) !==
    undefined
  );
}

/** Files to fetch by hand, a page at a time, in the order they were found. */
export async function listAttachmentRows(db: DbOrTrx, o: { limit: number; offset: number }): Promise<WordPressAttachmentRow[]> {
  return db.selectFrom('wordpress_attachments').selectAll().orderBy('id').limit(o.limit).offset(o.offset).execute();
}

/** How many files are listed to fetch by hand. */
export async function countAttachments(db: DbOrTrx): Promise<number> {
  const r = await db
    .selectFrom('wordpress_attachments')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Keeps an import's report. */
export async function insertImport(
  db: DbOrTrx,
  i: { fileName: string; source: string; report: string; startedAt: number; finishedAt: number },
): Promise<number> {
  const r = await db
    .insertInto('wordpress_imports')
    .values({ file_name: i.fileName, source: i.source, report: i.report, started_at: i.startedAt, finished_at: i.finishedAt })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(r.id);
}

/** The newest import's record, if any. */
export async function findLatestImport(db: DbOrTrx): Promise<WordPressImportRow | undefined> {
  return db.selectFrom('wordpress_imports').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirst();
}

/** How many items and redirects this site's imports have recorded (tests and the report). */
export async function countItems(db: DbOrTrx, source: string): Promise<number> {
  const r = await db
    .selectFrom('wordpress_items')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('source', '=', source)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
