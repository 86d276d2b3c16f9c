import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { h } from 'preact';
import Stripe from 'stripe';
import { z } from 'zod';
import type { Core } from '../core/context.js';
import type { DbOrTrx } from '../core/db/index.js';
import type { JobHandler, RecurringJob } from '../core/jobs/worker.js';
import { getSiteSettings } from '../core/settings.js';
import { startOfMonth, utcToZonedLocal } from '../core/time.js';
import { AppError } from '../core/web/errors.js';
import { formValues } from '../core/web/forms.js';
import { personal } from '../core/web/public-forms.js';
import { anyone, get, post, type RouteTable } from '../core/web/routes.js';
import { readCheckoutDetails, sealCheckoutDetails, type CheckoutDetails } from './giving-form.js';
import type { CheckoutRequest, PaymentProvider, ProviderEvent, RegularChange } from './payments.js';
import { applyVerifiedEvent } from './payment-events.js';
import { isLiveKey, testWebhookSecret } from './payments.js';
import { findCheckoutBySession, findDonationByRef, type CheckoutRow } from './queries.js';
import { TestPaymentView } from './test-payment-views.js';

// The built-in test payment page, used when no Stripe key is set: a page on Lantern itself, clearly marked "no money
// moves", with buttons for what a donor or their bank might do (pay by card, pay by Bacs Direct Debit and later have
// the bank confirm it, have the card declined). Each press builds the events Stripe would send, in Stripe's own
// shapes, signs them with the test signing secret, verifies them as a webhook is verified and hands them to the same
// code that applies Stripe's (payment-events.ts). Its state lives in the checkout row, inside the encrypted details.
// Event ids are derived from what they are about, so pressing a button twice, or a daily run on two workers, delivers
// the same event again, which is applied once.

/** The test payment page's state for one checkout (kept in the checkout's encrypted details, under `test`). */
const TestState = z.object({
  successUrl: z.string(),
  cancelUrl: z.string(),
  description: z.string(),
  /** open: nothing pressed yet (or only declined cards); paid; pending: a Direct Debit waiting for the bank; refused. */
  outcome: z.enum(['open', 'paid', 'pending', 'refused']),
  declines: z.number().int(),
  method: z.enum(['card', 'bacs_debit']).optional(),
  customer: z.string().optional(),
  paymentIntent: z.string().optional(),
  subscription: z.string().optional(),
  invoice: z.string().optional(),
  /** When the session completed and when its payment cleared (seconds, as Stripe writes times). */
  completedAt: z.number().int().optional(),
  paidAt: z.number().int().optional(),
  cardExpires: z.string().optional(),
  /** A monthly gift's current amount, day, and whether paused or cancelled at the "provider". */
  amountPence: z.number().int().optional(),
  dayOfMonth: z.number().int().optional(),
  paused: z.boolean().optional(),
  cancelled: z.boolean().optional(),
  /** How many changes the subscription has had (each change's event id carries it). */
  changes: z.number().int().optional(),
});
export type TestState = z.output<typeof TestState>;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const rand = (n: number) => [...randomBytes(n)].map((b) => ALPHABET[b % 62]).join('');
const seconds = (ms: number) => Math.floor(ms / 1000);

/** A test session's id: `cs_test_lantern_` and 24 random letters and digits. */
export const TEST_SESSION = /^cs_test_lantern_[A-Za-z0-9]{24}$/;
const CHECKOUT_IN_REF = /^(?:pi|sub)_test_lantern_(\d{1,15})_[A-Za-z0-9]+$/;

function refuseLive(core: Core): void {
  if (isLiveKey(core.config)) throw new Error('The test payment page will not run beside a live Stripe key.');
}

// ---- state in the checkout row ----

