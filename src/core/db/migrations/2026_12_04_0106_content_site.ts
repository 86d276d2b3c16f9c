import { withId, type MigrationDb } from './helpers.js';

// The website's campaign hubs (what a campaign's page says beyond its actions), "what people say", contact messages
// (encrypted), and pages placed in the navigation.

export async function up(db: MigrationDb): Promise<void> {
  await db.schema
    .createTable('campaign_hubs')
    .addColumn('campaign_id', 'bigint', (c) => c.primaryKey())
    .addColumn('hero_image_id', 'bigint')
    .addColumn('hero_alt', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('body_md', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('priorities', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('updated_by', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await withId(db, db.schema.createTable('testimonials'))
    .addColumn('quote', 'text', (c) => c.notNull())
    .addColumn('attribution', 'text', (c) => c.notNull())
    .addColumn('context', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('campaign_id', 'bigint')
    .addColumn('permission_note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('permission_recorded_at', 'bigint')
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await withId(db, db.schema.createTable('contact_messages'))
    .addColumn('name_enc', 'text', (c) => c.notNull())
    .addColumn('email_enc', 'text', (c) => c.notNull())
    .addColumn('message_enc', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('handled_at', 'bigint')
    .execute();
  await db.schema.alterTable('pages').addColumn('nav_position', 'integer').execute();
}

export async function down(db: MigrationDb): Promise<void> {
  await db.schema.alterTable('pages').dropColumn('nav_position').execute();
  await db.schema.dropTable('contact_messages').execute();
  await db.schema.dropTable('testimonials').execute();
  await db.schema.dropTable('campaign_hubs').execute();
}
