import { getCampaigns } from '../actions/service.js';
import type { Core } from '../core/context.js';
import { getSiteSettings } from '../core/settings.js';
import { utcToZonedLocal, zonedLocalToUtc } from '../core/time.js';
import { signupBlockData } from '../supporters/service.js';
import type { Attendance, EventQuestion, Weekday } from './model.js';
import { giveFeedback } from './follow-up.js';
import { findEventRowBySlug, listPlacesOfRegistration, setPlaceAttendance } from './queries.js';
import {
  cancelOccurrence,
  createEvent,
  listOccurrences,
  registerForEvent,
  updateEvent,
  type EventInput,
  type LanternEvent,
} from './service.js';

// The demo charity's events, made through the events service as staff would make them and registered for as the
// public would register (so the lists, places left, waitlist, emails and check-in screens show real data): a public
// meeting three weeks ago with its recording, materials and who came; a livestreamed panel; the Tuesday protest
// outside an embassy with one Tuesday called off; a solidarity Iftar that asks about food; and a fortnight's
// exhibition. Every time is set relative to now in the organisation's time zone, so the demo never goes stale.
// Every person is made up, and every address is under example.org, which can never receive mail.

const DAY = 24 * 3600_000;

/** The slugs of the demo's events (the demo test finds them by these). */
export const DEMO_EVENT_SLUGS = {
  meeting: 'who-made-my-jumper',
  livestream: 'panel-tracing-the-thread',
  protest: 'tuesday-embassy-protest',
  iftar: 'solidarity-iftar',
  exhibition: 'threads-of-home-exhibition',
} as const;

/** The private parts of the demo's events: they must never appear on a public page (the demo test checks). */
export const DEMO_PRIVATE = {
  joiningLink: 'https://meet.example.org/freedom-thread/panel-7f3k2q',
  meetingPoint: 'Meet at the bus shelter on the east pavement, opposite the embassy gates; stewards wear yellow tabards.',
} as const;

/** The day `days` from `now` in a time zone, as YYYY-MM-DD. */
function dayFrom(now: number, days: number, timeZone: string): string {
  return utcToZonedLocal(now + days * DAY, timeZone).slice(0, 10);
}

/** A wall-clock time on the day `days` from now (no demo time falls in a clock change's missing hour). */
function at(now: number, days: number, time: string, timeZone: string): number {
  return zonedLocalToUtc(`${dayFrom(now, days, timeZone)}T${time}`, timeZone)!;
}

/** How many days from today to the next Tuesday after today, counted in the time zone. */
function daysToNextTuesday(now: number, timeZone: string): number {
  const weekday = new Date(`${dayFrom(now, 0, timeZone)}T12:00Z`).getUTCDay(); // 0 Sunday … 6 Saturday
  return ((2 - weekday + 7) % 7) + (weekday === 2 ? 7 : 0);
}

const PEOPLE = [
  'Aisha Rahman',
  'Gülnar Tursun',
  'Rhys Pritchard',
  'Mei Lin Zhang',
  'Kwame Mensah',
  'Siobhan Kelly',
  'Dilnoza Karimova',
  'Tomás Silva',
  'Priya Natarajan',
  'Hodan Ali',
  'Oliver Brooks',
  'Agnieszka Nowak',
  'Yusuf Demir',
  'Chioma Okafor',
  'Arman Sadykov',
  'Zoë Hartley',
] as const;

/** A made-up person's address: lower-case ASCII under example.org. */
function demoEmail(name: string): string {
  const ascii = name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]+/g, '.');
  return `${ascii}@example.org`;
}

/** Registers demo people through the public path (the email each would get is queued, and caught in the demo). */
async function register(
  core: Core,
  event: LanternEvent,
  people: ReadonlyArray<{ name: string; places?: number; date?: number | 'series'; answers?: Record<string, string | string[]> }>,
  o: { now?: number } = {},
): Promise<Array<{ id: number; token: string }>> {
  const [first] = await listOccurrences(core.db, event.id);
  const made: Array<{ id: number; token: string }> = [];
  for (const p of people) {
    const outcome = await registerForEvent(
      core,
      event,
      {
        name: p.name,
        email: demoEmail(p.name),
        places: p.places ?? 1,
        date: p.date ?? first!.id,
        answers: p.answers ?? {},
        optIn: false,
      },
      o.now === undefined ? {} : { now: o.now },
    );
    if (outcome.kind === 'registered') made.push({ id: outcome.registrationId, token: outcome.manageToken });
  }
  return made;
}

