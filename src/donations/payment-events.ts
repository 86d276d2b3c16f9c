import type { Core } from '../core/context.js';
import type { Trx } from '../core/db/index.js';
import { readCheckoutDetails } from './giving-form.js';
import type { PaymentMethod, RegularStatus } from './model.js';
import {
  claimParkedEvent,
  findCheckoutById,
  insertPaymentEventOnce,
  parkedEventPayloads,
  regularHasPayment,
  setPaymentEventOutcome,
  type PaymentEventState,
} from './payment-queries.js';
import type { ProviderEvent } from './payments.js';
import {
  completeCheckout,
  findDonationByRef,
  findDonorById,
  findRegularBySubscription,
  insertDonation,
  insertRegularGift,
  updateDonation,
  updateDonor,
  updateRegularGift,
  type CheckoutRow,
} from './queries.js';
import { findOrCreateDonor, recordDeclaration } from './records.js';

// Applies the payment provider's events (Stripe's, or the test payment page's in Stripe's shapes) to Lantern's records,
// exactly once and in any order. Each event is stored (unique on its id) and applied in one transaction, so a replay,
// a retry after a crash or the reconciliation job finding it again changes nothing. An event about something Lantern
// does not know yet (a monthly payment before the checkout that started the gift) is parked, and tried again whenever a
// checkout completes and by the reconciliation job; staff see the parked ones.
// Nothing in a transaction here touches core.db: SQLite has one connection, which the transaction holds.

/** What became of an event. */
export type EventOutcome = 'applied' | 'parked' | 'ignored' | 'duplicate';

type Obj = Record<string, unknown>;
interface Applied {
  state: PaymentEventState;
  note: string;
  /** A checkout completed: parked events may now apply. */
  retryParked?: boolean;
}

const applied = (note = ''): Applied => ({ state: 'applied', note });
const parked = (note: string): Applied => ({ state: 'parked', note });

// ---- reading Stripe's open-ended JSON ----

const str = (o: Obj | undefined, k: string): string | undefined => (typeof o?.[k] === 'string' ? (o[k] as string) : undefined);
const num = (o: Obj | undefined, k: string): number | undefined =>
  typeof o?.[k] === 'number' && Number.isFinite(o[k]) ? (o[k] as number) : undefined;
const obj = (o: Obj | undefined, k: string): Obj | undefined =>
  o?.[k] !== null && typeof o?.[k] === 'object' && !Array.isArray(o[k]) ? (o[k] as Obj) : undefined;
/** An id field that may have been expanded into its object. */
const ref = (o: Obj | undefined, k: string): string | undefined => str(o, k) ?? str(obj(o, k), 'id');
const firstOf = (o: Obj | undefined, k: string): Obj | undefined => {
  const data = obj(o, k)?.data;
  return Array.isArray(data) && data[0] && typeof data[0] === 'object' ? (data[0] as Obj) : undefined;
};

/** The subscription an invoice is for (where this API version puts it, or where older ones did). */
function invoiceSubscription(inv: Obj): string | undefined {
  return ref(obj(obj(inv, 'parent'), 'subscription_details'), 'subscription') ?? ref(inv, 'subscription');
}

/** The payment behind an invoice, when the event carries it. */
function invoicePaymentIntent(inv: Obj): string | undefined {
  return ref(obj(firstOf(inv, 'payments'), 'payment'), 'payment_intent') ?? ref(inv, 'payment_intent');
}

const NOTES = {
  unknownCheckout: 'A payment Lantern has no record of starting. Look for it in Stripe, and record it by hand if it is a gift.',
  unknownRegular: 'A monthly payment for a monthly gift Lantern has no record of yet. It is tried again when the gift is recorded.',
  unknownPayment: 'About a payment Lantern has no record of yet. It is tried again when the payment is recorded.',
  unknownGift: 'A Direct Debit answer for a gift Lantern has no record of yet. It is tried again when the gift is recorded.',
} as const;

