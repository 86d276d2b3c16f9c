import type { MigrationDb } from './helpers.js';

// Sign-in under attack: when a staff account was last told by email that someone keeps failing to sign in to it,
// so that the warning goes at most once an hour however long the attack lasts.

export async function up(db: MigrationDb): Promise<void> {
  await db.schema.alterTable('staff').addColumn('attack_alerted_at', 'bigint').execute();
}

export async function down(db: MigrationDb): Promise<void> {
  await db.schema.alterTable('staff').dropColumn('attack_alerted_at').execute();
}