/** What every demo event shares. */
function base(
  o: Pick<EventInput, 'slug' | 'title' | 'summary' | 'description' | 'kind' | 'mode' | 'startsAt' | 'endsAt'> & Partial<EventInput>,
): EventInput {
  return {
    status: 'scheduled',
    publication: 'published',
    timeZone: 'Europe/London',
    series: null,
    venueName: '',
    address: '',
    accessibility: '',
    capacity: null,
    maxPlacesPerRegistration: 4,
    registrationDeadline: null,
    campaignId: null,
    organiserName: 'Freedom Thread events team',
    organiserEmail: 'events@freedomthread.example.org',
    questions: [],
    joiningLink: '',
    meetingPoint: '',
    recordingUrl: '',
    recordingResourceId: null,
    materials: '',
    newsletterListId: null,
    ...o,
  };
}

const DIETARY: EventQuestion = {
  id: 'dietary',
  label: 'Do you have any dietary needs?',
  type: 'multiple',
  required: false,
  choices: ['Vegetarian', 'Vegan', 'Gluten-free', 'Nut allergy', 'Dairy-free'],
};

const ACCESS: EventQuestion = {
  id: 'access',
  label: 'Is there anything we can do to make the evening easier for you to attend?',
  type: 'text',
  required: false,
  choices: [],
};

