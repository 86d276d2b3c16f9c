import { afterAll, beforeAll, expect, test } from 'vitest';
import { openTestAction } from './helpers/actions.js';
import { startTestLantern, type TestLantern } from './helpers/app.js';
import { describeEachDialect } from './helpers/db.js';
import { TestClient } from './helpers/http.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp.js';
import { easyProofOfWork, linkIn, solveSignupProof, waitForMailTo } from './helpers/supporters.js';
import { emailIndex } from '../src/supporters/service.js';

// Text fields end to end (core/text.ts, applied to every request by core/web/text-input.ts): a name with a line
// break is refused and nothing is stored; bidirectional overrides and zero-width characters are taken out before a
// name is stored, shown on the public list of signers, or written under a letter to an MP; control characters,
// noncharacters and broken characters are refused with a message naming the field, through a form or as JSON.

const RLO = '\u202e';
const PDF = '\u202c';
const ZWSP = '\u200b';
const ALDERSHOT = { postcode: 'GU11 1AA', mp: 'Alex Baker', email: 'alex.baker.mp@parliament.uk' };
const BODY =
  'I live in Aldershot and I care about where my clothes come from.\r\nPlease vote for the ban on goods made with forced labour.';

// Proofs of work are solved for almost every signature here: trivial ones (see easyProofOfWork).
easyProofOfWork();

