import { createServer, type Server } from 'node:http';
import fc from 'fast-check';
import Stripe from 'stripe';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parseStripeForm, startFakeStripe, type FakeStripe } from './fake-stripe.js';

let fake: FakeStripe;
let stripe: Stripe;
beforeAll(async () => {
  fake = await startFakeStripe();
  stripe = fake.client();
});
afterAll(() => fake.close());

const SUCCESS = 'http://lantern.test/donate/thanks?session={CHECKOUT_SESSION_ID}';
const nowSec = () => Math.floor(Date.now() / 1000);
// A one-off gift as Lantern's donate page would ask for it: cards and Bacs, our ids in metadata.
const oneOff = (amount = 1000, extra: Partial<Stripe.Checkout.SessionCreateParams> = {}) =>
  stripe.checkout.sessions.create({
    mode: 'payment',
    line_items: [{ quantity: 1, price_data: { currency: 'gbp', unit_amount: amount, product_data: { name: 'Gift to Freedom Thread' } } }],
    customer_email: 'ruth@example.org',
    metadata: { donation: 'd-1' },
    payment_intent_data: { metadata: { donation: 'd-1' } },
    allowed_payment_method_types: ['card', 'bacs_debit'],
    submit_type: 'donate',
    success_url: SUCCESS,
    cancel_url: 'http://lantern.test/donate',
    ...extra,
  });
const monthly = (amount = 1500) =>
  stripe.checkout.sessions.create({
    mode: 'subscription',
    line_items: [
      {
        quantity: 1,
        price_data: { currency: 'gbp', unit_amount: amount, recurring: { interval: 'month' }, product_data: { name: 'Monthly gift' } },
      },
    ],
    customer_email: 'ruth@example.org',
    subscription_data: { metadata: { donor: 'ruth' } },
    allowed_payment_method_types: ['card', 'bacs_debit'],
    success_url: SUCCESS,
  });
// The Stripe error a promise rejects with, so a test can look at its type, code and param.
const failure = (p: Promise<unknown>) =>
  p.then(
    () => expect.unreachable('the call should have failed'),
    (e: unknown) => e as Stripe.errors.StripeError,
  );
const eventsFor = (id: string, type: string) => fake.events(type).filter((e) => (e.data.object as { id: string }).id === id);

test('a one-off gift: the session, its fake checkout page, then completion with a PaymentIntent and Stripe’s events', async () => {
  const session = await oneOff();
  expect(session).toMatchObject({ object: 'checkout.session', mode: 'payment', status: 'open', payment_status: 'unpaid', livemode: false });
  expect(session).toMatchObject({ amount_total: 1000, currency: 'gbp', payment_intent: null, metadata: { donation: 'd-1' } });
  expect(session.id).toMatch(/^cs_test_/);
  expect(Math.abs(session.created - nowSec())).toBeLessThan(5);
  expect(session.line_items).toBeUndefined(); // includable: only with expand
  const page = await fetch(session.url!);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('fake checkout');

  const numbered = await oneOff(1000, { metadata: { '0': 'first', '1': 'second', '7': 'seventh' } });
  expect(numbered.metadata).toEqual({ '0': 'first', '1': 'second', '7': 'seventh' });
  const completed = await fake.completeCheckout(session.id);
  expect(completed).toMatchObject({ status: 'complete', payment_status: 'paid', url: null });
  const seen = await stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent.latest_charge', 'line_items'] });
  const pi = seen.payment_intent as Stripe.PaymentIntent;
  const charge = pi.latest_charge as Stripe.Charge;
  expect(pi).toMatchObject({
    object: 'payment_intent',
    status: 'succeeded',
    amount: 1000,
    amount_received: 1000,
    metadata: { donation: 'd-1' },
  });
  expect(pi.id).toMatch(/^pi_/);
  expect(charge).toMatchObject({ object: 'charge', status: 'succeeded', amount: 1000, paid: true, payment_intent: pi.id });
  expect(charge.payment_method_details?.type).toBe('card');
  expect(seen.customer_details?.email).toBe('ruth@example.org');
  expect(seen.line_items?.data[0]?.price?.unit_amount).toBe(1000);
  expect((await stripe.paymentIntents.retrieve(pi.id)).latest_charge).toBe(charge.id);

  const [event] = eventsFor(session.id, 'checkout.session.completed');
  expect(event).toMatchObject({ object: 'event', livemode: false, api_version: Stripe.API_VERSION });
  expect(event!.id).toMatch(/^evt_/);
  expect(event!.data.object).toMatchObject({ status: 'complete', payment_status: 'paid', payment_intent: pi.id });
  expect(event!.data.object).not.toHaveProperty('line_items');
  expect(eventsFor(pi.id, 'payment_intent.succeeded')).toHaveLength(1);
  await expect(fake.completeCheckout(session.id)).rejects.toThrow(/not open/);
});