/** The checkout with this id. */
async function findCheckoutById(db: DbOrTrx, id: number): Promise<CheckoutRow | undefined> {
  return db.selectFrom('donation_checkouts').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Replaces a checkout's details only if nobody changed them since they were read (false when somebody did). */
async function swapCheckoutDetails(db: DbOrTrx, id: number, from: string, to: string): Promise<boolean> {
  const r = await db
    .updateTable('donation_checkouts')
    .set({ details_enc: to })
    .where('id', '=', id)
    .where('details_enc', '=', from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Active test monthly gifts (subscriptions this page made): id, amount, day, subscription. */
async function activeTestRegularGifts(db: DbOrTrx) {
  return db
    .selectFrom('regular_gifts')
    .select(['id', 'amount_pence', 'day_of_month', 'subscription_ref'])
    .where('status', '=', 'active')
    .where('subscription_ref', 'like', 'sub_test_lantern_%')
    .orderBy('id')
    .execute();
}

/** Whether a monthly gift has a payment given at or after that moment. */
async function hasPaymentSince(db: DbOrTrx, regularId: number, since: number): Promise<boolean> {
  const r = await db
    .selectFrom('donations')
    .select('id')
    .where('regular_id', '=', regularId)
    .where('given_at', '>=', since)
    .executeTakeFirst();
  return r !== undefined;
}

interface Loaded {
  row: CheckoutRow;
  details: CheckoutDetails;
  state: TestState;
}

function load(core: Core, row: CheckoutRow): Loaded | undefined {
  const details = readCheckoutDetails(core.keyring, row.details_enc);
  const state = TestState.safeParse(details.test);
  return state.success ? { row, details, state: state.data } : undefined;
}

/** Saves a new state over the one loaded; false when another request changed it first. */
async function save(core: Core, l: Loaded, state: TestState): Promise<boolean> {
  const sealed = sealCheckoutDetails(core.keyring, { ...l.details, test: state });
  return swapCheckoutDetails(core.db, Number(l.row.id), l.row.details_enc, sealed);
}

/** The checkout a test payment or subscription reference belongs to, with its state. */
async function loadByRef(core: Core, ref: string): Promise<Loaded> {
  const m = CHECKOUT_IN_REF.exec(ref);
  const row = m ? await findCheckoutById(core.db, Number(m[1])) : undefined;
  const l = row ? load(core, row) : undefined;
  // Any payment of the checkout (each month's has its own), or the subscription it made.
  const ours = l !== undefined && (ref.startsWith('pi_') || l.state.subscription === ref);
  if (!ours) throw new Error('The test payment page has no record of that payment.');
  return l!;
}

// ---- Stripe's shapes (as test/helpers/fake-stripe.ts builds them) ----

type Obj = Record<string, unknown>;

function event(id: string, type: string, object: Obj, created: number): ProviderEvent & Obj {
  return {
    id,
    object: 'event',
    api_version: Stripe.API_VERSION,
    created,
    data: { object: object as ProviderEvent['data']['object'] },
    livemode: false,
    pending_webhooks: 0,
    request: { id: null, idempotency_key: null },
    type,
  };
}

function sessionObject(l: Loaded, s: TestState, paymentStatus: 'paid' | 'unpaid'): Obj {
  const monthly = l.row.kind === 'monthly';
  const amount = Number(l.row.amount_pence);
  return {
    id: l.row.session_ref,
    object: 'checkout.session',
    amount_subtotal: amount,
    amount_total: amount,
    cancel_url: s.cancelUrl,
    client_reference_id: null,
    created: seconds(Number(l.row.created_at)),
    currency: 'gbp',
    customer: s.customer ?? null,
    customer_creation: monthly ? 'always' : 'if_required',
    customer_details: {
      address: { city: null, country: 'GB', line1: null, line2: null, postal_code: null, state: null },
      email: l.details.email,
      name: l.details.name,
      phone: null,
      tax_exempt: 'none',
      tax_ids: [],
    },
    customer_email: l.details.email,
    expires_at: seconds(Number(l.row.created_at)) + 86_400,
    invoice: monthly ? (s.invoice ?? null) : null,
    livemode: false,
    metadata: { lantern_checkout: String(l.row.id) },
    mode: monthly ? 'subscription' : 'payment',
    payment_intent: monthly ? null : (s.paymentIntent ?? null),
    payment_method_types: ['card', 'bacs_debit'],
    payment_status: paymentStatus,
    status: 'complete',
    subscription: monthly ? (s.subscription ?? null) : null,
    success_url: s.successUrl,
    ui_mode: 'hosted',
    url: null,
  };
}

/** The date the next `day` of a month falls on (at noon UTC), in seconds: how a billing anchor is set. */
function nextDay(day: number, fromMs: number): number {
  const from = new Date(fromMs);
  let at = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), day, 12);
  if (at <= fromMs) at = Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, day, 12);
  return seconds(at);
}

