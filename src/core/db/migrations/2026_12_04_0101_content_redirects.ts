import { withId, type MigrationDb } from './helpers.js';

// Old addresses of the website's pages (a renamed slug, a WordPress permalink) and where they live now: a request
// that would end in "not found" is sent on (301) instead, so links in old emails, posts and search engines keep working.

export async function up(db: MigrationDb): Promise<void> {
  await withId(db, db.schema.createTable('content_redirects'))
    .addColumn('from_path', 'text', (c) => c.notNull().unique())
    .addColumn('to_path', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('content_redirects_to').on('content_redirects').column('to_path').execute();
}

export async function down(db: MigrationDb): Promise<void> {
  await db.schema.dropTable('content_redirects').execute();
}
