import { withId, type MigrationDb } from './helpers.js';

// Messages staff send to an event's attendees: the message, and one delivery row per person, which the bulk sender
// works through in id order (a sender lock on the message's row, as for newsletters), recording each outcome
// right after its send.

export async function up(db: MigrationDb): Promise<void> {
  await withId(db, db.schema.createTable('event_messages'))
    .addColumn('event_id', 'bigint', (c) => c.notNull().references('events.id').onDelete('cascade'))
    .addColumn('occurrence_id', 'bigint', (c) => c.references('event_occurrences.id').onDelete('set null'))
    .addColumn('include_waitlist', 'integer', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('recipient_count', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('runner', 'text')
    .addColumn('runner_until', 'bigint')
    .execute();
  await db.schema.createIndex('event_messages_by_event').on('event_messages').columns(['event_id', 'id']).execute();
  await withId(db, db.schema.createTable('event_message_deliveries'))
    .addColumn('message_id', 'bigint', (c) => c.notNull().references('event_messages.id').onDelete('cascade'))
    .addColumn('registration_id', 'bigint', (c) => c.notNull().references('event_registrations.id').onDelete('cascade'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('sent_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    // One delivery per person per message, however often the send is started.
    .addUniqueConstraint('event_message_deliveries_once', ['message_id', 'registration_id'])
    .execute();
  // The sender reads a message's queued deliveries in id order.
  await db.schema
    .createIndex('event_message_deliveries_queue')
    .on('event_message_deliveries')
    .columns(['message_id', 'state', 'id'])
    .execute();
  await db.schema.createIndex('event_message_deliveries_registration').on('event_message_deliveries').column('registration_id').execute();
}

export async function down(db: MigrationDb): Promise<void> {
  for (const t of ['event_message_deliveries', 'event_messages']) await db.schema.dropTable(t).execute();
}