function subscriptionObject(l: Loaded, s: TestState, nowMs: number): Obj {
  const sub = s.subscription!;
  const amount = s.amountPence ?? Number(l.row.amount_pence);
  const anchor = nextDay(s.dayOfMonth ?? Number(l.row.day_of_month ?? 1), nowMs);
  const price = {
    id: `price_test_${sub.slice(17)}_${amount}`,
    object: 'price',
    active: true,
    currency: 'gbp',
    product: `prod_test_${sub.slice(17)}`,
    recurring: { interval: 'month', interval_count: 1, meter: null, trial_period_days: null, usage_type: 'licensed' },
    type: 'recurring',
    unit_amount: amount,
    unit_amount_decimal: String(amount),
  };
  const cancelled = s.cancelled === true;
  return {
    id: sub,
    object: 'subscription',
    billing_cycle_anchor: anchor,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: cancelled ? seconds(nowMs) : null,
    cancellation_details: { comment: null, feedback: null, reason: cancelled ? 'cancellation_requested' : null },
    collection_method: 'charge_automatically',
    created: s.completedAt ?? seconds(nowMs),
    currency: 'gbp',
    customer: s.customer ?? null,
    default_payment_method: `pm_test_${sub.slice(17)}`,
    description: s.description,
    ended_at: cancelled ? seconds(nowMs) : null,
    items: {
      object: 'list',
      data: [
        {
          id: `si_test_${sub.slice(17)}`,
          object: 'subscription_item',
          current_period_end: anchor,
          current_period_start: anchor - 30 * 86_400,
          price,
          quantity: 1,
          subscription: sub,
        },
      ],
      has_more: false,
    },
    latest_invoice: s.invoice ?? null,
    livemode: false,
    metadata: { lantern_checkout: String(l.row.id) },
    pause_collection: s.paused ? { behavior: 'void', resumes_at: null } : null,
    start_date: s.completedAt ?? seconds(nowMs),
    status: cancelled ? 'canceled' : 'active',
  };
}

function invoiceObject(
  l: Loaded,
  s: TestState,
  o: { id: string; paymentIntent: string; amount: number; paidAt: number; first: boolean },
): Obj {
  const sub = s.subscription!;
  const payment = {
    id: `inpay_${o.id.slice(3)}`,
    object: 'invoice_payment',
    amount_paid: o.amount,
    amount_requested: o.amount,
    currency: 'gbp',
    invoice: o.id,
    is_default: true,
    livemode: false,
    payment: { type: 'payment_intent', payment_intent: o.paymentIntent },
    status: 'paid',
    status_transitions: { canceled_at: null, paid_at: o.paidAt },
  };
  return {
    id: o.id,
    object: 'invoice',
    account_country: 'GB',
    amount_due: o.amount,
    amount_paid: o.amount,
    amount_remaining: 0,
    attempt_count: 1,
    attempted: true,
    billing_reason: o.first ? 'subscription_create' : 'subscription_cycle',
    collection_method: 'charge_automatically',
    created: o.paidAt,
    currency: 'gbp',
    customer: s.customer ?? null,
    customer_email: l.details.email,
    customer_name: l.details.name,
    livemode: false,
    metadata: {},
    parent: {
      type: 'subscription_details',
      subscription_details: { metadata: { lantern_checkout: String(l.row.id) }, subscription: sub },
    },
    payments: { object: 'list', data: [payment], has_more: false },
    period_end: o.paidAt,
    period_start: o.paidAt,
    status: 'paid',
    status_transitions: { finalized_at: o.paidAt, marked_uncollectible_at: null, paid_at: o.paidAt, voided_at: null },
    subtotal: o.amount,
    total: o.amount,
  };
}

// ---- the provider ----