test('Bacs Direct Debit: complete but unpaid until the debit clears (async_payment_succeeded) or fails', async () => {
  const clears = await oneOff(2500);
  const done = await fake.completeCheckout(clears.id, { paymentMethod: 'bacs_debit', name: 'Ruth Ellis' });
  expect(done).toMatchObject({ status: 'complete', payment_status: 'unpaid' });
  expect((await stripe.paymentIntents.retrieve(done.payment_intent as string)).status).toBe('processing');
  expect(eventsFor(clears.id, 'checkout.session.completed')[0]!.data.object).toMatchObject({ payment_status: 'unpaid' });
  const paid = await fake.settleAsyncPayment(clears.id);
  expect(paid.payment_status).toBe('paid');
  expect(eventsFor(clears.id, 'checkout.session.async_payment_succeeded')).toHaveLength(1);
  const pi = await stripe.paymentIntents.retrieve(done.payment_intent as string, { expand: ['latest_charge'] });
  expect(pi.status).toBe('succeeded');
  expect((pi.latest_charge as Stripe.Charge).payment_method_details?.bacs_debit?.sort_code).toBe('108800');

  const bounces = await oneOff(2500);
  await fake.completeCheckout(bounces.id, { paymentMethod: 'bacs_debit' });
  const failed = await fake.settleAsyncPayment(bounces.id, { fail: true });
  expect(failed.payment_status).toBe('unpaid');
  expect(eventsFor(bounces.id, 'checkout.session.async_payment_failed')).toHaveLength(1);
  expect(eventsFor(bounces.id, 'checkout.session.async_payment_succeeded')).toHaveLength(0);
  expect((await stripe.paymentIntents.retrieve(failed.payment_intent as string)).status).toBe('requires_payment_method');
});

test('a monthly gift: a customer, an active subscription, a paid first invoice, renewals and a failed payment retried', async () => {
  const session = await monthly();
  const done = await fake.completeCheckout(session.id);
  expect(done.subscription).toMatch(/^sub_/);
  expect(done.customer).toMatch(/^cus_/);
  expect(done.payment_intent).toBeNull();
  const sub = await stripe.subscriptions.retrieve(done.subscription as string);
  const item = sub.items.data[0]!;
  expect(sub).toMatchObject({ object: 'subscription', status: 'active', customer: done.customer, metadata: { donor: 'ruth' } });
  expect(item.price).toMatchObject({ unit_amount: 1500, currency: 'gbp', recurring: { interval: 'month', interval_count: 1 } });
  const start = new Date(item.current_period_start * 1000);
  const end = new Date(item.current_period_end * 1000);
  expect((end.getUTCFullYear() - start.getUTCFullYear()) * 12 + end.getUTCMonth() - start.getUTCMonth()).toBe(1);
  expect((await stripe.customers.retrieve(done.customer as string)) as Stripe.Customer).toMatchObject({ email: 'ruth@example.org' });

  const first = await stripe.invoices.list({ subscription: sub.id });
  expect(first.data).toHaveLength(1);
  expect(first.data[0]).toMatchObject({ status: 'paid', billing_reason: 'subscription_create', amount_paid: 1500, id: done.invoice });
  expect(first.data[0]!.parent?.subscription_details?.subscription).toBe(sub.id);
  expect(first.data[0]!.payments).toBeUndefined();
  const withPayments = await stripe.invoices.retrieve(first.data[0]!.id!, { expand: ['payments.data.payment.payment_intent'] });
  expect((withPayments.payments!.data[0]!.payment.payment_intent as Stripe.PaymentIntent).status).toBe('succeeded');

  const renewal = await fake.payInvoice(sub.id);
  expect(renewal).toMatchObject({ status: 'paid', billing_reason: 'subscription_cycle', amount_paid: 1500 });
  expect(renewal.lines.data[0]!.period.start).toBe(item.current_period_end);
  expect(eventsFor(renewal.id!, 'invoice.paid')).toHaveLength(1);
  const listed = await stripe.invoices.list({ subscription: sub.id });
  expect(listed.data.map((i) => i.id)).toEqual([renewal.id, done.invoice]);

  const declined = await fake.failInvoice(sub.id);
  expect(declined).toMatchObject({ status: 'open', attempt_count: 1, amount_paid: 0 });
  expect(eventsFor(declined.id!, 'invoice.payment_failed')).toHaveLength(1);
  const pastDue = eventsFor(sub.id, 'customer.subscription.updated').at(-1)!;
  expect(pastDue.data.object).toMatchObject({ status: 'past_due' });
  expect(pastDue.data.previous_attributes).toMatchObject({ status: 'active' });
  const retried = await fake.payInvoice(sub.id);
  expect(retried).toMatchObject({ id: declined.id, status: 'paid', attempt_count: 2 });
  expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('active');
  // As on Stripe, the retry charges the invoice's one PaymentIntent again rather than making another.
  const attempts = await stripe.invoices.retrieve(declined.id!, { expand: ['payments.data.payment.payment_intent'] });
  expect(attempts.payments!.data).toHaveLength(1);
  const charges = fake
    .events('charge.failed')
    .concat(fake.events('charge.succeeded'))
    .map((e) => e.data.object as Stripe.Charge);
  const pi = (attempts.payments!.data[0]!.payment.payment_intent as Stripe.PaymentIntent).id;
  expect(charges.filter((c) => c.payment_intent === pi).map((c) => c.status)).toEqual(['failed', 'succeeded']);
});

