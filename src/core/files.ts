import type { DbOrTrx } from './db/index.js';

// Stored files (an organisation's logo on a sign-on): bytes kept in the database with their type, size and hash.
// The capability that refers to a file decides who may see it; these are the few ways to store, read and delete one.

/** Stores an uploaded file; returns its id. */
export async function insertFile(db: DbOrTrx, f: { contentType: string; bytes: Uint8Array; sha256: string; at: number }): Promise<number> {
  const r = await db
    .insertInto('files')
    .values({ content_type: f.contentType, size: f.bytes.byteLength, sha256: f.sha256, bytes: f.bytes, created_at: f.at })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(r.id);
}

/** One stored file, bytes included. */
export async function findFileById(db: DbOrTrx, id: number) {
  return db
    .selectFrom('files')
    .select(['id', 'content_type', 'size', 'sha256', 'bytes', 'created_at'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Deletes files by id (rows pointing at them keep no file: the reference is set null). */
export async function deleteFiles(db: DbOrTrx, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .deleteFrom('files')
    .where('id', 'in', [...ids])
    .execute();
}