/** Signs an event with the test secret, verifies it as a webhook would be, and applies it. */
async function deliver(core: Core, provider: PaymentProvider, e: ProviderEvent): Promise<void> {
  const payload = JSON.stringify(e, null, 2);
  const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: testWebhookSecret(core) });
  await applyVerifiedEvent(core, provider.verifyWebhook(Buffer.from(payload), header), { source: 'test' });
}

const providers = new WeakMap<Core, PaymentProvider>();

/**
 * The built-in test payment page as a payment provider (mode 'test'): no money moves. It refuses to be made, or
 * used, where a live Stripe key is set.
 */
export function createTestProvider(core: Core): PaymentProvider {
  refuseLive(core);
  const known = providers.get(core);
  if (known) return known;
  const provider: PaymentProvider = {
    mode: 'test',

    async createCheckout(req: CheckoutRequest) {
      refuseLive(core);
      const row = /^\d{1,15}$/.test(req.checkoutRef) ? await findCheckoutById(core.db, Number(req.checkoutRef)) : undefined;
      if (!row) throw new Error('The test payment page has no record of that checkout.');
      const sessionRef = `cs_test_lantern_${rand(24)}`;
      const details = readCheckoutDetails(core.keyring, row.details_enc);
      const state: TestState = {
        successUrl: req.successUrl,
        cancelUrl: req.cancelUrl,
        description: req.description,
        outcome: 'open',
        declines: 0,
      };
      const sealed = sealCheckoutDetails(core.keyring, { ...details, test: state });
      if (!(await swapCheckoutDetails(core.db, Number(row.id), row.details_enc, sealed)))
        throw new Error('The checkout changed while the test payment page was being made.');
      return { sessionRef, url: `${core.config.baseUrl}/donate/test-payment/${sessionRef}` };
    },

    async changeRegular(subscriptionRef: string, change: RegularChange) {
      refuseLive(core);
      const l = await loadByRef(core, subscriptionRef);
      const s = { ...l.state };
      if (s.cancelled) throw new Error('That monthly gift was already cancelled.');
      if (change.kind === 'amount') s.amountPence = change.amountPence;
      else if (change.kind === 'day') s.dayOfMonth = change.dayOfMonth;
      else if (change.kind === 'pause') s.paused = true;
      else if (change.kind === 'resume') s.paused = false;
      else s.cancelled = true;
      s.changes = (s.changes ?? 0) + 1;
      if (!(await save(core, l, s))) throw new Error('The monthly gift changed at the same moment; please try again.');
      const now = Date.now();
      const type = s.cancelled ? 'customer.subscription.deleted' : 'customer.subscription.updated';
      const e = event(`evt_test_${subscriptionRef.slice(4)}_c${s.changes}`, type, subscriptionObject(l, s, now), seconds(now));
      await deliver(core, provider, e);
    },

    async refund(paymentRef: string, amountPence: number) {
      refuseLive(core);
      await loadByRef(core, paymentRef);
      const gift = await findDonationByRef(core.db, { payment: paymentRef });
      if (!gift) throw new Error('The test payment page has no record of that payment.');
      const amount = Number(gift.amount_pence);
      const refunded = Number(gift.refunded_pence) + amountPence;
      if (!Number.isInteger(amountPence) || amountPence <= 0 || refunded > amount)
        throw new Error('The refund is more than is left of the payment.');
      const charge = `ch_${paymentRef.slice(3)}`;
      const object = {
        id: charge,
        object: 'charge',
        amount,
        amount_captured: amount,
        amount_refunded: refunded,
        captured: true,
        currency: 'gbp',
        disputed: false,
        livemode: false,
        metadata: {},
        paid: true,
        payment_intent: paymentRef,
        refunded: refunded === amount,
        status: 'succeeded',
      };
      await deliver(core, provider, event(`evt_test_${charge.slice(3)}_r${refunded}`, 'charge.refunded', object, seconds(Date.now())));
    },

    // The test page's invoice events carry their payment, so the job that asks for it never runs in test mode.
    async invoicePayment(_invoiceRef: string) {
      refuseLive(core);
      return undefined;
    },

    async cardExpiry(subscriptionRef: string) {
      refuseLive(core);
      return (await loadByRef(core, subscriptionRef)).state.cardExpires;
    },

    // Events of the test page are applied the moment they happen: there is never anything to catch up on.
    async *eventsSince(_since: number): AsyncIterable<ProviderEvent> {
      refuseLive(core);
    },

    verifyWebhook(rawBody: Buffer, signature: string | undefined, now?: number): ProviderEvent {
      refuseLive(core);
      const e = Stripe.webhooks.constructEvent(rawBody, signature ?? '', testWebhookSecret(core), 300, undefined, now);
      return e as unknown as ProviderEvent;
    },
  };
  providers.set(core, provider);
  return provider;
}

