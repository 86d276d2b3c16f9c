import fc from 'fast-check';
import { expect, test } from 'vitest';
import { describeClockChange, utcToZonedLocal, zonedLocalCandidates, zonedLocalToUtc } from '../core/time.js';
import type { SeriesRule, Weekday } from './model.js';
import { describeRule, occurrencesOf, seriesClockProblems } from './recurrence.js';

// Freedom Thread's Tuesday letter-writing evenings, first-Saturday stalls and late vigils, across the clock changes.

const LONDON = 'Europe/London';
const NEW_YORK = 'America/New_York';
const HOUR = 3_600_000;
const DAY = 86_400_000;

const at = (local: string, zone = LONDON): number => {
  const t = zonedLocalToUtc(local, zone);
  if (t === null) throw new Error(`not a time: ${local}`);
  return t;
};
const localStarts = (rule: SeriesRule, from: string, to: string, zone = LONDON, limit = 500) =>
  occurrencesOf(rule, zone, { from: at(from, zone), to: at(to, zone), limit }).map((o) => utcToZonedLocal(o.startsAt, zone));

const tuesdays: SeriesRule = { freq: 'weekly', interval: 1, weekday: 2, start: '18:00', end: '19:00', firstDay: '2026-03-01' };

test('every Tuesday at 18:00 stays 18:00 in London across both clock changes of 2026, and moves by an hour in UTC', () => {
  const dates = occurrencesOf(tuesdays, LONDON, { from: at('2026-03-01T00:00'), to: at('2026-12-01T00:00'), limit: 100 });
  expect(dates).toHaveLength(39);
  for (const d of dates) {
    expect(utcToZonedLocal(d.startsAt, LONDON).slice(10)).toBe('T18:00');
    expect(utcToZonedLocal(d.endsAt, LONDON).slice(10)).toBe('T19:00');
    expect(new Date(d.startsAt).getUTCDay()).toBe(2);
    expect(d.endsAt - d.startsAt).toBe(HOUR);
  }
  const starts = dates.map((d) => d.startsAt);
  // Greenwich time until Sunday 29 March, summer time until Sunday 25 October, then Greenwich time again.
  expect(starts).toContain(Date.UTC(2026, 2, 24, 18));
  expect(starts).toContain(Date.UTC(2026, 2, 31, 17));
  expect(starts).toContain(Date.UTC(2026, 9, 20, 17));
  expect(starts).toContain(Date.UTC(2026, 9, 27, 18));
  expect(starts[0]).toBe(Date.UTC(2026, 2, 3, 18));
});

test('the hour skipped and the hour repeated are found in London and New York', () => {
  expect(zonedLocalCandidates('2026-03-29T01:30', LONDON)).toEqual([]);
  expect(zonedLocalCandidates('2026-10-25T01:30', LONDON)).toEqual([Date.UTC(2026, 9, 25, 0, 30), Date.UTC(2026, 9, 25, 1, 30)]);
  expect(zonedLocalCandidates('2026-03-29T00:59', LONDON)).toEqual([Date.UTC(2026, 2, 29, 0, 59)]);
  expect(zonedLocalCandidates('2026-03-29T02:00', LONDON)).toEqual([Date.UTC(2026, 2, 29, 1)]);
  expect(zonedLocalCandidates('2026-03-08T02:30', NEW_YORK)).toEqual([]);
  expect(zonedLocalCandidates('2026-11-01T01:15', NEW_YORK)).toEqual([Date.UTC(2026, 10, 1, 5, 15), Date.UTC(2026, 10, 1, 6, 15)]);
  expect(zonedLocalCandidates('2026-07-14T18:00', NEW_YORK)).toEqual([Date.UTC(2026, 6, 14, 22)]);
  for (const bad of ['2026-02-30T10:00', '2026-13-01T10:00', '2026-03-29T24:00', '2026-03-29 01:30', 'soon'])
    expect(zonedLocalCandidates(bad, LONDON)).toEqual([]);
});

