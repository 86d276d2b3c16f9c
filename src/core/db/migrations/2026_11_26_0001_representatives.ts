import { sql } from 'kysely';
import { byDialect } from '../index.js';
import type { MigrationDb } from './helpers.js';

// UK representatives: the Westminster constituencies (2024 boundaries), their MPs, and the exact postcodes staff
// import from ONSPD/NSPL. Open data, nothing personal: stored plain. The rows are filled by the representatives
// capability from the files Lantern ships (opendata/uk/) and by `lantern import`; `representatives_sources` records
// what was loaded from where. (The shipped postcode range table is held in memory, not here.)

export async function up(db: MigrationDb): Promise<void> {
  await db.schema
    .createTable('constituencies')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_cy', 'text')
    .addColumn('nation', 'text', (c) => c.notNull())
    .execute();

  // One sitting MP per constituency; no row while a seat is vacant.
  await db.schema
    .createTable('mps')
    .addColumn('constituency_code', 'text', (c) => c.primaryKey())
    .addColumn('member_id', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('full_title', 'text', (c) => c.notNull())
    .addColumn('party', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .execute();

  // 1.7M rows once ONSPD is imported: on SQLite the primary key is the table (no rowid b-tree beside it).
  const postcodes = db.schema
    .createTable('postcodes')
    .addColumn('postcode', 'text', (c) => c.primaryKey())
    .addColumn('constituency_code', 'text', (c) => c.notNull());
  await byDialect(db, { sqlite: () => postcodes.modifyEnd(sql`without rowid`), postgres: () => postcodes }).execute();

  // One row per kind of data: where the rows now in its table came from, and the shipped file last applied.
  await db.schema
    .createTable('representatives_sources')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('shipped_version', 'text', (c) => c.notNull())
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('row_count', 'integer', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('loaded_at', 'bigint')
    .execute();
  await db
    .insertInto('representatives_sources')
    .values(
      ['constituencies', 'mps', 'postcodes'].map((key) => ({
        key,
        origin: 'none',
        version: '',
        shipped_version: '',
        file: '',
        row_count: 0,
        details: '{}',
        loaded_at: null,
      })),
    )
    .execute();
}

export async function down(db: MigrationDb): Promise<void> {
  for (const t of ['representatives_sources', 'postcodes', 'mps', 'constituencies']) await db.schema.dropTable(t).execute();
}
