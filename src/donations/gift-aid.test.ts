import { expect, test } from 'vitest';
import {
  benefitLimitPence,
  CURRENT_WORDING,
  DECLARATION_WORDINGS,
  declarationCovering,
  giftAidEligibility,
  giftAidOn,
  INELIGIBLE,
  normalisePostcode,
  taxYearOf,
} from './gift-aid.js';
import type { Declaration, DonationStatus, GiftForGiftAid } from './model.js';

// Gift Aid's rules as pure functions, each with a case either side of its edge: Ruth Adebayo gives to Freedom Thread
// online, moves house, Tom Okafor makes his declaration over the phone, and a company sends a cheque.

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 4, 12);
const LONDON = 'Europe/London';

function declaration(over: Partial<Declaration> = {}): Declaration {
  return {
    id: 1,
    donorId: 1,
    wordingVersion: CURRENT_WORDING,
    title: 'Ms',
    firstName: 'Ruth',
    lastName: 'Adebayo',
    house: '14',
    address: 'Linden Road, Leeds',
    postcode: 'LS6 2AB',
    channel: 'online',
    madeAt: NOW - 100 * DAY,
    coversFrom: NOW - 100 * DAY,
    letterSentAt: null,
    cancelledAt: null,
    supersededAt: null,
    ...over,
  };
}

function gift(over: Partial<GiftForGiftAid> = {}): GiftForGiftAid {
  return {
    id: 7,
    donorId: 1,
    givenAt: NOW - 10 * DAY,
    amountPence: 1000,
    refundedPence: 0,
    status: 'paid',
    fromCompany: false,
    benefitPence: 0,
    claimId: null,
    ...over,
  };
}

/** 'eligible', or the reason the gift is left out. */
function verdict(g: GiftForGiftAid, ds: Declaration[] = [declaration()], o: { now?: number; maxAgeYears?: number } = {}): string {
  const e = giftAidEligibility(g, ds, { now: o.now ?? NOW, ...(o.maxAgeYears === undefined ? {} : { maxAgeYears: o.maxAgeYears }) });
  return e.eligible ? 'eligible' : e.reason;
}

/** The moment `years` calendar years before `at` (what HMRC's four years means). */
function yearsBefore(at: number, years: number): number {
  const d = new Date(at);
  d.setUTCFullYear(d.getUTCFullYear() - years);
  return d.getTime();
}

test('the declaration wording in use is HMRC’s model, names the charity and says who pays any shortfall', () => {
  const wording = DECLARATION_WORDINGS[CURRENT_WORDING];
  expect(wording.version).toBe(CURRENT_WORDING);
  expect(wording.text).toContain('{charity}');
  expect(wording.text).toContain('I am a UK taxpayer');
  expect(wording.text).toContain(
    'if I pay less Income Tax and/or Capital Gains Tax than the amount of Gift Aid claimed on all my donations in that tax year it is my responsibility to pay any difference',
  );
  expect(wording.pastFourYearsText).toContain('{charity}');
  expect(wording.pastFourYearsText).toContain('4 years');
  for (const [key, w] of Object.entries(DECLARATION_WORDINGS)) expect(w.version).toBe(key);
});

test('postcodes come out in capitals with one space; X stays X for a donor abroad; anything else is not a postcode', () => {
  const cases: Array<[string, string | undefined]> = [
    ['sw1a1aa', 'SW1A 1AA'],
    ['  ls6   2ab ', 'LS6 2AB'],
    ['M11AE', 'M1 1AE'],
    ['b338th', 'B33 8TH'],
    ['cr26xh', 'CR2 6XH'],
    ['dn551pt', 'DN55 1PT'],
    ['w1a 1hq', 'W1A 1HQ'],
    ['ec1a\u00a01bb', 'EC1A 1BB'], // a non-breaking space pasted from a web page
    ['ＳＷ１Ａ１ＡＡ', 'SW1A 1AA'], // full-width, as some phone keyboards type
    ['gir0aa', 'GIR 0AA'],
    ['x', 'X'],
    [' X ', 'X'],
    ['', undefined],
    ['12345', undefined],
    ['SW1A', undefined], // half a postcode
    ['SW1A 0AAA', undefined],
    ['SW1A-1AA', undefined],
    ['AI1 1AA', undefined], // I is never the second letter of an area
    ['1W1 1AA', undefined],
    ['XX', undefined],
    ['75002', undefined], // a French postcode: the donor is abroad, so X
  ];
  for (const [input, expected] of cases) expect(normalisePostcode(input), input).toBe(expected);
});

