import type { MigrationDb } from './helpers.js';

// What sending a newsletter needs beyond the first newsletters table: the throttle, whether it goes in the public
// archive, how many recipients it was prepared for, the last temporary failure (shown to staff), and the sender
// lock: the one job that may send it now (runner) and until when its claim holds (runner_until), so a paused and
// resumed send, or a job run again after a crash, never has two senders working through the same recipients.

export async function up(db: MigrationDb): Promise<void> {
  await db.schema.alterTable('newsletters').addColumn('rate_per_minute', 'integer').execute();
  await db.schema
    .alterTable('newsletters')
    .addColumn('in_archive', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.alterTable('newsletters').addColumn('recipient_count', 'integer').execute();
  await db.schema.alterTable('newsletters').addColumn('last_error', 'text').execute();
  await db.schema.alterTable('newsletters').addColumn('runner', 'text').execute();
  await db.schema.alterTable('newsletters').addColumn('runner_until', 'bigint').execute();
  await db.schema.createIndex('newsletters_status').on('newsletters').columns(['status', 'id']).execute();
}

export async function down(db: MigrationDb): Promise<void> {
  await db.schema.dropIndex('newsletters_status').execute();
  for (const c of ['runner_until', 'runner', 'last_error', 'recipient_count', 'in_archive', 'rate_per_minute']) {
    await db.schema.alterTable('newsletters').dropColumn(c).execute();
  }
}
