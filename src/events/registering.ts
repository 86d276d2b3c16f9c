import { z } from 'zod';
import type { Core } from '../core/context.js';
import { randomBytes } from 'node:crypto';
import { hashToken, newToken } from '../core/crypto.js';
import { inSharedTransaction } from '../core/db/group-commit.js';
import type { DbOrTrx, Trx } from '../core/db/index.js';
import type { OutgoingMail } from '../core/mail/mailer.js';
import { getSiteSettings } from '../core/settings.js';
import { TOKEN_SHAPE } from '../core/tokens.js';
import { DomainError } from '../core/web/errors.js';
import { checkbox, email as emailField, parseForm, text, type FormResult } from '../core/web/forms.js';
import { spendProof } from '../core/web/proof-of-work.js';
import { emailIndex, signUp } from '../supporters/service.js';
import { alreadyRegisteredEmail, noticeEmail, offerEmail, offerLapsedEmail, registrationEmail, type DateLine } from './emails.js';
import type { Attendance, EventPrivate, EventQuestion, LanternEvent, Occurrence, PlaceState } from './model.js';
import {
  adjustOccurrenceCounts,
  claimMorePlaces,
  claimOrWait,
  claimPlaces,
  findEventRowById,
  findPlaceOf,
  findPlaceRow,
  findRegistrationByEmailIndex,
  findRegistrationByManageHash,
  findRegistrationRows,
  insertPlaceOnce,
  insertRegistrationOnce,
  listExpiredOffers,
  listOccurrenceRows,
  listPlacesAt,
  listPlacesAtAll,
  listPlacesOfRegistration,
  listSeriesRegistrationRows,
  lockOccurrenceRow,
  movePlace,
  updateRegistrationRow,
  type PlaceRow,
  type RegistrationRow,
} from './queries.js';
import {
  eventPrivate,
  formatMoment,
  formatWhen,
  getEvent,
  listOccurrences,
  mapLink,
  registrationClosedReason,
  rowToEvent,
  rowToOccurrence,
} from './reading.js';

// Registration, the waitlist and a person's own page. A place is claimed with one conditional UPDATE of its date's
// counter (queries.ts claimPlaces): never oversold on either dialect, with any number of web processes. When a date
// is full, people wait in arrival order; a freed place is offered to the first in line for a set time (the setting
// waitlistHoldHours) and passes on when the hold runs out; a party of three waits for three places, and nobody
// behind it is served first (pretix's waiting list works the same way). Nobody needs an account: a random link,
// stored hashed (and encrypted, so reminders can carry it), is the person's key to their registration.

const HOUR = 3600_000;
/** At most one "you are already registered" email per registration in this time, so the form cannot flood an inbox. */
const REMINDER_GAP_MS = 5 * 60_000;
const LIVE: readonly PlaceState[] = ['confirmed', 'offered', 'waitlisted'];

/** What the registration form hands over once valid. */
export interface RegistrationInput {
  name: string;
  /** Empty only for a walk-in registered by staff at the door. */
  email: string;
  places: number;
  /** One date (its occurrence id), or the whole series. */
  date: number | 'series';
  answers: Record<string, string | string[]>;
  optIn: boolean;
}

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const asList = (v: unknown) => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]);

/** The answers' part of the form: one field per question (`q_<id>`), required or not, choices only from the list. */
function answersSchema(questions: readonly EventQuestion[]) {
  const shape: Record<string, z.ZodType> = {};
  for (const q of questions) {
    const key = `q_${q.id}`;
    if (q.type === 'text') {
      const base = z.string().max(1000, `Keep your answer to “${q.label}” under 1,000 characters`);
      shape[key] = q.required
        ? z.preprocess(blank, z.string({ error: `Answer “${q.label}”` }).pipe(base))
        : z.preprocess(blank, base.optional());
    } else if (q.type === 'single') {
      const choice = z.enum(q.choices as [string, ...string[]], { error: `Choose an answer to “${q.label}” from the list` });
      shape[key] = q.required ? z.preprocess(blank, choice) : z.preprocess(blank, choice.optional());
    } else {
      const many = z
        .array(z.enum(q.choices as [string, ...string[]], { error: `Choose answers to “${q.label}” from the list` }))
        .max(q.choices.length);
      shape[key] = z.preprocess(asList, q.required ? many.min(1, `Choose at least one answer to “${q.label}”`) : many);
    }
  }
  return shape;
}

/**
 * Validates the registration form of an event: name, email, places (1 to the event's limit), the date (one of its
 * dates to come, or the whole series), the answers, the newsletter opt-in. `door`: a walk-in, for whom an email is
 * optional.
 */
