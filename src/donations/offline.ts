import { z } from 'zod';
import { recordAudit } from '../core/audit.js';
import type { Core } from '../core/context.js';
import { utcToZonedLocal, zonedLocalToUtc } from '../core/time.js';
import { DomainError } from '../core/web/errors.js';
import { checkbox, formValues, optionalText, type FormResult } from '../core/web/forms.js';
import { eventsWithPayloadSince, recordRefundIfUnchanged, type PaymentEventLine } from './admin-queries.js';
import { poundsField } from './funds.js';
import type { Channel } from './model.js';
import { findDonationById, findDonorById, findFundById, insertDonation, type DonationRow, type FundRow } from './queries.js';
import { findOrCreateDonor, rowToDonor, type Donor } from './records.js';

// What staff do to gifts: record one given offline (a cheque, a bank transfer, cash, a card in person), look at a
// gift with the payment events about it, and refund all or part of it: an online gift through the payment provider
// (its refund event then updates the record), an offline one by marking it refunded. Every change is audited.

/** The channels an offline gift comes by. */
export const OFFLINE_CHANNELS = ['cheque', 'bank_transfer', 'cash', 'card_in_person'] as const satisfies readonly Channel[];

/** An offline gift as the form gives it. */
export interface OfflineGiftInput {
  channel: (typeof OFFLINE_CHANNELS)[number];
  amountPence: number;
  /** The day given ("2026-12-01") in the organisation's zone. */
  givenOn: string;
  fundId: number | null;
  reference: string;
  /** The donor, or null for no donor record (anonymous cash). */
  donor: { name: string; email: string | null } | null;
  fromCompany: boolean;
  benefitPence: number;
  giftAid: boolean;
}

const DAY_TEXT = /^\d{4}-\d{2}-\d{2}$/;

const OfflineSchema = z.object({
  channel: z.enum(OFFLINE_CHANNELS, { error: 'Choose how the gift came' }),
  amount: poundsField('the amount', { min: 1 }),
  givenOn: z.string({ error: 'Enter the date the gift was given, like 2026-12-01' }).trim(),
  fundId: z.preprocess(
    (v) => (v === undefined ? '' : v),
    z.string({ error: 'Choose a fund' }).regex(/^(\d{1,12})?$/, 'Choose a fund from the list'),
  ),
  reference: z.preprocess((v) => (v === undefined ? '' : v), optionalText('the reference', { max: 100 })),
  donor: z.enum(['person', 'none'], { error: 'Choose whether the gift is from someone you know, or has no donor record' }),
  donorName: optionalText('the donor’s name', { max: 200 }),
  donorEmail: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim() : v),
    z.union([
      z.literal(''),
      z.undefined(),
      z.email({ error: 'Enter the email in the right format, like name@example.org' }).max(254, 'That email address is too long'),
    ]),
  ),
  fromCompany: checkbox,
  benefit: z.preprocess((v) => (v === undefined || v === '' ? '0' : v), poundsField('the value of the benefit', { min: 0 })),
  giftAid: checkbox,
});

/**
 * Reads the offline gift form against the day it is `today` in the organisation's zone and the funds there are:
 * the gift, or a message per field (a date in the future, Gift Aid without a donor, a benefit worth the gift…).
 */
export function parseOfflineGiftForm(body: unknown, o: { today: string; fundIds: readonly number[] }): FormResult<OfflineGiftInput> {
  const parsed = OfflineSchema.safeParse(body ?? {});
  const values = formValues(body);
  const errors: Record<string, string> = {};
  if (!parsed.success) for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? '_form')] ??= issue.message;
  const f = parsed.success ? parsed.data : undefined;
  const givenOn = values.givenOn?.trim() ?? '';
  if (!errors.givenOn) {
    if (!DAY_TEXT.test(givenOn) || zonedLocalToUtc(`${givenOn}T12:00`, 'UTC') === null)
      errors.givenOn = 'Enter the date the gift was given, like 2026-12-01';
    else if (givenOn > o.today) errors.givenOn = 'The date given cannot be in the future';
    else if (givenOn < '2000-01-01') errors.givenOn = 'The date given must be in the year 2000 or later';
  }
  if (!f) return { ok: false, errors, values };
  const fundId = f.fundId === '' ? null : Number(f.fundId);
  if (fundId !== null && !o.fundIds.includes(fundId)) errors.fundId = 'Choose a fund from the list';
  if (f.donor === 'person' && !f.donorName) errors.donorName = 'Enter the donor’s name, or choose “no donor record”';
  if (f.giftAid && f.donor === 'none') errors.giftAid = 'Gift Aid needs a donor record: enter the donor, or untick Gift Aid';
  if (f.giftAid && f.fromCompany) errors.giftAid = 'A gift from a company cannot have Gift Aid: untick one of them';
  if (f.benefit >= f.amount) errors.benefit = 'The benefit must be worth less than the gift';
  if (Object.keys(errors).length > 0) return { ok: false, errors, values };
  return {
    ok: true,
    data: {
      channel: f.channel,
      amountPence: f.amount,
      givenOn,
      fundId,
      reference: f.reference ?? '',
      donor: f.donor === 'person' ? { name: f.donorName!, email: f.donorEmail ? f.donorEmail : null } : null,
      fromCompany: f.fromCompany,
      benefitPence: f.benefit,
      giftAid: f.giftAid,
    },
  };
}

