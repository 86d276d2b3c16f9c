import { withId, type MigrationDb } from './helpers.js';

// The resources library: briefing papers, resource packs, submissions and reports, their files in `files`, the text
// of PDFs for the site search, and downloads counted per resource and day (nothing about who downloaded).

export async function up(db: MigrationDb): Promise<void> {
  await withId(db, db.schema.createTable('resources'))
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('published_on', 'text', (c) => c.notNull())
    .addColumn('campaign_id', 'bigint')
    .addColumn('file_id', 'bigint', (c) => c.notNull().references('files.id'))
    .addColumn('file_kind', 'text', (c) => c.notNull())
    .addColumn('byte_size', 'bigint', (c) => c.notNull())
    .addColumn('page_count', 'integer')
    .addColumn('text', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('text_state', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_by', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('resources_published').on('resources').columns(['status', 'published_on']).execute();
  await db.schema
    .createTable('resource_downloads')
    .addColumn('resource_id', 'bigint', (c) => c.notNull().references('resources.id').onDelete('cascade'))
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('resource_downloads_pk', ['resource_id', 'day'])
    .execute();
}

export async function down(db: MigrationDb): Promise<void> {
  await db.schema.dropTable('resource_downloads').execute();
  await db.schema.dropTable('resources').execute();
}
