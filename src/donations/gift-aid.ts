import { utcToZonedLocal, zonedLocalToUtc } from '../core/time.js';
import type { Declaration, GiftForGiftAid } from './model.js';

// Gift Aid's rules, as pure functions: which declaration covers a gift, whether a gift may be claimed, HMRC's limits
// on benefits, postcodes as HMRC writes them, and the UK tax year. No database, no HTTP: the claim, the donor's page
// and the tests all ask these same functions.

const DAY = 24 * 3600_000;

/**
 * The declarations donors agree to, by version. A declaration records the version it was made under, so a change
 * of wording is a new entry here and never rewrites what an earlier donor agreed to. The text is HMRC's model
 * declaration for one or more donations; {charity} is the organisation's name.
 */
export const DECLARATION_WORDINGS = {
  'hmrc-model-2024': {
    version: 'hmrc-model-2024',
    text:
      'I want to Gift Aid my donation and any donations I make in the future to {charity}. I am a UK taxpayer and ' +
      'understand that if I pay less Income Tax and/or Capital Gains Tax than the amount of Gift Aid claimed on all ' +
      'my donations in that tax year it is my responsibility to pay any difference.',
    pastFourYearsText: 'Also Gift Aid the donations I have made to {charity} in the past 4 years',
  },
} as const satisfies Record<string, { version: string; text: string; pastFourYearsText: string }>;

export type WordingVersion = keyof typeof DECLARATION_WORDINGS;

/** The wording new declarations are made under. */
export const CURRENT_WORDING: WordingVersion = 'hmrc-model-2024';

// The UK government's standard postcode pattern (outward code A9, A99, AA9, AA99, A9A or AA9A, then a digit and two
// letters; GIR 0AA for Girobank), on a value already squeezed to capitals without spaces.
const UK_POSTCODE = /^(?:(GIR)(0AA)|([A-Z][0-9]{1,2}|[A-Z][A-HJ-Y][0-9]{1,2}|[A-Z][0-9][A-Z]|[A-Z][A-HJ-Y][0-9][A-Z]?)([0-9][A-Z]{2}))$/;
// Every kind of space a pasted postcode brings with it, zero-width ones included.
const SPACES = /[\s\u200B-\u200D\u2060\uFEFF]+/g;

/** A UK postcode as HMRC wants it (capitals, one space: "SW1A 1AA"), "X" for a donor abroad, or undefined if not a postcode. */
export function normalisePostcode(input: string): string | undefined {
  // NFKC turns full-width letters and digits (typed on some phones) into plain ones.
  const s = input.normalize('NFKC').replace(SPACES, '').toUpperCase();
  if (s === 'X') return 'X';
  const m = UK_POSTCODE.exec(s);
  if (!m) return undefined;
  return m[1] ? `${m[1]} ${m[2]}` : `${m[3]} ${m[4]}`;
}

/** The most a donor may receive in return for one gift and still have it count for Gift Aid (HMRC's benefit limits), in pence. */
export function benefitLimitPence(amountPence: number): number {
  if (amountPence <= 10_000) return Math.floor(amountPence / 4);
  if (amountPence <= 1_000_000) return 2_500;
  return Math.floor(amountPence / 20);
}

/** The Gift Aid HMRC adds to a gift: a quarter of it (basic rate 20% grossed up), rounded down to a penny. */
export function giftAidOn(pence: number): number {
  return Math.floor(pence / 4);
}

/** The days a donor has to cancel a spoken declaration after its written record is sent (a cancellation then is retroactive). */
export const ORAL_CANCELLATION_DAYS = 30;

/**
 * The declaration that covers a gift given at that moment, or undefined. A spoken declaration covers nothing until its
 * written record has been sent and the 30 days to cancel have passed. When more than one qualifies, the latest made wins.
 */
export function declarationCovering(declarations: readonly Declaration[], givenAt: number, now: number): Declaration | undefined {
  let best: Declaration | undefined;
  for (const d of declarations) {
    if (d.coversFrom > givenAt) continue;
    if (d.cancelledAt !== null && d.cancelledAt <= givenAt) continue;
    if (d.supersededAt !== null && d.supersededAt <= givenAt) continue;
    if (d.channel === 'oral') {
      if (d.letterSentAt === null || now < d.letterSentAt + ORAL_CANCELLATION_DAYS * DAY) continue;
      // Cancelled within the 30 days: as if it had never been made.
      if (d.cancelledAt !== null && d.cancelledAt < d.letterSentAt + ORAL_CANCELLATION_DAYS * DAY) continue;
    }
    if (!best || d.madeAt > best.madeAt || (d.madeAt === best.madeAt && d.id > best.id)) best = d;
  }
  return best;
}

