import { sql } from 'kysely';
import { byDialect } from '../index.js';
import type { MigrationDb } from './helpers.js';

// An action may stand on its own, outside any campaign: actions.campaign_id becomes nullable. PostgreSQL drops the
// constraint in place; SQLite cannot change a column's constraints, so the column is moved aside, added again
// without NOT NULL (still referencing campaigns), copied and the old one dropped, with its index made again.

export async function up(db: MigrationDb): Promise<void> {
  await byDialect(db, {
    postgres: () =>
      db.schema
        .alterTable('actions')
        .alterColumn('campaign_id', (c) => c.dropNotNull())
        .execute(),
    sqlite: async () => {
      await db.schema.dropIndex('actions_campaign').execute();
      await db.schema.alterTable('actions').renameColumn('campaign_id', 'campaign_id_before_0005').execute();
      await db.schema
        .alterTable('actions')
        .addColumn('campaign_id', 'bigint', (c) => c.references('campaigns.id'))
        .execute();
      await sql`update actions set campaign_id = campaign_id_before_0005`.execute(db);
      await db.schema.alterTable('actions').dropColumn('campaign_id_before_0005').execute();
      await db.schema.createIndex('actions_campaign').on('actions').columns(['campaign_id', 'status']).execute();
    },
  });
}

export async function down(db: MigrationDb): Promise<void> {
  // PostgreSQL refuses while an action has no campaign, which is right: nothing is deleted to go back. SQLite keeps
  // the nullable column, which the earlier schema's code reads just the same.
  await byDialect(db, {
    postgres: () =>
      db.schema
        .alterTable('actions')
        .alterColumn('campaign_id', (c) => c.setNotNull())
        .execute(),
    sqlite: async () => undefined,
  });
}
