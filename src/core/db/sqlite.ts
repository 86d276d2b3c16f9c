import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import {
  CompiledQuery,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDatabase,
  type SqliteStatement,
} from 'kysely';

const STATEMENT_CACHE_SIZE = 500;

function toSqliteValue(v: unknown): SQLInputValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Date) return v.getTime();
  return v as SQLInputValue;
}

function bind(parameters: ReadonlyArray<unknown>): SQLInputValue[] {
  return parameters.map(toSqliteValue);
}

/** Adapts node:sqlite's DatabaseSync to the interface Kysely's SqliteDialect expects, caching prepared statements. */
export class NodeSqliteDatabase implements SqliteDatabase {
  readonly raw: DatabaseSync;
  private readonly cache = new Map<string, SqliteStatement>();

  constructor(file: string, options: { busyTimeoutMs?: number } = {}) {
    this.raw = new DatabaseSync(file, { timeout: options.busyTimeoutMs ?? 5000 });
    this.raw.exec('PRAGMA journal_mode = WAL');
    this.raw.exec('PRAGMA synchronous = FULL');
    this.raw.exec('PRAGMA foreign_keys = ON');
    this.raw.exec(`PRAGMA busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  }

  prepare(sql: string): SqliteStatement {
    const hit = this.cache.get(sql);
    if (hit) return hit;
    const stmt: StatementSync = this.raw.prepare(sql);
    const wrapped: SqliteStatement = {
      reader: stmt.columns().length > 0,
      all: (p) => stmt.all(...bind(p)),
      run: (p) => stmt.run(...bind(p)),
      iterate: (p) => stmt.iterate(...bind(p)),
    };
    if (this.cache.size >= STATEMENT_CACHE_SIZE) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(sql, wrapped);
    return wrapped;
  }

  close(): void {
    this.cache.clear();
    if (this.raw.isOpen) this.raw.close();
  }
}

/**
 * SqliteDriver that opens write transactions with BEGIN IMMEDIATE, so a transaction never has to upgrade
 * its lock half-way (which fails with SQLITE_BUSY regardless of the busy timeout when another process writes).
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  /**
   * The one connection is handed out in turn. Code that reads through the database object while its own transaction
   * holds the connection would wait for itself forever, and with nothing else pending Node would simply exit; after
   * ACQUIRE_TIMEOUT_MS the wait fails loudly instead (the late connection is given straight back).
   */
  override async acquireConnection(): Promise<DatabaseConnection> {
    const waiting = super.acquireConnection();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        void waiting.then(() => this.releaseConnection());
        reject(
          new Error(
            `Waited ${ACQUIRE_TIMEOUT_MS / 1000} s for the SQLite connection: is something reading through the database object inside its own transaction?`,
          ),
        );
      }, ACQUIRE_TIMEOUT_MS);
    });
    try {
      return await Promise.race([waiting, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}

const ACQUIRE_TIMEOUT_MS = 20_000;

/** Kysely dialect over node:sqlite (WAL, synchronous=FULL, busy timeout). */
export class NodeSqliteDialect extends SqliteDialect {
  readonly database: NodeSqliteDatabase;
  constructor(database: NodeSqliteDatabase) {
    super({ database });
    this.database = database;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver({ database: this.database });
  }
}
