import type { MigrationDb } from './helpers.js';

// Staff sign-in: the last TOTP time step accepted for each staff member (a code is refused once used), and
// indexes for the clean-up job and for finding a staff member's tokens.

export async function up(db: MigrationDb): Promise<void> {
  await db.schema.alterTable('staff').addColumn('totp_last_step', 'bigint').execute();
  await db.schema.createIndex('staff_sessions_expires_at').on('staff_sessions').column('expires_at').execute();
  await db.schema.createIndex('tokens_subject').on('tokens').columns(['purpose', 'subject_id']).execute();
  await db.schema.createIndex('login_failures_created_at').on('login_failures').column('created_at').execute();
}

export async function down(db: MigrationDb): Promise<void> {
  await db.schema.dropIndex('login_failures_created_at').execute();
  await db.schema.dropIndex('tokens_subject').execute();
  await db.schema.dropIndex('staff_sessions_expires_at').execute();
  await db.schema.alterTable('staff').dropColumn('totp_last_step').execute();
}