export function parseRegistration(
  event: LanternEvent,
  occurrences: readonly Occurrence[],
  body: unknown,
  o: { door?: boolean; now?: number } = {},
): FormResult<RegistrationInput> {
  const now = o.now ?? Date.now();
  const open = occurrences.filter((x) => x.status === 'scheduled' && (o.door ? x.endsAt > now : x.startsAt > now));
  const key = `${event.id} ${event.slug} ${event.updatedAt} ${o.door ? 'door' : 'web'} ${open.map((x) => x.id).join(',')}`;
  let schema = schemas.get(key);
  if (!schema) {
    schema = registrationSchema(event, open, o);
    if (schemas.size >= 200) schemas.clear();
    schemas.set(key, schema);
  }
  return parseForm(schema, body);
}

// The form's schema depends on the event and its open dates only; in a surge every request would rebuild the same one.
const schemas = new Map<string, ReturnType<typeof registrationSchema>>();

function registrationSchema(event: LanternEvent, open: readonly Occurrence[], o: { door?: boolean }) {
  const max = event.maxPlacesPerRegistration;
  const placesMessage = max === 1 ? 'You can book 1 place' : `Choose between 1 and ${max} places`;
  const dateMessage = 'Choose a date from the list';
  return z
    .object({
      name: text('your name', { max: 100 }),
      email: o.door
        ? z.preprocess(blank, emailField('an email address').optional())
        : z.preprocess(blank, emailField('your email address')),
      places: z.preprocess(
        (v) => (v === undefined || v === '' ? '1' : v),
        z.coerce.number({ error: placesMessage }).int(placesMessage).min(1, placesMessage).max(max, placesMessage),
      ),
      date: z.preprocess(
        (v) => (v === undefined || v === '' ? (open.length === 1 && !event.series ? String(open[0]!.id) : undefined) : v),
        z
          .string({ error: dateMessage })
          .max(20, dateMessage)
          .refine((v) => (v === 'series' ? event.series !== null : open.some((x) => String(x.id) === v)), dateMessage)
          .transform((v) => (v === 'series' ? ('series' as const) : Number(v))),
      ),
      optIn: checkbox,
      ...answersSchema(event.questions),
    })
    .transform((f) => {
      const answers: Record<string, string | string[]> = {};
      for (const q of event.questions) {
        const v = (f as Record<string, unknown>)[`q_${q.id}`];
        if (typeof v === 'string' && v !== '') answers[q.id] = v;
        if (Array.isArray(v) && v.length > 0) answers[q.id] = v as string[];
      }
      return { name: f.name, email: f.email ?? '', places: f.places, date: f.date, answers, optIn: f.optIn };
    });
}

/** What a registration attempt came to (the page is the same whatever it was: the email tells the person). */
export type RegistrationOutcome =
  { kind: 'registered'; registrationId: number; states: PlaceState[]; manageToken: string } | { kind: 'repeat' };

/** A registration's link to its own page. */
export function manageLink(core: Core, token: string): string {
  return `${core.config.baseUrl}/events/manage/${token}`;
}

/**
 * Takes places at one date for a registration: confirmed if there is room and nobody is waiting, otherwise on the
 * waitlist (in arrival order). A registration that already holds a live row there keeps it.
 */
async function takePlace(
  trx: DbOrTrx,
  registrationId: number,
  occurrenceId: number,
  places: number,
  now: number,
  o: { fresh?: boolean } = {},
): Promise<PlaceState> {
  // A registration made in this transaction has no rows yet: one statement claims or waits and adds its row.
  if (o.fresh) {
    const state = await claimOrWait(trx, { registrationId, occurrenceId, places, now });
    if (state) return state;
    // Staff cancelled the date between the check and this claim: the row says so, and the email tells the person.
    await insertPlaceOnce(trx, {
      registration_id: registrationId,
      occurrence_id: occurrenceId,
      places,
      state: 'cancelled',
      offered_until: null,
      attendance: 'unknown',
      checked_in_at: null,
      created_at: now,
      updated_at: now,
    });
    return 'cancelled';
  }
  const existing = await findPlaceOf(trx, registrationId, occurrenceId);
  if (existing && LIVE.includes(existing.state)) return existing.state;
  const ok = await claimPlaces(trx, occurrenceId, places);
  const state: PlaceState = ok ? 'confirmed' : 'waitlisted';
  if (!ok) await adjustOccurrenceCounts(trx, occurrenceId, { waiting: places });
  if (existing) {
    await movePlace(trx, Number(existing.id), ['cancelled', 'lapsed'], { state, places, offered_until: null }, now);
  } else {
    await insertPlaceOnce(trx, {
      registration_id: registrationId,
      occurrence_id: occurrenceId,
      places,
      state,
      offered_until: null,
      attendance: 'unknown',
      checked_in_at: null,
      created_at: now,
      updated_at: now,
    });
  }
  return state;
}