// ---- what the buttons do ----

/** What a button on the test payment page does. */
export type TestAction = 'card' | 'bacs' | 'decline' | 'confirm' | 'refuse';

/** Where a test session stands, for the page. */
export interface TestSession {
  sessionRef: string;
  kind: 'one_off' | 'monthly';
  amountPence: number;
  dayOfMonth: number | null;
  description: string;
  outcome: TestState['outcome'];
  method: TestState['method'];
  declines: number;
  successUrl: string;
  cancelUrl: string;
}

/** A test session as its page shows it, or undefined when there is none (or it is not the test page's). */
export async function findTestSession(core: Core, sessionRef: string): Promise<TestSession | undefined> {
  if (!TEST_SESSION.test(sessionRef)) return undefined;
  const row = await findCheckoutBySession(core.db, sessionRef);
  const l = row ? load(core, row) : undefined;
  if (!l) return undefined;
  return {
    sessionRef,
    kind: l.row.kind,
    amountPence: Number(l.row.amount_pence),
    dayOfMonth: l.row.day_of_month === null ? null : Number(l.row.day_of_month),
    description: l.state.description,
    outcome: l.state.outcome,
    method: l.state.method,
    declines: l.state.declines,
    successUrl: l.state.successUrl.replace('{CHECKOUT_SESSION_ID}', sessionRef),
    cancelUrl: l.state.cancelUrl,
  };
}

/** Why a button cannot be pressed now, in words for the page. */
export class TestActionRefused extends Error {
  override name = 'TestActionRefused';
}

/** The events that bring a session to its state (the same ids every time, so a second delivery changes nothing). */
function eventsFor(l: Loaded, s: TestState, nowMs: number): ProviderEvent[] {
  const completedAt = s.completedAt ?? seconds(nowMs);
  const sessionRef = l.row.session_ref;
  const unpaid = s.method === 'bacs_debit';
  const out: ProviderEvent[] = [
    event(
      `evt_test_${sessionRef.slice(8)}_completed`,
      'checkout.session.completed',
      sessionObject(l, s, unpaid ? 'unpaid' : 'paid'),
      completedAt,
    ),
  ];
  const cleared = s.outcome === 'paid' && s.paidAt !== undefined;
  if (l.row.kind === 'monthly' && cleared) {
    const invoice = invoiceObject(l, s, {
      id: s.invoice!,
      paymentIntent: s.paymentIntent!,
      amount: Number(l.row.amount_pence),
      paidAt: s.paidAt!,
      first: true,
    });
    out.push(event(`evt_test_${s.invoice!.slice(3)}_paid`, 'invoice.paid', invoice, s.paidAt!));
  }
  if (unpaid && (cleared || s.outcome === 'refused')) {
    const type = cleared ? 'checkout.session.async_payment_succeeded' : 'checkout.session.async_payment_failed';
    const at = s.paidAt ?? seconds(nowMs);
    out.push(
      event(
        `evt_test_${sessionRef.slice(8)}_${cleared ? 'cleared' : 'refused'}`,
        type,
        sessionObject(l, s, cleared ? 'paid' : 'unpaid'),
        at,
      ),
    );
  }
  return out;
}

/**
 * Presses a button on the test payment page: changes the session's state (once: a second press of the same button
 * delivers the same events again, which change nothing) and delivers the events Stripe would send. Returns where the
 * donor goes next: the thank-you page after paying, or back to the test page.
 */
