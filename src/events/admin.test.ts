import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import { makeTestEvent } from '../../test/helpers/events.js';
import { garbage } from '../../test/helpers/garbage.js';
import type { TestClient } from '../../test/helpers/http.js';
import { expectClearPage, send } from '../../test/helpers/send-garbage.js';
import { signedInAs } from '../../test/helpers/signin.js';
import { saveSiteSettings } from '../core/settings.js';
import { utcToZonedLocal, zonedLocalToUtc } from '../core/time.js';
import { h } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { FiguresView, zoneWords } from './admin-views.js';
import { eventValues, parseEventForm, questionRows, readLocalMoment, type EventFormContext } from './event-form.js';
import { axisTop, computeFigures, figuresChart, type FigurePlace } from './figures.js';
import type { Occurrence, SeriesRule } from './model.js';
import { eventPrivate, getEvent, listOccurrences, registerForEvent, type LanternEvent, type RegistrationInput } from './service.js';

// The staff side of events, part 1, over real HTTP on both dialects with staff signed in: making a one-off event and
// a weekly series through the form, the list, editing; bad input (end before start, capacity 0 or below, a start in
// the hour the clocks skip or repeat) refused with a message and nothing stored; cancelling and moving a date; the
// attendee list and the waitlist in order; the attendance figures as a chart and a table; a viewer refused; and
// garbage thrown at the form never a 500 and never stored.

const TZ = 'Europe/London';
const DAY = 86_400_000;
const HOUR = 3600_000;

/** A calendar day in London `days` from now. */
const dayFromNow = (days: number) => utcToZonedLocal(Date.now() + days * DAY, TZ).slice(0, 10);

/** The first calendar day at least `days` ahead that falls on an ISO weekday (1 Monday … 7 Sunday). */
function nextWeekday(weekday: number, days = 3): string {
  for (let i = days; i < days + 7; i++) {
    const d = dayFromNow(i);
    const w = new Date(`${d}T00:00Z`).getUTCDay() || 7;
    if (w === weekday) return d;
  }
  throw new Error('unreachable');
}

/** A valid one-off event form, with overrides. */
function oneOffForm(o: Record<string, string> = {}): Record<string, string> {
  const d = dayFromNow(30);
  return {
    title: 'Who made your clothes? A public meeting',
    summary: 'Garment workers and researchers on forced labour in the cotton trade, and what we can do.',
    description: 'Three speakers, then **questions from the floor**.',
    kind: 'meeting',
    mode: 'in_person',
    status: 'scheduled',
    publication: 'published',
    repeats: 'once',
    startsAt: `${d}T18:30`,
    endsAt: `${d}T20:30`,
    venueName: 'Friends Meeting Hall',
    address: '1 Sample Street\nLeeds',
    accessibility: 'Step-free entrance; hearing loop.',
    capacity: '80',
    maxPlacesPerRegistration: '2',
    organiserName: 'Freedom Thread events team',
    organiserEmail: 'events@freedomthread.example.org',
    question_1_label: 'Do you have any dietary needs?',
    question_1_type: 'single',
    question_1_choices: 'None\nVegetarian\nVegan',
    ...o,
  };
}

/** A valid weekly series form (every Tuesday 18:00 to 19:00), with overrides. */
function weeklyForm(o: Record<string, string> = {}): Record<string, string> {
  return oneOffForm({
    title: 'Tuesday vigil for the garment workers',
    summary: 'Every Tuesday outside the embassy, one hour, in silence.',
    kind: 'protest',
    repeats: 'weekly',
    startsAt: '',
    endsAt: '',
    seriesFirstDay: nextWeekday(2),
    seriesWeekday: '2',
    seriesInterval: '1',
    seriesStart: '18:00',
    seriesEnd: '19:00',
    seriesUntil: '',
    capacity: '',
    meetingPoint: 'By the third lamp post from the corner',
    ...o,
  });
}

// ---- the form and the figures on their own --------------------------------------------------------------------------------

const CTX: EventFormContext = { timeZone: TZ, campaignIds: [3], listIds: [5], resourceIds: [], newQuestionId: () => 'newid' };

test('the form reads a one-off event in the zone, makes the web address from the title, and keeps question ids', () => {
  const form = parseEventForm(
    { ...oneOffForm({ slug: '' }), question_1_id: 'abc123', question_2_label: 'Access needs', campaignId: '3' },
    CTX,
  );
  expect(form.ok).toBe(true);
  if (!form.ok) return;
  const { input, slugFromTitle } = form.data;
  expect(slugFromTitle).toBe(true);
  expect(input.slug).toBe('who-made-your-clothes-a-public-meeting');
  expect(input.startsAt).toBe(zonedLocalToUtc(`${dayFromNow(30)}T18:30`, TZ));
  expect(input.capacity).toBe(80);
  expect(input.campaignId).toBe(3);
  expect(input.questions).toEqual([
    { id: 'abc123', label: 'Do you have any dietary needs?', type: 'single', required: false, choices: ['None', 'Vegetarian', 'Vegan'] },
    { id: 'newid', label: 'Access needs', type: 'text', required: false, choices: [] },
  ]);
});

