import fc from 'fast-check';
import { expect, test } from 'vitest';
import { normalisePostcode } from './gift-aid.js';
import type { Declaration, ScheduleRow } from './model.js';
import {
  aggregateSmallGifts,
  formatScheduleAmount,
  formatScheduleDate,
  SCHEDULE_COLUMNS,
  scheduleRowFor,
  splitIntoParts,
  validateScheduleRow,
} from './schedule.js';

// HMRC's Gift Aid schedule: the row a gift makes, how its dates and amounts are written, every check HMRC's upload
// makes on a row (each with a row that passes and one that fails), garbage thrown at the checks, aggregated lines of
// small gifts, and the split into files of 1,000 rows.

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 4, 12);
const LONDON = 'Europe/London';
const CHECK = { now: NOW, timeZone: LONDON, aggregateLimitPence: 100_000 };

function declaration(over: Partial<Declaration> = {}): Declaration {
  return {
    id: 1,
    donorId: 1,
    wordingVersion: 'hmrc-model-2024',
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

const row = (over: Partial<ScheduleRow> = {}): ScheduleRow => ({
  ...scheduleRowFor(declaration(), { givenAt: NOW - 10 * DAY, claimablePence: 1250 }),
  ...over,
});

const aggregatedRow = (over: Partial<ScheduleRow> = {}): ScheduleRow =>
  row({ title: '', firstName: '', lastName: '', house: '', postcode: '', aggregated: 'Small gifts 1', amountPence: 5000, ...over });

/** The fields with a problem, in the order found. */
const fields = (r: ScheduleRow, o = CHECK) => validateScheduleRow(r, o).map((p) => p.field);
/** The one problem a row has (fails when it has none or several). */
function onlyProblem(r: ScheduleRow): string {
  const problems = validateScheduleRow(r, CHECK);
  expect(problems, JSON.stringify(r)).toHaveLength(1);
  return problems[0]!.message;
}

/** The moment `years` calendar years before `at`. */
function yearsBefore(at: number, years: number): number {
  const d = new Date(at);
  d.setUTCFullYear(d.getUTCFullYear() - years);
  return d.getTime();
}

test('the columns are HMRC’s, in HMRC’s order', () => {
  expect([...SCHEDULE_COLUMNS]).toEqual([
    'Item',
    'Title',
    'First name or initial',
    'Last name',
    'House name or number',
    'Postcode',
    'Aggregated donations',
    'Sponsored event',
    'Donation date',
    'Amount',
  ]);
});

test('a gift’s row carries the declaration’s name and address, the gift’s date and the amount that may be claimed', () => {
  const r = scheduleRowFor(declaration({ title: ' Dr ', lastName: 'O’Donnell‐Hart ', house: ' Flat 2, Mill House' }), {
    givenAt: NOW - DAY,
    claimablePence: 3750,
  });
  expect(r).toEqual({
    title: 'Dr',
    firstName: 'Ruth',
    lastName: "O'Donnell-Hart", // the typographic apostrophe and hyphen a phone types, made plain for HMRC
    house: 'Flat 2, Mill House',
    postcode: 'LS6 2AB',
    aggregated: '',
    sponsored: false,
    donationDate: NOW - DAY,
    amountPence: 3750,
  });
  expect(validateScheduleRow(r, CHECK)).toEqual([]);
});

test('dates are DD/MM/YY in the organisation’s zone; amounts are pounds with two decimals and nothing else', () => {
  expect(formatScheduleDate(Date.UTC(2026, 3, 5, 23, 30), LONDON)).toBe('06/04/26'); // 00:30 BST on 6 April
  expect(formatScheduleDate(Date.UTC(2026, 3, 5, 23, 30), 'UTC')).toBe('05/04/26');
  expect(formatScheduleDate(Date.UTC(2027, 0, 1), LONDON)).toBe('01/01/27');
  expect(formatScheduleDate(Date.UTC(2030, 11, 31, 23, 59), LONDON)).toBe('31/12/30');
  expect(formatScheduleAmount(1250)).toBe('12.50');
  expect(formatScheduleAmount(5)).toBe('0.05');
  expect(formatScheduleAmount(100)).toBe('1.00');
  expect(formatScheduleAmount(123_456_705)).toBe('1234567.05');
  expect(formatScheduleAmount(9_999_999_999)).toBe('99999999.99');
});

test('a good row has no problems', () => {
  expect(validateScheduleRow(row(), CHECK)).toEqual([]);
  expect(validateScheduleRow(row({ title: '', sponsored: true }), CHECK)).toEqual([]);
  expect(validateScheduleRow(aggregatedRow(), CHECK)).toEqual([]);
});

test('title: at most four letters, letters only', () => {
  for (const title of ['', 'Mr', 'Revd', 'Miss', 'Mx']) expect(fields(row({ title })), title).toEqual([]);
  expect(onlyProblem(row({ title: 'Sister' }))).toContain('longer than HMRC’s 4 characters');
  expect(onlyProblem(row({ title: 'Mr.' }))).toBe('The title has “.”; HMRC accepts letters only (Mr, not Mr.).');
  expect(onlyProblem(row({ title: 'Dr ' }))).toContain('a space');
});

test('names: one to 35 characters of letters, spaces, apostrophes, hyphens and full stops', () => {
  const good = ['A', 'R.', "D'Arcy", 'Mary-Jane', 'van der Berg', 'x'.repeat(35), 'St. John'];
  for (const name of good) {
    expect(fields(row({ firstName: name })), name).toEqual([]);
    expect(fields(row({ lastName: name })), name).toEqual([]);
  }
  expect(onlyProblem(row({ firstName: '' }))).toBe('The first name is missing.');
  expect(onlyProblem(row({ lastName: '' }))).toBe('The last name is missing.');
  expect(onlyProblem(row({ firstName: 'x'.repeat(36) }))).toBe('The first name is longer than HMRC’s 35 characters.');
  expect(onlyProblem(row({ lastName: 'Smith & Co' }))).toMatch(/^The last name has a character HMRC does not accept: “&”\./);
  expect(onlyProblem(row({ firstName: 'Zoë' }))).toContain('“ë”');
  // An accent typed as a separate character is named as the letter the treasurer sees.
  expect(onlyProblem(row({ firstName: 'Zoe\u0301' }))).toContain('“é”');
  expect(onlyProblem(row({ lastName: 'Lee2' }))).toContain('“2”');
  expect(onlyProblem(row({ lastName: 'A<b>&c' }))).toContain('characters HMRC does not accept: “<”, “>” and “&”');
  expect(onlyProblem(row({ lastName: 'Ann\u200BLee' }))).toContain('an invisible character (U+200B)');
  expect(onlyProblem(row({ lastName: 'Ann\tLee' }))).toContain('a tab');
  expect(onlyProblem(row({ lastName: "'.-" }))).toBe('The last name needs at least one letter.');
});

test('house name or number: required, at most 40 characters (the whole address for a donor abroad)', () => {
  expect(fields(row({ house: 'x'.repeat(40) }))).toEqual([]);
  expect(onlyProblem(row({ house: '' }))).toBe('The house name or number is missing.');
  expect(onlyProblem(row({ house: 'x'.repeat(41) }))).toContain('longer than HMRC’s 40 characters');
  expect(onlyProblem(row({ house: 'x'.repeat(41), postcode: 'X' }))).toContain('An address abroad goes in the house field');
});

test('postcode: a UK postcode in capitals with one space, or X for a donor abroad', () => {
  for (const postcode of ['LS6 2AB', 'SW1A 1AA', 'M1 1AE', 'GIR 0AA', 'X']) expect(fields(row({ postcode })), postcode).toEqual([]);
  expect(onlyProblem(row({ postcode: '' }))).toBe('The postcode is missing (write X for a donor living outside the UK).');
  expect(onlyProblem(row({ postcode: 'ls6 2ab' }))).toBe('HMRC wants the postcode in capitals with one space: “LS6 2AB”.');
  expect(onlyProblem(row({ postcode: 'LS62AB' }))).toBe('HMRC wants the postcode in capitals with one space: “LS6 2AB”.');
  expect(onlyProblem(row({ postcode: 'LS6  2AB' }))).toContain('“LS6 2AB”');
  expect(onlyProblem(row({ postcode: 'x' }))).toContain('capital “X”');
  expect(onlyProblem(row({ postcode: 'LEEDS' }))).toBe('The postcode is not a UK postcode (write X for a donor living outside the UK).');
  expect(onlyProblem(row({ postcode: '75002' }))).toContain('not a UK postcode');
});

test('an aggregated line: no name or address, a short description, at most the limit, never sponsorship', () => {
  expect(fields(aggregatedRow({ amountPence: 100_000 }))).toEqual([]);
  expect(fields(aggregatedRow({ amountPence: 100_001 }))).toEqual(['amountPence']);
  expect(onlyProblem(aggregatedRow({ amountPence: 100_001 }))).toBe('An aggregated line can total at most £1000.00; this one is £1000.01.');
  expect(fields(aggregatedRow({ amountPence: 100_001 }), { ...CHECK, aggregateLimitPence: 200_000 })).toEqual([]);
  expect(fields(aggregatedRow({ aggregated: 'x'.repeat(35) }))).toEqual([]);
  expect(onlyProblem(aggregatedRow({ aggregated: 'x'.repeat(36) }))).toContain('longer than HMRC’s 35 characters');
  expect(onlyProblem(aggregatedRow({ sponsored: true }))).toBe('Aggregated gifts cannot be marked as sponsorship.');
  expect(fields(aggregatedRow({ lastName: 'Adebayo', postcode: 'LS6 2AB' }))).toEqual(['lastName', 'postcode']);
  // A named line is not held to the aggregate limit.
  expect(fields(row({ amountPence: 100_001 }))).toEqual([]);
});

test('donation date: not in the future, not more than four years ago', () => {
  expect(fields(row({ donationDate: NOW }))).toEqual([]);
  expect(onlyProblem(row({ donationDate: NOW + 1 }))).toBe('The donation date is in the future.');
  expect(fields(row({ donationDate: yearsBefore(NOW, 4) }))).toEqual([]);
  expect(onlyProblem(row({ donationDate: yearsBefore(NOW, 4) - 1 }))).toContain('more than four years ago');
});

test('amount: more than nothing, whole pence, below £100,000,000', () => {
  for (const amountPence of [1, 9_999_999_999]) expect(fields(row({ amountPence })), `${amountPence}`).toEqual([]);
  for (const amountPence of [0, -1, 1.5, Number.NaN])
    expect(onlyProblem(row({ amountPence })), `${amountPence}`).toBe('The amount must be more than £0.00.');
  expect(onlyProblem(row({ amountPence: 10_000_000_000 }))).toBe('The amount is larger than HMRC’s schedule allows.');
});

test('every problem is a sentence for a treasurer, about a field of the row', () => {
  const bad = row({
    title: 'Professor',
    firstName: '',
    lastName: 'Ann#',
    house: '',
    postcode: 'nope',
    donationDate: NOW + DAY,
    amountPence: 0,
  });
  const problems = validateScheduleRow(bad, CHECK);
  expect(problems.map((p) => p.field)).toEqual(['title', 'firstName', 'lastName', 'house', 'postcode', 'donationDate', 'amountPence']);
  for (const p of problems) expect(p.message).toMatch(/^[A-Z][^]*[.)]$/);
});

// ---- garbage, and what a row that passes looks like ----

const anyText = fc.oneof(
  fc.string({ maxLength: 50, unit: 'binary' }), // any code point, lone surrogates and control characters included
  fc.string({ maxLength: 50, unit: 'grapheme' }),
  fc.stringMatching(/^[A-Za-z '.\-&,0-9]{0,40}$/), // near misses of a real name
  fc.constantFrom('', 'Ms', 'Ruth', "O'Neil", 'Mary-Jane', '14', 'LS6 2AB', 'ls6 2ab', 'X', 'x', 'GIR 0AA', 'SW1A 1AA'),
);
/** Mostly a value of the right shape, sometimes anything at all: rows then pass often enough to say something. */
const mostly = <T>(good: fc.Arbitrary<T>, other: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: good, weight: 9 }, { arbitrary: other, weight: 1 });

const anyRow: fc.Arbitrary<ScheduleRow> = fc.record({
  title: mostly(fc.stringMatching(/^[A-Za-z]{0,4}$/), anyText),
  firstName: mostly(fc.stringMatching(/^[A-Za-z][A-Za-z '.-]{0,34}$/), anyText),
  lastName: mostly(fc.stringMatching(/^[A-Za-z '.-]{0,36}$/), anyText),
  house: mostly(fc.string({ minLength: 1, maxLength: 41 }), anyText),
  postcode: mostly(fc.constantFrom('LS6 2AB', 'SW1A 1AA', 'M1 1AE', 'X'), anyText),
  aggregated: mostly(fc.constant(''), fc.oneof(fc.constant('Small gifts 1'), anyText)),
  sponsored: fc.boolean(),
  donationDate: mostly(
    fc.integer({ min: NOW - 4 * 365 * DAY, max: NOW }),
    fc.oneof(
      fc.integer({ min: NOW - 6 * 365 * DAY, max: NOW + 365 * DAY }),
      fc.constantFrom(Number.NaN, -1, 0, Number.MAX_SAFE_INTEGER, Number.POSITIVE_INFINITY),
    ),
  ),
  amountPence: mostly(
    fc.oneof(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 9_999_999_999 })),
    fc.oneof(fc.integer({ min: -10, max: 20_000_000_000 }), fc.double()),
  ),
});
const emptyNames = { title: '', firstName: '', lastName: '', house: '', postcode: '' };
const anyAggregatedRow = anyRow.chain((r) =>
  mostly(fc.constant({ ...r, ...emptyNames }), fc.constant(r)).map((x) => ({ ...x, aggregated: x.aggregated || 'Small gifts' })),
);

test('garbage never throws, and every row that passes is written only in forms HMRC accepts', () => {
  const passed = { named: 0, aggregated: 0 };
  fc.assert(
    fc.property(fc.oneof(anyRow, anyAggregatedRow), (r) => {
      const problems = validateScheduleRow(r, CHECK);
      for (const p of problems) expect(Object.keys(r)).toContain(p.field);
      if (problems.length > 0) return;
      passed[r.aggregated === '' ? 'named' : 'aggregated']++;
      expect(formatScheduleDate(r.donationDate, LONDON)).toMatch(/^\d\d\/\d\d\/\d\d$/);
      expect(formatScheduleAmount(r.amountPence)).toMatch(/^[1-9]\d{0,7}\.\d\d$|^0\.(0[1-9]|[1-9]\d)$/);
      if (r.aggregated !== '') {
        expect([r.title, r.firstName, r.lastName, r.house, r.postcode]).toEqual(['', '', '', '', '']);
        expect([...r.aggregated].length).toBeLessThanOrEqual(35);
        expect(r.sponsored).toBe(false);
        expect(r.amountPence).toBeLessThanOrEqual(CHECK.aggregateLimitPence);
        return;
      }
      expect(r.title).toMatch(/^[A-Za-z]{0,4}$/);
      expect(r.firstName).toMatch(/^[A-Za-z '.-]{1,35}$/);
      expect(r.lastName).toMatch(/^[A-Za-z '.-]{1,35}$/);
      expect([...r.house].length).toBeGreaterThanOrEqual(1);
      expect([...r.house].length).toBeLessThanOrEqual(40);
      expect(r.postcode).toMatch(/^X$|^GIR 0AA$|^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$/);
    }),
    { numRuns: 3000 },
  );
  // The property says something only if plenty of rows passed.
  expect(passed.named).toBeGreaterThan(100);
  expect(passed.aggregated).toBeGreaterThan(100);
});

test('any postcode the declaration form accepts passes the schedule’s check once normalised', () => {
  const postcodeLike = fc
    .tuple(
      fc.stringMatching(/^[A-Za-z]{1,2}[0-9][A-Za-z0-9]?$/),
      fc.constantFrom('', ' ', '  ', '\u00a0'),
      fc.stringMatching(/^[0-9][A-Za-z]{2}$/),
    )
    .map(([outward, space, inward]) => `${outward}${space}${inward}`);
  let accepted = 0;
  fc.assert(
    fc.property(fc.oneof(postcodeLike, fc.string({ maxLength: 10 })), (typed) => {
      const postcode = normalisePostcode(typed);
      if (postcode === undefined) return;
      accepted++;
      expect(fields(row({ postcode, house: '1' }))).toEqual([]);
    }),
    { numRuns: 1000 },
  );
  expect(accepted).toBeGreaterThan(100);
});

// ---- aggregated lines ----

test('small gifts are gathered into lines that keep every penny and never pass the limit', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ givenAt: fc.integer({ min: NOW - 365 * DAY, max: NOW }), claimablePence: fc.integer({ min: 1, max: 2000 }) }), {
        maxLength: 400,
      }),
      fc.integer({ min: 2000, max: 100_000 }),
      (gifts, limitPence) => {
        const lines = aggregateSmallGifts(gifts, { limitPence, maxGiftPence: 2000 });
        const sum = (xs: Array<{ amountPence?: number; claimablePence?: number }>) =>
          xs.reduce((s, x) => s + (x.amountPence ?? x.claimablePence ?? 0), 0);
        expect(sum(lines)).toBe(sum(gifts));
        lines.forEach((l, i) => {
          expect(l.amountPence).toBeLessThanOrEqual(limitPence);
          expect(l.aggregated).toBe(`Small gifts ${i + 1}`);
          expect(gifts.map((g) => g.givenAt)).toContain(l.donationDate);
          expect(validateScheduleRow(l, { ...CHECK, aggregateLimitPence: limitPence })).toEqual([]);
        });
        // In date order.
        for (let i = 1; i < lines.length; i++) expect(lines[i]!.donationDate).toBeGreaterThanOrEqual(lines[i - 1]!.donationDate);
        if (gifts.length === 0) expect(lines).toEqual([]);
      },
    ),
    { numRuns: 300 },
  );
});

test('a line is dated by its latest gift; gifts over £20 are left for lines of their own', () => {
  const d = (n: number) => NOW - (10 - n) * DAY;
  const lines = aggregateSmallGifts(
    [
      { givenAt: d(1), claimablePence: 500 },
      { givenAt: d(3), claimablePence: 700 },
      { givenAt: d(2), claimablePence: 900 },
      { givenAt: d(4), claimablePence: 2001 },
    ],
    { limitPence: 2000, maxGiftPence: 2000 },
  );
  expect(lines.map((l) => [l.aggregated, l.amountPence, l.donationDate])).toEqual([
    ['Small gifts 1', 1400, d(2)],
    ['Small gifts 2', 700, d(3)],
  ]);
  // A gift of exactly £20 is small; a lower maximum leaves it out.
  expect(aggregateSmallGifts([{ givenAt: d(1), claimablePence: 2000 }], { limitPence: 100_000, maxGiftPence: 2000 })).toHaveLength(1);
  expect(aggregateSmallGifts([{ givenAt: d(1), claimablePence: 2000 }], { limitPence: 100_000, maxGiftPence: 1000 })).toEqual([]);
});

// ---- parts ----

test('rows are split into files of at most 1,000, in order, none empty', () => {
  const rows = (n: number) => Array.from({ length: n }, (_, i) => i);
  expect(splitIntoParts(rows(0))).toEqual([]);
  expect(splitIntoParts(rows(1000)).map((p) => p.length)).toEqual([1000]);
  expect(splitIntoParts(rows(1001)).map((p) => p.length)).toEqual([1000, 1]);
  expect(splitIntoParts(rows(2500)).map((p) => p.length)).toEqual([1000, 1000, 500]);
  expect(splitIntoParts(rows(2500)).flat()).toEqual(rows(2500));
  expect(splitIntoParts(rows(7), 3).map((p) => p.length)).toEqual([3, 3, 1]);
  expect(() => splitIntoParts(rows(7), 0)).toThrow(RangeError);
});
