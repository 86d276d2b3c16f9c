import { byDialect } from '../index.js';
import { withId, type MigrationDb } from './helpers.js';

// Campaigns and their calls to action: petitions, letters to MPs, emails to targets and organisation sign-ons.
// Every supporter field is ciphertext (*_enc) with a blind index (*_index) where a duplicate must be found.
// Kind-specific options of an action live in its `settings` JSON, validated with zod on the way in and out.

export async function up(db: MigrationDb): Promise<void> {
  await withId(db, db.schema.createTable('campaigns'))
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  // Uploaded files (sign-on logos, later attachments) live in the database, so one backup holds everything.
  await withId(db, db.schema.createTable('files'))
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('bytes', byDialect(db, { sqlite: () => 'blob' as const, postgres: () => 'bytea' as const }), (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await withId(db, db.schema.createTable('actions'))
    .addColumn('campaign_id', 'bigint', (c) => c.notNull().references('campaigns.id'))
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('thank_you', 'text', (c) => c.notNull())
    .addColumn('result', 'text', (c) => c.notNull())
    .addColumn('deadline', 'text')
    .addColumn('closes_at', 'bigint')
    .addColumn('goal', 'integer')
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('count_updated_at', 'bigint')
    .addColumn('newsletter_list_id', 'bigint', (c) => c.references('lists.id'))
    .addColumn('next_action_id', 'bigint')
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'bigint')
    .addColumn('closed_at', 'bigint')
    .addColumn('created_by', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('actions_campaign').on('actions').columns(['campaign_id', 'status']).execute();
  await db.schema.createIndex('actions_status_closes').on('actions').columns(['status', 'closes_at']).execute();

  // Posted news about an action: "handed in on …", the target's response, anything else staff want to say.
  await withId(db, db.schema.createTable('action_updates'))
    .addColumn('action_id', 'bigint', (c) => c.notNull().references('actions.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('happened_on', 'text')
    .addColumn('posted_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'bigint')
    .execute();
  await db.schema.createIndex('action_updates_action').on('action_updates').columns(['action_id', 'posted_at']).execute();

  // The fixed recipients of an "email a target" action (a company's chief executive, say). Work addresses, not
  // supporters' data, so stored plain.
  await withId(db, db.schema.createTable('action_targets'))
    .addColumn('action_id', 'bigint', (c) => c.notNull().references('actions.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('action_targets_action').on('action_targets').columns(['action_id', 'position']).execute();

  await withId(db, db.schema.createTable('signatures'))
    .addColumn('action_id', 'bigint', (c) => c.notNull().references('actions.id').onDelete('cascade'))
    .addColumn('email_index', 'text', (c) => c.notNull())
    .addColumn('email_enc', 'text', (c) => c.notNull())
    .addColumn('first_name_enc', 'text', (c) => c.notNull())
    .addColumn('last_name_enc', 'text')
    .addColumn('postcode_enc', 'text')
    .addColumn('town_enc', 'text')
    .addColumn('constituency_code', 'text')
    .addColumn('show_name', 'integer', (c) => c.notNull())
    .addColumn('opt_in', 'integer', (c) => c.notNull())
    .addColumn('supporter_id', 'bigint', (c) => c.references('supporters.id').onDelete('set null'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('confirmed_at', 'bigint')
    .execute();
  await db.schema.createIndex('signatures_one_per_email').on('signatures').columns(['action_id', 'email_index']).unique().execute();
  await db.schema.createIndex('signatures_action_status').on('signatures').columns(['action_id', 'status', 'confirmed_at']).execute();

  // Letters to MPs and emails to targets: the supporter's own words, sent only after they confirm by email.
  await withId(db, db.schema.createTable('letters'))
    .addColumn('action_id', 'bigint', (c) => c.notNull().references('actions.id').onDelete('cascade'))
    .addColumn('email_index', 'text', (c) => c.notNull())
    .addColumn('email_enc', 'text', (c) => c.notNull())
    .addColumn('first_name_enc', 'text', (c) => c.notNull())
    .addColumn('last_name_enc', 'text', (c) => c.notNull())
    .addColumn('address_enc', 'text')
    .addColumn('postcode_enc', 'text')
    .addColumn('constituency_code', 'text')
    .addColumn('subject_enc', 'text', (c) => c.notNull())
    .addColumn('body_enc', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('similarity', 'real')
    .addColumn('opt_in', 'integer', (c) => c.notNull())
    .addColumn('supporter_id', 'bigint', (c) => c.references('supporters.id').onDelete('set null'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('hold_reason', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('confirmed_at', 'bigint')
    .addColumn('decided_at', 'bigint')
    .addColumn('decided_by', 'bigint')
    .addColumn('sent_at', 'bigint')
    .addColumn('followup_at', 'bigint')
    .addColumn('reply', 'text')
    .addColumn('replied_at', 'bigint')
    .execute();
  await db.schema.createIndex('letters_one_per_email').on('letters').columns(['action_id', 'email_index']).unique().execute();
  await db.schema.createIndex('letters_action_status').on('letters').columns(['action_id', 'status', 'created_at']).execute();
  await db.schema.createIndex('letters_followup').on('letters').columns(['status', 'followup_at']).execute();

  // One row per recipient of a confirmed letter (its MP, or each target): the pace limit gives each a time slot.
  await withId(db, db.schema.createTable('letter_deliveries'))
    .addColumn('letter_id', 'bigint', (c) => c.notNull().references('letters.id').onDelete('cascade'))
    .addColumn('action_id', 'bigint', (c) => c.notNull())
    .addColumn('recipient_key', 'text', (c) => c.notNull())
    .addColumn('recipient_name', 'text', (c) => c.notNull())
    .addColumn('recipient_email', 'text', (c) => c.notNull())
    .addColumn('party', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('not_before', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint')
    .addColumn('error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('letter_deliveries_one_per_recipient')
    .on('letter_deliveries')
    .columns(['letter_id', 'recipient_key'])
    .unique()
    .execute();
  await db.schema.createIndex('letter_deliveries_due').on('letter_deliveries').columns(['status', 'not_before']).execute();
  await db.schema.createIndex('letter_deliveries_recipient').on('letter_deliveries').columns(['recipient_key', 'not_before']).execute();

  await withId(db, db.schema.createTable('sign_ons'))
    .addColumn('action_id', 'bigint', (c) => c.notNull().references('actions.id').onDelete('cascade'))
    .addColumn('organisation', 'text', (c) => c.notNull())
    .addColumn('website', 'text')
    .addColumn('contact_name_enc', 'text', (c) => c.notNull())
    .addColumn('contact_role_enc', 'text')
    .addColumn('email_index', 'text', (c) => c.notNull())
    .addColumn('email_enc', 'text', (c) => c.notNull())
    .addColumn('logo_file_id', 'bigint', (c) => c.references('files.id').onDelete('set null'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('confirmed_at', 'bigint')
    .addColumn('decided_at', 'bigint')
    .addColumn('decided_by', 'bigint')
    .execute();
  await db.schema.createIndex('sign_ons_one_per_email').on('sign_ons').columns(['action_id', 'email_index']).unique().execute();
  await db.schema.createIndex('sign_ons_action_status').on('sign_ons').columns(['action_id', 'status', 'decided_at']).execute();
}

export async function down(db: MigrationDb): Promise<void> {
  for (const t of [
    'sign_ons',
    'letter_deliveries',
    'letters',
    'signatures',
    'action_targets',
    'action_updates',
    'actions',
    'files',
    'campaigns',
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
