import { Migrator, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import type { Db } from './index.js';
import * as m0001 from './migrations/2026_11_21_0001_foundation.js';
import * as m0002 from './migrations/2026_11_22_0001_staff_auth.js';
import * as m0003 from './migrations/2026_11_23_0001_jobs_claim_order.js';
import * as m0004 from './migrations/2026_11_24_0001_supporters.js';
import * as m0006 from './migrations/2026_11_25_0002_supporter_imports.js';
import * as m0007 from './migrations/2026_11_25_0003_newsletter_sending.js';
import * as m0008 from './migrations/2026_11_26_0001_representatives.js';
import * as m0009 from './migrations/2026_11_26_0002_actions.js';
import * as m0010 from './migrations/2026_12_04_0001_sign_in_attack_alerts.js';
import * as m0012 from './migrations/2026_12_04_0003_representatives_uploads.js';
import * as m0013 from './migrations/2026_12_04_0004_newsletter_images.js';
import * as m0014 from './migrations/2026_12_04_0005_actions_without_campaign.js';
import * as m0015 from './migrations/2026_12_04_0006_sign_on_details_encrypted.js';
import * as m0101 from './migrations/2026_12_04_0101_content_redirects.js';
import * as m0102 from './migrations/2026_12_04_0102_content_updates.js';
import * as m0103 from './migrations/2026_12_04_0103_content_images.js';
import * as m0104 from './migrations/2026_12_04_0104_content_resources.js';
import * as m0105 from './migrations/2026_12_04_0105_content_search.js';
import * as m0106 from './migrations/2026_12_04_0106_content_site.js';
import * as m0107 from './migrations/2026_12_04_0107_content_wordpress.js';
import * as m0108 from './migrations/2026_12_04_0108_home_sections.js';
import * as m0201 from './migrations/2026_12_04_0201_events.js';
import * as m0202 from './migrations/2026_12_04_0202_event_messages.js';
import * as m0301 from './migrations/2026_12_05_0301_donations.js';

// Migrations are listed here in order, so the built package needs no directory scanning.
const migrations: Record<string, Migration> = {
  '2026_11_21_0001_foundation': m0001,
  '2026_11_22_0001_staff_auth': m0002,
  '2026_11_23_0001_jobs_claim_order': m0003,
  '2026_11_24_0001_supporters': m0004,
  '2026_11_25_0002_supporter_imports': m0006,
  '2026_11_25_0003_newsletter_sending': m0007,
  '2026_11_26_0001_representatives': m0008,
  '2026_11_26_0002_actions': m0009,
  '2026_12_04_0001_sign_in_attack_alerts': m0010,
  '2026_12_04_0003_representatives_uploads': m0012,
  '2026_12_04_0004_newsletter_images': m0013,
  '2026_12_04_0005_actions_without_campaign': m0014,
  '2026_12_04_0006_sign_on_details_encrypted': m0015,
  '2026_12_04_0101_content_redirects': m0101,
  '2026_12_04_0102_content_updates': m0102,
  '2026_12_04_0103_content_images': m0103,
  '2026_12_04_0104_content_resources': m0104,
  '2026_12_04_0105_content_search': m0105,
  '2026_12_04_0106_content_site': m0106,
  '2026_12_04_0107_content_wordpress': m0107,
  '2026_12_04_0108_home_sections': m0108,
  '2026_12_04_0201_events': m0201,
  '2026_12_04_0202_event_messages': m0202,
  '2026_12_05_0301_donations': m0301,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Brings the schema up to date; throws with the failing migration's name. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'lantern_migrations',
    migrationLockTableName: 'lantern_migrations_lock',
  });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Migration ${failed} failed: ${String((result.error as Error).message ?? result.error)}`);
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