/** Whether a gift may go in a claim, with the declaration and the amount that may be claimed, or the reason it may not. */
export type Eligibility = { eligible: true; declaration: Declaration; claimablePence: number } | { eligible: false; reason: string };

/** The reasons a gift is left out of a claim, in a treasurer's words (also used to count them). */
export const INELIGIBLE = {
  notReceived: 'The money has not been received (or it failed).',
  refunded: 'It was refunded in full.',
  company: 'It came from a company; Gift Aid is for individual taxpayers.',
  benefit: 'The donor received a benefit worth more than HMRC allows for a gift of this size.',
  claimed: 'It is already in a claim.',
  future: 'Its date is in the future.',
  tooOld: 'It was given more than four years ago, too long ago for HMRC to accept.',
  noDeclaration: 'No Gift Aid declaration covered it on the day it was given.',
  noAddress: 'The declaration has no home address and postcode.',
  badPostcode: 'The declaration’s postcode is not a UK postcode (X is for a donor living abroad): correct the declaration.',
} as const;

/** The earliest moment a gift can have been given and still be claimed: HMRC accepts gifts up to four years old. */
export function oldestClaimable(now: number, maxAgeYears = 4): number {
  const d = new Date(now);
  d.setUTCFullYear(d.getUTCFullYear() - maxAgeYears);
  return d.getTime();
}

/** Whether one gift may be claimed now, checked at the gift's own date against the donor's declarations. */
export function giftAidEligibility(
  gift: GiftForGiftAid,
  declarations: readonly Declaration[],
  o: { now: number; maxAgeYears?: number },
): Eligibility {
  const claimablePence = gift.amountPence - gift.refundedPence;
  if (gift.status !== 'paid') return { eligible: false, reason: gift.status === 'refunded' ? INELIGIBLE.refunded : INELIGIBLE.notReceived };
  if (claimablePence <= 0) return { eligible: false, reason: INELIGIBLE.refunded };
  if (gift.fromCompany) return { eligible: false, reason: INELIGIBLE.company };
  if (gift.benefitPence > benefitLimitPence(gift.amountPence)) return { eligible: false, reason: INELIGIBLE.benefit };
  if (gift.claimId !== null) return { eligible: false, reason: INELIGIBLE.claimed };
  if (gift.givenAt > o.now) return { eligible: false, reason: INELIGIBLE.future };
  if (gift.givenAt < oldestClaimable(o.now, o.maxAgeYears ?? 4)) return { eligible: false, reason: INELIGIBLE.tooOld };
  const declaration = declarationCovering(declarations, gift.givenAt, o.now);
  if (!declaration) return { eligible: false, reason: INELIGIBLE.noDeclaration };
  if (declaration.postcode.trim() === '' || declaration.house.trim() === '') return { eligible: false, reason: INELIGIBLE.noAddress };
  // Tolerant of case and spacing: the schedule's own check says how to write it; this asks only that it is a postcode.
  if (normalisePostcode(declaration.postcode) === undefined) return { eligible: false, reason: INELIGIBLE.badPostcode };
  return { eligible: true, declaration, claimablePence };
}

/** A UK tax year: its label ("2025–26") and its span (start inclusive, end exclusive, UTC ms). */
export interface TaxYear {
  label: string;
  start: number;
  end: number;
}

/** The UK tax year a moment falls in: 6 April to 5 April inclusive, in the organisation's time zone. */
export function taxYearOf(at: number, timeZone: string): TaxYear {
  const [y, m, d] = utcToZonedLocal(at, timeZone).slice(0, 10).split('-').map(Number) as [number, number, number];
  const startYear = m > 4 || (m === 4 && d >= 6) ? y : y - 1;
  // Midnight is never skipped by a UK clock change (they happen at 01:00 UTC), so the start always exists.
  const sixthOfApril = (year: number) => zonedLocalToUtc(`${String(year).padStart(4, '0')}-04-06T00:00`, timeZone)!;
  return {
    label: `${startYear}–${String((startYear + 1) % 100).padStart(2, '0')}`,
    start: sixthOfApril(startYear),
    end: sixthOfApril(startYear + 1),
  };
}
