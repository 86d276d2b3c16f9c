import { z } from 'zod';
import type { Keyring } from '../core/crypto.js';
import { checkbox, email as emailField, optionalMultilineText, optionalText, text, type FormResult } from '../core/web/forms.js';
import { CURRENT_WORDING, normalisePostcode } from './gift-aid.js';
import type { GiftKind } from './model.js';

// The donate form's rules (zod), and the shape of what a donor typed as it is kept, encrypted, in their checkout
// (donation_checkouts.details_enc) until the payment provider says the gift went through. The form is read field by
// field, so a donor sees every problem at once rather than one round at a time.

/** A suggested amount, with its line on what it does ("pays for a translator for one briefing"). */
export interface SuggestedAmount {
  kind: GiftKind;
  amountPence: number;
  line: string;
}

/** What the form is checked against: the limits and suggestions in force, and the funds a gift may go to. */
export interface GiftFormContext {
  minPence: number;
  maxPence: number;
  suggestions: readonly SuggestedAmount[];
  /** The funds offered (by slug); empty when the page is an appeal's own (its fund is fixed). */
  fundSlugs: readonly string[];
}

/** The Gift Aid declaration as the donor typed it (postcode already normalised, or "X" for a donor abroad). */
export interface GiftAidDetails {
  wordingVersion: string;
  title: string;
  firstName: string;
  lastName: string;
  house: string;
  address: string;
  postcode: string;
  /** Ticked "also claim on my gifts of the past four years". */
  pastFourYears: boolean;
}

/** A good donate form. */
export interface GiftInput {
  kind: GiftKind;
  amountPence: number;
  /** The fund chosen on /donate (a slug), or undefined for "wherever it is needed most". */
  fundSlug: string | undefined;
  /** For a monthly gift: the day of the month it is taken (1–28). */
  dayOfMonth: number | undefined;
  name: string;
  email: string;
  message: string;
  giftAid: GiftAidDetails | null;
  optIn: boolean;
}

/**
 * What a checkout keeps of the donor's words (encrypted as one JSON document in details_enc): everything typed.
 * payment-events.ts reads it with readCheckoutDetails when the payment completes. `test` is the built-in test
 * payment page's own state (test-payments.ts), absent for Stripe.
 */
export interface CheckoutDetails {
  name: string;
  email: string;
  message: string;
  optIn: boolean;
  giftAid: GiftAidDetails | null;
  test?: Record<string, unknown> | undefined;
}

const GiftAidDetailsSchema = z.object({
  wordingVersion: z.string(),
  title: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  house: z.string(),
  address: z.string(),
  postcode: z.string(),
  pastFourYears: z.boolean(),
});

const CheckoutDetailsSchema = z.object({
  name: z.string(),
  email: z.string(),
  message: z.string(),
  optIn: z.boolean(),
  giftAid: GiftAidDetailsSchema.nullable(),
  test: z.record(z.string(), z.unknown()).optional(),
});

/** A checkout's details, decrypted and checked (throws when the stored document is not one). */
export function readCheckoutDetails(keyring: Keyring, detailsEnc: string): CheckoutDetails {
  return CheckoutDetailsSchema.parse(JSON.parse(keyring.decrypt(detailsEnc)));
}

/** A checkout's details, encrypted for details_enc. */
export function sealCheckoutDetails(keyring: Keyring, details: CheckoutDetails): string {
  return keyring.encrypt(JSON.stringify(details));
}

/** An amount of pence in pounds as the form's messages write it: "£2", "£12.50", "£10,000". */
export function poundsWords(pence: number): string {
  const pounds = Math.floor(pence / 100).toLocaleString('en-GB');
  const rest = pence % 100;
  return `£${pounds}${rest ? `.${String(rest).padStart(2, '0')}` : ''}`;
}

/** Pounds as people type them ("12.50", "£1,000", "25") in pence; undefined when it is not an amount of money. */
export function parsePounds(input: string): number | undefined {
  const m = /^£?\s*(\d{1,3}(?:,\d{3})+|\d{1,9})(?:\.(\d{1,2}))?$/.exec(input.trim());
  if (!m) return undefined;
  const whole = Number(m[1]!.replace(/,/g, ''));
  const pence = m[2] === undefined ? 0 : Number(m[2].padEnd(2, '0'));
  return whole * 100 + pence;
}

const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);
const str = (v: unknown): string => {
  const f = first(v);
  return typeof f === 'string' ? f : '';
};

const KindField = z.enum(['one_off', 'monthly'], { error: 'Choose whether to give once or every month' });
const DayField = z.coerce
  .number({ error: 'Choose a day of the month from 1 to 28' })
  .int('Choose a day of the month from 1 to 28')
  .min(1, 'Choose a day of the month from 1 to 28')
  .max(28, 'Choose a day of the month from 1 to 28');
const NameField = text('your name', { max: 100 });
const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const EmailField = z.preprocess(blank, emailField('your email address'));
const MessageField = optionalMultilineText('a message', { max: 1000 });
const TitleField = optionalText('a title', { max: 4 });
const FirstNameField = text('your first name', { max: 35 });
const LastNameField = text('your last name', { max: 35 });
const HouseField = text('your house name or number', { max: 40 });
const AbroadAddressField = text('your full home address', { max: 200 });
const RestOfAddressField = text('the rest of your address (street and town)', { max: 200 });

