import { withId, type MigrationDb } from './helpers.js';

// Images staff upload for newsletters: the only images a newsletter may show, served from Lantern's own address,
// so no other site learns who opened an email. The bytes (re-encoded, metadata stripped) are a row of `files`.

export async function up(db: MigrationDb): Promise<void> {
  await withId(db, db.schema.createTable('newsletter_images'))
    .addColumn('file_id', 'bigint', (c) => c.notNull().references('files.id').onDelete('cascade'))
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('width', 'integer', (c) => c.notNull())
    .addColumn('height', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: MigrationDb): Promise<void> {
  await db.schema.dropTable('newsletter_images').execute();
}
