import { afterAll, beforeAll, expect, test } from 'vitest';
import { openTestAction } from '../../../test/helpers/actions.js';
import { startTestLantern, type TestLantern } from '../../../test/helpers/app.js';
import { describeEachDialect } from '../../../test/helpers/db.js';
import { TestClient } from '../../../test/helpers/http.js';
import { signedInAs } from '../../../test/helpers/signin.js';
import { startSmtpSink, type SmtpSink } from '../../../test/helpers/smtp.js';
import { easyProofOfWork, linkIn, mailsTo, solveSignupProof, waitForMailTo } from '../../../test/helpers/supporters.js';
import { hashToken } from '../../core/crypto.js';
import { lookupPostcode } from '../../representatives/service.js';
import { insertList } from '../../supporters/queries.js';
import { emailIndex, findSupporterByEmail, suppress, supporterConsent } from '../../supporters/service.js';
import { changeActionStatus } from '../service.js';
import { petitionKind } from './kind.js';
import { DEMO_SIGNATURES } from './demo.js';
import { exportSignatures, type Petition } from './service.js';

// Petitions as a signer meets them: the form on the action page, the confirmation email through a real SMTP server,
// the link (a GET changes nothing, the POST confirms), the counter; one signature per address whatever its case or
// spacing, with the same page either way; the honeypot, closed petitions, petitions that count at once, the
// newsletter opt-in through the consent ledger, names kept private unless the signer opts in, double submits, the
// per-address limits, and the staff export. Real HTTP, a real database on each dialect.

const TOKEN = '[A-Za-z0-9_-]{43}';

// Proofs of work are solved for almost every signature here: trivial ones (see easyProofOfWork).
easyProofOfWork();

