import { sql } from 'kysely';
import { byDialect } from '../index.js';
import type { MigrationDb } from './helpers.js';

// An organisation's sign-on details are encrypted like every other field a person typed (organisation_enc,
// website_enc), and the plain columns hold a copy only while staff have approved the sign-on for the public list, so
// organisation becomes nullable. Migrations hold no key: sign-ons stored before this are encrypted, and their plain
// copies emptied unless approved, by the sign-ons kind's encryptSignOnDetails job, which every worker queues at
// start-up. On SQLite the column is moved aside, added again without NOT NULL, copied and dropped.

export async function up(db: MigrationDb): Promise<void> {
  await db.schema.alterTable('sign_ons').addColumn('organisation_enc', 'text').execute();
  await db.schema.alterTable('sign_ons').addColumn('website_enc', 'text').execute();
  await byDialect(db, {
    postgres: () =>
      db.schema
        .alterTable('sign_ons')
        .alterColumn('organisation', (c) => c.dropNotNull())
        .execute(),
    sqlite: async () => {
      await db.schema.alterTable('sign_ons').renameColumn('organisation', 'organisation_before_0006').execute();
      await db.schema.alterTable('sign_ons').addColumn('organisation', 'text').execute();
      await sql`update sign_ons set organisation = organisation_before_0006`.execute(db);
      await db.schema.alterTable('sign_ons').dropColumn('organisation_before_0006').execute();
    },
  });
  // What the job looks for: sign-ons not yet encrypted.
  await db.schema
    .createIndex('sign_ons_not_encrypted')
    .on('sign_ons')
    .column('id')
    .where(sql.ref('organisation_enc'), 'is', null)
    .execute();
}

export async function down(): Promise<void> {
  // Going back would need the key to put pending and rejected organisations' details back in plain text (and would
  // defeat the point); a migration holds no key.
  throw new Error('2026_12_04_0006_sign_on_details_encrypted cannot be undone');
}
