import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Core } from '../core/context.js';
import type { DbOrTrx } from '../core/db/index.js';
import { getSiteSettings, type SiteSettings } from '../core/settings.js';
import { DomainError } from '../core/web/errors.js';
import { spendProof } from '../core/web/proof-of-work.js';
import { sealCheckoutDetails, type GiftFormContext, type GiftInput, type SuggestedAmount } from './giving-form.js';
import type { GiftKind, PaymentMethod } from './model.js';
import { paymentProvider } from './provider.js';
import {
  findCheckoutBySession,
  findDonationByRef,
  findFundBySlug,
  insertCheckout,
  listFunds,
  regularGiftsOfDonor,
  type CheckoutRow,
  type FundRow,
} from './queries.js';
import { donorEmailIndex } from './records.js';

// Giving: what the donate page offers (amounts, funds, an appeal), starting a gift (the checkout row holding what
// the donor typed, encrypted, then the payment provider's page), and what the thank-you page may say. The gift itself
// is recorded only when the provider reports the payment (payment-events.ts), so nothing here makes a donation.

/** The payment methods the donate form offers: card, and Bacs Direct Debit (pending for 4 to 7 working days). */
export const GIFT_METHODS: readonly PaymentMethod[] = ['card', 'bacs_debit'];

/** The payment page could not be reached: nothing was taken, and the checkout is marked expired. */
export class PaymentPageUnavailable extends Error {
  override name = 'PaymentPageUnavailable';
}

/** A fund or appeal as the donate page shows it. */
export interface PublicFund {
  id: number;
  slug: string;
  name: string;
  summary: string;
  description: string;
  partnerName: string;
  targetPence: number | null;
  closesAt: number | null;
}

/** What the donate page offers. */
export interface DonatePage {
  site: SiteSettings;
  /** The appeal the page is about (/donate/:appeal), or undefined on /donate. */
  appeal: PublicFund | undefined;
  /** The appeal has closed: the page says so and takes no gifts. */
  closed: boolean;
  /** The funds a donor may choose on /donate (published and open); empty on an appeal's page. */
  funds: PublicFund[];
  suggestions: SuggestedAmount[];
  form: GiftFormContext;
}

const Suggested = z
  .array(z.object({ kind: z.enum(['one_off', 'monthly']), amountPence: z.number().int().min(1), line: z.string().max(160) }))
  .max(12);

/** An appeal's own suggested amounts (its `suggested` JSON), or undefined when it has none or they cannot be read. */
export function appealSuggestions(json: string | null): SuggestedAmount[] | undefined {
  if (!json) return undefined;
  try {
    const r = Suggested.safeParse(JSON.parse(json));
    return r.success && r.data.length > 0 ? r.data : undefined;
  } catch {
    return undefined;
  }
}

function toPublicFund(row: FundRow): PublicFund {
  return {
    id: Number(row.id),
    slug: row.slug,
    name: row.name,
    summary: row.summary,
    description: row.description,
    partnerName: row.partner_name,
    targetPence: row.target_pence === null ? null : Number(row.target_pence),
    closesAt: row.closes_at === null ? null : Number(row.closes_at),
  };
}

const isOpen = (f: { closesAt: number | null }, now: number) => f.closesAt === null || f.closesAt > now;

/**
 * What the donate page offers: on /donate the published open funds and the general suggestions; on an appeal's
 * page, that appeal (its own suggestions when it has them). A draft or unknown appeal is not found.
 */
export async function donatePage(core: Core, o: { appealSlug?: string | undefined; now: number }): Promise<DonatePage> {
  const site = await getSiteSettings(core.db);
  let appeal: PublicFund | undefined;
  let suggestions: SuggestedAmount[] = site.donationSuggestions;
  let funds: PublicFund[] = [];
  if (o.appealSlug !== undefined) {
    const row = await findFundBySlug(core.db, o.appealSlug);
    if (!row || row.publication !== 'published') throw new DomainError('not_found', 'There is no such appeal.');
    appeal = toPublicFund(row);
    suggestions = appealSuggestions(row.suggested) ?? suggestions;
  } else {
    funds = (await listFunds(core.db, { publishedOnly: true })).map(toPublicFund).filter((f) => isOpen(f, o.now));
  }
  return {
    site,
    appeal,
    closed: appeal !== undefined && !isOpen(appeal, o.now),
    funds,
    suggestions,
    form: {
      minPence: site.donationMinPence,
      maxPence: site.donationMaxPence,
      suggestions,
      fundSlugs: funds.map((f) => f.slug),
    },
  };
}

const PROOF_USED = 'This form was already sent. Please press Continue to payment again.';

/** What the payment page calls a gift ("Donation to Freedom Thread", "Monthly gift to the legal appeal"). */
export function giftDescription(kind: GiftKind, o: { orgName: string; fundName?: string | undefined }): string {
  const to = o.fundName ? `${o.fundName} (${o.orgName})` : o.orgName;
  return kind === 'monthly' ? `Monthly gift to ${to}` : `Donation to ${to}`;
}

/**
 * Starts a gift: stores the checkout (everything typed, encrypted; the email's blind index), asks the payment
 * provider for its page, and returns where to send the donor. A provider failure marks the checkout expired and
 * throws PaymentPageUnavailable; a spent proof of work is refused; a closed appeal takes no gifts.
 */
