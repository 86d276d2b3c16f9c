import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../../test/helpers/app.js';
import { openTestAction } from '../../../test/helpers/actions.js';
import { describeEachDialect } from '../../../test/helpers/db.js';
import { TestClient } from '../../../test/helpers/http.js';
import { multipartBody } from '../../../test/helpers/multipart.js';
import { signedInAs } from '../../../test/helpers/signin.js';
import { startSmtpSink, type SmtpSink } from '../../../test/helpers/smtp.js';
import { easyProofOfWork, linkIn, mailsTo, solveSignupProof, waitForMailTo } from '../../../test/helpers/supporters.js';
import { until } from '../../../test/helpers/wait.js';
import { hashToken } from '../../core/crypto.js';
import { saveSiteSettings } from '../../core/settings.js';
import { insertList } from '../../supporters/queries.js';
import { emailIndex, findSupporterByEmail, supporterConsent } from '../../supporters/service.js';
import { getActionById } from '../service.js';
import { demoLogoPng, seedSignOnsDemo } from './demo.js';
import { signOnKind } from './kind.js';
import { CONFIRM_LINK_MS, decideSignOn, deleteStaleUnconfirmedSignOns, escapeCell, imageTypeOf, normaliseWebsite } from './service.js';
import type { SignOnSettings } from './settings.js';
import type { Action } from '../kinds.js';

// Organisation sign-ons as an organisation and staff meet them: real HTTP, a real database on each dialect, mail
// delivered by the worker to a real SMTP server on loopback. Sign → confirm → waiting (not listed) → approved →
// listed and counted; rejection; one sign-on per address; logos checked by their bytes and served safely; websites
// limited to http and https; names in any script; the export; abuse protection; retention; the demo.

const CONFIRM_LINK = /\/act\/[a-z0-9-]+\/sign-on\/confirm\/[A-Za-z0-9_-]{43}/;
const PNG = demoLogoPng([10, 80, 160], [250, 200, 40], 16);
const JPEG = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
  Buffer.from('JFIF\0', 'latin1'),
  Buffer.alloc(200, 7),
  Buffer.from([0xff, 0xd9]),
]);
const WEBP = Buffer.concat([
  Buffer.from('RIFF', 'latin1'),
  Buffer.from([0x40, 0, 0, 0]),
  Buffer.from('WEBPVP8 ', 'latin1'),
  Buffer.alloc(60, 1),
]);
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>');
const HTML = Buffer.from('<!doctype html><html><body><script>alert(document.cookie)</script></body></html>');

test('image types are read from the bytes, never the name', () => {
  expect(imageTypeOf(PNG)).toBe('image/png');
  expect(imageTypeOf(JPEG)).toBe('image/jpeg');
  expect(imageTypeOf(WEBP)).toBe('image/webp');
  expect(imageTypeOf(SVG)).toBeUndefined();
  expect(imageTypeOf(HTML)).toBeUndefined();
  expect(imageTypeOf(Buffer.alloc(0))).toBeUndefined();
  // A PNG signature with no IHDR after it, and a RIFF that is not WebP (a WAV file), are not images we serve.
  expect(imageTypeOf(Buffer.concat([PNG.subarray(0, 8), Buffer.alloc(40)]))).toBeUndefined();
  expect(imageTypeOf(Buffer.concat([Buffer.from('RIFF\0\0\0\0WAVEfmt ', 'latin1'), Buffer.alloc(40)]))).toBeUndefined();
});

test('websites: http and https kept, a bare name gets https, other schemes and look-alikes refused', () => {
  expect(normaliseWebsite('https://www.example.org')).toBe('https://www.example.org/');
  expect(normaliseWebsite('  HTTP://Example.org/about?x=1 ')).toBe('http://example.org/about?x=1');
  expect(normaliseWebsite('example.org/members')).toBe('https://example.org/members');
  // A name in another script is kept in its ASCII (punycode) form, which cannot pose as another site's name.
  expect(normaliseWebsite('بىرلىك.example.org')).toMatch(/^https:\/\/xn--[a-z0-9-]+\.example\.org\/$/);
  for (const bad of [
    'javascript:alert(1)',
    'JavaScript://example.org/%0aalert(1)',
    'data:text/html,<script>alert(1)</script>',
    'mailto:someone@example.org',
    'ftp://example.org',
    'vbscript:msgbox',
    'https://user:pass@example.org',
    'localhost',
    'https://localhost',
    'exa mple.org',
    'https://example.org/\u0000',
    '',
    'x'.repeat(600) + '.org',
  ]) {
    expect(normaliseWebsite(bad), bad).toBeNull();
  }
});

test('a cell that a spreadsheet would run as a formula is escaped', () => {
  expect(escapeCell('=HYPERLINK("http://evil.example","x")')).toBe('\'=HYPERLINK("http://evil.example","x")');
  expect(escapeCell('+44 20 7946 0000')).toBe("'+44 20 7946 0000");
  expect(escapeCell('@home')).toBe("'@home");
  expect(escapeCell('Fair Cotton Network')).toBe('Fair Cotton Network');
});

// Proofs of work are solved for almost every signature here: trivial ones (see easyProofOfWork).
easyProofOfWork();