export async function pressTestButton(
  core: Core,
  sessionRef: string,
  action: TestAction,
  o: { now: number },
): Promise<'thank-you' | 'page'> {
  refuseLive(core);
  const row = TEST_SESSION.test(sessionRef) ? await findCheckoutBySession(core.db, sessionRef) : undefined;
  const l = row ? load(core, row) : undefined;
  if (!l) throw new TestActionRefused('There is no such test payment.');
  const provider = createTestProvider(core);
  const s: TestState = { ...l.state };
  const id = Number(l.row.id);
  const monthly = l.row.kind === 'monthly';
  const now = seconds(o.now);

  if (action === 'decline') {
    if (s.outcome !== 'open') throw new TestActionRefused('This payment has already been made.');
    s.declines += 1;
    if (!(await save(core, l, s)))
      throw new TestActionRefused('Something else happened to this payment at the same moment. Please look again.');
    // Checkout keeps the donor on its page after a decline; for a one-off gift Stripe also reports the failed attempt.
    if (!monthly) {
      const pi = {
        id: `pi_test_lantern_${id}_d${s.declines}`,
        object: 'payment_intent',
        amount: Number(l.row.amount_pence),
        currency: 'gbp',
        last_payment_error: { type: 'card_error', code: 'card_declined', message: 'Your card was declined.' },
        livemode: false,
        metadata: { lantern_checkout: String(id) },
        status: 'requires_payment_method',
      };
      await deliver(core, provider, event(`evt_test_${pi.id.slice(3)}_failed`, 'payment_intent.payment_failed', pi, now));
    }
    return 'page';
  }

  if (action === 'card' || action === 'bacs') {
    const method = action === 'card' ? 'card' : 'bacs_debit';
    if (s.outcome === 'open') {
      s.method = method;
      s.completedAt = now;
      s.customer = `cus_test_lantern_${id}_${rand(8)}`;
      s.paymentIntent = `pi_test_lantern_${id}_${rand(14)}`;
      if (monthly) {
        s.subscription = `sub_test_lantern_${id}_${rand(14)}`;
        s.invoice = `in_test_lantern_${id}_${rand(14)}`;
        s.amountPence = Number(l.row.amount_pence);
        s.dayOfMonth = Number(l.row.day_of_month ?? 1);
      }
      if (method === 'card') {
        s.outcome = 'paid';
        s.paidAt = now;
        s.cardExpires = `${new Date(o.now).getUTCFullYear() + 2}-03`;
      } else s.outcome = 'pending';
      if (!(await save(core, l, s)))
        throw new TestActionRefused('Something else happened to this payment at the same moment. Please look again.');
    } else if (s.method !== method) throw new TestActionRefused('This payment has already been made another way.');
    for (const e of eventsFor(l, s, o.now)) await deliver(core, provider, e);
    return 'thank-you';
  }

  // The bank's answer to a Direct Debit.
  if (s.method !== 'bacs_debit' || s.outcome === 'open') throw new TestActionRefused('There is no Direct Debit waiting for the bank here.');
  if (s.outcome === 'pending') {
    if (action === 'confirm') {
      s.outcome = 'paid';
      s.paidAt = now;
    } else s.outcome = 'refused';
    if (!(await save(core, l, s)))
      throw new TestActionRefused('Something else happened to this payment at the same moment. Please look again.');
  } else if ((s.outcome === 'paid') !== (action === 'confirm')) throw new TestActionRefused('The bank has already answered.');
  for (const e of eventsFor(l, s, o.now)) await deliver(core, provider, e);
  return 'page';
}

/**
 * Takes this month's payment of every active test monthly gift whose day has come and that has no payment yet this
 * month (the organisation's calendar): emits invoice.paid as Stripe would. Does nothing where Stripe is configured.
 * Returns how many were taken.
 */
