import { byDialect } from '../index.js';
import { withId, type MigrationDb } from './helpers.js';

// Files staff upload on the MPs and postcodes page (an ONSPD/NSPL postcode file, a list of MPs): open data, nothing
// personal, so kept plain. The bytes are stored in chunks of about 1 MiB, in the database so that a worker on
// another machine can read them, until the background import that reads them has finished; the upload row keeps
// how far the import got (a number the job updates) and what it found.

export async function up(db: MigrationDb): Promise<void> {
  await withId(db, db.schema.createTable('representatives_uploads'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('chunks', 'integer', (c) => c.notNull())
    .addColumn('bytes_done', 'bigint', (c) => c.notNull())
    .addColumn('summary', 'text')
    .addColumn('staff_id', 'bigint', (c) => c.references('staff.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .execute();

  await db.schema
    .createTable('representatives_upload_chunks')
    .addColumn('upload_id', 'bigint', (c) => c.notNull().references('representatives_uploads.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('data', byDialect(db, { sqlite: () => 'blob' as const, postgres: () => 'bytea' as const }), (c) => c.notNull())
    .addPrimaryKeyConstraint('representatives_upload_chunks_pk', ['upload_id', 'seq'])
    .execute();
}

export async function down(db: MigrationDb): Promise<void> {
  await db.schema.dropTable('representatives_upload_chunks').execute();
  await db.schema.dropTable('representatives_uploads').execute();
}