/** Seeds the demo charity's five events (once: a database that has them already is left alone). */
export async function seedEventsDemo(core: Core): Promise<void> {
  if (await findEventRowBySlug(core.db, DEMO_EVENT_SLUGS.meeting)) return;
  const now = Date.now();
  const tz = (await getSiteSettings(core.db)).timeZone || 'Europe/London';
  const campaigns = await getCampaigns(core.db);
  const campaignId = (campaigns.find((c) => c.slug === 'free-the-supply-chain') ?? campaigns[0])?.id ?? null;
  const lists = (await signupBlockData(core)).lists;
  const eventsList = (lists.find((l) => /event/i.test(l.name)) ?? lists[0])?.id ?? null;

  await seedPastMeeting(core, { now, tz, campaignId });

  // The livestream: online only, no limit on places; the joining link goes only to people who register.
  const panel = await createEvent(
    core,
    null,
    base({
      slug: DEMO_EVENT_SLUGS.livestream,
      title: 'Tracing the thread: a livestreamed panel on supply chains',
      summary: 'A researcher, a garment worker organiser and a customs lawyer on how to follow cotton from field to shop.',
      description: [
        'Brands say they cannot know where their cotton comes from. Our three panellists say they can, and should.',
        '',
        '- **How tracing works**: isotope testing, shipping records and what the mills themselves publish',
        '- **What the law could require**: the import bans other countries already have',
        '- **Your questions**: send them in the chat while we are live',
        '',
        'Live captions throughout. The recording will be on this page afterwards.',
      ].join('\n'),
      kind: 'livestream',
      mode: 'online',
      startsAt: at(now, 10, '19:00', tz),
      endsAt: at(now, 10, '20:30', tz),
      timeZone: tz,
      accessibility: 'Live captions, and a transcript afterwards.',
      campaignId,
      joiningLink: DEMO_PRIVATE.joiningLink,
      newsletterListId: eventsList,
    }),
  );
  await register(core, panel, [{ name: PEOPLE[0] }, { name: PEOPLE[4], places: 2 }, { name: PEOPLE[9] }, { name: PEOPLE[13] }]);

  await seedProtestSeries(core, { now, tz, campaignId, eventsList });

  // The Iftar: sixty places and a question about food, which only staff see the answers to.
  const iftarDay = 24;
  const iftar = await createEvent(
    core,
    null,
    base({
      slug: DEMO_EVENT_SLUGS.iftar,
      title: 'Solidarity Iftar',
      summary: 'Break the fast with Uyghur families in London, and hear what Ramadan is like for those who cannot keep it at home.',
      description: [
        'Everyone is welcome, whether or not you are fasting. We break the fast together at sunset with dates and water,',
        'then share a meal of laghman and polo cooked by families from the community.',
        '',
        'Tell us about your dietary needs when you register, so there is enough for everyone.',
      ].join('\n'),
      kind: 'other',
      mode: 'in_person',
      startsAt: at(now, iftarDay, '17:30', tz),
      endsAt: at(now, iftarDay, '21:00', tz),
      timeZone: tz,
      venueName: 'Canal Street Community Centre',
      address: '14 Canal Street\nLondon E2 0AA',
      accessibility: 'Step-free throughout; accessible toilet; a quiet room upstairs.',
      capacity: 60,
      maxPlacesPerRegistration: 6,
      campaignId,
      questions: [DIETARY, ACCESS],
    }),
  );
  await register(core, iftar, [
    { name: PEOPLE[1], places: 4, answers: { dietary: ['Nut allergy'] } },
    { name: PEOPLE[6], places: 2 },
    { name: PEOPLE[2], answers: { dietary: ['Vegetarian'] } },
    { name: PEOPLE[10], places: 3, answers: { dietary: ['Vegan', 'Gluten-free'], access: 'I use a wheelchair.' } },
    { name: PEOPLE[14], places: 2, answers: { dietary: ['Dairy-free'] } },
    { name: PEOPLE[7] },
  ]);

  // The exhibition: one event spanning a fortnight.
  await createEvent(
    core,
    null,
    base({
      slug: DEMO_EVENT_SLUGS.exhibition,
      title: 'Threads of home: Uyghur textiles and testimony',
      summary: 'Atlas silk, embroidered doppa caps and the words of the people who made them, for two weeks only.',
      description: [
        'A fortnight of textiles lent by Uyghur families across Britain, shown beside the testimony of workers moved',
        'into factories far from home.',
        '',
        'Open every day from 10:00 to 18:00. Entry is free; registering helps us plan the guided tours at 14:00.',
      ].join('\n'),
      kind: 'exhibition',
      mode: 'in_person',
      startsAt: at(now, 5, '10:00', tz),
      endsAt: at(now, 5 + 13, '18:00', tz),
      timeZone: tz,
      venueName: 'The Loom Gallery',
      address: '3 Weavers Row\nLondon E1 6AA',
      accessibility: 'Ground floor, step-free; large-print captions at the desk; seating in every room.',
      campaignId,
    }),
  );
}

