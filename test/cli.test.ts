import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { freePort } from './helpers/app.js';
import { describeEachDialect } from './helpers/db.js';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

function lantern(args: string[], env: Record<string, string>, input?: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], {
    env: { ...process.env, ...env },
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describeEachDialect('the lantern command', (ctx) => {
  const env = () => ({
    DATABASE_URL:
      ctx.dialect === 'sqlite' ? `sqlite:${(ctx.testDb.config as { file: string }).file}` : (ctx.testDb.config as { url: string }).url,
    LANTERN_DATA_DIR: ctx.testDb.dataDir,
    LANTERN_SECRET: 'test-secret-0123456789abcdef0123456789abcdef',
    BASE_URL: '',
    LOG_LEVEL: 'warn',
  });

  test('start on an empty database seeds the demo, prints a setup link, serves the site, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'start'], { env: { ...process.env, ...env(), PORT: String(port) } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      // Generous: a busy machine (the suite's other files running at once) may take a while to compile and seed.
      const end = Date.now() + 100_000;
      while (!/\/setup\/[A-Za-z0-9_-]{43}/.test(out)) {
        if (Date.now() > end) throw new Error(`no setup link in output:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(out).toContain(`Lantern is running at http://127.0.0.1:${port}`);
      const home = await fetch(`http://127.0.0.1:${port}/`);
      expect(home.status).toBe(200);
      expect(await home.text()).toContain('Freedom Thread');
      const link = /(http:\/\/\S+\/setup\/[A-Za-z0-9_-]{43})/.exec(out)![1]!;
      expect((await fetch(link)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(out).not.toMatch(/error/i);
  }, 130_000);

  test('worker runs queued jobs in its own process and stops cleanly on SIGTERM', async () => {
    const { buildCore } = await import('../src/app.js');
    const { testConfig } = await import('./helpers/db.js');
    const core = await buildCore(testConfig(ctx.testDb), { db: ctx.db });
    await core.mailer.enqueue(ctx.db, { subject: 'From the worker process', html: '<p>hi</p>', text: 'hi', to: 'worker@example.org' });
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'worker'], { env: { ...process.env, ...env() } });
    let out = '';
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const end = Date.now() + 30_000;
      while (!(await core.mailer.recent(5)).some((m) => m.subject === 'From the worker process')) {
        if (Date.now() > end) throw new Error(`the worker did not deliver the message:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 60_000);

  test('staff add reads the password from standard input and refuses bad input with a clear message', () => {
    const ok = lantern(
      ['staff', 'add', '--email', 'ops@example.org', '--role', 'owner', '--name', 'Ops'],
      env(),
      'correct horse battery staple\n',
    );
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toContain('Added owner ops@example.org');
    expect(ok.status).toBe(0);
    const dup = lantern(['staff', 'add', '--email', 'OPS@example.org', '--role', 'editor'], env(), 'another long passphrase\n');
    expect(dup.status).not.toBe(0);
    expect(dup.stderr).toMatch(/already/i);
    const badRole = lantern(['staff', 'add', '--email', 'x@example.org', '--role', 'admin'], env(), 'another long passphrase\n');
    expect(badRole.status).not.toBe(0);
    expect(badRole.stderr).toMatch(/role/i);
    const shortPw = lantern(['staff', 'add', '--email', 'y@example.org', '--role', 'viewer'], env(), 'short\n');
    expect(shortPw.status).not.toBe(0);
    expect(shortPw.stderr).toMatch(/12 characters/);
  }, 60_000);

  test('a bad configuration stops start-up naming the variable', () => {
    const r = lantern(['migrate'], { ...env(), PORT: 'eighty' });
    expect(r.status).toBe(78);
    expect(r.stderr).toContain('PORT');
  });

  test('migrate reports an up-to-date database', () => {
    const r = lantern(['migrate'], env());
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/up to date|Applied/);
  });

  test('import wordpress: a dry run writes nothing; the import reports on stdout with progress on stderr; a hostile file is refused', () => {
    const fixture = fileURLToPath(new URL('./fixtures/wordpress/riverside.xml', import.meta.url));
    const dry = lantern(['import', 'wordpress', fixture, '--dry-run'], env());
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain('Dry run: nothing was written');
    const r = lantern(['import', 'wordpress', fixture], env());
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('The export holds 12 items');
    expect(r.stdout).toMatch(/new: +5 updates, 2 pages, 3 categories/);
    expect(r.stdout).toContain('Skipped:');
    const again = lantern(['import', 'wordpress', fixture], env());
    expect(again.stdout).toMatch(/unchanged: +5 updates, 2 pages, 3 categories/);
    const dir = mkdtempSync(join(tmpdir(), 'lantern-wp-cli-'));
    try {
      const xxe = join(dir, 'xxe.xml');
      writeFileSync(
        xxe,
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss><channel><title>&x;</title></channel></rss>',
      );
      const refused = lantern(['import', 'wordpress', xxe], env());
      expect(refused.status).toBe(65);
      expect(refused.stderr).toMatch(/DOCTYPE.*Nothing was imported/s);
      const missing = lantern(['import', 'wordpress', join(dir, 'none.xml')], env());
      expect(missing.status).toBe(66);
      expect(lantern(['import', 'wordpress'], env()).status).toBe(64);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  test('backup copies SQLite (and explains pg_dump on PostgreSQL)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lantern-backup-'));
    try {
      const file = join(dir, 'copy.db');
      const r = lantern(['backup', file], env());
      if (ctx.dialect === 'postgres') {
        expect(r.status).not.toBe(0);
        expect(r.stderr).toContain('pg_dump');
        return;
      }
      expect(r.status).toBe(0);
      expect(existsSync(file)).toBe(true);
      expect(readFileSync(file).subarray(0, 15).toString()).toBe('SQLite format 3');
      const again = lantern(['backup', file], env());
      expect(again.status).not.toBe(0);
      expect(again.stderr).toContain('already exists');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