test('the form reads weekly and monthly rules; a time the clocks skip or repeat is explained, never guessed', () => {
  const weekly = parseEventForm(weeklyForm({ seriesInterval: '2', seriesUntil: '2027-12-31' }), CTX);
  expect(weekly.ok && weekly.data.input.series).toEqual({
    freq: 'weekly',
    interval: 2,
    weekday: 2,
    start: '18:00',
    end: '19:00',
    firstDay: nextWeekday(2),
    until: '2027-12-31',
  });
  const monthly = parseEventForm(weeklyForm({ repeats: 'monthly', monthlyBy: 'weekday', monthlyNth: '-1', monthlyWeekday: '6' }), CTX);
  expect(monthly.ok && monthly.data.input.series).toMatchObject({ freq: 'monthly', by: 'weekday', nth: -1, weekday: 6 });
  const gap = parseEventForm(oneOffForm({ startsAt: '2027-03-28T01:30', endsAt: '2027-03-28T03:00' }), CTX);
  expect(!gap.ok && gap.errors.startsAt).toMatch(/Clocks go forward at 01:00 on Sunday 28 March 2027, so 01:30 does not happen/);
  const repeated = parseEventForm(oneOffForm({ startsAt: '2026-10-25T01:30', endsAt: '2026-10-25T03:00' }), CTX);
  expect(!repeated.ok && repeated.errors.startsAt).toMatch(/01:30 happens twice on Sunday 25 October 2026/);
  // A Sunday series at 01:30 meets the spring gap on one of its dates.
  const series = parseEventForm(
    weeklyForm({ seriesFirstDay: '2027-03-07', seriesWeekday: '7', seriesStart: '01:30', seriesEnd: '02:30' }),
    CTX,
  );
  expect(!series.ok && series.errors.seriesStart).toMatch(/On Sunday 28 March 2027 this series would start at 01:30/);
});

test('a date and time typed by hand reads the same as the picker’s, with or without seconds', () => {
  const picker = readLocalMoment('2027-05-14T18:30', 'Europe/London', 'the start');
  expect(picker.ok).toBe(true);
  for (const typed of ['2027-05-14 18:30', ' 2027-05-14  18:30 ', '2027-05-14T18:30:00'])
    expect(readLocalMoment(typed, 'Europe/London', 'the start')).toEqual(picker);
  expect(readLocalMoment('14/05/2027 18:30', 'Europe/London', 'the start').ok).toBe(false);
});

test('the form names every problem at once, by field', () => {
  const form = parseEventForm(
    oneOffForm({
      title: '',
      slug: 'Not A Slug',
      endsAt: `${dayFromNow(30)}T17:00`,
      capacity: '-3',
      maxPlacesPerRegistration: '51',
      campaignId: '99',
      joiningLink: 'javascript:alert(1)',
      question_1_choices: 'Only one',
      question_12_label: 'Too many',
    }),
    CTX,
  );
  expect(form.ok).toBe(false);
  if (form.ok) return;
  expect(form.errors).toMatchObject({
    title: 'Enter the title',
    slug: expect.stringMatching(/lower-case letters/),
    endsAt: 'The event must end after it starts',
    capacity: 'The number of places must be at least 1, or left empty for no limit',
    maxPlacesPerRegistration: 'One person may book between 1 and 50 places',
    campaignId: 'Choose a campaign from the list',
    joiningLink: expect.stringMatching(/full web address/),
    question_1_choices: 'Give question 1 at least two choices, one per line',
    _form: 'An event can ask at most 10 questions',
  });
  expect(parseEventForm(oneOffForm({ capacity: '0' }), CTX)).toMatchObject({
    ok: false,
    errors: { capacity: expect.stringMatching(/at least 1/) },
  });
  expect(parseEventForm(oneOffForm({ capacity: 'eighty' }), CTX)).toMatchObject({
    ok: false,
    errors: { capacity: expect.stringMatching(/whole number/) },
  });
  expect(parseEventForm('a string', CTX).ok).toBe(false);
  expect(parseEventForm(oneOffForm({ startsAt: '2027-02-30T10:00' }), CTX)).toMatchObject({
    ok: false,
    errors: { startsAt: expect.stringMatching(/real date/) },
  });
});

test('question rows: those filled in and three empty ones, at most ten', () => {
  expect(questionRows({})).toBe(3);
  expect(questionRows({ question_2_label: 'Dietary needs' })).toBe(5);
  expect(questionRows({ question_9_label: 'Last' })).toBe(10);
});

const occ = (id: number, startsAt: number, status: Occurrence['status'] = 'scheduled'): Occurrence => ({
  id,
  eventId: 1,
  startsAt,
  endsAt: startsAt + HOUR,
  originalStartsAt: startsAt,
  status,
  placesTaken: 0,
  placesWaiting: 0,
});

