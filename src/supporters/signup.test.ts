import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import { TestClient } from '../../test/helpers/http.js';
import { startSmtpSink, type SmtpSink } from '../../test/helpers/smtp.js';
import { EASY_PROOF_OF_WORK, easyProofOfWork, linkIn, mailsTo, solveSignupProof, waitForMailTo } from '../../test/helpers/supporters.js';
import { until } from '../../test/helpers/wait.js';
import { hashToken } from '../core/crypto.js';
import { lookupPostcode } from '../representatives/service.js';
import { insertList, mailableSupporterIds } from './queries.js';
import { DomainError } from '../core/web/errors.js';
import { STANDARD_DIFFICULTY, useDifficultyForBenchmarks } from '../core/web/proof-of-work.js';
import {
  findSupporterByEmail,
  isSuppressed,
  listNewsletterAudience,
  listUnsubscribeHeaders,
  recordConsent,
  sendDataExportLink,
  signUp as signUpService,
  supporterConsent,
  supporterLink,
  upsertSupporter,
} from './service.js';

// The public side of supporters, as a supporter meets it: signing up (double opt-in), confirming, changing
// preferences, one-click unsubscribe as a mail client sends it, and the data rights. Real HTTP, a real database on
// each dialect, mail delivered by the worker to a real SMTP server on loopback.

