import Stripe from 'stripe';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { freePort } from '../../test/helpers/app.js';
import { describeEachDialect, testConfig } from '../../test/helpers/db.js';
import { startFakeStripe, type FakeStripe } from '../../test/helpers/fake-stripe.js';
import { TestClient } from '../../test/helpers/http.js';
import { buildLantern, type Lantern } from '../app.js';
import type { Core } from '../core/context.js';
import { saveSiteSettings } from '../core/settings.js';
import { registerRoutes } from '../core/web/routes.js';
import { manageRoutes } from './manage-routes.js';
import type { RegularStatus } from './model.js';
import { declarationsOfDonor, findDonorById, findRegularById, insertDonation, insertRegularGift, updateRegularGift } from './queries.js';
import { findOrCreateDonor, recordDeclaration } from './records.js';
import { regularJobs } from './regular-jobs.js';
import { registerWebhook, WEBHOOK_PATH } from './webhook-routes.js';

// The donor's own page over real HTTP, against the fake Stripe: a monthly gift's amount (£10 → £15: the subscription's
// price becomes 1500, and once Stripe's event reaches /webhooks/stripe the row says 1500), its day, pausing,
// restarting and cancelling (after "Are you sure?"); a refusal by Stripe changes nothing; Gift Aid cancelled and a new
// address recorded as a new declaration; a link that leads nowhere is a kind 404, and the link can be emailed again
// without telling anyone whether an address is a donor's.

type Gift = { id: number; subscriptionRef: string };

