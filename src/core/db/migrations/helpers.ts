import type { CreateTableBuilder, Kysely } from 'kysely';
import { byDialect } from '../index.js';

// Migrations see an untyped database: they describe the schema as it was at that time.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type MigrationDb = Kysely<any>;

/** Adds an auto-increment integer primary key named id, the right way for each dialect. */
export function withId<T extends string>(db: MigrationDb, table: CreateTableBuilder<T, never>): CreateTableBuilder<T, 'id'> {
  return byDialect(db, {
    sqlite: () => table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement()),
    postgres: () => table.addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity()),
  });
}
