import type { Core } from '../core/context.js';
import type { Db, DbOrTrx } from '../core/db/index.js';
import { recordAudit } from '../core/audit.js';
import { DomainError } from '../core/web/errors.js';
import { utcToZonedLocal, zonedLocalToUtc } from '../core/time.js';
import { getSiteSettings } from '../core/settings.js';
import type { EventPrivate, EventQuestion, LanternEvent, Occurrence, SeriesRule } from './model.js';
import {
  eventSlugTaken,
  findEventRowById,
  findEventRowsByIds,
  insertEvent,
  insertOccurrences,
  listEventRows,
  listOccurrenceRows,
  listOccurrenceRowsOf,
  listPublishedEventRows,
  listSeriesEventRows,
  setFutureOccurrenceCapacity,
  updateEventRow,
  updateOccurrenceRow,
  deleteOccurrenceRow,
} from './queries.js';
import {
  eventPrivate,
  getEvent,
  getOccurrence,
  nextOccurrence,
  rowToEvent,
  rowToOccurrence,
  SLUG_SHAPE,
  type EventWithDates,
} from './reading.js';
import { MATERIALISE_DAYS, MAX_OCCURRENCES_AHEAD, occurrencesOf, seriesClockProblems } from './recurrence.js';
import { noticeOfChange, promoteFromWaitlist, takePlacesForSeriesRegistrants } from './registering.js';

// The rules of events: what an event is, its dates (a one-off event has one occurrence; a series has one per date,
// materialised a bounded window ahead by a daily job, so a series without an end never makes unbounded rows), what
// the public may see, and what staff may change. Registration, the waitlist and a person's own page are in
// registering.ts; reminders and follow-ups in jobs.ts. This file is the only one other capabilities import.

export * from './model.js';
export * from './reading.js';
export { EventCard } from './views.js';
export {
  registerForEvent,
  parseRegistration,
  manageLink,
  findRegistrationByToken,
  cancelPlace,
  cancelRegistration,
  takeOffer,
  rejoinDate,
  sendRegistrationStanding,
  changePlaces,
  expireOffers,
  type RegistrationInput,
  type Registration,
  type RegistrationOutcome,
} from './registering.js';

const DAY = 24 * 3600_000;

/** Slugs the public addresses under /events use for themselves. */
const RESERVED_SLUGS = new Set(['past', 'manage', 'feedback', 'new', 'calendar', 'feed', 'ics']);

/** Every event for staff, newest first, with its dates. */
export async function listEventsForStaff(db: Db): Promise<EventWithDates[]> {
  const events = (await listEventRows(db)).map(rowToEvent);
  const occ = (
    await listOccurrenceRowsOf(
      db,
      events.map((e) => e.id),
    )
  ).map(rowToOccurrence);
  return events.map((event) => ({ event, occurrences: occ.filter((o) => o.eventId === event.id) }));
}

/** What the public list may be narrowed to. */
export interface EventFilter {
  kind?: LanternEvent['kind'] | undefined;
  /** Only events people can join online (online or hybrid). */
  online?: boolean | undefined;
  campaignId?: number | undefined;
}

/** Published events matching the filter, each with its dates (one query for the events, one for all their dates). */
async function publishedWithDates(db: Db, f: EventFilter): Promise<EventWithDates[]> {
  const events = (await listPublishedEventRows(db))
    .map(rowToEvent)
    .filter((e) => (f.kind ? e.kind === f.kind : true))
    .filter((e) => (f.online ? e.mode !== 'in_person' : true))
    .filter((e) => (f.campaignId !== undefined ? e.campaignId === f.campaignId : true));
  const dates = new Map<number, Occurrence[]>();
  for (const r of await listOccurrenceRowsOf(
    db,
    events.map((e) => e.id),
  )) {
    const o = rowToOccurrence(r);
    const list = dates.get(o.eventId);
    if (list) list.push(o);
    else dates.set(o.eventId, [o]);
  }
  return events.map((event) => ({ event, occurrences: dates.get(event.id) ?? [] }));
}