/** Gives up a live place: the count goes down and the waitlist moves up. */
async function releasePlace(core: Core, trx: Trx, place: PlaceRow, o: { now: number; holdMs: number; orgName: string }): Promise<void> {
  if (!LIVE.includes(place.state)) return;
  await lockOccurrenceRow(trx, Number(place.occurrence_id));
  if (!(await movePlace(trx, Number(place.id), [place.state], { state: 'cancelled', offered_until: null }, o.now))) return;
  if (place.state === 'waitlisted') await adjustOccurrenceCounts(trx, Number(place.occurrence_id), { waiting: -place.places });
  else await adjustOccurrenceCounts(trx, Number(place.occurrence_id), { taken: -place.places });
  await promoteFromWaitlist(core, trx, Number(place.occurrence_id), o.now, o);
}

/**
 * Offers free places at a date to the people waiting, first in line first: each offer holds its places until the
 * hold runs out (or the date starts). The first person whose party does not fit stops the line: nobody behind them
 * is served before them. Runs in the caller's transaction, with the date's row locked.
 */
export async function promoteFromWaitlist(
  core: Core,
  trx: Trx,
  occurrenceId: number,
  now: number,
  o: { holdMs?: number; orgName?: string } = {},
): Promise<number> {
  const occ = await lockOccurrenceRow(trx, occurrenceId);
  if (!occ || occ.status !== 'scheduled' || occ.starts_at <= now || occ.places_waiting === 0) return 0;
  const site = o.holdMs === undefined || o.orgName === undefined ? await getSiteSettings(core.db) : undefined;
  const holdMs = o.holdMs ?? site!.waitlistHoldHours * HOUR;
  const orgName = o.orgName ?? site!.orgName;
  let free = occ.capacity === null ? Number.POSITIVE_INFINITY : occ.capacity - occ.places_taken;
  let offered = 0;
  const until = Math.min(now + holdMs, occ.starts_at);
  const eventRow = await findEventRowById(trx, Number(occ.event_id));
  if (!eventRow) return 0;
  const event = rowToEvent(eventRow);
  for (const p of await listPlacesAt(trx, occurrenceId, ['waitlisted'])) {
    if (p.places > free) break;
    if (!(await movePlace(trx, Number(p.id), ['waitlisted'], { state: 'offered', offered_until: until }, now))) continue;
    await adjustOccurrenceCounts(trx, occurrenceId, { taken: p.places, waiting: -p.places });
    free -= p.places;
    offered += 1;
    const reg = (await findRegistrationRows(trx, [Number(p.registration_id)]))[0];
    const to = reg?.email_enc ? core.keyring.decrypt(reg.email_enc) : undefined;
    if (reg && to) {
      const mail = offerEmail({
        orgName,
        title: event.title,
        when: formatWhen(occ.starts_at, occ.ends_at, event.timeZone),
        places: p.places,
        until: formatMoment(until, event.timeZone),
        link: manageLink(core, core.keyring.decrypt(reg.manage_enc)),
      });
      await core.mailer.enqueue(trx, { ...mail, to });
    }
  }
  return offered;
}

/** The lines of an email about a registration's dates: when, and whether the person has a place or waits. */
function dateLines(event: LanternEvent, occurrences: readonly Occurrence[], states: Map<number, PlaceState>): DateLine[] {
  return occurrences
    .filter((o) => states.has(o.id))
    .map((o) => ({
      when: formatWhen(o.startsAt, o.endsAt, event.timeZone),
      state: states.get(o.id)!,
      cancelled: o.status === 'cancelled',
    }));
}

// The calendar writer (ical-generator and every zone's VTIMEZONE data) is loaded the first time a calendar file is
// made, not at start-up: an idle server does not carry it (the start-up benchmark's memory goal).
let calendarModule: Promise<typeof import('./calendar.js')> | undefined;
/** The calendar writer, loaded once on first use. */
export function loadCalendar(): Promise<typeof import('./calendar.js')> {
  return (calendarModule ??= import('./calendar.js'));
}

