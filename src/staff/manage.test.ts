import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import type { TestClient } from '../../test/helpers/http.js';
import { startSmtpSink, type SmtpSink } from '../../test/helpers/smtp.js';
import { addTestStaff, clearLoginFailures, countRows, signedInClient, signInAs, type TestStaff } from '../../test/helpers/staff.js';
import { normaliseEmail } from '../core/crypto.js';
import { recordAudit } from '../core/audit.js';
import { addStaffFromCli } from './service.js';

// Owners manage staff accounts; every member manages their own password; the audit log records it all.

describeEachDialect('staff management', (ctx) => {
  let t: TestLantern;
  let sink: SmtpSink;
  let owner: TestStaff;
  let ownerClient: TestClient;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestLantern(ctx, { env: { SMTP_URL: sink.url }, worker: true });
    owner = await addTestStaff(t, { role: 'owner', name: 'Olu Owner' });
    ownerClient = await signedInClient(t, owner);
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });
  beforeEach(async () => {
    await clearLoginFailures(t);
  });

  const db = () => t.lantern.core.db;
  const roleOf = async (id: number) => (await db().selectFrom('staff').select('role').where('id', '=', id).executeTakeFirstOrThrow()).role;
  const lastAudit = async () => db().selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();

  test('lantern staff add: validates role, email and password, refuses duplicates, and audits', async () => {
    const core = t.lantern.core;
    const good = { email: 'Cli.Person@Example.org', role: 'campaigner', password: 'a long enough passphrase' };
    const bad: Array<[Partial<typeof good>, RegExp]> = [
      [{ role: 'admin' }, /--role: The role must be one of: owner, editor, campaigner, treasurer, viewer/],
      [{ email: 'nope' }, /--email: Enter an email address in the right format/],
      [{ password: 'too short' }, /Password \(standard input\): Password must be at least 12 characters/],
      [{ password: 'zzzzzzzzzzzzzzzz' }, /must not be one character repeated/],
      [{ password: 'p'.repeat(300) + 'q' }, /256 characters or fewer/],
    ];
    const before = await countRows(t, 'staff');
    for (const [change, message] of bad) {
      const r = await addStaffFromCli(core, { ...good, ...change });
      expect(r.ok).toBe(false);
      expect(r.ok ? '' : r.message).toMatch(message);
    }
    expect(await countRows(t, 'staff')).toBe(before);

    expect(await addStaffFromCli(core, good)).toEqual({ ok: true });
    const dup = await addStaffFromCli(core, { ...good, email: ' cli.person@example.ORG ', role: 'viewer' });
    expect(dup).toEqual({ ok: false, message: 'A staff account with that email address already exists.' });
    expect(await countRows(t, 'staff')).toBe(before + 1);

    const row = await db()
      .selectFrom('staff')
      .selectAll()
      .where('email_index', '=', core.keyring.blindIndex('email', normaliseEmail(good.email)))
      .executeTakeFirstOrThrow();
    expect(row.role).toBe('campaigner');
    expect(core.keyring.decrypt(row.name_enc)).toBe('Cli.Person');
    expect(core.keyring.decrypt(row.email_enc)).toBe('Cli.Person@Example.org');
    const audit = await lastAudit();
    expect(audit).toMatchObject({ action: 'staff.add', target: `staff ${row.id}`, staff_id: null });
    expect((await signInAs(t, { email: good.email, password: good.password })).res.status).toBe(303);
  });

  test('an owner adds a staff member, who chooses a password through the emailed invitation', async () => {
    const before = await countRows(t, 'staff');
    const form = await ownerClient.get('/admin/staff/new');
    expect(form.status).toBe(200);
    const invalid = await ownerClient.post('/admin/staff', { name: '', email: 'x', role: 'superuser' });
    expect(invalid.status).toBe(422);
    expect(invalid.text).toContain('Enter their name');
    expect(invalid.text).toContain('Choose a role');
    const dup = await ownerClient.post('/admin/staff', { name: 'Same Again', email: owner.email.toUpperCase(), role: 'viewer' });
    expect(dup.status).toBe(422);
    expect(dup.text).toContain('A staff account with that email address already exists');
    expect(await countRows(t, 'staff')).toBe(before);

    const mailsBefore = sink.messages.length;
    const res = await ownerClient.post('/admin/staff', { name: 'Fatima New', email: 'fatima@example.org', role: 'editor' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/staff?done=added');
    const list = await ownerClient.get('/admin/staff');
    expect(list.text).toContain('Fatima New');
    expect(list.text).toContain('invited');

    const [mail] = (await sink.waitFor(mailsBefore + 1)).slice(mailsBefore);
    expect(mail!.subject).toContain('You have been added to');
    const path = /\/admin\/password\/reset\/[A-Za-z0-9_-]{43}/.exec(mail!.text ?? '')![0];
    // Before choosing a password, the account cannot sign in with anything.
    expect((await signInAs(t, { email: 'fatima@example.org', password: '!no-password' })).res.status).toBe(422);
    const c = t.client();
    const page = await c.get(path);
    expect(page.text).toContain('Choose your password');
    expect((await c.post(path, { password: 'fatima chooses this', confirm: 'fatima chooses this' })).status).toBe(303);
    const signed = await signInAs(t, { email: 'fatima@example.org', password: 'fatima chooses this' });
    expect(signed.res.status).toBe(303);
    const actions = (await db().selectFrom('audit_log').select('action').execute()).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['staff.add', 'staff.invite_accepted']));
  });

  test('roles change, but the last active owner can be neither demoted nor disabled, and nobody disables themselves', async () => {
    // Only one owner: demoting them is refused.
    const onlyOwner = await ownerClient.get(`/admin/staff/${owner.id}`);
    expect(onlyOwner.status).toBe(200);
    const demote = await ownerClient.post(`/admin/staff/${owner.id}/role`, { role: 'editor' });
    expect(demote.status).toBe(422);
    expect(demote.text).toContain('There must always be at least one active owner');
    expect(await roleOf(owner.id)).toBe('owner');
    const self = await ownerClient.post(`/admin/staff/${owner.id}/disable`);
    expect(self.status).toBe(422);
    expect(self.text).toContain('You cannot disable your own account');

    // A second owner: now either can be demoted, and the role takes effect at once.
    const second = await addTestStaff(t, { role: 'viewer', name: 'Second Person' });
    const secondClient = await signedInClient(t, second);
    expect((await secondClient.get('/admin/staff')).status).toBe(403);
    expect((await ownerClient.post(`/admin/staff/${second.id}/role`, { role: 'owner' })).status).toBe(303);
    expect((await secondClient.get('/admin/staff')).status).toBe(200);
    const badRole = await ownerClient.post(`/admin/staff/${second.id}/role`, { role: 'root' });
    expect(badRole.status).toBe(422);
    expect(await roleOf(second.id)).toBe('owner');

    // The second owner disabled: the first is again the last active owner.
    expect((await ownerClient.post(`/admin/staff/${second.id}/disable`)).status).toBe(303);
    expect((await secondClient.get('/admin')).status).toBe(303);
    const cannot = await signInAs(t, second);
    expect(cannot.res.status).toBe(422);
    expect(cannot.res.text).toContain('The email address or password is not right.');
    expect((await ownerClient.post(`/admin/staff/${owner.id}/role`, { role: 'viewer' })).status).toBe(422);

    expect((await ownerClient.post(`/admin/staff/${second.id}/enable`)).status).toBe(303);
    expect((await signInAs(t, second)).res.status).toBe(303);
    expect((await ownerClient.post(`/admin/staff/${owner.id}/role`, { role: 'editor' })).status).toBe(303);
    expect(await roleOf(owner.id)).toBe('editor');
    // The demoted owner loses owner pages at once; put them back through the other owner.
    expect((await ownerClient.get('/admin/staff')).status).toBe(403);
    const back = await signedInClient(t, second);
    expect((await back.post(`/admin/staff/${owner.id}/role`, { role: 'owner' })).status).toBe(303);
    expect((await ownerClient.get('/admin/staff')).status).toBe(200);

    for (const [path, status] of [
      [`/admin/staff/999999`, 404],
      [`/admin/staff/abc`, 404],
      [`/admin/staff/-1`, 404],
    ] as const) {
      expect((await ownerClient.get(path)).status, path).toBe(status);
    }
    expect((await ownerClient.post('/admin/staff/999999/disable')).status).toBe(404);

    const actions = (
      await db().selectFrom('audit_log').select(['action', 'details']).where('target', '=', `staff ${second.id}`).execute()
    ).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['staff.add', 'staff.role_change', 'staff.disable', 'staff.enable']));
  });

  test('an owner can turn off the two-step sign-in of someone who lost their phone', async () => {
    const lost = await addTestStaff(t, { role: 'viewer' });
    await db()
      .updateTable('staff')
      .set({ totp_secret_enc: t.lantern.core.keyring.encrypt('JBSWY3DPEHPK3PXP'), totp_enabled_at: Date.now() })
      .where('id', '=', lost.id)
      .execute();
    expect((await signInAs(t, lost)).res.headers.get('location')).toBe('/admin/login/2fa');
    await ownerClient.get(`/admin/staff/${lost.id}`);
    expect((await ownerClient.post(`/admin/staff/${lost.id}/2fa/reset`)).status).toBe(303);
    expect((await signInAs(t, lost)).res.headers.get('location')).toBe('/admin');
    const off = await db()
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', '2fa.off')
      .where('target', '=', `staff ${lost.id}`)
      .execute();
    expect(off).toHaveLength(1);
    expect(Number(off[0]!.staff_id)).toBe(owner.id);
  });

  test('each staff member changes their own password, which signs out their other sessions', async () => {
    const gil = await addTestStaff(t, { role: 'viewer', name: 'Gil Viewer' });
    const here = await signedInClient(t, gil);
    const elsewhere = await signedInClient(t, gil);
    const account = await here.get('/admin/account');
    expect(account.status).toBe(200);
    expect(account.text).toContain('Gil Viewer');
    const wrong = await here.post('/admin/account/password', {
      current: 'not it at all',
      password: 'gil new passphrase',
      confirm: 'gil new passphrase',
    });
    expect(wrong.status).toBe(422);
    expect(wrong.text).toContain('Your current password is not right');
    const weak = await here.post('/admin/account/password', { current: gil.password, password: 'short', confirm: 'short' });
    expect(weak.status).toBe(422);
    const ok = await here.post('/admin/account/password', {
      current: gil.password,
      password: 'gil new passphrase',
      confirm: 'gil new passphrase',
    });
    expect(ok.status).toBe(303);
    expect((await here.get('/admin/account')).status).toBe(200);
    expect((await elsewhere.get('/admin/account')).status).toBe(303);
    expect((await signInAs(t, { email: gil.email, password: 'gil new passphrase' })).res.status).toBe(303);
    expect(
      (await db().selectFrom('audit_log').select('action').where('target', '=', `staff ${gil.id}`).execute()).map((a) => a.action),
    ).toContain('password.change');
  });

  test('the hourly clean-up deletes expired and idle sessions, dead links and old sign-in failures, and nothing else', async () => {
    expect(t.lantern.recurring).toContainEqual({ name: 'deleteExpiredSignInRecords', everyMs: 3600_000 });
    const now = Date.now();
    const d = db();
    await d.deleteFrom('login_failures').execute();
    await d
      .insertInto('staff_sessions')
      .values([
        {
          token_hash: 'expired',
          staff_id: owner.id,
          mfa_pending: 0,
          created_at: now - 13 * 3600_000,
          last_seen_at: now - 60_000,
          expires_at: now - 3600_000,
        },
        {
          token_hash: 'idle',
          staff_id: owner.id,
          mfa_pending: 0,
          created_at: now - 3 * 3600_000,
          last_seen_at: now - 2 * 3600_000 - 1000,
          expires_at: now + 3600_000,
        },
        {
          token_hash: 'live',
          staff_id: owner.id,
          mfa_pending: 0,
          created_at: now - 3600_000,
          last_seen_at: now - 60_000,
          expires_at: now + 3600_000,
        },
      ])
      .execute();
    await d
      .insertInto('tokens')
      .values([
        {
          token_hash: 'dead-link',
          purpose: 'password_reset',
          subject_id: owner.id,
          created_at: now - 3 * 3600_000,
          expires_at: now - 2 * 3600_000,
          used_at: null,
        },
        {
          token_hash: 'live-link',
          purpose: 'password_reset',
          subject_id: owner.id,
          created_at: now,
          expires_at: now + 3600_000,
          used_at: null,
        },
      ])
      .execute();
    await d
      .insertInto('login_failures')
      .values([
        { key: 'old', created_at: now - 25 * 3600_000 },
        { key: 'recent', created_at: now - 60_000 },
      ])
      .execute();

    await t.lantern.handlers.deleteExpiredSignInRecords!(null, {} as never);

    const sessions = (
      await d.selectFrom('staff_sessions').select('token_hash').where('token_hash', 'in', ['expired', 'idle', 'live']).execute()
    ).map((r) => r.token_hash);
    expect(sessions).toEqual(['live']);
    const links = (await d.selectFrom('tokens').select('token_hash').where('token_hash', 'in', ['dead-link', 'live-link']).execute()).map(
      (r) => r.token_hash,
    );
    expect(links).toEqual(['live-link']);
    expect((await d.selectFrom('login_failures').select('key').execute()).map((r) => r.key)).toEqual(['recent']);
    await d.deleteFrom('staff_sessions').where('token_hash', '=', 'live').execute();
    await d.deleteFrom('tokens').where('token_hash', '=', 'live-link').execute();
  });

  test('the audit log is shown to owners a page at a time, with no email addresses in it', async () => {
    for (let i = 0; i < 120; i++)
      await recordAudit(db(), { staffId: owner.id, action: 'test.entry', target: `thing ${i}`, details: { n: i } });
    const first = await ownerClient.get('/admin/audit');
    expect(first.status).toBe(200);
    expect(first.text).toContain('thing 119');
    expect(first.text).toContain('Olu Owner');
    expect(first.text).toContain('href="/admin/audit?page=2"');
    expect(first.text).not.toContain('thing 69');
    const second = await ownerClient.get('/admin/audit?page=2');
    expect(second.text).toContain('thing 69');
    expect(second.text).toContain('href="/admin/audit?page=1"');
    for (const q of ['?page=abc', '?page=-4', '?page=99999999999', '?page=1&page=2', '?page[x]=1']) {
      expect((await ownerClient.get(`/admin/audit${q}`)).status, q).toBe(200);
    }
    const rows = await db().selectFrom('audit_log').select(['target', 'details']).execute();
    for (const r of rows) expect(`${r.target ?? ''} ${r.details ?? ''}`).not.toContain('@');
  });
});
