import fc from 'fast-check';
import ICAL from 'ical.js';
import { expect, test } from 'vitest';
import { utcToZonedLocal, zonedLocalToUtc } from '../core/time.js';
import { eventCalendar, feedCalendar } from './calendar.js';
import type { EventPrivate, LanternEvent, Occurrence, SeriesRule, Weekday } from './model.js';
import { occurrencesOf } from './recurrence.js';

// Freedom Thread's calendar files: Tuesday letter-writing evenings across the clock changes, a called-off Tuesday and
// a moved one, a fortnight's exhibition, the feed, and the private joining link kept to the attendee's own file.
// Every file is read back with ical.js, as a calendar app would read it.

const LONDON = 'Europe/London';
const NEW_YORK = 'America/New_York';
const BASE = 'https://freedomthread.example.org';
const ORG = 'Freedom Thread';
const HOUR = 3_600_000;
const DAY = 86_400_000;
const SECRET: EventPrivate = {
  joiningLink: 'https://meet.example.net/thread-room-7731?pwd=spool-42',
  meetingPoint: 'Under the clock at Platform 9',
};

const at = (local: string, zone = LONDON): number => {
  const t = zonedLocalToUtc(local, zone);
  if (t === null) throw new Error(`not a time: ${local}`);
  return t;
};

function makeEvent(over: Partial<LanternEvent> = {}): LanternEvent {
  return {
    id: 42,
    slug: 'letter-writing-evening',
    title: 'Letter-writing evening',
    summary: 'Write to your MP about supply-chain labour, with tea and templates.',
    description: 'We meet every Tuesday.',
    kind: 'meeting',
    mode: 'in_person',
    status: 'scheduled',
    publication: 'published',
    timeZone: LONDON,
    startsAt: at('2026-03-03T18:00'),
    endsAt: at('2026-03-03T19:00'),
    series: null,
    venueName: 'Weavers Hall',
    address: '12 Spindle Lane\nLondon E1 6AA',
    accessibility: 'Step-free entrance.',
    capacity: 30,
    maxPlacesPerRegistration: 4,
    registrationDeadline: null,
    campaignId: null,
    organiserName: 'Ada',
    organiserEmail: 'ada@freedomthread.example.org',
    questions: [],
    recordingUrl: '',
    recordingResourceId: null,
    materials: '',
    newsletterListId: null,
    createdAt: Date.UTC(2026, 0, 10),
    updatedAt: Date.UTC(2026, 1, 1, 12),
    ...over,
  };
}

/** The stored dates of a series, as materialising makes them. */
function datesOf(event: LanternEvent, o: { from: number; to: number; firstId?: number }): Occurrence[] {
  return occurrencesOf(event.series!, event.timeZone, { from: o.from, to: o.to, limit: 1000 }).map((d, i) => ({
    id: (o.firstId ?? 1000) + i,
    eventId: event.id,
    startsAt: d.startsAt,
    endsAt: d.endsAt,
    originalStartsAt: d.startsAt,
    status: 'scheduled',
    placesTaken: 0,
    placesWaiting: 0,
  }));
}

const tuesdays: SeriesRule = {
  freq: 'weekly',
  interval: 1,
  weekday: 2,
  start: '18:00',
  end: '19:00',
  firstDay: '2026-03-03',
  until: '2026-12-31',
};

function tuesdaySeries() {
  const event = makeEvent({ series: tuesdays });
  const occurrences = datesOf(event, { from: at('2026-03-01T00:00'), to: at('2027-01-01T00:00') });
  return { event, occurrences };
}

const find = (occurrences: Occurrence[], local: string): Occurrence => {
  const o = occurrences.find((x) => x.originalStartsAt === at(local));
  if (!o) throw new Error(`no date at ${local}`);
  return o;
};

// ---- reading files back ----

