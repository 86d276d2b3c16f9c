import Stripe from 'stripe';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { freePort } from '../../test/helpers/app.js';
import { describeEachDialect, testConfig, type DialectContext } from '../../test/helpers/db.js';
import { TestClient } from '../../test/helpers/http.js';
import { buildLantern, type Lantern } from '../app.js';
import type { Core } from '../core/context.js';
import { registerRoutes } from '../core/web/routes.js';
import { testWebhookSecret } from './payments.js';
import { publicRoutes } from './routes.js';
import { chargeDueTestGifts, createTestProvider, pressTestButton, testPaymentRoutes } from './test-payments.js';

// The built-in test payment page as a payment provider: it will not run beside a live key; its events are signed with
// the test secret and verified like a webhook (a forged or stale one is refused); every press delivers Stripe-shaped
// events once (a second press changes nothing); monthly gifts can be changed, refunded and charged each month.

const DAY = 24 * 3600_000;

async function startApp(ctx: DialectContext, env: Record<string, string> = {}): Promise<{ lantern: Lantern; client: () => TestClient }> {
  const port = await freePort();
  const lantern = await buildLantern(testConfig(ctx.testDb, { PORT: String(port), TRUST_PROXY: 'true', ...env }), {
    db: ctx.db,
    worker: false,
  });
  if (!lantern.web.hasRoute({ method: 'GET', url: '/donate' })) registerRoutes(lantern.web, lantern.core, publicRoutes, 'public');
  if (!lantern.web.hasRoute({ method: 'GET', url: '/donate/test-payment/:session' }))
    registerRoutes(lantern.web, lantern.core, testPaymentRoutes, 'public');
  await lantern.web.listen({ port, host: '127.0.0.1' });
  let address = 0;
  return { lantern, client: () => new TestClient(`http://127.0.0.1:${port}`, { 'x-forwarded-for': `10.8.0.${++address}` }) };
}

const withLiveKey = (core: Core): Core =>
  ({
    ...core,
    config: { ...core.config, stripe: { secretKey: 'sk_live_abc123', webhookSecret: 'whsec_live', apiUrl: undefined } },
  }) as Core;