// ---- the kinds of event ----

async function checkoutOf(trx: Trx, s: Obj): Promise<CheckoutRow | undefined> {
  const id = str(obj(s, 'metadata'), 'lantern_checkout');
  return id && /^\d{1,15}$/.test(id) ? findCheckoutById(trx, Number(id)) : undefined;
}

async function checkoutCompleted(core: Core, trx: Trx, e: ProviderEvent, s: Obj, now: number): Promise<Applied> {
  const checkout = await checkoutOf(trx, s);
  if (!checkout) return parked(NOTES.unknownCheckout);
  if (checkout.state === 'completed') return applied('The gift was already recorded.');
  const details = readCheckoutDetails(core.keyring, checkout.details_enc);
  const donor = await findOrCreateDonor(trx, core.keyring, { email: details.email, name: details.name, now });
  const customer = ref(s, 'customer');
  if (customer) {
    const row = await findDonorById(trx, donor.id);
    if (row && row.customer_ref === null) await updateDonor(trx, donor.id, { customer_ref: customer, updated_at: now });
  }
  const g = details.giftAid;
  if (g) {
    await recordDeclaration(trx, core.keyring, {
      donorId: donor.id,
      wordingVersion: g.wordingVersion,
      title: g.title,
      firstName: g.firstName,
      lastName: g.lastName,
      house: g.house,
      address: g.address,
      postcode: g.postcode,
      channel: 'online',
      madeAt: Number(checkout.created_at),
      coversPastFourYears: g.pastFourYears,
      recordedBy: null,
      now,
    });
  }
  // A Direct Debit is not paid when the session completes: Stripe says 'unpaid' until the bank confirms it.
  const paid = str(s, 'payment_status') !== 'unpaid';
  const method: PaymentMethod = paid ? 'card' : 'bacs_debit';
  const sessionRef = str(s, 'id') ?? checkout.session_ref;
  const fundId = checkout.fund_id === null ? null : Number(checkout.fund_id);
  if (checkout.kind === 'one_off') {
    if (!(await findDonationByRef(trx, { checkout: sessionRef }))) {
      const donationId = await insertDonation(trx, {
        donor_id: donor.id,
        fund_id: fundId,
        regular_id: null,
        kind: 'one_off',
        channel: 'online',
        method,
        status: paid ? 'paid' : 'pending',
        amount_pence: num(s, 'amount_total') ?? Number(checkout.amount_pence),
        refunded_pence: 0,
        given_at: e.created * 1000,
        gift_aid: g ? 1 : 0,
        from_company: 0,
        benefit_pence: 0,
        message_enc: details.message ? core.keyring.encrypt(details.message) : null,
        checkout_ref: sessionRef,
        payment_ref: ref(s, 'payment_intent') ?? null,
        invoice_ref: null,
        reference: '',
        claim_id: null,
        recorded_by: null,
        created_at: now,
        updated_at: now,
      });
      if (paid) await core.queue.enqueue(trx, 'sendDonationReceipt', { donationId });
    }
  } else {
    const subscription = ref(s, 'subscription');
    if (subscription && !(await findRegularBySubscription(trx, subscription))) {
      const regularId = await insertRegularGift(trx, {
        donor_id: donor.id,
        fund_id: fundId,
        amount_pence: Number(checkout.amount_pence),
        day_of_month: checkout.day_of_month === null ? new Date(e.created * 1000).getUTCDate() : Number(checkout.day_of_month),
        status: paid ? 'active' : 'pending',
        method,
        gift_aid: g ? 1 : 0,
        subscription_ref: subscription,
        card_expires: null,
        expiry_notice_for: null,
        failed_at: null,
        started_at: e.created * 1000,
        cancelled_at: null,
        created_at: now,
        updated_at: now,
      });
      if (paid) await core.queue.enqueue(trx, 'readCardExpiry', { regularId });
    }
  }
  if (details.optIn) await core.queue.enqueue(trx, 'signDonorUpForNewsletter', { checkoutId: Number(checkout.id) });
  await completeCheckout(trx, Number(checkout.id), { donorId: donor.id, now });
  return { ...applied(), retryParked: true };
}