describeEachDialect('sign-ons: sign, confirm, moderate, list, export', (ctx) => {
  let t: TestLantern;
  let sink: SmtpSink;
  let campaigner: TestClient;
  let newsList: number;
  const db = () => t.lantern.core.db;
  const core = () => t.lantern.core;

  beforeAll(async () => {
    sink = await startSmtpSink();
    // TRUST_PROXY lets each post appear from its own address (x-forwarded-for), as behind a reverse proxy.
    t = await startTestLantern(ctx, { env: { SMTP_URL: sink.url, TRUST_PROXY: 'true' }, worker: true });
    await saveSiteSettings(db(), { orgName: 'Freedom Thread', timeZone: 'Europe/London' });
    campaigner = (await signedInAs(t, 'campaigner')).client;
    newsList = await insertList(db(), {
      slug: 'campaign-updates',
      name: 'Campaign updates',
      description: 'News',
      wording: 'Email me campaign news, about twice a month.',
      at: Date.now(),
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  let nextAddress = 1;
  const ip = () => `203.0.113.${nextAddress++ % 250}`;
  let nextEmail = 1;
  const freshEmail = (name = 'contact') => `${name}.${nextEmail++}@org-${ctx.dialect}.example.org`;

  const openSignOn = async (o: { settings?: Partial<SignOnSettings>; newsletterListId?: number; status?: 'draft' | 'open' } = {}) =>
    (await openTestAction(core(), {
      kind: 'sign_on',
      settings: o.settings ?? {},
      newsletterListId: o.newsletterListId ?? null,
      status: o.status ?? 'open',
    })) as unknown as Action<SignOnSettings>;

  const count = async (table: 'sign_ons' | 'files' | 'tokens') =>
    Number(
      (
        await db()
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const signOnsOf = (actionId: number) => db().selectFrom('sign_ons').selectAll().where('action_id', '=', actionId).orderBy('id').execute();

  type Fields = Record<string, string>;
  const fieldsFor = (email: string, extra: Fields = {}): Fields => ({
    organisation: 'Threadwatch Coalition',
    website: 'threadwatch.example.org',
    contactName: 'Miriam Okonkwo-Hale',
    contactRole: 'Coordinator',
    email,
    ...extra,
  });

  /** Posts the sign-on form as a browser would (multipart, same origin), from its own address unless told. */
  const post = async (
    slug: string,
    fields: Fields,
    o: {
      logo?: { content: Buffer; filename?: string; type?: string } | 'none';
      proof?: boolean;
      from?: string;
      site?: string | null;
      headers?: Record<string, string>;
    } = {},
  ) => {
    const from = o.from ?? ip();
    const all: Fields = { ...fields };
    if (o.proof) all.altcha = await solveSignupProof(t.baseUrl, { 'x-forwarded-for': from });
    // A browser sends an empty file part when no file is chosen.
    const file =
      o.logo === 'none' || o.logo === undefined
        ? { field: 'logo', filename: '', content: Buffer.alloc(0), type: 'application/octet-stream' }
        : { field: 'logo', filename: o.logo.filename ?? 'logo.png', content: o.logo.content, type: o.logo.type ?? 'image/png' };
    const { body, contentType } = multipartBody(all, file);
    const res = await fetch(new URL(`/act/${slug}/sign-on`, t.baseUrl), {
      method: 'POST',
      headers: {
        'content-type': contentType,
        accept: 'text/html',
        'x-forwarded-for': from,
        ...(o.site === null ? {} : { 'sec-fetch-site': o.site ?? 'same-origin' }),
        ...o.headers,
      },
      body: new Uint8Array(body),
      redirect: 'manual',
    });
    return {
      status: res.status,
      location: res.headers.get('location'),
      cacheControl: res.headers.get('cache-control'),
      text: await res.text(),
    };
  };

  /** Signs and confirms through the emailed link; returns the sign-on's id. */
  const signedAndConfirmed = async (action: Action<SignOnSettings>, email: string, extra: Fields = {}, logo?: Buffer) => {
    const r = await post(action.slug, fieldsFor(email, extra), logo ? { logo: { content: logo } } : {});
    expect(r.status).toBe(303);
    const [mail] = await waitForMailTo(sink, email);
    const link = linkIn(mail!, CONFIRM_LINK);
    const c = new TestClient(t.baseUrl, { 'x-forwarded-for': ip() });
    expect((await c.get(link)).status).toBe(200);
    expect((await c.post(link)).status).toBe(303);
    const row = (await signOnsOf(action.id)).find((s) => s.email_index === emailIndex(core().keyring, email));
    expect(row?.status).toBe('pending');
    return Number(row!.id);
  };

  test('an organisation signs, confirms by email, waits for review unlisted, then is approved, listed and counted', async () => {
    const action = await openSignOn();
    const page = await new TestClient(t.baseUrl).get(`/act/${action.slug}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`action="/act/${action.slug}/sign-on"`);
    expect(page.text).toContain('enctype="multipart/form-data"');
    expect(page.text).toContain('No organisation is listed yet');

    const email = freshEmail('miriam');
    const r = await post(action.slug, fieldsFor(email), { logo: { content: PNG, filename: 'our logo.png' }, proof: true });
    expect(r.status).toBe(303);
    expect(r.location).toBe(`/act/${action.slug}/sign-on/check-your-email`);
    const check = await new TestClient(t.baseUrl).get(r.location!);
    expect(check.status).toBe(200);
    expect(check.text).toContain('Check your email');

    // Stored encrypted, the organisation too (it is public only once approved), and the logo's bytes whole.
    const [row] = await signOnsOf(action.id);
    expect(row).toMatchObject({ organisation: null, website: null, status: 'unconfirmed', confirmed_at: null });
    expect(core().keyring.decrypt(row!.organisation_enc!)).toBe('Threadwatch Coalition');
    for (const enc of [row!.contact_name_enc, row!.contact_role_enc!, row!.email_enc, row!.organisation_enc!, row!.website_enc!]) {
      expect(enc).not.toMatch(/Miriam|Coordinator|example|Threadwatch/);
    }
    expect(core().keyring.decrypt(row!.contact_name_enc)).toBe('Miriam Okonkwo-Hale');
    const file = await db().selectFrom('files').selectAll().where('id', '=', row!.logo_file_id!).executeTakeFirstOrThrow();
    expect(file.content_type).toBe('image/png');
    expect(Buffer.from(file.bytes).equals(PNG)).toBe(true);
    expect(Number(file.size)).toBe(PNG.length);

    const [mail] = await waitForMailTo(sink, email);
    expect(mail!.subject).toMatch(/confirm your organisation’s signature/i);
    expect(mail!.text).toContain('Threadwatch Coalition');
    const link = linkIn(mail!, CONFIRM_LINK);
    const token = link.split('/').pop()!;
    const stored = await db()
      .selectFrom('tokens')
      .selectAll()
      .where('subject_id', '=', row!.id)
      .where('purpose', '=', 'sign_on_confirm')
      .execute();
    expect(stored).toEqual([expect.objectContaining({ token_hash: hashToken(token), used_at: null })]);

    // A link scanner opening the link changes nothing.
    const scanner = await new TestClient(t.baseUrl).get(link);
    expect(scanner.status).toBe(200);
    expect(scanner.headers.get('cache-control')).toBe('no-store');
    expect(scanner.text).toContain('Yes, confirm');
    expect((await signOnsOf(action.id))[0]!.status).toBe('unconfirmed');

    const c = new TestClient(t.baseUrl);
    await c.get(link);
    const done = await c.post(link);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(`/act/${action.slug}/thanks`);
    expect((await signOnsOf(action.id))[0]).toMatchObject({ status: 'pending', confirmed_at: expect.any(Number) });
    expect((await c.post(link)).text).toContain('Already confirmed');

    // Waiting for review: neither listed nor counted.
    let pub = await new TestClient(t.baseUrl).get(`/act/${action.slug}`);
    expect(pub.text).not.toContain('Threadwatch Coalition');
    expect(await signOnKind.countConfirmed(db(), action.id)).toBe(0);

    const moderation = await campaigner.get(`/admin/actions/${action.id}/sign-ons`);
    expect(moderation.status).toBe(200);
    expect(moderation.text).toContain('Threadwatch Coalition');
    expect(moderation.text).toContain('Miriam Okonkwo-Hale');
    expect(moderation.text).toContain(email);
    const approve = await campaigner.post(`/admin/actions/${action.id}/sign-ons/${row!.id}/approve?status=pending`);
    expect(approve.status).toBe(303);
    expect(approve.headers.get('location')).toBe(`/admin/actions/${action.id}/sign-ons?status=pending&done=approved`);
    expect((await signOnsOf(action.id))[0]).toMatchObject({
      status: 'approved',
      decided_at: expect.any(Number),
      decided_by: expect.any(Number),
    });
    const audit = await db().selectFrom('audit_log').selectAll().where('action', '=', 'sign_on.approve').execute();
    expect(audit.map((a) => a.target)).toContain(`sign-on ${row!.id}`);
    const approved = await waitForMailTo(sink, email, 2);
    expect(approved[1]!.subject).toMatch(/you are listed/i);
    expect(approved[1]!.text).toContain(`/act/${action.slug}`);

    // Listed: organisation, website (a plain link that passes no ranking) and logo; never the contact.
    pub = await new TestClient(t.baseUrl).get(`/act/${action.slug}`);
    expect(pub.text).toContain('Threadwatch Coalition');
    expect(pub.text).toMatch(
      /<a href="https:\/\/threadwatch\.example\.org\/" rel="nofollow ugc noopener noreferrer"[^>]*>threadwatch\.example\.org<\/a>/,
    );
    expect(pub.text).toContain('1 organisation has signed');
    expect(pub.text).not.toContain('Miriam');
    expect(pub.text).not.toContain(email);
    const logoPath = /<img src="(\/files\/[^"]+)"/.exec(pub.text)![1]!;
    const logo = await fetch(new URL(logoPath, t.baseUrl));
    expect(logo.status).toBe(200);
    expect(logo.headers.get('content-type')).toBe('image/png');
    expect(logo.headers.get('x-content-type-options')).toBe('nosniff');
    expect(logo.headers.get('cache-control')).toMatch(/max-age=\d+/);
    expect(Buffer.from(await logo.arrayBuffer()).equals(PNG)).toBe(true);
    const again = await fetch(new URL(logoPath, t.baseUrl), { headers: { 'if-none-match': logo.headers.get('etag')! } });
    expect(again.status).toBe(304);
    // A file's address cannot be guessed from its id.
    expect((await fetch(new URL(`/files/${row!.logo_file_id}`, t.baseUrl))).status).toBe(404);
    expect((await fetch(new URL(logoPath.replace(/-.{4}/, '-AAAA'), t.baseUrl))).status).toBe(404);

    expect(await signOnKind.countConfirmed(db(), action.id)).toBe(1);
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(
      new Date(),
    );
    expect(await signOnKind.countsByDay(db(), action.id, 'Europe/London')).toEqual([{ day: today, count: 1 }]);
    // The approval asked for the live counter to be recounted, which the worker does within seconds.
    await until(async () => (await getActionById(db(), action.id))!.count === 1);
  });

  test('an organisation’s details are stored encrypted until staff approve them for the list; rejecting takes the plain copy away again', async () => {
    const action = await openSignOn();
    const k = core().keyring;
    const email = freshEmail('encrypted');
    const id = await signedAndConfirmed(action, email, { organisation: 'Quiet Harbour Trust', website: 'quiet-harbour.example.org' });
    const plainOf = async () => await db().selectFrom('sign_ons').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    let row = await plainOf();
    // Waiting for review: nothing of the organisation in plain text.
    expect(row).toMatchObject({ status: 'pending', organisation: null, website: null });
    expect(k.decrypt(row.organisation_enc!)).toBe('Quiet Harbour Trust');
    expect(k.decrypt(row.website_enc!)).toBe('https://quiet-harbour.example.org/');
    expect(`${row.organisation_enc} ${row.website_enc}`).not.toMatch(/Harbour|harbour/);
    // Staff still read it in the queue.
    expect((await campaigner.get(`/admin/actions/${action.id}/sign-ons`)).text).toContain('Quiet Harbour Trust');

    // Approved: the organisation and website are copied in plain text for the public list; the contact stays encrypted.
    expect((await campaigner.post(`/admin/actions/${action.id}/sign-ons/${id}/approve?status=pending`)).status).toBe(303);
    row = await plainOf();
    expect(row).toMatchObject({ status: 'approved', organisation: 'Quiet Harbour Trust', website: 'https://quiet-harbour.example.org/' });
    expect(row.contact_name_enc).not.toContain('Miriam');
    expect((await new TestClient(t.baseUrl).get(`/act/${action.slug}`)).text).toContain('Quiet Harbour Trust');

    // Rejected after all: off the list, and the plain copy goes.
    expect((await campaigner.post(`/admin/actions/${action.id}/sign-ons/${id}/reject?status=approved`)).status).toBe(303);
    row = await plainOf();
    expect(row).toMatchObject({ status: 'rejected', organisation: null, website: null });
    expect(k.decrypt(row.organisation_enc!)).toBe('Quiet Harbour Trust');
    expect((await new TestClient(t.baseUrl).get(`/act/${action.slug}`)).text).not.toContain('Quiet Harbour Trust');
  });

  test('sign-ons stored before their details were encrypted are encrypted by a job; only approved ones keep a plain copy', async () => {
    expect(t.lantern.recurring).toContainEqual(expect.objectContaining({ name: 'encryptSignOnDetails' }));
    const action = await openSignOn();
    const k = core().keyring;
    const now = Date.now();
    const legacy = async (organisation: string, status: 'unconfirmed' | 'pending' | 'approved' | 'rejected') =>
      Number(
        (
          await db()
            .insertInto('sign_ons')
            .values({
              action_id: action.id,
              organisation,
              website: `https://${status}.legacy.example.org/`,
              contact_name_enc: k.encrypt('Old Contact'),
              email_index: `legacy-${status}-${action.id}`,
              email_enc: k.encrypt(`${status}@legacy.example.org`),
              status,
              created_at: now,
              confirmed_at: status === 'unconfirmed' ? null : now,
              decided_at: status === 'approved' || status === 'rejected' ? now : null,
            })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id,
      );
    const ids = {
      unconfirmed: await legacy('Legacy Unconfirmed Org', 'unconfirmed'),
      pending: await legacy('Legacy Pending Org', 'pending'),
      approved: await legacy('Legacy Approved Org', 'approved'),
      rejected: await legacy('Legacy Rejected Org', 'rejected'),
    };
    await core().queue.enqueue(db(), 'encryptSignOnDetails', {});
    await until(
      async () =>
        (await db().selectFrom('sign_ons').select('id').where('action_id', '=', action.id).where('organisation_enc', 'is', null).execute())
          .length === 0,
    );
    const rows = new Map((await signOnsOf(action.id)).map((r) => [Number(r.id), r]));
    for (const [status, id] of Object.entries(ids)) {
      const r = rows.get(id)!;
      const name = `Legacy ${status[0]!.toUpperCase()}${status.slice(1)} Org`;
      expect(k.decrypt(r.organisation_enc!)).toBe(name);
      expect(k.decryptNullable(r.website_enc)).toBe(`https://${status}.legacy.example.org/`);
      expect({ status, organisation: r.organisation, website: r.website }).toEqual(
        status === 'approved'
          ? { status, organisation: name, website: `https://${status}.legacy.example.org/` }
          : { status, organisation: null, website: null },
      );
    }
    expect((await new TestClient(t.baseUrl).get(`/act/${action.slug}`)).text).toContain('Legacy Approved Org');
    const queue = await campaigner.get(`/admin/actions/${action.id}/sign-ons?status=rejected`);
    expect(queue.text).toContain('Legacy Rejected Org');
  });

  test('staff reject a sign-on: it is never listed, nothing is sent; only moderators decide; a stale decision is refused', async () => {
    const action = await openSignOn();
    const email = freshEmail('rejected');
    const id = await signedAndConfirmed(action, email, { organisation: 'Definitely Real Charity Ltd' });
    for (const role of ['viewer', 'editor'] as const) {
      const { client } = await signedInAs(t, role);
      expect((await client.get(`/admin/actions/${action.id}/sign-ons`)).status).toBe(403);
      expect((await client.post(`/admin/actions/${action.id}/sign-ons/${id}/approve`)).status).toBe(403);
    }
    const anonymous = await new TestClient(t.baseUrl).get(`/admin/actions/${action.id}/sign-ons`);
    expect([302, 303]).toContain(anonymous.status);

    await campaigner.get(`/admin/actions/${action.id}/sign-ons`);
    expect((await campaigner.post(`/admin/actions/${action.id}/sign-ons/${id}/reject`)).status).toBe(303);
    expect((await signOnsOf(action.id))[0]!.status).toBe('rejected');
    expect(
      (await db().selectFrom('audit_log').select('target').where('action', '=', 'sign_on.reject').execute()).map((a) => a.target),
    ).toContain(`sign-on ${id}`);
    const stale = await campaigner.post(`/admin/actions/${action.id}/sign-ons/${id}/reject`);
    expect(stale.status).toBe(409);
    expect(stale.text).toContain('has changed since the page was loaded');
    const pub = await new TestClient(t.baseUrl).get(`/act/${action.slug}`);
    expect(pub.text).not.toContain('Definitely Real Charity');
    expect(await signOnKind.countConfirmed(db(), action.id)).toBe(0);
    // A sign-on of another action cannot be decided through this one's address.
    const other = await openSignOn();
    expect((await campaigner.post(`/admin/actions/${other.id}/sign-ons/${id}/approve`)).status).toBe(404);
    await new Promise((r) => setTimeout(r, 300));
    expect(mailsTo(sink, email)).toHaveLength(1);
  });

  test('one sign-on per address per action: the same page either way, one row, and the email says what to do', async () => {
    const action = await openSignOn();
    const email = freshEmail('twice');
    const first = await post(action.slug, fieldsFor(email, { organisation: 'First Name Kept' }));
    const second = await post(action.slug, fieldsFor(email.toUpperCase(), { organisation: 'Someone Else Entirely' }), {
      logo: { content: PNG },
    });
    expect([first.status, second.status]).toEqual([303, 303]);
    expect(second.location).toBe(first.location);
    const rows = await signOnsOf(action.id);
    expect(rows).toHaveLength(1);
    expect(core().keyring.decrypt(rows[0]!.organisation_enc!)).toBe('First Name Kept');
    expect(rows[0]!.logo_file_id).toBeNull();
    await waitForMailTo(sink, email);
    await new Promise((r) => setTimeout(r, 300));
    // The second post came within two minutes: no second email, so the form cannot flood an inbox.
    expect(mailsTo(sink, email)).toHaveLength(1);

    const age = () =>
      db()
        .updateTable('tokens')
        .set({ created_at: Date.now() - 10 * 60_000 })
        .where('purpose', '=', 'sign_on_confirm')
        .execute();
    await age();
    expect((await post(action.slug, fieldsFor(email))).status).toBe(303);
    const [, resent] = await waitForMailTo(sink, email, 2);
    expect(resent!.subject).toMatch(/confirm/i);
    expect(resent!.text).toContain('First Name Kept');
    const c = new TestClient(t.baseUrl);
    const link = linkIn(resent!, CONFIRM_LINK);
    await c.get(link);
    expect((await c.post(link)).status).toBe(303);

    await age();
    expect((await post(action.slug, fieldsFor(email))).status).toBe(303);
    const [, , note] = await waitForMailTo(sink, email, 3);
    expect(note!.subject).toMatch(/already signed/i);
    expect(await signOnsOf(action.id)).toHaveLength(1);
    // The same address may sign another statement.
    const other = await openSignOn();
    expect((await post(other.slug, fieldsFor(email))).status).toBe(303);
    expect(await signOnsOf(other.id)).toHaveLength(1);
  });

  test('logos: PNG, JPEG and WebP accepted by their bytes; SVG, HTML, garbage and oversized files refused with 422, nothing stored', async () => {
    const action = await openSignOn();
    for (const [content, type] of [
      [JPEG, 'image/jpeg'],
      [WEBP, 'image/webp'],
    ] as const) {
      const email = freshEmail('logo');
      // The name and type the browser sends do not matter.
      expect((await post(action.slug, fieldsFor(email), { logo: { content, filename: 'logo.svg', type: 'image/svg+xml' } })).status).toBe(
        303,
      );
      const row = (await signOnsOf(action.id)).at(-1)!;
      const file = await db()
        .selectFrom('files')
        .select(['content_type', 'bytes'])
        .where('id', '=', row.logo_file_id!)
        .executeTakeFirstOrThrow();
      expect(file.content_type).toBe(type);
      expect(Buffer.from(file.bytes).equals(content)).toBe(true);
    }
    // The form works without a logo, whether the browser sends an empty file part or none at all.
    expect((await post(action.slug, fieldsFor(freshEmail('nologo')), { logo: 'none' })).status).toBe(303);
    const plain = new TestClient(t.baseUrl, { 'x-forwarded-for': ip(), 'sec-fetch-site': 'same-origin' });
    expect((await plain.request('POST', `/act/${action.slug}/sign-on`, { form: fieldsFor(freshEmail('urlencoded')) })).status).toBe(303);
    expect((await signOnsOf(action.id)).slice(-2).map((r) => r.logo_file_id)).toEqual([null, null]);

    const before = { signOns: await count('sign_ons'), files: await count('files'), tokens: await count('tokens') };
    const refused: Array<[string, { content: Buffer; filename?: string; type?: string }, RegExp]> = [
      ['an SVG with script', { content: SVG, filename: 'logo.svg', type: 'image/svg+xml' }, /must be a PNG, JPEG or WebP image/],
      ['an SVG named .png', { content: SVG, filename: 'logo.png', type: 'image/png' }, /must be a PNG, JPEG or WebP image/],
      ['an HTML page', { content: HTML, filename: 'logo.png', type: 'image/png' }, /must be a PNG, JPEG or WebP image/],
      [
        'random bytes',
        { content: Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) % 256)), filename: 'x.webp' },
        /must be a PNG, JPEG or WebP image/,
      ],
      ['an empty file', { content: Buffer.alloc(0), filename: 'empty.png' }, /must be a PNG, JPEG or WebP image/],
      ['a PNG over 512 KB', { content: Buffer.concat([PNG, Buffer.alloc(600 * 1024)]) }, /512 KB or smaller/],
    ];
    for (const [what, logo, message] of refused) {
      const r = await post(action.slug, fieldsFor(freshEmail('bad')), { logo });
      expect(r.status, what).toBe(422);
      expect(r.text, what).toMatch(message);
      // The form comes back with what was typed, the message by the field and in the summary.
      expect(r.text).toContain('value="Threadwatch Coalition"');
      expect(r.text).toContain('href="#f-logo"');
    }
    expect({ signOns: await count('sign_ons'), files: await count('files'), tokens: await count('tokens') }).toEqual(before);

    const strict = await openSignOn({ settings: { requireLogo: true } });
    const noLogo = await post(strict.slug, fieldsFor(freshEmail('strict')));
    expect(noLogo.status).toBe(422);
    expect(noLogo.text).toContain('Choose your organisation’s logo');
    expect((await post(strict.slug, fieldsFor(freshEmail('strict')), { logo: { content: PNG } })).status).toBe(303);
  });

  test('bad input: a javascript: website, missing fields and line breaks in a name come back with messages, nothing stored', async () => {
    const action = await openSignOn();
    const before = await count('sign_ons');
    const cases: Array<[Fields, string, RegExp]> = [
      [{ website: 'javascript:alert(document.cookie)' }, 'website', /Enter your website’s address/],
      [{ website: 'data:text/html,<script>alert(1)</script>' }, 'website', /Enter your website’s address/],
      [{ organisation: '   ' }, 'organisation', /Enter the name of your organisation/],
      [{ organisation: 'Good\nCause' }, 'organisation', /Name of your organisation must be on one line/],
      [{ contactName: '' }, 'contactName', /Enter your name/],
      [{ email: 'not an address' }, 'email', /right format/],
      [{ organisation: 'x'.repeat(201) }, 'organisation', /200 characters or fewer/],
    ];
    for (const [extra, field, message] of cases) {
      const r = await post(action.slug, fieldsFor(freshEmail('bad'), extra));
      expect(r.status, field).toBe(422);
      expect(r.text, field).toMatch(message);
      expect(r.text).toContain(`href="#f-${field}"`);
      // What was typed comes back only as a field's value, never as a link; and the page is not cached.
      expect(r.text).not.toMatch(/href="(javascript|data):/);
      expect(r.cacheControl).toBe('no-store');
    }
    expect(await count('sign_ons')).toBe(before);
  });

  test('names in any script are stored as written, listed escaped, and exported; contacts never appear publicly', async () => {
    const action = await openSignOn();
    const names = [
      'بىرلىك مەدەنىيەت مەركىزى',
      '维吾尔人权项目',
      'Ελληνικό Δίκτυο Αλληλεγγύης',
      'Ассоциация «Шёлковый путь»',
      '<script>alert(1)</script> & Sons',
      '=HYPERLINK("http://evil.example","click")',
    ];
    const contacts = ['Гүлнар Ибраһим', 'Ayşegül Yılmaz', 'محمد عبد الله', '山田 花子', 'Seán Ó Briain', 'Zoë Müller-Łęcka'];
    const staff = await db().selectFrom('staff').select('id').where('role', '=', 'campaigner').executeTakeFirstOrThrow();
    for (const [i, organisation] of names.entries()) {
      const id = await signedAndConfirmed(action, freshEmail('script'), { organisation, contactName: contacts[i]! });
      await decideSignOn(core(), Number(staff.id), action.id, id, 'approve');
    }
    const pub = await new TestClient(t.baseUrl).get(`/act/${action.slug}`);
    for (const n of names.slice(0, 4)) expect(pub.text).toContain(n);
    expect(pub.text).toContain('&lt;script>alert(1)&lt;/script> &amp; Sons');
    expect(pub.text).not.toContain('<script>alert(1)</script>');
    expect(pub.text).toContain('dir="auto"');
    for (const c of contacts) expect(pub.text).not.toContain(c);
    expect(pub.text).toContain(`${names.length} organisations have signed`);

    await campaigner.get(`/admin/actions/${action.id}/sign-ons?status=approved`);
    const csv = await campaigner.post(`/admin/actions/${action.id}/sign-ons/export`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="sign-ons-[a-z0-9-]+-\d{4}-\d{2}-\d{2}\.csv"$/);
    // (The byte-order mark is there, but fetch's text() drops it.)
    expect(csv.text.replace(/^\ufeff/, '')).toMatch(/^organisation,website,contact_name,contact_role,email,status,/);
    for (const n of [...names.slice(0, 4), ...contacts]) expect(csv.text).toContain(n);
    expect(csv.text).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    expect(csv.text.split('\r\n').filter((l) => l !== '')).toHaveLength(names.length + 1);
    const audit = await db().selectFrom('audit_log').selectAll().where('action', '=', 'sign_ons.export').execute();
    expect(audit.at(-1)).toMatchObject({ target: `action ${action.id}`, details: JSON.stringify({ rows: names.length }) });
    // The export is personal data: only staff who may export supporters get it.
    const { client: editor } = await signedInAs(t, 'editor');
    expect((await editor.post(`/admin/actions/${action.id}/sign-ons/export`)).status).toBe(403);
  });

  test('the newsletter box records consent through the supporters ledger, granted only by the confirmation link', async () => {
    const list = newsList;
    const action = await openSignOn({ newsletterListId: list });
    const page = await new TestClient(t.baseUrl).get(`/act/${action.slug}`);
    expect(page.text).toContain('Email me campaign news, about twice a month.');
    expect(page.text).toMatch(/<input type="checkbox" id="f-optIn" name="optIn"(?! checked)/);
    const email = freshEmail('news');
    expect((await post(action.slug, fieldsFor(email, { optIn: 'on' }))).status).toBe(303);
    const supporter = (await findSupporterByEmail(db(), core().keyring, email))!;
    expect((await supporterConsent(db(), supporter.id)).subscriptions).toEqual([
      expect.objectContaining({ listId: list, status: 'pending' }),
    ]);
    const [mail] = await waitForMailTo(sink, email);
    expect(mail!.text).toContain('Campaign updates');
    const c = new TestClient(t.baseUrl);
    const link = linkIn(mail!, CONFIRM_LINK);
    expect((await c.get(link)).text).toContain('Campaign updates');
    await c.post(link);
    const consent = await supporterConsent(db(), supporter.id);
    expect(consent.subscriptions).toEqual([expect.objectContaining({ listId: list, status: 'subscribed' })]);
    expect(consent.ledger.map((e) => e.kind)).toEqual(expect.arrayContaining(['requested', 'granted']));
    // Unticked, nothing is recorded about the newsletter.
    const quiet = freshEmail('quiet');
    expect((await post(action.slug, fieldsFor(quiet))).status).toBe(303);
    expect(await findSupporterByEmail(db(), core().keyring, quiet)).toBeUndefined();
  });

  test('abuse: the honeypot, cross-site posts, spent proofs, and the stricter limit without a proof of work', async () => {
    const action = await openSignOn();
    const before = await count('sign_ons');
    const trapped = await post(action.slug, fieldsFor(freshEmail('robot'), { homepage: 'http://spam.example' }));
    expect(trapped.status).toBe(303);
    expect(trapped.location).toBe(`/act/${action.slug}/sign-on/check-your-email`);
    expect(await count('sign_ons')).toBe(before);

    expect((await post(action.slug, fieldsFor(freshEmail('cross')), { headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    expect(
      (await post(action.slug, fieldsFor(freshEmail('cross')), { site: null, headers: { origin: 'https://evil.example' } })).status,
    ).toBe(403);
    expect(
      (await post(action.slug, fieldsFor(freshEmail('same')), { site: null, headers: { origin: new URL(core().config.baseUrl).origin } }))
        .status,
    ).toBe(303);

    // A client that says nothing about where it posts from gets the form back with a token, and then succeeds.
    const c = new TestClient(t.baseUrl, { 'x-forwarded-for': ip() });
    const unknown = await c.request('POST', `/act/${action.slug}/sign-on`, { form: fieldsFor(freshEmail('old-browser')) });
    expect(unknown.status).toBe(422);
    expect(unknown.text).toContain('press Sign up our organisation again');
    expect((await c.post(`/act/${action.slug}/sign-on`, fieldsFor(freshEmail('old-browser')))).status).toBe(303);

    const from = ip();
    const proof = await solveSignupProof(t.baseUrl, { 'x-forwarded-for': from });
    expect((await post(action.slug, { ...fieldsFor(freshEmail('proof')), altcha: proof }, { from })).status).toBe(303);
    const reused = await post(action.slug, { ...fieldsFor(freshEmail('proof')), altcha: proof }, { from });
    expect(reused.status).toBe(422);
    expect(reused.text).toContain('already used');
    const forged = await post(
      action.slug,
      { ...fieldsFor(freshEmail('proof')), altcha: Buffer.from('{"challenge":1}').toString('base64') },
      { from },
    );
    expect(forged.status).toBe(422);

    // Without a proof of work, three sign-ons per address in ten minutes.
    const slow = ip();
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push((await post(action.slug, fieldsFor(freshEmail('noproof')), { from: slow })).status);
    expect(answers).toEqual([303, 303, 303, 429]);
  });

  test('drafts are not public; a closed statement turns the form away but keeps its list', async () => {
    const draft = await openSignOn({ status: 'draft' });
    expect((await new TestClient(t.baseUrl).get(`/act/${draft.slug}/sign-on`)).status).toBe(404);
    expect((await post(draft.slug, fieldsFor(freshEmail('draft')))).status).toBe(404);

    const action = await openSignOn();
    const id = await signedAndConfirmed(action, freshEmail('closing'), { organisation: 'Early Signer Trust' });
    await campaigner.get(`/admin/actions/${action.id}/sign-ons`);
    await campaigner.post(`/admin/actions/${action.id}/sign-ons/${id}/approve`);
    await db().updateTable('actions').set({ status: 'closed', closed_at: Date.now() }).where('id', '=', action.id).execute();
    const r = await post(action.slug, fieldsFor(freshEmail('late')));
    expect(r.status).toBe(303);
    expect(r.location).toBe(`/act/${action.slug}`);
    expect((await new TestClient(t.baseUrl).get(`/act/${action.slug}/sign-on`)).status).toBe(303);
    expect(await signOnsOf(action.id)).toHaveLength(1);
    const closed = await getActionById(db(), action.id);
    const area = await signOnKind.ResultArea!({
      core: core(),
      action: closed as unknown as Action<SignOnSettings>,
      timeZone: 'Europe/London',
    });
    const { renderToString } = await import('preact-render-to-string');
    expect(renderToString(area!)).toContain('Early Signer Trust');
    const hidden = { ...closed!, settings: { requireLogo: false, hideList: true } } as unknown as Action<SignOnSettings>;
    expect(await signOnKind.ResultArea!({ core: core(), action: hidden, timeZone: 'Europe/London' })).toBeNull();
  });

  test('sign-ons never confirmed are deleted with their logos and links after 30 days', async () => {
    const action = await openSignOn();
    expect((await post(action.slug, fieldsFor(freshEmail('stale')), { logo: { content: PNG } })).status).toBe(303);
    const fresh = freshEmail('fresh');
    expect((await post(action.slug, fieldsFor(fresh))).status).toBe(303);
    const [stale] = await signOnsOf(action.id);
    await db()
      .updateTable('sign_ons')
      .set({ created_at: Date.now() - CONFIRM_LINK_MS - 60_000 })
      .where('id', '=', stale!.id)
      .execute();
    expect(await deleteStaleUnconfirmedSignOns(db())).toBe(1);
    expect((await signOnsOf(action.id)).map((r) => r.id)).not.toContain(stale!.id);
    expect(await db().selectFrom('files').select('id').where('id', '=', stale!.logo_file_id!).executeTakeFirst()).toBeUndefined();
    expect(
      await db()
        .selectFrom('tokens')
        .select('token_hash')
        .where('purpose', '=', 'sign_on_confirm')
        .where('subject_id', '=', stale!.id)
        .execute(),
    ).toEqual([]);
    expect(await signOnsOf(action.id)).toHaveLength(1);
  });

  test('the demo: fictional organisations, most listed with their logos, one waiting for review', async () => {
    const action = await openSignOn();
    await seedSignOnsDemo(core(), action);
    const rows = await signOnsOf(action.id);
    expect(rows.map((r) => r.status).sort()).toEqual(['approved', 'approved', 'approved', 'approved', 'approved', 'pending']);
    for (const r of rows) expect(r.website === null || new URL(r.website).hostname.endsWith('.example.org')).toBe(true);
    const logos = await db()
      .selectFrom('files')
      .select('bytes')
      .where(
        'id',
        'in',
        rows.flatMap((r) => (r.logo_file_id ? [r.logo_file_id] : [])),
      )
      .execute();
    expect(logos.length).toBeGreaterThan(0);
    for (const l of logos) expect(imageTypeOf(l.bytes)).toBe('image/png');
    const pub = await new TestClient(t.baseUrl).get(`/act/${action.slug}`);
    expect(pub.text).toContain('Threadwatch Coalition');
    expect(pub.text).not.toContain('Brightwater Ethical Traders Association');
    expect(await signOnKind.countConfirmed(db(), action.id)).toBe(5);
  });
});
