import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const dir = () => mkdtempSync(join(tmpdir(), 'lantern-config-'));

describe('config', () => {
  test('defaults: port 3000 on 127.0.0.1, SQLite in the data dir, demo on, inline worker', () => {
    const d = dir();
    const c = loadConfig({ LANTERN_DATA_DIR: d });
    expect(c.port).toBe(3000);
    expect(c.host).toBe('127.0.0.1');
    expect(c.baseUrl).toBe('http://127.0.0.1:3000');
    expect(c.database).toEqual({ dialect: 'sqlite', file: join(d, 'lantern.db') });
    expect(c.demo).toBe(true);
    expect(c.worker).toBe('inline');
    expect(Object.isFrozen(c)).toBe(true);
  });

  test('the secret is generated once into the data dir with mode 0600, then reused', () => {
    const d = dir();
    const a = loadConfig({ LANTERN_DATA_DIR: d });
    const b = loadConfig({ LANTERN_DATA_DIR: d });
    expect(a.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(b.secret).toBe(a.secret);
    expect(readFileSync(join(d, 'secret'), 'utf8').trim()).toBe(a.secret);
    expect(statSync(join(d, 'secret')).mode & 0o777).toBe(0o600);
  });

  test('LANTERN_SECRET wins over the file', () => {
    const c = loadConfig({ LANTERN_DATA_DIR: dir(), LANTERN_SECRET: 'x'.repeat(40) });
    expect(c.secret).toBe('x'.repeat(40));
  });

  test('a PostgreSQL DATABASE_URL selects the postgres dialect', () => {
    const c = loadConfig({ LANTERN_DATA_DIR: dir(), DATABASE_URL: 'postgres://u@db/lantern' });
    expect(c.database).toEqual({ dialect: 'postgres', url: 'postgres://u@db/lantern' });
  });

  test.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['BASE_URL', 'not a url'],
    ['BASE_URL', 'ftp://example.org'],
    ['DATABASE_URL', 'mysql://x'],
    ['LANTERN_SECRET', 'short'],
    ['SMTP_URL', 'http://mail'],
    ['LANTERN_DEMO', 'maybe'],
    ['LANTERN_WORKER', 'sometimes'],
  ])('a bad %s (%s) stops start-up naming the variable', (name, value) => {
    expect(() => loadConfig({ LANTERN_DATA_DIR: dir(), [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ LANTERN_DATA_DIR: dir(), [name]: value })).toThrow(new RegExp(`${name}:`));
  });

  test('DKIM variables must come together', () => {
    expect(() => loadConfig({ LANTERN_DATA_DIR: dir(), DKIM_DOMAIN: 'example.org' })).toThrow(
      /DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE/,
    );
  });

  test('MAIL_FROM is an override: unset, the mailer uses the organisation’s name and contact address', () => {
    expect(loadConfig({ LANTERN_DATA_DIR: dir(), BASE_URL: 'https://act.example.org/' }).mailFrom).toBeUndefined();
    expect(loadConfig({ LANTERN_DATA_DIR: dir(), MAIL_FROM: 'Freedom Thread <news@example.org>' }).mailFrom).toBe(
      'Freedom Thread <news@example.org>',
    );
    expect(loadConfig({ LANTERN_DATA_DIR: dir(), BASE_URL: 'https://act.example.org/' }).baseUrl).toBe('https://act.example.org');
  });
});