/** Parses a file as a calendar app would: its VTIMEZONEs registered first, so zoned times are real instants. */
function read(ics: string): ICAL.Component {
  const cal = new ICAL.Component(ICAL.parse(ics));
  for (const tz of cal.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(tz);
  return cal;
}

interface Happening {
  uid: string;
  start: number;
  end: number;
  summary: string;
}

/**
 * What a calendar shows: every VEVENT's dates, a series expanded (EXDATE applied, a RECURRENCE-ID exception in place of
 * the date it replaces) up to `until`, anything with STATUS:CANCELLED left out; earliest first.
 */
function happenings(cal: ICAL.Component, until: number): Happening[] {
  const vevents = cal.getAllSubcomponents('vevent');
  const out: Happening[] = [];
  const uids = [...new Set(vevents.map((v) => String(v.getFirstPropertyValue('uid'))))];
  for (const uid of uids) {
    const same = vevents.filter((v) => v.getFirstPropertyValue('uid') === uid);
    const master = same.find((v) => !v.hasProperty('recurrence-id'));
    expect(master, uid).toBeDefined();
    const event = new ICAL.Event(master!);
    for (const ex of same.filter((v) => v !== master)) event.relateException(ex);
    const push = (e: ICAL.Event, start: ICAL.Time, end: ICAL.Time) => {
      if (e.component.getFirstPropertyValue('status') === 'CANCELLED') return;
      // A zone ical.js did not find would be read in the test machine's zone; every time must be zoned or UTC.
      const tzid = start.zone?.tzid ?? 'none';
      expect(tzid === 'UTC' || ICAL.TimezoneService.has(tzid), tzid).toBe(true);
      out.push({ uid, start: start.toJSDate().getTime(), end: end.toJSDate().getTime(), summary: e.summary });
    };
    if (!event.isRecurring()) {
      push(event, event.startDate, event.endDate);
      continue;
    }
    const it = event.iterator();
    for (let next = it.next(); next && next.toJSDate().getTime() < until; next = it.next()) {
      const d = event.getOccurrenceDetails(next);
      push(d.item, d.startDate, d.endDate);
    }
  }
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}

/** The file's text as words again: lines unfolded and TEXT escapes undone, to search for what must not be there. */
function plain(ics: string): string {
  return ics
    .replace(/\r\n[ \t]/g, '')
    .replace(/\\([,;\\])/g, '$1')
    .replace(/\\n/gi, '\n');
}

/** RFC 5545: lines end CRLF and are at most 75 octets. */
function expectWellFormedLines(ics: string) {
  expect(ics.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  for (const line of ics.split('\r\n')) expect(Buffer.byteLength(line, 'utf8'), line).toBeLessThanOrEqual(75);
}

const localOf = (t: number, zone = LONDON) => utcToZonedLocal(t, zone);

// ---- a series ----

test('a weekly Tuesday series stays 18:00–19:00 in London across both clock changes of 2026 (17:00 and 18:00 in UTC)', () => {
  const { event, occurrences } = tuesdaySeries();
  const ics = eventCalendar({ event, occurrences, baseUrl: BASE, orgName: ORG });
  expectWellFormedLines(ics);
  const cal = read(ics);
  expect(cal.getFirstPropertyValue('prodid')).toMatch(/Lantern/);
  expect(cal.getFirstPropertyValue('method')).toBe('PUBLISH');
  expect(cal.getFirstPropertyValue('x-wr-calname')).toBe('Freedom Thread: Letter-writing evening');
  expect(cal.getAllSubcomponents('vtimezone').map((z) => z.getFirstPropertyValue('tzid'))).toEqual([LONDON]);

  const [master, ...others] = cal.getAllSubcomponents('vevent');
  expect(others).toHaveLength(0);
  expect(master!.getFirstPropertyValue('uid')).toBe('event-42@freedomthread.example.org');
  expect(master!.getFirstProperty('dtstart')!.getParameter('tzid')).toBe(LONDON);
  expect(String(master!.getFirstPropertyValue('dtstart'))).toBe('2026-03-03T18:00:00');
  const rrule = String(master!.getFirstPropertyValue('rrule'));
  expect(rrule).toContain('FREQ=WEEKLY');
  expect(rrule).toContain('BYDAY=TU');
  // The until day's end in London (Greenwich time on 31 December), in UTC.
  expect(rrule).toContain('UNTIL=20261231T235959Z');

  const shown = happenings(cal, Date.UTC(2030, 0, 1));
  expect(shown.map((h) => [h.start, h.end])).toEqual(occurrences.map((o) => [o.startsAt, o.endsAt]));
  const starts = shown.map((h) => h.start);
  expect(starts).toContain(Date.UTC(2026, 2, 24, 18));
  expect(starts).toContain(Date.UTC(2026, 2, 31, 17));
  expect(starts).toContain(Date.UTC(2026, 9, 20, 17));
  expect(starts).toContain(Date.UTC(2026, 9, 27, 18));
  for (const h of shown) {
    expect(localOf(h.start).slice(11)).toBe('18:00');
    expect(localOf(h.end).slice(11)).toBe('19:00');
  }
  expect(shown.at(-1)!.start).toBe(Date.UTC(2026, 11, 29, 18));
});

test('the same file reads the same whatever zone the server runs in (times come from the event zone, not the process)', () => {
  const { event, occurrences } = tuesdaySeries();
  const here = eventCalendar({ event, occurrences, baseUrl: BASE, orgName: ORG });
  // Date's local getters follow process.env.TZ; the writer must not use them.
  const saved = process.env.TZ;
  try {
    process.env.TZ = 'America/Los_Angeles';
    expect(eventCalendar({ event, occurrences, baseUrl: BASE, orgName: ORG })).toBe(here);
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});

test('a called-off Tuesday is left out with EXDATE, and a moved one shows at its new time through RECURRENCE-ID', () => {
  const { event, occurrences } = tuesdaySeries();
  const off = find(occurrences, '2026-04-07T18:00');
  off.status = 'cancelled';
  const moved = find(occurrences, '2026-04-14T18:00');
  moved.startsAt = at('2026-04-15T19:30');
  moved.endsAt = at('2026-04-15T21:00');
  const ics = eventCalendar({ event, occurrences, baseUrl: BASE, orgName: ORG });
  const cal = read(ics);

  const [master, exception, ...rest] = cal.getAllSubcomponents('vevent');
  expect(rest).toHaveLength(0);
  const exdate = master!.getFirstProperty('exdate')!;
  expect(exdate.getParameter('tzid')).toBe(LONDON);
  expect(String(exdate.getFirstValue())).toBe('2026-04-07T18:00:00');
  expect(exception!.getFirstPropertyValue('uid')).toBe(master!.getFirstPropertyValue('uid'));
  expect(exception!.getFirstProperty('recurrence-id')!.getParameter('tzid')).toBe(LONDON);
  expect(String(exception!.getFirstPropertyValue('recurrence-id'))).toBe('2026-04-14T18:00:00');
  expect(String(exception!.getFirstPropertyValue('dtstart'))).toBe('2026-04-15T19:30:00');

  const shown = happenings(cal, Date.UTC(2030, 0, 1));
  const starts = shown.map((h) => h.start);
  expect(starts).not.toContain(at('2026-04-07T18:00'));
  expect(starts).not.toContain(at('2026-04-14T18:00'));
  expect(shown.find((h) => h.start === at('2026-04-15T19:30'))?.end).toBe(at('2026-04-15T21:00'));
  expect(shown).toHaveLength(occurrences.length - 1);
});

test('monthly rules: the 12th, the first Saturday and the last Friday, as BYMONTHDAY and BYDAY=1SA / -1FR', () => {
  const rules: Array<[SeriesRule, string]> = [
    [{ freq: 'monthly', by: 'day', day: 12, start: '10:00', end: '12:00', firstDay: '2026-01-01' }, 'BYMONTHDAY=12'],
    [{ freq: 'monthly', by: 'weekday', nth: 1, weekday: 6, start: '11:00', end: '15:00', firstDay: '2026-01-01' }, 'BYDAY=1SA'],
    [{ freq: 'monthly', by: 'weekday', nth: -1, weekday: 5, start: '19:00', end: '20:30', firstDay: '2026-01-01' }, 'BYDAY=-1FR'],
  ];
  for (const [series, byday] of rules) {
    const event = makeEvent({ series });
    const occurrences = datesOf(event, { from: at('2026-01-01T00:00'), to: at('2026-07-01T00:00') });
    const cal = read(eventCalendar({ event, occurrences, baseUrl: BASE, orgName: ORG }));
    const rrule = String(cal.getFirstSubcomponent('vevent')!.getFirstPropertyValue('rrule'));
    expect(rrule).toContain('FREQ=MONTHLY');
    expect(rrule).toContain(byday);
    expect(rrule).not.toContain('UNTIL');
    // The rule runs on past the stored dates: a calendar shows the rest of the year too.
    const expected = occurrencesOf(series, LONDON, { from: at('2026-01-01T00:00'), to: at('2027-01-01T00:00'), limit: 100 });
    expect(happenings(cal, at('2027-01-01T00:00')).map((h) => [h.start, h.end])).toEqual(expected.map((d) => [d.startsAt, d.endsAt]));
  }
});

test('a Saturday-night vigil 22:00–02:00 ends at 02:00 on the night the clocks go forward too (that date is written with its own times)', () => {
  const event = makeEvent({ series: { freq: 'weekly', interval: 1, weekday: 6, start: '22:00', end: '02:00', firstDay: '2026-03-14' } });
  const occurrences = datesOf(event, { from: at('2026-03-01T00:00'), to: at('2026-04-10T00:00') });
  const cal = read(eventCalendar({ event, occurrences, baseUrl: BASE, orgName: ORG }));
  // RFC 5545 gives each date the master's exact length (four hours), so that night would end at 03:00; ical.js reads
  // the length as wall-clock time and cannot tell, hence the file itself is checked: that date is an exception.
  const exceptions = cal.getAllSubcomponents('vevent').filter((v) => v.hasProperty('recurrence-id'));
  expect(exceptions.map((v) => [String(v.getFirstPropertyValue('recurrence-id')), String(v.getFirstPropertyValue('dtend'))])).toEqual([
    ['2026-03-28T22:00:00', '2026-03-29T02:00:00'],
  ]);
  const shown = happenings(cal, at('2026-04-10T00:00'));
  expect(shown.map((h) => [localOf(h.start), localOf(h.end)])).toEqual([
    ['2026-03-14T22:00', '2026-03-15T02:00'],
    ['2026-03-21T22:00', '2026-03-22T02:00'],
    ['2026-03-28T22:00', '2026-03-29T02:00'],
    ['2026-04-04T22:00', '2026-04-05T02:00'],
  ]);
  // Three hours that night: the hour from 01:00 does not happen.
  expect(shown[2]!.end - shown[2]!.start).toBe(3 * HOUR);
});

// Any rule, any zone, any mix of called-off, moved, vanished (the rule changed) and off-rule dates: between the first
// and the last stored date a calendar shows exactly the stored dates that go ahead, at their own times; after that,
// the rule's dates. The file is compared with recurrence.ts, which made the dates, through ical.js's own expansion.
test('a series file shows exactly the stored dates, then the rule runs on (property)', () => {
  const weekday = fc.integer({ min: 1, max: 7 }) as fc.Arbitrary<Weekday>;
  const time = fc
    .tuple(fc.integer({ min: 6, max: 20 }), fc.constantFrom(0, 15, 30, 45))
    .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
  const day = fc.integer({ min: 0, max: 700 }).map((n) => new Date(Date.UTC(2026, 0, 1) + n * DAY).toISOString().slice(0, 10));
  const until = fc.option(day, { nil: undefined });
  const rule: fc.Arbitrary<SeriesRule> = fc.oneof(
    fc.record({
      freq: fc.constant('weekly' as const),
      interval: fc.integer({ min: 1, max: 3 }),
      weekday,
      start: time,
      end: time,
      firstDay: day,
      until,
    }),
    fc.record({
      freq: fc.constant('monthly' as const),
      by: fc.constant('day' as const),
      day: fc.integer({ min: 1, max: 31 }),
      start: time,
      end: time,
      firstDay: day,
      until,
    }),
    fc.record({
      freq: fc.constant('monthly' as const),
      by: fc.constant('weekday' as const),
      nth: fc.constantFrom(1, 2, 3, 4, -1) as fc.Arbitrary<1 | 2 | 3 | 4 | -1>,
      weekday,
      start: time,
      end: time,
      firstDay: day,
      until,
    }),
  );
  const change = fc.constantFrom('keep', 'keep', 'keep', 'cancel', 'move', 'moveCancelled', 'vanish', 'offRule');
  fc.assert(
    fc.property(
      rule,
      fc.constantFrom(LONDON, NEW_YORK, 'Pacific/Auckland', 'Asia/Kolkata'),
      fc.array(change, { minLength: 1, maxLength: 14 }),
      fc.integer({ min: -30, max: 30 }).filter((h) => h !== 0),
      (series, zone, changes, moveHours) => {
        const event = makeEvent({ series, timeZone: zone });
        const made = occurrencesOf(series, zone, { from: Date.UTC(2025, 0, 1), to: Date.UTC(2030, 0, 1), limit: changes.length });
        const stored: Occurrence[] = [];
        made.forEach((d, i) => {
          const c = changes[i];
          const o: Occurrence = {
            id: i + 1,
            eventId: 42,
            startsAt: d.startsAt,
            endsAt: d.endsAt,
            originalStartsAt: d.startsAt,
            status: 'scheduled',
            placesTaken: 0,
            placesWaiting: 0,
          };
          if (c === 'vanish') return;
          if (c === 'cancel') o.status = 'cancelled';
          if (c === 'move' || c === 'moveCancelled') {
            o.startsAt += moveHours * HOUR;
            o.endsAt += moveHours * HOUR + 30 * 60_000;
          }
          if (c === 'moveCancelled') o.status = 'cancelled';
          // A date kept from an earlier rule: a day off this one (no rule here falls on two days in a row).
          if (c === 'offRule') {
            o.startsAt += DAY;
            o.endsAt += DAY;
            o.originalStartsAt += DAY;
          }
          stored.push(o);
        });
        const ics = eventCalendar({ event, occurrences: stored, baseUrl: BASE, orgName: ORG });
        // Dates that vanished after the last stored one are the rule's again: nothing says they do not happen.
        const lastStored = stored.length > 0 ? Math.max(...stored.map((o) => o.originalStartsAt)) : -8.64e15;
        const after = occurrencesOf(series, zone, { from: lastStored + 1, to: Date.UTC(2031, 0, 1), limit: 5 });
        const until = after.at(-1)?.startsAt ?? Date.UTC(2031, 0, 1);
        const expected = [
          ...stored.filter((o) => o.status === 'scheduled').map((o) => [o.startsAt, o.endsAt]),
          ...after.map((d) => [d.startsAt, d.endsAt]),
        ].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
        const shown = happenings(read(ics), until + 1).map((h) => [h.start, h.end]);
        expect(shown).toEqual(expected);
      },
    ),
    { numRuns: 150 },
  );
});

// ---- a one-off event ----

test('a one-off exhibition spanning two weeks is one VEVENT with its page, place and status', () => {
  const event = makeEvent({
    id: 7,
    slug: 'threads-of-resistance',
    title: 'Threads of Resistance: an exhibition',
    summary: 'Garments, letters and photographs from garment workers organising for fair pay.',
    kind: 'exhibition',
    startsAt: at('2026-05-01T10:00'),
    endsAt: at('2026-05-15T17:00'),
  });
  const occurrences: Occurrence[] = [
    {
      id: 70,
      eventId: 7,
      startsAt: event.startsAt,
      endsAt: event.endsAt,
      originalStartsAt: event.startsAt,
      status: 'scheduled',
      placesTaken: 3,
      placesWaiting: 0,
    },
  ];
  const ics = eventCalendar({ event, occurrences, baseUrl: `${BASE}/`, orgName: ORG });
  const cal = read(ics);
  const vevents = cal.getAllSubcomponents('vevent');
  expect(vevents).toHaveLength(1);
  const v = new ICAL.Event(vevents[0]!);
  expect(v.isRecurring()).toBe(false);
  expect(v.uid).toBe('event-7@freedomthread.example.org');
  expect(v.summary).toBe('Threads of Resistance: an exhibition');
  expect(String(v.startDate)).toBe('2026-05-01T10:00:00');
  expect(String(v.endDate)).toBe('2026-05-15T17:00:00');
  expect(v.startDate.zone.tzid).toBe(LONDON);
  expect(v.endDate.toJSDate().getTime() - v.startDate.toJSDate().getTime()).toBe(14 * DAY + 7 * HOUR);
  expect(v.location).toBe('Weavers Hall, 12 Spindle Lane, London E1 6AA');
  expect(v.description).toBe(`${event.summary}\n\nEvent page: ${BASE}/events/threads-of-resistance`);
  expect(vevents[0]!.getFirstPropertyValue('url')).toBe(`${BASE}/events/threads-of-resistance`);
  expect(vevents[0]!.getFirstPropertyValue('status')).toBe('CONFIRMED');
  expect(String(vevents[0]!.getFirstPropertyValue('dtstamp'))).toBe('2026-02-01T12:00:00Z');
  expect(String(vevents[0]!.getFirstPropertyValue('last-modified'))).toBe('2026-02-01T12:00:00Z');
  expect(cal.getAllSubcomponents('vtimezone')).toHaveLength(1);
});

test('status: cancelled, postponed, moved online; an online event is "Online"; SEQUENCE grows with each change', () => {
  const statusOf = (over: Partial<LanternEvent>) => {
    const v = read(eventCalendar({ event: makeEvent(over), occurrences: [], baseUrl: BASE, orgName: ORG })).getFirstSubcomponent('vevent')!;
    return {
      status: v.getFirstPropertyValue('status'),
      location: v.getFirstPropertyValue('location'),
      description: String(v.getFirstPropertyValue('description')),
      sequence: Number(v.getFirstPropertyValue('sequence')),
    };
  };
  expect(statusOf({ status: 'cancelled' })).toMatchObject({ status: 'CANCELLED', description: expect.stringMatching(/^Cancelled\./) });
  expect(statusOf({ status: 'postponed' })).toMatchObject({ status: 'TENTATIVE', description: expect.stringMatching(/^Postponed\./) });
  expect(statusOf({ status: 'moved_online' })).toMatchObject({ status: 'CONFIRMED', location: 'Online' });
  expect(statusOf({ mode: 'online', venueName: '', address: '' })).toMatchObject({ location: 'Online' });
  expect(statusOf({ mode: 'hybrid' }).location).toBe('Weavers Hall, 12 Spindle Lane, London E1 6AA, or online');

  const before = statusOf({}).sequence;
  const after = statusOf({ updatedAt: Date.UTC(2026, 1, 1, 12, 0, 1) }).sequence;
  expect(after).toBeGreaterThan(before);
  // SEQUENCE is a 32-bit integer; it must not overflow for decades.
  expect(statusOf({ updatedAt: Date.UTC(2080, 0, 1) }).sequence).toBeLessThan(2 ** 31);

  // One date of a one-off event called off: the event itself stands, the date does not.
  const event = makeEvent();
  const one: Occurrence = {
    id: 1,
    eventId: 42,
    startsAt: event.startsAt,
    endsAt: event.endsAt,
    originalStartsAt: event.startsAt,
    status: 'cancelled',
    placesTaken: 0,
    placesWaiting: 0,
  };
  const cal = read(eventCalendar({ event, occurrences: [one], baseUrl: BASE, orgName: ORG }));
  expect(cal.getFirstSubcomponent('vevent')!.getFirstPropertyValue('status')).toBe('CANCELLED');
});

test('an event in UTC is written in UTC, without a VTIMEZONE, and reads back at the same instants', () => {
  const event = makeEvent({ timeZone: 'UTC', startsAt: Date.UTC(2026, 6, 1, 9), endsAt: Date.UTC(2026, 6, 1, 10, 30) });
  const cal = read(eventCalendar({ event, occurrences: [], baseUrl: BASE, orgName: ORG }));
  expect(cal.getAllSubcomponents('vtimezone')).toHaveLength(0);
  const v = new ICAL.Event(cal.getFirstSubcomponent('vevent')!);
  expect(v.startDate.toJSDate().getTime()).toBe(event.startsAt);
  expect(v.endDate.toJSDate().getTime()).toBe(event.endsAt);
});

// ---- what is private ----

test('the attendee file has CONFERENCE and the private parts; the public file and the feed never do', () => {
  const { occurrences } = tuesdaySeries();
  const event = makeEvent({ series: tuesdays, mode: 'hybrid' });
  const moved = find(occurrences, '2026-05-05T18:00');
  moved.startsAt += HOUR;
  moved.endsAt += HOUR;

  const own = eventCalendar({ event, occurrences, baseUrl: BASE, orgName: ORG, attendee: { private: SECRET } });
  expectWellFormedLines(own);
  const vevents = read(own).getAllSubcomponents('vevent');
  expect(vevents).toHaveLength(2);
  for (const v of vevents) {
    const conference = v.getFirstProperty('conference')!;
    expect(conference.getFirstValue()).toBe(SECRET.joiningLink);
    expect(conference.getParameter('feature')).toBe('VIDEO');
    expect(conference.getParameter('label')).toBe('Join online');
    expect(String(v.getFirstPropertyValue('description'))).toContain(SECRET.joiningLink);
    expect(String(v.getFirstPropertyValue('description'))).toContain(SECRET.meetingPoint);
    expect(String(v.getFirstPropertyValue('location'))).toContain(SECRET.meetingPoint);
  }

  const publicFile = eventCalendar({ event, occurrences, baseUrl: BASE, orgName: ORG });
  const feed = feedCalendar({ events: [{ event, occurrences }], baseUrl: BASE, orgName: ORG });
  for (const file of [publicFile, feed]) {
    read(file);
    expect(file).not.toMatch(/CONFERENCE/);
    for (const secret of [SECRET.joiningLink, 'thread-room-7731', SECRET.meetingPoint, 'Platform 9'])
      expect(plain(file)).not.toContain(secret);
  }
});

test('CONFERENCE: a long link with spaces and accents is written as a valid, folded URI; a link that is not http(s) is left out', () => {
  const event = makeEvent({ mode: 'online', venueName: '', address: '' });
  const joiningLink = 'https://meet.example.net/salle-café/Réunion des couturières du jeudi soir?code=fil à fil&lang=fr#début';
  const own = eventCalendar({
    event,
    occurrences: [],
    baseUrl: BASE,
    orgName: ORG,
    attendee: { private: { joiningLink, meetingPoint: '' } },
  });
  expectWellFormedLines(own);
  const v = read(own).getFirstSubcomponent('vevent')!;
  expect(v.getFirstPropertyValue('conference')).toBe(new URL(joiningLink).href);
  expect(String(v.getFirstPropertyValue('description'))).toContain(joiningLink);
  expect(v.getFirstPropertyValue('location')).toBe('Online');

  for (const bad of ['javascript:alert(1)', 'not a link', '']) {
    const file = eventCalendar({
      event,
      occurrences: [],
      baseUrl: BASE,
      orgName: ORG,
      attendee: { private: { joiningLink: bad, meetingPoint: '' } },
    });
    read(file);
    expect(file).not.toMatch(/CONFERENCE/);
  }
  // An event in a room has no joining link to offer, whatever is stored.
  const inRoom = eventCalendar({ event: makeEvent(), occurrences: [], baseUrl: BASE, orgName: ORG, attendee: { private: SECRET } });
  expect(inRoom).not.toMatch(/CONFERENCE/);
  expect(plain(inRoom)).not.toContain(SECRET.joiningLink);
  expect(plain(inRoom)).toContain(SECRET.meetingPoint);
});

test('registered for single dates of a series: only those dates, each its own VEVENT with its own UID, no RRULE', () => {
  const { event: e, occurrences } = tuesdaySeries();
  const event = { ...e, mode: 'online' as const };
  const chosen = [find(occurrences, '2026-03-24T18:00'), find(occurrences, '2026-03-31T18:00')];
  chosen[1]!.startsAt = at('2026-03-31T18:30');
  chosen[1]!.endsAt = at('2026-03-31T19:30');
  const own = eventCalendar({
    event,
    occurrences,
    baseUrl: BASE,
    orgName: ORG,
    attendee: { private: SECRET, occurrenceIds: [chosen[1]!.id, chosen[0]!.id] },
  });
  const cal = read(own);
  const vevents = cal.getAllSubcomponents('vevent');
  expect(vevents.map((v) => v.getFirstPropertyValue('uid'))).toEqual(chosen.map((o) => `event-42-${o.id}@freedomthread.example.org`));
  for (const v of vevents) {
    expect(v.hasProperty('rrule')).toBe(false);
    expect(v.hasProperty('recurrence-id')).toBe(false);
    expect(v.getFirstPropertyValue('conference')).toBe(SECRET.joiningLink);
  }
  expect(happenings(cal, Date.UTC(2030, 0, 1)).map((h) => [h.start, h.end])).toEqual([
    [Date.UTC(2026, 2, 24, 18), Date.UTC(2026, 2, 24, 19)],
    [Date.UTC(2026, 2, 31, 17, 30), Date.UTC(2026, 2, 31, 18, 30)],
  ]);
});

// ---- the feed ----

test('the feed: every published event, one VTIMEZONE per zone used, refresh every six hours, no drafts', () => {
  const { event: series, occurrences } = tuesdaySeries();
  const ny = makeEvent({
    id: 8,
    slug: 'new-york-vigil',
    title: 'Vigil for garment workers',
    kind: 'vigil',
    timeZone: NEW_YORK,
    startsAt: at('2026-07-14T19:00', NEW_YORK),
    endsAt: at('2026-07-14T20:00', NEW_YORK),
  });
  const secondLondon = makeEvent({
    id: 9,
    slug: 'stall',
    title: 'Market stall',
    startsAt: at('2026-06-06T10:00'),
    endsAt: at('2026-06-06T14:00'),
  });
  const draft = makeEvent({ id: 10, slug: 'draft', title: 'Not yet announced', publication: 'draft' });
  const feed = feedCalendar({
    events: [
      { event: series, occurrences },
      { event: ny, occurrences: [] },
      { event: secondLondon, occurrences: [] },
      { event: draft, occurrences: [] },
      // The route joins the upcoming and the recent lists; an event in both is written once.
      { event: ny, occurrences: [] },
    ],
    baseUrl: BASE,
    orgName: ORG,
  });
  expectWellFormedLines(feed);
  expect(feed).toContain('\r\nREFRESH-INTERVAL;VALUE=DURATION:PT6H\r\n');
  expect(feed).toContain('\r\nX-PUBLISHED-TTL:PT6H\r\n');
  const cal = read(feed);
  expect(cal.getFirstPropertyValue('x-wr-calname')).toBe('Freedom Thread events');
  expect(cal.getFirstPropertyValue('method')).toBe('PUBLISH');
  expect(
    cal
      .getAllSubcomponents('vtimezone')
      .map((z) => z.getFirstPropertyValue('tzid'))
      .sort(),
  ).toEqual([NEW_YORK, LONDON]);
  expect(cal.getAllSubcomponents('vevent').map((v) => v.getFirstPropertyValue('uid'))).toEqual([
    'event-42@freedomthread.example.org',
    'event-8@freedomthread.example.org',
    'event-9@freedomthread.example.org',
  ]);
  expect(plain(feed)).not.toContain('Not yet announced');
  const vigil = happenings(cal, Date.UTC(2030, 0, 1)).find((h) => h.uid === 'event-8@freedomthread.example.org')!;
  expect(vigil.start).toBe(Date.UTC(2026, 6, 14, 23));
});

// ---- any text staff type ----

/** What a text should read as after the round trip: control characters dropped, line breaks as LF. */
const asRead = (s: string) =>
  s
    .toWellFormed()
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '')
    .replace(/\r\n|\r/g, '\n');

test('any title, summary, venue or organisation name keeps the file valid and the title reads back as typed (property)', () => {
  const awkward = fc.constantFrom(
    '\r\n',
    '\n',
    '\r',
    ',',
    ';',
    ':',
    '\\',
    '\\n',
    '"',
    '🧵',
    '👩🏽‍🔧',
    'é',
    '\u0000',
    '\u0007',
    '\u001b',
    '\u007f',
    '\t',
    ' ',
    'END:VEVENT',
    'BEGIN:VCALENDAR',
    '\ud800',
  );
  const text = fc
    .array(fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), awkward), { maxLength: 12 })
    .map((parts) => parts.join(''));
  fc.assert(
    fc.property(text, text, text, text, text, text, fc.boolean(), (title, summary, venueName, address, orgName, meetingPoint, series) => {
      const event = makeEvent({ title, summary, venueName, address, mode: 'hybrid', ...(series ? { series: tuesdays } : {}) });
      const occurrences = series ? datesOf(event, { from: at('2026-03-01T00:00'), to: at('2026-04-01T00:00') }) : [];
      const files = [
        eventCalendar({ event, occurrences, baseUrl: BASE, orgName }),
        eventCalendar({
          event,
          occurrences,
          baseUrl: BASE,
          orgName,
          attendee: { private: { joiningLink: SECRET.joiningLink, meetingPoint } },
        }),
        feedCalendar({ events: [{ event, occurrences }], baseUrl: BASE, orgName }),
      ];
      for (const ics of files) {
        expectWellFormedLines(ics);
        const cal = read(ics);
        expect(cal.getAllSubcomponents('vcalendar')).toHaveLength(0);
        const vevents = cal.getAllSubcomponents('vevent');
        expect(vevents.length).toBeGreaterThan(0);
        for (const v of vevents) {
          expect(v.getFirstPropertyValue('summary') ?? '').toBe(asRead(title));
          expect(String(v.getFirstPropertyValue('description'))).toContain(`Event page: ${BASE}/events/letter-writing-evening`);
        }
        expect(String(cal.getFirstPropertyValue('x-wr-calname'))).not.toMatch(/[\r\n]/);
      }
      expect(read(files[1]!).getFirstSubcomponent('vevent')!.getFirstPropertyValue('conference')).toBe(SECRET.joiningLink);
    }),
    { numRuns: 200 },
  );
});