/** The .ics an attendee gets: the private parts only for dates where they hold a place. */
async function attendeeCalendar(
  core: Core,
  o: { event: LanternEvent; occurrences: Occurrence[]; private: EventPrivate; confirmed: number[]; wholeSeries: boolean; orgName: string },
) {
  if (o.confirmed.length === 0) return [];
  const { eventCalendar } = await loadCalendar();
  const content = eventCalendar({
    event: o.event,
    occurrences: o.occurrences,
    baseUrl: core.config.baseUrl,
    orgName: o.orgName,
    attendee: { private: o.private, ...(o.wholeSeries ? {} : { occurrenceIds: o.confirmed }) },
  });
  return [{ filename: `${o.event.slug}.ics`, contentType: 'text/calendar; charset=utf-8; method=PUBLISH', content }];
}

/** The email telling someone where they stand (places, waitlist), with their link and, for places held, the .ics. */
async function standingEmail(
  core: Core,
  db: DbOrTrx,
  o: {
    event: LanternEvent;
    registration: RegistrationRow;
    token: string;
    orgName: string;
    now: number;
    heading: 'registered' | 'confirmed';
  },
): Promise<OutgoingMail | undefined> {
  if (!o.registration.email_enc) return undefined;
  const occurrences = (await listOccurrenceRows(db, o.event.id)).map(rowToOccurrence);
  const places = await listPlacesOfRegistration(db, Number(o.registration.id));
  const states = new Map(places.filter((p) => LIVE.includes(p.state)).map((p) => [Number(p.occurrence_id), p.state]));
  const confirmed = places.filter((p) => p.state === 'confirmed').map((p) => Number(p.occurrence_id));
  const priv = await eventPrivate(core, o.event.id, db);
  const rendered = registrationEmail({
    orgName: o.orgName,
    event: o.event,
    heading: o.heading,
    places: o.registration.places,
    dates: dateLines(
      o.event,
      occurrences.filter((x) => x.endsAt > o.now),
      states,
    ),
    wholeSeries: o.registration.whole_series === 1,
    private: confirmed.length > 0 ? priv : undefined,
    mapLink: o.event.address ? mapLink(o.event.address) : undefined,
    pageUrl: `${core.config.baseUrl}/events/${o.event.slug}`,
    manageLink: manageLink(core, o.token),
  });
  return {
    ...rendered,
    to: core.keyring.decrypt(o.registration.email_enc),
    attachments: await attendeeCalendar(core, {
      event: o.event,
      occurrences,
      private: priv,
      confirmed,
      wholeSeries: o.registration.whole_series === 1,
      orgName: o.orgName,
    }),
  };
}

/**
 * Registers someone for an event (one date, or the whole series): places where there is room, the waitlist where
 * there is not, and an email saying which, with their link and a calendar file. One registration per address per
 * event: a repeat stores nothing and its owner is emailed their link instead (at most once in five minutes). A
 * newsletter opt-in goes through the supporters' own double opt-in, after the registration is stored. A proof of
 * work already spent stores and sends nothing. Throws DomainError('conflict') with the reason when registration is
 * closed (deadline, cancelled, started) and DomainError('invalid') for more places than one person may book.
 */