test('HMRC’s benefit limits at each edge: a quarter up to £100, £25 up to £10,000, then 5%', () => {
  expect(benefitLimitPence(400)).toBe(100);
  expect(benefitLimitPence(10_000)).toBe(2_500); // £100.00: a quarter
  expect(benefitLimitPence(10_001)).toBe(2_500); // £100.01: £25
  expect(benefitLimitPence(1_000_000)).toBe(2_500); // £10,000.00: £25
  expect(benefitLimitPence(1_000_001)).toBe(50_000); // £10,000.01: 5%, rounded down
  expect(benefitLimitPence(2_000_000)).toBe(100_000);
  // And as the rules apply them: a benefit at the limit is allowed, a penny over is not.
  for (const amountPence of [400, 10_000, 10_001, 1_000_000, 1_000_001]) {
    const limit = benefitLimitPence(amountPence);
    expect(verdict(gift({ amountPence, benefitPence: limit })), `${amountPence}`).toBe('eligible');
    expect(verdict(gift({ amountPence, benefitPence: limit + 1 })), `${amountPence}`).toBe(INELIGIBLE.benefit);
  }
});

test('Gift Aid is a quarter of the gift, rounded down to a penny', () => {
  expect(giftAidOn(1000)).toBe(250);
  expect(giftAidOn(1003)).toBe(250);
  expect(giftAidOn(1004)).toBe(251);
  expect(giftAidOn(3)).toBe(0);
  expect(giftAidOn(0)).toBe(0);
});

test('a declaration covers gifts from its first moment until it is cancelled or superseded, not at those moments', () => {
  const d = declaration({ coversFrom: NOW - 50 * DAY });
  expect(declarationCovering([d], NOW - 50 * DAY, NOW)?.id).toBe(1);
  expect(declarationCovering([d], NOW - 50 * DAY - 1, NOW)).toBeUndefined();

  const cancelled = declaration({ cancelledAt: NOW - 5 * DAY });
  expect(declarationCovering([cancelled], NOW - 5 * DAY - 1, NOW)?.id).toBe(1);
  expect(declarationCovering([cancelled], NOW - 5 * DAY, NOW)).toBeUndefined();

  const superseded = declaration({ supersededAt: NOW - 5 * DAY });
  expect(declarationCovering([superseded], NOW - 5 * DAY - 1, NOW)?.id).toBe(1);
  expect(declarationCovering([superseded], NOW - 5 * DAY, NOW)).toBeUndefined();
  expect(declarationCovering([], NOW - DAY, NOW)).toBeUndefined();
});

test('Ruth moves house: a gift before the move is covered by the old declaration, one after by the new', () => {
  const moveAt = NOW - 20 * DAY;
  const old = declaration({ id: 1, madeAt: NOW - 100 * DAY, coversFrom: NOW - 100 * DAY, supersededAt: moveAt });
  const moved = declaration({ id: 2, madeAt: moveAt, coversFrom: moveAt, house: '3', postcode: 'M1 1AE' });
  expect(declarationCovering([moved, old], moveAt - 1, NOW)?.id).toBe(1);
  expect(declarationCovering([moved, old], moveAt, NOW)?.id).toBe(2);
  expect(declarationCovering([moved, old], NOW - 5 * DAY, NOW)?.postcode).toBe('M1 1AE');
  const before = giftAidEligibility(gift({ givenAt: NOW - 30 * DAY }), [old, moved], { now: NOW });
  expect(before.eligible && before.declaration.postcode).toBe('LS6 2AB');
});

test('when two declarations both cover a gift, the one made latest wins', () => {
  const first = declaration({ id: 1, madeAt: NOW - 100 * DAY, coversFrom: NOW - 100 * DAY });
  const second = declaration({ id: 2, madeAt: NOW - 60 * DAY, coversFrom: NOW - 200 * DAY, lastName: 'Adebayo-Hart' });
  expect(declarationCovering([second, first], NOW - 10 * DAY, NOW)?.id).toBe(2);
  expect(declarationCovering([first, second], NOW - 10 * DAY, NOW)?.id).toBe(2);
  // Only the back-dated one reaches a gift before the first was made.
  expect(declarationCovering([first, second], NOW - 150 * DAY, NOW)?.id).toBe(2);
});

