import { withId, type MigrationDb } from './helpers.js';

// The home page as staff compose it: an ordered list of sections (a campaign to feature, the latest updates, open
// actions, the sign-up block, a block of text…). With none saved, the home page shows a sensible default order.

export async function up(db: MigrationDb): Promise<void> {
  await withId(db, db.schema.createTable('home_sections'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('campaign_id', 'bigint')
    .addColumn('heading', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('body_md', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: MigrationDb): Promise<void> {
  await db.schema.dropTable('home_sections').execute();
}