describeEachDialect('donations: the donor’s own page', (ctx) => {
  let fake: FakeStripe;
  let stripe: Stripe;
  let lantern: Lantern;
  let baseUrl: string;

  beforeAll(async () => {
    fake = await startFakeStripe();
    stripe = fake.client();
    const port = await freePort();
    const config = testConfig(ctx.testDb, {
      PORT: String(port),
      TRUST_PROXY: 'true',
      STRIPE_SECRET_KEY: 'sk_test_fake_lantern',
      STRIPE_WEBHOOK_SECRET: fake.webhookSecret,
      STRIPE_API_URL: fake.url,
    });
    lantern = await buildLantern(config, { db: ctx.db, worker: false });
    // Until the donations capability is assembled in app.ts, the page's routes and Stripe's webhook are added here.
    if (!lantern.web.hasRoute({ method: 'GET', url: '/donate/manage/:token' }))
      registerRoutes(lantern.web, lantern.core, manageRoutes, 'public');
    if (!lantern.web.hasRoute({ method: 'POST', url: WEBHOOK_PATH })) await registerWebhook(lantern.web, lantern.core);
    await lantern.web.listen({ port, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${port}`;
    fake.webhookUrl = `${baseUrl}/webhooks/stripe`;
  });
  afterAll(async () => {
    await lantern?.close();
    await fake?.close();
  });

  const core = (): Core => lantern.core;
  let n = 0;
  let address = 0;
  const freshEmail = (name: string) => `${name}.${ctx.dialect}.${++n}@example.org`;
  // Each client comes from its own address, so the rate limits of one test do not decide another's.
  const client = () => new TestClient(baseUrl, { 'x-forwarded-for': `10.9.${ctx.dialect === 'sqlite' ? 1 : 2}.${++address}` });

  async function donor(name = 'Sam Weaver') {
    const email = freshEmail('donor');
    const { id } = await findOrCreateDonor(core().db, core().keyring, { email, name, now: Date.now() });
    const row = (await findDonorById(core().db, id))!;
    return { id, email, token: core().keyring.decrypt(row.manage_enc) };
  }

  /** A monthly gift of £10 on the 5th, with its subscription at the fake Stripe. */
  async function monthlyGift(donorId: number, email: string, o: { status?: RegularStatus } = {}): Promise<Gift> {
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      line_items: [
        {
          quantity: 1,
          price_data: { currency: 'gbp', unit_amount: 1000, recurring: { interval: 'month' }, product_data: { name: 'Monthly gift' } },
        },
      ],
      customer_email: email,
      success_url: `${baseUrl}/donate/thank-you`,
    });
    const done = await fake.completeCheckout(session.id, { email, cardExpires: { month: 3, year: 2027 } });
    const subscriptionRef = done.subscription as string;
    const now = Date.now();
    const id = await insertRegularGift(core().db, {
      donor_id: donorId,
      fund_id: null,
      amount_pence: 1000,
      day_of_month: 5,
      status: o.status ?? 'active',
      method: 'card',
      gift_aid: 0,
      subscription_ref: subscriptionRef,
      card_expires: '2027-03',
      expiry_notice_for: null,
      failed_at: null,
      started_at: now,
      cancelled_at: null,
      created_at: now,
      updated_at: now,
    });
    return { id, subscriptionRef };
  }
  const regular = async (id: number) => (await findRegularById(core().db, id))!;
  const subscription = (id: string) => fake.object<Stripe.Subscription>(id)!;
  const latestEvent = (subscriptionRef: string, type: string) =>
    fake
      .events(type)
      .filter((e) => (e.data.object as { id: string }).id === subscriptionRef)
      .at(-1)!;

  async function open(c: TestClient, token: string) {
    const page = await c.get(`/donate/manage/${token}`);
    expect(page.status).toBe(200);
    return page;
  }

  test('the page: gifts with their status in words, the monthly gift, the statement, Gift Aid and the records kept', async () => {
    const d = await donor('Amal Haddad');
    const g = await monthlyGift(d.id, d.email);
    const now = Date.now();
    for (const [status, amount] of [
      ['paid', 2500],
      ['failed', 1234],
    ] as const)
      await insertDonation(core().db, {
        donor_id: d.id,
        fund_id: null,
        regular_id: null,
        kind: 'one_off',
        channel: 'online',
        method: 'card',
        status,
        amount_pence: amount,
        refunded_pence: 0,
        given_at: now - 60_000,
        gift_aid: 0,
        from_company: 0,
        benefit_pence: 0,
        message_enc: null,
        checkout_ref: null,
        payment_ref: null,
        invoice_ref: null,
        reference: '',
        claim_id: null,
        recorded_by: null,
        created_at: now,
        updated_at: now,
      });
    const c = client();
    const page = await open(c, d.token);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.text).toContain('Thank you, Amal Haddad');
    expect(page.text).toContain('£10 a month towards General fund');
    expect(page.text).toContain('5th of each month');
    expect(page.text).toContain('a card that ends in March 2027');
    expect(page.text).toMatch(/£25<\/td>[\s\S]*?Received/);
    expect(page.text).toMatch(/£12\.34<\/td>[\s\S]*?Failed/);
    expect(page.text).toMatch(/Gifts in the tax year 20\d\d–\d\d/);
    expect(page.text).toContain('Total received: £25');
    expect(page.text).toContain('We do not claim Gift Aid on your gifts');
    expect(page.text).toContain('six years after the last Gift Aid claim');
    expect(page.text).toContain(`/donate/manage/${d.token}/cancel/${g.id}`);
  });

  test('a link that leads nowhere: a kind 404 with the form to have it emailed again', async () => {
    const c = client();
    for (const token of ['nonsense', 'A'.repeat(43), '%E2%80%AE', 'x'.repeat(99)]) {
      const r = await c.get(`/donate/manage/${token}`);
      expect(r.status).toBe(404);
      expect(r.text, token).toContain('We could not find your page');
      expect(r.text).toContain('action="/donate/manage/resend"');
    }
    // Longer than any route parameter may be, or a control character: the site's own 404.
    expect((await c.get(`/donate/manage/${'x'.repeat(300)}`)).status).toBe(404);
    expect((await c.get('/donate/manage/%00')).status).toBe(404);
    const post = await c.post(`/donate/manage/${'B'.repeat(43)}`, { do: 'pause', gift: '1' });
    expect(post.status).toBe(404);
    expect((await c.get(`/donate/manage/${'A'.repeat(43)}/cancel/1`)).status).toBe(404);
  });

  test('the link again: the same answer for any address, the email only to a donor, and a limit on asking', async () => {
    const d = await donor();
    const c = client();
    await c.get('/donate/manage/nonsense');
    const known = await c.post('/donate/manage/resend', { email: d.email.toUpperCase() });
    const unknown = await c.post('/donate/manage/resend', { email: freshEmail('stranger') });
    for (const r of [known, unknown]) {
      expect(r.status).toBe(200);
      expect(r.text).toContain('If we have gifts from that address, we have emailed the link');
    }
    const bad = await c.post('/donate/manage/resend', { email: 'not an address' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Enter an email address in the right format');

    // The jobs the two posts queued: only the donor's sends an email, with their own link.
    const handler = regularJobs(core()).emailDonorTheirLink!;
    const jobs = await core().db.selectFrom('jobs').select('payload').where('name', '=', 'emailDonorTheirLink').execute();
    for (const j of jobs) await handler(core().queue.decodePayload(j.payload), { jobId: 1, attempt: 1, maxAttempts: 5 });
    const mails = (await core().db.selectFrom('jobs').select('payload').where('name', '=', 'sendEmail').execute())
      .map((j) => core().queue.decodePayload(j.payload) as { to: string; subject: string; html: string })
      .filter((m) => /Your page for your gifts/.test(m.subject));
    expect(mails.map((m) => m.to)).toEqual([d.email]);
    expect(mails[0]!.html).toContain(`/donate/manage/${d.token}`);

    // Five asks per ten minutes from one address.
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await c.post('/donate/manage/resend', { email: freshEmail('again') })).status);
    expect(statuses).toContain(429);
  });

  test('posts to the page are limited: thirty a minute from one address', async () => {
    const d = await donor();
    await monthlyGift(d.id, d.email);
    const c = client();
    await open(c, d.token);
    const statuses = [];
    for (let i = 0; i < 31; i++) statuses.push((await c.post(`/donate/manage/${d.token}`, { do: 'nothing' })).status);
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(422));
    expect(statuses[30]).toBe(429);
  });

  test('every post needs the page’s CSRF token', async () => {
    const d = await donor();
    const g = await monthlyGift(d.id, d.email);
    const c = client();
    await open(c, d.token);
    const r = await c.request('POST', `/donate/manage/${d.token}`, { form: { do: 'pause', gift: String(g.id) } });
    expect(r.status).toBe(403);
    expect((await regular(g.id)).status).toBe('active');
    expect((await c.request('POST', '/donate/manage/resend', { form: { email: d.email } })).status).toBe(403);
  });

  test('changing the amount from £10 to £15: Stripe’s price becomes 1500, and after Stripe’s event the row says 1500', async () => {
    const d = await donor();
    const g = await monthlyGift(d.id, d.email);
    const c = client();
    await open(c, d.token);
    const r = await c.post(`/donate/manage/${d.token}`, { do: 'amount', gift: String(g.id), amount: '£15' });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe(`/donate/manage/${d.token}?done=amount`);
    expect(subscription(g.subscriptionRef).items.data[0]!.price.unit_amount).toBe(1500);
    // At once (so the page shows it)…
    expect(Number((await regular(g.id)).amount_pence)).toBe(1500);
    const after = await c.get(r.headers.get('location')!);
    expect(after.text).toContain('Done: the new amount');
    expect(after.text).toContain('£15 a month');
    // …and confirmed by Stripe's event, which alone would have made the change.
    await updateRegularGift(core().db, g.id, { amount_pence: 1000 });
    const delivery = await fake.deliver(latestEvent(g.subscriptionRef, 'customer.subscription.updated'));
    expect(delivery.status).toBe(200);
    expect(Number((await regular(g.id)).amount_pence)).toBe(1500);
  });

  test('amounts and days outside the rules are refused with a message, and nothing changes here or at Stripe', async () => {
    await saveSiteSettings(core().db, { donationMinPence: 200, donationMaxPence: 1_000_000 });
    const d = await donor();
    const g = await monthlyGift(d.id, d.email);
    const other = await donor();
    const theirs = await monthlyGift(other.id, other.email);
    const c = client();
    await open(c, d.token);
    const before = fake.requests.length;
    for (const [form, status, words] of [
      [{ do: 'amount', gift: String(g.id), amount: '1.50' }, 422, 'Enter an amount between £2 and £10,000'],
      [{ do: 'amount', gift: String(g.id), amount: '10000.01' }, 422, 'Enter an amount between £2 and £10,000'],
      [{ do: 'amount', gift: String(g.id), amount: 'ten' }, 422, 'Enter an amount in pounds'],
      [{ do: 'amount', gift: String(g.id), amount: '10' }, 422, 'already the amount'],
      [{ do: 'day', gift: String(g.id), day: '29' }, 422, 'between the 1st and the 28th'],
      [{ do: 'day', gift: String(g.id), day: '0' }, 422, 'between the 1st and the 28th'],
      [{ do: 'resume', gift: String(g.id) }, 409, 'already running'],
      [{ do: 'pause', gift: String(theirs.id) }, 404, 'There is no such monthly gift'],
      [{ do: 'explode', gift: String(g.id) }, 422, 'Please use one of the buttons'],
    ] as const) {
      const r = await c.post(`/donate/manage/${d.token}`, form);
      expect(r.status, JSON.stringify(form)).toBe(status);
      expect(r.text).toContain(words);
    }
    expect(fake.requests.length).toBe(before);
    expect(await regular(g.id)).toMatchObject({ status: 'active', day_of_month: 5 });
    expect(Number((await regular(g.id)).amount_pence)).toBe(1000);
    expect((await regular(theirs.id)).status).toBe('active');
  });

  test('a refusal by Stripe: a clear message, and nothing changed', async () => {
    const d = await donor();
    const g = await monthlyGift(d.id, d.email);
    const c = client();
    await open(c, d.token);
    fake.failNext({ status: 400, type: 'invalid_request_error', message: 'Something Stripe did not like' });
    const r = await c.post(`/donate/manage/${d.token}`, { do: 'amount', gift: String(g.id), amount: '20' });
    expect(r.status).toBe(503);
    expect(r.text).toContain('We could not reach our payment provider just now, so nothing has changed');
    expect(r.text).not.toContain('Something Stripe did not like');
    expect(Number((await regular(g.id)).amount_pence)).toBe(1000);
    expect(subscription(g.subscriptionRef).items.data[0]!.price.unit_amount).toBe(1000);
  });

  test('changing the day, pausing, restarting, and cancelling after “Are you sure?”', async () => {
    const d = await donor();
    const g = await monthlyGift(d.id, d.email);
    const c = client();
    await open(c, d.token);
    const subPath = `/v1/subscriptions/${g.subscriptionRef}`;

    const before = fake.requests.filter((q) => q.path === subPath).length;
    const day = await c.post(`/donate/manage/${d.token}`, { do: 'day', gift: String(g.id), day: '20' });
    expect(day.status).toBe(303);
    expect(fake.requests.filter((q) => q.path === subPath).length).toBeGreaterThan(before);
    expect(Number((await regular(g.id)).day_of_month)).toBe(20);

    await open(c, d.token);
    expect((await c.post(`/donate/manage/${d.token}`, { do: 'pause', gift: String(g.id) })).status).toBe(303);
    expect(subscription(g.subscriptionRef).pause_collection).not.toBeNull();
    expect((await regular(g.id)).status).toBe('paused');
    const paused = await open(c, d.token);
    expect(paused.text).toContain('No payments are taken while your gift is paused');
    expect(paused.text).toContain('Restart my monthly gift');
    expect((await fake.deliver(latestEvent(g.subscriptionRef, 'customer.subscription.updated'))).status).toBe(200);
    expect((await regular(g.id)).status).toBe('paused');

    expect((await c.post(`/donate/manage/${d.token}`, { do: 'resume', gift: String(g.id) })).status).toBe(303);
    expect(subscription(g.subscriptionRef).pause_collection).toBeNull();
    expect((await regular(g.id)).status).toBe('active');
    expect((await fake.deliver(latestEvent(g.subscriptionRef, 'customer.subscription.updated'))).status).toBe(200);
    expect((await regular(g.id)).status).toBe('active');

    const sure = await c.get(`/donate/manage/${d.token}/cancel/${g.id}`);
    expect(sure.status).toBe(200);
    expect(sure.text).toContain('Are you sure?');
    expect((await regular(g.id)).status).toBe('active');
    const cancel = await c.post(`/donate/manage/${d.token}`, { do: 'cancel', gift: String(g.id) });
    expect(cancel.status).toBe(303);
    const sub = subscription(g.subscriptionRef);
    expect(sub.status === 'canceled' || sub.cancel_at_period_end).toBe(true);
    const row = await regular(g.id);
    expect(row.status).toBe('cancelled');
    expect(row.cancelled_at).not.toBeNull();
    expect((await fake.deliver(latestEvent(g.subscriptionRef, 'customer.subscription.deleted'))).status).toBe(200);
    expect((await regular(g.id)).status).toBe('cancelled');
    const gone = await c.get(cancel.headers.get('location')!);
    expect(gone.text).toContain('Your monthly gift is cancelled');
    expect(gone.text).not.toContain('Pause my monthly gift');
    // Cancelled is the end: no second cancel, no restart.
    expect((await c.post(`/donate/manage/${d.token}`, { do: 'resume', gift: String(g.id) })).status).toBe(409);
  });

  test('Gift Aid: a new home address is a new declaration; cancelling ends it from now on', async () => {
    const d = await donor('Ruth Okafor');
    const madeAt = Date.now() - 30 * 24 * 3600_000;
    const first = await recordDeclaration(core().db, core().keyring, {
      donorId: d.id,
      wordingVersion: '2026-1',
      title: 'Ms',
      firstName: 'Ruth',
      lastName: 'Okafor',
      house: '4',
      address: 'Old Road, York',
      postcode: 'YO1 7HH',
      channel: 'online',
      madeAt,
      coversPastFourYears: true,
      recordedBy: null,
      now: madeAt,
    });
    const c = client();
    const page = await open(c, d.token);
    expect(page.text).toContain('Your Gift Aid declaration covers your gifts');
    expect(page.text).toContain('Ms Ruth Okafor');
    expect(page.text).toContain('4, Old Road, York, YO1 7HH');

    const bad = await c.post(`/donate/manage/${d.token}`, {
      do: 'address',
      house: '12',
      address: 'New Street, Leeds',
      postcode: 'nowhere',
    });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Enter a UK postcode');
    expect(await declarationsOfDonor(core().db, d.id)).toHaveLength(1);

    const moved = await c.post(`/donate/manage/${d.token}`, {
      do: 'address',
      house: '12',
      address: 'New Street, Leeds',
      postcode: ' ls1  4ap ',
    });
    expect(moved.status).toBe(303);
    const [old, now] = await declarationsOfDonor(core().db, d.id);
    expect(Number(old!.id)).toBe(first);
    expect(old!.superseded_at).not.toBeNull();
    expect(old!.cancelled_at).toBeNull();
    expect(core().keyring.decrypt(old!.postcode_enc)).toBe('YO1 7HH');
    expect(core().keyring.decrypt(now!.postcode_enc)).toBe('LS1 4AP');
    expect(core().keyring.decrypt(now!.house_enc)).toBe('12');
    expect(core().keyring.decrypt(now!.last_name_enc)).toBe('Okafor');
    expect(now!.wording_version).toBe('2026-1');
    expect(Number(now!.made_at)).toBe(Number(old!.superseded_at));

    await open(c, d.token);
    const cancelled = await c.post(`/donate/manage/${d.token}`, { do: 'cancel-gift-aid' });
    expect(cancelled.status).toBe(303);
    const after = await declarationsOfDonor(core().db, d.id);
    expect(after).toHaveLength(2);
    expect(after[1]!.cancelled_at).not.toBeNull();
    expect(after[0]!.cancelled_at).toBeNull(); // the old record still covers the gifts it covered
    const page2 = await open(c, d.token);
    expect(page2.text).toContain('You cancelled your Gift Aid declaration');
    expect((await c.post(`/donate/manage/${d.token}`, { do: 'cancel-gift-aid' })).status).toBe(409);
    expect((await c.post(`/donate/manage/${d.token}`, { do: 'address', house: '1', address: 'X', postcode: '' })).status).toBe(409);
  });
});