export async function registerForEvent(
  core: Core,
  event: LanternEvent,
  input: RegistrationInput,
  o: {
    proof?: { id: string; expiresAt: number } | undefined;
    source?: 'web' | 'door';
    now?: number;
    /** The event's dates as the caller read them (at most a second ago): the claim re-checks each date anyway. */
    occurrences?: readonly Occurrence[];
  } = {},
): Promise<RegistrationOutcome> {
  const now = o.now ?? Date.now();
  const door = o.source === 'door';
  const occurrences = o.occurrences ?? (await listOccurrences(core.db, event.id));
  const targets =
    input.date === 'series'
      ? occurrences.filter((x) => x.status === 'scheduled' && x.startsAt > now)
      : occurrences.filter((x) => x.id === input.date);
  if (input.date === 'series' && !event.series)
    throw new DomainError('invalid', 'Choose a date from the list', { date: 'Choose a date from the list' });
  const first = targets[0];
  // Staff at the door may register someone for a date that has started; the public may not.
  const reason = door
    ? first && first.status === 'scheduled' && first.endsAt > now
      ? undefined
      : 'This date is not taking people at the door.'
    : registrationClosedReason(event, first, now);
  if (reason) throw new DomainError('conflict', reason);
  if (input.places < 1 || input.places > event.maxPlacesPerRegistration) {
    const m = `Choose between 1 and ${event.maxPlacesPerRegistration} places`;
    throw new DomainError('invalid', m, { places: m });
  }
  const site = await getSiteSettings(core.db);
  const { keyring } = core;
  const token = newToken();
  const index = input.email ? emailIndex(keyring, input.email) : null;
  const row = {
    event_id: event.id,
    manage_hash: hashToken(token),
    manage_enc: keyring.encrypt(token),
    email_index: index,
    email_enc: input.email ? keyring.encrypt(input.email) : null,
    name_enc: keyring.encrypt(input.name),
    answers_enc: Object.keys(input.answers).length ? keyring.encrypt(JSON.stringify(input.answers)) : null,
    places: input.places,
    whole_series: input.date === 'series' ? 1 : 0,
    opt_in: input.optIn && event.newsletterListId !== null ? 1 : 0,
    supporter_id: null,
    source: door ? 'door' : 'web',
    status: 'active' as const,
    created_at: now,
    updated_at: now,
  };
  const outcome = await inSharedTransaction(core.db, async (trx): Promise<RegistrationOutcome> => {
    if (o.proof && !(await spendProof(trx, o.proof, now))) return { kind: 'repeat' };
    let id = await insertRegistrationOnce(trx, row);
    let manageToken = token;
    const isNew = id !== undefined;
    if (id === undefined) {
      const existing = (await findRegistrationByEmailIndex(trx, event.id, index!))!;
      if (existing.status === 'active') {
        if (now - existing.updated_at >= REMINDER_GAP_MS && existing.email_enc) {
          await updateRegistrationRow(trx, Number(existing.id), { updated_at: now });
          const mail = alreadyRegisteredEmail({
            orgName: site.orgName,
            title: event.title,
            manageLink: manageLink(core, keyring.decrypt(existing.manage_enc)),
          });
          await core.mailer.enqueue(trx, { ...mail, to: input.email });
        }
        return { kind: 'repeat' };
      }
      // Someone who cancelled (or was forgotten) comes back: the same row, with what they typed now.
      id = Number(existing.id);
      manageToken = keyring.decrypt(existing.manage_enc);
      const { manage_hash: _h, manage_enc: _e, created_at: _c, ...fresh } = row;
      await updateRegistrationRow(trx, id, fresh);
    }
    // The email is written by a job once this commits (its row is queued here, outbox), and the dates' rows are
    // claimed last: on PostgreSQL a claim locks its date until the commit, so the lock covers two statements only,
    // not the rendering of an email and a calendar file.
    await core.queue.enqueue(trx, 'sendRegistrationStanding', {
      registrationId: id,
      heading: 'registered',
      nonce: randomBytes(9).toString('hex'),
    });
    const states: PlaceState[] = [];
    for (const t of targets) states.push(await takePlace(trx, id, t.id, input.places, now, { fresh: isNew }));
    return { kind: 'registered', registrationId: id, states, manageToken };
  });
  if (outcome.kind === 'registered' && row.opt_in && input.email) await optIn(core, event, input);
  return outcome;
}

/**
 * The job that tells someone where they stand after registering: their dates, places or waitlist, the details and
 * their link, with a calendar file. Queued in the registration's transaction; the email itself goes through the
 * mail queue with a key from the registration, so a job run twice (after a crash) sends one email.
 */
export async function sendRegistrationStanding(
  core: Core,
  payload: { registrationId: number; heading: 'registered' | 'confirmed'; nonce: string },
): Promise<void> {
  const registration = (await findRegistrationRows(core.db, [payload.registrationId]))[0];
  if (!registration || registration.status !== 'active') return;
  const eventRow = await findEventRowById(core.db, Number(registration.event_id));
  if (!eventRow) return;
  const site = await getSiteSettings(core.db);
  const mail = await standingEmail(core, core.db, {
    event: rowToEvent(eventRow),
    registration,
    token: core.keyring.decrypt(registration.manage_enc),
    orgName: site.orgName,
    now: Date.now(),
    heading: payload.heading,
  });
  if (mail) await core.mailer.enqueue(core.db, mail, { uniqueKey: `event-standing-${payload.nonce}` });
}

/** The newsletter opt-in ticked on the form: the supporters' double opt-in (its own confirmation email). */
async function optIn(core: Core, event: LanternEvent, input: RegistrationInput): Promise<void> {
  const [firstName, ...rest] = input.name.split(/\s+/);
  try {
    await signUp(
      core,
      {
        email: input.email,
        firstName: firstName || input.name,
        lastName: rest.join(' ') || undefined,
        postcode: undefined,
        list: [event.newsletterListId!],
      },
      { source: `event: ${event.slug}` },
    );
  } catch (err) {
    // The registration stands; a list archived since the page loaded only loses the opt-in.
    if (!(err instanceof DomainError)) throw err;
    core.logger.warn({ event: event.id }, 'newsletter opt-in from an event registration was refused');
  }
}