export async function chargeDueTestGifts(core: Core, o: { now: number }): Promise<number> {
  if (core.config.stripe) return 0;
  const site = await getSiteSettings(core.db);
  const today = Number(utcToZonedLocal(o.now, site.timeZone).slice(8, 10));
  const month = utcToZonedLocal(o.now, site.timeZone).slice(0, 7).replace('-', '');
  const monthStart = startOfMonth(o.now, site.timeZone);
  const provider = createTestProvider(core);
  let taken = 0;
  for (const gift of await activeTestRegularGifts(core.db)) {
    if (Number(gift.day_of_month) > today) continue;
    if (await hasPaymentSince(core.db, Number(gift.id), monthStart)) continue;
    const l = await loadByRef(core, gift.subscription_ref!).catch(() => undefined);
    if (!l || l.state.cancelled || l.state.paused) continue;
    const checkoutId = Number(l.row.id);
    const invoiceId = `in_test_lantern_${checkoutId}_m${month}`;
    const invoice = invoiceObject(l, l.state, {
      id: invoiceId,
      paymentIntent: `pi_test_lantern_${checkoutId}_m${month}`,
      amount: l.state.amountPence ?? Number(gift.amount_pence),
      paidAt: seconds(o.now),
      first: false,
    });
    await deliver(core, provider, event(`evt_test_${invoiceId.slice(3)}_paid`, 'invoice.paid', invoice, seconds(o.now)));
    taken++;
  }
  return taken;
}

/** The test payment page's job handlers. */
export function testPaymentJobs(core: Core): Record<string, JobHandler> {
  return {
    chargeDueTestGifts: async () => {
      await chargeDueTestGifts(core, { now: Date.now() });
    },
  };
}

/** The test payment page's recurring job (daily). */
export const testPaymentRecurring: RecurringJob[] = [{ name: 'chargeDueTestGifts', everyMs: 24 * 3600_000 }];

// ---- the page ----

/** The test payment page's routes (answered only where no Stripe key is set). */
export const testPaymentRoutes: RouteTable = [
  get('/donate/test-payment/:session', anyone, showTestPayment),
  post('/donate/test-payment/:session', anyone, pressButton, { config: { rateLimit: { max: 30, timeWindow: '1 minute' } } }),
];

const SessionParams = z.object({ session: z.string().max(100) });
const ButtonForm = z.object({ do: z.enum(['card', 'bacs', 'decline', 'confirm', 'refuse']) });

const NOTICES: Readonly<Record<string, string>> = {
  declined: 'The card was declined (test). No money was taken. Try again, or pay another way.',
  confirmed: 'The bank confirmed the Direct Debit (test).',
  refused: 'The bank refused the Direct Debit (test).',
};

function testModeOnly(core: Core): void {
  if (core.config.stripe)
    throw new AppError(404, 'not_found', 'There is no test payment page here: this site takes real payments through Stripe.');
}

async function sessionOf(req: FastifyRequest, core: Core): Promise<TestSession> {
  const p = SessionParams.safeParse(req.params);
  const found = p.success ? await findTestSession(core, p.data.session) : undefined;
  if (!found) throw new AppError(404, 'not_found', 'There is no such test payment. The link may have been copied only in part.');
  return found;
}

async function showTestPayment(req: FastifyRequest, reply: FastifyReply, core: Core, o: { error?: string; status?: number } = {}) {
  testModeOnly(core);
  const session = await sessionOf(req, core);
  const done = formValues(req.query).done;
  return personal(reply).page({
    title: 'Test payment: no money moves',
    status: o.status ?? 200,
    body: h(TestPaymentView, { session, csrf: req.csrfToken(), notice: done ? NOTICES[done] : undefined, error: o.error }),
  });
}

async function pressButton(req: FastifyRequest, reply: FastifyReply, core: Core) {
  testModeOnly(core);
  const session = await sessionOf(req, core);
  const form = ButtonForm.safeParse(formValues(req.body));
  if (!form.success) return showTestPayment(req, reply, core, { error: 'Please use one of the buttons on this page.', status: 422 });
  let next: 'thank-you' | 'page';
  try {
    next = await pressTestButton(core, session.sessionRef, form.data.do, { now: Date.now() });
  } catch (err) {
    if (err instanceof TestActionRefused) return showTestPayment(req, reply, core, { error: err.message, status: 409 });
    throw err;
  }
  if (next === 'thank-you') return reply.redirect(session.successUrl, 303);
  const done = { decline: 'declined', confirm: 'confirmed', refuse: 'refused' }[form.data.do as string] ?? '';
  return reply.redirect(`/donate/test-payment/${session.sessionRef}${done ? `?done=${done}` : ''}`, 303);
}