test('Tom’s spoken declaration covers nothing until its letter went and thirty days passed', () => {
  const spoken = (over: Partial<Declaration>) =>
    declaration({ channel: 'oral', madeAt: NOW - 60 * DAY, coversFrom: NOW - 60 * DAY, ...over });
  const givenAt = NOW - 40 * DAY;
  expect(declarationCovering([spoken({ letterSentAt: null })], givenAt, NOW)).toBeUndefined();
  expect(declarationCovering([spoken({ letterSentAt: NOW - 29 * DAY })], givenAt, NOW)).toBeUndefined();
  expect(declarationCovering([spoken({ letterSentAt: NOW - 30 * DAY + 1 })], givenAt, NOW)).toBeUndefined();
  expect(declarationCovering([spoken({ letterSentAt: NOW - 30 * DAY })], givenAt, NOW)?.id).toBe(1);
  expect(declarationCovering([spoken({ letterSentAt: NOW - 31 * DAY })], givenAt, NOW)?.id).toBe(1);
  expect(verdict(gift({ givenAt }), [spoken({ letterSentAt: NOW - 29 * DAY })])).toBe(INELIGIBLE.noDeclaration);
  expect(verdict(gift({ givenAt }), [spoken({ letterSentAt: NOW - 31 * DAY })])).toBe('eligible');
  // A paper or online declaration needs no letter.
  expect(declarationCovering([declaration({ channel: 'paper', coversFrom: NOW - 60 * DAY })], givenAt, NOW)?.id).toBe(1);
});

test('a spoken declaration cancelled within its thirty days never covered anything; cancelled later, it covers gifts before', () => {
  const letterSentAt = NOW - 50 * DAY;
  const spoken = (cancelledAt: number) =>
    declaration({ channel: 'oral', madeAt: NOW - 60 * DAY, coversFrom: NOW - 60 * DAY, letterSentAt, cancelledAt });
  const givenAt = NOW - 55 * DAY;
  expect(declarationCovering([spoken(letterSentAt + 29 * DAY)], givenAt, NOW)).toBeUndefined();
  expect(declarationCovering([spoken(letterSentAt + 31 * DAY)], givenAt, NOW)?.id).toBe(1);
  expect(declarationCovering([spoken(letterSentAt + 31 * DAY)], letterSentAt + 32 * DAY, NOW)).toBeUndefined();
  // An online declaration cancelled soon after still covers the gifts before the cancellation.
  const online = declaration({ madeAt: NOW - 60 * DAY, coversFrom: NOW - 60 * DAY, cancelledAt: letterSentAt + DAY });
  expect(declarationCovering([online], givenAt, NOW)?.id).toBe(1);
});

test('ticking “the past four years” reaches back to gifts made before the declaration', () => {
  const madeAt = NOW - DAY;
  const backdated = declaration({ madeAt, coversFrom: yearsBefore(madeAt, 4) });
  const fromToday = declaration({ madeAt, coversFrom: madeAt });
  const threeYearsAgo = gift({ givenAt: yearsBefore(NOW, 3) });
  expect(verdict(threeYearsAgo, [backdated])).toBe('eligible');
  expect(verdict(threeYearsAgo, [fromToday])).toBe(INELIGIBLE.noDeclaration);
});

test('gifts older than four years are refused even when a declaration covers them', () => {
  const coversAll = [declaration({ coversFrom: 0 })];
  expect(verdict(gift({ givenAt: yearsBefore(NOW, 4) }), coversAll)).toBe('eligible');
  expect(verdict(gift({ givenAt: yearsBefore(NOW, 4) - 1 }), coversAll)).toBe(INELIGIBLE.tooOld);
  expect(verdict(gift({ givenAt: yearsBefore(NOW, 2) - 1 }), coversAll, { maxAgeYears: 2 })).toBe(INELIGIBLE.tooOld);
  expect(verdict(gift({ givenAt: yearsBefore(NOW, 2) }), coversAll, { maxAgeYears: 2 })).toBe('eligible');
});

test('a gift dated in the future is refused; one dated now is fine', () => {
  const ds = [declaration({ coversFrom: 0 })];
  expect(verdict(gift({ givenAt: NOW }), ds)).toBe('eligible');
  expect(verdict(gift({ givenAt: NOW + 1 }), ds)).toBe(INELIGIBLE.future);
});

