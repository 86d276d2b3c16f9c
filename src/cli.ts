#!/usr/bin/env -S node --max-semi-space-size=16
import { parseArgs } from 'node:util';
import { buildCore, buildLantern, capabilities } from './app.js';
import { ConfigError, loadConfig, type Config } from './core/config.js';
import { backupSqlite } from './core/db/backup.js';
import { migrateToLatest } from './core/db/migrate.js';
import { openDatabase } from './core/db/index.js';
import { Worker } from './core/jobs/worker.js';
import { getSiteSettings } from './core/settings.js';
import { jobTable } from './app.js';
import { ensureEssentialPages } from './content/service.js';
import { describeWordPressImport, importWordPressFile, isRefusedExport } from './content/capability.js';
import { seedDemo } from './app.js';
import { addStaffFromCli, setupLinkIfNoStaff } from './staff/service.js';
import {
  DataFileError,
  describeMpsImport,
  describePostcodeImport,
  importMpsFile,
  importPostcodesFile,
} from './representatives/capability.js';

const USAGE = `Usage: lantern <command>

Commands:
  start                          run the web server (and the worker, unless LANTERN_WORKER=off)
  worker                         run a job worker process only
  migrate                        bring the database schema up to date
  staff add --email E --role R [--name N]
                                 add a staff account; the password is read from standard input
  backup FILE                    copy the SQLite database to FILE (safe while Lantern runs)
  import postcodes FILE          import ONSPD or NSPL postcodes (CSV or .csv.gz) for exact postcode → MP lookup
  import mps FILE                import MPs from a CSV like opendata/uk/current_mps.csv or Members API JSON

Configuration comes from environment variables: see .env.example.`;

function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function config(): Config {
  try {
    return loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message, 78);
    throw e;
  }
}

/** Stops gracefully on SIGTERM/SIGINT: stop claiming, finish in-flight work, close. */
function onShutdown(close: () => Promise<void>): void {
  let closing = false;
  const handler = (signal: string) => {
    if (closing) return;
    closing = true;
    process.stderr.write(`${signal}: shutting down\n`);
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`shutdown failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => handler('SIGTERM'));
  process.on('SIGINT', () => handler('SIGINT'));
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

async function start(): Promise<void> {
  const cfg = config();
  const lantern = await buildLantern(cfg);
  const { core } = lantern;
  if (cfg.demo && (await seedDemo(core))) core.logger.info('seeded the demo charity (set LANTERN_DEMO=false to start empty)');
  await ensureEssentialPages(core.db, (await getSiteSettings(core.db)).orgName);
  onShutdown(() => lantern.close());
  await lantern.web.listen({ port: cfg.port, host: cfg.host });
  const setup = await setupLinkIfNoStaff(core);
  process.stdout.write(`\nLantern is running at ${cfg.baseUrl}\n`);
  if (setup) process.stdout.write(`\nNo staff account exists yet. Create the owner account (link valid for 24 hours):\n  ${setup}\n\n`);
}

async function worker(): Promise<void> {
  const cfg = config();
  const core = await buildCore(cfg);
  const { handlers, recurring } = jobTable(core);
  const w = new Worker({ db: core.db, queue: core.queue, handlers, recurring, logger: core.logger });
  w.start();
  core.logger.info({ worker: w.id }, 'worker started');
  onShutdown(async () => {
    await w.stop();
    await core.mailer.close();
    await core.db.destroy();
  });
}

/** `lantern import wordpress FILE.xml [--dry-run]`: progress on stderr, the report on stdout. */
async function importWordPress(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { 'dry-run': { type: 'boolean' } } });
  const file = positionals[0];
  if (!file || positionals.length > 1) fail(USAGE, 64);
  const core = await buildCore(config());
  try {
    const progress = (line: string) => process.stderr.write(`${line}\n`);
    // A page lives at /<slug>: it may not take the first part of an address the site already answers.
    const takenAddresses = new Set(
      capabilities
        .flatMap((c) => [...(c.publicRoutes ?? []), ...(c.adminRoutes ?? [])])
        .map((r) => r.url.split('/')[1] ?? '')
        .filter((x) => x !== '' && !x.startsWith(':')),
    );
    const report = await importWordPressFile(core, file, { dryRun: values['dry-run'] ?? false, progress, takenAddresses });
    process.stdout.write(`${await describeWordPressImport(report)}\n`);
  } catch (e) {
    if (isRefusedExport(e)) fail(`${file}: ${e.message}. Nothing was imported.`, 65);
    if (e instanceof Error && 'code' in e && (e.code === 'ENOENT' || e.code === 'EISDIR' || e.code === 'EACCES'))
      fail(`${file}: cannot read that file (${e.code}). Nothing was imported.`, 66);
    throw e;
  } finally {
    await core.mailer.close();
    await core.db.destroy();
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return start();
    case 'worker':
      return worker();
    case 'migrate': {
      const cfg = config();
      const db = openDatabase(cfg.database);
      const applied = await migrateToLatest(db);
      await db.destroy();
      process.stdout.write(applied.length ? `Applied: ${applied.join(', ')}\n` : 'The database is up to date.\n');
      return;
    }
    case 'staff': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { email: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' } },
      });
      if (positionals[0] !== 'add' || !values.email || !values.role) fail(USAGE, 64);
      const core = await buildCore(config());
      try {
        const password = await readStdin();
        const result = await addStaffFromCli(core, { email: values.email, role: values.role, name: values.name, password });
        if (!result.ok) fail(result.message, 65);
        process.stdout.write(`Added ${values.role} ${values.email}.\n`);
      } finally {
        await core.db.destroy();
      }
      return;
    }
    case 'backup': {
      const file = rest[0];
      if (!file) fail(USAGE, 64);
      const cfg = config();
      if (cfg.database.dialect !== 'sqlite')
        fail('lantern backup copies the SQLite database. On PostgreSQL use pg_dump (see README.md).', 64);
      const pages = await backupSqlite(cfg.database.file, file);
      process.stdout.write(`Backed up ${pages} pages to ${file}.\n`);
      return;
    }
    case 'import': {
      if (rest[0] === 'wordpress') return importWordPress(rest.slice(1));
      const [what, file, ...extra] = rest;
      if ((what !== 'postcodes' && what !== 'mps') || !file || extra.length > 0) fail(USAGE, 64);
      const db = openDatabase(config().database);
      try {
        await migrateToLatest(db);
        const progress = (line: string) => process.stderr.write(`${line}\n`);
        const done =
          what === 'postcodes'
            ? describePostcodeImport(await importPostcodesFile(db, file, { progress }))
            : describeMpsImport(await importMpsFile(db, file));
        process.stdout.write(`${done}\n`);
      } catch (e) {
        if (e instanceof DataFileError) fail(e.message, 65);
        throw e;
      } finally {
        await db.destroy();
      }
      return;
    }
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(`${USAGE}\n`);
      return;
    default:
      fail(`Unknown command "${command}".\n\n${USAGE}`, 64);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