test('a donor changes the amount, moves the day, pauses, and cancels through the API; the fake refuses what Stripe refuses', async () => {
  const done = await fake.completeCheckout((await monthly()).id);
  const id = done.subscription as string;
  const item = (await stripe.subscriptions.retrieve(id)).items.data[0]!;
  const product = item.price.product as string;
  const price_data = { currency: 'gbp', unit_amount: 2000, product, recurring: { interval: 'month' as const } };
  const changed = await stripe.subscriptions.update(id, { items: [{ id: item.id, price_data }], proration_behavior: 'none' });
  expect(changed.items.data).toHaveLength(1);
  expect(changed.items.data[0]!.price.unit_amount).toBe(2000);
  const updated = eventsFor(id, 'customer.subscription.updated').at(-1)!;
  expect((updated.data.previous_attributes as { items: Stripe.ApiList<Stripe.SubscriptionItem> }).items.data[0]!.price.unit_amount).toBe(
    1500,
  );
  expect(updated.request?.id).toMatch(/^req_/);
  const tagged = await stripe.subscriptions.update(id, { metadata: { donor: '', fund: 'partner-appeal' } });
  expect(tagged.metadata).toEqual({ fund: 'partner-appeal' }); // '' unsets a key, as on Stripe
  const half = [
    { id: item.id, price_data: { ...price_data, unit_amount: 900 } },
    { id: 'si_missing', quantity: 2 },
  ];
  expect(await failure(stripe.subscriptions.update(id, { items: half }))).toMatchObject({
    param: 'items[1][id]',
    code: 'resource_missing',
  });
  expect((await stripe.subscriptions.retrieve(id)).items.data[0]!.price.unit_amount).toBe(2000); // nothing applied
  const noProduct = await failure(
    stripe.subscriptions.update(id, { items: [{ id: item.id, price_data: { ...price_data, product: undefined! } }] }),
  );
  expect(noProduct).toMatchObject({ type: 'StripeInvalidRequestError', code: 'parameter_missing', param: 'items[0][price_data][product]' });

  const moved = await stripe.subscriptions.update(id, { billing_cycle_anchor: { type: 'now' }, proration_behavior: 'none' });
  expect(Math.abs(moved.billing_cycle_anchor - nowSec())).toBeLessThan(5);
  expect((await stripe.invoices.list({ subscription: id })).data[0]).toMatchObject({
    billing_reason: 'subscription_update',
    amount_paid: 2000,
  });

  const paused = await stripe.subscriptions.update(id, { pause_collection: { behavior: 'void' } });
  expect(paused.pause_collection).toMatchObject({ behavior: 'void', resumes_at: null });
  const later = await failure(stripe.subscriptions.update(id, { pause_collection: { behavior: 'later' as 'void' } }));
  expect(later).toMatchObject({ code: 'parameter_invalid_string', param: 'pause_collection[behavior]' });
  expect((await fake.payInvoice(id)).status).toBe('void');
  expect((await stripe.subscriptions.update(id, { pause_collection: '' })).pause_collection).toBeNull();
  expect((await fake.payInvoice(id)).status).toBe('paid');

  const ending = await stripe.subscriptions.update(id, { cancel_at_period_end: true });
  expect(ending.cancel_at).toBe(ending.items.data[0]!.current_period_end);
  await expect(fake.payInvoice(id)).rejects.toThrow(/endPeriod/);
  expect((await fake.endPeriod(id)).status).toBe('canceled');
  expect(eventsFor(id, 'customer.subscription.deleted')).toHaveLength(1);

  const other = (await fake.completeCheckout((await monthly()).id)).subscription as string;
  const cancelled = await stripe.subscriptions.cancel(other);
  expect(cancelled).toMatchObject({ status: 'canceled', cancellation_details: { reason: 'cancellation_requested' } });
  expect(eventsFor(other, 'customer.subscription.deleted')).toHaveLength(1);
  expect(await failure(stripe.subscriptions.update(other, { cancel_at_period_end: true }))).toMatchObject({ statusCode: 400 });
});

