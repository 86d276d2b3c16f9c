import { withId, type MigrationDb } from './helpers.js';

// Supporters, their consent and the newsletters sent to them. Personal fields are ciphertext (*_enc); exact
// lookups go through blind indexes (*_index); name search goes through one blind index per name word.

export async function up(db: MigrationDb): Promise<void> {
  await withId(db, db.schema.createTable('supporters'))
    .addColumn('public_id', 'text', (c) => c.notNull().unique())
    .addColumn('email_enc', 'text')
    .addColumn('email_index', 'text', (c) => c.unique())
    .addColumn('first_name_enc', 'text')
    .addColumn('last_name_enc', 'text')
    .addColumn('postcode_enc', 'text')
    .addColumn('phone_enc', 'text')
    .addColumn('address_enc', 'text')
    .addColumn('constituency_code', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('confirmed_at', 'bigint')
    .addColumn('undeliverable_at', 'bigint')
    .addColumn('erased_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('supporters_created_at').on('supporters').column('created_at').execute();
  await db.schema.createIndex('supporters_constituency').on('supporters').column('constituency_code').execute();
  await db.schema.createIndex('supporters_source').on('supporters').column('source').execute();

  await db.schema
    .createTable('supporter_name_tokens')
    .addColumn('supporter_id', 'bigint', (c) => c.notNull().references('supporters.id').onDelete('cascade'))
    .addColumn('token_index', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('supporter_name_tokens_pk', ['supporter_id', 'token_index'])
    .execute();
  await db.schema.createIndex('supporter_name_tokens_token').on('supporter_name_tokens').column('token_index').execute();

  await db.schema
    .createTable('supporter_tags')
    .addColumn('supporter_id', 'bigint', (c) => c.notNull().references('supporters.id').onDelete('cascade'))
    .addColumn('tag', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('supporter_tags_pk', ['supporter_id', 'tag'])
    .execute();
  await db.schema.createIndex('supporter_tags_tag').on('supporter_tags').column('tag').execute();

  await withId(db, db.schema.createTable('lists'))
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('wording', 'text', (c) => c.notNull())
    .addColumn('wording_version', 'integer', (c) => c.notNull())
    .addColumn('archived_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  // Every wording a list has ever shown, so each consent points at the exact words the supporter saw.
  await db.schema
    .createTable('consent_wordings')
    .addColumn('list_id', 'bigint', (c) => c.notNull().references('lists.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('wording', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('consent_wordings_pk', ['list_id', 'version'])
    .execute();

  await db.schema
    .createTable('subscriptions')
    .addColumn('supporter_id', 'bigint', (c) => c.notNull().references('supporters.id').onDelete('cascade'))
    .addColumn('list_id', 'bigint', (c) => c.notNull().references('lists.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('lawful_basis', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('subscriptions_pk', ['supporter_id', 'list_id'])
    .execute();
  await db.schema.createIndex('subscriptions_list_status').on('subscriptions').columns(['list_id', 'status', 'supporter_id']).execute();

  // The consent ledger: append-only.
  await withId(db, db.schema.createTable('consent_events'))
    .addColumn('supporter_id', 'bigint', (c) => c.notNull().references('supporters.id').onDelete('cascade'))
    .addColumn('list_id', 'bigint', (c) => c.notNull().references('lists.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('lawful_basis', 'text')
    .addColumn('wording_version', 'integer')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('consent_events_supporter').on('consent_events').columns(['supporter_id', 'created_at']).execute();

  await db.schema
    .createTable('suppressions')
    .addColumn('email_index', 'text', (c) => c.primaryKey())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await withId(db, db.schema.createTable('segments'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('filters', 'text', (c) => c.notNull())
    .addColumn('created_by', 'bigint', (c) => c.references('staff.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await withId(db, db.schema.createTable('newsletters'))
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('list_id', 'bigint', (c) => c.references('lists.id').onDelete('set null'))
    .addColumn('segment_id', 'bigint', (c) => c.references('segments.id').onDelete('set null'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('scheduled_at', 'bigint')
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('archive_slug', 'text', (c) => c.unique())
    .addColumn('created_by', 'bigint', (c) => c.references('staff.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await withId(db, db.schema.createTable('newsletter_deliveries'))
    .addColumn('newsletter_id', 'bigint', (c) => c.notNull().references('newsletters.id').onDelete('cascade'))
    .addColumn('supporter_id', 'bigint', (c) => c.notNull().references('supporters.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('newsletter_deliveries_unique')
    .on('newsletter_deliveries')
    .columns(['newsletter_id', 'supporter_id'])
    .unique()
    .execute();
  await db.schema
    .createIndex('newsletter_deliveries_status')
    .on('newsletter_deliveries')
    .columns(['newsletter_id', 'status', 'id'])
    .execute();
  await db.schema.createIndex('newsletter_deliveries_supporter').on('newsletter_deliveries').column('supporter_id').execute();
}

export async function down(db: MigrationDb): Promise<void> {
  for (const t of [
    'newsletter_deliveries',
    'newsletters',
    'segments',
    'suppressions',
    'consent_events',
    'subscriptions',
    'consent_wordings',
    'lists',
    'supporter_tags',
    'supporter_name_tokens',
    'supporters',
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