test('only money received counts: pending, failed, refunded and disputed gifts are refused', () => {
  const statuses: Array<[DonationStatus, string]> = [
    ['paid', 'eligible'],
    ['pending', INELIGIBLE.notReceived],
    ['failed', INELIGIBLE.notReceived],
    ['disputed', INELIGIBLE.notReceived],
    ['refunded', INELIGIBLE.refunded],
  ];
  for (const [status, expected] of statuses) expect(verdict(gift({ status })), status).toBe(expected);
});

test('a partly refunded gift is claimed on what was kept; a gift refunded in full is refused', () => {
  const part = giftAidEligibility(gift({ amountPence: 5000, refundedPence: 1250 }), [declaration()], { now: NOW });
  expect(part).toMatchObject({ eligible: true, claimablePence: 3750 });
  const whole = giftAidEligibility(gift({ amountPence: 5000, refundedPence: 0 }), [declaration()], { now: NOW });
  expect(whole).toMatchObject({ eligible: true, claimablePence: 5000, declaration: { id: 1 } });
  expect(verdict(gift({ amountPence: 5000, refundedPence: 5000 }))).toBe(INELIGIBLE.refunded);
});

test('a company’s gift is refused; the same gift from a person is fine', () => {
  expect(verdict(gift({ fromCompany: true }))).toBe(INELIGIBLE.company);
  expect(verdict(gift({ fromCompany: false }))).toBe('eligible');
});

test('a gift already in a claim is not claimed twice', () => {
  expect(verdict(gift({ claimId: 3 }))).toBe(INELIGIBLE.claimed);
  expect(verdict(gift({ claimId: null }))).toBe('eligible');
});

test('no covering declaration, or one without a home address and postcode, means no claim', () => {
  expect(verdict(gift(), [])).toBe(INELIGIBLE.noDeclaration);
  expect(verdict(gift({ givenAt: NOW - 200 * DAY }))).toBe(INELIGIBLE.noDeclaration);
  expect(verdict(gift(), [declaration({ postcode: '' })])).toBe(INELIGIBLE.noAddress);
  expect(verdict(gift(), [declaration({ house: ' ' })])).toBe(INELIGIBLE.noAddress);
  expect(verdict(gift(), [declaration({ postcode: 'LEEDS' })])).toBe(INELIGIBLE.badPostcode);
  // Abroad: X, and the whole address in the house field.
  expect(verdict(gift(), [declaration({ house: '41 Rue des Tisserands, 69005 Lyon, France', address: '', postcode: 'X' })])).toBe(
    'eligible',
  );
});

test('every reason is a sentence for staff, and each is different', () => {
  const reasons = Object.values(INELIGIBLE);
  expect(new Set(reasons).size).toBe(reasons.length);
  for (const r of reasons) expect(r).toMatch(/^[A-Z].*[.:]/);
});

test('tax years turn at midnight on 6 April London time, summer time included', () => {
  const lastMinute = Date.UTC(2026, 3, 5, 22, 59); // 23:59 BST on Sunday 5 April 2026
  const firstMinute = Date.UTC(2026, 3, 5, 23, 0); // 00:00 BST on Monday 6 April 2026
  const before = taxYearOf(lastMinute, LONDON);
  const after = taxYearOf(firstMinute, LONDON);
  expect(before.label).toBe('2025–26');
  expect(after.label).toBe('2026–27');
  expect(before.end).toBe(firstMinute);
  expect(after.start).toBe(firstMinute);
  expect(taxYearOf(firstMinute - 1, LONDON).label).toBe('2025–26');
  expect(before.start).toBe(Date.UTC(2025, 3, 5, 23)); // 6 April 2025 was in summer time too
  expect(after.end).toBe(Date.UTC(2027, 3, 5, 23));
  // The organisation's zone decides: at that instant it is still 5 April in UTC.
  expect(taxYearOf(firstMinute, 'UTC').label).toBe('2025–26');
  expect(taxYearOf(Date.UTC(2026, 3, 6), 'UTC').start).toBe(Date.UTC(2026, 3, 6));
  // The middle of a year, and a new century.
  expect(taxYearOf(Date.UTC(2026, 11, 25), LONDON).label).toBe('2026–27');
  expect(taxYearOf(Date.UTC(2026, 0, 15), LONDON).label).toBe('2025–26');
  expect(taxYearOf(Date.UTC(2099, 11, 1), LONDON).label).toBe('2099–00');
});
