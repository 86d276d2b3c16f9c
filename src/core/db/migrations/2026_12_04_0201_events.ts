import { withId, type MigrationDb } from './helpers.js';

// Events: the event (one-off or a series rule), its occurrences (one row per date, holding the places counter that
// a registration claims with one conditional UPDATE), registrations (personal fields encrypted), each registration's
// places per occurrence (confirmed, waitlisted in arrival order, offered for a time, cancelled, lapsed), and feedback.

export async function up(db: MigrationDb): Promise<void> {
  await withId(db, db.schema.createTable('events'))
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('publication', 'text', (c) => c.notNull())
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint', (c) => c.notNull())
    .addColumn('series', 'text')
    .addColumn('venue_name', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('accessibility', 'text', (c) => c.notNull())
    .addColumn('capacity', 'integer')
    .addColumn('max_places', 'integer', (c) => c.notNull())
    .addColumn('registration_deadline', 'bigint')
    .addColumn('campaign_id', 'bigint')
    .addColumn('organiser_name', 'text', (c) => c.notNull())
    .addColumn('organiser_email', 'text', (c) => c.notNull())
    .addColumn('questions', 'text', (c) => c.notNull())
    .addColumn('joining_link_enc', 'text')
    .addColumn('meeting_point_enc', 'text')
    .addColumn('recording_url', 'text', (c) => c.notNull())
    .addColumn('recording_resource_id', 'bigint')
    .addColumn('materials', 'text', (c) => c.notNull())
    .addColumn('newsletter_list_id', 'bigint')
    .addColumn('materialised_until', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await withId(db, db.schema.createTable('event_occurrences'))
    .addColumn('event_id', 'bigint', (c) => c.notNull().references('events.id').onDelete('cascade'))
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint', (c) => c.notNull())
    .addColumn('original_starts_at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('capacity', 'integer')
    .addColumn('places_taken', 'integer', (c) => c.notNull())
    .addColumn('places_waiting', 'integer', (c) => c.notNull())
    .addColumn('reminded_day_at', 'bigint')
    .addColumn('reminded_hour_at', 'bigint')
    .addColumn('followed_up_at', 'bigint')
    .addUniqueConstraint('event_occurrences_once', ['event_id', 'original_starts_at'])
    .execute();
  await db.schema.createIndex('event_occurrences_by_start').on('event_occurrences').columns(['starts_at']).execute();
  await withId(db, db.schema.createTable('event_registrations'))
    .addColumn('event_id', 'bigint', (c) => c.notNull().references('events.id').onDelete('cascade'))
    .addColumn('manage_hash', 'text', (c) => c.notNull().unique())
    .addColumn('manage_enc', 'text', (c) => c.notNull())
    .addColumn('email_index', 'text')
    .addColumn('email_enc', 'text')
    .addColumn('name_enc', 'text', (c) => c.notNull())
    .addColumn('answers_enc', 'text')
    .addColumn('places', 'integer', (c) => c.notNull())
    .addColumn('whole_series', 'integer', (c) => c.notNull())
    .addColumn('opt_in', 'integer', (c) => c.notNull())
    .addColumn('supporter_id', 'bigint')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    // One registration per address per event: a second attempt is told by email, never stored twice.
    .addUniqueConstraint('event_registrations_once', ['event_id', 'email_index'])
    .execute();
  await withId(db, db.schema.createTable('event_places'))
    .addColumn('registration_id', 'bigint', (c) => c.notNull().references('event_registrations.id').onDelete('cascade'))
    .addColumn('occurrence_id', 'bigint', (c) => c.notNull().references('event_occurrences.id').onDelete('cascade'))
    .addColumn('places', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('offered_until', 'bigint')
    .addColumn('attendance', 'text', (c) => c.notNull())
    .addColumn('checked_in_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('event_places_once', ['registration_id', 'occurrence_id'])
    .execute();
  // The waitlist is read in arrival order (id) per occurrence and state.
  await db.schema.createIndex('event_places_queue').on('event_places').columns(['occurrence_id', 'state', 'id']).execute();
  await db.schema.createIndex('event_places_offers').on('event_places').columns(['state', 'offered_until']).execute();
  await withId(db, db.schema.createTable('event_feedback'))
    .addColumn('event_id', 'bigint', (c) => c.notNull().references('events.id').onDelete('cascade'))
    .addColumn('occurrence_id', 'bigint')
    .addColumn('registration_id', 'bigint')
    .addColumn('rating', 'integer', (c) => c.notNull())
    .addColumn('comment_enc', 'text')
    .addColumn('may_quote', 'integer', (c) => c.notNull())
    .addColumn('quote_name_enc', 'text')
    .addColumn('permission_wording', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: MigrationDb): Promise<void> {
  for (const t of ['event_feedback', 'event_places', 'event_registrations', 'event_occurrences', 'events'])
    await db.schema.dropTable(t).execute();
}
