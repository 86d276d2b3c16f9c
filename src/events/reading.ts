import type { Core } from '../core/context.js';
import type { DbOrTrx } from '../core/db/index.js';
import type { EventPrivate, EventQuestion, LanternEvent, Occurrence, SeriesRule } from './model.js';
import {
  findEventRowById,
  findEventRowBySlug,
  findOccurrenceRow,
  listOccurrenceRows,
  type EventRow,
  type OccurrenceRow,
} from './queries.js';

// Reading events: rows into domain objects, and the small judgements every page makes (room left, whether a date
// takes registrations). Shared by the service and registering.ts, so neither imports the other for them.

export const SLUG_SHAPE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** An event row as the domain object (the private parts stay behind: `eventPrivate`). */
export function rowToEvent(r: EventRow): LanternEvent {
  return {
    id: Number(r.id),
    slug: r.slug,
    title: r.title,
    summary: r.summary,
    description: r.description,
    kind: r.kind,
    mode: r.mode,
    status: r.status,
    publication: r.publication,
    timeZone: r.time_zone,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    series: r.series ? (JSON.parse(r.series) as SeriesRule) : null,
    venueName: r.venue_name,
    address: r.address,
    accessibility: r.accessibility,
    capacity: r.capacity,
    maxPlacesPerRegistration: r.max_places,
    registrationDeadline: r.registration_deadline,
    campaignId: r.campaign_id === null ? null : Number(r.campaign_id),
    organiserName: r.organiser_name,
    organiserEmail: r.organiser_email,
    questions: JSON.parse(r.questions) as EventQuestion[],
    recordingUrl: r.recording_url,
    recordingResourceId: r.recording_resource_id === null ? null : Number(r.recording_resource_id),
    materials: r.materials,
    newsletterListId: r.newsletter_list_id === null ? null : Number(r.newsletter_list_id),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** An occurrence row as the domain object. */
export function rowToOccurrence(r: OccurrenceRow): Occurrence {
  return {
    id: Number(r.id),
    eventId: Number(r.event_id),
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    originalStartsAt: r.original_starts_at,
    status: r.status,
    placesTaken: r.places_taken,
    placesWaiting: r.places_waiting,
  };
}

/** What only registered people are told: the joining link and the exact meeting point (decrypted). */
export async function eventPrivate(core: Core, eventId: number, db: DbOrTrx = core.db): Promise<EventPrivate> {
  const r = await findEventRowById(db, eventId);
  return {
    joiningLink: r?.joining_link_enc ? core.keyring.decrypt(r.joining_link_enc) : '',
    meetingPoint: r?.meeting_point_enc ? core.keyring.decrypt(r.meeting_point_enc) : '',
  };
}

/** The event with this slug (any publication), or undefined. */
export async function findEvent(db: DbOrTrx, slug: string): Promise<LanternEvent | undefined> {
  if (!SLUG_SHAPE.test(slug) || slug.length > 100) return undefined;
  const r = await findEventRowBySlug(db, slug);
  return r ? rowToEvent(r) : undefined;
}

/** The event with this id, or undefined. */
export async function getEvent(db: DbOrTrx, id: number): Promise<LanternEvent | undefined> {
  const r = await findEventRowById(db, id);
  return r ? rowToEvent(r) : undefined;
}

/** An event's dates, in order. */
export async function listOccurrences(db: DbOrTrx, eventId: number): Promise<Occurrence[]> {
  return (await listOccurrenceRows(db, eventId)).map(rowToOccurrence);
}

/** One date of an event. */
export async function getOccurrence(db: DbOrTrx, id: number): Promise<Occurrence | undefined> {
  const r = await findOccurrenceRow(db, id);
  return r ? rowToOccurrence(r) : undefined;
}

/** An event with its dates. */
export interface EventWithDates {
  event: LanternEvent;
  occurrences: Occurrence[];
}

/** The next date of an event that has not ended, if any. */
export function nextOccurrence(occurrences: readonly Occurrence[], now: number): Occurrence | undefined {
  return occurrences.find((o) => o.endsAt > now && o.status === 'scheduled') ?? occurrences.find((o) => o.endsAt > now);
}

// ---- places left ------------------------------------------------------------------------------------------------------

/** What the page says about room at a date: places left, "waitlist open", or no limit. */
export type Room = { kind: 'unlimited' } | { kind: 'places'; left: number } | { kind: 'waitlist'; waiting: number };

/** Room at one date of an event. */
export function roomAt(o: Occurrence, capacity: number | null): Room {
  if (capacity === null) return { kind: 'unlimited' };
  const left = capacity - o.placesTaken;
  if (left > 0 && o.placesWaiting === 0) return { kind: 'places', left };
  return { kind: 'waitlist', waiting: o.placesWaiting };
}

/** Whether registration is open for a date now, and if not, why (in the supporter's words). */
export function registrationClosedReason(event: LanternEvent, o: Occurrence | undefined, now: number): string | undefined {
  if (event.publication !== 'published') return 'This event is not open yet.';
  if (event.status === 'cancelled') return 'This event has been cancelled.';
  if (event.status === 'postponed') return 'This event has been postponed. Registration will open again when it has a new date.';
  if (!o) return 'This event has no dates to come.';
  if (o.status === 'cancelled') return 'This date has been cancelled.';
  if (o.startsAt <= now) return 'This date has already started.';
  if (event.registrationDeadline !== null && now > event.registrationDeadline) return 'Registration for this event has closed.';
  return undefined;
}

// Intl formatters are costly to make and every email, page and calendar line uses them: one per zone and shape.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string, shape: 'day' | 'time'): Intl.DateTimeFormat {
  const key = `${shape} ${timeZone}`;
  let f = formatters.get(key);
  if (!f) {
    f =
      shape === 'day'
        ? new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' })
        : new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    if (formatters.size > 200) formatters.clear();
    formatters.set(key, f);
  }
  return f;
}

/** A date and time range in words, in a time zone: "Tuesday 8 December 2026, 18:00 to 19:00". */
export function formatWhen(startsAt: number, endsAt: number, timeZone: string): string {
  const day = (ms: number) => formatter(timeZone, 'day').format(ms);
  const time = (ms: number) => formatter(timeZone, 'time').format(ms);
  if (day(startsAt) === day(endsAt)) return `${day(startsAt)}, ${time(startsAt)} to ${time(endsAt)}`;
  return `${day(startsAt)}, ${time(startsAt)} to ${day(endsAt)}, ${time(endsAt)}`;
}

/** A moment in words in a time zone: "Tuesday 8 December 2026 at 18:00". */
export function formatMoment(ms: number, timeZone: string): string {
  return `${formatter(timeZone, 'day').format(ms)} at ${formatter(timeZone, 'time').format(ms)}`;
}

/** An OpenStreetMap search link for an address: a plain link, nothing loaded from there by our pages. */
export function mapLink(address: string): string {
  return `https://www.openstreetmap.org/search?query=${encodeURIComponent(address.replace(/\s*\n\s*/g, ', '))}`;
}
