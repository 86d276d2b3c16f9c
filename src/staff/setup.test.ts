import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import { countRows } from '../../test/helpers/staff.js';
import { hashToken } from '../core/crypto.js';
import { setupLinkIfNoStaff } from './service.js';

// First run: an empty instance prints a one-time link; the link creates the owner, signs them in, and dies.

describeEachDialect('first-run setup', (ctx) => {
  let t: TestLantern;
  beforeAll(async () => {
    t = await startTestLantern(ctx);
  });
  afterAll(() => t?.close());

  const pathOf = (link: string) => new URL(link).pathname;
  const owner = {
    name: 'Amina Owner',
    email: 'Amina@Example.org',
    password: 'lantern owner passphrase',
    confirm: 'lantern owner passphrase',
  };

  test('the link is on the base URL, single-purpose, and a new one replaces the old', async () => {
    const first = await setupLinkIfNoStaff(t.lantern.core);
    expect(first).toMatch(new RegExp(`^${t.lantern.core.config.baseUrl}/setup/[A-Za-z0-9_-]{43}$`));
    const second = await setupLinkIfNoStaff(t.lantern.core);
    expect(second).not.toBe(first);
    const tokens = await t.lantern.core.db.selectFrom('tokens').selectAll().execute();
    expect(tokens).toHaveLength(1);
    expect(tokens[0]!.purpose).toBe('setup');
    // Only the hash is stored.
    expect(tokens[0]!.token_hash).toBe(hashToken(pathOf(second!).split('/')[2]!));
    const expiresIn = tokens[0]!.expires_at - tokens[0]!.created_at;
    expect(expiresIn).toBe(24 * 3600_000);

    const old = await t.client().get(pathOf(first!));
    expect(old.status).toBe(404);
    expect(old.text).toContain('This setup link is not valid');
    expect((await t.client().get(pathOf(second!))).status).toBe(200);
  });

  test('unknown and expired links answer with a clear 404', async () => {
    for (const path of ['/setup/nope', `/setup/${'A'.repeat(43)}`, `/setup/${'%41'.repeat(60)}`, `/setup/${'x'.repeat(190)}`]) {
      const res = await t.client().get(path);
      expect(res.status, path).toBe(404);
      expect(res.text).toContain('Restart Lantern to get a new one');
    }
    const link = (await setupLinkIfNoStaff(t.lantern.core))!;
    await t.lantern.core.db
      .updateTable('tokens')
      .set({ expires_at: Date.now() - 1 })
      .execute();
    const c = t.client();
    expect((await c.get(pathOf(link))).status).toBe(404);
    await c.get('/admin/login'); // a page with a form, for a CSRF token
    const post = await c.post(pathOf(link), owner);
    expect(post.status).toBe(404);
    expect(await countRows(t, 'staff')).toBe(0);
  });

  test('an invalid form re-renders with messages and stores nothing', async () => {
    const link = (await setupLinkIfNoStaff(t.lantern.core))!;
    const c = t.client();
    await c.get(pathOf(link));
    const cases: Array<[Record<string, string>, string]> = [
      [{ ...owner, password: 'short', confirm: 'short' }, 'Password must be at least 12 characters'],
      [{ ...owner, password: 'aaaaaaaaaaaaaaa', confirm: 'aaaaaaaaaaaaaaa' }, 'Password must not be one character repeated'],
      [{ ...owner, password: 'x'.repeat(257) + 'y', confirm: 'x'.repeat(257) + 'y' }, 'Password must be 256 characters or fewer'],
      [{ ...owner, confirm: 'something else entirely' }, 'The two passwords do not match'],
      [{ ...owner, email: 'not an email' }, 'Enter an email address in the right format'],
      [{ ...owner, name: '   ' }, 'Enter your name'],
    ];
    for (const [form, message] of cases) {
      const res = await c.post(pathOf(link), form);
      expect(res.status, message).toBe(422);
      expect(res.text).toContain(message);
      expect(res.text).not.toContain(form.password!);
    }
    expect(await countRows(t, 'staff')).toBe(0);
    expect(await countRows(t, 'staff_sessions')).toBe(0);
    const token = await t.lantern.core.db.selectFrom('tokens').select('used_at').executeTakeFirstOrThrow();
    expect(token.used_at).toBeNull();
  });

  test('a valid form creates the owner, signs them in, audits, and the link and the route then refuse', async () => {
    const link = (await setupLinkIfNoStaff(t.lantern.core))!;
    const c = t.client();
    await c.get(pathOf(link));
    const res = await c.post(pathOf(link), owner);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin');
    expect(c.cookie('lantern_session')).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const dash = await c.get('/admin');
    expect(dash.status).toBe(200);
    expect(dash.text).toContain('Amina Owner');

    const staff = await t.lantern.core.db.selectFrom('staff').selectAll().execute();
    expect(staff).toHaveLength(1);
    expect(staff[0]!.role).toBe('owner');
    expect(staff[0]!.email_enc).not.toContain('Example.org');
    expect(staff[0]!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const audit = await t.lantern.core.db.selectFrom('audit_log').selectAll().execute();
    expect(audit.map((a) => a.action)).toEqual(['setup']);
    expect(audit[0]!.target).toBe(`staff ${staff[0]!.id}`);

    const again = await t.client().get(pathOf(link));
    expect(again.status).toBe(404);
    expect(again.text).toContain('Setup is already complete');
    const repost = await c.post(pathOf(link), { ...owner, email: 'second@example.org' });
    expect(repost.status).toBe(404);
    expect(await countRows(t, 'staff')).toBe(1);
    expect(await setupLinkIfNoStaff(t.lantern.core)).toBeNull();
  });
});
