import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import { signedInAs } from '../../test/helpers/signin.js';
import { getSiteSettings } from '../core/settings.js';
import { renderEmail } from '../core/mail/render.js';
import { h } from 'preact';
import { until } from '../../test/helpers/wait.js';
import { openTestAction } from '../../test/helpers/actions.js';
import { recordAudit } from '../core/audit.js';

describeEachDialect('admin shell', (ctx) => {
  let t: TestLantern;
  beforeAll(async () => {
    t = await startTestLantern(ctx, { worker: true });
  });
  afterAll(() => t.close());

  test('the dashboard is the charity’s: supporters, newsletters, open actions, what needs a person, staff activity in words', async () => {
    const core = t.lantern.core;
    const db = core.db;
    const amina = await signedInAs(t, 'owner', { name: 'Amina Yusuf' });
    // Supporters: two confirmed this month, one waiting to confirm.
    const now = Date.now();
    for (const [i, confirmed] of [now, now, null].entries()) {
      await db
        .insertInto('supporters')
        .values({
          public_id: `dash-${i}-${now}`,
          email_enc: null,
          email_index: null,
          first_name_enc: null,
          last_name_enc: null,
          postcode_enc: null,
          phone_enc: null,
          address_enc: null,
          constituency_code: null,
          source: 'test',
          confirmed_at: confirmed,
          undeliverable_at: null,
          erased_at: null,
          created_at: now,
          updated_at: now,
        })
        .execute();
    }
    // Amina opens a petition through the admin.
    const petition = await openTestAction(core, {
      kind: 'petition',
      title: 'Label the cotton',
      goal: 5000,
      deadline: '2099-08-31',
      status: 'draft',
    });
    await amina.client.get(`/admin/actions/${petition.id}`);
    expect((await amina.client.post(`/admin/actions/${petition.id}/open`)).status).toBe(303);
    // A letter held for moderation, and an organisation waiting for approval.
    const letters = await openTestAction(core, { kind: 'letter_mp', title: 'Write to your MP about cotton' });
    await db
      .insertInto('letters')
      .values({
        action_id: letters.id,
        email_index: 'x',
        email_enc: 'x',
        first_name_enc: 'x',
        last_name_enc: 'x',
        address_enc: null,
        postcode_enc: null,
        constituency_code: null,
        subject_enc: 'x',
        body_enc: 'x',
        fingerprint: '',
        similarity: null,
        opt_in: 0,
        supporter_id: null,
        status: 'held',
        hold_reason: 'moderation',
        created_at: now,
        confirmed_at: now,
        decided_at: null,
        decided_by: null,
        sent_at: null,
        followup_at: null,
        reply: null,
        replied_at: null,
      })
      .execute();
    const signOn = await openTestAction(core, { kind: 'sign_on', title: 'Brands against forced labour' });
    await db
      .insertInto('sign_ons')
      .values({
        action_id: signOn.id,
        organisation: 'Cotton Watch',
        website: null,
        contact_name_enc: 'x',
        contact_role_enc: null,
        email_index: 'y',
        email_enc: 'y',
        logo_file_id: null,
        status: 'pending',
        created_at: now,
        confirmed_at: now,
        decided_at: null,
        decided_by: null,
      })
      .execute();
    // A background task that failed for good.
    await core.queue.enqueue(db, 'noSuchJobHandler', {});
    await until(
      async () =>
        (await db.selectFrom('jobs').select('state').where('name', '=', 'noSuchJobHandler').executeTakeFirstOrThrow()).state === 'parked',
    );

    const r = await amina.client.get('/admin');
    expect(r.status).toBe(200);
    const text = r.text.replace(/\s+/g, ' ');
    // No machinery on the dashboard.
    expect(text).not.toContain('Background jobs');
    expect(text).not.toMatch(/action\.open|action 2\b/);
    // Supporters and their growth this month.
    expect(text).toMatch(/<dd><a href="\/admin\/supporters">2<\/a><\/dd>/);
    expect(text).toContain('+2');
    expect(text).toMatch(/Waiting to confirm.*?<dd>1<\/dd>/);
    // Open actions with their counts and deadlines.
    expect(text).toContain(`<a href="/admin/actions/${petition.id}">Label the cotton</a>`);
    expect(text).toContain('0 signatures of 5,000 · closes 31 Aug 2099');
    // What needs a person, each linking to the place to act.
    expect(text).toContain(`<a href="/admin/actions/${letters.id}/letters">1 letter is waiting for approval</a>`);
    expect(text).toContain(`<a href="/admin/actions/${signOn.id}/sign-ons">1 organisation is waiting for approval</a>`);
    expect(text).toMatch(/<a href="\/admin\/jobs\?state=parked">\d+ background tasks? failed/);
    // Staff activity in words, with the staff member's name and the subject's title.
    expect(text).toContain(
      `<strong>Amina Yusuf</strong> opened the petition <a href="/admin/actions/${petition.id}">‘Label the cotton’</a>`,
    );
    expect(text).toContain('<strong>Amina Yusuf</strong> signed in');
    // The full audit log reads the same way.
    const audit = (await amina.client.get('/admin/audit')).text.replace(/\s+/g, ' ');
    expect(audit).toContain('<strong>Amina Yusuf</strong> opened the petition');
  });

  test('an audit code no capability describes still reads as words', async () => {
    const { client } = await signedInAs(t, 'owner', { name: 'Nadia Karim' });
    const staff = await t.lantern.core.db.selectFrom('staff').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow();
    await recordAudit(t.lantern.core.db, { staffId: Number(staff.id), action: 'widget.frobnicate_all', target: 'widget 3' });
    const text = (await client.get('/admin')).text.replace(/\s+/g, ' ');
    expect(text).toContain('<strong>Nadia Karim</strong> recorded “widget frobnicate all”<span class="muted"> (widget 3)</span>');
  });

  test('a viewer sees the dashboard without the audit log, and no links they could not follow', async () => {
    const { client } = await signedInAs(t, 'viewer');
    const r = await client.get('/admin');
    expect(r.status).toBe(200);
    expect(r.text).toContain('Supporters');
    expect(r.text).not.toContain('Recent staff activity');
    expect(r.text).not.toContain('href="/admin/supporters"');
    expect(r.text).not.toContain('/letters"');
    expect(r.text).not.toContain('/admin/jobs');
    expect((await client.get('/admin/mail')).status).toBe(403);
    expect((await client.get('/admin/settings')).status).toBe(403);
  });

  test('navigation follows the work, then a Settings group holding the machinery', async () => {
    const { client } = await signedInAs(t, 'owner');
    const nav = (path: string) => client.get(path).then((r) => /<nav class="site-nav admin-nav"[\s\S]*?<\/nav>/.exec(r.text)![0]);
    const home = await nav('/admin');
    const work = /<ul class="nav-work">([\s\S]*?)<\/ul>/.exec(home)![1]!;
    expect([...work.matchAll(/>([^<>]+)<\/a>/g)].map((m) => m[1])).toEqual([
      'Dashboard',
      'Website',
      'Supporters',
      'Newsletters',
      'Campaigns and actions',
      'Events',
      'Donations',
    ]);
    const settings = /<details class="nav-settings">\s*<summary>Settings<\/summary>([\s\S]*?)<\/details>/.exec(home)![1]!;
    expect([...settings.matchAll(/>([^<>]+)<\/a>/g)].map((m) => m[1])).toEqual([
      'Organisation',
      'Staff',
      'Mailing lists',
      'Mail',
      'Jobs',
      'Audit log',
      'MPs and postcodes',
      'Your account',
    ]);
    // On a settings page the group is open, with the page marked.
    const jobs = await nav('/admin/jobs');
    expect(jobs).toContain('<details class="nav-settings" open>');
    expect(jobs).toContain('<a href="/admin/jobs" aria-current="page">Jobs</a>');
    // A viewer sees only what they may open.
    const viewer = await signedInAs(t, 'viewer');
    const theirs = /<nav class="site-nav admin-nav"[\s\S]*?<\/nav>/.exec((await viewer.client.get('/admin')).text)![0];
    expect([...theirs.matchAll(/>([^<>]+)<\/a>/g)].map((m) => m[1])).toEqual(['Dashboard', 'Your account']);
    // A treasurer sees the money, and nothing of the campaigns.
    const treasurer = await signedInAs(t, 'treasurer');
    const hers = /<nav class="site-nav admin-nav"[\s\S]*?<\/nav>/.exec((await treasurer.client.get('/admin')).text)![0];
    expect([...hers.matchAll(/>([^<>]+)<\/a>/g)].map((m) => m[1])).toEqual(['Dashboard', 'Donations', 'Your account']);
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
    // The events settings are on the same form, and a bad one names itself.
    await client.get('/admin/settings');
    const events = await client.post('/admin/settings', {
      orgName: 'Harbour Light Trust',
      timeZone: 'Europe/London',
      waitlistHoldHours: '0',
      eventRetentionDays: '30',
    });
    expect(events.status).toBe(422);
    expect(events.text).toContain('Hold a freed place for at least 1 hour');
    await client.post('/admin/settings', {
      orgName: 'Harbour Light Trust',
      timeZone: 'Europe/London',
      waitlistHoldHours: '48',
      eventRetentionDays: '30',
    });
    expect(await getSiteSettings(ctx.db)).toMatchObject({ waitlistHoldHours: 48, eventRetentionDays: 30 });
    expect((await client.get('/admin/settings')).text).toMatch(/name="waitlistHoldHours"[^>]*value="48"/);
    expect(home.text).toContain('info@example.org');
    const audit = await client.get('/admin/audit');
    expect(audit.text).toContain('changed the organisation’s settings');
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