async function asyncPaymentSettled(
  core: Core,
  trx: Trx,
  e: ProviderEvent,
  s: Obj,
  o: { succeeded: boolean; now: number },
): Promise<Applied> {
  if (str(s, 'mode') === 'subscription') {
    const subscription = ref(s, 'subscription');
    const regular = subscription ? await findRegularBySubscription(trx, subscription) : undefined;
    if (!regular) return parked(NOTES.unknownGift);
    if (regular.status !== 'pending') return applied();
    const set = o.succeeded ? { status: 'active' as const } : { status: 'past_due' as const, failed_at: e.created * 1000 };
    await updateRegularGift(trx, Number(regular.id), { ...set, updated_at: o.now });
    if (o.succeeded) await core.queue.enqueue(trx, 'readCardExpiry', { regularId: Number(regular.id) });
    return applied();
  }
  const sessionRef = str(s, 'id');
  const gift = sessionRef ? await findDonationByRef(trx, { checkout: sessionRef }) : undefined;
  if (!gift) return parked(NOTES.unknownGift);
  if (gift.status !== 'pending') return applied();
  if (o.succeeded) {
    // The day the bank confirmed the Direct Debit is the day the money was given.
    await updateDonation(trx, Number(gift.id), { status: 'paid', given_at: e.created * 1000, updated_at: o.now });
    await core.queue.enqueue(trx, 'sendDonationReceipt', { donationId: Number(gift.id) });
  } else await updateDonation(trx, Number(gift.id), { status: 'failed', updated_at: o.now });
  return applied();
}

async function invoicePaid(core: Core, trx: Trx, e: ProviderEvent, inv: Obj, now: number): Promise<Applied> {
  const subscription = invoiceSubscription(inv);
  const regular = subscription ? await findRegularBySubscription(trx, subscription) : undefined;
  if (!regular) return parked(NOTES.unknownRegular);
  const regularId = Number(regular.id);
  const invoiceRef = str(inv, 'id');
  const amount = num(inv, 'amount_paid') ?? 0;
  // A £0 invoice (a free stretch before the first billing day) is no gift.
  if (invoiceRef && amount > 0 && !(await findDonationByRef(trx, { invoice: invoiceRef }))) {
    const first = !(await regularHasPayment(trx, regularId));
    const paymentIntent = invoicePaymentIntent(inv);
    const taken = paymentIntent ? await findDonationByRef(trx, { payment: paymentIntent }) : undefined;
    const paidAt = num(obj(inv, 'status_transitions'), 'paid_at') ?? e.created;
    const donationId = await insertDonation(trx, {
      donor_id: Number(regular.donor_id),
      fund_id: regular.fund_id === null ? null : Number(regular.fund_id),
      regular_id: regularId,
      kind: 'monthly',
      channel: 'online',
      method: regular.method,
      status: 'paid',
      amount_pence: amount,
      refunded_pence: 0,
      given_at: paidAt * 1000,
      gift_aid: regular.gift_aid,
      from_company: 0,
      benefit_pence: 0,
      message_enc: null,
      checkout_ref: null,
      payment_ref: taken ? null : (paymentIntent ?? null),
      invoice_ref: invoiceRef,
      reference: '',
      claim_id: null,
      recorded_by: null,
      created_at: now,
      updated_at: now,
    });
    if (first) await core.queue.enqueue(trx, 'sendDonationReceipt', { donationId });
    // Stripe's invoice events leave the payment out: a job asks for it, so this month's refund finds its gift.
    if (!paymentIntent && !taken) await core.queue.enqueue(trx, 'readInvoicePayment', { donationId }, { maxAttempts: 20 });
  }
  const status: RegularStatus = regular.status === 'pending' || regular.status === 'past_due' ? 'active' : regular.status;
  await updateRegularGift(trx, regularId, { status, failed_at: null, updated_at: now });
  return applied();
}

