import { Kysely, PostgresAdapter, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { DatabaseConfig } from '../config.js';
import type { Schema } from './schema.js';
import { NodeSqliteDatabase, NodeSqliteDialect } from './sqlite.js';

export type Db = Kysely<Schema>;
export type Trx = Transaction<Schema>;
export type DbOrTrx = Db | Trx;
export type Dialect = 'sqlite' | 'postgres';

// Timestamps are UTC milliseconds in bigint columns; numbers are exact up to 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

const sqliteHandles = new WeakMap<Db, NodeSqliteDatabase>();

/** Opens the database the config names; the caller owns closing it with db.destroy(). */
export function openDatabase(config: DatabaseConfig, options: { poolSize?: number } = {}): Db {
  if (config.dialect === 'sqlite') {
    const raw = new NodeSqliteDatabase(config.file);
    const db = new Kysely<Schema>({ dialect: new NodeSqliteDialect(raw) });
    sqliteHandles.set(db, raw);
    return db;
  }
  const pool = new pg.Pool({ connectionString: config.url, max: options.poolSize ?? 10 });
  // An idle client that loses its connection is replaced by the pool; there is nothing to do here.
  pool.on('error', () => {});
  return new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
}

/** The dialect behind a Kysely instance or transaction. */
export function dialectOf(db: DbOrTrx): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/** Picks the branch for the database's dialect: the one place dialect differences are written. */
export function byDialect<T>(db: DbOrTrx, branches: { sqlite: () => T; postgres: () => T }): T {
  return dialectOf(db) === 'postgres' ? branches.postgres() : branches.sqlite();
}

/** The raw node:sqlite handle behind a SQLite database opened here (for backups), or undefined. */
export function sqliteHandle(db: Db): NodeSqliteDatabase | undefined {
  return sqliteHandles.get(db);
}