// ---- a person's own page ----------------------------------------------------------------------------------------------

/** One date of a registration, as its page shows it. */
export interface PlaceView {
  id: number;
  occurrence: Occurrence;
  places: number;
  state: PlaceState;
  offeredUntil: number | null;
  attendance: Attendance;
}

/** A registration as its owner (or staff) sees it. */
export interface Registration {
  id: number;
  eventId: number;
  name: string;
  email: string;
  answers: Record<string, string | string[]>;
  places: number;
  wholeSeries: boolean;
  status: RegistrationRow['status'];
  source: string;
  createdAt: number;
  dates: PlaceView[];
}

/** A registration row (and its places) decrypted. */
export async function toRegistration(core: Core, db: DbOrTrx, r: RegistrationRow): Promise<Registration> {
  const k = core.keyring;
  const occ = new Map((await listOccurrenceRows(db, Number(r.event_id))).map((o) => [Number(o.id), rowToOccurrence(o)]));
  return {
    id: Number(r.id),
    eventId: Number(r.event_id),
    name: r.status === 'forgotten' ? '' : k.decrypt(r.name_enc),
    email: r.email_enc ? k.decrypt(r.email_enc) : '',
    answers: r.answers_enc ? (JSON.parse(k.decrypt(r.answers_enc)) as Record<string, string | string[]>) : {},
    places: r.places,
    wholeSeries: r.whole_series === 1,
    status: r.status,
    source: r.source,
    createdAt: r.created_at,
    dates: (await listPlacesOfRegistration(db, Number(r.id))).map((p) => ({
      id: Number(p.id),
      occurrence: occ.get(Number(p.occurrence_id))!,
      places: p.places,
      state: p.state,
      offeredUntil: p.offered_until,
      attendance: p.attendance,
    })),
  };
}

/** The registration (with its event and, when it holds a place, the private parts) a manage link leads to. */
export async function findRegistrationByToken(
  core: Core,
  token: string,
): Promise<{ registration: Registration; event: LanternEvent; occurrences: Occurrence[]; private: EventPrivate | undefined } | undefined> {
  if (!TOKEN_SHAPE.test(token)) return undefined;
  const row = await findRegistrationByManageHash(core.db, hashToken(token));
  if (!row || row.status === 'forgotten') return undefined;
  const event = await getEvent(core.db, Number(row.event_id));
  if (!event) return undefined;
  const registration = await toRegistration(core, core.db, row);
  const holds = registration.dates.some((d) => d.state === 'confirmed');
  return {
    registration,
    event,
    occurrences: await listOccurrences(core.db, event.id),
    private: holds ? await eventPrivate(core, event.id) : undefined,
  };
}

const badLink = () => new DomainError('not_found', 'This link is not valid. It may have been copied only in part.');

/** The registration row of a manage link, inside a transaction. */
async function registrationOfToken(trx: DbOrTrx, token: string): Promise<RegistrationRow> {
  if (!TOKEN_SHAPE.test(token)) throw badLink();
  const row = await findRegistrationByManageHash(trx, hashToken(token));
  if (!row || row.status === 'forgotten') throw badLink();
  return row;
}

/** Settings every change to places needs, read before its transaction. */
async function placeSettings(core: Core, now: number) {
  const site = await getSiteSettings(core.db);
  return { now, holdMs: site.waitlistHoldHours * HOUR, orgName: site.orgName };
}

/** Gives up one date (the person keeps their other dates, and a series registration its future ones). */
export async function cancelPlace(core: Core, token: string, placeId: number, now = Date.now()): Promise<void> {
  const s = await placeSettings(core, now);
  await core.db.transaction().execute(async (trx) => {
    const reg = await registrationOfToken(trx, token);
    const place = await findPlaceRow(trx, placeId);
    if (!place || Number(place.registration_id) !== Number(reg.id))
      throw new DomainError('not_found', 'There is no such date in your registration.');
    const occ = await lockOccurrenceRow(trx, Number(place.occurrence_id));
    if (!occ || occ.starts_at <= now) throw new DomainError('conflict', 'This date has already started, so it cannot be changed now.');
    await releasePlace(core, trx, place, s);
    const left = (await listPlacesOfRegistration(trx, Number(reg.id))).filter((p) => LIVE.includes(p.state));
    if (left.length === 0 && reg.whole_series === 0)
      await updateRegistrationRow(trx, Number(reg.id), { status: 'cancelled', updated_at: now });
  });
}

