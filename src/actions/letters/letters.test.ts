import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openTestAction } from '../../../test/helpers/actions.js';
import { startTestLantern, type TestLantern } from '../../../test/helpers/app.js';
import { describeEachDialect } from '../../../test/helpers/db.js';
import { TestClient } from '../../../test/helpers/http.js';
import { startSmtpSink, type SmtpSink } from '../../../test/helpers/smtp.js';
import { easyProofOfWork, linkIn, mailsTo, solveSignupProof, waitForMailTo } from '../../../test/helpers/supporters.js';
import { until } from '../../../test/helpers/wait.js';
import { signedInAs } from '../../../test/helpers/signin.js';
import { listJobs } from '../../core/jobs/queries.js';
import { insertList } from '../../supporters/queries.js';
import { emailIndex, findSupporterByEmail, supporterConsent } from '../../supporters/service.js';
import { getActionById } from '../service.js';
import { FOLLOWUP_AFTER_MS } from './service.js';

// Letters as a supporter writes them, through real HTTP and a real SMTP server on loopback: the postcode finds
// the MP (or asks which constituency, or explains why there is none), the letter is written and previewed
// addressed to its recipients, sent, confirmed by the emailed link, and delivered by the worker from the platform
// with Reply-To the writer, as plain text, signed with their name and address; the writer gets a copy. Also the
// same flow to an action's targets, the minimum words, markup in letters, letters of a megabyte, double submits,
// a second letter from the same address, and the newsletter opt-in through the consent ledger.

const CONFIRM = /\/letter\/confirm\/[A-Za-z0-9_-]{43}/;
const ALDERSHOT = { postcode: 'GU11 1AA', code: 'E14001063', mp: 'Alex Baker', party: 'Labour', email: 'alex.baker.mp@parliament.uk' };
const BODY =
  'I live in Aldershot and I care about where my clothes come from. Please vote for the ban on goods made with forced labour when it comes before the House next month.';

// Proofs of work are solved for almost every signature here: trivial ones (see easyProofOfWork).
easyProofOfWork();

