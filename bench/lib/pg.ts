import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import type { DatabaseConfig } from '../../src/core/config.js';
import type { Dialect } from '../../src/core/db/index.js';
import { onCleanup } from './cleanup.js';

/** The PostgreSQL server benchmarks create their databases on. */
export const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Runs one statement on the admin database (create, drop, or a reachability probe). */
export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query(sql);
  } finally {
    await client.end().catch(() => {});
  }
}

/** A fresh, empty database of the dialect (SQLite in dataDir), dropped at cleanup. */
export async function freshDatabase(dialect: Dialect, dataDir: string): Promise<DatabaseConfig> {
  if (dialect === 'sqlite') return { dialect, file: join(dataDir, 'lantern.db') };
  const name = `lantern_bench_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  onCleanup(`drop database ${name}`, () => adminQuery(`drop database if exists ${name} with (force)`));
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return { dialect, url: url.toString() };
}