/** Cancels the whole registration (every date to come; a series registration leaves the series). */
export async function cancelRegistration(core: Core, token: string, now = Date.now()): Promise<void> {
  const s = await placeSettings(core, now);
  await core.db.transaction().execute(async (trx) => {
    const reg = await registrationOfToken(trx, token);
    const occ = new Map((await listOccurrenceRows(trx, Number(reg.event_id))).map((o) => [Number(o.id), o]));
    for (const p of await listPlacesOfRegistration(trx, Number(reg.id))) {
      if ((occ.get(Number(p.occurrence_id))?.starts_at ?? 0) > now) await releasePlace(core, trx, p, s);
    }
    await updateRegistrationRow(trx, Number(reg.id), { status: 'cancelled', whole_series: 0, updated_at: now });
  });
}

/** Takes a place offered from the waitlist, while its hold lasts. */
export async function takeOffer(core: Core, token: string, placeId: number, now = Date.now()): Promise<void> {
  const site = await getSiteSettings(core.db);
  await core.db.transaction().execute(async (trx) => {
    const reg = await registrationOfToken(trx, token);
    const place = await findPlaceRow(trx, placeId);
    if (!place || Number(place.registration_id) !== Number(reg.id))
      throw new DomainError('not_found', 'There is no such date in your registration.');
    if (place.state !== 'offered' || (place.offered_until ?? 0) <= now)
      throw new DomainError('conflict', 'This offer has ended and the place has passed to the next person waiting.');
    await movePlace(trx, placeId, ['offered'], { state: 'confirmed', offered_until: null }, now);
    const event = rowToEvent((await findEventRowById(trx, Number(reg.event_id)))!);
    const mail = await standingEmail(core, trx, {
      event,
      registration: reg,
      token,
      orgName: site.orgName,
      now,
      heading: 'confirmed',
    });
    if (mail) await core.mailer.enqueue(trx, mail);
  });
}

/** Comes back to a date the person had given up (or whose offer lapsed): a place if there is room, else the waitlist. */
export async function rejoinDate(core: Core, token: string, placeId: number, now = Date.now()): Promise<void> {
  const site = await getSiteSettings(core.db);
  await core.db.transaction().execute(async (trx) => {
    const reg = await registrationOfToken(trx, token);
    if (reg.status !== 'active')
      throw new DomainError('conflict', 'This registration is cancelled: please register again from the event’s page.');
    const place = await findPlaceRow(trx, placeId);
    if (!place || Number(place.registration_id) !== Number(reg.id))
      throw new DomainError('not_found', 'There is no such date in your registration.');
    const occ = await lockOccurrenceRow(trx, Number(place.occurrence_id));
    if (!occ || occ.status !== 'scheduled' || occ.starts_at <= now)
      throw new DomainError('conflict', 'This date is no longer taking people.');
    await takePlace(trx, Number(reg.id), Number(occ.id), reg.places, now);
    const event = rowToEvent((await findEventRowById(trx, Number(reg.event_id)))!);
    const mail = await standingEmail(core, trx, { event, registration: reg, token, orgName: site.orgName, now, heading: 'registered' });
    if (mail) await core.mailer.enqueue(trx, mail);
  });
}

/**
 * Changes how many places a registration holds at its dates to come: fewer always works (the waitlist moves up);
 * more only where there is room and nobody waiting, or the whole change is refused with the date that is full.
 */
export async function changePlaces(core: Core, token: string, places: number, now = Date.now()): Promise<void> {
  const s = await placeSettings(core, now);
  await core.db.transaction().execute(async (trx) => {
    const reg = await registrationOfToken(trx, token);
    const event = rowToEvent((await findEventRowById(trx, Number(reg.event_id)))!);
    if (!Number.isInteger(places) || places < 1 || places > event.maxPlacesPerRegistration) {
      const m = `Choose between 1 and ${event.maxPlacesPerRegistration} places`;
      throw new DomainError('invalid', m, { places: m });
    }
    const occ = new Map((await listOccurrenceRows(trx, Number(reg.event_id))).map((o) => [Number(o.id), o]));
    for (const p of await listPlacesOfRegistration(trx, Number(reg.id))) {
      const o = occ.get(Number(p.occurrence_id));
      if (!o || o.starts_at <= now || !LIVE.includes(p.state) || p.places === places) continue;
      const diff = places - p.places;
      if (p.state === 'waitlisted') {
        await adjustOccurrenceCounts(trx, Number(o.id), { waiting: diff });
      } else if (diff > 0) {
        if (!(await claimMorePlaces(trx, Number(o.id), diff))) {
          const m = `There is not enough room on ${formatWhen(o.starts_at, o.ends_at, event.timeZone)} for ${places} places.`;
          throw new DomainError('conflict', m, { places: m });
        }
      } else {
        await adjustOccurrenceCounts(trx, Number(o.id), { taken: diff });
      }
      await movePlace(trx, Number(p.id), [p.state], { state: p.state, places }, now);
      if (diff < 0 || p.state === 'waitlisted') await promoteFromWaitlist(core, trx, Number(o.id), now, s);
    }
    await updateRegistrationRow(trx, Number(reg.id), { places, updated_at: now });
  });
}

