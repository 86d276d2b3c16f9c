import fc from 'fast-check';
import { unzipSync } from 'fflate';
import { describe, expect, test } from 'vitest';
import * as XLSX from 'xlsx';
import {
  benefitLimitPence,
  declarationCovering,
  giftAidEligibility,
  giftAidOn,
  INELIGIBLE,
  normalisePostcode,
  taxYearOf,
} from './gift-aid.js';
import type { Declaration, GiftForGiftAid, ScheduleRow } from './model.js';
import { writeScheduleOds, zipParts } from './ods.js';
import {
  SCHEDULE_COLUMNS,
  aggregateSmallGifts,
  formatScheduleAmount,
  formatScheduleDate,
  scheduleRowFor,
  splitIntoParts,
  validateScheduleRow,
} from './schedule.js';

// Gift Aid's rules, HMRC's schedule checks and the ODS writer, as pure functions: each rule with a case either side
// of it, garbage thrown at the row checks, and the written spreadsheet read back by a real ODS reader (SheetJS).

const DAY = 24 * 3600_000;
const NOW = Date.UTC(2026, 11, 4, 12);
const TZ = 'Europe/London';

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

function gift(over: Partial<GiftForGiftAid> = {}): GiftForGiftAid {
  return {
    id: 1,
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

const why = (g: GiftForGiftAid, d: Declaration[]) => {
  const e = giftAidEligibility(g, d, { now: NOW });
  return e.eligible ? 'eligible' : e.reason;
};

describe('Gift Aid rules', () => {
  test('postcodes are written as HMRC wants them; X is a donor abroad; anything else is not a postcode', () => {
    expect(normalisePostcode('sw1a1aa')).toBe('SW1A 1AA');
    expect(normalisePostcode(' ls6  2ab ')).toBe('LS6 2AB');
    expect(normalisePostcode('x')).toBe('X');
    expect(normalisePostcode('12345')).toBeUndefined();
    expect(normalisePostcode('')).toBeUndefined();
  });

  test('benefit limits at their edges', () => {
    expect(benefitLimitPence(10_000)).toBe(2_500);
    expect(benefitLimitPence(10_001)).toBe(2_500);
    expect(benefitLimitPence(1_000_000)).toBe(2_500);
    expect(benefitLimitPence(1_000_001)).toBe(50_000);
    expect(benefitLimitPence(400)).toBe(100);
    expect(giftAidOn(1000)).toBe(250);
    expect(giftAidOn(1003)).toBe(250);
  });

  test('a gift is covered by the declaration live on its day; an address change hands over at its date', () => {
    const old = declaration({ id: 1, madeAt: NOW - 100 * DAY, coversFrom: NOW - 100 * DAY, supersededAt: NOW - 20 * DAY });
    const moved = declaration({ id: 2, madeAt: NOW - 20 * DAY, coversFrom: NOW - 20 * DAY, house: '3', postcode: 'M1 1AA' });
    expect(declarationCovering([old, moved], NOW - 30 * DAY, NOW)?.id).toBe(1);
    expect(declarationCovering([old, moved], NOW - 5 * DAY, NOW)?.id).toBe(2);
    expect(declarationCovering([old, moved], NOW - 200 * DAY, NOW)).toBeUndefined();
    // Ticking "the past four years" reaches back.
    const back = declaration({ coversFrom: NOW - 4 * 365 * DAY });
    expect(declarationCovering([back], NOW - 3 * 365 * DAY, NOW)?.id).toBe(1);
    // Cancelled: gifts from then on are not covered.
    const cancelled = declaration({ cancelledAt: NOW - 5 * DAY });
    expect(declarationCovering([cancelled], NOW - 10 * DAY, NOW)?.id).toBe(1);
    expect(declarationCovering([cancelled], NOW - 2 * DAY, NOW)).toBeUndefined();
  });

  test('a spoken declaration covers nothing until its letter went and thirty days passed; cancelled within them, nothing ever', () => {
    const spoken = (letterDaysAgo: number | null, cancelledDaysAgo?: number) =>
      declaration({
        channel: 'oral',
        letterSentAt: letterDaysAgo === null ? null : NOW - letterDaysAgo * DAY,
        cancelledAt: cancelledDaysAgo === undefined ? null : NOW - cancelledDaysAgo * DAY,
      });
    expect(declarationCovering([spoken(null)], NOW - 10 * DAY, NOW)).toBeUndefined();
    expect(declarationCovering([spoken(29)], NOW - 10 * DAY, NOW)).toBeUndefined();
    expect(declarationCovering([spoken(31)], NOW - 10 * DAY, NOW)?.id).toBe(1);
    expect(declarationCovering([spoken(50, 40)], NOW - 60 * DAY, NOW)).toBeUndefined();
  });

  test('each reason a gift cannot be claimed, and the amount that can', () => {
    const d = [declaration()];
    expect(why(gift(), d)).toBe('eligible');
    expect(why(gift({ status: 'pending' }), d)).toBe(INELIGIBLE.notReceived);
    expect(why(gift({ status: 'refunded', refundedPence: 1000 }), d)).toBe(INELIGIBLE.refunded);
    expect(why(gift({ fromCompany: true }), d)).toBe(INELIGIBLE.company);
    expect(why(gift({ benefitPence: 251 }), d)).toBe(INELIGIBLE.benefit);
    expect(why(gift({ benefitPence: 250 }), d)).toBe('eligible');
    expect(why(gift({ claimId: 3 }), d)).toBe(INELIGIBLE.claimed);
    expect(why(gift({ givenAt: NOW + DAY }), d)).toBe(INELIGIBLE.future);
    expect(why(gift({ givenAt: NOW - 5 * 365 * DAY }), [declaration({ coversFrom: 0 })])).toBe(INELIGIBLE.tooOld);
    expect(why(gift({ givenAt: NOW - 200 * DAY }), d)).toBe(INELIGIBLE.noDeclaration);
    expect(why(gift(), [declaration({ postcode: '' })])).toBe(INELIGIBLE.noAddress);
    const part = giftAidEligibility(gift({ refundedPence: 400 }), d, { now: NOW });
    expect(part.eligible && part.claimablePence).toBe(600);
  });

  test('tax years run 6 April to 5 April in London, British Summer Time included', () => {
    const fifth = Date.UTC(2026, 3, 5, 22, 59); // 23:59 BST on 5 April 2026
    const sixth = Date.UTC(2026, 3, 5, 23, 0); // 00:00 BST on 6 April 2026
    expect(taxYearOf(fifth, TZ).label).toBe('2025–26');
    expect(taxYearOf(sixth, TZ).label).toBe('2026–27');
    expect(taxYearOf(sixth, TZ).start).toBe(sixth);
    expect(taxYearOf(fifth, TZ).end).toBe(sixth);
  });
});

describe('HMRC schedule rows', () => {
  const ok = { now: NOW, timeZone: TZ, aggregateLimitPence: 100_000 };
  const row = (over: Partial<ScheduleRow> = {}): ScheduleRow => ({
    ...scheduleRowFor(declaration(), { givenAt: NOW - 10 * DAY, claimablePence: 1250 }),
    ...over,
  });

  test('a good row passes; dates and amounts are written as HMRC wants', () => {
    expect(validateScheduleRow(row(), ok)).toEqual([]);
    expect(formatScheduleDate(Date.UTC(2026, 3, 5, 23, 30), TZ)).toBe('06/04/26');
    expect(formatScheduleAmount(1250)).toBe('12.50');
    expect(formatScheduleAmount(123_456_705)).toBe('1234567.05');
    expect(scheduleRowFor(declaration({ lastName: 'O’Donnell' }), { givenAt: NOW, claimablePence: 1 }).lastName).toBe("O'Donnell");
  });

  test('each check HMRC makes is a sentence naming the problem', () => {
    const fields = (r: ScheduleRow) => validateScheduleRow(r, ok).map((p) => p.field);
    expect(fields(row({ title: 'Revd' }))).toEqual([]);
    expect(fields(row({ title: 'Sister' }))).toEqual(['title']);
    expect(fields(row({ title: 'Mr.' }))).toEqual(['title']);
    expect(fields(row({ firstName: 'A'.repeat(36) }))).toEqual(['firstName']);
    expect(fields(row({ lastName: '' }))).toEqual(['lastName']);
    expect(validateScheduleRow(row({ lastName: 'Smith & Co' }), ok)[0]!.message).toContain('“&”');
    expect(fields(row({ house: '' }))).toEqual(['house']);
    expect(fields(row({ house: 'x'.repeat(41) }))).toEqual(['house']);
    expect(validateScheduleRow(row({ postcode: 'ls6 2ab' }), ok)[0]!.message).toContain('“LS6 2AB”');
    expect(fields(row({ postcode: 'X', house: '41 Rue des Tisserands, Lyon' }))).toEqual([]);
    expect(fields(row({ donationDate: NOW + DAY }))).toEqual(['donationDate']);
    expect(fields(row({ donationDate: NOW - 5 * 365 * DAY }))).toEqual(['donationDate']);
    expect(fields(row({ amountPence: 0 }))).toEqual(['amountPence']);
    const aggregated = { title: '', firstName: '', lastName: '', house: '', postcode: '', aggregated: 'Small gifts 1' };
    expect(fields(row({ ...aggregated, amountPence: 100_000 }))).toEqual([]);
    expect(fields(row({ ...aggregated, amountPence: 100_001 }))).toEqual(['amountPence']);
    expect(fields(row({ ...aggregated, sponsored: true }))).toEqual(['sponsored']);
  });

  test('garbage never throws, and a row that passes writes only what HMRC accepts', () => {
    const text = fc.string({ maxLength: 60, unit: 'grapheme' });
    fc.assert(
      fc.property(
        fc.record({
          title: text,
          firstName: text,
          lastName: text,
          house: text,
          postcode: text,
          aggregated: fc.constantFrom('', 'Small gifts 1'),
          sponsored: fc.boolean(),
          donationDate: fc.integer({ min: NOW - 6 * 365 * DAY, max: NOW + 365 * DAY }),
          amountPence: fc.integer({ min: -10, max: 20_000_000_000 }),
        }),
        (r) => {
          const problems = validateScheduleRow(r, ok);
          if (problems.length > 0 || r.aggregated !== '') return;
          expect([...r.title].length).toBeLessThanOrEqual(4);
          expect(r.firstName).toMatch(/^[A-Za-z '\-.]{1,35}$/);
          expect(r.lastName).toMatch(/^[A-Za-z '\-.]{1,35}$/);
          expect(r.postcode === 'X' || /^[A-Z0-9]{2,4} [0-9][A-Z]{2}$/.test(r.postcode)).toBe(true);
          expect(formatScheduleAmount(r.amountPence)).toMatch(/^\d+\.\d\d$/);
        },
      ),
      { numRuns: 500 },
    );
  });

  test('aggregated lines keep every penny and never pass the limit', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 2000 }), { maxLength: 300 }),
        fc.integer({ min: 2000, max: 100_000 }),
        (amounts, limit) => {
          const gifts = amounts.map((a, i) => ({ givenAt: NOW - i * DAY, claimablePence: a }));
          const lines = aggregateSmallGifts(gifts, { limitPence: limit });
          expect(lines.reduce((s, l) => s + l.amountPence, 0)).toBe(amounts.reduce((s, a) => s + a, 0));
          for (const l of lines) expect(l.amountPence).toBeLessThanOrEqual(limit);
        },
      ),
    );
    expect(aggregateSmallGifts([{ givenAt: NOW, claimablePence: 2001 }], { limitPence: 100_000 })).toEqual([]);
    expect(splitIntoParts(Array.from({ length: 2001 }, (_, i) => i)).map((p) => p.length)).toEqual([1000, 1000, 1]);
  });
});