const lastEnd = (w: EventWithDates) => Math.max(w.event.endsAt, ...w.occurrences.map((x) => x.endsAt));

/** Events with a date not yet ended, soonest first. */
const upcomingOf = (list: EventWithDates[], now: number) =>
  list
    .filter((w) => lastEnd(w) > now)
    .sort((a, b) => (nextOccurrence(a.occurrences, now)?.startsAt ?? 0) - (nextOccurrence(b.occurrences, now)?.startsAt ?? 0));

/** Events whose dates have all ended, most recent first. */
const pastOf = (list: EventWithDates[], now: number) => list.filter((w) => lastEnd(w) <= now).sort((a, b) => lastEnd(b) - lastEnd(a));

/**
 * Published events still to come (any date not yet ended), soonest first; with `past`, published events whose dates
 * have all ended, most recent first. The public lists, the calendar feed and campaign pages read this.
 */
export async function listPublicEvents(
  db: Db,
  o: EventFilter & { past?: boolean; now?: number; limit?: number } = {},
): Promise<EventWithDates[]> {
  const now = o.now ?? Date.now();
  const list = await publishedWithDates(db, o);
  const result = o.past ? pastOf(list, now) : upcomingOf(list, now);
  return o.limit === undefined ? result : result.slice(0, o.limit);
}

/** Every published event, those to come and those past, read once (the calendar feed and the sitemap want both). */
export async function publicEventsByTime(db: Db, now = Date.now()): Promise<{ upcoming: EventWithDates[]; past: EventWithDates[] }> {
  const list = await publishedWithDates(db, {});
  return { upcoming: upcomingOf(list, now), past: pastOf(list, now) };
}

/** Upcoming public events of a campaign (its page's "ways you can help"). */
export async function listCampaignEvents(db: Db, campaignId: number, now = Date.now()): Promise<EventWithDates[]> {
  return listPublicEvents(db, { campaignId, now, limit: 6 });
}

/** Events by id (other capabilities' cards). */
export async function eventsByIds(db: DbOrTrx, ids: readonly number[]): Promise<LanternEvent[]> {
  return (await findEventRowsByIds(db, ids)).map(rowToEvent);
}

// ---- creating and changing ----------------------------------------------------------------------------------------

/** An event as staff set it (the admin form's parsed values). */
export interface EventInput {
  slug: string;
  title: string;
  summary: string;
  description: string;
  kind: LanternEvent['kind'];
  mode: LanternEvent['mode'];
  status: LanternEvent['status'];
  publication: LanternEvent['publication'];
  timeZone: string;
  /** One-off: the start and end (UTC ms). For a series they are worked out from the rule. */
  startsAt: number;
  endsAt: number;
  series: SeriesRule | null;
  venueName: string;
  address: string;
  accessibility: string;
  capacity: number | null;
  maxPlacesPerRegistration: number;
  registrationDeadline: number | null;
  campaignId: number | null;
  organiserName: string;
  organiserEmail: string;
  questions: EventQuestion[];
  joiningLink: string;
  meetingPoint: string;
  recordingUrl: string;
  recordingResourceId: number | null;
  materials: string;
  newsletterListId: number | null;
}

const invalid = (field: string, message: string) => new DomainError('invalid', message, { [field]: message });

/** The first date of a series rule (its start and end), or a refusal naming what is wrong. */
function firstOfSeries(rule: SeriesRule, timeZone: string): { startsAt: number; endsAt: number } {
  const from = zonedLocalToUtc(`${rule.firstDay}T00:00`, timeZone);
  if (from === null) throw invalid('firstDay', 'Enter the first date of the series');
  const [first] = occurrencesOf(rule, timeZone, { from, to: from + 400 * DAY, limit: 1 });
  if (!first) throw invalid('firstDay', 'This series has no dates: check the first date, the day and the end date');
  return first;
}

