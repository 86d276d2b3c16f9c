import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { recordAudit } from '../core/audit.js';
import type { Core } from '../core/context.js';
import type { DbOrTrx } from '../core/db/index.js';
import { utcToZonedLocal } from '../core/time.js';
import { DomainError } from '../core/web/errors.js';
import { email as emailField, parseForm, text, type FormResult } from '../core/web/forms.js';
import type { Attendance, LanternEvent, Occurrence, PlaceState } from './model.js';
import {
  adjustOccurrenceCounts,
  findOccurrenceRow,
  findPlaceOf,
  findPlaceRow,
  listPlacesAt,
  listPlacesAtAll,
  listRegistrationRows,
  lockOccurrenceRow,
  movePlace,
  setPlaceAttendance,
  updateRegistrationRow,
  type OccurrenceRow,
  type RegistrationRow,
} from './queries.js';
import { getEvent, listOccurrences, nextOccurrence } from './reading.js';
import { registerForEvent } from './registering.js';

// The staff side at the door and after: the check-in list of one date (names decrypted in memory, searched without
// regard to case or accents), checking in and undoing it, walk-ins, no-shows, and the attendee list as CSV. Nothing
// here sends mail of its own; a walk-in who gives an address gets the usual registration email.

/** The most people the check-in page lists at once: a phone on a poor connection loads it; a search finds the rest. */
export const CHECK_IN_PAGE_LIMIT = 300;

/** Someone holding places at the date, as the door sees them. */
export interface CheckInPerson {
  placeId: number;
  registrationId: number;
  name: string;
  email: string;
  places: number;
  attendance: Attendance;
  checkedInAt: number | null;
  /** Registered at the door. */
  walkIn: boolean;
}

/** Places and people at a date, by whether they came. */
export interface CheckInCounts {
  expectedPlaces: number;
  expectedPeople: number;
  checkedInPlaces: number;
  checkedInPeople: number;
  noShowPeople: number;
}

/** Room for a walk-in at a date: no limit, or the places left and the people waiting. */
export type DoorRoom = { kind: 'unlimited' } | { kind: 'limited'; capacity: number; taken: number; left: number; waitingPeople: number };

/** What the check-in page shows. */
export interface CheckInPage {
  event: LanternEvent;
  occurrences: Occurrence[];
  /** The date chosen (undefined: the event has no dates). */
  occurrence: Occurrence | undefined;
  /** The people found (all when there is no search), in name order, at most CHECK_IN_PAGE_LIMIT. */
  people: CheckInPerson[];
  /** How many matched before the limit. */
  matches: number;
  counts: CheckInCounts;
  room: DoorRoom;
  started: boolean;
  ended: boolean;
}

/**
 * Text as search compares it: decomposed, accents and other combining marks dropped, lower case, spaces collapsed,
 * so "Gulnar" finds "Gülnar" and "ZOË" finds "Zoe".
 */