test('refunds in part and in full, over-refunds refused, and a dispute blocks further refunds', async () => {
  const done = await fake.completeCheckout((await oneOff(1000)).id);
  const pi = done.payment_intent as string;
  const part = await stripe.refunds.create({ payment_intent: pi, amount: 400, reason: 'requested_by_customer' });
  expect(part).toMatchObject({ object: 'refund', amount: 400, status: 'succeeded', payment_intent: pi, currency: 'gbp' });
  expect(part.id).toMatch(/^re_/);
  const refunded = eventsFor(part.charge as string, 'charge.refunded').at(-1)!;
  expect(refunded.data.object).toMatchObject({ amount_refunded: 400, refunded: false });
  expect(refunded.data.previous_attributes).toMatchObject({ amount_refunded: 0 });
  expect(await failure(stripe.refunds.create({ payment_intent: pi, amount: 700 }))).toMatchObject({
    code: 'amount_too_large',
    param: 'amount',
  });
  expect((await fake.refund(pi)).amount).toBe(600);
  expect(eventsFor(part.charge as string, 'charge.refunded').at(-1)!.data.object).toMatchObject({ amount_refunded: 1000, refunded: true });
  expect(await failure(stripe.refunds.create({ payment_intent: pi }))).toMatchObject({ code: 'charge_already_refunded' });
  expect(await failure(stripe.refunds.create({ payment_intent: 'pi_nope' }))).toMatchObject({ statusCode: 404, code: 'resource_missing' });

  const disputedPi = (await fake.completeCheckout((await oneOff(3000)).id)).payment_intent as string;
  const dispute = await fake.dispute(disputedPi);
  expect(dispute).toMatchObject({ object: 'dispute', amount: 3000, status: 'needs_response', payment_intent: disputedPi });
  expect(eventsFor(dispute.id, 'charge.dispute.created')).toHaveLength(1);
  expect(await failure(stripe.refunds.create({ payment_intent: disputedPi }))).toMatchObject({ code: 'charge_disputed' });
});