/** Records an offline gift (the donor found by email or made; audited) and returns its id. */
export async function recordOfflineGift(core: Core, staffId: number, input: OfflineGiftInput, o: { timeZone: string }): Promise<number> {
  const now = Date.now();
  // Noon in the organisation's zone: the day stays the same in any reading of it (a schedule's DD/MM/YY).
  const givenAt = zonedLocalToUtc(`${input.givenOn}T12:00`, o.timeZone) ?? now;
  return core.db.transaction().execute(async (trx) => {
    if (input.fundId !== null && !(await findFundById(trx, input.fundId)))
      throw new DomainError('invalid', 'That fund no longer exists.', { fundId: 'Choose a fund from the list' });
    const donor = input.donor ? await findOrCreateDonor(trx, core.keyring, { ...input.donor, now }) : null;
    const id = await insertDonation(trx, {
      donor_id: donor?.id ?? null,
      fund_id: input.fundId,
      regular_id: null,
      kind: 'one_off',
      channel: input.channel,
      method: 'none',
      status: 'paid',
      amount_pence: input.amountPence,
      refunded_pence: 0,
      given_at: givenAt,
      gift_aid: input.giftAid ? 1 : 0,
      from_company: input.fromCompany ? 1 : 0,
      benefit_pence: input.benefitPence,
      message_enc: null,
      checkout_ref: null,
      payment_ref: null,
      invoice_ref: null,
      reference: input.reference,
      claim_id: null,
      recorded_by: staffId,
      created_at: now,
      updated_at: now,
    });
    await recordAudit(trx, {
      staffId,
      action: 'donations.gift.record',
      target: `donation ${id}`,
      details: { amountPence: input.amountPence, channel: input.channel },
    });
    return id;
  });
}

/** Today's date ("2026-12-01") in a zone. */
export function todayIn(timeZone: string, now = Date.now()): string {
  return utcToZonedLocal(now, timeZone).slice(0, 10);
}

// ---- one gift, and refunds -------------------------------------------------------------------------------------------------

/** One gift for its staff page: the row, its donor (decrypted), its fund, and the payment events about it. */
export interface GiftForStaff {
  gift: DonationRow;
  donor: Donor | null;
  fund: FundRow | null;
  history: PaymentEventLine[];
  /** What can still be refunded, in pence (0 when the gift is not refundable). */
  refundablePence: number;
  /** Why a refund cannot be made here, in staff's words; undefined when it can. */
  refundBlocked: string | undefined;
}

const EVENT_TYPES_ABOUT_GIFTS = [
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'invoice.paid',
  'charge.refunded',
  'charge.dispute.created',
  'charge.dispute.closed',
];

/** The most events read to find a gift's history (each is decrypted to see what it is about). */
const HISTORY_SCAN = 2000;

/** The refs an event's object names (its id, payment intent, invoice), to match it to a gift. */
function refsOf(payload: unknown): string[] {
  const obj = (payload as { data?: { object?: Record<string, unknown> } } | null)?.data?.object;
  if (!obj || typeof obj !== 'object') return [];
  const out: string[] = [];
  for (const k of ['id', 'payment_intent', 'invoice']) if (typeof obj[k] === 'string') out.push(obj[k]);
  return out;
}

/** What could still be refunded of a gift, and why not when nothing can. */
export function refundability(gift: DonationRow): { refundablePence: number; blocked: string | undefined } {
  const left = Number(gift.amount_pence) - Number(gift.refunded_pence);
  if (gift.status === 'refunded' || left <= 0) return { refundablePence: 0, blocked: 'This gift has been refunded in full.' };
  if (gift.status !== 'paid')
    return { refundablePence: 0, blocked: 'Only a gift that has been received can be refunded. This one is not (see its status).' };
  if (gift.channel === 'online' && !gift.payment_ref)
    return {
      refundablePence: 0,
      blocked: 'Lantern does not know this payment’s reference at the payment provider: refund it in the provider’s dashboard.',
    };
  return { refundablePence: left, blocked: undefined };
}