export function foldForSearch(s: string): string {
  return s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Whether a person matches a search: every word of it appears in their name or their email address. */
export function matchesSearch(p: { name: string; email: string }, q: string): boolean {
  const words = foldForSearch(q).split(' ').filter(Boolean);
  if (words.length === 0) return true;
  const hay = `${foldForSearch(p.name)} ${p.email.toLowerCase()}`;
  return words.every((w) => hay.includes(w));
}

const notFound = () => new DomainError('not_found', 'There is no such event.');
const noSuchDate = () => new DomainError('not_found', 'There is no such date for this event.');

/** The event and one of its dates, or a refusal. */
async function eventAndDate(core: Core, eventId: number, occurrenceId: number): Promise<{ event: LanternEvent; occ: OccurrenceRow }> {
  const event = await getEvent(core.db, eventId);
  if (!event) throw notFound();
  const occ = await findOccurrenceRow(core.db, occurrenceId);
  if (!occ || Number(occ.event_id) !== eventId) throw noSuchDate();
  return { event, occ };
}

/** The date the door most likely means: the one going on or coming next, else the last one. */
function defaultDate(occurrences: readonly Occurrence[], now: number): Occurrence | undefined {
  return nextOccurrence(occurrences, now) ?? occurrences[occurrences.length - 1];
}

/** Room at a date for someone arriving at the door. */
async function doorRoom(db: DbOrTrx, occ: OccurrenceRow): Promise<DoorRoom> {
  if (occ.capacity === null) return { kind: 'unlimited' };
  const waitingPeople = occ.places_waiting > 0 ? (await listPlacesAt(db, Number(occ.id), ['waitlisted'])).length : 0;
  return {
    kind: 'limited',
    capacity: occ.capacity,
    taken: occ.places_taken,
    left: Math.max(0, occ.capacity - occ.places_taken),
    waitingPeople,
  };
}

/** The registrations of an event by id, decrypted only when asked for. */
async function registrationsOf(db: DbOrTrx, eventId: number): Promise<Map<number, RegistrationRow>> {
  return new Map((await listRegistrationRows(db, eventId)).map((r) => [Number(r.id), r]));
}

/**
 * The check-in page of a date (the one going on or coming next when none is given): everyone holding places there,
 * found by a search on their name or email (decrypted here, in memory: names are stored encrypted), with the counts.
 */
export async function checkInPage(
  core: Core,
  eventId: number,
  o: { occurrenceId?: number | undefined; q?: string; now?: number } = {},
): Promise<CheckInPage> {
  const now = o.now ?? Date.now();
  const event = await getEvent(core.db, eventId);
  if (!event) throw notFound();
  const occurrences = await listOccurrences(core.db, eventId);
  const occurrence = o.occurrenceId === undefined ? defaultDate(occurrences, now) : occurrences.find((x) => x.id === o.occurrenceId);
  if (o.occurrenceId !== undefined && !occurrence) throw noSuchDate();
  const empty: CheckInCounts = { expectedPlaces: 0, expectedPeople: 0, checkedInPlaces: 0, checkedInPeople: 0, noShowPeople: 0 };
  if (!occurrence)
    return {
      event,
      occurrences,
      occurrence,
      people: [],
      matches: 0,
      counts: empty,
      room: { kind: 'unlimited' },
      started: false,
      ended: false,
    };
  const places = await listPlacesAt(core.db, occurrence.id, ['confirmed']);
  const regs = await registrationsOf(core.db, eventId);
  const k = core.keyring;
  const everyone: CheckInPerson[] = [];
  for (const p of places) {
    const r = regs.get(Number(p.registration_id));
    if (!r || r.status === 'forgotten') continue;
    everyone.push({
      placeId: Number(p.id),
      registrationId: Number(r.id),
      name: k.decrypt(r.name_enc),
      email: r.email_enc ? k.decrypt(r.email_enc) : '',
      places: p.places,
      attendance: p.attendance,
      checkedInAt: p.checked_in_at,
      walkIn: r.source === 'door',
    });
  }
  const counts = { ...empty };
  for (const p of everyone) {
    counts.expectedPlaces += p.places;
    counts.expectedPeople += 1;
    if (p.attendance === 'attended') {
      counts.checkedInPlaces += p.places;
      counts.checkedInPeople += 1;
    }
    if (p.attendance === 'no_show') counts.noShowPeople += 1;
  }
  const q = o.q ?? '';
  const found = everyone.filter((p) => matchesSearch(p, q));
  found.sort((a, b) => foldForSearch(a.name).localeCompare(foldForSearch(b.name), 'en-GB') || a.placeId - b.placeId);
  const row = (await findOccurrenceRow(core.db, occurrence.id))!;
  return {
    event,
    occurrences,
    occurrence,
    people: found.slice(0, CHECK_IN_PAGE_LIMIT),
    matches: found.length,
    counts,
    room: await doorRoom(core.db, row),
    started: occurrence.startsAt <= now,
    ended: occurrence.endsAt <= now,
  };
}

/**
 * Records that someone came (`attended`) or undoes it (`unknown`). Only a place held at a date of this event can be
 * checked in; someone who cancelled since the page loaded is refused with that reason. Returns the place's date.
 */
export async function setCheckIn(
  core: Core,
  staffId: number,
  o: { eventId: number; placeId: number; attended: boolean; now?: number },
): Promise<{ occurrenceId: number }> {
  const now = o.now ?? Date.now();
  const event = await getEvent(core.db, o.eventId);
  if (!event) throw notFound();
  return core.db.transaction().execute(async (trx) => {
    const place = await findPlaceRow(trx, o.placeId);
    const occ = place ? await findOccurrenceRow(trx, Number(place.occurrence_id)) : undefined;
    if (!place || !occ || Number(occ.event_id) !== o.eventId)
      throw new DomainError('not_found', 'This person is not on the list for this event.');
    if (place.state !== 'confirmed')
      throw new DomainError('conflict', 'This person no longer has a place on this date: they cancelled, or their place passed on.');
    await setPlaceAttendance(trx, o.placeId, o.attended ? 'attended' : 'unknown', now);
    await recordAudit(trx, {
      staffId,
      action: o.attended ? 'event.check_in' : 'event.check_in_undo',
      target: `event ${o.eventId}`,
      details: { title: event.title, date: occ.starts_at },
    });
    return { occurrenceId: Number(occ.id) };
  });
}

/**
 * After the doors close: everyone holding a place at the date who was not checked in is recorded as a no-show (the
 * attendance figures count them). Anyone arriving later can still be checked in. Refused before the date starts.
 * Returns how many people were marked.
 */
export async function markNoShows(core: Core, staffId: number, eventId: number, occurrenceId: number, now = Date.now()): Promise<number> {
  const { event, occ } = await eventAndDate(core, eventId, occurrenceId);
  if (occ.starts_at > now) throw new DomainError('conflict', 'You can mark no-shows once this date has started.');
  return core.db.transaction().execute(async (trx) => {
    let marked = 0;
    for (const p of await listPlacesAt(trx, occurrenceId, ['confirmed'])) {
      if (p.attendance !== 'unknown') continue;
      await setPlaceAttendance(trx, Number(p.id), 'no_show', now);
      marked += 1;
    }
    await recordAudit(trx, {
      staffId,
      action: 'event.no_shows',
      target: `event ${eventId}`,
      details: { title: event.title, date: occ.starts_at, people: marked },
    });
    return marked;
  });
}

// ---- walk-ins ---------------------------------------------------------------------------------------------------------

/** What staff type for someone arriving at the door. */
export interface WalkInInput {
  name: string;
  /** Empty when they gave none. */
  email: string;
  places: number;
}

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** Validates the walk-in form: a name, an email address if they want one, and 1 to the event's limit of places. */
export function parseWalkIn(event: LanternEvent, body: unknown): FormResult<WalkInInput> {
  const max = event.maxPlacesPerRegistration;
  const placesMessage = max === 1 ? 'One person may take 1 place' : `Enter a number of places between 1 and ${max}`;
  const schema = z
    .object({
      name: text('their name', { max: 100 }),
      email: z.preprocess(blank, emailField('an email address').optional()),
      places: z.preprocess(
        (v) => (v === undefined || v === '' ? '1' : v),
        z.coerce.number({ error: placesMessage }).int(placesMessage).min(1, placesMessage).max(max, placesMessage),
      ),
    })
    .transform((f) => ({ name: f.name, email: f.email ?? '', places: f.places }));
  return parseForm(schema, body);
}

const plural = (n: number, one: string, many: string) => `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;

/** Why a walk-in cannot take places at a date now, or undefined when they can. */
function noRoomReason(room: DoorRoom, places: number): string | undefined {
  if (room.kind === 'unlimited') return undefined;
  const waiting = room.waitingPeople > 0 ? ` ${plural(room.waitingPeople, 'person is', 'people are')} on the waiting list.` : '';
  if (room.waitingPeople > 0 || room.left === 0)
    return `This date is full: ${room.taken} of ${room.capacity} places are taken.${waiting} A walk-in can only take a free place.`;
  if (room.left < places) return `Only ${plural(room.left, 'place is', 'places are')} left on this date, not ${places}.`;
  return undefined;
}

/**
 * Registers someone at the door and checks them in at once. A walk-in takes places only where there is room and
 * nobody is waiting: the capacity is usually the room's safe limit, which the door must not overrun; the people on
 * the waiting list asked first (and someone offered a place may be on their way); and putting a person standing at
 * the door on a waiting list helps nobody. When the room really has space (no-shows), staff raise the number of
 * places on the event, which offers the freed places to the waiting list first, in order. Refusals store nothing
 * and say why (with the waiting list's length); an address already registered is sent to the list above instead.
 */
export async function registerWalkIn(
  core: Core,
  staffId: number,
  o: { eventId: number; occurrenceId: number; input: WalkInInput; now?: number },
): Promise<{ placeId: number }> {
  const now = o.now ?? Date.now();
  const { event, occ } = await eventAndDate(core, o.eventId, o.occurrenceId);
  if (occ.status !== 'scheduled' || occ.ends_at <= now)
    throw new DomainError('conflict', 'This date is not taking people at the door.', {
      _form: 'This date is not taking people at the door.',
    });
  const full = noRoomReason(await doorRoom(core.db, occ), o.input.places);
  if (full) throw new DomainError('conflict', full, { places: full });
  const outcome = await registerForEvent(
    core,
    event,
    { name: o.input.name, email: o.input.email, places: o.input.places, date: o.occurrenceId, answers: {}, optIn: false },
    { source: 'door', now },
  );
  if (outcome.kind === 'repeat') {
    const m = 'This email address is already registered for this event: search for it above to check them in.';
    throw new DomainError('conflict', m, { email: m });
  }
  const registrationId = outcome.registrationId;
  return core.db.transaction().execute(async (trx) => {
    const place = await findPlaceOf(trx, registrationId, o.occurrenceId);
    if (!place) throw new Error('a walk-in registration has no place row');
    if (place.state !== 'confirmed') {
      // Someone else took the last place between the check above and this registration: the walk-in is withdrawn
      // from the waiting list again, as if refused at the check.
      await lockOccurrenceRow(trx, o.occurrenceId);
      if (await movePlace(trx, Number(place.id), ['waitlisted'], { state: 'cancelled', offered_until: null }, now))
        await adjustOccurrenceCounts(trx, o.occurrenceId, { waiting: -place.places });
      await updateRegistrationRow(trx, registrationId, { status: 'cancelled', updated_at: now });
      const room = await doorRoom(trx, (await findOccurrenceRow(trx, o.occurrenceId))!);
      const m = noRoomReason(room, o.input.places) ?? 'This date filled up just now.';
      throw new DomainError('conflict', m, { places: m });
    }
    await setPlaceAttendance(trx, Number(place.id), 'attended', now);
    await recordAudit(trx, {
      staffId,
      action: 'event.walk_in',
      target: `event ${o.eventId}`,
      details: { title: event.title, date: occ.starts_at, places: o.input.places },
    });
    return { placeId: Number(place.id) };
  });
}

// ---- the attendee list as CSV -------------------------------------------------------------------------------------------

/**
 * Makes a cell safe to open in a spreadsheet: one starting with = + - @ tab or carriage return could run as a
 * formula (CSV injection), so it gets a leading apostrophe, which spreadsheets show as text (supporters/export.ts).
 */
export function escapeCell(v: string): string {
  return /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

const STATE_WORDS: Readonly<Record<PlaceState, string>> = {
  confirmed: 'has a place',
  waitlisted: 'on the waiting list',
  offered: 'offered a place',
  cancelled: 'cancelled',
  lapsed: 'offer passed on',
};

const ATTENDANCE_WORDS: Readonly<Record<Attendance, string>> = { attended: 'yes', no_show: 'no-show', unknown: '' };

/** Rows written to the stream at a time. */
const EXPORT_PAGE = 500;

/**
 * The attendee list of an event as CSV: one row per person per date (date, name, email, places, where they stand,
 * whether they came, how they registered, each question's answer, whether they asked for the newsletter). Recorded
 * in the audit log first (the title and the number of rows, never anyone's details).
 *
 * Consent: the email column holds everyone's address, because each person gave it to take part in this event and
 * the list is for running it (the door, a change of plan). It is not a mailing list: `asked_for_newsletter` says who
 * asked to hear more, and that request already went through the supporters' double opt-in, so nobody needs adding
 * to a list by hand from this file. People whose details were deleted under the retention policy are left out.
 */
export async function exportAttendees(
  core: Core,
  staffId: number,
  eventId: number,
  now = Date.now(),
): Promise<{ filename: string; rows: number; stream: Readable }> {
  const event = await getEvent(core.db, eventId);
  if (!event) throw notFound();
  const occurrences = await listOccurrences(core.db, eventId);
  const regs = await registrationsOf(core.db, eventId);
  const allPlaces = await listPlacesAtAll(
    core.db,
    occurrences.map((o) => o.id),
    ['confirmed', 'offered', 'waitlisted', 'cancelled', 'lapsed'],
  );
  const order = new Map(occurrences.map((o, i) => [o.id, i]));
  const places = allPlaces
    .filter((p) => {
      const r = regs.get(Number(p.registration_id));
      return r !== undefined && r.status !== 'forgotten';
    })
    .sort((a, b) => order.get(Number(a.occurrence_id))! - order.get(Number(b.occurrence_id))! || Number(a.id) - Number(b.id));
  await recordAudit(core.db, {
    staffId,
    action: 'event.export',
    target: `event ${eventId}`,
    details: { title: event.title, rows: places.length },
  });

  const { questions } = event;
  const when = new Map(occurrences.map((o) => [o.id, utcToZonedLocal(o.startsAt, event.timeZone).replace('T', ' ')]));
  const header = [
    'date',
    'name',
    'email',
    'places',
    'state',
    'checked_in',
    'registered',
    ...questions.map((q) => q.label),
    'asked_for_newsletter',
  ];
  const csv = (records: string[][]) =>
    stringify(
      records.map((r) => r.map(escapeCell)),
      { record_delimiter: '\r\n' },
    );
  const k = core.keyring;
  async function* pages(): AsyncGenerator<string> {
    // A byte-order mark, so spreadsheet programs read the file as UTF-8 and names keep their accents.
    yield `\ufeff${csv([header])}`;
    for (let i = 0; i < places.length; i += EXPORT_PAGE) {
      yield csv(
        places.slice(i, i + EXPORT_PAGE).map((p) => {
          const r = regs.get(Number(p.registration_id))!;
          const answers = r.answers_enc ? (JSON.parse(k.decrypt(r.answers_enc)) as Record<string, string | string[]>) : {};
          return [
            when.get(Number(p.occurrence_id)) ?? '',
            k.decrypt(r.name_enc),
            r.email_enc ? k.decrypt(r.email_enc) : '',
            String(p.places),
            STATE_WORDS[p.state],
            ATTENDANCE_WORDS[p.attendance],
            r.source === 'door' ? 'at the door' : 'online',
            ...questions.map((q) => {
              const a = answers[q.id];
              return Array.isArray(a) ? a.join('; ') : (a ?? '');
            }),
            r.opt_in === 1 ? 'yes' : 'no',
          ];
        }),
      );
      // Decrypting is synchronous work: let other requests in between pages.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const day = utcToZonedLocal(now, event.timeZone).slice(0, 10);
  return { filename: `${event.slug}-attendees-${day}.csv`, rows: places.length, stream: Readable.from(pages()) };
}