export async function startGift(
  core: Core,
  input: GiftInput,
  o: { page: DonatePage; proof: { id: string; expiresAt: number } | undefined; now: number },
): Promise<{ url: string; checkoutId: number }> {
  if (o.page.closed) throw new DomainError('conflict', 'This appeal has closed and takes no more gifts.');
  const fund = o.page.appeal ?? o.page.funds.find((f) => f.slug === input.fundSlug);
  const details = sealCheckoutDetails(core.keyring, {
    name: input.name,
    email: input.email,
    message: input.message,
    optIn: input.optIn,
    giftAid: input.giftAid,
  });
  const checkoutId = await core.db.transaction().execute(async (trx) => {
    if (o.proof && !(await spendProof(trx, o.proof, o.now))) throw new DomainError('invalid', PROOF_USED, { _form: PROOF_USED });
    // A placeholder until the provider names its session: events find the row by its id (metadata.lantern_checkout).
    return insertCheckout(trx, {
      session_ref: `pending:${randomUUID()}`,
      kind: input.kind,
      fund_id: fund?.id ?? null,
      amount_pence: input.amountPence,
      day_of_month: input.kind === 'monthly' ? (input.dayOfMonth ?? null) : null,
      details_enc: details,
      email_index: donorEmailIndex(core.keyring, input.email),
      state: 'open',
      donor_id: null,
      created_at: o.now,
      completed_at: null,
    });
  });
  const base = core.config.baseUrl;
  let session: { sessionRef: string; url: string };
  try {
    session = await paymentProvider(core).createCheckout({
      checkoutRef: String(checkoutId),
      kind: input.kind,
      amountPence: input.amountPence,
      dayOfMonth: input.kind === 'monthly' ? input.dayOfMonth : undefined,
      description: giftDescription(input.kind, { orgName: o.page.site.orgName, fundName: fund?.name }),
      email: input.email,
      methods: GIFT_METHODS,
      successUrl: `${base}/donate/thank-you?session={CHECKOUT_SESSION_ID}`,
      cancelUrl: o.page.appeal ? `${base}/donate/${o.page.appeal.slug}` : `${base}/donate`,
    });
  } catch (err) {
    await expireCheckout(core.db, checkoutId);
    core.logger.warn({ checkoutId, err: (err as Error).message }, 'the payment page could not be started');
    throw new PaymentPageUnavailable('The payment page could not be reached; nothing was taken.');
  }
  await setCheckoutSession(core.db, checkoutId, session.sessionRef);
  return { url: session.url, checkoutId };
}

/** Where a gift stands, as the thank-you page may say it: no name, no email, nothing but the amount and kind. */
export interface GiftOutcome {
  kind: GiftKind;
  amountPence: number;
  /** received: paid; setting_up: a Bacs Direct Debit waiting for the bank; waiting: no word from the provider yet; failed. */
  state: 'received' | 'setting_up' | 'waiting' | 'failed';
}

/** Where the gift started in this payment session stands, or undefined when there is no such session. */
export async function giftOutcome(core: Core, sessionRef: string): Promise<GiftOutcome | undefined> {
  const row = await findCheckoutBySession(core.db, sessionRef);
  if (!row) return undefined;
  const base = { kind: row.kind, amountPence: Number(row.amount_pence) };
  return { ...base, state: await outcomeState(core.db, row) };
}

async function outcomeState(db: DbOrTrx, row: CheckoutRow): Promise<GiftOutcome['state']> {
  if (row.state !== 'completed' || row.donor_id === null) return 'waiting';
  if (row.kind === 'one_off') {
    const gift = await findDonationByRef(db, { checkout: row.session_ref });
    if (!gift) return 'waiting';
    if (gift.status === 'pending') return 'setting_up';
    return gift.status === 'failed' ? 'failed' : 'received';
  }
  // A monthly gift is found by what the donor chose in this checkout: the newest of theirs that matches it.
  const regular = (await regularGiftsOfDonor(db, Number(row.donor_id))).find(
    (r) =>
      Number(r.amount_pence) === Number(row.amount_pence) &&
      (r.fund_id === null ? null : Number(r.fund_id)) === (row.fund_id === null ? null : Number(row.fund_id)) &&
      Number(r.created_at) >= Number(row.created_at),
  );
  if (!regular) return 'waiting';
  if (regular.status === 'pending') return 'setting_up';
  return regular.status === 'past_due' ? 'failed' : 'received';
}

// ---- the checkout's own changes (queries.ts has no query for these yet) ----

/** Records the provider's session reference on a checkout. */
async function setCheckoutSession(db: DbOrTrx, id: number, sessionRef: string): Promise<void> {
  await db.updateTable('donation_checkouts').set({ session_ref: sessionRef }).where('id', '=', id).execute();
}

/** Marks a checkout that never reached the payment page as expired. */
async function expireCheckout(db: DbOrTrx, id: number): Promise<void> {
  await db.updateTable('donation_checkouts').set({ state: 'expired' }).where('id', '=', id).where('state', '=', 'open').execute();
}