/** Checks an event's values against the rules every event keeps; returns its first start and end. */
async function checkEvent(
  db: DbOrTrx,
  input: EventInput,
  o: { exceptId?: number; now: number },
): Promise<{ startsAt: number; endsAt: number }> {
  if (!SLUG_SHAPE.test(input.slug) || input.slug.length > 100)
    throw invalid('slug', 'Use lower-case letters, numbers and hyphens for the web address, like tuesday-protest');
  if (RESERVED_SLUGS.has(input.slug))
    throw invalid('slug', `“${input.slug}” is used by the events pages themselves: choose another web address`);
  if (await eventSlugTaken(db, input.slug, o.exceptId)) throw invalid('slug', 'Another event already has this web address');
  const times = input.series ? firstOfSeries(input.series, input.timeZone) : { startsAt: input.startsAt, endsAt: input.endsAt };
  if (times.endsAt <= times.startsAt) throw invalid('endsAt', 'The event must end after it starts');
  if (!input.series && times.endsAt - times.startsAt > 366 * DAY) throw invalid('endsAt', 'An event can last at most a year');
  if (input.series) {
    const problem = seriesClockProblems(input.series, input.timeZone, { from: times.startsAt, years: 2 });
    if (problem) throw invalid('start', problem);
  }
  if (input.capacity !== null && (!Number.isInteger(input.capacity) || input.capacity < 1))
    throw invalid('capacity', 'The number of places must be at least 1, or left empty for no limit');
  if (input.maxPlacesPerRegistration < 1 || input.maxPlacesPerRegistration > 50)
    throw invalid('maxPlacesPerRegistration', 'One person may book between 1 and 50 places');
  if (input.registrationDeadline !== null && !input.series && input.registrationDeadline > times.endsAt)
    throw invalid('registrationDeadline', 'Registration must close before the event ends');
  if ((input.mode === 'online' || input.mode === 'hybrid') && input.joiningLink === '' && input.publication === 'published')
    throw invalid('joiningLink', 'An online event needs the link people join with (only registered people see it)');
  return times;
}

function eventColumns(core: Core, input: EventInput, times: { startsAt: number; endsAt: number }, now: number) {
  return {
    slug: input.slug,
    title: input.title,
    summary: input.summary,
    description: input.description,
    kind: input.kind,
    mode: input.mode,
    status: input.status,
    publication: input.publication,
    time_zone: input.timeZone,
    starts_at: times.startsAt,
    ends_at: times.endsAt,
    series: input.series ? JSON.stringify(input.series) : null,
    venue_name: input.venueName,
    address: input.address,
    accessibility: input.accessibility,
    capacity: input.capacity,
    max_places: input.maxPlacesPerRegistration,
    registration_deadline: input.registrationDeadline,
    campaign_id: input.campaignId,
    organiser_name: input.organiserName,
    organiser_email: input.organiserEmail,
    questions: JSON.stringify(input.questions),
    joining_link_enc: input.joiningLink ? core.keyring.encrypt(input.joiningLink) : null,
    meeting_point_enc: input.meetingPoint ? core.keyring.encrypt(input.meetingPoint) : null,
    recording_url: input.recordingUrl,
    recording_resource_id: input.recordingResourceId,
    materials: input.materials,
    newsletter_list_id: input.newsletterListId,
    updated_at: now,
  };
}

/** Creates an event and its dates (a series: those within the window ahead). Throws DomainError('invalid') naming the field. */
export async function createEvent(core: Core, staffId: number | null, input: EventInput, now = Date.now()): Promise<LanternEvent> {
  const times = await checkEvent(core.db, input, { now });
  return core.db.transaction().execute(async (trx) => {
    const id = await insertEvent(trx, {
      ...eventColumns(core, input, times, now),
      materialised_until: 0,
      created_by: staffId,
      created_at: now,
    });
    const event = rowToEvent((await findEventRowById(trx, id))!);
    await materialiseDates(core, trx, event, now);
    await recordAudit(trx, { staffId, action: 'event.create', target: `event ${id}`, details: { title: input.title } });
    return event;
  });
}