test('figures count people per date held and over the series; cancelled dates and dates to come are left out of the totals', () => {
  const now = Date.UTC(2027, 0, 20);
  const dates = [occ(1, now - 14 * DAY), occ(2, now - 7 * DAY), occ(3, now - 3 * DAY, 'cancelled'), occ(4, now + 7 * DAY)];
  const p = (occurrenceId: number, places: number, attendance: FigurePlace['attendance'], walkIn = false): FigurePlace => ({
    occurrenceId,
    places,
    attendance,
    walkIn,
  });
  const f = computeFigures(
    dates,
    [
      p(1, 3, 'attended'),
      p(1, 1, 'no_show'),
      p(1, 2, 'attended', true),
      p(2, 2, 'unknown'),
      p(2, 1, 'attended'),
      p(3, 5, 'attended'),
      p(4, 4, 'unknown'),
    ],
    now,
  );
  expect(f.dates.map((d) => d.occurrenceId)).toEqual([1, 2, 4]);
  expect(f.dates[0]).toMatchObject({ held: true, registered: 4, attended: 5, noShows: 1, walkIns: 2, notRecorded: 0 });
  expect(f.dates[1]).toMatchObject({ held: true, registered: 3, attended: 1, noShows: 0, walkIns: 0, notRecorded: 2 });
  expect(f.dates[2]).toMatchObject({ held: false, registered: 4, notRecorded: 0 });
  expect(f.totals).toEqual({ dates: 2, registered: 7, attended: 6, noShows: 1, walkIns: 2, notRecorded: 2, turnout: 4 / 7 });
  const svg = renderToString(figuresChart(f, { id: 'c', title: 'Attendance at the vigil', dateLabel: () => 'd', dateWords: () => 'day' })!);
  expect(svg).toMatch(/^<svg [^>]*role="img" aria-labelledby="c-title c-desc"/);
  expect(svg).toContain('<title id="c-title">Attendance at the vigil</title>');
  expect(svg).toContain('Over all 2 dates held: 7 registered, 6 came, 1 no-show, 2 walk-ins');
  // Two dates of four bars each, plus the four squares of the legend.
  expect(svg.match(/<rect /g)).toHaveLength(12);
  expect(
    figuresChart(computeFigures([occ(9, now + DAY)], [], now), { id: 'x', title: 't', dateLabel: String, dateWords: String }),
  ).toBeUndefined();
  expect([axisTop(0), axisTop(1), axisTop(7), axisTop(12), axisTop(80), axisTop(101)]).toEqual([1, 1, 10, 20, 100, 200]);
});

test('the figures sentence says "no walk-ins" and "nobody" rather than a 0, and a count otherwise', () => {
  const now = Date.UTC(2027, 0, 20);
  const event = { id: 1, title: 'Vigil', timeZone: TZ } as LanternEvent;
  const line = (places: FigurePlace[]) => {
    const html = renderToString(
      h(FiguresView, { event, figures: computeFigures([occ(1, now - DAY)], places, now), powers: { attendees: false, export: false } }),
    );
    return /<p>On the day: (.*?)<\/p>/.exec(html)![1]!.replace(/<!-- -->/g, '');
  };
  expect(line([{ occurrenceId: 1, places: 2, attendance: 'unknown', walkIn: false }])).toBe(
    '2 people registered ahead, nobody checked in, nobody marked as a no-show and no walk-ins.',
  );
  expect(
    line([
      { occurrenceId: 1, places: 1, attendance: 'attended', walkIn: false },
      { occurrenceId: 1, places: 1, attendance: 'no_show', walkIn: false },
      { occurrenceId: 1, places: 3, attendance: 'attended', walkIn: true },
    ]),
  ).toBe('2 people registered ahead, 4 people came (50% of those registered), 1 no-show and 3 walk-ins.');
  expect(line([])).toBe('nobody registered ahead, nobody checked in, nobody marked as a no-show and no walk-ins.');
});

test('times are read in the organisation’s time zone, named "UK time" for London', () => {
  expect(zoneWords('Europe/London')).toBe('the organisation’s time zone (Europe/London: UK time)');
  expect(zoneWords('Europe/Dublin')).toBe('the organisation’s time zone (Europe/Dublin)');
});

// ---- over HTTP -------------------------------------------------------------------------------------------------------------

