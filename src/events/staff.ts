import { getCampaigns } from '../actions/service.js';
import { listResources } from '../content/service.js';
import type { Core } from '../core/context.js';
import type { Db } from '../core/db/index.js';
import { DomainError } from '../core/web/errors.js';
import { listOpenLists } from '../supporters/service.js';
import { computeFigures, type EventFigures } from './figures.js';
import type { Attendance, EventQuestion, LanternEvent, Occurrence, PlaceState } from './model.js';
import { eventSlugTaken, listPlacesAtAll, listRegistrationRows, type PlaceRow, type RegistrationRow } from './queries.js';
import { eventPrivate, getEvent, listOccurrences, nextOccurrence } from './reading.js';
import { listEventsForStaff } from './service.js';

// What the staff pages of events read beyond the service: the list in three parts, the choices the event form
// offers, a free web address, the people at one date (names, addresses and answers decrypted here, in memory, for the
// page alone: never logged), and the attendance figures. The routes import the service's own functions from here too.

export { createEvent, updateEvent, cancelOccurrence, moveOccurrence } from './service.js';
export { eventPrivate, getEvent, listOccurrences };

/** One event in the staff's list: its next date (or its last, once over) and the room there. */
export interface EventListItem {
  event: LanternEvent;
  /** The date to come (or going on) first; for an event that is over, its last date. */
  date: Occurrence | undefined;
  /** How many dates it has (a series: those made so far). */
  dateCount: number;
}

/** The staff's list of events in three parts. */
export interface EventLists {
  /** Published, with a date still to come or going on: soonest first. */
  upcoming: EventListItem[];
  /** Published, every date over: most recent first. */
  past: EventListItem[];
  /** Not published yet, whatever their dates: soonest first. */
  drafts: EventListItem[];
}

/** Every event for staff, as upcoming, past and drafts. */
export async function eventListsForStaff(db: Db, now = Date.now()): Promise<EventLists> {
  const all = await listEventsForStaff(db);
  const items = all.map(({ event, occurrences }) => {
    const next = nextOccurrence(occurrences, now);
    return { event, date: next ?? occurrences[occurrences.length - 1], dateCount: occurrences.length, upcoming: next !== undefined };
  });
  const start = (i: EventListItem) => i.date?.startsAt ?? i.event.startsAt;
  const strip = ({ upcoming: _u, ...i }: EventListItem & { upcoming: boolean }): EventListItem => i;
  return {
    upcoming: items
      .filter((i) => i.event.publication === 'published' && i.upcoming)
      .sort((a, b) => start(a) - start(b))
      .map(strip),
    past: items
      .filter((i) => i.event.publication === 'published' && !i.upcoming)
      .sort((a, b) => start(b) - start(a))
      .map(strip),
    drafts: items
      .filter((i) => i.event.publication === 'draft')
      .sort((a, b) => start(a) - start(b))
      .map(strip),
  };
}

/** A web address no other event uses: `slug`, else `slug-2`, `slug-3` … */
export async function freeEventSlug(db: Db, slug: string, exceptId?: number): Promise<string> {
  if (!(await eventSlugTaken(db, slug, exceptId))) return slug;
  const base = slug.slice(0, 90);
  for (let i = 2; i < 1000; i++) {
    const candidate = `${base}-${i}`;
    if (!(await eventSlugTaken(db, candidate, exceptId))) return candidate;
  }
  return `${base}-${Date.now()}`;
}

/** What the event form lets staff choose from: campaigns, newsletter lists, published resources (for a recording). */
export interface EventFormChoices {
  campaigns: Array<{ id: number; title: string }>;
  lists: Array<{ id: number; name: string }>;
  resources: Array<{ id: number; title: string }>;
}

/** The campaigns, open newsletter lists and published resources the event form offers. */
export async function eventFormChoices(core: Core): Promise<EventFormChoices> {
  const [campaigns, lists, resources] = await Promise.all([
    getCampaigns(core.db),
    listOpenLists(core.db),
    listResources(core.db, { limit: 500 }),
  ]);
  return {
    campaigns: campaigns.map((c) => ({ id: c.id, title: c.title })),
    lists: lists.map((l) => ({ id: Number(l.id), name: l.name })),
    resources: resources.map((r) => ({ id: r.id, title: r.title })),
  };
}

/** The event a staff page is about, or a refusal. */
export async function requireEvent(db: Db, id: number): Promise<LanternEvent> {
  const event = await getEvent(db, id);
  if (!event) throw new DomainError('not_found', 'There is no such event.');
  return event;
}

/** One date of an event for the staff pages that change it, with how many people hold or wait for places there. */
export async function dateForStaff(
  core: Core,
  eventId: number,
  occurrenceId: number,
): Promise<{ event: LanternEvent; occurrence: Occurrence; people: number }> {
  const event = await requireEvent(core.db, eventId);
  const occurrence = (await listOccurrences(core.db, eventId)).find((o) => o.id === occurrenceId);
  if (!occurrence) throw new DomainError('not_found', 'There is no such date for this event.');
  const places = await listPlacesAtAll(core.db, [occurrenceId], ['confirmed', 'offered', 'waitlisted']);
  return { event, occurrence, people: new Set(places.map((p) => Number(p.registration_id))).size };
}

