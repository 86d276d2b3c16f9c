import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import { startFakeStripe, type FakeStripe } from '../../test/helpers/fake-stripe.js';
import { until } from '../../test/helpers/wait.js';
import type { Lantern } from '../app.js';
import type { Core } from '../core/context.js';
import { sealCheckoutDetails, type CheckoutDetails } from './giving-form.js';
import type { GiftKind } from './model.js';
import { readInvoicePayment, reconcilePaymentEvents } from './payment-jobs.js';
import { paymentProvider } from './provider.js';
import { insertCheckout } from './queries.js';
import { donorEmailIndex } from './records.js';

// The Stripe webhook over real HTTP on both dialects, against the fake Stripe driven through the official client: each
// kind of event a gift goes through, replays and events out of order (each applied once), bad and old signatures
// (refused, nothing stored), a payment Lantern never started (parked), and reconciliation finding an event whose
// webhook never came.

describeEachDialect('donations: the Stripe webhook', (ctx) => {
  let fake: FakeStripe;
  let t: TestLantern;
  let lantern: Lantern;
  let baseUrl: string;
  const core = (): Core => lantern.core;
  const db = () => lantern.core.db;

  beforeAll(async () => {
    fake = await startFakeStripe({ autoDeliver: true });
    const env = { STRIPE_SECRET_KEY: 'sk_test_fake', STRIPE_WEBHOOK_SECRET: fake.webhookSecret, STRIPE_API_URL: fake.url };
    t = await startTestLantern(ctx, { env });
    lantern = t.lantern;
    baseUrl = t.baseUrl;
    fake.webhookUrl = `${baseUrl}/webhooks/stripe`;
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  let n = 0;
  /** Starts a gift as /donate does: the checkout row first, then the provider's session, then its reference. */
  const startGift = async (o: { kind: GiftKind; amountPence: number; dayOfMonth?: number; details?: Partial<CheckoutDetails> }) => {
    const email = `donor.${ctx.dialect}.${++n}@example.org`;
    const details: CheckoutDetails = {
      name: 'Amina Yusuf',
      email,
      message: 'For the legal fund',
      optIn: false,
      giftAid: null,
      ...o.details,
    };
    const id = await insertCheckout(db(), {
      session_ref: `pending:${randomUUID()}`,
      kind: o.kind,
      fund_id: null,
      amount_pence: o.amountPence,
      day_of_month: o.dayOfMonth ?? null,
      details_enc: sealCheckoutDetails(core().keyring, details),
      email_index: donorEmailIndex(core().keyring, details.email),
      state: 'open',
      donor_id: null,
      created_at: Date.now(),
      completed_at: null,
    });
    const session = await paymentProvider(core()).createCheckout({
      checkoutRef: String(id),
      kind: o.kind,
      amountPence: o.amountPence,
      dayOfMonth: o.dayOfMonth,
      description: 'Donation to Freedom Thread',
      email: details.email,
      methods: ['card', 'bacs_debit'],
      successUrl: `${baseUrl}/donate/thank-you?session={CHECKOUT_SESSION_ID}`,
      cancelUrl: `${baseUrl}/donate`,
    });
    await db().updateTable('donation_checkouts').set({ session_ref: session.sessionRef }).where('id', '=', id).execute();
    return { checkoutId: id, sessionRef: session.sessionRef, email };
  };

  const giftBySession = (sessionRef: string) =>
    db().selectFrom('donations').selectAll().where('checkout_ref', '=', sessionRef).executeTakeFirst();
  const regularBySub = (sub: string) =>
    db().selectFrom('regular_gifts').selectAll().where('subscription_ref', '=', sub).executeTakeFirstOrThrow();
  const giftsOfRegular = (id: number) => db().selectFrom('donations').selectAll().where('regular_id', '=', id).orderBy('id').execute();
  const stored = (eventId: string) => db().selectFrom('payment_events').selectAll().where('event_ref', '=', eventId).executeTakeFirst();
  const jobsNamed = async (name: string) =>
    (await db().selectFrom('jobs').select(['payload']).where('name', '=', name).execute()).map((j) =>
      core().queue.decodePayload(j.payload),
    );
  const counts = async () => {
    const c = async (t: 'donations' | 'payment_events' | 'regular_gifts' | 'donors' | 'jobs') =>
      Number(
        (
          await db()
            .selectFrom(t)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return {
      donations: await c('donations'),
      events: await c('payment_events'),
      regular: await c('regular_gifts'),
      donors: await c('donors'),
      jobs: await c('jobs'),
    };
  };

  test('a one-off card gift: recorded once as received, the donor made, a receipt queued, the checkout completed', async () => {
    const g = await startGift({ kind: 'one_off', amountPence: 2500 });
    const session = await fake.completeCheckout(g.sessionRef, { name: 'Amina Yusuf' });
    const gift = await giftBySession(g.sessionRef);
    expect(gift).toMatchObject({ status: 'paid', method: 'card', kind: 'one_off', channel: 'online', gift_aid: 0 });
    expect(Number(gift!.amount_pence)).toBe(2500);
    expect(gift!.payment_ref).toBe(session.payment_intent);
    expect(core().keyring.decrypt(gift!.message_enc!)).toBe('For the legal fund');
    const donor = await db().selectFrom('donors').selectAll().where('id', '=', gift!.donor_id!).executeTakeFirstOrThrow();
    expect(donor.customer_ref).toBe(session.customer);
    expect(await jobsNamed('sendDonationReceipt')).toContainEqual({ donationId: Number(gift!.id) });
    const checkout = await db().selectFrom('donation_checkouts').selectAll().where('id', '=', g.checkoutId).executeTakeFirstOrThrow();
    expect(checkout).toMatchObject({ state: 'completed' });
    // The event is kept, encrypted: the donor's email never sits in the table as written.
    const completed = fake.events('checkout.session.completed').find((e) => (e.data.object as { id: string }).id === g.sessionRef)!;
    const row = await stored(completed.id);
    expect(row).toMatchObject({ state: 'applied', source: 'webhook', type: 'checkout.session.completed' });
    expect(row!.payload_enc).not.toContain(g.email);
    expect(JSON.parse(core().keyring.decrypt(row!.payload_enc)).id).toBe(completed.id);

    // The same event again, through the webhook: answered 200, nothing changes.
    const before = await counts();
    const again = await fake.deliver(completed);
    expect(again.status).toBe(200);
    expect(await counts()).toEqual(before);
  });

  test('a gift with Gift Aid and the newsletter ticked: the declaration recorded as typed, the sign-up queued', async () => {
    const giftAid = {
      wordingVersion: '2026-01',
      title: 'Ms',
      firstName: 'Amina',
      lastName: 'Yusuf',
      house: '12',
      address: 'Weaver Street, Leeds',
      postcode: 'LS1 4AB',
      pastFourYears: true,
    };
    const g = await startGift({ kind: 'one_off', amountPence: 1000, details: { giftAid, optIn: true } });
    await fake.completeCheckout(g.sessionRef);
    const gift = await giftBySession(g.sessionRef);
    expect(gift!.gift_aid).toBe(1);
    const decl = await db()
      .selectFrom('gift_aid_declarations')
      .selectAll()
      .where('donor_id', '=', gift!.donor_id!)
      .executeTakeFirstOrThrow();
    expect(decl).toMatchObject({ channel: 'online', wording_version: '2026-01' });
    expect(core().keyring.decrypt(decl.postcode_enc)).toBe('LS1 4AB');
    expect(Number(decl.covers_from)).toBeLessThan(Number(decl.made_at) - 3 * 365 * 24 * 3600_000);
    expect(await jobsNamed('signDonorUpForNewsletter')).toContainEqual({ checkoutId: g.checkoutId });
  });

  test('a Bacs Direct Debit is pending until the bank confirms it, then received (a refused one fails)', async () => {
    const g = await startGift({ kind: 'one_off', amountPence: 5000 });
    await fake.completeCheckout(g.sessionRef, { paymentMethod: 'bacs_debit' });
    const pending = await giftBySession(g.sessionRef);
    expect(pending).toMatchObject({ status: 'pending', method: 'bacs_debit' });
    expect(await jobsNamed('sendDonationReceipt')).not.toContainEqual({ donationId: Number(pending!.id) });
    await fake.settleAsyncPayment(g.sessionRef);
    expect(await giftBySession(g.sessionRef)).toMatchObject({ status: 'paid' });
    expect(await jobsNamed('sendDonationReceipt')).toContainEqual({ donationId: Number(pending!.id) });

    const refused = await startGift({ kind: 'one_off', amountPence: 5000 });
    await fake.completeCheckout(refused.sessionRef, { paymentMethod: 'bacs_debit' });
    await fake.settleAsyncPayment(refused.sessionRef, { fail: true });
    expect(await giftBySession(refused.sessionRef)).toMatchObject({ status: 'failed' });
  });

  test('a monthly gift: one gift per paid invoice, a failed payment marks it past due and tells staff, the next paid one clears it', async () => {
    const g = await startGift({ kind: 'monthly', amountPence: 1500, dayOfMonth: 9 });
    const session = await fake.completeCheckout(g.sessionRef);
    const sub = session.subscription as string;
    // The billing date is the chosen day, at noon UTC.
    const anchor = new Date(fake.object<{ billing_cycle_anchor: number }>(sub)!.billing_cycle_anchor * 1000);
    expect([anchor.getUTCDate(), anchor.getUTCHours()]).toEqual([9, 12]);
    let regular = await regularBySub(sub);
    expect(regular).toMatchObject({ status: 'active', method: 'card', day_of_month: 9 });
    expect(await jobsNamed('readCardExpiry')).toContainEqual({ regularId: Number(regular.id) });
    expect(await giftsOfRegular(Number(regular.id))).toHaveLength(1);

    await fake.payInvoice(sub);
    const gifts = await giftsOfRegular(Number(regular.id));
    expect(gifts.map((x) => [x.kind, x.status, Number(x.amount_pence)])).toEqual([
      ['monthly', 'paid', 1500],
      ['monthly', 'paid', 1500],
    ]);
    expect(new Set(gifts.map((x) => x.invoice_ref)).size).toBe(2);
    // Only the first payment of a monthly gift is receipted at once.
    const receipts = await jobsNamed('sendDonationReceipt');
    expect(receipts).toContainEqual({ donationId: Number(gifts[0]!.id) });
    expect(receipts).not.toContainEqual({ donationId: Number(gifts[1]!.id) });

    await fake.failInvoice(sub);
    regular = await regularBySub(sub);
    expect(regular.status).toBe('past_due');
    expect(regular.failed_at).not.toBeNull();
    expect(await jobsNamed('tellStaffOfFailedPayment')).toContainEqual({ regularId: Number(regular.id) });
    expect(await giftsOfRegular(Number(regular.id))).toHaveLength(2);

    await fake.payInvoice(sub); // the retry succeeds
    regular = await regularBySub(sub);
    expect(regular).toMatchObject({ status: 'active', failed_at: null });
    expect(await giftsOfRegular(Number(regular.id))).toHaveLength(3);
  });

  test('a monthly payment is refunded: its payment is read from Stripe, and the parked refund then applies', async () => {
    const g = await startGift({ kind: 'monthly', amountPence: 1200, dayOfMonth: 4 });
    const session = await fake.completeCheckout(g.sessionRef);
    const sub = session.subscription as string;
    const regular = await regularBySub(sub);
    const [gift] = await giftsOfRegular(Number(regular.id));
    // Stripe's invoice event carries no payment: the gift has only its invoice, and a job is queued to ask.
    expect(gift!.payment_ref).toBeNull();
    expect(await jobsNamed('readInvoicePayment')).toContainEqual({ donationId: Number(gift!.id) });
    const invoice = await fake.client().invoices.retrieve(gift!.invoice_ref!, { expand: ['payments'] });
    const pi = invoice.payments!.data[0]!.payment.payment_intent as string;
    // The refund's event arrives first: parked, since no gift holds that payment yet.
    await fake.refund(pi);
    expect((await giftsOfRegular(Number(regular.id)))[0]).toMatchObject({ status: 'paid', refunded_pence: 0 });
    expect(await readInvoicePayment(core(), Number(gift!.id))).toBe(pi);
    expect((await giftsOfRegular(Number(regular.id)))[0]).toMatchObject({ status: 'refunded', refunded_pence: 1200, payment_ref: pi });
  });

  test('refunds, partial then full; a dispute, won and lost', async () => {
    const g = await startGift({ kind: 'one_off', amountPence: 4000 });
    const s = await fake.completeCheckout(g.sessionRef);
    const pi = s.payment_intent as string;
    await paymentProvider(core()).refund(pi, 1000);
    await until(async () => Number((await giftBySession(g.sessionRef))!.refunded_pence) === 1000);
    expect(await giftBySession(g.sessionRef)).toMatchObject({ status: 'paid' });
    await fake.refund(pi);
    expect(await giftBySession(g.sessionRef)).toMatchObject({ status: 'refunded' });
    expect(Number((await giftBySession(g.sessionRef))!.refunded_pence)).toBe(4000);

    const won = await startGift({ kind: 'one_off', amountPence: 3000 });
    const ws = await fake.completeCheckout(won.sessionRef);
    const d1 = await fake.dispute(ws.payment_intent as string);
    expect(await giftBySession(won.sessionRef)).toMatchObject({ status: 'disputed' });
    await fake.closeDispute(d1.id, { won: true });
    expect(await giftBySession(won.sessionRef)).toMatchObject({ status: 'paid' });

    const lost = await startGift({ kind: 'one_off', amountPence: 3000 });
    const ls = await fake.completeCheckout(lost.sessionRef);
    const d2 = await fake.dispute(ls.payment_intent as string);
    await fake.closeDispute(d2.id, { won: false });
    const l = await giftBySession(lost.sessionRef);
    expect(l!.status).toBe('refunded');
    expect(Number(l!.refunded_pence)).toBe(3000);
  });

  test("a donor's changes at Stripe are mirrored: amount, pause, resume, a new day, and cancelling", async () => {
    const g = await startGift({ kind: 'monthly', amountPence: 1000, dayOfMonth: 20 });
    const sub = (await fake.completeCheckout(g.sessionRef)).subscription as string;
    const provider = paymentProvider(core());
    const regular = await regularBySub(sub);
    const now = () => regularBySub(sub);

    await provider.changeRegular(sub, { kind: 'amount', amountPence: 2200 });
    await until(async () => Number((await now()).amount_pence) === 2200);
    await fake.payInvoice(sub);
    const gifts = await giftsOfRegular(Number(regular.id));
    expect(Number(gifts.at(-1)!.amount_pence)).toBe(2200);

    await provider.changeRegular(sub, { kind: 'pause' });
    await until(async () => (await now()).status === 'paused');
    await provider.changeRegular(sub, { kind: 'resume' });
    await until(async () => (await now()).status === 'active');

    // A new day: no charge now; the next payment falls on that day at noon UTC.
    const invoicesBefore = (await fake.client().invoices.list({ subscription: sub })).data.length;
    await provider.changeRegular(sub, { kind: 'day', dayOfMonth: 3 });
    const moved = fake.object<{ billing_cycle_anchor: number; trial_end: number }>(sub)!;
    expect(new Date(moved.trial_end * 1000).getUTCDate()).toBe(3);
    expect(moved.billing_cycle_anchor).toBe(moved.trial_end);
    expect((await fake.client().invoices.list({ subscription: sub })).data.length).toBe(invoicesBefore);
    await until(async () => (await now()).status === 'active');

    expect(await provider.cardExpiry(sub)).toMatch(/^\d{4}-12$/);

    await provider.changeRegular(sub, { kind: 'cancel' });
    await until(async () => (await now()).status === 'cancelled');
    expect((await now()).cancelled_at).not.toBeNull();
    // An update arriving after the cancellation never brings the gift back.
    const update = fake.events('customer.subscription.updated').find((e) => (e.data.object as { id: string }).id === sub)!;
    await fake.deliver({ ...update, id: `evt_late_${ctx.dialect}` } as typeof update);
    expect((await now()).status).toBe('cancelled');
  });

  test('events in reverse order: the payment arrives before its checkout, is parked, then applied once the checkout completes', async () => {
    fake.webhookUrl = undefined; // hold the deliveries, to send them in our own order
    let g: Awaited<ReturnType<typeof startGift>>;
    let sub: string;
    try {
      g = await startGift({ kind: 'monthly', amountPence: 1200, dayOfMonth: 5 });
      sub = (await fake.completeCheckout(g.sessionRef)).subscription as string;
    } finally {
      fake.webhookUrl = `${baseUrl}/webhooks/stripe`;
    }
    const about = (e: { data: { object: unknown } }) => JSON.stringify(e.data.object).includes(sub);
    const mine = fake.events().filter(about).reverse();
    const paid = mine.find((e) => e.type === 'invoice.paid')!;
    const completed = fake.events('checkout.session.completed').find((e) => (e.data.object as { id: string }).id === g.sessionRef)!;
    expect(mine.indexOf(paid)).toBeLessThan(mine.length);

    expect((await fake.deliver(paid)).status).toBe(200);
    expect(await stored(paid.id)).toMatchObject({ state: 'parked', applied_at: null });
    expect((await stored(paid.id))!.note).toMatch(/no record/);
    for (const e of mine) expect((await fake.deliver(e)).status).toBe(200);
    expect(await stored(paid.id)).toMatchObject({ state: 'applied' });
    expect(await stored(completed.id)).toMatchObject({ state: 'applied' });
    const regular = await regularBySub(sub);
    expect(regular.status).toBe('active');
    expect(await giftsOfRegular(Number(regular.id))).toHaveLength(1);
    // Everything once more, in any order: nothing changes.
    const before = await counts();
    for (const e of [...mine].reverse()) expect((await fake.deliver(e)).status).toBe(200);
    expect(await counts()).toEqual(before);
  });

  test('a payment Lantern never started is parked for staff, with a note in their words', async () => {
    const session = await fake.client().checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price_data: { currency: 'gbp', unit_amount: 700, product_data: { name: 'Made elsewhere' } }, quantity: 1 }],
      metadata: { lantern_checkout: '999999999' },
      success_url: 'https://example.org/ok',
    });
    const before = await counts();
    await fake.completeCheckout(session.id);
    const e = fake.events('checkout.session.completed').find((x) => (x.data.object as { id: string }).id === session.id)!;
    expect(await stored(e.id)).toMatchObject({
      state: 'parked',
      note: expect.stringContaining('A payment Lantern has no record of starting'),
    });
    const after = await counts();
    expect(after.donations).toBe(before.donations);
    expect(after.donors).toBe(before.donors);
  });

  test('a bad signature, an old one (301 s), a missing one, or a body that is not JSON: 400, and nothing stored', async () => {
    const g = await startGift({ kind: 'one_off', amountPence: 900 });
    fake.webhookUrl = undefined;
    try {
      await fake.completeCheckout(g.sessionRef);
    } finally {
      fake.webhookUrl = `${baseUrl}/webhooks/stripe`;
    }
    const e = fake.events('checkout.session.completed').find((x) => (x.data.object as { id: string }).id === g.sessionRef)!;
    const url = `${baseUrl}/webhooks/stripe`;
    const tries = [
      await fake.deliver(e, { secret: 'whsec_not_ours' }),
      await fake.deliver(e, { tamper: true }),
      await fake.deliver(e, { timestamp: Math.floor(Date.now() / 1000) - 301 }),
    ];
    for (const r of tries) {
      expect(r.status).toBe(400);
      expect(JSON.parse(r.body)).toEqual({ error: expect.any(String) });
    }
    const unsigned = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(e) });
    expect(unsigned.status).toBe(400);
    const notJson = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' },
      body: '{"a":',
    });
    expect(notJson.status).toBe(400);
    expect(await stored(e.id)).toBeUndefined();
    expect(await giftBySession(g.sessionRef)).toBeUndefined();
    // Within the tolerance (299 s) it is genuine.
    expect((await fake.deliver(e, { timestamp: Math.floor(Date.now() / 1000) - 299 })).status).toBe(200);
    expect(await giftBySession(g.sessionRef)).toMatchObject({ status: 'paid' });
  });

  test('reconciliation applies an event whose webhook never arrived, once', async () => {
    const g = await startGift({ kind: 'one_off', amountPence: 1800 });
    fake.webhookUrl = undefined;
    try {
      await fake.completeCheckout(g.sessionRef);
    } finally {
      fake.webhookUrl = `${baseUrl}/webhooks/stripe`;
    }
    expect(await giftBySession(g.sessionRef)).toBeUndefined();
    const fresh = await reconcilePaymentEvents(core(), { now: Date.now() });
    expect(fresh).toBeGreaterThan(0);
    expect(await giftBySession(g.sessionRef)).toMatchObject({ status: 'paid' });
    const e = fake.events('checkout.session.completed').find((x) => (x.data.object as { id: string }).id === g.sessionRef)!;
    expect(await stored(e.id)).toMatchObject({ source: 'reconcile', state: 'applied' });
    const before = await counts();
    expect(await reconcilePaymentEvents(core(), { now: Date.now() })).toBe(0);
    expect(await counts()).toEqual(before);
  });
});
