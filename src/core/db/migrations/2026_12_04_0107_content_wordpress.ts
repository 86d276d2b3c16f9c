import { withId, type MigrationDb } from './helpers.js';

// Moving in from WordPress (content/wordpress): what each WordPress item became here, so that importing the same
// export again changes nothing (wordpress_items, with a hash of what was imported); the images and files the export
// only points at, for staff to fetch by hand (wordpress_attachments: never fetched from the internet by the import);
// and the report of each import, shown to staff (wordpress_imports).

export async function up(db: MigrationDb): Promise<void> {
  await withId(db, db.schema.createTable('wordpress_items'))
    // The old site's address: two WordPress sites number their posts independently.
    .addColumn('source', 'text', (c) => c.notNull())
    // 'post:123' (posts, pages and attachments share WordPress's numbering) or 'term:7' (categories).
    .addColumn('wp_key', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('ref', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('imported_at', 'bigint', (c) => c.notNull())
    .addColumn('changed_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('wordpress_items_source_key', ['source', 'wp_key'])
    .execute();
  await withId(db, db.schema.createTable('wordpress_attachments'))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    // The WordPress item it belongs to ('post:123'), looked up in wordpress_items to name what it became here.
    .addColumn('parent_key', 'text')
    .addColumn('found_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('wordpress_attachments_source_url', ['source', 'url'])
    .execute();
  await withId(db, db.schema.createTable('wordpress_imports'))
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('report', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: MigrationDb): Promise<void> {
  await db.schema.dropTable('wordpress_imports').execute();
  await db.schema.dropTable('wordpress_attachments').execute();
  await db.schema.dropTable('wordpress_items').execute();
}