// ---- the worker's part ------------------------------------------------------------------------------------------------

/**
 * Offers whose hold ran out pass to the next person waiting. Run each minute; after a worker was down, every offer
 * that ran out meanwhile is passed on in turn, oldest first, and nobody is skipped. Returns how many were passed on.
 */
export async function expireOffers(core: Core, now = Date.now()): Promise<number> {
  const s = await placeSettings(core, now);
  let passed = 0;
  for (const p of await listExpiredOffers(core.db, now, 500)) {
    const done = await core.db.transaction().execute(async (trx) => {
      await lockOccurrenceRow(trx, Number(p.occurrence_id));
      if (!(await movePlace(trx, Number(p.id), ['offered'], { state: 'lapsed', offered_until: null }, now))) return false;
      await adjustOccurrenceCounts(trx, Number(p.occurrence_id), { taken: -p.places });
      const reg = (await findRegistrationRows(trx, [Number(p.registration_id)]))[0];
      const event = reg ? await findEventRowById(trx, Number(reg.event_id)) : undefined;
      if (reg?.email_enc && event) {
        const mail = offerLapsedEmail({
          orgName: s.orgName,
          title: event.title,
          manageLink: manageLink(core, core.keyring.decrypt(reg.manage_enc)),
        });
        await core.mailer.enqueue(trx, { ...mail, to: core.keyring.decrypt(reg.email_enc) });
      }
      await promoteFromWaitlist(core, trx, Number(p.occurrence_id), now, s);
      return true;
    });
    if (done) passed += 1;
  }
  return passed;
}

/** Gives everyone registered for a whole series their places at the series' new dates. */
export async function takePlacesForSeriesRegistrants(_core: Core, trx: DbOrTrx, eventId: number, now: number): Promise<void> {
  const future = (await listOccurrenceRows(trx, eventId)).filter((o) => o.status === 'scheduled' && o.starts_at > now);
  for (const r of await listSeriesRegistrationRows(trx, eventId)) {
    for (const o of future) await takePlace(trx, Number(r.id), Number(o.id), r.places, now);
  }
}

/**
 * Tells everyone registered for the dates concerned (one date, or every date to come) what staff changed: the time,
 * the place or the status. One email per person, queued in the caller's transaction.
 */
export async function noticeOfChange(
  core: Core,
  trx: DbOrTrx,
  event: LanternEvent,
  o: { changes: string[]; now: number; occurrenceId?: number; orgName: string },
): Promise<number> {
  const occurrences = (await listOccurrenceRows(trx, event.id)).map(rowToOccurrence);
  const concerned = occurrences.filter((x) => (o.occurrenceId !== undefined ? x.id === o.occurrenceId : x.endsAt > o.now));
  const places = await listPlacesAtAll(
    trx,
    concerned.map((x) => x.id),
    LIVE,
  );
  const registrationIds = [...new Set(places.map((p) => Number(p.registration_id)))];
  const priv = await eventPrivate(core, event.id, trx);
  let sent = 0;
  for (const r of await findRegistrationRows(trx, registrationIds)) {
    if (r.status !== 'active' || !r.email_enc) continue;
    const mine = places.filter((p) => Number(p.registration_id) === Number(r.id));
    const holds = mine.some((p) => p.state === 'confirmed' || p.state === 'offered');
    const mail = noticeEmail({
      orgName: o.orgName,
      event,
      changes: o.changes,
      dates: concerned
        .filter((x) => mine.some((p) => Number(p.occurrence_id) === x.id))
        .map((x) => ({
          when: formatWhen(x.startsAt, x.endsAt, event.timeZone),
          state: mine.find((p) => Number(p.occurrence_id) === x.id)!.state,
          cancelled: x.status === 'cancelled',
        })),
      private: holds ? priv : undefined,
      mapLink: event.address ? mapLink(event.address) : undefined,
      manageLink: manageLink(core, core.keyring.decrypt(r.manage_enc)),
    });
    await core.mailer.enqueue(trx, { ...mail, to: core.keyring.decrypt(r.email_enc) });
    sent += 1;
  }
  return sent;
}