describeEachDialect('events: the staff side (list, form, dates, attendees, figures)', (ctx) => {
  let t: TestLantern;
  let staff: TestClient;
  const core = () => t.lantern.core;
  const db = () => t.lantern.core.db;

  beforeAll(async () => {
    t = await startTestLantern(ctx, { worker: false, env: { TRUST_PROXY: 'true' } });
    await saveSiteSettings(db(), { orgName: 'Freedom Thread', timeZone: TZ });
    staff = (await signedInAs(t, 'campaigner')).client;
  });
  afterAll(async () => {
    await t?.close();
  });

  const count = async (table: 'events' | 'event_occurrences' | 'audit_log') =>
    Number(
      (
        await db()
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const mailsQueued = async () =>
    Number(
      (
        await db()
          .selectFrom('jobs')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('name', '=', 'sendEmail')
          .executeTakeFirstOrThrow()
      ).n,
    );
  const eventRow = (id: number) => db().selectFrom('events').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  let people = 0;
  const registration = (o: Partial<RegistrationInput>): RegistrationInput => ({
    name: 'Guest',
    email: `guest.${ctx.dialect}.${++people}@example.org`,
    places: 1,
    date: 'series',
    answers: {},
    optIn: false,
    ...o,
  });

  /** Posts the new-event form; returns the response and the new event's id on success. */
  const create = async (form: Record<string, string>) => {
    await staff.get('/admin/events/new');
    const r = await staff.post('/admin/events', form);
    const m = /^\/admin\/events\/(\d+)\?done=created$/.exec(r.headers.get('location') ?? '');
    return { r, id: m ? Number(m[1]) : undefined };
  };

  /** The edit form's values for an event as stored, with overrides. */
  const editForm = async (event: LanternEvent, o: Record<string, string> = {}) => ({
    ...eventValues(event, await eventPrivate(core(), event.id)),
    ...o,
  });

  test('staff make a one-off event through the form; it is listed, its page shows it, and an edit is saved', async () => {
    const newPage = await staff.get('/admin/events/new');
    expect(newPage.status).toBe(200);
    expect(newPage.text).toContain('<h1>New event</h1>');
    expect(newPage.text).toContain('in the organisation’s time zone (Europe/London: UK time)');
    // On a page of its own the form's sections are h2s; under the event page's "Change the event" they are h3s.
    expect(newPage.text).toContain('<h2>About the event</h2>');
    // Three empty question rows without JavaScript.
    expect(newPage.text).toContain('name="question_3_label"');
    expect(newPage.text).not.toContain('name="question_4_label"');

    const form = oneOffForm();
    const { r, id } = await create(form);
    expect(r.status, r.text.slice(0, 2000)).toBe(303);
    const row = await eventRow(id!);
    expect(row).toMatchObject({
      title: form.title,
      slug: 'who-made-your-clothes-a-public-meeting',
      kind: 'meeting',
      capacity: 80,
      max_places: 2,
      time_zone: TZ,
    });
    expect(row.starts_at).toBe(zonedLocalToUtc(form.startsAt!, TZ));
    expect(row.ends_at).toBe(zonedLocalToUtc(form.endsAt!, TZ));
    expect(JSON.parse(row.questions)).toMatchObject([
      { label: 'Do you have any dietary needs?', type: 'single', choices: ['None', 'Vegetarian', 'Vegan'] },
    ]);
    expect(await listOccurrences(db(), id!)).toHaveLength(1);

    const page = await staff.get(`/admin/events/${id}?done=created`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('The event was saved.');
    expect(page.text).toContain(`value="${form.startsAt}"`);
    // The event's other pages are its tabs; the attendee list (CSV) is on its attendees and check-in pages.
    for (const link of ['check-in', 'message', 'attendees', 'figures', 'dates'])
      expect(page.text).toContain(`href="/admin/events/${id}/${link}"`);
    expect((await staff.get(`/admin/events/${id}/attendees`)).text).toContain(`href="/admin/events/${id}/attendees.csv"`);
    expect(page.text).toContain('<h2>Change the event</h2>');
    expect(page.text).toContain('<h3>About the event</h3>');
    expect(page.text).not.toContain('<h2>About the event</h2>');

    const list = await staff.get('/admin/events');
    expect(list.status).toBe(200);
    expect(list.text).toContain(`<a href="/admin/events/${id}">Who made your clothes? A public meeting</a>`);
    expect(list.text).toContain('0 of 80 taken');

    // The same title again gets a free web address of its own.
    const again = await create(oneOffForm());
    expect(again.r.status).toBe(303);
    expect((await eventRow(again.id!)).slug).toBe('who-made-your-clothes-a-public-meeting-2');

    // A draft is listed with the drafts, not with the events to come.
    const draft = await create(oneOffForm({ title: 'Screening: Threads of Cotton', publication: 'draft' }));
    expect(draft.r.status).toBe(303);
    expect((await staff.get('/admin/events?show=drafts')).text).toContain('Screening: Threads of Cotton');
    expect((await staff.get('/admin/events')).text).not.toContain('Screening: Threads of Cotton');

    // Edit: a new title and more places.
    const event = (await getEvent(db(), id!))!;
    await staff.get(`/admin/events/${id}`);
    const saved = await staff.post(`/admin/events/${id}`, await editForm(event, { title: 'Who made your clothes?', capacity: '100' }));
    expect(saved.status, saved.text.slice(0, 2000)).toBe(303);
    expect(saved.headers.get('location')).toBe(`/admin/events/${id}?done=saved`);
    expect(await eventRow(id!)).toMatchObject({ title: 'Who made your clothes?', capacity: 100, starts_at: row.starts_at });
    expect((await listOccurrences(db(), id!))[0]!.startsAt).toBe(row.starts_at);
    const occRow = await db().selectFrom('event_occurrences').select('capacity').where('event_id', '=', id!).executeTakeFirstOrThrow();
    expect(occRow.capacity).toBe(100);
  });

  test('staff make a weekly series through the form: every date at 18:00 London time across the clock change; an edit moves dates nobody booked', async () => {
    const form = weeklyForm();
    const { r, id } = await create(form);
    expect(r.status, r.text.slice(0, 2000)).toBe(303);
    const row = await eventRow(id!);
    expect(JSON.parse(row.series!)).toEqual({
      freq: 'weekly',
      interval: 1,
      weekday: 2,
      start: '18:00',
      end: '19:00',
      firstDay: form.seriesFirstDay,
    });
    const dates = await listOccurrences(db(), id!);
    expect(dates.length).toBeGreaterThan(20);
    for (const d of dates) {
      expect(utcToZonedLocal(d.startsAt, TZ).slice(11)).toBe('18:00');
      expect(new Date(d.startsAt).getUTCDay()).toBe(2);
    }
    // Both sides of the spring change: 18:00 GMT and 18:00 BST are different hours in UTC.
    expect(new Set(dates.map((d) => new Date(d.startsAt).getUTCHours()))).toEqual(new Set([17, 18]));
    expect(dates[0]!.startsAt).toBe(zonedLocalToUtc(`${form.seriesFirstDay}T18:00`, TZ));

    const list = await staff.get('/admin/events');
    expect(list.text).toContain('Tuesday vigil for the garment workers');
    expect(list.text).toContain('Every Tuesday, 18:00 to 19:00');

    const event = (await getEvent(db(), id!))!;
    const page = await staff.get(`/admin/events/${id}`);
    expect(page.text).toContain('value="18:00"');
    const longer = await staff.post(`/admin/events/${id}`, await editForm(event, { seriesEnd: '19:30' }));
    expect(longer.status, longer.text.slice(0, 2000)).toBe(303);
    const after = await listOccurrences(db(), id!);
    expect(after.length).toBe(dates.length);
    for (const d of after) expect(utcToZonedLocal(d.endsAt, TZ).slice(11)).toBe('19:30');

    // A series stays a series.
    await staff.get(`/admin/events/${id}`);
    const once = await staff.post(
      `/admin/events/${id}`,
      await editForm(event, { repeats: 'once', startsAt: `${dayFromNow(9)}T10:00`, endsAt: `${dayFromNow(9)}T11:00` }),
    );
    expect(once.status).toBe(422);
    expect(once.text).toContain('cannot become a single date');

    // A monthly series on the last Saturday.
    const monthly = await create(
      weeklyForm({ title: 'Monthly stall', repeats: 'monthly', monthlyBy: 'weekday', monthlyNth: '-1', monthlyWeekday: '6' }),
    );
    expect(monthly.r.status).toBe(303);
    for (const d of await listOccurrences(db(), monthly.id!)) {
      const local = utcToZonedLocal(d.startsAt, TZ);
      expect(new Date(`${local.slice(0, 10)}T00:00Z`).getUTCDay()).toBe(6);
      expect(new Date(Date.parse(`${local.slice(0, 10)}T00:00Z`) + 7 * DAY).getUTCMonth()).not.toBe(Number(local.slice(5, 7)) - 1);
    }
  });

  test('bad input is refused with a message beside the field, status 422 and nothing stored', async () => {
    const d = dayFromNow(30);
    const cases: Array<[string, Record<string, string>, string, RegExp]> = [
      ['end before start', oneOffForm({ startsAt: `${d}T18:00`, endsAt: `${d}T17:00` }), 'endsAt', /The event must end after it starts/],
      ['capacity 0', oneOffForm({ capacity: '0' }), 'capacity', /must be at least 1, or left empty for no limit/],
      ['capacity -3', oneOffForm({ capacity: '-3' }), 'capacity', /must be at least 1, or left empty for no limit/],
      [
        'a start in the spring-forward gap',
        oneOffForm({ startsAt: '2027-03-28T01:30', endsAt: '2027-03-28T03:00' }),
        'startsAt',
        /Clocks go forward at 01:00 on Sunday 28 March 2027, so 01:30 does not happen that night/,
      ],
      [
        'a start in the autumn repeated hour',
        oneOffForm({ startsAt: '2026-10-25T01:30', endsAt: '2026-10-25T03:00' }),
        'startsAt',
        /01:30 happens twice on Sunday 25 October 2026, when clocks go back/,
      ],
      [
        'a series meeting the spring gap',
        weeklyForm({ seriesFirstDay: '2027-03-07', seriesWeekday: '7', seriesStart: '01:30', seriesEnd: '02:30' }),
        'seriesStart',
        /On Sunday 28 March 2027 this series would start at 01:30/,
      ],
      // Refused by the service (not the form): its message lands on the field too.
      ['a web address the events pages use', oneOffForm({ slug: 'past' }), 'slug', /is used by the events pages themselves/],
      [
        'an online event without its link',
        oneOffForm({ mode: 'online' }),
        'joiningLink',
        /An online event needs the link people join with/,
      ],
    ];
    for (const [what, form, field, message] of cases) {
      const before = { events: await count('events'), dates: await count('event_occurrences'), audit: await count('audit_log') };
      const { r } = await create(form);
      expect(r.status, what).toBe(422);
      expect(r.text, what).toContain('There is a problem');
      expect(r.text, what).toContain(`href="#f-${field}"`);
      expect(r.text, what).toMatch(message);
      expect(r.text, what).toContain(`id="f-${field}-error"`);
      // What was typed is shown again.
      expect(r.text, what).toContain(`value="${form.title}"`);
      expect({ events: await count('events'), dates: await count('event_occurrences'), audit: await count('audit_log') }, what).toEqual(
        before,
      );
    }

    // The same on the edit form: nothing changes.
    const event = await makeTestEvent(core(), { title: 'Exhibition: Threads', capacity: 40 });
    const row = await eventRow(event.id);
    await staff.get(`/admin/events/${event.id}`);
    const edits: Array<Record<string, string>> = [
      { capacity: '0' },
      { startsAt: '2027-03-28T01:30', endsAt: '2027-03-28T04:00' },
      { endsAt: utcToZonedLocal(event.startsAt - HOUR, TZ) },
    ];
    for (const o of edits) {
      const r = await staff.post(`/admin/events/${event.id}`, await editForm(event, o));
      expect(r.status).toBe(422);
      expect(r.text).toContain('There is a problem');
      expect(await eventRow(event.id)).toEqual(row);
    }
  });

  test('cancel a date and move another: the people registered are told; a date of another event, or one already cancelled, is refused', async () => {
    const firstDay = nextWeekday(4);
    const series: SeriesRule = { freq: 'weekly', interval: 1, weekday: 4, start: '19:00', end: '20:30', firstDay };
    const event = await makeTestEvent(core(), { title: 'Thursday letter-writing evenings', series, capacity: 12 });
    const [first, second, third] = await listOccurrences(db(), event.id);
    await registerForEvent(core(), event, registration({ name: 'Nadia Haddad', date: second!.id }));

    const datesPage = await staff.get(`/admin/events/${event.id}/dates`);
    expect(datesPage.status).toBe(200);
    expect(datesPage.text).toContain(`href="/admin/events/${event.id}/dates/${second!.id}/cancel"`);
    expect(datesPage.text).toContain('1 of 12 taken');
    // Move and Cancel sit under the date, in the row's first cell (seen on a phone without scrolling sideways), each
    // named with its date.
    const row = new RegExp(`<th scope="row"><span id="date-${second!.id}">[^<]+</span><span class="event-date-actions">(.*?)</span></th>`);
    const actions = row.exec(datesPage.text)?.[1] ?? '';
    expect(actions).toContain(
      `href="/admin/events/${event.id}/dates/${second!.id}/move" aria-labelledby="move-${second!.id} date-${second!.id}"`,
    );
    expect(actions).toContain(`aria-labelledby="cancel-${second!.id} date-${second!.id}"`);

    const confirm = await staff.get(`/admin/events/${event.id}/dates/${second!.id}/cancel`);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('Cancel this date and email 1 person');
    expect(confirm.text).toContain('1 person (1 place) registered for this date');
    const mails = await mailsQueued();
    const cancelled = await staff.post(`/admin/events/${event.id}/dates/${second!.id}/cancel`);
    expect(cancelled.status).toBe(303);
    expect(cancelled.headers.get('location')).toBe(`/admin/events/${event.id}/dates?done=cancelled`);
    expect((await listOccurrences(db(), event.id)).find((o) => o.id === second!.id)!.status).toBe('cancelled');
    expect(await mailsQueued()).toBe(mails + 1);
    expect((await staff.get(`/admin/events/${event.id}/dates?done=cancelled`)).text).toContain('Cancelled');
    expect((await staff.post(`/admin/events/${event.id}/dates/${second!.id}/cancel`)).status).toBe(409);

    // Moving: a bad time is refused and changes nothing; a good one moves the date and keeps where the rule put it.
    const move = await staff.get(`/admin/events/${event.id}/dates/${third!.id}/move`);
    expect(move.status).toBe(200);
    expect(move.text).toContain(`value="${utcToZonedLocal(third!.startsAt, TZ)}"`);
    const day = utcToZonedLocal(third!.startsAt, TZ).slice(0, 10);
    const bad = await staff.post(`/admin/events/${event.id}/dates/${third!.id}/move`, { startsAt: `${day}T20:00`, endsAt: `${day}T19:00` });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('The date must end after it starts');
    expect((await listOccurrences(db(), event.id)).find((o) => o.id === third!.id)!.startsAt).toBe(third!.startsAt);
    const moved = await staff.post(`/admin/events/${event.id}/dates/${third!.id}/move`, {
      startsAt: `${day}T18:00`,
      endsAt: `${day}T19:45`,
    });
    expect(moved.status, moved.text.slice(0, 1500)).toBe(303);
    const now = (await listOccurrences(db(), event.id)).find((o) => o.id === third!.id)!;
    expect(now).toMatchObject({
      startsAt: zonedLocalToUtc(`${day}T18:00`, TZ),
      endsAt: zonedLocalToUtc(`${day}T19:45`, TZ),
      originalStartsAt: third!.startsAt,
      status: 'scheduled',
    });

    // Another event's date is not found under this one.
    const other = await makeTestEvent(core(), { title: 'Another evening' });
    expect((await staff.get(`/admin/events/${other.id}/dates/${first!.id}/cancel`)).status).toBe(404);
    expect((await staff.post(`/admin/events/${other.id}/dates/${first!.id}/cancel`)).status).toBe(404);
    expect((await listOccurrences(db(), event.id)).find((o) => o.id === first!.id)!.status).toBe('scheduled');
  });

  test('the attendee list shows people registered (with their answers) and the waitlist in order; more places offer them places', async () => {
    const event = await makeTestEvent(core(), {
      title: 'Solidarity Iftar',
      capacity: 2,
      questions: [{ id: 'diet', label: 'Dietary needs', type: 'single', required: true, choices: ['None', 'Vegetarian', 'Halal'] }],
    });
    const [date] = await listOccurrences(db(), event.id);
    const amara = registration({ name: 'Amara Okafor', places: 2, date: date!.id, answers: { diet: 'Vegetarian' } });
    await registerForEvent(core(), event, amara);
    await registerForEvent(core(), event, registration({ name: 'Tomasz Nowak', date: date!.id, answers: { diet: 'Halal' } }));
    await registerForEvent(core(), event, registration({ name: 'Li Wei', date: date!.id, answers: { diet: 'None' } }));

    const page = await staff.get(`/admin/events/${event.id}/attendees`);
    expect(page.status).toBe(200);
    const [withPlace, waitlist] = page.text.split('<h3>Waiting list</h3>');
    expect(withPlace).toContain('Amara Okafor');
    expect(withPlace).toContain(amara.email);
    expect(withPlace).toContain('Vegetarian');
    expect(withPlace).toContain('Has a place');
    expect(waitlist!.indexOf('Tomasz Nowak')).toBeGreaterThan(-1);
    expect(waitlist!.indexOf('Tomasz Nowak')).toBeLessThan(waitlist!.indexOf('Li Wei'));
    expect(withPlace).not.toContain('Li Wei');

    // One more place: the first in line is offered it.
    await staff.get(`/admin/events/${event.id}`);
    const more = await staff.post(`/admin/events/${event.id}`, await editForm(event, { capacity: '3' }));
    expect(more.status, more.text.slice(0, 1500)).toBe(303);
    const after = await staff.get(`/admin/events/${event.id}/attendees?date=${date!.id}`);
    const [holders, waiting] = after.text.split('<h3>Waiting list</h3>');
    expect(holders).toContain('Tomasz Nowak');
    expect(holders).toContain('Offered a place until');
    expect(waiting).toContain('Li Wei');
    expect((await staff.get(`/admin/events/${event.id}/attendees?date=999999`)).status).toBe(404);
  });

  test('attendance figures: a chart with a title and description beside a table of the same numbers, and a summary on the event page', async () => {
    const event = await makeTestEvent(core(), { title: 'Panel: who checks the supply chain?' });
    const [date] = await listOccurrences(db(), event.id);
    const reg = async (name: string, places: number) =>
      registerForEvent(core(), event, registration({ name, places, date: date!.id })).then((o) =>
        o.kind === 'registered' ? o.registrationId : 0,
      );
    const came = await reg('Rosa Lind', 2);
    const noShow = await reg('Kofi Mensah', 1);
    await reg('Ines Duarte', 1);
    // The date is on now; someone arrives at the door.
    await db()
      .updateTable('event_occurrences')
      .set({ starts_at: Date.now() - HOUR, ends_at: Date.now() + HOUR })
      .where('id', '=', date!.id)
      .execute();
    const walkIn = await registerForEvent(core(), event, registration({ name: 'Sam Walk-in', email: '', date: date!.id }), {
      source: 'door',
    });
    const attendance = async (registrationId: number, a: 'attended' | 'no_show') =>
      db().updateTable('event_places').set({ attendance: a }).where('registration_id', '=', registrationId).execute();
    await attendance(came, 'attended');
    await attendance(noShow, 'no_show');
    await attendance(walkIn.kind === 'registered' ? walkIn.registrationId : 0, 'attended');

    const page = await staff.get(`/admin/events/${event.id}/figures`);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<svg [^>]*role="img" aria-labelledby="figures-chart-title figures-chart-desc"/);
    expect(page.text).toContain('<title id="figures-chart-title">Attendance at Panel: who checks the supply chain?</title>');
    expect(page.text).toContain('<desc id="figures-chart-desc">');
    expect(page.text).toContain('4 registered, 3 came, 1 no-show, 1 walk-in');
    // The table: registered 4, came 3 (two registered ahead and one walk-in), no-shows 1, walk-ins 1, not recorded 1.
    expect(page.text).toMatch(
      /<td class="num">4<\/td><td class="num">3<\/td><td class="num">1<\/td><td class="num">1<\/td><td class="num">1<\/td>/,
    );
    const summary = await staff.get(`/admin/events/${event.id}`);
    expect(summary.text).toContain('4 people registered ahead, 3 people came (50% of those registered), 1 no-show and 1 walk-in.');
  });

  test('a viewer may not see or change events (403), and nothing is stored', async () => {
    const viewer = (await signedInAs(t, 'viewer')).client;
    const event = await makeTestEvent(core(), { title: 'Not for viewers' });
    const [date] = await listOccurrences(db(), event.id);
    for (const path of [
      '/admin/events',
      '/admin/events/new',
      `/admin/events/${event.id}`,
      `/admin/events/${event.id}/dates`,
      `/admin/events/${event.id}/attendees`,
      `/admin/events/${event.id}/figures`,
    ]) {
      expect((await viewer.get(path)).status, path).toBe(403);
    }
    await viewer.get('/admin');
    const before = await count('events');
    for (const [path, form] of [
      ['/admin/events', oneOffForm()],
      [`/admin/events/${event.id}`, oneOffForm()],
      [`/admin/events/${event.id}/dates/${date!.id}/cancel`, {}],
    ] as const) {
      const r = await viewer.post(path, form);
      expect(r.status, path).toBe(403);
      expect(r.text, path).toContain('Your role does not allow this');
    }
    expect(await count('events')).toBe(before);
    expect((await eventRow(event.id)).title).toBe('Not for viewers');
    expect((await listOccurrences(db(), event.id))[0]!.status).toBe('scheduled');
  });

  test('garbage in the event forms (any values, encodings, with and without a token) is never a 500, and a refusal stores nothing', async () => {
    const { value } = garbage({
      extra: [
        '2027-03-28T01:30',
        '2026-10-25T01:30',
        '0',
        '-3',
        '18:00',
        'weekly',
        'monthly',
        'published',
        'online',
        '9'.repeat(20),
        'past',
      ],
      maxRepeat: 30_000,
      hugeValue: false,
    });
    const keys = [
      'title',
      'slug',
      'summary',
      'description',
      'kind',
      'mode',
      'status',
      'publication',
      'repeats',
      'startsAt',
      'endsAt',
      'seriesFirstDay',
      'seriesUntil',
      'seriesStart',
      'seriesEnd',
      'seriesInterval',
      'seriesWeekday',
      'monthlyBy',
      'monthlyDay',
      'monthlyNth',
      'monthlyWeekday',
      'capacity',
      'maxPlacesPerRegistration',
      'registrationDeadline',
      'campaignId',
      'organiserEmail',
      'joiningLink',
      'recordingUrl',
      'recordingResourceId',
      'newsletterListId',
      'question_1_label',
      'question_1_type',
      'question_1_choices',
      'question_1_id',
      'question_11_label',
    ] as const;
    const wild = fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 12 });
    // Mostly valid forms with a few fields replaced: these reach the deeper checks (times, series, the service).
    const nearlyValid = fc
      .tuple(fc.constantFrom(oneOffForm(), weeklyForm()), fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 3 }))
      .map(([base, swap]) => ({ ...base, title: `Garbage test ${Math.random()}`, ...swap }));
    const how = fc.constantFrom('form', 'form', 'form', 'json', 'broken-json', 'text/plain', 'none');
    const edited = await makeTestEvent(core(), { title: 'Target of garbage edits', capacity: 30 });
    let saved = 0;
    let refused = 0;
    await staff.get('/admin/events/new');
    await fc.assert(
      fc.asyncProperty(fc.oneof(wild, nearlyValid), how, fc.boolean(), fc.boolean(), async (fields, encoding, withCsrf, edit) => {
        const path = edit ? `/admin/events/${edited.id}` : '/admin/events';
        const before = {
          events: await count('events'),
          dates: await count('event_occurrences'),
          audit: await count('audit_log'),
          row: await eventRow(edited.id),
        };
        const r = await send(staff, path, fields, encoding, { csrf: withCsrf });
        expectClearPage(r);
        if (r.status === 303) {
          // Accepted: exactly what it says happened (a new event, or this one changed), and the form was valid.
          saved++;
          expect(await count('audit_log')).toBe(before.audit + 1);
          expect(await count('events')).toBe(before.events + (edit ? 0 : 1));
          return;
        }
        refused++;
        expect([400, 403, 413, 415, 422]).toContain(r.status);
        expect({
          events: await count('events'),
          dates: await count('event_occurrences'),
          audit: await count('audit_log'),
          row: await eventRow(edited.id),
        }).toEqual(before);
      }),
      { numRuns: 120 },
    );
    expect(refused).toBeGreaterThan(0);
    expect(saved + refused).toBe(120);
  });
});
