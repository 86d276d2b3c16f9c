import { withId, type MigrationDb } from './helpers.js';

// Images staff upload for the website: each is re-encoded without metadata at a few widths, as WebP and as a
// fallback (JPEG, or PNG where it has transparency), every variant a row of `files`.

export async function up(db: MigrationDb): Promise<void> {
  await withId(db, db.schema.createTable('content_images'))
    .addColumn('alt', 'text', (c) => c.notNull())
    .addColumn('width', 'integer', (c) => c.notNull())
    .addColumn('height', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('content_image_variants')
    .addColumn('image_id', 'bigint', (c) => c.notNull().references('content_images.id').onDelete('cascade'))
    .addColumn('width', 'integer', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('file_id', 'bigint', (c) => c.notNull().references('files.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('content_image_variants_pk', ['image_id', 'width', 'format'])
    .execute();
}

export async function down(db: MigrationDb): Promise<void> {
  await db.schema.dropTable('content_image_variants').execute();
  await db.schema.dropTable('content_images').execute();
}
