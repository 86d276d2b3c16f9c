import { createHash, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startBulkSink, type BulkSink } from '../../test/helpers/bulk-smtp.js';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import { draftNewsletter, seedAudience, sendState } from '../../test/helpers/newsletters.js';
import { until } from '../../test/helpers/wait.js';
import { saveSiteSettings } from '../core/settings.js';
import { recordConsent, supporterLink } from '../supporters/service.js';
import { addTestStaff } from '../../test/helpers/staff.js';
import { cancelNewsletter, pauseNewsletter, resumeNewsletter, scheduleNewsletter, startSending } from './service.js';

describeEachDialect('newsletter sending', (ctx) => {
  let sink: BulkSink;
  let t: TestLantern;
  let staffId: number;

  beforeAll(async () => {
    // Addresses under refuse.example.org do not exist at this mail server; those under slow.example.org take 400 ms each.
    sink = await startBulkSink({
      rejectRcpt: (a) => a.endsWith('@refuse.example.org'),
      delayMs: (a) => (a.endsWith('@slow.example.org') ? 400 : 0),
    });
    t = await startTestLantern(ctx, { worker: true, env: { SMTP_URL: sink.url, MAIL_FROM: 'Freedom Thread <news@example.org>' } });
    await saveSiteSettings(t.lantern.core.db, {
      orgName: 'Freedom Thread',
      postalAddress: '2 Sample Yard\nLondon',
      contactEmail: 'hello@example.org',
    });
    staffId = (await addTestStaff(t, { role: 'campaigner' })).id;
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  const core = () => t.lantern.core;
  const waitSent = (id: number, timeoutMs = 30_000) => until(async () => (await sendState(core(), id)).status === 'sent', timeoutMs);

  test('each recipient gets one personalised message, escaped, with the preferences link and the postal address', async () => {
    const names = ['Ann', null, '<b>Zoë & "Co"</b>'];
    const audience = await seedAudience(core(), { count: 3, firstName: (i) => names[i]! });
    const id = await draftNewsletter(core(), {
      listId: audience.listId,
      subject: 'Hello {{first_name}}',
      body: 'Dear {{first_name}},\n\nFrom **{{org_name}}**.',
    });
    expect(await startSending(core(), null, id)).toBe(3);
    await waitSent(id);
    const counts = sink.counts();
    for (const p of audience.people) expect(counts.get(p.email)).toBe(1);

    const [ann] = await sink.parsed(audience.people[0]!.email);
    expect(ann!.subject).toBe('Hello Ann');
    expect(ann!.text).toContain('Dear Ann,');
    expect(ann!.html).toContain('<strong>Freedom Thread</strong>');
    const publicId = (
      await core().db.selectFrom('supporters').select('public_id').where('id', '=', audience.people[0]!.id).executeTakeFirstOrThrow()
    ).public_id;
    const manage = supporterLink(core(), 'manage', publicId);
    expect(ann!.html).toContain(`href="${manage}"`);
    expect(ann!.text).toContain(manage);
    expect(ann!.text).toContain('2 Sample Yard');
    expect(ann!.replyTo?.text).toBe('hello@example.org');
    const header = (key: string) =>
      ann!.headerLines
        .find((l) => l.key === key)
        ?.line.replace(/\r?\n[ \t]+/g, ' ')
        .replace(/^[^:]*:\s*/, '');
    expect(header('list-unsubscribe')).toBe(`<${supporterLink(core(), 'unsubscribe', publicId, String(audience.listId))}>`);
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');

    const [nameless] = await sink.parsed(audience.people[1]!.email);
    expect(nameless!.subject).toBe('Hello Supporter');
    expect(nameless!.text).toContain('Dear Supporter,');

    const [tricky] = await sink.parsed(audience.people[2]!.email);
    expect(tricky!.html).toContain('Dear &lt;b&gt;Zoë &amp; &quot;Co&quot;&lt;/b&gt;,');
    expect(tricky!.html).not.toContain('<b>Zoë');
    expect(tricky!.text).toContain('Dear <b>Zoë & "Co"</b>,');
    expect(tricky!.subject).toBe('Hello <b>Zoë & "Co"</b>');

    const st = await sendState(core(), id);
    expect(st).toMatchObject({ status: 'sent', sent: 3, pending: 0, failed: 0 });
    // The admin's recent mail shows the send as one line, not one per supporter, and keeps no message bodies.
    const recent = await core().mailer.recent(50);
    expect(recent.filter((m) => m.category === 'bulk').map((m) => [m.to, m.subject, m.body])).toContainEqual([
      '3 supporters (newsletter)',
      'Hello Supporter',
      null,
    ]);
    expect(recent.some((m) => m.to === audience.people[0]!.email)).toBe(false);
  });

  test('a supporter who unsubscribes during the send is not sent to', async () => {
    const audience = await seedAudience(core(), { count: 10 });
    const id = await draftNewsletter(core(), { listId: audience.listId, ratePerMinute: 600 });
    const before = sink.arrivals.length;
    await startSending(core(), null, id);
    await sink.waitFor(before + 2);
    const last = audience.people[9]!;
    await core()
      .db.transaction()
      .execute((trx) =>
        recordConsent(trx, { supporterId: last.id, listIds: [audience.listId], change: 'withdrawn', basis: null, source: 'test' }),
      );
    await waitSent(id);
    expect(sink.counts().get(last.email)).toBeUndefined();
    expect(await sendState(core(), id)).toMatchObject({ status: 'sent', sent: 9, skipped: 1 });
  });

  test('unthrottled too, each recipient is re-checked just before their message goes, not when the batch was fetched', async () => {
    // A slow mail server (400 ms a message, five at a time): the first fetch of recipients is long out of date
    // by the time the last of them is reached.
    const audience = await seedAudience(core(), { count: 30, domain: 'slow.example.org' });
    const id = await draftNewsletter(core(), { listId: audience.listId });
    const emails = new Set(audience.people.map((p) => p.email));
    await startSending(core(), null, id);
    await until(() => sink.arrivals.filter((a) => emails.has(a.to)).length >= 1);
    const last = audience.people[29]!;
    await core()
      .db.transaction()
      .execute((trx) =>
        recordConsent(trx, { supporterId: last.id, listIds: [audience.listId], change: 'withdrawn', basis: null, source: 'test' }),
      );
    await waitSent(id);
    expect(sink.counts().get(last.email)).toBeUndefined();
    expect(await sendState(core(), id)).toMatchObject({ status: 'sent', sent: 29, skipped: 1 });
  });

  test('a recipient refused with 550 is marked failed, undeliverable and suppressed', async () => {
    const audience = await seedAudience(core(), { count: 4, domain: 'refuse.example.org' });
    const id = await draftNewsletter(core(), { listId: audience.listId });
    await startSending(core(), null, id);
    await waitSent(id);
    expect(await sendState(core(), id)).toMatchObject({ sent: 0, failed: 4 });
    const refused = audience.people[1]!;
    const row = await core()
      .db.selectFrom('supporters')
      .select(['undeliverable_at', 'email_index'])
      .where('id', '=', refused.id)
      .executeTakeFirstOrThrow();
    expect(row.undeliverable_at).not.toBeNull();
    const suppression = await core()
      .db.selectFrom('suppressions')
      .selectAll()
      .where('email_index', '=', row.email_index!)
      .executeTakeFirst();
    expect(suppression?.reason).toBe('undeliverable');
    const failed = await core()
      .db.selectFrom('newsletter_deliveries')
      .select('error')
      .where('newsletter_id', '=', id)
      .where('supporter_id', '=', refused.id)
      .executeTakeFirstOrThrow();
    expect(failed.error).toContain('550');
    expect(failed.error).not.toContain(refused.email);
  });

  const stopped = (id: number) =>
    until(
      async () =>
        (await core().db.selectFrom('newsletters').select('runner').where('id', '=', id).executeTakeFirstOrThrow()).runner === null,
    );
  const arrivedFor = (emails: Set<string>) => sink.arrivals.filter((a) => emails.has(a.to)).length;

  test('the throttle spaces messages at the set rate', async () => {
    const audience = await seedAudience(core(), { count: 8 });
    const emails = new Set(audience.people.map((p) => p.email));
    const id = await draftNewsletter(core(), { listId: audience.listId, ratePerMinute: 300 });
    await startSending(core(), null, id);
    await waitSent(id);
    const times = sink.arrivals
      .filter((a) => emails.has(a.to))
      .map((a) => a.at)
      .sort((a, b) => a - b);
    expect(times.length).toBe(8);
    // 300 a minute is one every 200 ms: eight messages span at least seven intervals. Times are read where the mail
    // arrives, so one message held up on its way lands closer to the next: each pair of intervals is checked with
    // room for that (unthrottled, eight messages arrive within a few milliseconds of each other).
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(7 * 200 * 0.9);
    for (let i = 2; i < times.length; i++) expect(times[i]! - times[i - 2]!).toBeGreaterThanOrEqual(2 * 200 * 0.5);
  });

  test('pause stops between messages, resume carries on, and nobody gets it twice', async () => {
    const audience = await seedAudience(core(), { count: 40 });
    const emails = new Set(audience.people.map((p) => p.email));
    const id = await draftNewsletter(core(), { listId: audience.listId, ratePerMinute: 1200 });
    await startSending(core(), null, id);
    await until(() => arrivedFor(emails) >= 8);
    await pauseNewsletter(core(), staffId, id);
    await stopped(id);
    const atPause = arrivedFor(emails);
    const state = await sendState(core(), id);
    expect(state.status).toBe('paused');
    expect(state.sent).toBe(atPause);
    expect(state.pending).toBe(40 - atPause);
    expect(atPause).toBeLessThan(40);
    await new Promise((r) => setTimeout(r, 600));
    expect(arrivedFor(emails)).toBe(atPause);

    await resumeNewsletter(core(), staffId, id);
    await waitSent(id);
    const counts = sink.counts();
    for (const p of audience.people) expect(counts.get(p.email)).toBe(1);
    expect(await sendState(core(), id)).toMatchObject({ status: 'sent', sent: 40, pending: 0 });
  });

  test('a quick pause and resume while the sender is still finishing sends nobody twice', async () => {
    const audience = await seedAudience(core(), { count: 60 });
    const emails = new Set(audience.people.map((p) => p.email));
    const id = await draftNewsletter(core(), { listId: audience.listId, ratePerMinute: 3000 });
    await startSending(core(), null, id);
    await until(() => arrivedFor(emails) >= 5);
    await pauseNewsletter(core(), staffId, id);
    await resumeNewsletter(core(), staffId, id);
    await waitSent(id, 60_000);
    const counts = sink.counts();
    for (const p of audience.people) expect(counts.get(p.email)).toBe(1);
  });

  test('cancel stops the send for good; nobody gets it twice', async () => {
    const audience = await seedAudience(core(), { count: 40 });
    const emails = new Set(audience.people.map((p) => p.email));
    const id = await draftNewsletter(core(), { listId: audience.listId, ratePerMinute: 1200 });
    await startSending(core(), null, id);
    await until(() => arrivedFor(emails) >= 5);
    await cancelNewsletter(core(), staffId, id);
    await stopped(id);
    const atCancel = arrivedFor(emails);
    await new Promise((r) => setTimeout(r, 600));
    expect(arrivedFor(emails)).toBe(atCancel);
    const state = await sendState(core(), id);
    expect(state).toMatchObject({ status: 'cancelled', sent: atCancel, pending: 40 - atCancel });
    expect(atCancel).toBeLessThan(40);
    for (const c of sink.counts().values()) expect(c).toBe(1);
    await expect(resumeNewsletter(core(), staffId, id)).rejects.toThrow('not paused');
  });

  test('a scheduled newsletter starts at its time, not before', async () => {
    const audience = await seedAudience(core(), { count: 3 });
    const id = await draftNewsletter(core(), { listId: audience.listId });
    const at = Date.now() + 1500;
    await scheduleNewsletter(core(), staffId, id, at);
    await new Promise((r) => setTimeout(r, 700));
    expect(await sendState(core(), id)).toMatchObject({ status: 'scheduled', sent: 0, pending: 0 });
    await waitSent(id);
    const row = await core().db.selectFrom('newsletters').select('started_at').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.started_at).toBeGreaterThanOrEqual(at);
    for (const p of audience.people) expect(sink.counts().get(p.email)).toBe(1);
  });

  test('transactional mail does not wait behind a bulk send', async () => {
    // 60 messages to a mail server that takes 400 ms over each, five at a time: the bulk send needs about 5 s.
    const audience = await seedAudience(core(), { count: 60, domain: 'slow.example.org' });
    const emails = new Set(audience.people.map((p) => p.email));
    const id = await draftNewsletter(core(), { listId: audience.listId });
    await startSending(core(), null, id);
    await until(() => arrivedFor(emails) >= 1);
    const queuedAt = Date.now();
    await core().mailer.enqueue(core().db, {
      to: 'reset@example.org',
      subject: 'Reset your password',
      html: '<p>Reset</p>',
      text: 'Reset',
    });
    await until(() => sink.arrivals.some((a) => a.to === 'reset@example.org'));
    const latency = sink.arrivals.find((a) => a.to === 'reset@example.org')!.at - queuedAt;
    const bulkLeft = (await sendState(core(), id)).pending;
    // It went out at once, while most of the newsletter was still waiting.
    expect(latency).toBeLessThan(1000);
    expect(bulkLeft).toBeGreaterThan(30);
    await waitSent(id, 60_000);
  });
});

describeEachDialect('newsletter sending with DKIM', (ctx) => {
  let sink: BulkSink;
  let t: TestLantern;
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lantern-dkim-'));
    const keyFile = join(dir, 'dkim.pem');
    writeFileSync(keyFile, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    sink = await startBulkSink();
    t = await startTestLantern(ctx, {
      worker: true,
      env: {
        SMTP_URL: sink.url,
        MAIL_FROM: 'Freedom Thread <news@freedomthread.example.org>',
        DKIM_DOMAIN: 'freedomthread.example.org',
        DKIM_SELECTOR: 'lantern2026',
        DKIM_PRIVATE_KEY_FILE: keyFile,
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  test('bulk messages arrive signed, and the signature covers both one-click unsubscribe headers', async () => {
    const core = t.lantern.core;
    const audience = await seedAudience(core, { count: 2 });
    const id = await draftNewsletter(core, { listId: audience.listId });
    await startSending(core, null, id);
    await until(async () => (await sendState(core, id)).status === 'sent');
    for (const p of audience.people) {
      const arrival = sink.arrivals.find((a) => a.to === p.email)!;
      const sig = verifyDkim(arrival.raw, keys.publicKey);
      expect(sig.d).toBe('freedomthread.example.org');
      expect(sig.s).toBe('lantern2026');
      expect(sig.h).toEqual(expect.arrayContaining(['from', 'subject', 'list-unsubscribe', 'list-unsubscribe-post']));
    }
    // A message changed on the way no longer verifies.
    const raw = sink.arrivals
      .find((a) => a.to === audience.people[0]!.email)!
      .raw.toString('latin1')
      .replace('Thank you', 'Thank yov');
    expect(() => verifyDkim(Buffer.from(raw, 'latin1'), keys.publicKey)).toThrow('body hash');
  });
});

describeEachDialect('newsletter sending without a mail server (the catcher)', (ctx) => {
  let t: TestLantern;
  beforeAll(async () => {
    t = await startTestLantern(ctx, { worker: true });
  });
  afterAll(async () => {
    await t?.close();
  });

  test('every message is kept for staff to read, as with transactional mail', async () => {
    const core = t.lantern.core;
    const audience = await seedAudience(core, { count: 2, firstName: (i) => (i === 0 ? 'Gülnar' : null) });
    const id = await draftNewsletter(core, { listId: audience.listId, subject: 'For {{first_name}}' });
    await startSending(core, null, id);
    await until(async () => (await sendState(core, id)).status === 'sent');
    const caught = (await core.mailer.recent(10)).filter((m) => m.category === 'bulk');
    expect(caught.map((m) => [m.to, m.subject, m.status]).sort()).toEqual(
      [
        [audience.people[0]!.email, 'For Gülnar', 'caught'],
        [audience.people[1]!.email, 'For Supporter', 'caught'],
      ].sort(),
    );
    expect(caught[0]!.body?.headers['List-Unsubscribe']).toMatch(/^<http.*\/s\/unsubscribe\//);
  });
});

/**
 * Checks a message's DKIM signature (relaxed/relaxed, rsa-sha256) with the public key, as a receiving server
 * would; returns the signing domain, selector and signed header names, or throws saying what does not match.
 */
function verifyDkim(raw: Buffer, publicKey: KeyObject): { d: string; s: string; h: string[] } {
  const text = raw.toString('latin1');
  const split = text.indexOf('\r\n\r\n');
  const fields: string[] = [];
  for (const line of text.slice(0, split).split('\r\n')) {
    if (/^[ \t]/.test(line) && fields.length) fields[fields.length - 1] += `\r\n${line}`;
    else fields.push(line);
  }
  const relaxed = (field: string) => {
    const colon = field.indexOf(':');
    const value = field
      .slice(colon + 1)
      .replace(/\r\n/g, '')
      .replace(/[ \t]+/g, ' ')
      .trim();
    return `${field.slice(0, colon).trim().toLowerCase()}:${value}`;
  };
  const sigField = fields.find((f) => /^dkim-signature:/i.test(f));
  if (!sigField) throw new Error('no DKIM-Signature header');
  const tags = Object.fromEntries(
    relaxed(sigField)
      .slice('dkim-signature:'.length)
      .split(';')
      .map((t) => t.trim())
      .filter(Boolean)
      .map((t) => [t.slice(0, t.indexOf('=')).trim(), t.slice(t.indexOf('=') + 1).replace(/\s+/g, '')]),
  ) as Record<string, string>;
  const lines = text
    .slice(split + 4)
    .split('\r\n')
    .map((l) => l.replace(/[ \t]+/g, ' ').replace(/ +$/, ''));
  while (lines.length && lines.at(-1) === '') lines.pop();
  const body = lines.length ? `${lines.join('\r\n')}\r\n` : '';
  if (createHash('sha256').update(body, 'latin1').digest('base64') !== tags.bh) throw new Error('the body hash does not match');
  const h = tags.h!.split(':').map((x) => x.trim().toLowerCase());
  const unused = [...fields];
  let signed = '';
  for (const name of h) {
    for (let i = unused.length - 1; i >= 0; i--) {
      if (unused[i]!.slice(0, unused[i]!.indexOf(':')).trim().toLowerCase() === name) {
        signed += `${relaxed(unused[i]!)}\r\n`;
        unused.splice(i, 1);
        break;
      }
    }
  }
  signed += relaxed(sigField).replace(/(;\s*b=)[^;]*$/, '$1');
  if (!verify('RSA-SHA256', Buffer.from(signed, 'latin1'), publicKey, Buffer.from(tags.b!, 'base64')))
    throw new Error('the signature does not verify');
  return { d: tags.d!, s: tags.s!, h };
}