describeEachDialect('letters: writing to an MP and to targets', (ctx) => {
  let t: TestLantern;
  let sink: SmtpSink;
  let listId: number;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestLantern(ctx, { env: { SMTP_URL: sink.url, TRUST_PROXY: 'true' }, worker: true });
    listId = await insertList(ctx.db, {
      slug: 'letter-news',
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
  let n = 1;
  const ip = () => `10.88.${(n >> 8) & 255}.${n++ & 255}`;
  let e = 1;
  const freshEmail = (name = 'writer') => `${name}.${ctx.dialect}.${e++}@example.org`;
  // Letters in these tests go one a second per recipient, so each test's letters are not kept waiting for slots.
  const FAST = { pacePerHour: 3600, minWords: 5 };

  const visitor = async (slug: string) => {
    const c = new TestClient(t.baseUrl, { 'x-forwarded-for': ip() });
    expect((await c.get(`/act/${slug}`)).status).toBe(200);
    return c;
  };
  /** Posts a stage as a browser does from our own page. */
  const post = (c: TestClient, path: string, form: Record<string, string>) =>
    c.request('POST', path, { form, headers: { 'sec-fetch-site': 'same-origin' } });
  /** The hidden fields of the last form on a page whose action ends with `suffix`. */
  const hiddenOf = (html: string, suffix: string): Record<string, string> => {
    const forms = [...html.matchAll(/<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)].filter((m) => m[1]!.endsWith(suffix));
    const form = forms.at(-1);
    if (!form) throw new Error(`no form posting to …${suffix}`);
    const out: Record<string, string> = {};
    for (const m of form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g))
      if (m[1] !== '_csrf') out[m[1]!] = decode(m[2]!);
    return out;
  };
  const decode = (s: string) =>
    s
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
  const lettersOf = (actionId: number) => db().selectFrom('letters').selectAll().where('action_id', '=', actionId).execute();

  /** Postcode → write → preview → send, as the pages lead; returns the preview page and the send answer. */
  const writeToMp = async (slug: string, o: { email: string; postcode?: string; body?: string; extra?: Record<string, string> }) => {
    const c = await visitor(slug);
    const found = await post(c, `/act/${slug}/letter/postcode`, { postcode: o.postcode ?? 'gu111aa' });
    expect(found.status).toBe(200);
    const where = hiddenOf(found.text, '/letter/preview');
    const letter = {
      subject: 'Please back the ban',
      body: o.body ?? BODY,
      firstName: 'Ayşe',
      lastName: 'Demir',
      email: o.email,
      address: '12 Church Lane\nAldershot',
      ...o.extra,
    };
    const preview = await post(c, `/act/${slug}/letter/preview`, { ...where, ...letter });
    expect(preview.status).toBe(200);
    const carried = hiddenOf(preview.text, '/letter/send');
    const sent = await post(c, `/act/${slug}/letter/send`, {
      ...carried,
      website: '',
      altcha: await solveSignupProof(t.baseUrl, { 'x-forwarded-for': ip() }),
    });
    return { client: c, found, preview, sent };
  };

  /** Opens the emailed link (the GET changes nothing) and presses its button. */
  const confirmByEmail = async (email: string, o: { nth?: number } = {}) => {
    const mails = await waitForMailTo(sink, email, o.nth ?? 1);
    const link = linkIn(mails[(o.nth ?? 1) - 1]!, CONFIRM);
    const c = new TestClient(t.baseUrl, { 'x-forwarded-for': ip() });
    const page = await c.get(link);
    expect(page.status).toBe(200);
    return { page, done: await c.post(link) };
  };

  const textOf = (m: ParsedMail) => m.text ?? '';

  test('a letter to an MP: postcode, preview addressed to the MP, confirmation by email, sent from the platform with Reply-To, signed, plain text, and a copy', async () => {
    const action = await openTestAction(core(), {
      kind: 'letter_mp',
      settings: { ...FAST, suggestedSubject: 'Please back the ban', talkingPoints: '- Say where you live\n- Ask for a vote' },
    });
    const email = freshEmail('ayse');
    const page = await new TestClient(t.baseUrl).get(`/act/${action.slug}`);
    expect(page.text).toContain('Find my MP');

    const { found, preview, sent } = await writeToMp(action.slug, { email });
    // The write stage: who it goes to, the talking points, the suggested subject filled in.
    expect(found.text).toContain(`${ALDERSHOT.mp}, ${ALDERSHOT.party} MP for Aldershot`);
    expect(found.text).toContain('Say where you live');
    expect(found.text).toContain('value="Please back the ban"');
    // The preview: "Dear …", the letter, the signature with the postcode added.
    expect(preview.text).toContain(`Dear ${ALDERSHOT.mp},`);
    expect(preview.text).toContain('12 Church Lane');
    expect(preview.text).toContain(ALDERSHOT.postcode);
    expect(sent.status).toBe(303);
    expect(sent.headers.get('location')).toBe(`/act/${action.slug}/letter/check-your-email`);

    // Stored unconfirmed and encrypted; nothing goes before the click.
    const [row] = await lettersOf(action.id);
    expect(row).toMatchObject({ status: 'unconfirmed', constituency_code: ALDERSHOT.code });
    expect(row!.body_enc).not.toContain('Aldershot');
    expect(row!.email_enc).not.toContain('example.org');

    const { page: confirmPage, done } = await confirmByEmail(email);
    expect(confirmPage.text).toContain('Yes, send my letter');
    expect(confirmPage.text).toContain(`${ALDERSHOT.mp}, ${ALDERSHOT.party} MP for Aldershot`);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toMatch(new RegExp(`^/act/${action.slug}/letter/confirmed\\?state=`));

    const [letter] = await waitForMailTo(sink, ALDERSHOT.email);
    expect(letter!.subject).toBe('Please back the ban');
    expect(letter!.replyTo?.value[0]?.address).toBe(email);
    // From the platform's address (the organisation's, from the settings), never the writer's.
    expect(letter!.from!.value[0]!.address).toBe(((await core().mailer.sender()) as { address: string }).address);
    expect(letter!.html).toBe(false);
    expect(textOf(letter!)).toContain(`Dear ${ALDERSHOT.mp},`);
    expect(textOf(letter!)).toContain(BODY);
    expect(textOf(letter!)).toMatch(/Yours sincerely,\n\nAyşe Demir\n12 Church Lane\nAldershot\nGU11 1AA\n/);
    expect(textOf(letter!)).toContain('your constituent');

    // The copy, once every recipient has it; the letter is sent, and the follow-up is due in fourteen days.
    await until(() => mailsTo(sink, email).some((m) => m.subject?.startsWith('Your letter has been sent')));
    const copy = mailsTo(sink, email).find((m) => m.subject?.startsWith('Your letter has been sent'))!;
    expect(copy.text!.replace(/\s+/g, ' ')).toContain(BODY);
    const after = (await lettersOf(action.id))[0]!;
    expect(after.status).toBe('sent');
    expect(Number(after.followup_at) - Number(after.sent_at)).toBe(FOLLOWUP_AFTER_MS);
    const deliveries = await db().selectFrom('letter_deliveries').selectAll().where('letter_id', '=', after.id).execute();
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({
      status: 'sent',
      recipient_key: `mp:${ALDERSHOT.code}`,
      recipient_name: ALDERSHOT.mp,
      party: ALDERSHOT.party,
    });
    // The link has done its work.
    const again = await confirmByEmail(email);
    expect(again.page.text).toContain('Already confirmed');
    expect(mailsTo(sink, ALDERSHOT.email).filter((m) => textOf(m).includes(email))).toHaveLength(1);
  });

  test('an email to targets: no postcode, the letter form on the action page, every target gets every confirmed letter', async () => {
    const targets = [
      { name: 'Dana Reyes', role: 'Chief Executive', email: `dana.${ctx.dialect}@target.example` },
      { name: 'Owen Achterberg', role: 'Head of Sourcing', email: `owen.${ctx.dialect}@target.example` },
    ];
    const action = await openTestAction(core(), { kind: 'email_target', settings: FAST, targets });
    const c = await visitor(action.slug);
    const page = await c.get(`/act/${action.slug}`);
    expect(page.text).toContain('Dana Reyes, Chief Executive');
    expect(page.text).not.toContain('Find my MP');
    const writers = [freshEmail('t1'), freshEmail('t2')];
    const bodies = [
      'Please publish the list of mills that spin your yarn, as other brands already do.',
      'I have bought your school uniforms for years and want to know they are not made with forced labour.',
    ];
    for (const [i, email] of writers.entries()) {
      const letter = {
        subject: 'Publish your mills',
        body: `${bodies[i]} Written by ${email}.`,
        firstName: 'Marek',
        lastName: '',
        email,
        address: '',
      };
      const preview = await post(c, `/act/${action.slug}/letter/preview`, letter);
      expect(preview.status).toBe(200);
      expect(preview.text).toContain('Dear Dana Reyes,');
      expect(preview.text).toContain('Dear Owen Achterberg,');
      const sent = await post(c, `/act/${action.slug}/letter/send`, { ...hiddenOf(preview.text, '/letter/send'), website: '' });
      expect(sent.status).toBe(303);
      expect((await confirmByEmail(email)).done.status).toBe(303);
    }
    for (const target of targets) {
      const got = await waitForMailTo(sink, target.email, 2);
      for (const w of writers) expect(got.filter((m) => textOf(m).includes(w) && m.replyTo?.value[0]?.address === w)).toHaveLength(1);
      expect(got.every((m) => m.html === false && textOf(m).startsWith(`Dear ${target.name},`))).toBe(true);
    }
    expect(await db().selectFrom('letter_deliveries').select('id').where('action_id', '=', action.id).execute()).toHaveLength(4);
  });

  test('a confirmed letter asks for its action to be recounted, and is counted within seconds rather than by the minute-long safety net', async () => {
    const action = await openTestAction(core(), {
      kind: 'email_target',
      settings: FAST,
      targets: [{ name: 'Dana Reyes', role: 'Chief Executive', email: `dana.count.${ctx.dialect}@target.example` }],
    });
    const c = await visitor(action.slug);
    const email = freshEmail('counted');
    const letter = {
      subject: 'Count me',
      body: `Please publish the list of mills that spin your yarn. Written by ${email}.`,
      firstName: 'Marek',
      lastName: '',
      email,
      address: '',
    };
    const preview = await post(c, `/act/${action.slug}/letter/preview`, letter);
    expect(preview.status).toBe(200);
    expect((await post(c, `/act/${action.slug}/letter/send`, { ...hiddenOf(preview.text, '/letter/send'), website: '' })).status).toBe(303);
    expect((await getActionById(db(), action.id))!.count).toBe(0);
    const confirmedFrom = Date.now();
    expect((await confirmByEmail(email)).done.status).toBe(303);
    // The recount slot is two seconds; the safety net runs once a minute, so a few seconds' wait tells them apart.
    await until(async () => (await getActionById(db(), action.id))!.count === 1, 10_000);
    const recounts = (await listJobs(db(), { limit: 1_000 })).filter(
      (j) => j.name === 'refreshActionCount' && Number(j.createdAt) >= confirmedFrom,
    );
    expect(recounts.length).toBeGreaterThanOrEqual(1);
  });

  test('postcodes: GB found in any case and spacing, Northern Ireland chooses from 18, each postcode of a split district finds its own MP, Jersey and the Isle of Man explained, invalid refused', async () => {
    const action = await openTestAction(core(), { kind: 'letter_mp', settings: FAST });
    const c = await visitor(action.slug);
    const at = (postcode: string) => post(c, `/act/${action.slug}/letter/postcode`, { postcode });

    for (const raw of ['GU11 1AA', 'gu111aa', '  Gu11   1aA ']) {
      const r = await at(raw);
      expect(r.status).toBe(200);
      expect(hiddenOf(r.text, '/letter/preview')).toEqual({ postcode: 'GU11 1AA', constituency: ALDERSHOT.code });
    }

    const ni = await at('bt1 1aa');
    expect(ni.status).toBe(200);
    expect(ni.text).toContain('Choose your constituency');
    const choices = [...ni.text.matchAll(/type="radio" id="[^"]+" name="constituency" value="(N\d{8})"/g)].map((m) => m[1]!);
    expect(choices).toHaveLength(18);
    const chosen = await post(c, `/act/${action.slug}/letter/constituency`, { postcode: 'BT1 1AA', constituency: choices[0]! });
    expect(chosen.status).toBe(200);
    expect(hiddenOf(chosen.text, '/letter/preview')).toEqual({ postcode: 'BT1 1AA', constituency: choices[0] });
    // West Tyrone's MP publishes no email address: the writer is told so, and how to write by post, before writing anything.
    const noEmail = await post(c, `/act/${action.slug}/letter/constituency`, { postcode: 'BT1 1AA', constituency: 'N05000018' });
    expect(noEmail.status).toBe(200);
    expect(noEmail.text).toContain('We cannot email your MP');
    expect(noEmail.text).toContain('House of Commons, London SW1A 0AA');
    expect(noEmail.text).not.toContain('name="body"');
    // A constituency the postcode does not allow (a tampered form) is refused, and so is none.
    for (const constituency of [ALDERSHOT.code, '']) {
      const bad = await post(c, `/act/${action.slug}/letter/constituency`, { postcode: 'BT1 1AA', constituency });
      expect(bad.status).toBe(422);
      expect(bad.text).toContain('Choose your constituency from the list');
    }
    // Nor can a later stage be pointed at someone else's MP.
    const tampered = await post(c, `/act/${action.slug}/letter/preview`, {
      postcode: 'BT1 1AA',
      constituency: ALDERSHOT.code,
      subject: 's',
      body: BODY,
      firstName: 'A',
      email: freshEmail(),
      address: 'x',
    });
    expect(tampered.text).not.toContain(`Dear ${ALDERSHOT.mp}`);

    // GU12 is split between three constituencies; the postcode itself decides.
    for (const [postcode, constituency] of [
      ['GU12 4AA', ALDERSHOT.code],
      ['GU12 5AA', 'E14001249'],
      ['gu125rh', 'E14001532'],
    ] as const) {
      const split = await at(postcode);
      expect(split.status).toBe(200);
      expect(hiddenOf(split.text, '/letter/preview')).toEqual({
        postcode: postcode.toUpperCase().replace(/^GU125RH$/, 'GU12 5RH'),
        constituency,
      });
    }

    const jersey = await at('JE2 3AB');
    expect(jersey.status).toBe(422);
    expect(jersey.text).toContain('Crown Dependency');
    const man = await at('IM1 1AA');
    expect(man.status).toBe(422);
    expect(man.text).toMatch(/Isle of Man/);

    for (const bad of ['not a postcode', '', 'SW1A']) {
      const r = await at(bad);
      expect(r.status).toBe(422);
      expect(r.text).toContain('There is a problem');
    }
    expect(await lettersOf(action.id)).toHaveLength(0);
  });

  test('the minimum words, markup shown escaped and sent as plain text, letters of a megabyte, and nothing stored on a refusal', async () => {
    const action = await openTestAction(core(), { kind: 'letter_mp', settings: { ...FAST, minWords: 12 } });
    const c = await visitor(action.slug);
    const where = { postcode: ALDERSHOT.postcode, constituency: ALDERSHOT.code };
    const base = { subject: 'A subject', firstName: 'Lin', lastName: 'Wei', email: freshEmail('lin'), address: '1 High Street' };

    const short = await post(c, `/act/${action.slug}/letter/preview`, { ...where, ...base, body: 'Too short to count.' });
    expect(short.status).toBe(422);
    expect(short.text).toContain('needs at least 12 words; it has 4');
    // What they wrote comes back to them.
    expect(short.text).toContain('Too short to count.');

    const noAddress = await post(c, `/act/${action.slug}/letter/preview`, { ...where, ...base, address: '', body: BODY });
    expect(noAddress.status).toBe(422);
    expect(noAddress.text).toContain('Enter your postal address');

    const long = await post(c, `/act/${action.slug}/letter/preview`, { ...where, ...base, body: 'word '.repeat(6_000) });
    expect(long.status).toBe(422);
    expect(long.text).toContain('Your letter is too long');
    const megabyte = await post(c, `/act/${action.slug}/letter/preview`, { ...where, ...base, body: 'word '.repeat(220_000) });
    expect(megabyte.status).toBe(413);
    const megabyteSend = await post(c, `/act/${action.slug}/letter/send`, { ...where, ...base, body: 'word '.repeat(220_000) });
    expect(megabyteSend.status).toBe(413);

    const markup =
      '<script>alert("owned")</script> <b>Bold</b> & <img src=x onerror=alert(1)> please vote for the ban on forced labour goods next month';
    const email = freshEmail('markup');
    const { preview, sent } = await writeToMp(action.slug, { email, body: markup });
    expect(preview.text).not.toContain('<script>alert');
    expect(preview.text).not.toContain('<img src=x');
    expect(preview.text).toContain('&lt;script>alert(');
    expect(sent.status).toBe(303);
    const { page } = await confirmByEmail(email);
    expect(page.text).not.toContain('<script>alert');
    const got = await until(() => mailsTo(sink, ALDERSHOT.email).some((m) => textOf(m).includes(email))).then(() =>
      mailsTo(sink, ALDERSHOT.email).find((m) => textOf(m).includes(email))!,
    );
    expect(got.html).toBe(false);
    expect(textOf(got)).toContain(markup);
    const copy = await until(() => mailsTo(sink, email).some((m) => m.subject?.startsWith('Your letter has been sent'))).then(() =>
      mailsTo(sink, email).find((m) => m.subject?.startsWith('Your letter has been sent'))!,
    );
    // The copy has an HTML part: the markup is text in it, never elements.
    expect(copy.html).not.toContain('<script>');
    expect(copy.html).toContain('&lt;script>');
    expect((await lettersOf(action.id)).map((l) => l.email_index)).toEqual([emailIndex(core().keyring, email)]);
  });

  test('double submits, a second letter from the same address, and the honeypot: the same page, one letter, one email', async () => {
    const action = await openTestAction(core(), { kind: 'letter_mp', settings: FAST });
    const email = freshEmail('double');
    const c = await visitor(action.slug);
    const found = await post(c, `/act/${action.slug}/letter/postcode`, { postcode: ALDERSHOT.postcode });
    const preview = await post(c, `/act/${action.slug}/letter/preview`, {
      ...hiddenOf(found.text, '/letter/preview'),
      subject: 'Twice',
      body: BODY,
      firstName: 'Ria',
      email,
      address: '2 Mill Road',
    });
    const carried = hiddenOf(preview.text, '/letter/send');
    const [a, b] = await Promise.all([
      post(c, `/act/${action.slug}/letter/send`, { ...carried, website: '' }),
      post(c, `/act/${action.slug}/letter/send`, { ...carried, website: '' }),
    ]);
    expect([a.status, b.status]).toEqual([303, 303]);
    expect(a.headers.get('location')).toBe(b.headers.get('location'));
    expect(await lettersOf(action.id)).toHaveLength(1);
    await waitForMailTo(sink, email);
    await new Promise((r) => setTimeout(r, 300));
    expect(mailsTo(sink, email)).toHaveLength(1);

    // Confirmed; a second letter from the same address (in any case) is not stored, and its owner is told by email.
    expect((await confirmByEmail(email)).done.status).toBe(303);
    const second = await writeToMp(action.slug, { email: email.toUpperCase() });
    expect(second.sent.status).toBe(303);
    expect(second.sent.headers.get('location')).toBe(a.headers.get('location'));
    await until(() => mailsTo(sink, email).some((m) => m.subject?.startsWith('You have already written')));
    expect(await lettersOf(action.id)).toHaveLength(1);

    // A robot filling the trap is answered the same, and nothing is stored or sent.
    const robot = freshEmail('robot');
    const r = await post(c, `/act/${action.slug}/letter/send`, { ...carried, email: robot, website: 'http://spam.example' });
    expect(r.status).toBe(303);
    expect(await lettersOf(action.id)).toHaveLength(1);
  });

  test('the newsletter box: unticked by default, and a tick recorded through the consent ledger once the letter is confirmed', async () => {
    const action = await openTestAction(core(), { kind: 'letter_mp', settings: FAST, newsletterListId: listId });
    const ticked = freshEmail('ticked');
    const { found } = await writeToMp(action.slug, { email: ticked, extra: { optIn: 'on' } });
    expect(found.text).toContain('Send me emails: Campaign news');
    expect(found.text).not.toMatch(/name="optIn"[^>]*checked/);
    expect(await findSupporterByEmail(db(), core().keyring, ticked)).toBeUndefined();
    await confirmByEmail(ticked);
    const s = await findSupporterByEmail(db(), core().keyring, ticked);
    expect(s).toMatchObject({ firstName: 'Ayşe', postcode: ALDERSHOT.postcode, constituencyCode: ALDERSHOT.code });
    expect(s!.confirmedAt).not.toBeNull();
    const consent = await supporterConsent(db(), s!.id);
    expect(consent.subscriptions).toMatchObject([{ listId, status: 'subscribed', lawfulBasis: 'consent' }]);
    expect(consent.ledger.map((x) => x.kind)).toEqual(['granted']);

    const unticked = freshEmail('unticked');
    await writeToMp(action.slug, { email: unticked });
    await confirmByEmail(unticked);
    expect(await findSupporterByEmail(db(), core().keyring, unticked)).toBeUndefined();
  });

  test('the writer’s copy keeps the paragraphs of their letter in its plain-text part', async () => {
    const action = await openTestAction(core(), { kind: 'letter_mp', settings: FAST });
    const email = freshEmail('paragraphs');
    const body = 'I live in Aldershot and buy my clothes here.\n\nPlease vote for the ban next month.\nIt matters to me.';
    await writeToMp(action.slug, { email, body });
    await confirmByEmail(email);
    await until(() => mailsTo(sink, email).some((m) => m.subject?.startsWith('Your letter has been sent')));
    const copy = mailsTo(sink, email).find((m) => m.subject?.startsWith('Your letter has been sent'))!;
    expect(textOf(copy)).toContain(
      'I live in Aldershot and buy my clothes here.\n\nPlease vote for the ban next month.\nIt matters to me.',
    );
    expect(textOf(copy)).toMatch(/Yours sincerely,\n\nAyşe Demir\n12 Church Lane\nAldershot\nGU11 1AA/);
  });

  test('an email to a company is called an email, never a letter, wherever its writer or staff read about it', async () => {
    const { client: staff } = await signedInAs(t, 'owner');
    const action = await openTestAction(core(), { kind: 'email_target', settings: { ...FAST, moderateAll: true } });
    /** What a person reads on a page: its text and the labels of its elements, without addresses (which name routes). */
    const readable = (html: string) =>
      [
        ...html.replace(/<script[\s\S]*?<\/script>/g, '').matchAll(/>([^<]+)</g),
        ...html.matchAll(/(?:aria-label|title|alt|placeholder)="([^"]*)"/g),
      ]
        .map((m) => m[1]!)
        .join(' ');
    const mailText = (m: ParsedMail) => `${m.subject ?? ''} ${textOf(m)}`.replace(/https?:\/\/\S+/g, '');
    const seen: Array<{ where: string; words: string[] }> = [];
    const check = (where: string, text: string) => seen.push({ where, words: text.match(/\bletters?\b/gi) ?? [] });

    const c = await visitor(action.slug);
    check('action page', readable((await c.get(`/act/${action.slug}`)).text));
    const email = freshEmail('company');
    const letter = { subject: 'Publish your mills', body: BODY, firstName: 'Marek', lastName: 'Nowak', email, address: '' };
    const short = await post(c, `/act/${action.slug}/letter/preview`, { ...letter, body: 'Too short.' });
    expect(short.status).toBe(422);
    check('refused form', readable(short.text));
    const preview = await post(c, `/act/${action.slug}/letter/preview`, letter);
    check('preview', readable(preview.text));
    const sent = await post(c, `/act/${action.slug}/letter/send`, { ...hiddenOf(preview.text, '/letter/send'), website: '' });
    check('check your email', readable((await c.get(sent.headers.get('location')!)).text));
    const [confirmMail] = await waitForMailTo(sink, email);
    check('confirmation email', mailText(confirmMail!));
    const { page, done } = await confirmByEmail(email);
    check('confirmation page', readable(page.text));
    check('held page', readable((await c.get(done.headers.get('location')!)).text));

    // Staff: the action, its editor, the moderation queue, one held email, the export and its file.
    check('admin action page', readable((await staff.get(`/admin/actions/${action.id}`)).text));
    check('admin editor', readable((await staff.get(`/admin/actions/${action.id}/edit`)).text));
    const queue = await staff.get(`/admin/actions/${action.id}/letters`);
    check('moderation', readable(queue.text));
    const [held] = await lettersOf(action.id);
    check('one email', readable((await staff.get(`/admin/actions/${action.id}/letters/${held!.id}`)).text));
    check('export page', readable((await staff.get(`/admin/actions/${action.id}/letters/export`)).text));
    const csv = await staff.post(`/admin/actions/${action.id}/letters/export`, {});
    check('export header', csv.text.split('\r\n')[0]!);
    const approved = await staff.post(`/admin/actions/${action.id}/letters/${held!.id}/approve`, {});
    check('approved notice', readable((await staff.get(approved.headers.get('location')!)).text));

    // What the company receives, and the writer's copy.
    const [received] = await waitForMailTo(sink, 'dana.reyes@target.example');
    check('the email itself', mailText(received!));
    await until(() => mailsTo(sink, email).length >= 2);
    check('the copy', mailText(mailsTo(sink, email)[1]!));

    // A second writer whose email staff reject hears why, in the same words.
    const other = freshEmail('rejected');
    const p2 = await post(c, `/act/${action.slug}/letter/preview`, { ...letter, email: other });
    await post(c, `/act/${action.slug}/letter/send`, { ...hiddenOf(p2.text, '/letter/send'), website: '' });
    await confirmByEmail(other);
    const second = (await lettersOf(action.id)).find((l) => l.status === 'held')!;
    await staff.get(`/admin/actions/${action.id}/letters/${second.id}`);
    const rejected = await staff.post(`/admin/actions/${action.id}/letters/${second.id}/reject`, { reason: 'Please write it yourself.' });
    check('rejected notice', readable((await staff.get(rejected.headers.get('location')!)).text));
    await until(() => mailsTo(sink, other).length >= 2);
    check('rejection email', mailText(mailsTo(sink, other)[1]!));

    expect(seen.filter((s) => s.words.length > 0)).toEqual([]);
    expect(seen.length).toBeGreaterThan(15);
  });

  test('a closed action takes no letters, and confirmation links that are wrong or spent are refused', async () => {
    const action = await openTestAction(core(), { kind: 'letter_mp', settings: FAST, status: 'draft' });
    const c = new TestClient(t.baseUrl, { 'x-forwarded-for': ip() });
    expect((await post(c, `/act/${action.slug}/letter/postcode`, { postcode: ALDERSHOT.postcode })).status).toBe(404);
    expect((await c.get(`/letter/confirm/${'A'.repeat(43)}`)).status).toBe(404);
    expect((await c.get('/letter/confirm/short')).status).toBe(404);
    // A post from another site is refused outright.
    const open = await openTestAction(core(), { kind: 'letter_mp', settings: FAST });
    const foreign = await c.request('POST', `/act/${open.slug}/letter/postcode`, {
      form: { postcode: ALDERSHOT.postcode },
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(foreign.status).toBe(403);
    // A client that says nothing about where it posts from gets the form back with a token, and can go on.
    const plain = await c.request('POST', `/act/${open.slug}/letter/postcode`, { form: { postcode: ALDERSHOT.postcode } });
    expect(plain.status).toBe(422);
    const retried = await c.post(`/act/${open.slug}/letter/postcode`, { postcode: ALDERSHOT.postcode });
    expect(retried.status).toBe(200);
    // The proof-of-work script the preview loads comes from our own origin.
    const script = await c.get('/assets/forms.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('javascript');
    expect(script.text).toContain("import '/assets/altcha/altcha.js'");
  });
});