test('staff are told when the clocks change and which times to choose instead', () => {
  expect(describeClockChange('2026-03-29T01:30', LONDON)).toEqual({
    kind: 'gap',
    message:
      'Clocks go forward at 01:00 on Sunday 29 March 2026, so 01:30 does not happen that night. Choose a time before 01:00 or from 02:00.',
  });
  expect(describeClockChange('2026-10-25T01:30', LONDON)).toEqual({
    kind: 'repeated',
    message:
      '01:30 happens twice on Sunday 25 October 2026, when clocks go back: once before the change and again an hour later. ' +
      'Choose a time before 01:00 or from 02:00.',
  });
  expect(describeClockChange('2026-03-08T02:30', NEW_YORK)?.message).toBe(
    'Clocks go forward at 02:00 on Sunday 8 March 2026, so 02:30 does not happen that night. Choose a time before 02:00 or from 03:00.',
  );
  expect(describeClockChange('2026-11-01T01:15', NEW_YORK)?.message).toBe(
    '01:15 happens twice on Sunday 1 November 2026, when clocks go back: once before the change and again an hour later. ' +
      'Choose a time before 01:00 or from 02:00.',
  );
  // Southern hemisphere: Sydney goes back in April and forward in October.
  expect(describeClockChange('2026-04-05T02:30', 'Australia/Sydney')?.kind).toBe('repeated');
  expect(describeClockChange('2026-10-04T02:30', 'Australia/Sydney')?.message).toMatch(
    /^Clocks go forward at 02:00 on Sunday 4 October 2026/,
  );
  // Lord Howe Island moves its clocks by half an hour.
  expect(describeClockChange('2026-04-05T01:45', 'Australia/Lord_Howe')?.message).toMatch(
    /again half an hour later\. Choose a time before 01:30 or from 02:00\.$/,
  );
  // Chile changes at midnight: there is no "before 00:00" on that day.
  expect(describeClockChange('2026-09-06T00:30', 'America/Santiago')?.message).toMatch(
    /at 00:00 on Sunday 6 September 2026.*Choose a time from 01:00, or another day\.$/,
  );
  // New Zealand summer time is 13 hours ahead: 02:00–03:00 repeats on 5 April 2026, 01:59 and 03:00 happen once.
  expect(zonedLocalCandidates('2026-04-05T02:30', 'Pacific/Auckland')).toEqual([
    Date.UTC(2026, 3, 4, 13, 30),
    Date.UTC(2026, 3, 4, 14, 30),
  ]);
  expect(zonedLocalToUtc('2026-04-05T02:30', 'Pacific/Auckland')).toBe(Date.UTC(2026, 3, 4, 13, 30));
  expect(zonedLocalToUtc('2026-04-05T01:59', 'Pacific/Auckland')).toBe(Date.UTC(2026, 3, 4, 12, 59));
  expect(describeClockChange('2026-04-05T01:59', 'Pacific/Auckland')).toBeUndefined();
  expect(describeClockChange('2026-04-05T03:00', 'Pacific/Auckland')).toBeUndefined();
  expect(describeClockChange('2026-03-29T00:30', LONDON)).toBeUndefined();
  expect(describeClockChange('2026-10-25T02:00', LONDON)).toBeUndefined();
  expect(describeClockChange('2026-02-30T01:30', LONDON)).toBeUndefined();
});

test('monthly: the first Saturday, the last Friday, and the 31st (months without one are skipped)', () => {
  const monthly = { freq: 'monthly', start: '10:00', end: '12:00', firstDay: '2026-01-01' } as const;
  expect(localStarts({ ...monthly, by: 'weekday', nth: 1, weekday: 6 }, '2026-01-01T00:00', '2026-07-01T00:00')).toEqual(
    ['2026-01-03', '2026-02-07', '2026-03-07', '2026-04-04', '2026-05-02', '2026-06-06'].map((d) => `${d}T10:00`),
  );
  expect(localStarts({ ...monthly, by: 'weekday', nth: -1, weekday: 5 }, '2026-01-01T00:00', '2026-07-01T00:00')).toEqual(
    ['2026-01-30', '2026-02-27', '2026-03-27', '2026-04-24', '2026-05-29', '2026-06-26'].map((d) => `${d}T10:00`),
  );
  expect(localStarts({ ...monthly, by: 'day', day: 31 }, '2026-01-01T00:00', '2027-01-01T00:00')).toEqual(
    ['2026-01-31', '2026-03-31', '2026-05-31', '2026-07-31', '2026-08-31', '2026-10-31', '2026-12-31'].map((d) => `${d}T10:00`),
  );
  expect(localStarts({ ...monthly, by: 'day', day: 29 }, '2027-12-01T00:00', '2028-04-01T00:00')).toEqual(
    ['2027-12-29', '2028-01-29', '2028-02-29', '2028-03-29'].map((d) => `${d}T10:00`),
  );
});