/** A gift for its staff page; not_found when there is none. */
export async function giftForStaff(core: Core, id: number): Promise<GiftForStaff> {
  const gift = await findDonationById(core.db, id);
  if (!gift) throw new DomainError('not_found', 'There is no such gift.');
  const [donorRow, fund] = await Promise.all([
    gift.donor_id === null ? undefined : findDonorById(core.db, Number(gift.donor_id)),
    gift.fund_id === null ? undefined : findFundById(core.db, Number(gift.fund_id)),
  ]);
  const refs = new Set([gift.checkout_ref, gift.payment_ref, gift.invoice_ref].filter((r): r is string => r !== null));
  const history: PaymentEventLine[] = [];
  if (refs.size > 0) {
    // An event can reach Lantern before the gift's row exists (it is the event that makes it): a day's grace.
    const events = await eventsWithPayloadSince(core.db, {
      since: Number(gift.created_at) - 86_400_000,
      types: EVENT_TYPES_ABOUT_GIFTS,
      limit: HISTORY_SCAN,
    });
    for (const e of events) {
      let payload: unknown;
      try {
        payload = JSON.parse(core.keyring.decrypt(e.payloadEnc));
      } catch {
        continue;
      }
      if (refsOf(payload).some((r) => refs.has(r)))
        history.push({ id: e.id, type: e.type, occurredAt: e.occurredAt, receivedAt: e.receivedAt, state: e.state, note: e.note });
    }
  }
  const r = refundability(gift);
  return {
    gift,
    donor: donorRow ? rowToDonor(core.keyring, donorRow) : null,
    fund: fund ?? null,
    history,
    refundablePence: r.refundablePence,
    refundBlocked: r.blocked,
  };
}

/** Reads the refund form: the amount in pence (all that is left when "all" is chosen), or a message. */
export function parseRefundForm(body: unknown, o: { refundablePence: number }): FormResult<{ amountPence: number }> {
  const values = formValues(body);
  const how = values.how;
  if (how !== 'all' && how !== 'part') return { ok: false, errors: { how: 'Choose whether to refund all of it or part' }, values };
  if (how === 'all') return { ok: true, data: { amountPence: o.refundablePence } };
  const parsed = poundsField('the amount to refund', { min: 1, max: Math.max(1, o.refundablePence) }).safeParse(values.amount ?? '');
  if (!parsed.success) return { ok: false, errors: { amount: parsed.error.issues[0]?.message ?? 'Enter the amount to refund' }, values };
  return { ok: true, data: { amountPence: parsed.data } };
}

/** What a refund did: online ones are asked of the provider and land when its event arrives. */
export type RefundOutcome = 'asked_provider' | 'recorded';

/**
 * Refunds some or all of a gift (audited). An online gift is refunded through the payment provider and its record
 * changes when the provider's refund event arrives; an offline one is marked refunded at once. A refund larger
 * than what is left, or of a gift not received, is refused with a message; so is one that raced another.
 */
export async function refundGift(core: Core, staffId: number, id: number, amountPence: number): Promise<RefundOutcome> {
  const gift = await findDonationById(core.db, id);
  if (!gift) throw new DomainError('not_found', 'There is no such gift.');
  const { refundablePence, blocked } = refundability(gift);
  if (blocked) throw new DomainError('conflict', blocked, { how: blocked });
  if (!Number.isSafeInteger(amountPence) || amountPence < 1 || amountPence > refundablePence)
    throw new DomainError('invalid', 'That is more than is left to refund.', {
      amount: `You can refund at most ${(refundablePence / 100).toFixed(2)} pounds`,
    });
  const details = { amountPence, online: gift.channel === 'online' };
  if (gift.channel === 'online') {
    try {
      // Loaded when an online refund is made: the provider (Stripe's package, or the test payment page) is not
      // needed to record or show gifts.
      const { paymentProvider } = await import('./provider.js');
      await paymentProvider(core).refund(gift.payment_ref!, amountPence);
    } catch (e) {
      core.logger.warn({ donationId: id, err: e instanceof Error ? e.message : String(e) }, 'the payment provider refused a refund');
      const message =
        'The payment provider did not make the refund, so nothing changed. Try again in a few minutes; if it still fails, refund it in the provider’s dashboard.';
      throw new DomainError('conflict', message, { how: message });
    }
    await recordAudit(core.db, { staffId, action: 'donations.gift.refund', target: `donation ${id}`, details });
    return 'asked_provider';
  }
  const now = Date.now();
  const refunded = Number(gift.refunded_pence) + amountPence;
  await core.db.transaction().execute(async (trx) => {
    const done = await recordRefundIfUnchanged(trx, id, {
      wasRefundedPence: Number(gift.refunded_pence),
      refundedPence: refunded,
      status: refunded >= Number(gift.amount_pence) ? 'refunded' : 'paid',
      now,
    });
    if (!done) throw new DomainError('conflict', 'Someone changed this gift while you were looking at it. Look again before refunding.');
    await recordAudit(trx, { staffId, action: 'donations.gift.refund', target: `donation ${id}`, details });
  });
  return 'recorded';
}
