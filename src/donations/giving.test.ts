import { afterAll, beforeAll, expect, test } from 'vitest';
import { freePort } from '../../test/helpers/app.js';
import { describeEachDialect, testConfig, type DialectContext } from '../../test/helpers/db.js';
import { startFakeStripe, type FakeStripe } from '../../test/helpers/fake-stripe.js';
import { TestClient } from '../../test/helpers/http.js';
import { startSmtpSink, type SmtpSink } from '../../test/helpers/smtp.js';
import { until } from '../../test/helpers/wait.js';
import { buildLantern, type Lantern } from '../app.js';
import type { Core } from '../core/context.js';
import { Worker } from '../core/jobs/worker.js';
import { saveSiteSettings } from '../core/settings.js';
import { registerRoutes } from '../core/web/routes.js';
import { paymentProvider } from './provider.js';
import { insertFund } from './queries.js';
import { receiptJobs } from './receipts.js';
import { donorDeclarations } from './records.js';
import { publicRoutes } from './routes.js';
import { testPaymentRoutes } from './test-payments.js';

// Giving, through real HTTP on an app in test mode (no Stripe key): the donate form hands the donor to the built-in
// test payment page, whose buttons deliver Stripe-shaped events to the code that applies Stripe's; the receipt goes
// out through a real SMTP server. Bad input is refused with 422 and leaves no checkout behind. One app, at the end,
// talks to the fake Stripe instead and must send the donor to its checkout page.

interface GivingApp {
  lantern: Lantern;
  core: Core;
  client(): TestClient;
  close(): Promise<void>;
}

/** A whole Lantern with giving's routes (added here until the capability is wired) and a worker running receipts. */
async function startGivingApp(ctx: DialectContext, env: Record<string, string> = {}): Promise<GivingApp> {
  const port = await freePort();
  const config = testConfig(ctx.testDb, { PORT: String(port), TRUST_PROXY: 'true', ...env });
  const lantern = await buildLantern(config, { db: ctx.db, worker: false });
  const core = lantern.core;
  if (!lantern.web.hasRoute({ method: 'GET', url: '/donate' })) registerRoutes(lantern.web, core, publicRoutes, 'public');
  if (!lantern.web.hasRoute({ method: 'GET', url: '/donate/test-payment/:session' }))
    registerRoutes(lantern.web, core, testPaymentRoutes, 'public');
  await lantern.web.listen({ port, host: '127.0.0.1' });
  const worker = new Worker({
    db: core.db,
    queue: core.queue,
    handlers: { ...lantern.handlers, ...receiptJobs(core) },
    logger: core.logger,
    pollMs: 20,
  });
  worker.start();
  const baseUrl = `http://127.0.0.1:${port}`;
  let address = 0;
  return {
    lantern,
    core,
    // Each client is its own address behind the trusted proxy, so the per-address limits never decide a test.
    client: () => new TestClient(baseUrl, { 'x-forwarded-for': `10.9.${Math.floor(++address / 250)}.${address % 250}` }),
    async close() {
      await worker.stop();
      await lantern.close();
    },
  };
}

const SAME_SITE = { 'sec-fetch-site': 'same-origin' };

/** A good donate form: £10 once, by a donor at this email, with these changes. */
function gift(email: string, o: Record<string, string> = {}): Record<string, string> {
  return { kind: 'one_off', oneOffAmount: 'other', otherAmount: '10', name: 'Sam Weaver', email, ...o };
}

const GIFT_AID = {
  giftAid: 'on',
  title: 'Dr',
  firstName: 'Samira',
  lastName: 'O’Neill-Weaver',
  house: 'Flat 2, 14',
  address: 'Sample Street, London',
  postcode: 'sw1a1aa',
};