async function invoiceFailed(core: Core, trx: Trx, e: ProviderEvent, inv: Obj, now: number): Promise<Applied> {
  const subscription = invoiceSubscription(inv);
  const regular = subscription ? await findRegularBySubscription(trx, subscription) : undefined;
  if (!regular) return parked(NOTES.unknownRegular);
  if (regular.status === 'cancelled') return applied();
  await updateRegularGift(trx, Number(regular.id), { status: 'past_due', failed_at: e.created * 1000, updated_at: now });
  await core.queue.enqueue(trx, 'tellStaffOfFailedPayment', { regularId: Number(regular.id) });
  return applied();
}

async function chargeRefunded(trx: Trx, ch: Obj, now: number): Promise<Applied> {
  const paymentIntent = ref(ch, 'payment_intent');
  const gift = paymentIntent ? await findDonationByRef(trx, { payment: paymentIntent }) : undefined;
  if (!gift) return parked(NOTES.unknownPayment);
  const amount = Number(gift.amount_pence);
  // Refunds only grow, so an older event arriving late never undoes a newer one.
  const refunded = Math.min(amount, Math.max(Number(gift.refunded_pence), num(ch, 'amount_refunded') ?? 0));
  const status = refunded >= amount ? 'refunded' : gift.status;
  await updateDonation(trx, Number(gift.id), { refunded_pence: refunded, status, updated_at: now });
  return applied();
}

async function disputeChanged(trx: Trx, d: Obj, o: { closed: boolean; now: number }): Promise<Applied> {
  const paymentIntent = ref(d, 'payment_intent');
  const gift = paymentIntent ? await findDonationByRef(trx, { payment: paymentIntent }) : undefined;
  if (!gift) return parked(NOTES.unknownPayment);
  const amount = Number(gift.amount_pence);
  if (!o.closed) {
    await updateDonation(trx, Number(gift.id), { status: 'disputed', updated_at: o.now });
    return applied();
  }
  if (str(d, 'status') === 'lost') {
    // The bank gave the money back to the donor: for the accounts and Gift Aid it is as good as refunded.
    const refunded = Math.min(amount, Math.max(Number(gift.refunded_pence), num(d, 'amount') ?? amount));
    await updateDonation(trx, Number(gift.id), { status: 'refunded', refunded_pence: refunded, updated_at: o.now });
  } else {
    const status = Number(gift.refunded_pence) >= amount ? 'refunded' : 'paid';
    await updateDonation(trx, Number(gift.id), { status, updated_at: o.now });
  }
  return applied();
}

async function subscriptionChanged(trx: Trx, sub: Obj, o: { deleted: boolean; now: number }): Promise<Applied> {
  const id = str(sub, 'id');
  const regular = id ? await findRegularBySubscription(trx, id) : undefined;
  if (!regular) return parked(NOTES.unknownRegular);
  if (regular.status === 'cancelled') return applied('The monthly gift was already cancelled.');
  const regularId = Number(regular.id);
  const stripeStatus = str(sub, 'status');
  if (o.deleted || stripeStatus === 'canceled') {
    const at = num(sub, 'canceled_at');
    await updateRegularGift(trx, regularId, { status: 'cancelled', cancelled_at: at ? at * 1000 : o.now, updated_at: o.now });
    return applied();
  }
  const amount = num(obj(firstOf(sub, 'items'), 'price'), 'unit_amount');
  let status: RegularStatus = regular.status;
  if (obj(sub, 'pause_collection')) status = 'paused';
  else if (stripeStatus === 'past_due' || stripeStatus === 'unpaid') status = 'past_due';
  else if ((stripeStatus === 'active' || stripeStatus === 'trialing') && (status === 'paused' || status === 'past_due')) status = 'active';
  await updateRegularGift(trx, regularId, {
    ...(amount !== undefined && amount > 0 ? { amount_pence: amount } : {}),
    status,
    updated_at: o.now,
  });
  return applied();
}