describeEachDialect('the test payment page', (ctx) => {
  let app: { lantern: Lantern; client: () => TestClient };
  beforeAll(async () => {
    app = await startApp(ctx);
  });
  afterAll(() => app?.lantern.close());
  const core = () => app.lantern.core;
  let n = 0;

  /** Starts a gift through the donate form; returns its test session id. */
  async function started(form: Record<string, string> = {}): Promise<string> {
    const r = await app.client().request('POST', '/donate', {
      form: {
        kind: 'one_off',
        oneOffAmount: 'other',
        otherAmount: '20',
        name: 'Ola Test',
        email: `t.${ctx.dialect}.${++n}@example.org`,
        ...form,
      },
      headers: { 'sec-fetch-site': 'same-origin' },
    });
    expect(r.status, r.text.slice(0, 1500)).toBe(303);
    return /cs_test_lantern_[A-Za-z0-9]+$/.exec(r.headers.get('location')!)![0];
  }
  const checkout = (session: string) =>
    core().db.selectFrom('donation_checkouts').selectAll().where('session_ref', '=', session).executeTakeFirstOrThrow();
  const giftsOf = async (session: string) => {
    const row = await checkout(session);
    return row.donor_id === null
      ? []
      : core().db.selectFrom('donations').selectAll().where('donor_id', '=', row.donor_id).orderBy('id').execute();
  };
  const regularOf = async (session: string) =>
    core()
      .db.selectFrom('regular_gifts')
      .selectAll()
      .where('donor_id', '=', (await checkout(session)).donor_id!)
      .executeTakeFirstOrThrow();

  test('it refuses to be made beside a live Stripe key', () => {
    expect(() => createTestProvider(withLiveKey(core()))).toThrow(/live Stripe key/);
    expect(createTestProvider(core()).mode).toBe('test');
  });

  test('its events verify only with the test secret, untouched, and within 300 seconds', () => {
    const provider = createTestProvider(core());
    const payload = JSON.stringify({ id: 'evt_test_x', object: 'event', type: 'ping', created: 1, data: { object: {} } });
    const secret = testWebhookSecret(core());
    const fresh = Stripe.webhooks.generateTestHeaderString({ payload, secret });
    expect(provider.verifyWebhook(Buffer.from(payload), fresh).id).toBe('evt_test_x');
    expect(() => provider.verifyWebhook(Buffer.from(payload.replace('ping', 'pong')), fresh)).toThrow();
    const other = Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_someone_else' });
    expect(() => provider.verifyWebhook(Buffer.from(payload), other)).toThrow();
    const stale = Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: Math.floor(Date.now() / 1000) - 301 });
    expect(() => provider.verifyWebhook(Buffer.from(payload), stale)).toThrow();
    expect(() => provider.verifyWebhook(Buffer.from(payload), undefined)).toThrow();
  });

  test('a card payment is delivered as Stripe’s checkout.session.completed, once however often the button is pressed', async () => {
    const session = await started();
    expect(await pressTestButton(core(), session, 'card', { now: Date.now() })).toBe('thank-you');
    expect(await pressTestButton(core(), session, 'card', { now: Date.now() })).toBe('thank-you');
    const gifts = await giftsOf(session);
    expect(gifts.map((g) => [g.status, Number(g.amount_pence)])).toEqual([['paid', 2000]]);
    expect(gifts[0]!.payment_ref).toMatch(/^pi_test_/);
    const events = await core()
      .db.selectFrom('payment_events')
      .select(['type', 'source'])
      .where('event_ref', 'like', `%${session.slice(8)}%`)
      .execute();
    expect(events).toEqual([{ type: 'checkout.session.completed', source: 'test' }]);
    await expect(pressTestButton(core(), session, 'bacs', { now: Date.now() })).rejects.toThrow(/another way/);
  });

  test('a monthly gift: its amount changed, paused, refunded in part, its card’s expiry read, and cancelled', async () => {
    const session = await started({ kind: 'monthly', monthlyAmount: '1000', otherAmount: '', day: '3' });
    await pressTestButton(core(), session, 'card', { now: Date.now() });
    const regular = await regularOf(session);
    const provider = createTestProvider(core());
    const sub = regular.subscription_ref!;
    expect(sub).toMatch(/^sub_test_/);
    expect(await provider.cardExpiry(sub)).toMatch(/^\d{4}-03$/);
    await provider.changeRegular(sub, { kind: 'amount', amountPence: 1500 });
    expect(Number((await regularOf(session)).amount_pence)).toBe(1500);
    await provider.changeRegular(sub, { kind: 'pause' });
    expect((await regularOf(session)).status).toBe('paused');
    await provider.changeRegular(sub, { kind: 'resume' });
    expect((await regularOf(session)).status).toBe('active');
    const [first] = await giftsOf(session);
    await provider.refund(first!.payment_ref!, 400);
    expect(Number((await giftsOf(session))[0]!.refunded_pence)).toBe(400);
    await expect(provider.refund(first!.payment_ref!, 700)).rejects.toThrow(/more than is left/);
    await provider.changeRegular(sub, { kind: 'cancel' });
    expect((await regularOf(session)).status).toBe('cancelled');
    const nothing: unknown[] = [];
    for await (const e of provider.eventsSince(0)) nothing.push(e);
    expect(nothing).toEqual([]);
  });

  test('chargeDueTestGifts takes each active monthly gift once a month, on or after its day', async () => {
    const session = await started({ kind: 'monthly', monthlyAmount: '500', otherAmount: '', day: '1' });
    await pressTestButton(core(), session, 'card', { now: Date.now() });
    // Its first payment was this month: nothing more is due until next month.
    await chargeDueTestGifts(core(), { now: Date.now() });
    expect(await giftsOf(session)).toHaveLength(1);
    const nextMonth = Date.now() + 32 * DAY;
    await chargeDueTestGifts(core(), { now: nextMonth });
    await chargeDueTestGifts(core(), { now: nextMonth + 1000 });
    const gifts = await giftsOf(session);
    expect(gifts.map((g) => [g.kind, g.status, Number(g.amount_pence)])).toEqual([
      ['monthly', 'paid', 500],
      ['monthly', 'paid', 500],
    ]);
    // With Stripe configured it does nothing at all.
    expect(await chargeDueTestGifts(withLiveKey(core()), { now: nextMonth + 40 * DAY })).toBe(0);
  });

  test('the page carries the “no money moves” banner, and a made-up session is not found', async () => {
    const session = await started();
    const c = app.client();
    const page = await c.get(`/donate/test-payment/${session}`);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<div class="[^"]*" role="note"><h1>Test payment: no money moves<\/h1>/);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect((await c.get('/donate/test-payment/cs_test_lantern_000000000000000000000000')).status).toBe(404);
    expect((await c.post(`/donate/test-payment/${session}`, { do: 'steal' })).status).toBe(422);
  });
});

describeEachDialect('the test payment page beside a live key', (ctx) => {
  let app: { lantern: Lantern; client: () => TestClient };
  beforeAll(async () => {
    app = await startApp(ctx, { STRIPE_SECRET_KEY: 'sk_live_lantern_example', STRIPE_WEBHOOK_SECRET: 'whsec_live_example' });
  });
  afterAll(() => app?.lantern.close());

  test('is not there at all, and its provider cannot be made', async () => {
    const r = await app.client().get('/donate/test-payment/cs_test_lantern_AAAAAAAAAAAAAAAAAAAAAAAA');
    expect(r.status).toBe(404);
    expect(r.text).toContain('this site takes real payments');
    expect(() => createTestProvider(app.lantern.core)).toThrow(/live Stripe key/);
    await expect(
      pressTestButton(app.lantern.core, 'cs_test_lantern_AAAAAAAAAAAAAAAAAAAAAAAA', 'card', { now: Date.now() }),
    ).rejects.toThrow(/live Stripe key/);
  });
});