test('every 2 weeks keeps the rhythm of the first week, whatever window is asked for, and never starts before the first day', () => {
  // 7 January 2026 is a Wednesday: its week's Saturday is the 10th.
  const fortnightly: SeriesRule = { freq: 'weekly', interval: 2, weekday: 6, start: '11:00', end: '13:00', firstDay: '2026-01-07' };
  expect(localStarts(fortnightly, '2025-12-01T00:00', '2026-02-08T00:00')).toEqual(
    ['2026-01-10', '2026-01-24', '2026-02-07'].map((d) => `${d}T11:00`),
  );
  expect(localStarts(fortnightly, '2026-03-01T00:00', '2026-04-01T00:00')).toEqual(['2026-03-07T11:00', '2026-03-21T11:00']);
  // Starting on Sunday the 11th: the Saturday of that week has passed, and the next in the rhythm is the 24th.
  expect(localStarts({ ...fortnightly, firstDay: '2026-01-11' }, '2026-01-01T00:00', '2026-02-01T00:00')).toEqual(['2026-01-24T11:00']);
});

test('until is the last day a date may start on; limit is the most dates returned; the window is [from, to)', () => {
  const until = localStarts({ ...tuesdays, until: '2026-03-17' }, '2026-01-01T00:00', '2027-01-01T00:00');
  expect(until).toEqual(['2026-03-03T18:00', '2026-03-10T18:00', '2026-03-17T18:00']);
  expect(localStarts(tuesdays, '2026-03-01T00:00', '2027-01-01T00:00', LONDON, 2)).toEqual(['2026-03-03T18:00', '2026-03-10T18:00']);
  expect(localStarts(tuesdays, '2026-03-01T00:00', '2027-01-01T00:00', LONDON, 0)).toEqual([]);
  expect(localStarts(tuesdays, '2026-03-03T18:00', '2026-03-10T18:00')).toEqual(['2026-03-03T18:00']);
  expect(localStarts(tuesdays, '2026-03-03T18:01', '2026-03-10T18:01')).toEqual(['2026-03-10T18:00']);
  // Late on Tuesday in New York is already Wednesday in UTC: a window opening then still finds Tuesday's date.
  const late = occurrencesOf({ ...tuesdays, start: '22:00', end: '23:00' }, NEW_YORK, {
    from: Date.UTC(2026, 6, 15, 1),
    to: Date.UTC(2026, 6, 16),
    limit: 5,
  });
  expect(late.map((d) => utcToZonedLocal(d.startsAt, NEW_YORK))).toEqual(['2026-07-14T22:00']);
});

test('an end at or before the start is on the next day, and a night the clocks change is an hour shorter or longer', () => {
  const vigil: SeriesRule = { freq: 'weekly', interval: 1, weekday: 6, start: '22:00', end: '02:00', firstDay: '2026-03-14' };
  const dates = occurrencesOf(vigil, LONDON, { from: at('2026-03-14T00:00'), to: at('2026-04-01T00:00'), limit: 10 });
  expect(dates.map((d) => [utcToZonedLocal(d.startsAt, LONDON), utcToZonedLocal(d.endsAt, LONDON)])).toEqual([
    ['2026-03-14T22:00', '2026-03-15T02:00'],
    ['2026-03-21T22:00', '2026-03-22T02:00'],
    ['2026-03-28T22:00', '2026-03-29T02:00'],
  ]);
  expect(dates.map((d) => (d.endsAt - d.startsAt) / HOUR)).toEqual([4, 4, 3]);
  const allDay = occurrencesOf({ ...vigil, end: '22:00' }, LONDON, { from: at('2026-03-14T00:00'), to: at('2026-03-15T00:00'), limit: 1 });
  expect(allDay.map((d) => (d.endsAt - d.startsAt) / HOUR)).toEqual([24]);
});