/** The public meeting three weeks ago: registered for beforehand, then its recording, materials and who came. */
async function seedPastMeeting(core: Core, o: { now: number; tz: string; campaignId: number | null }): Promise<void> {
  const { now, tz } = o;
  const madeAt = now - 35 * DAY;
  const input = base({
    slug: DEMO_EVENT_SLUGS.meeting,
    title: 'Who made my jumper? A public meeting on forced labour in cotton',
    summary: 'Three speakers on the camps behind the cotton, what the brands know, and what we can make them do.',
    description: [
      'One in five cotton garments sold worldwide may contain cotton picked or spun under forced labour.',
      'Come and hear how it gets into our shops, and how campaigners elsewhere have made brands change.',
      '',
      'Speakers: a Uyghur community organiser, a supply chain researcher and our campaigns director.',
    ].join('\n'),
    kind: 'meeting',
    mode: 'in_person',
    startsAt: at(now, -21, '18:30', tz),
    endsAt: at(now, -21, '20:30', tz),
    timeZone: tz,
    venueName: 'Friends Meeting House, Garden Room',
    address: '22 Quaker Lane\nLondon NW1 2AA',
    accessibility: 'Step-free entrance from the garden; hearing loop; BSL interpretation.',
    capacity: 80,
    campaignId: o.campaignId,
  });
  const meeting = await createEvent(core, null, input, madeAt);
  const people = PEOPLE.slice(0, 10).map((name, i) => ({ name, places: i % 4 === 0 ? 2 : 1 }));
  const made = await register(core, meeting, people, { now: madeAt + 3 * DAY });

  // After the evening: staff add the recording and the slides (nobody is told: nothing they planned around changed).
  await updateEvent(
    core,
    null,
    meeting.id,
    {
      ...input,
      recordingUrl: 'https://video.example.org/freedom-thread/who-made-my-jumper',
      materials: [
        '- [The speakers’ slides (PDF)](https://freedomthread.example.org/files/who-made-my-jumper-slides.pdf)',
        '- Further reading: our briefing on cotton tracing, on the campaign page',
      ].join('\n'),
    },
    now - 20 * DAY,
  );

  // Who came, as staff marked it at the door (no staff account exists yet in a new install, so the attendance is set
  // directly rather than through checkin.ts, whose every change is audited under a member of staff).
  const marks: Attendance[] = [
    'attended',
    'attended',
    'no_show',
    'attended',
    'attended',
    'attended',
    'no_show',
    'attended',
    'attended',
    'unknown',
  ];
  const doorAt = at(now, -21, '18:40', tz);
  for (const [i, { id }] of made.entries()) {
    const mark = marks[i] ?? 'unknown';
    if (mark === 'unknown') continue;
    for (const place of await listPlacesOfRegistration(core.db, id)) await setPlaceAttendance(core.db, Number(place.id), mark, doorAt);
  }

  // Two people answered the thank-you's feedback form the next day; one agreed to be quoted on the website.
  const nextDay = at(now, -20, '09:15', tz);
  await giveFeedback(
    core,
    made[0]!.token,
    {
      rating: 5,
      comment:
        'I had no idea my own clothes could be part of this. The speaker from the Uyghur community was unforgettable; I have written to my MP since.',
      mayQuote: true,
      quoteName: 'Aisha, Hackney',
    },
    nextDay,
  );
  await giveFeedback(
    core,
    made[3]!.token,
    {
      rating: 4,
      comment: 'Very good evening. The room was too warm and the questions ran short; more time for them next time, please.',
      mayQuote: false,
      quoteName: '',
    },
    nextDay,
  );
}

/** The Tuesday protest: every Tuesday 18:00–19:00 outside the embassy, one Tuesday called off. */
async function seedProtestSeries(
  core: Core,
  o: { now: number; tz: string; campaignId: number | null; eventsList: number | null },
): Promise<void> {
  const { now, tz } = o;
  const firstDay = dayFrom(now, daysToNextTuesday(now, tz), tz);
  const protest = await createEvent(
    core,
    null,
    base({
      slug: DEMO_EVENT_SLUGS.protest,
      title: 'Tuesday protest outside the embassy',
      summary: 'Every Tuesday evening we stand outside the embassy for the Uyghur people held in camps. Come once, or come every week.',
      description: [
        'A peaceful, silent protest with placards and the names of the missing. We hand out placards; please do not bring your own.',
        '',
        'Stewards are there every week and the police are told in advance. The exact place we meet is emailed to people who register.',
      ].join('\n'),
      kind: 'protest',
      mode: 'in_person',
      startsAt: 0,
      endsAt: 0,
      timeZone: tz,
      series: { freq: 'weekly', interval: 1, weekday: 2 as Weekday, start: '18:00', end: '19:00', firstDay },
      venueName: 'Outside the embassy',
      address: 'Portland Place\nLondon W1B',
      accessibility: 'The pavement is level and wide; there is no seating, but stewards can bring a folding stool.',
      campaignId: o.campaignId,
      meetingPoint: DEMO_PRIVATE.meetingPoint,
      newsletterListId: o.eventsList,
    }),
  );
  const dates = await listOccurrences(core.db, protest.id);
  await register(core, protest, [
    { name: PEOPLE[12], date: 'series' },
    { name: PEOPLE[1], date: 'series', places: 2 },
    { name: PEOPLE[5], date: dates[0]!.id },
    { name: PEOPLE[8], date: dates[1]!.id },
    { name: PEOPLE[15], date: 'series' },
  ]);
  // The third Tuesday clashes with a march the police are stewarding nearby: called off, and everyone registered told.
  await cancelOccurrence(core, null, dates[2]!.id);
}
