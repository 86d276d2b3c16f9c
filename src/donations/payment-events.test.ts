import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import { startFakeStripe, type FakeStripe } from '../../test/helpers/fake-stripe.js';
import { findSupporterByEmail } from '../supporters/records.js';
import { sealCheckoutDetails } from './giving-form.js';
import { applyVerifiedEvent, retryParkedEvents } from './payment-events.js';
import { readCardExpiry, signDonorUpForNewsletter } from './payment-jobs.js';
import type { ProviderEvent } from './payments.js';
import { paymentProvider } from './provider.js';
import { insertCheckout } from './queries.js';
import { donorEmailIndex } from './records.js';
import { isTemporaryProviderError, nextBillingDay } from './stripe-provider.js';

// The event applier called directly, on both dialects: each event stored once whatever its kind, parked ones applied
// when what they are about arrives, the Stripe provider's requests as Stripe must receive them (checked at the fake),
// temporary and permanent failures told apart, and the jobs the events queue.

describeEachDialect('donations: applying payment events, and the Stripe provider', (ctx) => {
  let fake: FakeStripe;
  let t: TestLantern;
  const core = () => t.lantern.core;
  const db = () => t.lantern.core.db;

  beforeAll(async () => {
    fake = await startFakeStripe();
    t = await startTestLantern(ctx, {
      env: { STRIPE_SECRET_KEY: 'sk_test_fake', STRIPE_WEBHOOK_SECRET: fake.webhookSecret, STRIPE_API_URL: fake.url },
    });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  let n = 0;
  const ev = (type: string, object: Record<string, unknown>, id = `evt_${ctx.dialect}_${++n}`): ProviderEvent => ({
    id,
    type,
    created: Math.floor(Date.now() / 1000),
    data: { object },
  });
  const checkout = async (o: { kind: 'one_off' | 'monthly'; optIn?: boolean }) => {
    const email = `applier.${ctx.dialect}.${++n}@example.org`;
    const details = { name: 'Li Wei', email, message: '', optIn: o.optIn ?? false, giftAid: null };
    const id = await insertCheckout(db(), {
      session_ref: `pending:${randomUUID()}`,
      kind: o.kind,
      fund_id: null,
      amount_pence: 1200,
      day_of_month: o.kind === 'monthly' ? 14 : null,
      details_enc: sealCheckoutDetails(core().keyring, details),
      email_index: donorEmailIndex(core().keyring, email),
      state: 'open',
      donor_id: null,
      created_at: Date.now(),
      completed_at: null,
    });
    return { id, email };
  };
  const eventRow = (id: string) => db().selectFrom('payment_events').selectAll().where('event_ref', '=', id).executeTakeFirst();
  const countOf = async (table: 'payment_events' | 'donations' | 'regular_gifts') =>
    Number(
      (
        await db()
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  test('a kind of event Lantern does not use is stored once as ignored; a second delivery is a duplicate', async () => {
    const e = ev('payment_intent.created', { id: 'pi_x', object: 'payment_intent' });
    expect(await applyVerifiedEvent(core(), e, { source: 'test' })).toBe('ignored');
    expect(await applyVerifiedEvent(core(), e, { source: 'webhook' })).toBe('duplicate');
    expect(await eventRow(e.id)).toMatchObject({ state: 'ignored', source: 'test' });
  });

  test('an event arriving before its checkout is parked, and applied by the retry once the checkout has completed', async () => {
    const c = await checkout({ kind: 'monthly' });
    const k = n;
    const sub = `sub_${ctx.dialect}_${k}`;
    const invoice = {
      id: `in_${ctx.dialect}_${k}`,
      object: 'invoice',
      amount_paid: 1200,
      parent: { subscription_details: { subscription: sub } },
      status_transitions: { paid_at: 1_800_000_000 },
      payments: { data: [{ payment: { payment_intent: `pi_${ctx.dialect}_${k}` } }] },
    };
    const paid = ev('invoice.paid', invoice);
    const refunded = ev('charge.refunded', {
      id: 'ch_1',
      object: 'charge',
      payment_intent: `pi_${ctx.dialect}_${k}`,
      amount_refunded: 1200,
    });
    expect(await applyVerifiedEvent(core(), paid, { source: 'webhook' })).toBe('parked');
    expect(await applyVerifiedEvent(core(), refunded, { source: 'webhook' })).toBe('parked');
    // Nothing to apply them to yet: a retry leaves them parked.
    expect(await retryParkedEvents(core())).toBe(0);
    const session = {
      id: `cs_${ctx.dialect}_${k}`,
      object: 'checkout.session',
      mode: 'subscription',
      payment_status: 'paid',
      subscription: sub,
      customer: 'cus_1',
      metadata: { lantern_checkout: String(c.id) },
    };
    expect(await applyVerifiedEvent(core(), ev('checkout.session.completed', session), { source: 'webhook' })).toBe('applied');
    expect(await eventRow(paid.id)).toMatchObject({ state: 'applied' });
    expect(await eventRow(refunded.id)).toMatchObject({ state: 'applied' });
    const gift = await db().selectFrom('donations').selectAll().where('invoice_ref', '=', invoice.id).executeTakeFirstOrThrow();
    expect(gift).toMatchObject({ kind: 'monthly', status: 'refunded', payment_ref: `pi_${ctx.dialect}_${k}` });
    expect(Number(gift.given_at)).toBe(1_800_000_000_000);
    // The same invoice again under another event id (Stripe's invoice.payment_succeeded twin): still one gift.
    const before = await countOf('donations');
    expect(await applyVerifiedEvent(core(), ev('invoice.paid', invoice), { source: 'reconcile' })).toBe('applied');
    expect(await countOf('donations')).toBe(before);
  });

  test('createCheckout asks Stripe for what the brief needs: methods, metadata, anchor at noon on the day, an idempotency key', async () => {
    const c = await checkout({ kind: 'monthly' });
    const provider = paymentProvider(core());
    expect(provider.mode).toBe('stripe');
    const s = await provider.createCheckout({
      checkoutRef: String(c.id),
      kind: 'monthly',
      amountPence: 1200,
      dayOfMonth: 14,
      description: 'Monthly gift to Freedom Thread',
      email: c.email,
      methods: ['card', 'bacs_debit'],
      successUrl: 'http://127.0.0.1/ok?session={CHECKOUT_SESSION_ID}',
      cancelUrl: 'http://127.0.0.1/donate',
    });
    expect(s.sessionRef).toMatch(/^cs_test_/);
    const req = fake.requests.findLast((r) => r.path === '/v1/checkout/sessions')!;
    expect(req.idempotencyKey).toBe(`checkout-${c.id}`);
    expect(req.params).toMatchObject({
      mode: 'subscription',
      allowed_payment_method_types: ['card', 'bacs_debit'],
      customer_email: c.email,
      metadata: { lantern_checkout: String(c.id) },
      subscription_data: { metadata: { lantern_checkout: String(c.id) } },
      line_items: [{ price_data: { currency: 'gbp', unit_amount: '1200', recurring: { interval: 'month' } }, quantity: '1' }],
    });
    const anchor = new Date(Number(req.params.subscription_data.billing_cycle_anchor) * 1000);
    expect([anchor.getUTCDate(), anchor.getUTCHours()]).toEqual([14, 12]);
    expect(Number(req.params.subscription_data.billing_cycle_anchor)).toBe(nextBillingDay(14, Date.now()));
  });

  test('nextBillingDay: later this month, or next month once the day (at noon UTC) has passed', () => {
    const may10 = Date.UTC(2026, 4, 10, 9);
    expect(nextBillingDay(12, may10) * 1000).toBe(Date.UTC(2026, 4, 12, 12));
    expect(nextBillingDay(10, may10) * 1000).toBe(Date.UTC(2026, 4, 10, 12));
    expect(nextBillingDay(10, Date.UTC(2026, 4, 10, 13)) * 1000).toBe(Date.UTC(2026, 5, 10, 12));
    expect(nextBillingDay(3, Date.UTC(2026, 11, 20)) * 1000).toBe(Date.UTC(2027, 0, 3, 12));
  });

  test("Stripe's temporary failures (5xx, 429, no connection) are told apart from permanent ones (4xx)", async () => {
    const provider = paymentProvider(core());
    const failure = async (status: number, type: string) => {
      fake.failNext({ status, type });
      return provider.refund('pi_none', 100).catch((e: unknown) => e);
    };
    expect(isTemporaryProviderError(await failure(500, 'api_error'))).toBe(true);
    expect(isTemporaryProviderError(await failure(429, 'rate_limit_error'))).toBe(true);
    expect(isTemporaryProviderError(await failure(400, 'invalid_request_error'))).toBe(false);
    // A refund of a payment Stripe does not know: 404, permanent.
    expect(isTemporaryProviderError(await provider.refund('pi_none', 100).catch((e: unknown) => e))).toBe(false);
    const { createStripeProvider } = await import('./stripe-provider.js');
    const nowhere = createStripeProvider({ secretKey: 'sk_test_x', webhookSecret: 'whsec_x', apiUrl: 'http://127.0.0.1:9' });
    expect(isTemporaryProviderError(await nowhere.cardExpiry('sub_x').catch((e: unknown) => e))).toBe(true);
    expect(isTemporaryProviderError(new Error('a bug'))).toBe(false);
  });

  test('the jobs the events queue: the card expiry read from Stripe; the newsletter sign-up, skipped with no public list', async () => {
    const c = await checkout({ kind: 'monthly', optIn: true });
    const provider = paymentProvider(core());
    const s = await provider.createCheckout({
      checkoutRef: String(c.id),
      kind: 'monthly',
      amountPence: 1200,
      dayOfMonth: 14,
      description: 'Monthly gift',
      email: c.email,
      methods: ['card'],
      successUrl: 'http://127.0.0.1/ok',
      cancelUrl: 'http://127.0.0.1/donate',
    });
    const done = await fake.completeCheckout(s.sessionRef, { cardExpires: { month: 4, year: 2031 } });
    const e = fake.events('checkout.session.completed').at(0)!;
    expect(await applyVerifiedEvent(core(), e as unknown as ProviderEvent, { source: 'test' })).toBe('applied');
    const regular = await db()
      .selectFrom('regular_gifts')
      .selectAll()
      .where('subscription_ref', '=', done.subscription as string)
      .executeTakeFirstOrThrow();
    expect(await readCardExpiry(core(), Number(regular.id))).toBe('2031-04');
    const after = await db().selectFrom('regular_gifts').select('card_expires').where('id', '=', regular.id).executeTakeFirstOrThrow();
    expect(after.card_expires).toBe('2031-04');

    expect(await signDonorUpForNewsletter(core(), c.id)).toBe('skipped');
    expect(await findSupporterByEmail(db(), core().keyring, c.email)).toBeUndefined();
  });
});