describeEachDialect('giving: the donate form, the test payment page and the receipt', (ctx) => {
  let app: GivingApp;
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
    app = await startGivingApp(ctx, { SMTP_URL: sink.url });
    await saveSiteSettings(ctx.db, { orgName: 'Freedom Thread', charityNumber: '1190000', timeZone: 'Europe/London' });
  });
  afterAll(async () => {
    await app?.close();
    await sink?.close();
  });

  let n = 0;
  const freshEmail = () => `donor.${ctx.dialect}.${++n}@example.org`;
  const db = () => ctx.db;
  const countCheckouts = async () =>
    Number(
      (
        await db()
          .selectFrom('donation_checkouts')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  /** Posts the donate form and follows the answer to the test payment page; returns the page's address and session. */
  async function startGift(c: TestClient, form: Record<string, string>, path = '/donate') {
    const r = await c.request('POST', path, { form, headers: SAME_SITE });
    expect(r.status, r.text.slice(0, 2000)).toBe(303);
    const location = r.headers.get('location')!;
    const m = /\/donate\/test-payment\/(cs_test_lantern_[A-Za-z0-9]+)$/.exec(location);
    expect(m, location).not.toBeNull();
    return { location: new URL(location).pathname, session: m![1]! };
  }
  async function press(c: TestClient, page: string, action: string) {
    const shown = await c.get(page);
    expect(shown.status).toBe(200);
    return c.post(page, { do: action });
  }
  const checkoutOf = (session: string) =>
    db().selectFrom('donation_checkouts').selectAll().where('session_ref', '=', session).executeTakeFirstOrThrow();
  const donationsOfCheckout = async (session: string) => {
    const row = await checkoutOf(session);
    if (row.donor_id === null) return [];
    return db().selectFrom('donations').selectAll().where('donor_id', '=', row.donor_id).orderBy('id').execute();
  };

  test('the donate page offers the suggested amounts with their lines, Gift Aid in HMRC’s words, and an unticked newsletter box', async () => {
    const r = await app.client().get('/donate');
    expect(r.status).toBe(200);
    expect(r.text).toContain('£25</strong> — pays for a translator for one briefing');
    expect(r.text).toContain('£10 a month</strong> — funds a day of research each year');
    expect(r.text).toContain('Yes, add Gift Aid');
    expect(r.text).toContain('Freedom Thread');
    expect(r.text).toMatch(/name="optIn"(?![^>]*checked)/);
    expect(r.text).toContain('name="website"');
    expect(r.text).toContain('altcha-widget');
  });

  test('£10 once by card: the test page says no money moves, the gift is received and a receipt is emailed', async () => {
    const c = app.client();
    const email = freshEmail();
    const { location, session } = await startGift(c, gift(email, { message: 'For the legal costs' }));
    const page = await c.get(location);
    expect(page.text).toMatch(/role="note"[^]*Test payment: no money moves/);
    expect(page.text).toContain('£10, once');
    const paid = await press(c, location, 'card');
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toContain(`/donate/thank-you?session=${session}`);
    const gifts = await donationsOfCheckout(session);
    expect(gifts).toHaveLength(1);
    expect(gifts[0]).toMatchObject({ kind: 'one_off', status: 'paid', method: 'card', channel: 'online' });
    expect(Number(gifts[0]!.amount_pence)).toBe(1000);
    const thanks = await c.get(new URL(paid.headers.get('location')!).pathname + new URL(paid.headers.get('location')!).search);
    expect(thanks.text).toContain('has been received');
    expect(thanks.text).not.toContain(email);
    expect(thanks.text).not.toContain('Sam Weaver');
    await until(() => sink.messages.some((m) => m.to && JSON.stringify(m.to).includes(email)));
    const mail = sink.messages.find((m) => JSON.stringify(m.to).includes(email))!;
    expect(mail.subject).toBe('Thank you for your gift to Freedom Thread');
    expect(mail.text).toContain('£10');
    expect(mail.text).toContain('registered charity number 1190000');
    expect(mail.text).toMatch(/\/donate\/manage\/[A-Za-z0-9_-]{20,}/);
    expect(mail.text).not.toContain('Gift Aid adds');
  });

  test('Bacs Direct Debit: pending (4 to 7 working days), then the bank confirms it and the gift is received', async () => {
    const c = app.client();
    const { location, session } = await startGift(c, gift(freshEmail(), { oneOffAmount: '2500', otherAmount: '' }));
    const r = await press(c, location, 'bacs');
    expect(r.status).toBe(303);
    expect((await donationsOfCheckout(session)).map((d) => [d.status, d.method, Number(d.amount_pence)])).toEqual([
      ['pending', 'bacs_debit', 2500],
    ]);
    const thanks = await c.get(`/donate/thank-you?session=${session}`);
    expect(thanks.text).toContain('your Direct Debit is being set up; it takes 4 to 7 working days');
    const page = await c.get(location);
    expect(page.text).toContain('The bank confirms the Direct Debit (test)');
    expect((await c.post(location, { do: 'confirm' })).status).toBe(303);
    expect((await donationsOfCheckout(session)).map((d) => d.status)).toEqual(['paid']);
    expect((await c.get(`/donate/thank-you?session=${session}`)).text).toContain('has been received');
  });

  test('£10 a month on day 12 by card: a monthly gift and its first payment', async () => {
    const c = app.client();
    const { location, session } = await startGift(
      c,
      gift(freshEmail(), { kind: 'monthly', monthlyAmount: '1000', day: '12', otherAmount: '' }),
    );
    expect((await press(c, location, 'card')).status).toBe(303);
    const row = await checkoutOf(session);
    const regular = await db().selectFrom('regular_gifts').selectAll().where('donor_id', '=', row.donor_id!).execute();
    expect(regular).toHaveLength(1);
    expect(regular[0]).toMatchObject({ status: 'active' });
    expect([Number(regular[0]!.amount_pence), Number(regular[0]!.day_of_month)]).toEqual([1000, 12]);
    const gifts = await donationsOfCheckout(session);
    expect(gifts.map((d) => [d.kind, d.status, Number(d.amount_pence), Number(d.regular_id)])).toEqual([
      ['monthly', 'paid', 1000, Number(regular[0]!.id)],
    ]);
  });

  test('a declined card takes nothing and records no gift; the page offers to try again', async () => {
    const c = app.client();
    const { location, session } = await startGift(c, gift(freshEmail()));
    const r = await press(c, location, 'decline');
    expect(r.status).toBe(303);
    const again = await c.get(r.headers.get('location')!);
    expect(again.text).toContain('The card was declined (test)');
    expect(again.text).toContain('Pay by card');
    expect(await donationsOfCheckout(session)).toEqual([]);
    expect((await checkoutOf(session)).state).toBe('open');
  });

  test('a Gift Aid declaration is recorded with the details as typed, and the receipt says what Gift Aid adds', async () => {
    const c = app.client();
    const email = freshEmail();
    const { location, session } = await startGift(c, gift(email, { ...GIFT_AID, pastFourYears: 'on' }));
    await press(c, location, 'card');
    const row = await checkoutOf(session);
    const [declaration, ...more] = await donorDeclarations(db(), app.core.keyring, Number(row.donor_id));
    expect(more).toEqual([]);
    expect(declaration).toMatchObject({
      title: 'Dr',
      firstName: 'Samira',
      lastName: 'O’Neill-Weaver',
      house: 'Flat 2, 14',
      address: 'Sample Street, London',
      postcode: 'SW1A 1AA',
      channel: 'online',
    });
    expect(declaration!.coversFrom).toBeLessThan(declaration!.madeAt - 3 * 365 * 24 * 3600_000);
    expect((await donationsOfCheckout(session))[0]!.gift_aid).toBeTruthy();
    await until(() => sink.messages.some((m) => JSON.stringify(m.to).includes(email)));
    expect(sink.messages.find((m) => JSON.stringify(m.to).includes(email))!.text).toContain('Gift Aid adds £2.50 at no cost to you');
  });

  test('a donor living abroad gives "X" as the postcode and the whole address in the house field', async () => {
    const c = app.client();
    const whole = '12 Rue de l’Exemple, 75001 Paris, France';
    const { location, session } = await startGift(
      c,
      gift(freshEmail(), { ...GIFT_AID, abroad: 'on', postcode: '', address: '', house: whole }),
    );
    await press(c, location, 'card');
    const row = await checkoutOf(session);
    const [declaration] = await donorDeclarations(db(), app.core.keyring, Number(row.donor_id));
    expect(declaration).toMatchObject({ house: whole, postcode: 'X' });
  });

  test('the newsletter job is queued only when the box was ticked', async () => {
    const jobsFor = async () =>
      Number(
        (
          await db()
            .selectFrom('jobs')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('name', '=', 'signDonorUpForNewsletter')
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await jobsFor();
    const c = app.client();
    const plain = await startGift(c, gift(freshEmail()));
    await press(c, plain.location, 'card');
    expect(await jobsFor()).toBe(before);
    const ticked = await startGift(c, gift(freshEmail(), { optIn: 'on' }));
    await press(c, ticked.location, 'card');
    expect(await jobsFor()).toBe(before + 1);
  });

  const BAD: Array<[string, Record<string, string>, string, string]> = [
    ['an amount below the smallest', { otherAmount: '1.99' }, 'otherAmount', 'Give at least £2 and at most £10,000.'],
    ['an amount above the largest', { otherAmount: '10000.01' }, 'otherAmount', 'Give at least £2 and at most £10,000.'],
    ['an amount that is not money', { otherAmount: 'ten pounds' }, 'otherAmount', 'Enter the amount in pounds, like 12.50'],
    ['a currency other than pounds', { currency: 'USD' }, 'currency', 'We can only take gifts in pounds sterling (GBP)'],
    ['Gift Aid without a home address', { ...GIFT_AID, house: '', address: '', postcode: '' }, 'house', 'Enter your house name or number'],
    ['Gift Aid without a postcode', { ...GIFT_AID, postcode: '' }, 'postcode', 'Enter your postcode, so that we can claim Gift Aid'],
    ['a postcode that is not one', { ...GIFT_AID, postcode: 'NOT A CODE' }, 'postcode', 'Enter a UK postcode, like SW1A 1AA'],
    ['a monthly gift without a day', { kind: 'monthly', monthlyAmount: '1000', otherAmount: '', day: '31' }, 'day', 'Choose a day'],
    ['a message over 1,000 characters', { message: 'x'.repeat(1001) }, 'message', 'Message must be 1000 characters or fewer'],
    ['no email address', { email: '' }, 'email', 'Enter your email address'],
  ];
  for (const [what, change, field, message] of BAD) {
    test(`${what} is refused with 422 and leaves no checkout`, async () => {
      const before = await countCheckouts();
      const r = await app.client().request('POST', '/donate', { form: gift(freshEmail(), change), headers: SAME_SITE });
      expect(r.status).toBe(422);
      expect(r.text).toContain(`href="#f-${field}"`);
      expect(r.text).toContain(message);
      expect(await countCheckouts()).toBe(before);
    });
  }

  test('a post from another site is refused, and a filled honeypot looks accepted but stores nothing', async () => {
    const before = await countCheckouts();
    const cross = await app.client().request('POST', '/donate', { form: gift(freshEmail()), headers: { 'sec-fetch-site': 'cross-site' } });
    expect(cross.status).toBe(403);
    const trapped = await app
      .client()
      .request('POST', '/donate', { form: gift(freshEmail(), { website: 'spam.example' }), headers: SAME_SITE });
    expect(trapped.status).toBe(303);
    expect(trapped.headers.get('location')).toContain('/donate/thank-you');
    expect(await countCheckouts()).toBe(before);
  });

  test('an appeal: its own amounts and story; a draft or unknown one is not found; a closed one takes no gifts', async () => {
    const now = Date.now();
    const fund = (slug: string, o: { publication?: 'draft' | 'published'; closesAt?: number | null } = {}) =>
      insertFund(db(), {
        slug,
        name: `Legal appeal ${slug}`,
        summary: 'Help our partner pay for lawyers.',
        description: 'The **court case** starts in March.',
        partner_name: 'Partner Org',
        target_pence: 500_000,
        suggested: JSON.stringify([{ kind: 'one_off', amountPence: 4000, line: 'pays for an hour of a lawyer’s time' }]),
        publication: o.publication ?? 'published',
        closes_at: o.closesAt ?? null,
        created_at: now,
        updated_at: now,
      });
    const open = `appeal-${ctx.dialect}-open`;
    const fundId = await fund(open);
    await fund(`appeal-${ctx.dialect}-draft`, { publication: 'draft' });
    await fund(`appeal-${ctx.dialect}-closed`, { closesAt: now - 1000 });
    const c = app.client();
    const page = await c.get(`/donate/${open}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<strong>court case</strong>');
    expect(page.text).toContain('£40</strong> — pays for an hour of a lawyer’s time');
    expect((await c.get(`/donate/appeal-${ctx.dialect}-draft`)).status).toBe(404);
    expect((await c.get('/donate/no-such-appeal')).status).toBe(404);
    const closed = await c.get(`/donate/appeal-${ctx.dialect}-closed`);
    expect(closed.status).toBe(200);
    expect(closed.text).toContain('This appeal has closed');
    const before = await countCheckouts();
    const refused = await c.request('POST', `/donate/appeal-${ctx.dialect}-closed`, { form: gift(freshEmail()), headers: SAME_SITE });
    expect(refused.status).toBe(409);
    expect(await countCheckouts()).toBe(before);
    const { session } = await startGift(c, gift(freshEmail(), { oneOffAmount: '4000', otherAmount: '' }), `/donate/${open}`);
    expect(Number((await checkoutOf(session)).fund_id)).toBe(fundId);
  });

  test('when the payment page cannot be reached: a clear 503, nothing taken, the checkout marked expired', async () => {
    const provider = paymentProvider(app.core);
    const original = provider.createCheckout;
    provider.createCheckout = async () => {
      throw new Error('connection refused');
    };
    try {
      const before = await countCheckouts();
      const r = await app.client().request('POST', '/donate', { form: gift(freshEmail()), headers: SAME_SITE });
      expect(r.status).toBe(503);
      expect(r.text).toContain('The payment page could not be reached; nothing was taken');
      const rows = await db().selectFrom('donation_checkouts').selectAll().orderBy('id', 'desc').limit(1).execute();
      expect(await countCheckouts()).toBe(before + 1);
      expect(rows[0]!.state).toBe('expired');
    } finally {
      provider.createCheckout = original;
    }
  });

  test('the thank-you page for an unknown session thanks without saying anything about a gift', async () => {
    const r = await app.client().get('/donate/thank-you?session=cs_test_lantern_guessedguessedguessed1234');
    expect(r.status).toBe(200);
    expect(r.text).toContain('Thank you');
    expect(r.text).not.toContain('£');
  });
});

describeEachDialect('giving against the fake Stripe', (ctx) => {
  let app: GivingApp;
  let fake: FakeStripe;
  beforeAll(async () => {
    fake = await startFakeStripe();
    app = await startGivingApp(ctx, {
      STRIPE_SECRET_KEY: 'sk_test_fake_lantern',
      STRIPE_WEBHOOK_SECRET: fake.webhookSecret,
      STRIPE_API_URL: fake.url,
    });
  });
  afterAll(async () => {
    await app?.close();
    await fake?.close();
  });

  test('the donate form sends the donor to Stripe’s checkout page, and the test payment page is not there', async () => {
    const c = app.client();
    const r = await c.request('POST', '/donate', { form: gift('stripe.donor@example.org'), headers: SAME_SITE });
    expect(r.status, r.text.slice(0, 1000)).toBe(303);
    const location = r.headers.get('location')!;
    expect(location.startsWith(`${fake.url}/c/pay/cs_test_`)).toBe(true);
    const session = location.slice(`${fake.url}/c/pay/`.length);
    const row = await ctx.db.selectFrom('donation_checkouts').selectAll().where('session_ref', '=', session).executeTakeFirst();
    expect(row).toMatchObject({ state: 'open', kind: 'one_off' });
    expect((await c.get(`/donate/test-payment/${session}`)).status).toBe(404);
  });
});
