import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import { signedInAs } from '../../test/helpers/signin.js';
import { getSiteSettings } from '../core/settings.js';
import { renderEmail } from '../core/mail/render.js';
import { h } from 'preact';
import { until } from '../../test/helpers/wait.js';

describeEachDialect('admin shell', (ctx) => {
  let t: TestLantern;
  beforeAll(async () => {
    t = await startTestLantern(ctx, { worker: true });
  });
  afterAll(() => t.close());

  test('the dashboard shows real job, mail and staff activity', async () => {
    const { client } = await signedInAs(t, 'owner', { name: 'Dash Owner' });
    await t.lantern.core.mailer.enqueue(t.lantern.core.db, {
      ...renderEmail({ subject: 'Dashboard probe', orgName: 'X', body: h('p', null, 'hi') }),
      to: 'probe@example.org',
    });
    await until(async () => (await t.lantern.core.mailer.recent(3)).some((m) => m.subject === 'Dashboard probe'));
    await t.lantern.core.queue.enqueue(t.lantern.core.db, 'noSuchJobHandler', {});
    await until(
      async () =>
        (await t.lantern.core.db.selectFrom('jobs').select('state').where('name', '=', 'noSuchJobHandler').executeTakeFirstOrThrow())
          .state === 'parked',
    );
    const r = await client.get('/admin');
    expect(r.status).toBe(200);
    expect(r.text).toContain('Dashboard probe');
    expect(r.text).toContain('probe@example.org');
    expect(r.text).toMatch(/Failed, need attention<\/dt><dd class="bad">[1-9]/);
    expect(r.text).toContain('Dash Owner');
    expect(r.text).toContain('login');
  });

  test('a viewer sees the dashboard without mail or the audit log', async () => {
    const { client } = await signedInAs(t, 'viewer');
    const r = await client.get('/admin');
    expect(r.status).toBe(200);
    expect(r.text).toContain('Only owners can read mail');
    expect(r.text).not.toContain('Recent staff activity');
    expect((await client.get('/admin/mail')).status).toBe(403);
    expect((await client.get('/admin/settings')).status).toBe(403);
  });

  test('settings: saved, audited and shown in the footer; invalid input is a 422 with messages and stores nothing', async () => {
    const { client } = await signedInAs(t, 'owner');
    await client.get('/admin/settings');
    const bad = await client.post('/admin/settings', {
      orgName: '',
      contactEmail: 'not-an-email',
      timeZone: 'Mars/Olympus',
      charityNumber: 'x'.repeat(41),
    });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Enter the organisation name');
    expect(bad.text).toContain('Enter a contact email in the right format');
    expect(bad.text).toContain('Choose a time zone');
    expect(bad.text).toContain('Charity number must be 40 characters or fewer');
    expect((await getSiteSettings(ctx.db)).orgName).not.toBe('');
    const ok = await client.post('/admin/settings', {
      orgName: 'Harbour Light Trust',
      tagline: 'Standing together',
      charityNumber: '1234567',
      timeZone: 'Europe/London',
      contactEmail: 'info@example.org',
      postalAddress: '1 Quay Street\nPortsmouth',
      require2fa: '',
    });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/admin/settings?saved=1');
    const home = await t.client().get('/privacy');
    expect(home.text).toContain('Registered charity number 1234567');
    expect(home.text).toContain('info@example.org');
    const audit = await client.get('/admin/audit');
    expect(audit.text).toContain('settings.update');
  });

  test('mail catcher: owners read whole messages', async () => {
    const { client } = await signedInAs(t, 'owner');
    await t.lantern.core.mailer.enqueue(t.lantern.core.db, {
      ...renderEmail({ subject: 'Catcher probe', orgName: 'X', body: h('p', null, 'Body line for the catcher') }),
      to: 'reader@example.org',
    });
    await until(async () => (await t.lantern.core.mailer.recent(3)).some((m) => m.subject === 'Catcher probe'));
    const list = await client.get('/admin/mail');
    expect(list.text).toContain('Catcher probe');
    const id = /href="\/admin\/mail\/(\d+)">Catcher probe/.exec(list.text)![1];
    const one = await client.get(`/admin/mail/${id}`);
    expect(one.status).toBe(200);
    expect(one.text).toContain('Body line for the catcher');
    expect((await client.get('/admin/mail/999999')).status).toBe(404);
    expect((await client.get('/admin/mail/abc')).status).toBe(404);
  });

  test('jobs view lists failed jobs and a campaigner can retry one; a viewer cannot', async () => {
    const db = t.lantern.core.db;
    const id = (await t.lantern.core.queue.enqueue(db, 'alsoNoHandler', {}))!;
    await until(
      async () => (await db.selectFrom('jobs').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state === 'parked',
    );
    const { client } = await signedInAs(t, 'campaigner');
    const page = await client.get('/admin/jobs?state=parked');
    expect(page.text).toContain('alsoNoHandler');
    expect(page.text).toContain(`/admin/jobs/${id}/retry`);
    const retry = await client.post(`/admin/jobs/${id}/retry`);
    expect(retry.status).toBe(303);
    expect(
      (await db.selectFrom('jobs').select(['state', 'attempts']).where('id', '=', id).executeTakeFirstOrThrow()).attempts,
    ).toBeLessThanOrEqual(1);
    const again = await client.post(`/admin/jobs/${id}/retry`);
    expect([303, 404]).toContain(again.status);
    const viewer = await signedInAs(t, 'viewer');
    expect((await viewer.client.get('/admin/jobs')).status).toBe(403);
    expect((await client.get('/admin/jobs?state=bogus')).status).toBe(200);
  });
});