/** What changed that registered people must be told about. */
function changesWorthTelling(
  before: LanternEvent,
  beforePrivate: EventPrivate,
  after: EventInput,
  times: { startsAt: number; endsAt: number },
): string[] {
  const changes: string[] = [];
  if (!after.series && (before.startsAt !== times.startsAt || before.endsAt !== times.endsAt)) changes.push('time');
  if (after.series && JSON.stringify(before.series) !== JSON.stringify(after.series)) changes.push('time');
  if (before.venueName !== after.venueName || before.address !== after.address || beforePrivate.meetingPoint !== after.meetingPoint)
    changes.push('place');
  if (before.mode !== after.mode || beforePrivate.joiningLink !== after.joiningLink) changes.push('place');
  if (before.status !== after.status) changes.push('status');
  return [...new Set(changes)];
}

/**
 * Saves staff's changes. A changed time, place or status is told to everyone registered for a date to come; a new
 * capacity applies to dates to come and offers freed places to the waitlist; a one-off event's date moves with it.
 */
export async function updateEvent(
  core: Core,
  staffId: number | null,
  id: number,
  input: EventInput,
  now = Date.now(),
): Promise<LanternEvent> {
  const before = await getEvent(core.db, id);
  if (!before) throw new DomainError('not_found', 'There is no such event.');
  const beforePrivate = await eventPrivate(core, id);
  const times = await checkEvent(core.db, input, { exceptId: id, now });
  if (!!before.series !== !!input.series)
    throw invalid('series', 'An event cannot change between one date and a series once made: make a new event instead');
  const changes = changesWorthTelling(before, beforePrivate, input, times);
  const site = await getSiteSettings(core.db);
  const s = { now, holdMs: site.waitlistHoldHours * 3600_000, orgName: site.orgName };
  return core.db.transaction().execute(async (trx) => {
    await updateEventRow(trx, id, eventColumns(core, input, times, now));
    const event = rowToEvent((await findEventRowById(trx, id))!);
    if (!event.series) {
      const [only] = await listOccurrenceRows(trx, id);
      if (only && (only.starts_at !== times.startsAt || only.ends_at !== times.endsAt))
        await updateOccurrenceRow(trx, Number(only.id), {
          starts_at: times.startsAt,
          ends_at: times.endsAt,
          original_starts_at: times.startsAt,
        });
    } else if (changes.includes('time')) {
      await replaceFutureSeriesDates(trx, event, now);
    }
    if (before.capacity !== input.capacity) {
      const ids = await setFutureOccurrenceCapacity(trx, id, input.capacity, now);
      for (const occurrenceId of ids) await promoteFromWaitlist(core, trx, occurrenceId, now, s);
    }
    await materialiseDates(core, trx, event, now);
    if (changes.length > 0 && event.publication === 'published')
      await noticeOfChange(core, trx, event, { changes, now, orgName: site.orgName });
    await recordAudit(trx, { staffId, action: 'event.update', target: `event ${id}`, details: { title: input.title, changes } });
    return event;
  });
}

/**
 * A series whose rule changed: dates to come that nobody registered for are dropped and made again from the new rule;
 * a date with people registered stays (staff cancel or move it themselves, and its people are told).
 */
async function replaceFutureSeriesDates(trx: DbOrTrx, event: LanternEvent, now: number): Promise<void> {
  const future = (await listOccurrenceRows(trx, event.id)).filter((o) => o.starts_at > now);
  for (const o of future) {
    if (o.places_taken === 0 && o.places_waiting === 0) await deleteOccurrenceRow(trx, Number(o.id));
  }
  await updateEventRow(trx, event.id, { materialised_until: 0 });
}

/**
 * Makes the dates of an event that should exist by now: a one-off event's one date; a series' dates up to
 * MATERIALISE_DAYS ahead (at most MAX_OCCURRENCES_AHEAD at a time), with places for everyone registered for the
 * whole series. Safe to repeat: a date is unique per event and original start.
 */
