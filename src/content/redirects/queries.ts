import type { Db, DbOrTrx } from '../../core/db/index.js';

/** Where the old address now lives, if it is recorded. */
export async function findRedirectTarget(db: Db, fromPath: string): Promise<string | undefined> {
  const row = await db.selectFrom('content_redirects').select('to_path').where('from_path', '=', fromPath).executeTakeFirst();
  return row?.to_path;
}

/** Records (or repoints) one old address. */
export async function upsertRedirect(db: DbOrTrx, fromPath: string, toPath: string, now: number): Promise<void> {
  await db
    .insertInto('content_redirects')
    .values({ from_path: fromPath, to_path: toPath, created_at: now })
    .onConflict((oc) => oc.column('from_path').doUpdateSet({ to_path: toPath }))
    .execute();
}

/** Points every old address that led to `oldTarget` at `newTarget` instead (a page renamed twice needs one hop, not two). */
export async function repointRedirects(db: DbOrTrx, oldTarget: string, newTarget: string): Promise<void> {
  await db.updateTable('content_redirects').set({ to_path: newTarget }).where('to_path', '=', oldTarget).execute();
}

/** Forgets the old address (it is a live page's address again). */
export async function deleteRedirectFrom(db: DbOrTrx, fromPath: string): Promise<void> {
  await db.deleteFrom('content_redirects').where('from_path', '=', fromPath).execute();
}

/** How many old addresses are recorded. */
export async function countRedirects(db: Db): Promise<number> {
  const row = await db
    .selectFrom('content_redirects')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