describeEachDialect('petitions: signing, confirming, counting', (ctx) => {
  let t: TestLantern;
  let sink: SmtpSink;
  let listId: number;

  beforeAll(async () => {
    sink = await startSmtpSink();
    // TRUST_PROXY lets each request appear from its own address (x-forwarded-for), as behind a reverse proxy.
    t = await startTestLantern(ctx, { env: { SMTP_URL: sink.url, TRUST_PROXY: 'true' }, worker: true });
    listId = await insertList(ctx.db, {
      slug: 'petition-news',
      name: 'Campaign news',
      description: 'News',
      wording: 'Email me news of this campaign, about twice a month.',
      at: Date.now(),
    });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  const core = () => t.lantern.core;
  const db = () => t.lantern.core.db;
  let nextAddress = 1;
  const ip = () => {
    const n = nextAddress++;
    return `10.77.${(n >> 8) & 255}.${n & 255}`;
  };
  let nextEmail = 1;
  const freshEmail = (name = 'signer') => `${name}.${ctx.dialect}.${nextEmail++}@example.org`;

  /** A person with their own address, who has read the petition's page. */
  const visitor = async (slug?: string) => {
    const c = new TestClient(t.baseUrl, { 'x-forwarded-for': ip() });
    if (slug) expect((await c.get(`/act/${slug}`)).status).toBe(200);
    return c;
  };

  /** Sends the signing form as a browser does from our own page (Sec-Fetch-Site), with a solved proof of work unless told otherwise. */
  const sign = async (
    c: TestClient,
    slug: string,
    fields: Record<string, string>,
    o: { proof?: boolean | string; headers?: Record<string, string> } = {},
  ) => {
    const form: Record<string, string> = { firstName: 'Gulnar', lastName: 'Tursun', postcode: 'SW1A 1AA', website: '', ...fields };
    if (o.proof !== false)
      form.altcha = typeof o.proof === 'string' ? o.proof : await solveSignupProof(t.baseUrl, { 'x-forwarded-for': ip() });
    return c.request('POST', `/act/${slug}/sign`, { form, headers: { 'sec-fetch-site': 'same-origin', ...o.headers } });
  };

  const signaturesOf = (actionId: number) =>
    db().selectFrom('signatures').selectAll().where('action_id', '=', actionId).orderBy('id').execute();
  const signatureOf = async (actionId: number, email: string) =>
    db()
      .selectFrom('signatures')
      .selectAll()
      .where('action_id', '=', actionId)
      .where('email_index', '=', emailIndex(core().keyring, email))
      .executeTakeFirst();
  const sendEmailJobs = async () =>
    Number(
      (
        await db()
          .selectFrom('jobs')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('name', '=', 'sendEmail')
          .executeTakeFirstOrThrow()
      ).n,
    );
  const confirmLink = (slug: string) => new RegExp(`/act/${slug}/confirm/${TOKEN}`);

  test('sign, get the email, confirm with the button (a GET changes nothing), and the signature counts', async () => {
    const p = await openTestAction(core(), { kind: 'petition', title: 'Stop the forced-labour cotton', newsletterListId: listId });
    const c = await visitor(p.slug);
    const page = await c.get(`/act/${p.slug}`);
    expect(page.text).toContain(`action="/act/${p.slug}/sign"`);
    expect(page.text).toContain('name="postcode"');
    // The opt-ins are offered unticked.
    expect(page.text).toMatch(/<input type="checkbox" id="f-showName" name="showName"(?![^>]*checked)[^>]*>/);
    expect(page.text).toMatch(/<input type="checkbox" id="f-optIn" name="optIn"(?![^>]*checked)[^>]*>/);

    const email = freshEmail('amina');
    const res = await sign(c, p.slug, { email, postcode: 'sw1a1aa' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/act/${p.slug}/check-your-email`);
    const check = await c.get(res.headers.get('location')!);
    expect(check.status).toBe(200);
    expect(check.text).toContain('Check your email');

    const row = (await signatureOf(p.id, email))!;
    expect(row).toMatchObject({ status: 'pending', confirmed_at: null, show_name: 0, opt_in: 0, supporter_id: null, town_enc: null });
    // Everything personal is ciphertext.
    for (const v of [row.email_enc, row.first_name_enc, row.last_name_enc, row.postcode_enc])
      expect(v).not.toMatch(/amina|Gulnar|Tursun|SW1A/i);
    expect(core().keyring.decrypt(row.postcode_enc!)).toBe('SW1A 1AA');
    // The constituency comes with confirmation (a signature that does not count needs none).
    expect(row.constituency_code).toBeNull();
    expect(await petitionKind.countConfirmed(db(), p.id)).toBe(0);

    const [mail] = await waitForMailTo(sink, email);
    expect(mail!.subject).toBe('Please confirm your signature: Stop the forced-labour cotton');
    expect(mail!.text).not.toContain('Gulnar');
    const link = linkIn(mail!, confirmLink(p.slug));
    const tokens = await db()
      .selectFrom('tokens')
      .selectAll()
      .where('purpose', '=', 'signature_confirm')
      .where('subject_id', '=', row.id)
      .execute();
    expect(tokens).toEqual([expect.objectContaining({ token_hash: hashToken(link.split('/').pop()!), used_at: null })]);

    // A link scanner opening the link changes nothing.
    const look = await (await visitor()).get(link);
    expect(look.status).toBe(200);
    expect(look.headers.get('cache-control')).toBe('no-store');
    expect(look.text).toContain('Yes, confirm');
    expect((await signatureOf(p.id, email))!.status).toBe('pending');

    await c.get(link);
    const done = await c.post(link);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(`/act/${p.slug}/thanks`);
    const lookup = await lookupPostcode(core(), 'SW1A 1AA');
    expect(lookup.kind).toBe('found');
    expect((await signatureOf(p.id, email))!).toMatchObject({
      status: 'confirmed',
      constituency_code: lookup.kind === 'found' ? lookup.constituency.code : 'none',
    });
    expect(await petitionKind.countConfirmed(db(), p.id)).toBe(1);
    expect((await petitionKind.countsByDay(db(), p.id, 'Europe/London')).map((d) => d.count)).toEqual([1]);
    // The link is spent, and a link under another petition's address is no link at all.
    const again = await c.post(link);
    expect(again.status).toBe(200);
    expect(again.text).toContain('Already confirmed');
    expect((await c.get(link.replace(p.slug, 'some-other-petition'))).status).toBe(404);
    expect((await c.post(`/act/${p.slug}/confirm/${'x'.repeat(43)}`)).status).toBe(404);
  });

  test('one signature per address, whatever its case or spacing: the same page, one row, and a reminder email instead', async () => {
    const p = await openTestAction(core(), { kind: 'petition' });
    const email = freshEmail('Rahima');
    const first = await sign(await visitor(), p.slug, { email });
    // A repeat within a few minutes of the last email gets none (tested below): let that time pass.
    await db()
      .updateTable('tokens')
      .set({ created_at: Date.now() - 10 * 60_000 })
      .where('purpose', '=', 'signature_confirm')
      .execute();
    const second = await sign(await visitor(), p.slug, { email: `  ${email.toUpperCase()}  `, firstName: 'Someone', lastName: 'Else' });
    expect([first.status, second.status]).toEqual([303, 303]);
    expect(second.headers.get('location')).toBe(first.headers.get('location'));
    const rows = await signaturesOf(p.id);
    expect(rows).toHaveLength(1);
    // The first signer's name stands: a repeat changes nothing.
    expect(core().keyring.decrypt(rows[0]!.first_name_enc)).toBe('Gulnar');

    const [confirmation, reminder] = await waitForMailTo(sink, email, 2);
    expect(confirmation!.subject).toMatch(/^Please confirm your signature/);
    expect(reminder!.subject).toMatch(/^You have already signed/);
    // The reminder carries a fresh link that works, since the signature is not confirmed yet.
    const c = await visitor();
    const link = linkIn(reminder!, confirmLink(p.slug));
    await c.get(link);
    expect((await c.post(link)).status).toBe(303);
    expect((await signatureOf(p.id, email))!.status).toBe('confirmed');

    // Within a few minutes, another repeat sends nothing more (the form cannot flood an inbox).
    const jobs = await sendEmailJobs();
    expect((await sign(await visitor(), p.slug, { email: email.toLowerCase() })).status).toBe(303);
    expect(await sendEmailJobs()).toBe(jobs);
    expect(await signaturesOf(p.id)).toHaveLength(1);
  });

  test('a robot that fills the trap gets the same page, and nothing is stored or sent', async () => {
    const p = await openTestAction(core(), { kind: 'petition' });
    const jobs = await sendEmailJobs();
    const res = await sign(await visitor(), p.slug, { email: freshEmail(), website: 'https://spam.example' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/act/${p.slug}/check-your-email`);
    expect(await signaturesOf(p.id)).toEqual([]);
    expect(await sendEmailJobs()).toBe(jobs);
  });

  test('a closed petition refuses with a clear page and stores nothing; a draft is not there at all', async () => {
    const p = await openTestAction(core(), { kind: 'petition' });
    await changeActionStatus(core(), null, p.id, 'close');
    const res = await sign(await visitor(), p.slug, { email: freshEmail() });
    expect(res.status).toBe(409);
    expect(res.text).toContain('This petition is closed');
    expect(res.text).toContain('was not recorded');
    expect(await signaturesOf(p.id)).toEqual([]);

    const draft = await openTestAction(core(), { kind: 'petition', status: 'draft' });
    expect((await sign(await visitor(), draft.slug, { email: freshEmail() })).status).toBe(404);
    expect(await signaturesOf(draft.id)).toEqual([]);
    expect((await sign(await visitor(), 'no-such-petition', { email: freshEmail() })).status).toBe(404);
  });

  test('without confirmation a signature counts at once and leads to the thank-you page, with no email', async () => {
    const p = await openTestAction(core(), { kind: 'petition', settings: { requireConfirmation: false, askPostcode: false } });
    const page = await (await visitor()).get(`/act/${p.slug}`);
    expect(page.text).not.toContain('name="postcode"');
    const jobs = await sendEmailJobs();
    const email = freshEmail();
    const res = await sign(await visitor(), p.slug, { email, postcode: 'not a postcode at all' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/act/${p.slug}/thanks`);
    const row = (await signatureOf(p.id, email))!;
    expect(row).toMatchObject({ status: 'confirmed', postcode_enc: null, constituency_code: null });
    expect(row.confirmed_at).not.toBeNull();
    expect(await petitionKind.countConfirmed(db(), p.id)).toBe(1);
    expect(await sendEmailJobs()).toBe(jobs);
    // The same page for a repeat.
    const again = await sign(await visitor(), p.slug, { email: email.toUpperCase() });
    expect(again.headers.get('location')).toBe(`/act/${p.slug}/thanks`);
    expect(await petitionKind.countConfirmed(db(), p.id)).toBe(1);
  });

  test('postcodes: any case and spacing, outside Great Britain stored without a constituency, abroad without one, malformed refused', async () => {
    const p = await openTestAction(core(), { kind: 'petition', settings: { requireConfirmation: false } });
    const gb = freshEmail();
    expect((await sign(await visitor(), p.slug, { email: gb, postcode: ' sw1a   1aa' })).status).toBe(303);
    const found = await lookupPostcode(core(), 'SW1A 1AA');
    expect((await signatureOf(p.id, gb))!.constituency_code).toBe(found.kind === 'found' ? found.constituency.code : 'none');
    for (const [typed, stored] of [
      [' bt1 5gs ', 'BT1 5GS'],
      ['JE2 3AB', 'JE2 3AB'],
      ['gir0aa', 'GIR 0AA'],
    ] as const) {
      const email = freshEmail();
      expect((await sign(await visitor(), p.slug, { email, postcode: typed })).status).toBe(303);
      const row = (await signatureOf(p.id, email))!;
      expect(core().keyring.decrypt(row.postcode_enc!)).toBe(stored);
      expect(row.constituency_code).toBeNull();
    }
    const abroad = freshEmail();
    expect((await sign(await visitor(), p.slug, { email: abroad, postcode: '', abroad: 'on' })).status).toBe(303);
    expect((await signatureOf(p.id, abroad))!.postcode_enc).toBeNull();

    const before = (await signaturesOf(p.id)).length;
    for (const postcode of ['', 'SW1A', 'not a postcode', '12345', 'x'.repeat(40)]) {
      const res = await sign(await visitor(), p.slug, { email: freshEmail(), postcode, firstName: '' }, { proof: false });
      expect(res.status).toBe(422);
      // Every mistake shows at once, the postcode's beside the name's.
      expect(res.text).toContain('href="#f-postcode"');
      expect(res.text).toContain('href="#f-firstName"');
    }
    expect(await signaturesOf(p.id)).toHaveLength(before);
  });

  test('names in any script are kept exactly', async () => {
    const p = await openTestAction(core(), { kind: 'petition', settings: { requireConfirmation: false } });
    const names: Array<[string, string]> = [
      ['Гүлнар', 'Абдулла'],
      ['عبد الرحيم', 'تورسون'],
      ['美玲', '李'],
      ['Ñandú', "O'Brien-Łukasiewicz"],
      ['ئابدۇرېھىم', 'ھېيت'],
    ];
    for (const [firstName, lastName] of names) {
      const email = freshEmail();
      expect((await sign(await visitor(), p.slug, { email, firstName, lastName })).status).toBe(303);
      const row = (await signatureOf(p.id, email))!;
      expect([core().keyring.decrypt(row.first_name_enc), core().keyring.decrypt(row.last_name_enc!)]).toEqual([firstName, lastName]);
    }
  });

  test('the newsletter opt-in is recorded in the consent ledger with its wording and confirmed by the same link', async () => {
    const p = await openTestAction(core(), { kind: 'petition', newsletterListId: listId });
    const quiet = freshEmail('quiet');
    expect((await sign(await visitor(), p.slug, { email: quiet })).status).toBe(303);
    // No opt-in, no supporter record.
    expect(await findSupporterByEmail(db(), core().keyring, quiet)).toBeUndefined();

    const email = freshEmail('keen');
    expect((await sign(await visitor(), p.slug, { email, optIn: 'on' })).status).toBe(303);
    const s = (await findSupporterByEmail(db(), core().keyring, email))!;
    expect(s).toMatchObject({ firstName: 'Gulnar', lastName: 'Tursun', source: `petition: ${p.slug}`, confirmedAt: null });
    expect((await signatureOf(p.id, email))!).toMatchObject({ opt_in: 1, supporter_id: s.id });
    let consent = await supporterConsent(db(), s.id);
    expect(consent.subscriptions.map((x) => [x.listId, x.status])).toEqual([[listId, 'pending']]);
    expect(consent.ledger.map((e) => [e.kind, e.listId, e.lawfulBasis, e.source, e.wording])).toEqual([
      ['requested', listId, 'consent', `petition: ${p.slug}`, 'Email me news of this campaign, about twice a month.'],
    ]);

    const [mail] = await waitForMailTo(sink, email);
    expect(mail!.text).toContain('Campaign news');
    const c = await visitor();
    const link = linkIn(mail!, confirmLink(p.slug));
    const look = await c.get(link);
    expect(look.text).toContain('Email me news of this campaign');
    expect((await c.post(link)).status).toBe(303);
    consent = await supporterConsent(db(), s.id);
    expect(consent.subscriptions.map((x) => [x.listId, x.status])).toEqual([[listId, 'subscribed']]);
    expect(consent.ledger.map((e) => [e.kind, e.source])).toContainEqual(['granted', 'petition confirmation link']);
    expect((await findSupporterByEmail(db(), core().keyring, email))!.confirmedAt).not.toBeNull();
  });

  test('signer names are private unless the signer opts in; a town is kept only to be shown', async () => {
    const p = await openTestAction(core(), { kind: 'petition', settings: { requireConfirmation: false } });
    const shown = freshEmail();
    const hidden = freshEmail();
    expect(
      (await sign(await visitor(), p.slug, { email: shown, firstName: 'Dilnoza', lastName: 'Shownfamily', showName: 'on', town: 'Leeds' }))
        .status,
    ).toBe(303);
    expect(
      (await sign(await visitor(), p.slug, { email: hidden, firstName: 'Mehriban', lastName: 'Hiddenfamily', town: 'Secretville' })).status,
    ).toBe(303);
    expect((await signatureOf(p.id, hidden))!).toMatchObject({ show_name: 0, town_enc: null });
    const page = await (await visitor()).get(`/act/${p.slug}`);
    expect(page.text).toContain('Dilnoza, Leeds');
    for (const secret of ['Mehriban', 'Hiddenfamily', 'Secretville', 'Shownfamily', shown, hidden]) expect(page.text).not.toContain(secret);

    // Staff who moderate can take a signer off the list (an offensive "name", say); the signature still counts.
    const editor = await signedInAs(t, 'editor');
    expect((await editor.client.get(`/admin/actions/${p.id}/signers`)).status).toBe(403);
    const staff = await signedInAs(t, 'campaigner');
    const list = await staff.client.get(`/admin/actions/${p.id}/signers`);
    expect(list.status).toBe(200);
    expect(list.text).toContain('Dilnoza');
    expect(list.text).not.toContain('Mehriban');
    const row = (await signatureOf(p.id, shown))!;
    const hide = await staff.client.post(`/admin/actions/${p.id}/signers/${row.id}/hide`);
    expect(hide.status).toBe(303);
    expect((await signatureOf(p.id, shown))!).toMatchObject({ status: 'confirmed', show_name: 0, town_enc: null });
    expect((await (await visitor()).get(`/act/${p.slug}`)).text).not.toContain('Dilnoza');
    expect((await staff.client.post(`/admin/actions/${p.id}/signers/${row.id}/hide`)).status).toBe(404);
    expect(await db().selectFrom('audit_log').select('target').where('action', '=', 'petition.signer.hide').execute()).toContainEqual({
      target: `signature ${row.id}`,
    });

    const off = await openTestAction(core(), { kind: 'petition', settings: { requireConfirmation: false, showSigners: false } });
    expect((await sign(await visitor(), off.slug, { email: freshEmail(), firstName: 'Yerlan', showName: 'on', town: 'York' })).status).toBe(
      303,
    );
    expect((await (await visitor()).get(`/act/${off.slug}`)).text).not.toContain('Yerlan');
  });

  test('a double submit (the same form sent twice at once) stores one signature, sends one email and shows the same page', async () => {
    const p = await openTestAction(core(), { kind: 'petition' });
    const email = freshEmail();
    const proof = await solveSignupProof(t.baseUrl, { 'x-forwarded-for': ip() });
    const c = await visitor();
    const [a, b] = await Promise.all([sign(c, p.slug, { email }, { proof }), sign(c, p.slug, { email }, { proof })]);
    expect([a.status, b.status]).toEqual([303, 303]);
    expect(a.headers.get('location')).toBe(b.headers.get('location'));
    expect(await signaturesOf(p.id)).toHaveLength(1);
    await waitForMailTo(sink, email);
    await new Promise((r) => setTimeout(r, 300));
    expect(mailsTo(sink, email)).toHaveLength(1);
    // Without JavaScript (no proof), a double submit is simply a repeat.
    const plain = freshEmail();
    const [x, y] = await Promise.all([
      sign(c, p.slug, { email: plain }, { proof: false }),
      sign(c, p.slug, { email: plain }, { proof: false }),
    ]);
    expect([x.status, y.status]).toEqual([303, 303]);
    expect((await signaturesOf(p.id)).length).toBe(2);
  });

  test('origin: a post from another site is refused; a client that sends no origin gets the form back with a token', async () => {
    const p = await openTestAction(core(), { kind: 'petition' });
    const email = freshEmail();
    const cross = await sign(await visitor(), p.slug, { email }, { headers: { 'sec-fetch-site': 'cross-site' } });
    expect(cross.status).toBe(403);
    const c = new TestClient(t.baseUrl, { 'x-forwarded-for': ip() });
    const form = { firstName: 'Gulnar', lastName: 'Tursun', postcode: 'SW1A 1AA', email };
    const bare = await c.request('POST', `/act/${p.slug}/sign`, { form });
    expect(bare.status).toBe(422);
    expect(bare.text).toContain('name="_csrf"');
    expect(await signaturesOf(p.id)).toEqual([]);
    const again = await c.request('POST', `/act/${p.slug}/sign`, { form: { ...form, _csrf: c.lastCsrf! } });
    expect(again.status).toBe(303);
    expect(await signaturesOf(p.id)).toHaveLength(1);
  });

  test('a forged proof is refused; without a proof the form still works, under a stricter limit per address', async () => {
    const p = await openTestAction(core(), { kind: 'petition', settings: { requireConfirmation: false, askPostcode: false } });
    const forged = await sign(
      await visitor(),
      p.slug,
      { email: freshEmail() },
      { proof: Buffer.from('{"challenge":{}}').toString('base64') },
    );
    expect(forged.status).toBe(422);
    expect(forged.text).toContain('did not finish');
    const c = new TestClient(t.baseUrl, { 'x-forwarded-for': '192.0.2.77' });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await sign(c, p.slug, { email: freshEmail() }, { proof: false })).status);
    expect(statuses).toEqual([303, 303, 303, 303, 303, 429]);
    // With a proof, the same address still gets through.
    expect((await sign(c, p.slug, { email: freshEmail() })).status).toBe(303);
    expect(await signaturesOf(p.id)).toHaveLength(6);
  });

  test('suppressed addresses are never emailed: nothing is stored when the signature would need confirming', async () => {
    const p = await openTestAction(core(), { kind: 'petition' });
    const email = freshEmail();
    await suppress(db(), core().keyring, email, 'complaint');
    const jobs = await sendEmailJobs();
    expect((await sign(await visitor(), p.slug, { email })).status).toBe(303);
    expect(await signaturesOf(p.id)).toEqual([]);
    expect(await sendEmailJobs()).toBe(jobs);
  });

  test('the export: staff with the export permission get CSV with emails only of signers who asked for the newsletter, audited', async () => {
    const p = await openTestAction(core(), { kind: 'petition', settings: { requireConfirmation: false }, newsletterListId: listId });
    const keen = freshEmail('keen');
    const quiet = freshEmail('quiet');
    expect((await sign(await visitor(), p.slug, { email: keen, firstName: 'Keen', optIn: 'on' })).status).toBe(303);
    expect((await sign(await visitor(), p.slug, { email: quiet, firstName: '=HYPERLINK("x")' })).status).toBe(303);
    // The keen signer confirms the newsletter from their email.
    const [mail] = await waitForMailTo(sink, keen);
    const c = await visitor();
    const link = linkIn(mail!, confirmLink(p.slug));
    await c.get(link);
    expect((await c.post(link)).status).toBe(303);

    expect(petitionKind.adminLinks!(p as Petition).map((l) => l.href)).toEqual([
      `/admin/actions/${p.id}/signers`,
      `/admin/actions/${p.id}/signatures.csv`,
    ]);
    const viewer = await signedInAs(t, 'editor');
    expect((await viewer.client.get(`/admin/actions/${p.id}/signatures.csv`)).status).toBe(403);
    const staff = await signedInAs(t, 'campaigner');
    const res = await staff.client.get(`/admin/actions/${p.id}/signatures.csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toContain(`${p.slug}-signatures-`);
    const lines = res.text
      .replace(/^\ufeff/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('first_name,last_name,postcode,constituency,constituency_name,name_shown,town,signed,confirmed,email,newsletter');
    expect(lines).toHaveLength(3);
    const keenLine = lines.find((l) => l.startsWith('Keen,'))!;
    expect(keenLine).toContain(keen);
    expect(keenLine).toContain('subscribed');
    const quietLine = lines.find((l) => !l.startsWith('Keen,') && l !== lines[0])!;
    expect(quietLine).not.toContain(quiet);
    // A cell that a spreadsheet would run as a formula is made text.
    expect(quietLine.startsWith(`"'=HYPERLINK`)).toBe(true);
    const audit = await db().selectFrom('audit_log').selectAll().where('action', '=', 'petition.signatures.export').orderBy('id').execute();
    expect(audit.at(-1)).toMatchObject({ target: `action ${p.id}` });
    expect(JSON.parse(audit.at(-1)!.details!)).toMatchObject({ rows: 2 });
    await expect(exportSignatures(core(), 1, 999_999)).rejects.toThrow(/no such petition/);
  });

  test('the demo: a few hundred fictional signatures, all under example.org, a few shown with first name and town', async () => {
    const p = await openTestAction(core(), { kind: 'petition' });
    await petitionKind.demo!(core(), p as Petition);
    const rows = await signaturesOf(p.id);
    expect(rows.filter((r) => r.status === 'confirmed')).toHaveLength(DEMO_SIGNATURES);
    expect(rows.every((r) => core().keyring.decrypt(r.email_enc).endsWith('@petition-demo.example.org'))).toBe(true);
    const shown = rows.filter((r) => r.show_name === 1);
    expect(shown.length).toBeGreaterThan(5);
    expect(shown.every((r) => r.status === 'confirmed' && r.town_enc !== null)).toBe(true);
    expect((await petitionKind.countsByDay(db(), p.id, 'Europe/London')).reduce((n, d) => n + d.count, 0)).toBe(DEMO_SIGNATURES);
    const page = await (await visitor()).get(`/act/${p.slug}`);
    const first = shown.sort((a, b) => b.confirmed_at! - a.confirmed_at!)[0]!;
    expect(page.text).toContain(`${core().keyring.decrypt(first.first_name_enc)}, ${core().keyring.decrypt(first.town_enc!)}`);
  });
});