test('a start or end the clocks skip or repeat is found, naming the date; ordinary series pass', () => {
  const from = at('2026-01-01T00:00');
  const early: SeriesRule = { freq: 'weekly', interval: 1, weekday: 7, start: '01:30', end: '02:30', firstDay: '2026-01-04' };
  expect(seriesClockProblems(early, LONDON, { from, years: 2 })).toBe(
    'On Sunday 29 March 2026 this series would start at 01:30. Clocks go forward at 01:00 on Sunday 29 March 2026, ' +
      'so 01:30 does not happen that night. Choose a time before 01:00 or from 02:00.',
  );
  const late: SeriesRule = { freq: 'weekly', interval: 1, weekday: 6, start: '23:00', end: '01:30', firstDay: '2026-01-03' };
  expect(seriesClockProblems(late, LONDON, { from, years: 2 })).toMatch(
    /^On Sunday 29 March 2026 this series would end at 01:30\. Clocks go forward/,
  );
  const firstSunday: SeriesRule = {
    freq: 'monthly',
    by: 'weekday',
    nth: 1,
    weekday: 7,
    start: '01:30',
    end: '03:00',
    firstDay: '2026-01-01',
  };
  expect(seriesClockProblems(firstSunday, NEW_YORK, { from, years: 2 })).toMatch(
    /^On Sunday 1 November 2026 this series would start at 01:30\. 01:30 happens twice on Sunday 1 November 2026/,
  );
  // The problem is past the years checked, or the series ends before it.
  expect(seriesClockProblems(firstSunday, NEW_YORK, { from, years: 0.5 })).toBeUndefined();
  expect(seriesClockProblems({ ...early, until: '2026-03-22' }, LONDON, { from, years: 2 })).toBeUndefined();
  expect(seriesClockProblems(tuesdays, LONDON, { from, years: 2 })).toBeUndefined();
});

test('rules in plain English', () => {
  expect(describeRule(tuesdays)).toBe('Every Tuesday, 18:00 to 19:00');
  expect(describeRule({ ...tuesdays, interval: 2, weekday: 6, start: '10:00', end: '12:00' })).toBe(
    'Every 2 weeks on Saturday, 10:00 to 12:00',
  );
  expect(describeRule({ freq: 'monthly', by: 'weekday', nth: 1, weekday: 6, start: '10:00', end: '12:00', firstDay: '2026-01-01' })).toBe(
    'On the first Saturday of every month, 10:00 to 12:00',
  );
  expect(describeRule({ freq: 'monthly', by: 'weekday', nth: -1, weekday: 5, start: '19:00', end: '21:00', firstDay: '2026-01-01' })).toBe(
    'On the last Friday of every month, 19:00 to 21:00',
  );
  expect(
    describeRule({ freq: 'monthly', by: 'day', day: 12, start: '18:30', end: '20:00', firstDay: '2026-01-01', until: '2027-06-30' }),
  ).toBe('On the 12th of every month, 18:30 to 20:00 until 30 June 2027');
  expect(describeRule({ freq: 'monthly', by: 'day', day: 31, start: '18:30', end: '20:00', firstDay: '2026-01-01' })).toBe(
    'On the 31st of every month, 18:30 to 20:00 (months without a 31st are skipped)',
  );
  expect(describeRule({ ...tuesdays, start: '22:00', end: '02:00', until: '2026-12-01' })).toBe(
    'Every Tuesday, 22:00 to 02:00 the next day until 1 December 2026',
  );
});

test('a rule that makes no sense has no dates', () => {
  const window = { from: at('2026-01-01T00:00'), to: at('2027-01-01T00:00'), limit: 100 };
  const broken: SeriesRule[] = [
    { ...tuesdays, interval: 0 },
    { ...tuesdays, interval: 1.5 },
    { ...tuesdays, weekday: 8 as Weekday },
    { ...tuesdays, start: '25:00' },
    { ...tuesdays, end: '9:00' },
    { ...tuesdays, firstDay: '2026-02-30' },
    { ...tuesdays, until: 'June' },
    { freq: 'monthly', by: 'day', day: 32, start: '10:00', end: '11:00', firstDay: '2026-01-01' },
    { freq: 'monthly', by: 'weekday', start: '10:00', end: '11:00', firstDay: '2026-01-01' },
  ];
  for (const rule of broken) expect(occurrencesOf(rule, LONDON, window)).toEqual([]);
  expect(occurrencesOf(tuesdays, LONDON, { ...window, from: Number.NaN })).toEqual([]);
});