/** Runs one field's schema; its message lands under `key` on failure. */
function field<T>(schema: z.ZodType<T>, value: unknown, key: string, errors: Record<string, string>): T | undefined {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  errors[key] ??= r.error.issues[0]?.message ?? 'Check this answer';
  return undefined;
}

/** The amount field names of each kind's radios on the form. */
export const AMOUNT_FIELD: Readonly<Record<GiftKind, string>> = { one_off: 'oneOffAmount', monthly: 'monthlyAmount' };

/** The chosen amount in pence, or the message saying what is wrong with it. */
function amountOf(body: Record<string, unknown>, kind: GiftKind, ctx: GiftFormContext): { pence: number } | { error: string } {
  const limits = `Give at least ${poundsWords(ctx.minPence)} and at most ${poundsWords(ctx.maxPence)}`;
  const choice = str(body[AMOUNT_FIELD[kind]]).trim();
  const other = str(body.otherAmount).trim();
  let pence: number | undefined;
  if (choice !== '' && choice !== 'other') {
    const offered = ctx.suggestions.find((s) => s.kind === kind && String(s.amountPence) === choice);
    if (!offered) return { error: 'Choose one of the amounts, or enter another amount' };
    pence = offered.amountPence;
  } else {
    if (other === '') return { error: 'Choose an amount, or enter another amount in pounds' };
    pence = parsePounds(other);
    if (pence === undefined) return { error: 'Enter the amount in pounds, like 12.50' };
  }
  if (pence < ctx.minPence || pence > ctx.maxPence) return { error: `${limits}.` };
  return { pence };
}

/** The Gift Aid declaration's details, or undefined (with messages added) when something needed is missing. */
function giftAidOf(body: Record<string, unknown>, errors: Record<string, string>): GiftAidDetails | undefined {
  const abroad = checkbox.parse(first(body.abroad));
  const title = field(TitleField, first(body.title), 'title', errors);
  const firstName = field(FirstNameField, first(body.firstName), 'firstName', errors);
  const lastName = field(LastNameField, first(body.lastName), 'lastName', errors);
  const house = field(abroad ? AbroadAddressField : HouseField, first(body.house), 'house', errors);
  let address = '';
  let postcode: string | undefined = 'X';
  if (!abroad) {
    address = field(RestOfAddressField, first(body.address), 'address', errors) ?? '';
    const typed = str(body.postcode).trim();
    postcode = typed === '' ? undefined : normalisePostcode(typed);
    if (typed === '') errors.postcode ??= 'Enter your postcode, so that we can claim Gift Aid';
    else if (postcode === undefined || postcode === 'X')
      errors.postcode ??= 'Enter a UK postcode, like SW1A 1AA (or tick “I live outside the UK”)';
  }
  if (firstName === undefined || lastName === undefined || house === undefined || postcode === undefined) return undefined;
  if (!abroad && address === '') return undefined;
  return {
    wordingVersion: CURRENT_WORDING,
    title: title ?? '',
    firstName,
    lastName,
    house,
    address,
    postcode,
    pastFourYears: checkbox.parse(first(body.pastFourYears)),
  };
}

/**
 * Reads the donate form: kind, amount (a suggestion of that kind, or another amount in pounds, within the limits),
 * fund, day of the month (monthly), name, email, message, Gift Aid details (only when ticked) and the newsletter
 * tick. A `currency`, when sent, must be GBP: gifts are taken in pounds only.
 */
export function parseGiftForm(body: unknown, ctx: GiftFormContext): FormResult<GiftInput> {
  const b: Record<string, unknown> = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const errors: Record<string, string> = {};
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(b)) if (typeof first(v) === 'string') values[k] = (first(v) as string).slice(0, 10_000);

  if (b.currency !== undefined && str(b.currency).trim().toUpperCase() !== 'GBP')
    errors.currency = 'We can only take gifts in pounds sterling (GBP)';
  const kind = field(KindField, first(b.kind), 'kind', errors);
  let amountPence: number | undefined;
  if (kind) {
    const a = amountOf(b, kind, ctx);
    if ('error' in a) errors[str(b[AMOUNT_FIELD[kind]]) === 'other' || str(b.otherAmount) !== '' ? 'otherAmount' : 'amount'] = a.error;
    else amountPence = a.pence;
  }
  let fundSlug: string | undefined;
  const fund = str(b.fund).trim();
  if (fund !== '' && ctx.fundSlugs.length > 0) {
    if (ctx.fundSlugs.includes(fund)) fundSlug = fund;
    else errors.fund = 'Choose one of the funds in the list';
  }
  const dayOfMonth = kind === 'monthly' ? field(DayField, first(b.day), 'day', errors) : undefined;
  const name = field(NameField, first(b.name), 'name', errors);
  const email = field(EmailField, first(b.email), 'email', errors);
  const message = field(MessageField, first(b.message), 'message', errors);
  const wantsGiftAid = checkbox.parse(first(b.giftAid));
  const giftAid = wantsGiftAid ? giftAidOf(b, errors) : null;
  const optIn = checkbox.parse(first(b.optIn));

  if (Object.keys(errors).length > 0 || !kind || amountPence === undefined || name === undefined || email === undefined)
    return { ok: false, errors: Object.keys(errors).length ? errors : { _form: 'Please check your answers' }, values };
  if (giftAid === undefined) return { ok: false, errors: { giftAid: 'Give your home address so that we can claim Gift Aid' }, values };
  return {
    ok: true,
    data: { kind, amountPence, fundSlug, dayOfMonth, name, email, message: message ?? '', giftAid, optIn },
  };
}
