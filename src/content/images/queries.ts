import type { Selectable } from 'kysely';
import type { Db, DbOrTrx } from '../../core/db/index.js';
import type { ContentImagesTable, VariantFormat } from './tables.js';

export type ContentImageRow = Selectable<ContentImagesTable>;

/** Stores an image's row; returns its id. */
export async function insertContentImage(db: DbOrTrx, r: Omit<ContentImageRow, 'id'>): Promise<number> {
  const row = await db.insertInto('content_images').values(r).returning('id').executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Stores one encoding of an image. */
export async function insertImageVariant(
  db: DbOrTrx,
  v: { image_id: number; width: number; format: VariantFormat; file_id: number },
): Promise<void> {
  await db.insertInto('content_image_variants').values(v).execute();
}

/** The images with these ids. */
export async function findContentImages(db: DbOrTrx, ids: readonly number[]): Promise<ContentImageRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('content_images')
    .selectAll()
    .where('id', 'in', [...ids])
    .execute();
}

/** The widths and formats stored for these images. */
export async function listVariantsOf(
  db: DbOrTrx,
  ids: readonly number[],
): Promise<Array<{ image_id: number; width: number; format: VariantFormat }>> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('content_image_variants')
    .select(['image_id', 'width', 'format'])
    .where('image_id', 'in', [...ids])
    .orderBy('width')
    .execute();
}

/** The file holding one encoding of an image. */
export async function findVariantFileId(db: Db, imageId: number, width: number, format: VariantFormat): Promise<number | undefined> {
  const row = await db
    .selectFrom('content_image_variants')
    .select('file_id')
    .where('image_id', '=', imageId)
    .where('width', '=', width)
    .where('format', '=', format)
    .executeTakeFirst();
  return row ? Number(row.file_id) : undefined;
}

/** The newest images first. */
export async function listContentImageRows(db: Db, o: { limit: number; offset: number }): Promise<ContentImageRow[]> {
  return db.selectFrom('content_images').selectAll().orderBy('id', 'desc').limit(o.limit).offset(o.offset).execute();
}

/** How many images there are. */
export async function countContentImages(db: Db): Promise<number> {
  const r = await db
    .selectFrom('content_images')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Changes an image's alternative text. */
export async function updateImageAlt(db: DbOrTrx, id: number, alt: string, at: number): Promise<number> {
  const r = await db.updateTable('content_images').set({ alt, updated_at: at }).where('id', '=', id).executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** The files of an image's encodings (to delete them with it). */
export async function listVariantFileIds(db: DbOrTrx, id: number): Promise<number[]> {
  const rows = await db.selectFrom('content_image_variants').select('file_id').where('image_id', '=', id).execute();
  return rows.map((r) => Number(r.file_id));
}

/** Deletes an image and its encodings' rows. */
export async function deleteContentImage(db: DbOrTrx, id: number): Promise<number> {
  await db.deleteFrom('content_image_variants').where('image_id', '=', id).execute();
  const r = await db.deleteFrom('content_images').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows);
}
