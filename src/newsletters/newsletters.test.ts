import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { startBulkSink, type BulkSink } from '../../test/helpers/bulk-smtp.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import type { TestClient } from '../../test/helpers/http.js';
import { seedAudience, sendState, type Audience } from '../../test/helpers/newsletters.js';
import { addTestStaff, clearLoginFailures, signedInClient, type TestStaff } from '../../test/helpers/staff.js';
import { saveSiteSettings } from '../core/settings.js';
import { createSegment } from '../supporters/segments.js';
import { recordConsent, upsertSupporter } from '../supporters/service.js';
import sharp from 'sharp';
import { postMultipart } from '../../test/helpers/multipart.js';
import { draftNewsletter } from '../../test/helpers/newsletters.js';
import { utcToZonedLocal, zonedLocalToUtc } from '../core/time.js';

// The admin side of newsletters over real HTTP (compose, preview, test, send, schedule, progress, permissions) and
// the public archive. The worker is off: sends are driven by calling the bulk job's handler, so each page is seen
// in a known state.

describeEachDialect('newsletters admin and archive', (ctx) => {
  let t: TestLantern;
  let sink: BulkSink;
  let audience: Audience;
  const staff: Record<'owner' | 'editor' | 'campaigner' | 'viewer', { member: TestStaff; client: TestClient }> = {} as never;

  beforeAll(async () => {
    sink = await startBulkSink();
    t = await startTestLantern(ctx, { env: { SMTP_URL: sink.url }, worker: false });
    await saveSiteSettings(t.lantern.core.db, {
      orgName: 'Freedom Thread',
      postalAddress: '2 Sample Yard, London',
      timeZone: 'Europe/London',
      contactEmail: 'hello@freedomthread.example.org',
    });
    for (const role of ['owner', 'editor', 'campaigner', 'viewer'] as const) {
      const member = await addTestStaff(t, { role, name: `Robin ${role}` });
      staff[role] = { member, client: await signedInClient(t, member) };
    }
    audience = await seedAudience(t.lantern.core, { count: 5, firstName: (i) => (i === 0 ? 'Private Person' : null) });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });
  beforeEach(async () => {
    await clearLoginFailures(t);
  });

  const db = () => t.lantern.core.db;
  const countNewsletters = async () =>
    Number(
      (
        await db()
          .selectFrom('newsletters')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const form = (o: Partial<Record<string, string>> = {}) => ({
    subject: 'Cotton news for {{first_name}}',
    body: 'Dear {{first_name}},\n\nOur **briefing** is out. [Read it](https://freedomthread.example.org/briefing).\n\n<script>alert(1)</script>',
    listId: String(audience.listId),
    segmentId: '',
    ratePerMinute: '',
    inArchive: 'on',
    ...o,
  });
  /** Composes a draft as the given client; returns its id. */
  const compose = async (client: TestClient, o: Partial<Record<string, string>> = {}) => {
    await client.get('/admin/newsletters/new');
    const r = await client.post('/admin/newsletters', form(o));
    expect(r.status).toBe(303);
    const id = Number(/\/admin\/newsletters\/(\d+)\?done=saved$/.exec(r.headers.get('location') ?? '')?.[1]);
    expect(id).toBeGreaterThan(0);
    return id;
  };
  /** Runs the bulk job's handler until the newsletter has no pending deliveries (the worker is off in this suite). */
  const runSender = async (id: number) => {
    for (let i = 0; i < 20 && (await sendState(t.lantern.core, id)).status === 'sending'; i++) {
      await t.lantern.handlers.sendNewsletter!({ newsletterId: id }, { jobId: 1_000_000 + i, attempt: 1, maxAttempts: 1 });
    }
  };

  test('permissions: a viewer gets 403; an editor drafts and tests but cannot send or schedule; a campaigner sends', async () => {
    const viewer = staff.viewer.client;
    expect((await viewer.get('/admin/newsletters')).status).toBe(403);
    expect((await viewer.get('/admin/newsletters/new')).status).toBe(403);

    const editor = staff.editor.client;
    const list = await editor.get('/admin/newsletters');
    expect(list.status).toBe(200);
    expect(list.text).toContain('href="/admin/newsletters/new"');
    const id = await compose(editor);
    const page = await editor.get(`/admin/newsletters/${id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Send me a test');
    expect(page.text).not.toContain(`action="/admin/newsletters/${id}/send"`);
    expect((await editor.post(`/admin/newsletters/${id}/send`)).status).toBe(403);
    expect((await editor.post(`/admin/newsletters/${id}/schedule`, { sendAt: '2031-01-01T09:00' })).status).toBe(403);
    expect((await editor.post(`/admin/newsletters/${id}/pause`)).status).toBe(403);
    expect((await viewer.post(`/admin/newsletters/${id}/test`)).status).toBe(403);
    expect((await sendState(t.lantern.core, id)).status).toBe('draft');

    const campaigner = staff.campaigner.client;
    const shown = await campaigner.get(`/admin/newsletters/${id}`);
    expect(shown.text).toContain(`Send now to ${audience.people.length} supporters`);
    const sent = await campaigner.post(`/admin/newsletters/${id}/send`);
    expect(sent.status).toBe(303);
    expect(sent.headers.get('location')).toBe(`/admin/newsletters/${id}?done=sending`);
    expect(await sendState(t.lantern.core, id)).toMatchObject({ status: 'sending', pending: audience.people.length });
    const audit = await db()
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'newsletter.send')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(audit.staff_id).toBe(staff.campaigner.member.id);
    // Sending twice is refused, and nothing is prepared twice.
    expect((await campaigner.post(`/admin/newsletters/${id}/send`)).status).toBe(409);
    expect((await sendState(t.lantern.core, id)).pending).toBe(audience.people.length);
    await db().updateTable('newsletters').set({ status: 'cancelled' }).where('id', '=', id).execute();
  });

  test('invalid compose forms are shown again with messages and 422, and nothing is stored', async () => {
    const client = staff.editor.client;
    const before = await countNewsletters();
    const cases: Array<[Partial<Record<string, string>>, string]> = [
      [{ subject: '' }, 'Enter a subject'],
      [{ body: '   ' }, 'Write the newsletter'],
      [{ listId: '' }, 'Choose a list'],
      [{ listId: '999999' }, 'Choose a list'],
      [{ segmentId: '999999' }, 'Choose a segment that still exists, or none'],
      [{ ratePerMinute: 'fast' }, 'Enter the messages per minute as a whole number, or leave it empty'],
      [{ ratePerMinute: '0' }, 'Messages per minute must be at least 1'],
      [{ subject: 'Hi {{surname}}' }, '{{surname}} is not a placeholder Lantern knows'],
      [{ body: 'See [this](https://example.org/?n={{first_name}})' }, 'Placeholders cannot go inside a link address'],
    ];
    for (const [change, message] of cases) {
      await client.get('/admin/newsletters/new');
      const r = await client.post('/admin/newsletters', form(change));
      expect(r.status, JSON.stringify(change)).toBe(422);
      expect(r.text).toContain(message.replace(/&/g, '&amp;'));
      expect(r.text).toContain('There is a problem');
    }
    // A control character is refused for every form before its handler (core/text.ts), with 400 and the field named.
    await client.get('/admin/newsletters/new');
    const bell = await client.post('/admin/newsletters', form({ body: 'Bad \u0007 bell' }));
    expect(bell.status).toBe(400);
    expect(bell.text).toContain('Body contains characters that are not allowed (invisible control characters).');
    expect(await countNewsletters()).toBe(before);
  });

  test('counting recipients shows how many the list and segment reach, without saving', async () => {
    const client = staff.campaigner.client;
    const before = await countNewsletters();
    await client.get('/admin/newsletters/new');
    const r = await client.post('/admin/newsletters', form({ intent: 'count', subject: '' }));
    expect(r.status).toBe(200);
    expect(r.text).toContain(`reach <strong>${audience.people.length}</strong> supporters now`);
    const segmentId = await createSegment(t.lantern.core, staff.campaigner.member.id, { name: 'Nobody', filters: { tag: 'no-such-tag' } });
    const narrowed = await client.post('/admin/newsletters', form({ intent: 'count', segmentId: String(segmentId) }));
    expect(narrowed.text).toContain('reach <strong>0</strong> supporters now');
    expect(await countNewsletters()).toBe(before);
  });

  test('the preview shows the email as it will look, in a sandboxed frame served from our own origin, and links to the text part', async () => {
    const client = staff.editor.client;
    const id = await compose(client);
    const r = await client.get(`/admin/newsletters/${id}/preview`);
    expect(r.status).toBe(200);
    // Raw HTML in the Markdown is text, never markup.
    expect(r.text).not.toContain('<script>alert(1)</script>');
    expect(r.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(r.text).toContain('<strong>briefing</strong>');
    expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    // The email itself is in a frame without scripts, with a title, from an admin address of our own.
    const frame = /<iframe class="email-preview" sandbox src="([^"]+)" title="([^"]+)"/.exec(r.text);
    expect(frame, 'a sandboxed iframe').not.toBeNull();
    expect(frame![1]).toBe(`/admin/newsletters/${id}/preview/email`);
    expect(frame![2]).toContain('as supporters will see it');
    const email = await client.get(frame![1]!);
    expect(email.status).toBe(200);
    expect(email.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(email.text).toMatch(/^<!doctype html><html lang="en-GB">/);
    expect(email.text).toContain('Dear Supporter,');
    expect(email.text).toContain('2 Sample Yard, London');
    expect(email.text).toContain('Unsubscribe or change what we send you');
    expect(email.text).not.toContain('<script>');
    const csp = email.headers.get('content-security-policy')!;
    expect(csp).toContain("frame-ancestors 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain('sandbox');
    expect(csp).not.toContain('script-src');
    expect(email.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(email.headers.get('cache-control')).toBe('no-store');
    // Only staff who may write newsletters see it.
    expect((await staff.viewer.client.get(frame![1]!)).status).toBe(403);
    expect((await t.client().get(frame![1]!)).status).toBe(303);
    // The plain-text part, one link away.
    expect(r.text).toContain(`href="/admin/newsletters/${id}/preview/text"`);
    const plain = await client.get(`/admin/newsletters/${id}/preview/text`);
    expect(plain.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(plain.text).toContain('Dear Supporter,');
    expect(plain.text).toContain('<script>alert(1)</script>');
  });

  /** Delivers the newest queued mail job (the worker is off here). */
  const deliverQueuedMail = async () => {
    const job = await db()
      .selectFrom('jobs')
      .selectAll()
      .where('name', '=', 'sendEmail')
      .where('state', '=', 'queued')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    await t.lantern.handlers.sendEmail!(t.lantern.core.queue.decodePayload(job.payload), { jobId: job.id, attempt: 1, maxAttempts: 1 });
    await db().updateTable('jobs').set({ state: 'done' }).where('id', '=', job.id).execute();
  };
  /** The preferences link in a message's text part. */
  const manageLinkIn = (text: string) => new URL(/Unsubscribe or change what we send you \[([^\]]+)\]/.exec(text)![1]!);

  test('a test send goes to the signed-in staff member, marked [Test], with their first name, from the organisation', async () => {
    const client = staff.editor.client;
    const id = await compose(client);
    await client.get(`/admin/newsletters/${id}`);
    const r = await client.post(`/admin/newsletters/${id}/test`);
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe(`/admin/newsletters/${id}?done=test`);
    expect((await client.get(r.headers.get('location')!)).text).toContain('A test is on its way to your own email address.');
    await deliverQueuedMail();
    const [mail] = await sink.parsed(staff.editor.member.email);
    expect(mail!.subject).toBe('[Test] Cotton news for Robin');
    expect(mail!.text).toContain('Dear Robin,');
    // From the organisation's name and contact address, as every message is without MAIL_FROM.
    expect(mail!.from?.value).toEqual([{ name: 'Freedom Thread', address: 'hello@freedomthread.example.org' }]);
    expect((await sendState(t.lantern.core, id)).status).toBe('draft');

    // Its unsubscribe link is real: the staff member is not a supporter, so it opens a page saying what it does for supporters.
    const link = manageLinkIn(mail!.text!);
    expect(link.origin).toBe(t.baseUrl);
    const page = await t.client().get(link.pathname);
    expect(page.status).toBe(200);
    expect(page.text).toContain('This link came in a test');
    expect(page.text).toContain('not on our supporter list, so there is nothing to unsubscribe');
    // A link we did not sign is refused.
    expect((await t.client().get(link.pathname.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')))).status).toBe(404);
  });

  test('a test to a staff member who is also a supporter carries their own real preferences and unsubscribe links', async () => {
    const client = staff.campaigner.client;
    const { id: supporterId } = await upsertSupporter(
      db(),
      t.lantern.core.keyring,
      { email: staff.campaigner.member.email, firstName: 'Robin' },
      { source: 'test', mode: 'fill', confirmed: true },
    );
    // A list of its own, so the other tests' audience stays as it was.
    const own = await seedAudience(t.lantern.core, { count: 0 });
    await recordConsent(db(), { supporterId, listIds: [own.listId], change: 'granted', basis: 'consent', source: 'test' });
    const id = await compose(client, { listId: String(own.listId) });
    await client.get(`/admin/newsletters/${id}`);
    expect((await client.post(`/admin/newsletters/${id}/test`)).status).toBe(303);
    await deliverQueuedMail();
    const [mail] = await sink.parsed(staff.campaigner.member.email);
    const link = manageLinkIn(mail!.text!);
    expect(link.pathname).toMatch(/^\/s\/manage\//);
    const page = await t.client().get(link.pathname);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Your email preferences');
    // RFC 8058 one-click unsubscribe from the newsletter's list, as in the real send (mailparser gathers List-* headers).
    expect(JSON.stringify(mail!.headers.get('list'))).toContain(`${t.baseUrl}/s/unsubscribe/`);
  });

  test('sending: a progress page that refreshes itself while sending; pause, resume; then the public archive', async () => {
    const client = staff.campaigner.client;
    const id = await compose(client, { subject: 'The cotton report for {{first_name}}' });
    await client.get(`/admin/newsletters/${id}`);
    expect((await client.post(`/admin/newsletters/${id}/send`)).status).toBe(303);
    expect((await client.get(`/admin/newsletters/${id}?done=sending`)).text).toContain('Sending has started.');

    expect((await client.get(`/admin/newsletters/${id}`)).text).not.toContain('http-equiv="refresh"');
    const sending = await client.get(`/admin/newsletters/${id}?refresh=on`);
    expect(sending.text).toContain('<meta http-equiv="refresh" content="5"/>');
    expect(sending.text).toMatch(/<progress id="send-progress" value="0" max="5">/);
    expect(sending.text).toContain('Stop updating');

    expect((await client.post(`/admin/newsletters/${id}/pause`)).headers.get('location')).toBe(`/admin/newsletters/${id}?done=paused`);
    const paused = await client.get(`/admin/newsletters/${id}?refresh=on`);
    expect(paused.text).not.toContain('http-equiv="refresh"');
    expect(paused.text).toContain(`action="/admin/newsletters/${id}/resume"`);
    await runSender(id);
    expect(await sendState(t.lantern.core, id)).toMatchObject({ status: 'paused', sent: 0 });
    expect((await client.post(`/admin/newsletters/${id}/pause`)).status).toBe(409);
    expect((await client.post(`/admin/newsletters/${id}/resume`)).status).toBe(303);
    await runSender(id);
    expect(await sendState(t.lantern.core, id)).toMatchObject({ status: 'sent', sent: 5 });

    // "Sending has started" gives way to the result once the send has finished, even on the page it was said on.
    const result = await client.get(`/admin/newsletters/${id}?done=sending`);
    expect(result.text).not.toContain('Sending has started.');
    expect(result.text).not.toContain('Sending has resumed.');
    expect(result.text).toMatch(/Sent\. Finished <time[^>]*>[^<]+<\/time>: <strong>5<\/strong> delivered, <strong>0<\/strong> failed\./);

    const done = await client.get(`/admin/newsletters/${id}?refresh=on`);
    expect(done.text).toMatch(/<progress id="send-progress" value="5" max="5">/);
    expect(done.text).not.toContain('http-equiv="refresh"');
    expect((await client.get(`/admin/newsletters/${id}/edit`)).status).toBe(409);
    expect((await client.post(`/admin/newsletters/${id}/delete`)).status).toBe(409);

    const slug = (await db().selectFrom('newsletters').select('archive_slug').where('id', '=', id).executeTakeFirstOrThrow()).archive_slug!;
    expect(slug).toMatch(/^\d{4}-\d{2}-\d{2}-the-cotton-report-for$/);
    const anon = t.client();
    const archive = await anon.get('/newsletters');
    expect(archive.status).toBe(200);
    expect(archive.text).toContain('The cotton report for Supporter');
    expect(archive.text).toContain(`href="/newsletters/${slug}"`);
    expect(archive.text).toContain('<a href="/newsletters"');
    const web = await anon.get(`/newsletters/${slug}`);
    expect(web.status).toBe(200);
    expect(web.text).toContain('Dear Supporter,');
    // Nothing personal: no supporter's name or address, no preferences link.
    expect(web.text).not.toContain('Private Person');
    for (const p of audience.people) expect(web.text).not.toContain(p.email);
    expect(web.text).not.toContain('/s/manage/');
    // The email links to the web version.
    const [mail] = await sink
      .parsed(audience.people[0]!.email)
      .then((m) => m.filter((x) => x.subject === 'The cotton report for Private Person'));
    expect(mail!.text).toContain(`/newsletters/${slug}`);
  });

  test('drafts, cancelled sends and newsletters kept out of the archive are not public', async () => {
    const client = staff.campaigner.client;
    const hidden = await compose(client, { subject: 'Members only', inArchive: '' });
    await client.get(`/admin/newsletters/${hidden}`);
    await client.post(`/admin/newsletters/${hidden}/send`);
    await runSender(hidden);
    const cancelled = await compose(client, { subject: 'Sent by mistake' });
    await client.get(`/admin/newsletters/${cancelled}`);
    await client.post(`/admin/newsletters/${cancelled}/send`);
    expect((await client.post(`/admin/newsletters/${cancelled}/cancel`)).status).toBe(303);
    await compose(client, { subject: 'Still a draft' });
    const archive = await t.client().get('/newsletters');
    expect(archive.text).not.toContain('Members only');
    expect(archive.text).not.toContain('Sent by mistake');
    expect(archive.text).not.toContain('Still a draft');
    for (const id of [hidden, cancelled]) {
      const slug = (await db().selectFrom('newsletters').select('archive_slug').where('id', '=', id).executeTakeFirstOrThrow())
        .archive_slug!;
      expect((await t.client().get(`/newsletters/${slug}`)).status).toBe(404);
    }
    const page = await client.get(`/admin/newsletters/${cancelled}`);
    expect(page.text).toContain('Not sent (cancelled)');
  });

  test('scheduling reads the time in the organisation’s time zone; unschedule goes back to draft', async () => {
    const client = staff.campaigner.client;
    const id = await compose(client);
    await client.get(`/admin/newsletters/${id}`);
    const bad = await client.post(`/admin/newsletters/${id}/schedule`, { sendAt: 'tomorrow' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Enter a date and time, like 2026-12-01 09:30');
    const past = await client.post(`/admin/newsletters/${id}/schedule`, { sendAt: '2020-01-01T09:00' });
    expect(past.status).toBe(422);
    expect(past.text).toContain('Choose a time in the future');
    const r = await client.post(`/admin/newsletters/${id}/schedule`, { sendAt: '2031-07-01T09:30' });
    expect(r.status).toBe(303);
    const row = await db().selectFrom('newsletters').select(['status', 'scheduled_at']).where('id', '=', id).executeTakeFirstOrThrow();
    // 09:30 in London in July is 08:30 UTC (summer time).
    expect(row).toEqual({ status: 'scheduled', scheduled_at: Date.UTC(2031, 6, 1, 8, 30) });
    const job = await db()
      .selectFrom('jobs')
      .select(['run_at', 'queue'])
      .where('name', '=', 'startScheduledNewsletter')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(job).toEqual({ run_at: Date.UTC(2031, 6, 1, 8, 30), queue: 'bulk' });
    const page = await client.get(`/admin/newsletters/${id}`);
    expect(page.text).toContain('Scheduled');
    expect((await client.get(`/admin/newsletters/${id}/edit`)).status).toBe(409);
    expect((await client.post(`/admin/newsletters/${id}/unschedule`)).status).toBe(303);
    expect((await sendState(t.lantern.core, id)).status).toBe('draft');
    // The old schedule's job finds nothing to do when its time comes.
    await t.lantern.handlers.startScheduledNewsletter!(
      { newsletterId: id, at: Date.UTC(2031, 6, 1, 8, 30) },
      { jobId: 1, attempt: 1, maxAttempts: 1 },
    );
    expect(await sendState(t.lantern.core, id)).toMatchObject({ status: 'draft', pending: 0 });
  });

  test('a scheduled send whose segment can no longer be read goes back to draft and says why', async () => {
    const client = staff.campaigner.client;
    const segmentId = await createSegment(t.lantern.core, staff.campaigner.member.id, {
      name: 'Leeds',
      filters: { tag: 'local group: leeds' },
    });
    const id = await compose(client, { segmentId: String(segmentId) });
    await client.get(`/admin/newsletters/${id}`);
    expect((await client.post(`/admin/newsletters/${id}/schedule`, { sendAt: '2031-07-01T09:30' })).status).toBe(303);
    await db().updateTable('segments').set({ filters: '{"tag": 42}' }).where('id', '=', segmentId).execute();
    await t.lantern.handlers.startScheduledNewsletter!(
      { newsletterId: id, at: Date.UTC(2031, 6, 1, 8, 30) },
      { jobId: 1, attempt: 1, maxAttempts: 1 },
    );
    expect(await sendState(t.lantern.core, id)).toMatchObject({ status: 'draft', pending: 0 });
    const page = await client.get(`/admin/newsletters/${id}`);
    expect(page.text).toContain('The scheduled send could not start');
  });

  test('editing and deleting a draft', async () => {
    const client = staff.editor.client;
    const id = await compose(client);
    const edit = await client.get(`/admin/newsletters/${id}/edit`);
    expect(edit.status).toBe(200);
    expect(edit.text).toContain('Cotton news for {{first_name}}');
    const saved = await client.post(`/admin/newsletters/${id}`, form({ subject: 'A better subject', ratePerMinute: '120' }));
    expect(saved.status).toBe(303);
    const row = await db().selectFrom('newsletters').select(['subject', 'rate_per_minute']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toEqual({ subject: 'A better subject', rate_per_minute: 120 });
    const invalid = await client.post(`/admin/newsletters/${id}`, form({ subject: '' }));
    expect(invalid.status).toBe(422);
    expect((await db().selectFrom('newsletters').select('subject').where('id', '=', id).executeTakeFirstOrThrow()).subject).toBe(
      'A better subject',
    );
    await client.get(`/admin/newsletters/${id}`);
    expect((await client.post(`/admin/newsletters/${id}/delete`)).headers.get('location')).toBe('/admin/newsletters?done=deleted');
    expect((await client.get(`/admin/newsletters/${id}`)).status).toBe(404);
  });

  /** A PNG carrying metadata (a copyright note, as a camera writes the owner's name or the place), made with sharp. */
  const pngWithMetadata = (width = 1600) =>
    sharp({ create: { width, height: 400, channels: 3, background: '#c8611b' } })
      .withExif({ IFD0: { Copyright: 'Secret Place 51.5N', Artist: 'Robin Camera' } })
      .png()
      .toBuffer();

  test('images: staff upload one (metadata stripped, scaled down), and only Lantern’s own images go into a newsletter', async () => {
    const client = staff.editor.client;
    expect((await client.get('/admin/newsletters/images')).status).toBe(200);
    const original = await pngWithMetadata();
    expect(original.toString('latin1')).toContain('Robin Camera');
    const up = await postMultipart(
      client,
      '/admin/newsletters/images',
      { description: 'Workers at a [cotton] field' },
      { field: 'file', filename: 'field.png', content: original, type: 'image/png' },
    );
    expect(up.status, up.text).toBe(303);
    expect(up.location).toMatch(/^\/admin\/newsletters\/images\?done=uploaded#image-\d+$/);
    const imagesPage = await client.get(up.location!);
    expect(imagesPage.text).toContain('The image was uploaded');
    const markdown = /Markdown to paste into a newsletter: <code>([^<]+)<\/code>/.exec(imagesPage.text)![1]!;
    const url = /\]\(([^)]+)\)$/.exec(markdown)![1]!;
    expect(markdown.startsWith('![Workers at a \\[cotton\\] field](')).toBe(true);
    expect(url.startsWith(`${t.baseUrl}/newsletters/images/`)).toBe(true);

    // Served from our own address, to anyone (webmail too), without its metadata, 1,200 pixels wide at most.
    const served = await fetch(url);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    const bytes = Buffer.from(await served.arrayBuffer());
    expect(bytes.toString('latin1')).not.toContain('Robin Camera');
    expect(bytes.toString('latin1')).not.toContain('Secret Place');
    expect((await sharp(bytes).metadata()).width).toBe(1200);
    expect((await fetch(url.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')))).status).toBe(404);

    // Not an image, or too large: refused with a message, nothing stored.
    const countImages = async () => (await db().selectFrom('newsletter_images').select('id').execute()).length;
    const before = await countImages();
    const bad = await postMultipart(
      client,
      '/admin/newsletters/images',
      { description: 'A script' },
      { field: 'file', filename: 'x.png', content: Buffer.from('<svg onload="alert(1)"></svg>'), type: 'image/png' },
    );
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('The image must be a PNG, JPEG, WebP or GIF file');
    const none = await postMultipart(client, '/admin/newsletters/images', { description: 'Nothing' });
    expect(none.status).toBe(422);
    expect(none.text).toContain('Choose an image to upload');
    expect(await countImages()).toBe(before);

    // A newsletter with our image: saved, and the email shows it from our own address.
    const id = await compose(client, { body: `Dear {{first_name}},\n\n${markdown}\n\nThank you.` });
    const frame = await client.get(`/admin/newsletters/${id}/preview/email`);
    expect(frame.text).toContain(`<img src="${url}" alt="Workers at a [cotton] field" style="max-width:100%;height:auto" />`);

    // A remote image (a tracking pixel) is refused on save, naming it, and nothing is stored.
    const pixel = 'https://tracker.example.net/open.gif?id=42';
    const drafts = await countNewsletters();
    await client.get('/admin/newsletters/new');
    const refused = await client.post('/admin/newsletters', form({ body: `Hello\n\n![](${pixel})` }));
    expect(refused.status).toBe(422);
    expect(refused.text).toContain(`The image “${pixel.replace(/&/g, '&amp;')}” is not one uploaded to Lantern`);
    const refusedEdit = await client.post(`/admin/newsletters/${id}`, form({ body: `![logo][x]\n\n[x]: ${pixel}` }));
    expect(refusedEdit.status).toBe(422);
    expect(refusedEdit.text).toContain('is not one uploaded to Lantern');
    // An address that only looks like ours, or an image we never stored, is refused too.
    const forged = await client.post(`/admin/newsletters/${id}`, form({ body: `![x](${url.replace(/\/(\d+)-/, '/999999-')})` }));
    expect(forged.status).toBe(422);
    expect(await countNewsletters()).toBe(drafts);

    // A draft that names one anyway (written before this rule) cannot be previewed, tested, scheduled or sent, and the
    // pixel never reaches a page or an email.
    const old = await draftNewsletter(t.lantern.core, { listId: audience.listId, body: `Hi\n\n![](${pixel})` });
    const preview = await client.get(`/admin/newsletters/${old}/preview`);
    expect(preview.status).toBe(422);
    expect(preview.text).toContain('is not one uploaded to Lantern');
    expect(preview.text).not.toContain('tracker.example.net/open.gif"');
    expect((await client.get(`/admin/newsletters/${old}/preview/email`)).text).not.toContain('tracker.example.net');
    await client.get(`/admin/newsletters/${old}`);
    const test = await client.post(`/admin/newsletters/${old}/test`);
    expect(test.status).toBe(422);
    expect(test.text).toContain('is not one uploaded to Lantern');
    const campaigner = staff.campaigner.client;
    await campaigner.get(`/admin/newsletters/${old}`);
    const send = await campaigner.post(`/admin/newsletters/${old}/send`);
    expect(send.status).toBe(422);
    expect(send.text).toContain('is not one uploaded to Lantern');
    expect((await campaigner.post(`/admin/newsletters/${old}/schedule`, { sendAt: '2031-07-01T09:30' })).status).toBe(422);
    expect(await sendState(t.lantern.core, old)).toMatchObject({ status: 'draft', pending: 0 });

    // Sent, the email carries our image and the public web version shows it from our own origin.
    await campaigner.get(`/admin/newsletters/${id}`);
    expect((await campaigner.post(`/admin/newsletters/${id}/send`)).status).toBe(303);
    await runSender(id);
    const [mail] = (await sink.parsed(audience.people[1]!.email)).filter((m) => m.html && m.html.includes('/newsletters/images/'));
    expect(mail!.html).toContain(`src="${url}"`);
    const slug = (await db().selectFrom('newsletters').select('archive_slug').where('id', '=', id).executeTakeFirstOrThrow()).archive_slug!;
    const web = await t.client().get(`/newsletters/${slug}`);
    expect(web.text).toContain(`<img src="${new URL(url).pathname}" alt="Workers at a [cotton] field" />`);
  });

  test('odd addresses are answered with 404, never 500', async () => {
    const client = staff.owner.client;
    for (const path of [
      '/admin/newsletters/999999',
      '/admin/newsletters/abc',
      '/admin/newsletters/-1/preview',
      '/admin/newsletters/1e99',
      '/newsletters/no-such-thing',
    ]) {
      const r = await client.get(path);
      expect(r.status, path).toBe(404);
    }
    for (const path of ['/newsletters/%E0%A4%A', `/newsletters/${'x'.repeat(300)}`, '/admin/newsletters/%00']) {
      const r = await client.get(path);
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.status, path).toBeLessThan(500);
    }
    expect((await client.post('/admin/newsletters/999999/send')).status).toBe(404);
  });
});

test('wall-clock times in a time zone become the right instants, across clock changes', () => {
  expect(zonedLocalToUtc('2031-01-15T09:00', 'Europe/London')).toBe(Date.UTC(2031, 0, 15, 9, 0));
  expect(zonedLocalToUtc('2031-07-15T09:00', 'Europe/London')).toBe(Date.UTC(2031, 6, 15, 8, 0));
  expect(zonedLocalToUtc('2031-07-15T09:00', 'Asia/Almaty')).toBe(Date.UTC(2031, 6, 15, 4, 0));
  // 30 March 2031, 01:30 does not exist in London (clocks go from 01:00 to 02:00): read as 02:30 summer time.
  expect(zonedLocalToUtc('2031-03-30T01:30', 'Europe/London')).toBe(Date.UTC(2031, 2, 30, 1, 30));
  // 26 October 2031, 01:30 happens twice: the first, in summer time.
  expect(zonedLocalToUtc('2031-10-26T01:30', 'Europe/London')).toBe(Date.UTC(2031, 9, 26, 0, 30));
  expect(zonedLocalToUtc('2031-02-30T09:00', 'Europe/London')).toBeNull();
  expect(zonedLocalToUtc('2031-13-01T09:00', 'Europe/London')).toBeNull();
  expect(utcToZonedLocal(Date.UTC(2031, 6, 15, 8, 0), 'Europe/London')).toBe('2031-07-15T09:00');
});