// Properties, over zones with clock changes at 01:00, 02:00, 03:00, at midnight, by half an hour, beyond +12 hours,
// and none.
const ZONES = [
  LONDON,
  NEW_YORK,
  'Australia/Sydney',
  'Australia/Lord_Howe',
  'Pacific/Auckland',
  'Pacific/Chatham',
  'America/Santiago',
  'America/Havana',
  'Asia/Kolkata',
  'Pacific/Apia',
];
const zone = fc.constantFrom(...ZONES);
const pad = (n: number) => String(n).padStart(2, '0');
// Night hours, where the clocks change, come up often.
const clock = fc
  .tuple(fc.oneof(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 1, 2, 3, 23)), fc.constantFrom(0, 15, 30, 45, 59))
  .map(([h, m]) => `${pad(h)}:${pad(m)}`);
const dayOf = (n: number) => new Date(n * DAY).toISOString().slice(0, 10);
const FIRST = Date.UTC(2020, 0, 1) / DAY;
const weekday = fc.integer({ min: 1, max: 7 }) as fc.Arbitrary<Weekday>;

const rule: fc.Arbitrary<SeriesRule> = fc
  .record({
    start: clock,
    end: clock,
    first: fc.integer({ min: FIRST, max: FIRST + 11 * 365 }),
    until: fc.option(fc.integer({ min: 0, max: 800 }), { nil: undefined }),
    shape: fc.oneof(
      fc.record({ freq: fc.constant('weekly' as const), interval: fc.integer({ min: 1, max: 4 }), weekday }),
      fc.record({ freq: fc.constant('monthly' as const), by: fc.constant('day' as const), day: fc.integer({ min: 1, max: 31 }) }),
      fc.record({
        freq: fc.constant('monthly' as const),
        by: fc.constant('weekday' as const),
        nth: fc.constantFrom<1 | 2 | 3 | 4 | -1>(1, 2, 3, 4, -1),
        weekday,
      }),
    ),
  })
  .map(({ start, end, first, until, shape }) => ({
    ...shape,
    start,
    end,
    firstDay: dayOf(first),
    until: until === undefined ? undefined : dayOf(first + until),
  }));

// Whether a rule falls on a day, worked out differently from recurrence.ts: from each day's own calendar fields.
function fallsOn(r: SeriesRule, day: string): boolean {
  const date = new Date(`${day}T00:00Z`);
  const isoDay = ((date.getUTCDay() + 6) % 7) + 1;
  const dom = date.getUTCDate();
  if (r.freq === 'weekly') {
    const first = new Date(`${r.firstDay}T00:00Z`);
    const firstMonday = first.getTime() - ((first.getUTCDay() + 6) % 7) * DAY;
    return isoDay === r.weekday && Math.floor((date.getTime() - firstMonday) / (7 * DAY)) % r.interval === 0;
  }
  if (r.by === 'day') return dom === r.day;
  const monthLength = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
  return isoDay === r.weekday && (r.nth === -1 ? dom + 7 > monthLength : Math.ceil(dom / 7) === r.nth);
}

test('property: the dates are exactly the rule’s days in the window, in order, at the rule’s wall-clock times unless the clocks skip it', () => {
  fc.assert(
    fc.property(
      rule,
      zone,
      fc.integer({ min: -40, max: 400 }),
      fc.integer({ min: 0, max: DAY - 1 }),
      fc.integer({ min: 0, max: 400 * DAY }),
      fc.integer({ min: 1, max: 80 }),
      (r, z, fromDays, fromMs, span, limit) => {
        const from = Date.parse(`${r.firstDay}T00:00Z`) + fromDays * DAY + fromMs;
        const to = from + span;
        const dates = occurrencesOf(r, z, { from, to, limit });

        const expected: Array<{ day: string; startsAt: number }> = [];
        const last = Math.min(r.until ? Date.parse(`${r.until}T00:00Z`) / DAY : Infinity, Math.floor(to / DAY) + 2);
        for (let n = Date.parse(`${r.firstDay}T00:00Z`) / DAY; n <= last && expected.length < limit; n++) {
          const day = dayOf(n);
          if (!fallsOn(r, day)) continue;
          const startsAt = zonedLocalToUtc(`${day}T${r.start}`, z)!;
          if (startsAt >= from && startsAt < to) expected.push({ day, startsAt });
        }
        expect(dates.map((d) => d.startsAt)).toEqual(expected.map((e) => e.startsAt));

        dates.forEach((d, i) => {
          const { day } = expected[i]!;
          expect(d.startsAt).toBeGreaterThanOrEqual(from);
          expect(d.startsAt).toBeLessThan(to);
          if (i > 0) expect(d.startsAt).toBeGreaterThan(dates[i - 1]!.startsAt);
          expect(d.endsAt).toBeGreaterThan(d.startsAt);
          expect(day >= r.firstDay && (!r.until || day <= r.until)).toBe(true);
          const wanted = `${day}T${r.start}`;
          const shown = utcToZonedLocal(d.startsAt, z);
          if (shown !== wanted) expect(describeClockChange(wanted, z)?.kind).toBe('gap');
          else expect(describeClockChange(wanted, z)?.kind).not.toBe('gap');
        });
      },
    ),
    { numRuns: 400 },
  );
});