async function applyByType(core: Core, trx: Trx, e: ProviderEvent, now: number): Promise<Applied> {
  const o = e.data.object as Obj;
  switch (e.type) {
    case 'checkout.session.completed':
      return checkoutCompleted(core, trx, e, o, now);
    case 'checkout.session.async_payment_succeeded':
      return asyncPaymentSettled(core, trx, e, o, { succeeded: true, now });
    case 'checkout.session.async_payment_failed':
      return asyncPaymentSettled(core, trx, e, o, { succeeded: false, now });
    case 'invoice.paid':
      return invoicePaid(core, trx, e, o, now);
    case 'invoice.payment_failed':
      return invoiceFailed(core, trx, e, o, now);
    case 'charge.refunded':
      return chargeRefunded(trx, o, now);
    case 'charge.dispute.created':
      return disputeChanged(trx, o, { closed: false, now });
    case 'charge.dispute.closed':
      return disputeChanged(trx, o, { closed: true, now });
    case 'customer.subscription.updated':
      return subscriptionChanged(trx, o, { deleted: false, now });
    case 'customer.subscription.deleted':
      return subscriptionChanged(trx, o, { deleted: true, now });
    default:
      return { state: 'ignored', note: '' };
  }
}

// ---- storing and applying ----

/**
 * Stores a verified event once and applies it in the same transaction: 'duplicate' when it was already stored (nothing
 * changes), 'parked' when it is about something Lantern does not know yet, 'ignored' for a kind Lantern does not use.
 * A completed checkout then retries the parked events, which may now apply.
 */
export async function applyVerifiedEvent(
  core: Core,
  event: ProviderEvent,
  o: { source: 'webhook' | 'reconcile' | 'test' },
): Promise<EventOutcome> {
  const now = Date.now();
  const payloadEnc = core.keyring.encrypt(JSON.stringify(event));
  const result = await core.db.transaction().execute(async (trx) => {
    const id = await insertPaymentEventOnce(trx, {
      event_ref: event.id,
      type: event.type,
      occurred_at: event.created * 1000,
      received_at: now,
      source: o.source,
      state: 'parked',
      note: '',
      payload_enc: payloadEnc,
      applied_at: null,
    });
    if (id === undefined) return undefined;
    const r = await applyByType(core, trx, event, now);
    await setPaymentEventOutcome(trx, id, { state: r.state, note: r.note, appliedAt: r.state === 'parked' ? null : now });
    return r;
  });
  if (!result) return 'duplicate';
  if (result.retryParked) await retryParkedEvents(core);
  return result.state;
}

/** Tries the parked events again, oldest first, each in its own transaction: how many applied now. */
export async function retryParkedEvents(core: Core, o: { limit?: number } = {}): Promise<number> {
  let done = 0;
  // One event applied may free another (a monthly payment, then its refund), so rounds go on while any applies.
  for (let progress = true; progress;) {
    progress = false;
    for (const p of await parkedEventPayloads(core.db, { limit: o.limit ?? 500 })) {
      const event = JSON.parse(core.keyring.decrypt(p.payloadEnc)) as ProviderEvent;
      const now = Date.now();
      const r = await core.db.transaction().execute(async (trx) => {
        if (!(await claimParkedEvent(trx, p.id))) return undefined;
        const r = await applyByType(core, trx, event, now);
        if (r.state !== 'parked') await setPaymentEventOutcome(trx, p.id, { state: r.state, note: '', appliedAt: now });
        return r;
      });
      if (r && r.state !== 'parked') {
        done++;
        progress = true;
      }
    }
  }
  return done;
}