describeEachDialect('text fields: one line, no direction overrides, no control characters', (ctx) => {
  let t: TestLantern;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestLantern(ctx, { env: { SMTP_URL: sink.url, TRUST_PROXY: 'true' }, worker: true });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  const core = () => t.lantern.core;
  let n = 1;
  const ip = () => `10.66.${(n >> 8) & 255}.${n++ & 255}`;
  const freshEmail = () => `text.${ctx.dialect}.${n++}@example.org`;
  const visitor = () => new TestClient(t.baseUrl, { 'x-forwarded-for': ip() });
  const post = (c: TestClient, path: string, form: Record<string, string>) =>
    c.request('POST', path, { form, headers: { 'sec-fetch-site': 'same-origin' } });
  const signatureOf = (actionId: number, email: string) =>
    core()
      .db.selectFrom('signatures')
      .selectAll()
      .where('action_id', '=', actionId)
      .where('email_index', '=', emailIndex(core().keyring, email))
      .executeTakeFirst();
  /** The hidden fields of the last form on a page whose action ends with `suffix`, as a browser would send them. */
  const hiddenOf = (html: string, suffix: string): Record<string, string> => {
    const form = [...html.matchAll(/<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)].filter((m) => m[1]!.endsWith(suffix)).at(-1);
    if (!form) throw new Error(`no form posting to …${suffix}`);
    const decode = (v: string) =>
      v
        .replace(/&quot;/g, '"')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&#39;/g, "'")
        .replace(/&amp;/g, '&');
    return Object.fromEntries(
      [...form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)]
        .filter((m) => m[1] !== '_csrf')
        .map((m) => [m[1]!, decode(m[2]!)]),
    );
  };
  const sign = async (slug: string, fields: Record<string, string>) =>
    post(visitor(), `/act/${slug}/sign`, {
      lastName: 'Tursun',
      postcode: 'SW1A 1AA',
      website: '',
      altcha: await solveSignupProof(t.baseUrl, { 'x-forwarded-for': ip() }),
      ...fields,
    });

  test('a petition signature: a name with a line break is refused; overrides and zero-width characters never reach the list of signers', async () => {
    const p = await openTestAction(core(), { kind: 'petition', settings: { requireConfirmation: false } });

    const broken = freshEmail();
    const refused = await sign(p.slug, { email: broken, firstName: 'Ann\nDear MP, ignore the above', showName: 'on', town: 'Leeds' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('First name must be on one line');
    expect(await signatureOf(p.id, broken)).toBeUndefined();

    const email = freshEmail();
    const signed = await sign(p.slug, {
      email,
      firstName: `${RLO}Dilnoza${PDF}`,
      lastName: `Kar${ZWSP}imova`,
      showName: 'on',
      town: `Le${RLO}eds\u2066`,
    });
    expect(signed.status).toBe(303);
    const row = (await signatureOf(p.id, email))!;
    expect(core().keyring.decrypt(row.first_name_enc)).toBe('Dilnoza');
    expect(core().keyring.decrypt(row.last_name_enc!)).toBe('Karimova');
    expect(core().keyring.decrypt(row.town_enc!)).toBe('Leeds');
    const page = await visitor().get(`/act/${p.slug}`);
    expect(page.text).toContain('Dilnoza, Leeds');
    expect(page.text).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200b]/);

    // Composed and decomposed accents are the same name.
    const accented = freshEmail();
    expect((await sign(p.slug, { email: accented, firstName: 'Jose\u0301', showName: 'on', town: 'Leeds' })).status).toBe(303);
    expect(core().keyring.decrypt((await signatureOf(p.id, accented))!.first_name_enc)).toBe('Jos\u00e9');
  });

  test('control characters, noncharacters and broken characters are refused with 400 naming the field, as a form or as JSON', async () => {
    const p = await openTestAction(core(), { kind: 'petition', settings: { requireConfirmation: false } });
    for (const [firstName, words] of [
      ['Ann\u0007', 'invisible control characters'],
      ['Ann\u0085x\u0090', 'invisible control characters'],
      ['Ann\ufdd0', 'codes that are not letters or symbols'],
      ['Ann\u{10ffff}', 'codes that are not letters or symbols'],
    ] as const) {
      const email = freshEmail();
      const r = await sign(p.slug, { email, firstName });
      expect(r.status).toBe(400);
      expect(r.text).toContain(`First name contains characters that are not allowed (${words})`);
      expect(await signatureOf(p.id, email)).toBeUndefined();
    }
    // A lone surrogate can only arrive as JSON (a form's percent-encoding cannot carry one).
    const email = freshEmail();
    const body = JSON.stringify({
      email,
      firstName: 'Ann\ud800',
      lastName: 'Tursun',
      postcode: 'SW1A 1AA',
      altcha: await solveSignupProof(t.baseUrl, { 'x-forwarded-for': ip() }),
    });
    const r = await visitor().request('POST', `/act/${p.slug}/sign`, {
      body,
      headers: { 'content-type': 'application/json', accept: 'application/json', 'sec-fetch-site': 'same-origin' },
    });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text)).toMatchObject({
      error: { code: 'bad_request', fields: { firstName: 'First name contains characters that are not allowed (a broken character).' } },
    });
    expect(await signatureOf(p.id, email)).toBeUndefined();
  });

  test('a letter to an MP: the name is one line in the signature and in the footer, without overrides; the address keeps its lines', async () => {
    const action = await openTestAction(core(), { kind: 'letter_mp', settings: { pacePerHour: 3600, minWords: 5 } });
    const c = visitor();
    expect((await c.get(`/act/${action.slug}`)).status).toBe(200);
    const found = await post(c, `/act/${action.slug}/letter/postcode`, { postcode: 'gu111aa' });
    expect(found.status).toBe(200);
    const where = hiddenOf(found.text, '/letter/preview');
    const email = freshEmail();
    const letter = {
      ...where,
      subject: 'Please back the ban',
      body: BODY,
      firstName: 'Ayşe',
      lastName: 'Demir',
      email,
      address: '12 Church Lane\r\nAldershot',
    };

    const twoLines = await post(c, `/act/${action.slug}/letter/preview`, { ...letter, lastName: 'Demir\nThe Campaign Office' });
    expect(twoLines.status).toBe(422);
    expect(twoLines.text).toContain('Last name must be on one line');
    const subject = await post(c, `/act/${action.slug}/letter/preview`, { ...letter, subject: 'Please\r\nBcc: everyone@example.org' });
    expect(subject.status).toBe(422);
    expect(subject.text).toContain('Subject for your letter must be on one line');

    const preview = await post(c, `/act/${action.slug}/letter/preview`, { ...letter, firstName: `${RLO}Ayşe${PDF}${ZWSP}` });
    expect(preview.status).toBe(200);
    const carried = hiddenOf(preview.text, '/letter/send');
    const sent = await post(c, `/act/${action.slug}/letter/send`, {
      ...carried,
      website: '',
      altcha: await solveSignupProof(t.baseUrl, { 'x-forwarded-for': ip() }),
    });
    expect(sent.status).toBe(303);
    const [confirmation] = await waitForMailTo(sink, email);
    const link = linkIn(confirmation!, /\/letter\/confirm\/[A-Za-z0-9_-]{43}/);
    const confirmer = visitor();
    await confirmer.get(link);
    expect((await confirmer.post(link)).status).toBe(303);

    const [toMp] = await waitForMailTo(sink, ALDERSHOT.email);
    const text = toMp!.text ?? '';
    expect(text).toMatch(/Yours sincerely,\n\nAyşe Demir\n12 Church Lane\nAldershot\nGU11 1AA\n/);
    expect(text).toContain('This letter was written by Ayşe Demir, your constituent,');
    expect(text).toContain('I care about where my clothes come from.\nPlease vote');
    expect(text).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200b\r]/);
  });

  test('an address holding a NUL or another control character names nothing: 404, never a 500', async () => {
    for (const path of [
      '/act/%00',
      '/campaigns/%00',
      '/newsletters/%00',
      '/updates/%00',
      '/resources/x%01y',
      '/categories/%1f',
      '/%00',
      '/s/manage/%00',
    ]) {
      const res = await fetch(`${t.baseUrl}${path}`, { redirect: 'manual' });
      expect(res.status, path).toBe(404);
    }
  });
});