test('events list newest first, page with starting_after, and filter by type, types[], a wildcard and created', async () => {
  let clock = Date.parse('2026-03-01T10:00:00Z');
  const own = await startFakeStripe({ now: () => clock });
  try {
    const client = own.client();
    const create = () =>
      client.checkout.sessions.create({
        mode: 'payment',
        line_items: [{ quantity: 2, price_data: { currency: 'gbp', unit_amount: 500, product_data: { name: 'Gift' } } }],
      });
    await own.completeCheckout((await create()).id);
    clock += 3_600_000;
    const later = Math.floor(clock / 1000);
    for (let i = 0; i < 3; i++) await own.completeCheckout((await create()).id);
    const all = own.events().reverse();
    expect(all.length).toBeGreaterThan(8);

    const pages: string[][] = [];
    let after: string | undefined;
    for (;;) {
      const page = await client.events.list({ limit: 3, ...(after ? { starting_after: after } : {}) });
      pages.push(page.data.map((e) => e.id));
      if (!page.has_more) break;
      after = page.data.at(-1)!.id;
    }
    expect(pages.flat()).toEqual(all.map((e) => e.id));
    expect(pages.slice(0, -1).every((p) => p.length === 3)).toBe(true);
    expect(pages.at(-1)!.length).toBeGreaterThan(0);
    expect((await client.events.list({ limit: all.length })).has_more).toBe(false);
    expect((await client.events.list({ limit: all.length - 1 })).has_more).toBe(true);
    expect((await client.events.list({ limit: 100 }).autoPagingToArray({ limit: 1000 })).map((e) => e.id)).toEqual(all.map((e) => e.id));

    const completed = await client.events.list({ type: 'checkout.session.completed' });
    expect(completed.data.map((e) => e.type)).toEqual(Array(4).fill('checkout.session.completed'));
    const two = await client.events.list({ types: ['charge.succeeded', 'payment_intent.succeeded'], limit: 100 });
    expect(new Set(two.data.map((e) => e.type))).toEqual(new Set(['charge.succeeded', 'payment_intent.succeeded']));
    expect(two.data).toHaveLength(8);
    expect((await client.events.list({ type: 'charge.*', limit: 100 })).data.every((e) => e.type.startsWith('charge.'))).toBe(true);
    const recent = await client.events.list({ created: { gte: later }, limit: 100 });
    expect(recent.data.map((e) => e.id)).toEqual(all.filter((e) => e.created >= later).map((e) => e.id));
    expect(recent.data.length).toBeLessThan(all.length);
    expect(await client.events.retrieve(all[0]!.id)).toEqual(JSON.parse(JSON.stringify(all[0])));
  } finally {
    await own.close();
  }
});