export async function materialiseDates(core: Core, trx: DbOrTrx, event: LanternEvent, now: number): Promise<number> {
  if (!event.series) {
    return insertOccurrences(trx, [
      {
        event_id: event.id,
        starts_at: event.startsAt,
        ends_at: event.endsAt,
        original_starts_at: event.startsAt,
        status: 'scheduled',
        capacity: event.capacity,
        places_taken: 0,
        places_waiting: 0,
      },
    ]);
  }
  const to = now + MATERIALISE_DAYS * DAY;
  const from = Math.max(event.startsAt, now - DAY);
  const dates = occurrencesOf(event.series, event.timeZone, { from, to, limit: MAX_OCCURRENCES_AHEAD });
  const added = await insertOccurrences(
    trx,
    dates.map((d) => ({
      event_id: event.id,
      starts_at: d.startsAt,
      ends_at: d.endsAt,
      original_starts_at: d.startsAt,
      status: 'scheduled' as const,
      capacity: event.capacity,
      places_taken: 0,
      places_waiting: 0,
    })),
  );
  await updateEventRow(trx, event.id, { materialised_until: to });
  if (added > 0) await takePlacesForSeriesRegistrants(core, trx, event.id, now);
  return added;
}

/** The daily job: every series gets its dates for the window ahead. Returns how many dates were added. */
export async function materialiseAllSeries(core: Core, now = Date.now()): Promise<number> {
  let added = 0;
  for (const row of await listSeriesEventRows(core.db)) {
    const event = rowToEvent(row);
    added += await core.db.transaction().execute((trx) => materialiseDates(core, trx, event, now));
  }
  return added;
}

/** Cancels one date (of a series, usually); everyone registered for it is told. */
export async function cancelOccurrence(core: Core, staffId: number | null, occurrenceId: number, now = Date.now()): Promise<void> {
  const o = await getOccurrence(core.db, occurrenceId);
  if (!o) throw new DomainError('not_found', 'There is no such date.');
  const event = (await getEvent(core.db, o.eventId))!;
  const { orgName } = await getSiteSettings(core.db);
  await core.db.transaction().execute(async (trx) => {
    await updateOccurrenceRow(trx, occurrenceId, { status: 'cancelled' });
    // The event's calendar file changes (an EXDATE): its SEQUENCE follows updated_at.
    await updateEventRow(trx, event.id, { updated_at: now });
    if (event.publication === 'published') await noticeOfChange(core, trx, event, { changes: ['status'], now, occurrenceId, orgName });
    await recordAudit(trx, {
      staffId,
      action: 'event.cancel_date',
      target: `event ${event.id}`,
      details: { title: event.title, at: o.startsAt },
    });
  });
}

/** Moves one date to another start and end (UTC ms); everyone registered for it is told. */
export async function moveOccurrence(
  core: Core,
  staffId: number | null,
  occurrenceId: number,
  to: { startsAt: number; endsAt: number },
  now = Date.now(),
): Promise<void> {
  const o = await getOccurrence(core.db, occurrenceId);
  if (!o) throw new DomainError('not_found', 'There is no such date.');
  if (to.endsAt <= to.startsAt) throw invalid('endsAt', 'The date must end after it starts');
  const event = (await getEvent(core.db, o.eventId))!;
  const { orgName } = await getSiteSettings(core.db);
  await core.db.transaction().execute(async (trx) => {
    await updateOccurrenceRow(trx, occurrenceId, {
      starts_at: to.startsAt,
      ends_at: to.endsAt,
      status: 'scheduled',
      reminded_day_at: null,
      reminded_hour_at: null,
    });
    await updateEventRow(trx, event.id, { updated_at: now });
    if (event.publication === 'published') await noticeOfChange(core, trx, event, { changes: ['time'], now, occurrenceId, orgName });
    await recordAudit(trx, {
      staffId,
      action: 'event.move_date',
      target: `event ${event.id}`,
      details: { from: o.startsAt, to: to.startsAt },
    });
  });
}

/** A time as a datetime-local value in the event's zone (the admin form shows it back). */
export function localValue(ms: number, timeZone: string): string {
  return utcToZonedLocal(ms, timeZone);
}
export { listQuotableFeedback, type QuotableFeedback } from './follow-up.js';