const CHECK = '/stay-in-touch/check-your-email';
const CONFIRM_LINK = /\/s\/confirm\/[A-Za-z0-9_-]{43}/;
const MANAGE_LINK = /\/s\/manage\/[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{32}/;

// Proofs of work are solved for almost every signature here: trivial ones (see easyProofOfWork).
easyProofOfWork();

describeEachDialect('supporters: sign-up, confirmation, preferences, unsubscribe and data rights', (ctx) => {
  let t: TestLantern;
  let sink: SmtpSink;
  let updates: number;
  let events: number;

  beforeAll(async () => {
    sink = await startSmtpSink();
    // TRUST_PROXY lets each test appear from its own address (x-forwarded-for), as behind a reverse proxy.
    t = await startTestLantern(ctx, { env: { SMTP_URL: sink.url, TRUST_PROXY: 'true' }, worker: true });
    const at = Date.now();
    updates = await insertList(ctx.db, {
      slug: 'updates',
      name: 'Campaign updates',
      description: 'News',
      wording: 'Email me campaign news, about twice a month.',
      at,
    });
    events = await insertList(ctx.db, {
      slug: 'events',
      name: 'Events and vigils',
      description: 'Events',
      wording: 'Email me invitations to events and vigils.',
      at,
    });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  let nextAddress = 1;
  const ip = () => `198.51.100.${nextAddress++}`;
  /** A client that appears to come from its own IP address, with the sign-up page (and its token) read. */
  const visitor = async () => {
    const c = new TestClient(t.baseUrl, { 'x-forwarded-for': ip() });
    expect((await c.get('/stay-in-touch')).status).toBe(200);
    return c;
  };
  const db = () => t.lantern.core.db;
  const core = () => t.lantern.core;
  const supporterNamed = (email: string) => findSupporterByEmail(db(), core().keyring, email);
  const countSupporters = async () =>
    Number(
      (
        await db()
          .selectFrom('supporters')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const queuedMail = async () =>
    Number(
      (
        await db()
          .selectFrom('jobs')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('name', '=', 'sendEmail')
          .where('state', 'in', ['queued', 'running'])
          .executeTakeFirstOrThrow()
      ).n,
    );
  const mailJobs = async () =>
    Number(
      (
        await db()
          .selectFrom('jobs')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('name', '=', 'sendEmail')
          .executeTakeFirstOrThrow()
      ).n,
    );
  /** Lets the resend gap pass for every address (tokens look older than they are). */
  const ageTokens = () =>
    db()
      .updateTable('tokens')
      .set({ created_at: Date.now() - 10 * 60_000 })
      .where('purpose', '=', 'supporter_confirm')
      .execute();

  const signUp = async (c: TestClient, email: string, o: { lists?: number[]; proof?: boolean; extra?: Record<string, string> } = {}) => {
    const form: Record<string, string | string[]> = { email, firstName: 'Test', list: (o.lists ?? [updates]).map(String), ...o.extra };
    if (o.proof !== false) form.altcha = await solveSignupProof(t.baseUrl, { 'x-forwarded-for': ip() });
    return c.post('/stay-in-touch', form);
  };

  /** Signs up and confirms through the emailed link; returns the supporter's manage path. */
  const confirmedSupporter = async (email: string, lists: number[]) => {
    const c = await visitor();
    expect((await signUp(c, email, { lists })).status).toBe(303);
    const [mail] = await waitForMailTo(sink, email);
    const confirm = linkIn(mail!, CONFIRM_LINK);
    await c.get(confirm);
    const done = await c.post(confirm);
    expect(done.status).toBe(303);
    return { client: c, manage: done.headers.get('location')!.split('?')[0]! };
  };

  test('double opt-in: sign up, the email, the confirmation page (which a GET does not confirm), and the consent ledger', async () => {
    const c = await visitor();
    const email = 'Amina.Journey@Example.org';
    const res = await signUp(c, email, { lists: [updates, events], extra: { lastName: 'Journey', postcode: 'sw1a1aa' } });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(CHECK);
    const check = await c.get(CHECK);
    expect(check.status).toBe(200);
    expect(check.text).toContain('Check your email');

    const s = (await supporterNamed('amina.journey@example.org'))!;
    expect(s).toMatchObject({ firstName: 'Test', lastName: 'Journey', postcode: 'SW1A 1AA', source: 'signup form', confirmedAt: null });
    let consent = await supporterConsent(db(), s.id);
    expect(consent.subscriptions.map((x) => x.status)).toEqual(['pending', 'pending']);
    expect(consent.ledger.map((e) => [e.kind, e.list, e.lawfulBasis, e.source, e.wording])).toEqual(
      expect.arrayContaining([
        ['requested', 'Campaign updates', 'consent', 'signup form', 'Email me campaign news, about twice a month.'],
        ['requested', 'Events and vigils', 'consent', 'signup form', 'Email me invitations to events and vigils.'],
      ]),
    );
    expect(await mailableSupporterIds(db(), updates).execute()).not.toContainEqual({ id: s.id });

    const [mail] = await waitForMailTo(sink, email);
    expect(mail!.subject).toMatch(/confirm/i);
    expect(mail!.text).toContain('Campaign updates');
    expect(mail!.text).toContain('Events and vigils');
    const confirm = linkIn(mail!, CONFIRM_LINK);
    // Only the token's hash is stored.
    const token = confirm.split('/').pop()!;
    const tokens = await db()
      .selectFrom('tokens')
      .select(['token_hash', 'purpose', 'expires_at', 'created_at'])
      .where('subject_id', '=', s.id)
      .execute();
    expect(tokens).toEqual([expect.objectContaining({ token_hash: hashToken(token), purpose: 'supporter_confirm' })]);
    expect(tokens[0]!.expires_at - tokens[0]!.created_at).toBe(30 * 24 * 3600_000);

    // A link scanner opening the link changes nothing.
    const page = await new TestClient(t.baseUrl, { 'x-forwarded-for': ip() }).get(confirm);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.text).toContain('Yes, confirm');
    expect(page.text).toContain('Email me invitations to events and vigils.');
    expect((await supporterNamed(email))!.confirmedAt).toBeNull();

    await c.get(confirm);
    const done = await c.post(confirm);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toMatch(new RegExp(`^${MANAGE_LINK.source}\\?done=confirmed$`));
    expect((await supporterNamed(email))!.confirmedAt).not.toBeNull();
    consent = await supporterConsent(db(), s.id);
    expect(consent.subscriptions.map((x) => x.status)).toEqual(['subscribed', 'subscribed']);
    expect(
      consent.ledger
        .filter((e) => e.kind === 'granted')
        .map((e) => [e.list, e.source, e.lawfulBasis])
        .sort(),
    ).toEqual([
      ['Campaign updates', 'confirmation link', 'consent'],
      ['Events and vigils', 'confirmation link', 'consent'],
    ]);
    expect((await mailableSupporterIds(db(), updates).execute()).map((r) => r.id)).toContain(s.id);

    const prefs = await c.get(done.headers.get('location')!);
    expect(prefs.status).toBe(200);
    expect(prefs.text).toContain('you are confirmed');
    // The link is spent: pressing again says so and changes nothing.
    const again = await c.post(confirm);
    expect(again.status).toBe(200);
    expect(again.text).toContain('Already confirmed');
    expect((await supporterConsent(db(), s.id)).ledger).toHaveLength(4);
  });

  test('the same answer whether or not the address is known; an already subscribed address is told so by email', async () => {
    const email = 'known.person@example.org';
    const first = await signUp(await visitor(), email);
    const [confirmMail] = await waitForMailTo(sink, email);
    const c = await visitor();
    await c.get(linkIn(confirmMail!, CONFIRM_LINK));
    await c.post(linkIn(confirmMail!, CONFIRM_LINK));
    await ageTokens();

    const known = await signUp(await visitor(), email);
    const unknown = await signUp(await visitor(), 'never.seen@example.org');
    for (const r of [first, known, unknown]) {
      expect(r.status).toBe(303);
      expect(r.headers.get('location')).toBe(CHECK);
      expect(r.text).toBe('');
    }
    const mails = await waitForMailTo(sink, email, 2);
    expect(mails[1]!.subject).toMatch(/already/i);
    expect(mails[1]!.text).not.toMatch(CONFIRM_LINK);
    const manage = linkIn(mails[1]!, MANAGE_LINK);
    expect((await new TestClient(t.baseUrl).get(manage)).status).toBe(200);
    expect((await waitForMailTo(sink, 'never.seen@example.org'))[0]!.subject).toMatch(/confirm/i);
    // A stranger typing a known address can fill in a blank, but cannot change what the record holds.
    await ageTokens();
    await signUp(await visitor(), email, { extra: { firstName: 'Mallory', lastName: 'Intruder' } });
    expect(await supporterNamed(email)).toMatchObject({ firstName: 'Test', lastName: 'Intruder' });
  });

  test('at most one sign-up email per address every two minutes, whatever the form is sent', async () => {
    const email = 'flood.me@example.org';
    for (let i = 0; i < 3; i++) expect((await signUp(await visitor(), email)).status).toBe(303);
    await until(async () => (await queuedMail()) === 0);
    await waitForMailTo(sink, email);
    expect(mailsTo(sink, email)).toHaveLength(1);
  });

  test('sign-ups arriving together are all stored (sharing commits on SQLite); one that fails undoes only its own writes', async () => {
    const before = { supporters: await countSupporters(), jobs: await mailJobs() };
    const proof = { id: 'ab'.repeat(16), expiresAt: Date.now() + 60_000 };
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        signUpService(
          core(),
          { email: `together.${i}@example.org`, firstName: `T${i}`, lastName: undefined, postcode: undefined, list: [updates] },
          i === 10 || i === 20 ? { proof } : {},
        ),
      ),
    );
    // One of the two uses of the same proof is refused (whichever came second); everything else went in whole.
    const refused = results.flatMap((r, i) => (r.status === 'rejected' ? [i] : []));
    expect(refused).toHaveLength(1);
    expect([10, 20]).toContain(refused[0]);
    expect((results[refused[0]!] as PromiseRejectedResult).reason).toBeInstanceOf(DomainError);
    expect(await countSupporters()).toBe(before.supporters + 29);
    expect(await mailJobs()).toBe(before.jobs + 29);
    expect(await supporterNamed(`together.${refused[0]}@example.org`)).toBeUndefined();
    const s = (await supporterNamed('together.21@example.org'))!;
    expect((await supporterConsent(db(), s.id)).ledger.map((e) => e.kind)).toEqual(['requested']);
  });

  test('a filled honeypot gets the same answer, and nothing is stored or sent', async () => {
    const before = { supporters: await countSupporters(), jobs: await mailJobs() };
    const r = await signUp(await visitor(), 'robot@example.org', { extra: { website: 'http://spam.example.com' } });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe(CHECK);
    expect(await countSupporters()).toBe(before.supporters);
    expect(await mailJobs()).toBe(before.jobs);
    // The trap is hidden from people, screen readers and the keyboard, and says what to do to anyone who finds it.
    const page = await (await visitor()).get('/stay-in-touch');
    expect(page.text).toMatch(
      /<div class="signup-trap" aria-hidden="true"><label for="f-website">Leave this field empty<\/label><input type="text" id="f-website" name="website" tabindex="-1" autocomplete="off"/,
    );
  });

  test('the proof of work: a solved challenge is accepted once; a forged or reused one is refused and nothing is stored', async () => {
    const c = await visitor();
    const proof = await solveSignupProof(t.baseUrl, { 'x-forwarded-for': ip() });
    expect(
      (await c.post('/stay-in-touch', { email: 'proof.once@example.org', firstName: 'P', list: String(updates), altcha: proof })).status,
    ).toBe(303);
    expect(await supporterNamed('proof.once@example.org')).toBeDefined();

    const reused = await c.post('/stay-in-touch', {
      email: 'proof.twice@example.org',
      firstName: 'P',
      list: String(updates),
      altcha: proof,
    });
    expect(reused.status).toBe(422);
    expect(reused.text).toContain('already used');
    expect(await supporterNamed('proof.twice@example.org')).toBeUndefined();

    const decoded = JSON.parse(Buffer.from(await solveSignupProof(t.baseUrl, { 'x-forwarded-for': ip() }), 'base64').toString());
    for (const forged of [
      { ...decoded, solution: { ...decoded.solution, derivedKey: 'ab'.repeat(32) } },
      { ...decoded, challenge: { ...decoded.challenge, parameters: { ...decoded.challenge.parameters, cost: 1 } } },
      { ...decoded, challenge: { ...decoded.challenge, parameters: { ...decoded.challenge.parameters, expiresAt: 1 } } },
    ]) {
      const r = await c.post('/stay-in-touch', {
        email: 'forged@example.org',
        firstName: 'F',
        list: String(updates),
        altcha: Buffer.from(JSON.stringify(forged)).toString('base64'),
      });
      expect(r.status).toBe(422);
      expect(r.text).toContain('did not finish');
      // The form comes back filled in, with the list still ticked.
      expect(r.text).toContain('value="forged@example.org"');
      expect(r.text).toMatch(new RegExp(`value="${updates}" checked`));
    }
    for (const junk of ['not base64 at all', Buffer.from('{"challenge":1}').toString('base64'), 'x'.repeat(9000)]) {
      expect(
        (await c.post('/stay-in-touch', { email: 'forged@example.org', firstName: 'F', list: String(updates), altcha: junk })).status,
      ).toBe(422);
    }
    expect(await supporterNamed('forged@example.org')).toBeUndefined();
  });

  test('without JavaScript (no proof of work) the form works, under a stricter limit per address: then 429', async () => {
    const c = await visitor();
    for (let i = 0; i < 5; i++) {
      const r = await signUp(c, `nojs.${i}@example.org`, { proof: false });
      expect(r.status).toBe(303);
    }
    expect(await supporterNamed('nojs.0@example.org')).toBeDefined();
    const limited = await signUp(c, 'nojs.5@example.org', { proof: false });
    expect(limited.status).toBe(429);
    expect(limited.text).toContain('Too many');
    expect(await supporterNamed('nojs.5@example.org')).toBeUndefined();
    // The same address with a proof of work is in its own, larger allowance.
    expect((await signUp(c, 'nojs.6@example.org')).status).toBe(303);
  });

  test('sign-ups with a proof of work are limited per address too', async () => {
    const c = await visitor();
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) {
      // Invalid input still counts, so the limit cannot be probed for free; it is also quicker than solving 21 proofs.
      statuses.push(
        (await c.post('/stay-in-touch', { email: 'not an address', firstName: 'R', list: String(updates), altcha: 'x' })).status,
      );
    }
    expect(statuses.slice(0, 20).every((s) => s === 422)).toBe(true);
    expect(statuses[20]).toBe(429);
  });

  test('invalid input re-displays the form with messages and a 422, and stores nothing', async () => {
    const before = { supporters: await countSupporters(), jobs: await mailJobs() };
    const cases: Array<[Record<string, string | string[]>, string]> = [
      [{ email: '', firstName: 'A', list: String(updates) }, 'Enter your email address'],
      [{ email: 'nope', firstName: 'A', list: String(updates) }, 'right format'],
      [{ email: 'a@example.org', firstName: '', list: String(updates) }, 'Enter your first name'],
      [{ email: 'a@example.org', firstName: 'A' }, 'Choose at least one thing'],
      [{ email: 'a@example.org', firstName: 'A', list: String(updates), postcode: 'not a postcode' }, 'full UK postcode'],
      [{ email: 'a@example.org', firstName: 'A', list: ['999999'] }, 'lists have changed'],
      [{ email: 'a@example.org', firstName: 'A', list: 'banana' }, 'Choose from the lists shown'],
    ];
    for (const [form, message] of cases) {
      // Each from its own address: without a proof of work, only five tries are allowed per address.
      const r = await (await visitor()).post('/stay-in-touch', form);
      expect(r.status, JSON.stringify(form)).toBe(422);
      expect(r.text).toContain(message);
      expect(r.text).toContain('There is a problem');
    }
    expect(await countSupporters()).toBe(before.supporters);
    expect(await mailJobs()).toBe(before.jobs);
  });

  test('the sign-up block on cached pages posts without a token: same-origin browsers are let in, other sites are not', async () => {
    const home = await new TestClient(t.baseUrl).get('/stay-in-touch');
    expect(home.text).toContain('action="/stay-in-touch"');
    const post = (headers: Record<string, string>, email: string) =>
      fetch(new URL('/stay-in-touch', t.baseUrl), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip(), ...headers },
        body: new URLSearchParams({ email, firstName: 'B', list: String(updates) }).toString(),
      });
    expect((await post({ 'sec-fetch-site': 'same-origin' }, 'block.one@example.org')).status).toBe(303);
    expect((await post({ origin: t.baseUrl }, 'block.two@example.org')).status).toBe(303);
    expect((await post({ 'sec-fetch-site': 'cross-site' }, 'block.three@example.org')).status).toBe(403);
    expect((await post({ 'sec-fetch-site': 'same-site' }, 'block.three@example.org')).status).toBe(403);
    expect((await post({ origin: 'https://evil.example.com' }, 'block.three@example.org')).status).toBe(403);
    // Neither header nor token (an old browser, a script): the form comes back with a token to send it again.
    const bare = await post({}, 'block.four@example.org');
    expect(bare.status).toBe(422);
    expect(await bare.text()).toContain('press Sign up again');
    for (const e of ['block.one@example.org', 'block.two@example.org']) expect(await supporterNamed(e)).toBeDefined();
    for (const e of ['block.three@example.org', 'block.four@example.org']) expect(await supporterNamed(e)).toBeUndefined();
  });

  test('preferences: unticking withdraws at once; ticking again needs a new confirmation', async () => {
    const email = 'prefs@example.org';
    const { client: c, manage } = await confirmedSupporter(email, [updates, events]);
    const s = (await supporterNamed(email))!;
    const page = await c.get(manage);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.text).toContain('p•••@example.org');
    expect(page.text).not.toContain(email);
    expect(page.text).toContain('You get these');

    const saved = await c.post(manage, { list: String(updates) });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe(`${manage}?done=saved`);
    let consent = await supporterConsent(db(), s.id);
    expect(consent.subscriptions.find((x) => x.listId === events)!.status).toBe('unsubscribed');
    expect(consent.ledger[0]).toMatchObject({
      kind: 'withdrawn',
      list: 'Events and vigils',
      source: 'preferences page',
      lawfulBasis: null,
    });
    expect((await mailableSupporterIds(db(), events).execute()).map((r) => r.id)).not.toContain(s.id);

    await c.get(manage);
    const ticked = await c.post(manage, { list: [String(updates), String(events)] });
    expect(ticked.headers.get('location')).toBe(`${manage}?done=saved-confirm`);
    consent = await supporterConsent(db(), s.id);
    expect(consent.subscriptions.find((x) => x.listId === events)!.status).toBe('pending');
    expect(consent.ledger[0]).toMatchObject({
      kind: 'requested',
      list: 'Events and vigils',
      source: 'preferences page',
      lawfulBasis: 'consent',
    });
    const mails = await waitForMailTo(sink, email, 2);
    expect(mails[1]!.text).toContain('Events and vigils');
    const confirm = linkIn(mails[1]!, CONFIRM_LINK);
    await c.get(confirm);
    await c.post(confirm);
    expect((await supporterConsent(db(), s.id)).subscriptions.map((x) => x.status)).toEqual(['subscribed', 'subscribed']);

    // Unticking everything is allowed: it withdraws from every list.
    await c.get(manage);
    expect((await c.post(manage, {})).status).toBe(303);
    expect((await supporterConsent(db(), s.id)).subscriptions.map((x) => x.status)).toEqual(['unsubscribed', 'unsubscribed']);
    // A list that is not offered is refused with the form shown again.
    await c.get(manage);
    const bad = await c.post(manage, { list: '999999' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('lists have changed');
    // A forged link finds nothing.
    expect((await c.get(`${manage.slice(0, -1)}${manage.endsWith('A') ? 'B' : 'A'}`)).status).toBe(404);
    expect((await c.get('/s/manage/nonsense')).status).toBe(404);
  });

  test('one-click unsubscribe: the headers, a mail client POST (no cookie, no token, any body) and the page', async () => {
    const email = 'oneclick@example.org';
    await confirmedSupporter(email, [updates, events]);
    const s = (await supporterNamed(email))!;
    const headers = listUnsubscribeHeaders(core(), s.publicId, updates);
    expect(headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    const url = /^<(https?:\/\/[^>]+)>$/.exec(headers['List-Unsubscribe']!)![1]!;
    expect(url).toBe(supporterLink(core(), 'unsubscribe', s.publicId, String(updates)));
    expect(url.startsWith(`${t.baseUrl}/s/unsubscribe/`)).toBe(true);

    // As RFC 8058 has a mail provider send it: a POST with that body, no cookies, no CSRF token.
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('You are unsubscribed');
    let consent = await supporterConsent(db(), s.id);
    expect(consent.subscriptions.map((x) => [x.listId, x.status])).toEqual([
      [updates, 'unsubscribed'],
      [events, 'subscribed'],
    ]);
    expect(consent.ledger[0]).toMatchObject({ kind: 'withdrawn', list: 'Campaign updates', source: 'unsubscribe link' });
    // Again: still fine, nothing more recorded.
    expect(
      (
        await fetch(url, {
          method: 'POST',
          body: 'List-Unsubscribe=One-Click',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        })
      ).status,
    ).toBe(200);
    expect((await supporterConsent(db(), s.id)).ledger).toHaveLength(consent.ledger.length);

    // RFC 8058 prefers multipart/form-data; that works too.
    const eventsUrl = /^<([^>]+)>$/.exec(listUnsubscribeHeaders(core(), s.publicId, events)['List-Unsubscribe']!)![1]!;
    const page = await new TestClient(t.baseUrl).get(new URL(eventsUrl).pathname);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Events and vigils');
    expect(page.text).toMatch(/<form method="post" action="\/s\/unsubscribe\/[^"]+\/\d+"/);
    expect(page.text).toMatch(MANAGE_LINK);
    // Opening the page changed nothing.
    expect((await supporterConsent(db(), s.id)).subscriptions.find((x) => x.listId === events)!.status).toBe('subscribed');
    const form = new FormData();
    form.append('List-Unsubscribe', 'One-Click');
    expect((await fetch(eventsUrl, { method: 'POST', body: form })).status).toBe(200);
    consent = await supporterConsent(db(), s.id);
    expect(consent.subscriptions.map((x) => x.status)).toEqual(['unsubscribed', 'unsubscribed']);

    // The list id is part of the signature: changing it finds nothing.
    const other = url.replace(/\/\d+$/, `/${events}`);
    expect((await fetch(other, { method: 'POST', body: 'List-Unsubscribe=One-Click' })).status).toBe(404);
    expect((await fetch(`${t.baseUrl}/s/unsubscribe/garbage/1`, { method: 'POST' })).status).toBe(404);
  });

  test('data rights: "email me my data" sends a single-use link to a JSON download; staff can send the same link', async () => {
    const email = 'my.data@example.org';
    const { client: c, manage } = await confirmedSupporter(email, [updates]);
    const s = (await supporterNamed(email))!;
    await c.get(manage);
    const asked = await c.post(`${manage}/export`);
    expect(asked.status).toBe(303);
    expect(asked.headers.get('location')).toBe(`${manage}?done=export`);
    const mails = await waitForMailTo(sink, email, 2);
    const link = linkIn(mails[1]!, /\/s\/data\/[A-Za-z0-9_-]{43}/);
    const row = await db()
      .selectFrom('tokens')
      .selectAll()
      .where('token_hash', '=', hashToken(link.split('/').pop()!))
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ purpose: 'data_export', subject_id: s.id, used_at: null });
    expect(row.expires_at - row.created_at).toBe(7 * 24 * 3600_000);

    const d = new TestClient(t.baseUrl, { 'x-forwarded-for': ip() });
    const page = await d.get(link);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Download my data');
    const download = await d.post(link);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toMatch(/^application\/json/);
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename="my-data-\d{4}-\d{2}-\d{2}\.json"$/);
    expect(download.headers.get('cache-control')).toBe('no-store');
    const data = JSON.parse(download.text);
    expect(data.supporter).toMatchObject({ email, firstName: 'Test' });
    expect(data.consentHistory.map((e: { event: string }) => e.event)).toEqual(['granted', 'requested']);
    // Single use.
    expect((await d.post(link)).status).toBe(404);
    expect((await d.get(link)).status).toBe(404);

    // Staff (the admin side) send the same link for a supporter.
    expect(await sendDataExportLink(core(), s.id)).toBe(true);
    const third = await waitForMailTo(sink, email, 3);
    expect(third[2]!.text).toMatch(/\/s\/data\/[A-Za-z0-9_-]{43}/);
  });

  test('erasure from the preferences page: a confirmation page, then everything personal goes and the address is suppressed', async () => {
    const email = 'erase.me@example.org';
    const { client: c, manage } = await confirmedSupporter(email, [updates]);
    const s = (await supporterNamed(email))!;
    const ask = await c.get(`${manage}/erase`);
    expect(ask.status).toBe(200);
    expect(ask.text).toContain('Yes, erase my data');
    expect(await supporterNamed(email)).toBeDefined();
    const erased = await c.post(`${manage}/erase`);
    expect(erased.status).toBe(303);
    expect(erased.headers.get('location')).toBe('/s/erased');
    expect((await c.get('/s/erased')).status).toBe(200);
    const raw = await db().selectFrom('supporters').selectAll().where('id', '=', s.id).executeTakeFirstOrThrow();
    expect(raw).toMatchObject({ email_enc: null, email_index: null, first_name_enc: null });
    expect(raw.erased_at).not.toBeNull();
    expect(await isSuppressed(db(), core().keyring, email)).toBe(true);
    expect(
      await db()
        .selectFrom('tokens')
        .select('token_hash')
        .where('subject_id', '=', s.id)
        .where('purpose', 'in', ['supporter_confirm', 'data_export'])
        .execute(),
    ).toEqual([]);
    expect((await c.get(manage)).status).toBe(404);

    // Signing the address up again: the same page, but nothing is stored and nothing is sent.
    const before = { supporters: await countSupporters(), mails: mailsTo(sink, email).length };
    expect((await signUp(await visitor(), email)).status).toBe(303);
    await until(async () => (await queuedMail()) === 0);
    expect(await countSupporters()).toBe(before.supporters);
    expect(mailsTo(sink, email)).toHaveLength(before.mails);
  });

  test('retention: a daily job deletes sign-ups never confirmed within 30 days, and nothing else', async () => {
    expect(t.lantern.recurring).toContainEqual({ name: 'deleteStaleUnconfirmedSupporters', everyMs: 24 * 3600_000 });
    const make = async (email: string, o: { daysAgo: number; confirmed: boolean }) => {
      const { id } = await upsertSupporter(
        db(),
        core().keyring,
        { email },
        { source: 'signup form', mode: 'fill', confirmed: o.confirmed },
      );
      await db()
        .updateTable('supporters')
        .set({ created_at: Date.now() - o.daysAgo * 24 * 3600_000 })
        .where('id', '=', id)
        .execute();
      return id;
    };
    const stale = await make('stale@example.org', { daysAgo: 31, confirmed: false });
    const fresh = await make('fresh@example.org', { daysAgo: 29, confirmed: false });
    const old = await make('old.friend@example.org', { daysAgo: 400, confirmed: true });
    await core().queue.enqueue(db(), 'deleteStaleUnconfirmedSupporters', {});
    await until(async () => (await db().selectFrom('supporters').select('id').where('id', '=', stale).executeTakeFirst()) === undefined);
    const left = (await db().selectFrom('supporters').select('id').where('id', 'in', [stale, fresh, old]).execute())
      .map((r) => r.id)
      .sort((a, b) => a - b);
    expect(left).toEqual([fresh, old]);
  });

  /** A saved segment of one constituency, as staff save it. */
  const constituencySegment = async (code: string) =>
    (
      await db()
        .insertInto('segments')
        .values({
          name: `People in ${code}`,
          filters: JSON.stringify({ constituency: code }),
          created_by: null,
          created_at: 1,
          updated_at: 1,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;

  test('a postcode given at sign-up becomes a constituency when the address is confirmed, so a segment by constituency includes the supporter', async () => {
    const found = await lookupPostcode(core(), 'M1 1AE');
    if (found.kind !== 'found') throw new Error('the shipped data should place M1 1AE');
    const code = found.constituency.code;
    const email = 'postcode.signup@example.org';
    const { client } = await (async () => {
      const c = await visitor();
      expect((await signUp(c, email, { extra: { postcode: 'm11ae' } })).status).toBe(303);
      return { client: c };
    })();
    const [mail] = await waitForMailTo(sink, email);
    const confirm = linkIn(mail!, CONFIRM_LINK);
    await client.get(confirm);
    expect((await client.post(confirm)).status).toBe(303);
    const s = (await supporterNamed(email))!;
    expect(s).toMatchObject({ postcode: 'M1 1AE', constituencyCode: code });
    const segment = await constituencySegment(code);
    expect(await listNewsletterAudience(db(), { listId: updates, segmentId: segment })).toContain(s.id);
  });

  test('a job fills in the constituency of supporters who gave a postcode before, and leaves the rest as they are', async () => {
    expect(t.lantern.recurring).toContainEqual(expect.objectContaining({ name: 'fillSupporterConstituencies' }));
    const found = await lookupPostcode(core(), 'SW1A 2AA');
    if (found.kind !== 'found') throw new Error('the shipped data should place SW1A 2AA');
    const make = async (email: string, details: { postcode?: string; constituencyCode?: string }) =>
      (await upsertSupporter(db(), core().keyring, { email, ...details }, { source: 'import', mode: 'fill', confirmed: true })).id;
    const before = await make('before.lookup@example.org', { postcode: 'SW1A 2AA' });
    const known = await make('known.seat@example.org', { postcode: 'SW1A 2AA', constituencyCode: 'E14000999' });
    const ni = await make('belfast@example.org', { postcode: 'BT1 1AA' });
    const none = await make('no.postcode@example.org', {});
    await recordConsent(db(), { supporterId: before, listIds: [updates], change: 'granted', basis: 'consent', source: 'test' });
    const segment = await constituencySegment(found.constituency.code);
    expect(await listNewsletterAudience(db(), { listId: updates, segmentId: segment })).not.toContain(before);
    await core().queue.enqueue(db(), 'fillSupporterConstituencies', {});
    await until(
      async () =>
        (await db().selectFrom('supporters').select('constituency_code').where('id', '=', before).executeTakeFirst())?.constituency_code !=
        null,
    );
    const codes = Object.fromEntries(
      (await db().selectFrom('supporters').select(['id', 'constituency_code']).where('id', 'in', [before, known, ni, none]).execute()).map(
        (r) => [r.id, r.constituency_code],
      ),
    );
    expect(codes).toEqual({ [before]: found.constituency.code, [known]: 'E14000999', [ni]: null, [none]: null });
    expect(await listNewsletterAudience(db(), { listId: updates, segmentId: segment })).toContain(before);
  });

  test('the widget is served from our own origin, and the challenge endpoint hands out signed, expiring challenges', async () => {
    const c = new TestClient(t.baseUrl, { 'x-forwarded-for': ip() });
    for (const [path, type] of [
      ['/assets/altcha/altcha.js', 'text/javascript'],
      ['/assets/altcha/altcha.css', 'text/css'],
      ['/assets/altcha/pbkdf2-worker.js', 'text/javascript'],
      ['/assets/forms.js', 'javascript'],
    ] as const) {
      const r = await c.get(path);
      expect(r.status, path).toBe(200);
      expect(r.headers.get('content-type')).toContain(type);
      expect(r.headers.get('content-security-policy')).toContain("default-src 'self'");
    }
    expect((await c.get('/assets/altcha/../../package.json')).status).toBe(404);
    expect((await c.get('/assets/altcha/altcha.umd.cjs')).status).toBe(404);
    // The difficulty the site hands out, not the trivial one the rest of this file signs with.
    useDifficultyForBenchmarks(STANDARD_DIFFICULTY);
    const r = await c.get('/stay-in-touch/challenge').finally(() => useDifficultyForBenchmarks(EASY_PROOF_OF_WORK));
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    const challenge = JSON.parse(r.text);
    expect(challenge.parameters).toMatchObject({ algorithm: 'PBKDF2/SHA-256', cost: 2000 });
    expect(challenge.parameters.expiresAt * 1000).toBeGreaterThan(Date.now() + 9 * 60_000);
    expect(challenge.signature).toMatch(/^[0-9a-f]{64}$/);
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await c.get('/stay-in-touch/challenge')).status);
    expect(statuses.at(-1)).toBe(429);
  });
});