// A receiver like Lantern's /webhooks/stripe: it verifies the raw bytes it got, never a re-serialised body.
async function receiver(secret: string) {
  const got: Stripe.Event[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        got.push(Stripe.webhooks.constructEvent(Buffer.concat(chunks), String(req.headers['stripe-signature']), secret));
        res.writeHead(200).end('ok');
      } catch (e) {
        res.writeHead(400).end((e as Error).message);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/webhooks/stripe`;
  return { url, got, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

test('a delivered webhook verifies with stripe.webhooks.constructEvent; tampered, stale, re-serialised or wrongly signed ones do not', async () => {
  const hook = await receiver(fake.webhookSecret);
  try {
    const done = await fake.completeCheckout((await oneOff()).id);
    const event = eventsFor(done.id, 'checkout.session.completed')[0]!;
    const ok = await fake.deliver(event, { url: hook.url });
    expect(ok.status).toBe(200);
    expect(ok.header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(hook.got.map((e) => e.id)).toEqual([event.id]);
    expect(hook.got[0]!.data.object).toMatchObject({ id: done.id, payment_status: 'paid' });
    expect((await fake.deliver(event.id, { url: hook.url })).status).toBe(200); // by id, as a retry would be

    expect((await fake.deliver(event, { url: hook.url, tamper: true })).status).toBe(400);
    expect((await fake.deliver(event, { url: hook.url, timestamp: nowSec() - 600 })).status).toBe(400);
    expect((await fake.deliver(event, { url: hook.url, tamper: (b) => JSON.stringify(JSON.parse(b)) })).status).toBe(400);
    expect((await fake.deliver(event, { url: hook.url, secret: 'whsec_someone_else' })).status).toBe(400);
    expect(hook.got).toHaveLength(2);
  } finally {
    await hook.close();
  }
});

test('with autoDeliver, a helper resolves once its events have reached the webhook', async () => {
  const hook = await receiver('whsec_auto');
  const own = await startFakeStripe({ webhookUrl: hook.url, webhookSecret: 'whsec_auto', autoDeliver: true });
  try {
    const session = await own.client().checkout.sessions.create({
      mode: 'payment',
      line_items: [{ quantity: 1, price_data: { currency: 'gbp', unit_amount: 700, product_data: { name: 'Gift' } } }],
    });
    await own.completeCheckout(session.id);
    expect(hook.got.map((e) => e.type)).toEqual(own.events().map((e) => e.type));
    expect(hook.got.map((e) => e.type)).toContain('checkout.session.completed');
  } finally {
    await own.close();
    await hook.close();
  }
});

test('an Idempotency-Key replays the first response; reusing it with other parameters is refused', async () => {
  const key = `donation-${Math.random()}`;
  const first = await stripe.checkout.sessions.create(params(1200), { idempotencyKey: key });
  const again = await stripe.checkout.sessions.create(params(1200), { idempotencyKey: key });
  expect(again.id).toBe(first.id);
  expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
  const other = await failure(stripe.checkout.sessions.create(params(1300), { idempotencyKey: key }));
  expect(other).toMatchObject({ type: 'StripeIdempotencyError', statusCode: 400 });
  expect(fake.requests.filter((r) => r.idempotencyKey === key)).toHaveLength(3);
  function params(amount: number): Stripe.Checkout.SessionCreateParams {
    return {
      mode: 'payment',
      line_items: [{ quantity: 1, price_data: { currency: 'gbp', unit_amount: amount, product_data: { name: 'Gift' } } }],
    };
  }
});

test('requests without a test key get 401 in Stripe’s error shape; bad requests get Stripe’s 400 and 404 errors', async () => {
  const bare = await fetch(`${fake.url}/v1/events`);
  expect(bare.status).toBe(401);
  const body = (await bare.json()) as { error: { type: string; message: string } };
  expect(body.error.type).toBe('invalid_request_error');
  expect(body.error.message).toContain('You did not provide an API key');
  expect(await failure(fake.client('sk_live_real').events.list())).toMatchObject({ type: 'StripeAuthenticationError', statusCode: 401 });

  const missing = await failure(stripe.checkout.sessions.retrieve('cs_test_nope'));
  expect(missing).toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 404, code: 'resource_missing' });
  const unknown = await failure(oneOff(1000, { colour: 'red' } as Partial<Stripe.Checkout.SessionCreateParams>));
  expect(unknown).toMatchObject({ statusCode: 400, code: 'parameter_unknown', param: 'colour' });
  const noQuantity = stripe.checkout.sessions.create({
    mode: 'payment',
    line_items: [{ price_data: { currency: 'gbp', unit_amount: 500, product_data: { name: 'Gift' } } }],
  });
  expect(await failure(noQuantity)).toMatchObject({ code: 'parameter_missing', param: 'line_items[0][quantity]' });
  expect(await failure(oneOff(20))).toMatchObject({ code: 'amount_too_small' });
  expect(await failure(oneOff(1000, { line_items: [] }))).toMatchObject({ code: 'parameter_missing', param: 'line_items' });
  fake.failNext({ status: 500 });
  expect(await failure(stripe.events.list())).toMatchObject({ type: 'StripeAPIError', statusCode: 500 });
  expect((await stripe.events.list({ limit: 1 })).object).toBe('list');
});

test('metadata of any text survives the real client’s bracket encoding and the fake’s parsing', async () => {
  const key = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((k) => !/[[\]]/.test(k) && k.length <= 40);
  const value = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }).filter((v) => v.length <= 500);
  await fc.assert(
    fc.asyncProperty(fc.dictionary(key, value, { minKeys: 1, maxKeys: 8 }), async (metadata) => {
      fc.pre(!Object.keys(metadata).some((k) => ['__proto__', 'constructor', 'prototype'].includes(k)));
      const session = await oneOff(1000, { metadata });
      expect((await stripe.checkout.sessions.retrieve(session.id)).metadata).toEqual({ ...metadata });
    }),
    { numRuns: 40 },
  );
});

test('the form parser reads Stripe’s bracket notation, and any other input only ever fails with a Stripe 400', () => {
  expect(
    parseStripeForm('line_items[0][price_data][recurring][interval]=month&line_items[0][quantity]=1&types[]=a&types[]=b&x=a+b%26c'),
  ).toEqual({
    line_items: [{ price_data: { recurring: { interval: 'month' } }, quantity: '1' }],
    types: ['a', 'b'],
    x: 'a b&c',
  });
  expect(parseStripeForm('expand[0]=payment_intent&expand[1]=line_items&pause_collection=')).toEqual({
    expand: ['payment_intent', 'line_items'],
    pause_collection: '',
  });
  fc.assert(
    fc.property(fc.string({ maxLength: 80 }), (text) => {
      try {
        parseStripeForm(text);
      } catch (e) {
        expect(e).toMatchObject({ status: 400, type: 'invalid_request_error' });
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }),
  );
  expect(() => parseStripeForm('__proto__[polluted]=1')).toThrow(/Invalid parameter name/);
  expect(() => parseStripeForm('a=1&a[b]=2')).toThrow(/Invalid hash/);
});
