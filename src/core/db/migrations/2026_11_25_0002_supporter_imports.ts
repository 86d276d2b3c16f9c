import { withId, type MigrationDb } from './helpers.js';

// CSV imports of supporters. The uploaded file is personal data: it is kept encrypted, in chunks of about 1 MiB,
// only while staff map its columns and confirm, and deleted after the import or after 24 hours. The import row
// keeps what was decided (encrypted: the evidence of consent may name people) and counts without personal data.

export async function up(db: MigrationDb): Promise<void> {
  await withId(db, db.schema.createTable('supporter_imports'))
    .addColumn('staff_id', 'bigint', (c) => c.references('staff.id').onDelete('set null'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('filename_enc', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('chunks', 'integer', (c) => c.notNull())
    .addColumn('detected_encoding', 'text', (c) => c.notNull())
    .addColumn('settings_enc', 'text')
    .addColumn('report_enc', 'text')
    .addColumn('counts', 'text')
    .addColumn('rows_total', 'integer')
    .addColumn('rows_done', 'integer', (c) => c.notNull())
    .addColumn('bytes_done', 'bigint', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .execute();
  await db.schema.createIndex('supporter_imports_expires').on('supporter_imports').column('expires_at').execute();

  await db.schema
    .createTable('supporter_import_chunks')
    .addColumn('import_id', 'bigint', (c) => c.notNull().references('supporter_imports.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('data_enc', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('supporter_import_chunks_pk', ['import_id', 'seq'])
    .execute();
}

export async function down(db: MigrationDb): Promise<void> {
  await db.schema.dropTable('supporter_import_chunks').execute();
  await db.schema.dropTable('supporter_imports').execute();
}