describe('the ODS schedule', () => {
  const read = (bytes: Uint8Array) => {
    const book = XLSX.read(bytes, { type: 'buffer' });
    return XLSX.utils.sheet_to_json<string[]>(book.Sheets[book.SheetNames[0]!]!, { header: 1, raw: false, defval: '' });
  };

  test('a real ODS reader finds HMRC’s columns, text dates and amounts, and names with & < > intact', () => {
    const rows: ScheduleRow[] = [
      scheduleRowFor(declaration({ lastName: 'Smith & <Jones>' }), { givenAt: Date.UTC(2026, 3, 5, 23, 30), claimablePence: 1250 }),
      {
        ...scheduleRowFor(declaration(), { givenAt: NOW, claimablePence: 100_000 }),
        title: '',
        firstName: '',
        lastName: '',
        house: '',
        postcode: '',
        aggregated: 'Small gifts 1',
      },
    ];
    const bytes = writeScheduleOds(rows, { timeZone: TZ, earliestDate: Date.UTC(2026, 0, 1, 12) });
    const entries = unzipSync(bytes);
    expect(Object.keys(entries)[0]).toBe('mimetype');
    expect(new TextDecoder().decode(entries.mimetype)).toBe('application/vnd.oasis.opendocument.spreadsheet');
    // Stored, not compressed: the type is readable at a fixed offset in the file's first bytes.
    expect(new TextDecoder().decode(bytes.slice(38, 38 + 46))).toBe('application/vnd.oasis.opendocument.spreadsheet');
    const cells = read(bytes);
    expect(cells[1]!.slice(0, 2)).toEqual(['Earliest donation date in the period of claim (DD/MM/YY)', '01/01/26']);
    const header = cells.findIndex((r) => r[0] === 'Item');
    expect(cells[header]).toEqual([...SCHEDULE_COLUMNS]);
    expect(cells[header + 1]).toEqual(['1', 'Ms', 'Ruth', 'Smith & <Jones>', '14', 'LS6 2AB', '', '', '06/04/26', '12.50']);
    expect(cells[header + 2]).toEqual(['2', '', '', '', '', '', 'Small gifts 1', '', '04/12/26', '1000.00']);
  });

  test('a full part of 1,000 rows, and a zip of three parts', () => {
    const rows = Array.from({ length: 1000 }, (_, i) =>
      scheduleRowFor(declaration(), { givenAt: NOW - i * 60_000, claimablePence: 100 + i }),
    );
    const bytes = writeScheduleOds(rows, { timeZone: TZ, earliestDate: NOW - DAY, part: { n: 1, of: 3 } });
    const cells = read(bytes);
    expect(cells[0]![0]).toBe('Gift Aid schedule (part 1 of 3)');
    const header = cells.findIndex((r) => r[0] === 'Item');
    expect(cells.length - header - 1).toBe(1000);
    expect(cells[cells.length - 1]![9]).toBe('10.99');
    const zip = unzipSync(zipParts([1, 2, 3].map((n) => ({ name: `schedule-${n}.ods`, bytes }))));
    expect(Object.keys(zip)).toEqual(['schedule-1.ods', 'schedule-2.ods', 'schedule-3.ods']);
    expect(read(zip['schedule-3.ods']!).length).toBe(cells.length);
  });
});