/** Someone at one date, as the attendee list shows them. */
export interface AttendeeLine {
  placeId: number;
  name: string;
  email: string;
  places: number;
  state: PlaceState;
  /** Until when an offered place is held. */
  offeredUntil: number | null;
  attendance: Attendance;
  checkedInAt: number | null;
  /** Registered at the door. */
  walkIn: boolean;
  /** Registered for every date of the series. */
  wholeSeries: boolean;
  registeredAt: number;
  /** Their answers, question by question (questions they left blank are left out). */
  answers: Array<{ question: string; answer: string }>;
}

/** The attendee list of one date. */
export interface AttendeesPage {
  event: LanternEvent;
  occurrences: Occurrence[];
  /** The date shown (undefined: the event has no dates). */
  occurrence: Occurrence | undefined;
  /** People holding places (confirmed, or offered a place from the waitlist), in the order they registered (at most ATTENDEES_SHOWN). */
  holders: AttendeeLine[];
  /** The waitlist, first in line first (at most ATTENDEES_SHOWN). */
  waiting: AttendeeLine[];
  /** Everyone at the date, beyond those shown: bookings and places, held and waiting. */
  totals: { holders: number; holderPlaces: number; waiting: number; waitingPlaces: number };
}

/** The most people each list of the attendee page shows: a page for thousands would not load on a phone; the CSV has everyone. */
export const ATTENDEES_SHOWN = 500;

function answerLines(questions: readonly EventQuestion[], answers: Record<string, string | string[]>): AttendeeLine['answers'] {
  return questions.flatMap((q) => {
    const a = answers[q.id];
    const text = Array.isArray(a) ? a.join(', ') : (a ?? '');
    return text === '' ? [] : [{ question: q.label, answer: text }];
  });
}

/**
 * The people at one date of an event (the one going on or coming next when none is given): those holding places
 * and the waitlist in order, with their answers. Throws DomainError('not_found') for another event's date.
 */
export async function attendeesPage(
  core: Core,
  eventId: number,
  o: { occurrenceId?: number | undefined; now?: number } = {},
): Promise<AttendeesPage> {
  const now = o.now ?? Date.now();
  const event = await requireEvent(core.db, eventId);
  const occurrences = await listOccurrences(core.db, eventId);
  const occurrence =
    o.occurrenceId === undefined
      ? (nextOccurrence(occurrences, now) ?? occurrences[occurrences.length - 1])
      : occurrences.find((x) => x.id === o.occurrenceId);
  if (o.occurrenceId !== undefined && !occurrence) throw new DomainError('not_found', 'There is no such date for this event.');
  const none = { holders: 0, holderPlaces: 0, waiting: 0, waitingPlaces: 0 };
  if (!occurrence) return { event, occurrences, occurrence, holders: [], waiting: [], totals: none };
  const regs = new Map<number, RegistrationRow>((await listRegistrationRows(core.db, eventId)).map((r) => [Number(r.id), r]));
  const places = (await listPlacesAtAll(core.db, [occurrence.id], ['confirmed', 'offered', 'waitlisted'])).filter((p) => {
    const r = regs.get(Number(p.registration_id));
    return r !== undefined && r.status !== 'forgotten';
  });
  const held = places.filter((p) => p.state !== 'waitlisted');
  const waiting = places.filter((p) => p.state === 'waitlisted');
  const k = core.keyring;
  // Only the people shown are decrypted.
  const line = (p: PlaceRow): AttendeeLine => {
    const r = regs.get(Number(p.registration_id))!;
    const answers = r.answers_enc ? (JSON.parse(k.decrypt(r.answers_enc)) as Record<string, string | string[]>) : {};
    return {
      placeId: Number(p.id),
      name: k.decrypt(r.name_enc),
      email: r.email_enc ? k.decrypt(r.email_enc) : '',
      places: p.places,
      state: p.state,
      offeredUntil: p.offered_until,
      attendance: p.attendance,
      checkedInAt: p.checked_in_at,
      walkIn: r.source === 'door',
      wholeSeries: r.whole_series === 1,
      registeredAt: r.created_at,
      answers: answerLines(event.questions, answers),
    };
  };
  const sum = (xs: PlaceRow[]) => xs.reduce((s, p) => s + p.places, 0);
  return {
    event,
    occurrences,
    occurrence,
    holders: held.slice(0, ATTENDEES_SHOWN).map(line),
    waiting: waiting.slice(0, ATTENDEES_SHOWN).map(line),
    totals: { holders: held.length, holderPlaces: sum(held), waiting: waiting.length, waitingPlaces: sum(waiting) },
  };
}

/** The attendance figures of an event: per date, and over its dates held. */
export async function eventFigures(core: Core, eventId: number, now = Date.now()): Promise<{ event: LanternEvent; figures: EventFigures }> {
  const event = await requireEvent(core.db, eventId);
  const occurrences = await listOccurrences(core.db, eventId);
  const places = await listPlacesAtAll(
    core.db,
    occurrences.map((o) => o.id),
    ['confirmed'],
  );
  const walkIns = new Set((await listRegistrationRows(core.db, eventId)).filter((r) => r.source === 'door').map((r) => Number(r.id)));
  const figures = computeFigures(
    occurrences,
    places.map((p) => ({
      occurrenceId: Number(p.occurrence_id),
      places: p.places,
      attendance: p.attendance,
      walkIn: walkIns.has(Number(p.registration_id)),
    })),
    now,
  );
  return { event, figures };
}