test('property: zonedLocalCandidates finds every instant showing a wall-clock time, and describeClockChange agrees with it', () => {
  const instant = fc.integer({ min: Date.UTC(1990, 0, 1) / 60_000, max: Date.UTC(2035, 0, 1) / 60_000 }).map((m) => m * 60_000);
  fc.assert(
    fc.property(instant, zone, (t, z) => {
      const local = utcToZonedLocal(t, z);
      const candidates = zonedLocalCandidates(local, z);
      expect(candidates).toContain(t);
      expect(candidates.length).toBeLessThanOrEqual(2);
      for (const c of candidates) expect(utcToZonedLocal(c, z)).toBe(local);
      expect(describeClockChange(local, z)?.kind).toBe(candidates.length === 2 ? 'repeated' : undefined);
      expect(zonedLocalToUtc(local, z)).toBe(candidates[0]);
    }),
    { numRuns: 2000 },
  );
  // Wall-clock times on the days the clocks change: none, one or two instants, and describeClockChange says which,
  // and the times it offers instead are ordinary ones either side of the trouble.
  const offset = (t: number, z: string) => Date.parse(`${utcToZonedLocal(t, z)}Z`) - t;
  const changeDays = ZONES.flatMap((z) =>
    Array.from({ length: 11 * 365 }, (_, i) => FIRST + i)
      .filter((n) => offset(n * DAY, z) !== offset((n + 1) * DAY, z))
      .flatMap((n) => [n - 1, n, n + 1].map((m) => ({ z, day: dayOf(m) }))),
  );
  expect(changeDays.length).toBeGreaterThan(300);
  const minute = (c: string, by: number) => {
    const m = (Number(c.slice(0, 2)) * 60 + Number(c.slice(3)) + by + 1440) % 1440;
    return `${pad(Math.floor(m / 60))}:${pad(m % 60)}`;
  };
  let troubles = 0;
  fc.assert(
    fc.property(
      fc.constantFrom(...changeDays),
      // Most zones change between 23:00 and 04:00.
      fc.oneof(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 0, max: 239 }), fc.integer({ min: 1380, max: 1439 })),
      ({ z, day }, m) => {
        const time = minute('00:00', m);
        const local = `${day}T${time}`;
        const candidates = zonedLocalCandidates(local, z);
        const change = describeClockChange(local, z);
        expect(change?.kind).toBe(['gap', undefined, 'repeated'][candidates.length]);
        for (const t of candidates) expect(utcToZonedLocal(t, z)).toBe(local);
        if (!change) return;
        troubles++;
        const offered = /before (\d\d:\d\d) or from (\d\d:\d\d)( on \w+ \d+ \w+ \d+)?\.$/.exec(change.message);
        if (!offered) {
          expect(change.message).toMatch(/Choose a time from \d\d:\d\d, or another day\.$|Choose another day\.$/);
          return;
        }
        const [, before, from, nextDay] = offered as unknown as [string, string, string, string | undefined];
        expect(before <= time && (nextDay !== undefined || time < from)).toBe(true);
        expect(zonedLocalCandidates(`${day}T${minute(before, -1)}`, z)).toHaveLength(1);
        const fromDay = nextDay ? dayOf(Date.parse(`${day}T00:00Z`) / DAY + 1) : day;
        expect(zonedLocalCandidates(`${fromDay}T${from}`, z)).toHaveLength(1);
      },
    ),
    { numRuns: 3000 },
  );
  expect(troubles).toBeGreaterThan(30);
});
