import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { loadConfig, type Config, type DatabaseConfig } from '../../src/core/config.js';
import { openDatabase, type Db, type Dialect } from '../../src/core/db/index.js';
import { migrateToLatest } from '../../src/core/db/migrate.js';

// Each test file gets a freshly migrated database on each dialect: a SQLite file in a temporary folder, and a
// PostgreSQL database with a random name, dropped afterwards. With CI=true PostgreSQL is required; elsewhere a
// file whose PostgreSQL is unreachable skips that dialect and says so. The migrations run once per test run, into
// a template of each dialect (made by global-setup); each file's database is a copy of it, which is much quicker
// than migrating again in every file.

export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ALL_DIALECTS: Dialect[] = ['sqlite', 'postgres'];

/**
 * The dialects TEST_DIALECTS asks for (both when unset). Throws on a name that is not a dialect, and, with
 * CI=true, on a list without PostgreSQL: CI must never pass on a run that quietly left PostgreSQL out.
 */
export function dialectsToTest(env: NodeJS.ProcessEnv = process.env): Dialect[] {
  if (env.TEST_DIALECTS === undefined) return ALL_DIALECTS;
  const asked = env.TEST_DIALECTS.split(',').map((d) => d.trim());
  const unknown = asked.filter((d) => !ALL_DIALECTS.includes(d as Dialect));
  if (unknown.length > 0)
    throw new Error(`TEST_DIALECTS=${env.TEST_DIALECTS}: not a dialect: ${unknown.join(', ')} (use ${ALL_DIALECTS.join(', ')})`);
  if (env.CI === 'true' && !asked.includes('postgres'))
    throw new Error(
      `CI=true: the PostgreSQL test run is required, but TEST_DIALECTS=${env.TEST_DIALECTS} leaves it out. Unset TEST_DIALECTS (or include postgres).`,
    );
  return asked as Dialect[];
}

export const DIALECTS: Dialect[] = dialectsToTest();

let pgReachable: Promise<boolean> | undefined;

/** Whether the test PostgreSQL server answers (asked once per test file). */
export function postgresReachable(): Promise<boolean> {
  pgReachable ??= (async () => {
    const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return pgReachable;
}

function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  return client
    .connect()
    .then(() => client.query(sql))
    .then(() => undefined)
    .finally(() => client.end().catch(() => {}));
}

export interface TestDatabase {
  dialect: Dialect;
  config: DatabaseConfig;
  /** Where this database's data dir (secret, SQLite file) lives. */
  dataDir: string;
  /** Drops the database and removes its files. */
  drop(): Promise<void>;
}

/**
 * Creates a database of the dialect: empty (not migrated), or a copy of a template (see createTemplateDatabase: the
 * SQLite file to copy, or the name of the PostgreSQL database to copy).
 */
export async function createTestDatabase(dialect: Dialect, template?: string): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lantern-test-'));
  if (dialect === 'sqlite') {
    if (template) copyFileSync(template, join(dataDir, 'lantern.db'));
    return {
      dialect,
      dataDir,
      config: { dialect, file: join(dataDir, 'lantern.db') },
      async drop() {
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const name = `lantern_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(template ? `create database ${name} template ${template}` : `create database ${name}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    dialect,
    dataDir,
    config: { dialect, url: url.toString() },
    async drop() {
      await adminQuery(`drop database if exists ${name} with (force)`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TemplateDatabase {
  /** What createTestDatabase copies: the SQLite file, or the PostgreSQL database's name. */
  template: string;
  /** Drops the template. */
  drop(): Promise<void>;
}

/** Makes a freshly migrated database of the dialect, closed, for each test file's database to be copied from. */
export async function createTemplateDatabase(dialect: Dialect): Promise<TemplateDatabase> {
  const t = await createTestDatabase(dialect);
  const db = openDatabase(t.config);
  try {
    await migrateToLatest(db);
  } finally {
    // Closed, so that the SQLite file is whole (its write-ahead log folded in) and nobody is connected to the
    // PostgreSQL template (which CREATE DATABASE … TEMPLATE requires).
    await db.destroy();
  }
  return {
    template: t.config.dialect === 'sqlite' ? t.config.file : new URL(t.config.url).pathname.slice(1),
    drop: () => t.drop(),
  };
}

/** A Config for tests on the given database: quiet, no demo, no inline worker, a fixed data dir and secret. */
export function testConfig(t: TestDatabase, env: Record<string, string> = {}): Config {
  return loadConfig({
    LANTERN_DATA_DIR: t.dataDir,
    DATABASE_URL: t.config.dialect === 'sqlite' ? `sqlite:${t.config.file}` : t.config.url,
    LANTERN_SECRET: 'test-secret-0123456789abcdef0123456789abcdef',
    LANTERN_DEMO: 'false',
    LANTERN_WORKER: 'off',
    LOG_LEVEL: 'silent',
    PORT: '0',
    ...env,
  });
}

export interface DialectContext {
  dialect: Dialect;
  /** The freshly migrated database for this file and dialect. */
  db: Db;
  testDb: TestDatabase;
  config: Config;
}

/**
 * Declares the suite once per dialect, each with its own freshly migrated database (available inside tests
 * through the context object). PostgreSQL is required with CI=true and skipped with a notice elsewhere.
 */
export function describeEachDialect(name: string, fn: (ctx: DialectContext) => void, o: { migrate?: boolean } = {}): void {
  for (const dialect of DIALECTS) {
    const ctx = { dialect } as DialectContext;
    if (dialect === 'postgres' && !inject('pgReachable')) {
      console.warn(`[lantern tests] PostgreSQL at ${PG_ADMIN_URL} is unreachable: skipping the PostgreSQL run of "${name}"`);
      describe.skip(`${name} [${dialect}]`, () => fn(ctx));
      continue;
    }
    describe(`${name} [${dialect}]`, () => {
      beforeAll(async () => {
        const template = o.migrate !== false ? inject('dbTemplates')[dialect] : undefined;
        ctx.testDb = await createTestDatabase(dialect, template);
        ctx.config = testConfig(ctx.testDb);
        ctx.db = openDatabase(ctx.testDb.config);
        // On a copy of the template there is nothing left to do, which this checks quickly.
        if (o.migrate !== false) await migrateToLatest(ctx.db);
      });
      afterAll(async () => {
        await ctx.db?.destroy().catch(() => {});
        await ctx.testDb?.drop();
      });
      fn(ctx);
    });
  }
}
