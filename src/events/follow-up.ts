import { z } from 'zod';
import { getPublishedResourceById } from '../content/service.js';
import type { Core, ErasureSubject } from '../core/context.js';
import { hashToken } from '../core/crypto.js';
import type { Db, DbOrTrx } from '../core/db/index.js';
import { renderMarkdown } from '../core/markdown.js';
import { getSiteSettings } from '../core/settings.js';
import { TOKEN_SHAPE } from '../core/tokens.js';
import { DomainError } from '../core/web/errors.js';
import { checkbox, optionalMultilineText, optionalText, parseForm, type FormResult } from '../core/web/forms.js';
import { joinsOnline, reminderEmail, thankYouEmail } from './follow-up-emails.js';
import {
  findFeedbackOfRegistration,
  forgetRegistrationRows,
  listEmailableHoldersAt,
  listFeedbackOfRegistrations,
  listOneOffOccurrencesToFollowUp,
  listQuotableFeedbackRows,
  listRegistrationsOfPerson,
  listSeriesRegistrationsEndedBefore,
  lockRegistrationRow,
  wipeFeedbackOfRegistrations,
} from './follow-up-queries.js';
import type { EventPrivate, LanternEvent, PlaceState, SeriesRule } from './model.js';
import {
  adjustOccurrenceCounts,
  findEventRowById,
  findOccurrenceRow,
  findRegistrationByManageHash,
  insertFeedback,
  listFeedbackRows,
  listOccurrenceRows,
  listOccurrencesToRemind,
  listPlacesOfRegistration,
  listRegistrationsEndedBefore,
  listSeriesEventRows,
  markOccurrenceReminded,
  movePlace,
  type EventRow,
} from './queries.js';
import { formatWhen, getEvent, mapLink, rowToEvent, rowToOccurrence } from './reading.js';
import { findRegistrationByToken, manageLink, promoteFromWaitlist, toRegistration } from './registering.js';

// What happens around an event's dates without anyone pressing a button, and what comes after: reminders before a
// date, a thank-you after an event with its recording and a feedback form, the feedback itself (a comment may be
// quoted only with the person's own tick, its wording kept), forgetting who came once the retention time has passed,
// and a supporter's erasure and copy of their data. jobs.ts runs these on the worker's schedule.
//
// Exactly once: a reminder (or thank-you) run marks the date and queues every email in ONE transaction, and the mark
// is a conditional UPDATE (queries.ts markOccurrenceReminded), so two runs at once, a run retried after a crash, or a
// worker restarted mid-run send each reminder once. The emails go through the outbox (the job queue), each with a
// Message-ID fixed when queued: a worker killed mid-send repeats at most the message it was sending, under the same
// Message-ID, which mail clients show once. A date staff move is reminded again (moveOccurrence clears the marks).
//
// Series get no thank-you: a weekly protest's people would get the same email every week. Staff who want to thank
// them (or share a recording) message the attendees of a date from the staff pages. The feedback form is open to a
// series' people all the same (once per person per series), from the link in any email.

const HOUR = 3600_000;
const DAY = 24 * HOUR;
/** The first reminder goes this long before a date starts. */
export const REMIND_DAY_BEFORE_MS = DAY;
/** Online and hybrid events get a second reminder this long before, with the joining link. */
export const REMIND_HOUR_BEFORE_MS = HOUR;
/** The thank-you goes this long after the event ends (the evening's organisers have time to add the recording)… */
export const FOLLOW_UP_AFTER_MS = 12 * HOUR;
/** …and not at all for an event that ended longer ago than this (a worker that was down for weeks). */
export const FOLLOW_UP_WITHIN_MS = 14 * DAY;
/** Registrations forgotten per transaction. */
const FORGET_BATCH = 500;
const LIVE: readonly PlaceState[] = ['confirmed', 'offered', 'waitlisted'];

/** The words of the feedback form's quote permission, stored with each tick as the person read them. */
export const QUOTE_PERMISSION_WORDING = 'You may quote my comment on your website';

/** The longest comment the feedback form takes. */
export const FEEDBACK_COMMENT_MAX = 2000;

/** Thrown inside a transaction to undo it: the date is no longer due (moved, cancelled) by the time it is marked. */
class NotDue extends Error {}

/** An event whose dates are going ahead (nobody is reminded of a cancelled or postponed event). */
const goingAhead = (e: LanternEvent) => e.status !== 'cancelled' && e.status !== 'postponed';

function privateParts(core: Core, r: EventRow): EventPrivate {
  return {
    joiningLink: r.joining_link_enc ? core.keyring.decrypt(r.joining_link_enc) : '',
    meetingPoint: r.meeting_point_enc ? core.keyring.decrypt(r.meeting_point_enc) : '',
  };
}

// ---- reminders ------------------------------------------------------------------------------------------------------

/**
 * Reminds one date's people: marks it and queues one email per person holding a place, in one transaction. Returns
 * how many were queued (0 when another run marked it first, or it is no longer due when marked).
 */
async function remindDate(core: Core, occurrenceId: number, which: 'day' | 'hour', o: { now: number; orgName: string }): Promise<number> {
  const window = which === 'day' ? REMIND_DAY_BEFORE_MS : REMIND_HOUR_BEFORE_MS;
  try {
    return await core.db.transaction().execute(async (trx) => {
      if (!(await markOccurrenceReminded(trx, occurrenceId, which === 'day' ? 'reminded_day_at' : 'reminded_hour_at', o.now))) return 0;
      // Read after marking: the row is ours now (locked on PostgreSQL), so a move committed meanwhile is seen here.
      const occ = await findOccurrenceRow(trx, occurrenceId);
      const eventRow = occ ? await findEventRowById(trx, Number(occ.event_id)) : undefined;
      if (!occ || !eventRow || occ.status !== 'scheduled' || occ.starts_at < o.now || occ.starts_at >= o.now + window) throw new NotDue();
      const event = rowToEvent(eventRow);
      if (!goingAhead(event) || (which === 'hour' && !joinsOnline(event))) throw new NotDue();
      // An hour before, a day reminder not yet sent (the date was added late, or the worker was down) would only
      // repeat this one.
      if (which === 'hour') await markOccurrenceReminded(trx, occurrenceId, 'reminded_day_at', o.now);
      const priv = privateParts(core, eventRow);
      const when = formatWhen(occ.starts_at, occ.ends_at, event.timeZone);
      const holders = await listEmailableHoldersAt(trx, occurrenceId);
      for (const h of holders) {
        const mail = reminderEmail({
          orgName: o.orgName,
          event,
          which,
          when,
          places: h.places,
          private: priv,
          mapLink: event.address ? mapLink(event.address) : undefined,
          pageUrl: `${core.config.baseUrl}/events/${event.slug}`,
          manageLink: manageLink(core, core.keyring.decrypt(h.registration.manage_enc)),
        });
        await core.mailer.enqueue(trx, { ...mail, to: core.keyring.decrypt(h.registration.email_enc!) });
      }
      return holders.length;
    });
  } catch (err) {
    if (err instanceof NotDue) return 0;
    throw err;
  }
}

/**
 * Reminds everyone holding a place at a date starting within a day (once per date), and for online and hybrid
 * events within the hour too, with the joining link. Run every few minutes. Returns how many emails were queued.
 */
export async function remindAttendees(core: Core, now = Date.now()): Promise<{ day: number; hour: number }> {
  const { orgName } = await getSiteSettings(core.db);
  const s = { now, orgName };
  let hour = 0;
  let day = 0;
  // The hour first: a date it reminds is marked for the day as well, so nobody gets two emails in one run.
  for (const occ of await listOccurrencesToRemind(core.db, { from: now, to: now + REMIND_HOUR_BEFORE_MS, column: 'reminded_hour_at' })) {
    const event = await getEvent(core.db, Number(occ.event_id));
    if (event && goingAhead(event) && joinsOnline(event)) hour += await remindDate(core, Number(occ.id), 'hour', s);
  }
  for (const occ of await listOccurrencesToRemind(core.db, { from: now, to: now + REMIND_DAY_BEFORE_MS, column: 'reminded_day_at' })) {
    day += await remindDate(core, Number(occ.id), 'day', s);
  }
  return { day, hour };
}

// ---- the thank-you ------------------------------------------------------------------------------------------------------

/** Where an event's recording can be watched: its page in the resources library, else the link staff gave. */
async function recordingLink(core: Core, event: LanternEvent): Promise<string | undefined> {
  if (event.recordingResourceId !== null) {
    const r = await getPublishedResourceById(core.db, event.recordingResourceId);
    if (r) return `${core.config.baseUrl}${r.url}`;
  }
  return event.recordingUrl || undefined;
}

/** Links written as our own paths ("/resources/slides") made whole, so they work from a mail client. */
function absoluteLinks(html: string, baseUrl: string): string {
  return html.replace(/href="\/(?!\/)/g, `href="${baseUrl}/`);
}

/**
 * Thanks everyone who had a place at a one-off event (and was not marked as not having come), once, 12 hours to
 * 14 days after it ended: the recording, the materials and the feedback form. Returns how many emails were queued.
 */
export async function followUpEvents(core: Core, now = Date.now()): Promise<number> {
  const { orgName } = await getSiteSettings(core.db);
  let sent = 0;
  for (const occ of await listOneOffOccurrencesToFollowUp(core.db, { from: now - FOLLOW_UP_WITHIN_MS, to: now - FOLLOW_UP_AFTER_MS })) {
    const event = await getEvent(core.db, Number(occ.event_id));
    if (!event || !goingAhead(event)) continue;
    const recordingUrl = await recordingLink(core, event);
    const materialsHtml = event.materials.trim() ? absoluteLinks(renderMarkdown(event.materials), core.config.baseUrl) : '';
    sent += await core.db.transaction().execute(async (trx) => {
      if (!(await markOccurrenceReminded(trx, Number(occ.id), 'followed_up_at', now))) return 0;
      const holders = await listEmailableHoldersAt(trx, Number(occ.id), { skipNoShows: true });
      for (const h of holders) {
        const link = manageLink(core, core.keyring.decrypt(h.registration.manage_enc));
        const mail = thankYouEmail({ orgName, event, recordingUrl, materialsHtml, feedbackLink: `${link}/feedback` });
        await core.mailer.enqueue(trx, { ...mail, to: core.keyring.decrypt(h.registration.email_enc!) });
      }
      return holders.length;
    });
  }
  return sent;
}

// ---- feedback ---------------------------------------------------------------------------------------------------------

/** What the feedback form hands over once valid. */
export interface FeedbackInput {
  rating: 1 | 2 | 3 | 4 | 5;
  comment: string;
  mayQuote: boolean;
  quoteName: string;
}

const ratingMessage = 'Choose how it was, from 1 to 5';

/** Validates the feedback form: a rating of 1 to 5, an optional comment, the separate permission to quote it. */
export function parseFeedback(body: unknown): FormResult<FeedbackInput> {
  const schema = z.object({
    rating: z.preprocess(
      (v) => (v === undefined ? '' : v),
      z
        .string({ error: ratingMessage })
        .regex(/^[1-5]$/, ratingMessage)
        .transform((v) => Number(v) as FeedbackInput['rating']),
    ),
    comment: optionalMultilineText('your comment', { max: FEEDBACK_COMMENT_MAX }).transform((s) => s ?? ''),
    mayQuote: checkbox,
    quoteName: optionalText('the name to quote you as', { max: 100 }).transform((s) => s ?? ''),
  });
  return parseForm(schema, body);
}

/** Where a person's feedback stands: the form is open, already given, or not yet (their date has not begun). */
export type FeedbackState =
  { kind: 'open'; event: LanternEvent } | { kind: 'given'; event: LanternEvent } | { kind: 'not_yet'; event: LanternEvent };

/** The last date a registration held a place at that has begun, if any: the one its feedback is about. */
function dateOfFeedback(places: Array<{ occurrenceId: number; state: PlaceState; startsAt: number; cancelled: boolean }>, now: number) {
  const held = places.filter((p) => p.state === 'confirmed' && !p.cancelled && p.startsAt <= now);
  return held.length ? held.reduce((a, b) => (b.startsAt > a.startsAt ? b : a)).occurrenceId : undefined;
}

/** Where the feedback of the registration a manage link leads to stands; undefined for a link that leads nowhere. */
export async function feedbackState(core: Core, token: string, now = Date.now()): Promise<FeedbackState | undefined> {
  const found = await findRegistrationByToken(core, token);
  if (!found) return undefined;
  const { registration, event } = found;
  if (await findFeedbackOfRegistration(core.db, registration.id)) return { kind: 'given', event };
  const date = dateOfFeedback(
    registration.dates.map((d) => ({
      occurrenceId: d.occurrence.id,
      state: d.state,
      startsAt: d.occurrence.startsAt,
      cancelled: d.occurrence.status === 'cancelled',
    })),
    now,
  );
  return { kind: date === undefined || !goingAhead(event) ? 'not_yet' : 'open', event };
}

/**
 * Stores a person's feedback on their event, once: the comment and the name to quote encrypted, and with a tick to
 * quote it, the exact wording they agreed to. A name given without the tick is not kept. Returns 'already' (storing
 * nothing) when they gave it before. Throws DomainError('not_found') for a link that leads nowhere, and
 * DomainError('conflict') before their date has begun.
 */
export async function giveFeedback(core: Core, token: string, input: FeedbackInput, now = Date.now()): Promise<'stored' | 'already'> {
  if (!TOKEN_SHAPE.test(token)) throw new DomainError('not_found', 'This link is not valid. It may have been copied only in part.');
  const k = core.keyring;
  return core.db.transaction().execute(async (trx) => {
    const found = await findRegistrationByManageHash(trx, hashToken(token));
    // One person's two presses at once wait for each other here, so the second finds the first's feedback.
    const reg = found && (await lockRegistrationRow(trx, Number(found.id)));
    if (!reg || reg.status === 'forgotten')
      throw new DomainError('not_found', 'This link is not valid. It may have been copied only in part.');
    if (await findFeedbackOfRegistration(trx, Number(reg.id))) return 'already';
    const event = rowToEvent((await findEventRowById(trx, Number(reg.event_id)))!);
    const occurrences = new Map((await listOccurrenceRows(trx, event.id)).map((o) => [Number(o.id), rowToOccurrence(o)]));
    const places = (await listPlacesOfRegistration(trx, Number(reg.id))).flatMap((p) => {
      const o = occurrences.get(Number(p.occurrence_id));
      return o ? [{ occurrenceId: o.id, state: p.state, startsAt: o.startsAt, cancelled: o.status === 'cancelled' }] : [];
    });
    const occurrenceId = dateOfFeedback(places, now);
    if (occurrenceId === undefined || !goingAhead(event))
      throw new DomainError('conflict', 'You can tell us how it was once the event has taken place.');
    const quote = input.mayQuote && input.comment !== '';
    await insertFeedback(trx, {
      event_id: event.id,
      occurrence_id: occurrenceId,
      registration_id: Number(reg.id),
      rating: input.rating,
      comment_enc: input.comment ? k.encrypt(input.comment) : null,
      may_quote: quote ? 1 : 0,
      quote_name_enc: quote && input.quoteName ? k.encrypt(input.quoteName) : null,
      permission_wording: quote ? QUOTE_PERMISSION_WORDING : null,
      created_at: now,
    });
    return 'stored';
  });
}

/** One piece of feedback as staff read it. */
export interface FeedbackItem {
  id: number;
  rating: number;
  comment: string;
  mayQuote: boolean;
  /** The name they asked to be quoted as; empty: anonymously. */
  quoteName: string;
  permissionWording: string;
  givenAt: number;
}

/** An event's feedback for staff: every piece, newest first, how many gave each rating, and the average. */
export interface EventFeedback {
  event: LanternEvent;
  items: FeedbackItem[];
  /** counts[r - 1]: how many rated r. */
  counts: [number, number, number, number, number];
  average: number | null;
}

/** An event's feedback for staff (decrypted); undefined when there is no such event. */
export async function feedbackForStaff(core: Core, eventId: number): Promise<EventFeedback | undefined> {
  const event = await getEvent(core.db, eventId);
  if (!event) return undefined;
  const k = core.keyring;
  const items = (await listFeedbackRows(core.db, eventId)).map((f): FeedbackItem => ({
    id: Number(f.id),
    rating: f.rating,
    comment: f.comment_enc ? k.decrypt(f.comment_enc) : '',
    mayQuote: f.may_quote === 1,
    quoteName: f.quote_name_enc ? k.decrypt(f.quote_name_enc) : '',
    permissionWording: f.permission_wording ?? '',
    givenAt: f.created_at,
  }));
  const counts: EventFeedback['counts'] = [0, 0, 0, 0, 0];
  for (const i of items) if (i.rating >= 1 && i.rating <= 5) counts[i.rating - 1]! += 1;
  const average = items.length ? items.reduce((s, i) => s + i.rating, 0) / items.length : null;
  return { event, items, counts, average };
}

/** A comment someone allowed us to quote, with what they agreed to and when. */
export interface QuotableFeedback {
  id: number;
  eventId: number;
  eventTitle: string;
  campaignId: number | null;
  rating: number;
  comment: string;
  /** The name to quote them as; empty: anonymously. */
  quoteName: string;
  /** The exact words they ticked. */
  permissionWording: string;
  /** When they ticked it (UTC ms). */
  givenAt: number;
}

/** Comments from event feedback that people allowed us to quote, newest first (the testimonials page offers them). */
export async function listQuotableFeedback(core: Core, limit = 200): Promise<QuotableFeedback[]> {
  const k = core.keyring;
  return (await listQuotableFeedbackRows(core.db, limit)).map((f) => ({
    id: Number(f.id),
    eventId: Number(f.event_id),
    eventTitle: f.event_title,
    campaignId: f.campaign_id === null ? null : Number(f.campaign_id),
    rating: f.rating,
    comment: k.decrypt(f.comment_enc!),
    quoteName: f.quote_name_enc ? k.decrypt(f.quote_name_enc) : '',
    permissionWording: f.permission_wording ?? QUOTE_PERMISSION_WORDING,
    givenAt: f.created_at,
  }));
}

// ---- forgetting -------------------------------------------------------------------------------------------------------

/** Whether a series has no dates to come: its end date has passed, or staff cancelled it, before `before`. */
function seriesOverBefore(r: EventRow, before: number): boolean {
  if (r.status === 'cancelled' && r.updated_at < before) return true;
  const until = r.series ? (JSON.parse(r.series) as SeriesRule).until : undefined;
  // The last date starts on `until` in the event's zone: two days on, it has ended wherever that zone is.
  return until !== undefined && Date.parse(`${until}T00:00:00Z`) + 2 * DAY < before;
}

/**
 * Forgets who registered for dates that all ended more than `eventRetentionDays` (a setting, default 90) ago: the
 * name, the address and the answers go; the places and who came stay, for the figures. Someone registered for the
 * whole of a series is kept while the series goes on (their reminders need the address; their places at old dates
 * hold nothing personal) and forgotten like anyone else once they leave it, or the series ends or is cancelled.
 * Run daily. Returns how many registrations were forgotten.
 */
export async function forgetPastRegistrations(core: Core, now = Date.now()): Promise<number> {
  const { eventRetentionDays } = await getSiteSettings(core.db);
  const before = now - eventRetentionDays * DAY;
  const endedSeries = (await listSeriesEventRows(core.db)).filter((r) => seriesOverBefore(r, before)).map((r) => Number(r.id));
  let forgotten = 0;
  for (;;) {
    const ids = [
      ...(await listRegistrationsEndedBefore(core.db, before, FORGET_BATCH)),
      ...(await listSeriesRegistrationsEndedBefore(core.db, endedSeries, before, FORGET_BATCH)),
    ];
    if (ids.length === 0) break;
    const n = await core.db
      .transaction()
      .execute((trx) => forgetRegistrationRows(trx, ids, core.keyring.encrypt(''), now, { noPlaceEndingAfter: before }));
    forgotten += n;
    // Every id listed came back (someone registered again meanwhile): the next run looks again.
    if (n === 0) break;
  }
  return forgotten;
}

// ---- a supporter's erasure and copy of their data -----------------------------------------------------------------

/**
 * Erases a person's registrations, in the erasure's transaction: each is forgotten as after the retention time, the
 * words of their feedback go (its rating stays counted), and the places they held at dates to come are given up. The
 * freed places are offered to the people waiting by a job queued in the same transaction (offerFreedPlaces): the
 * offer needs the site's settings, which cannot be read inside another transaction.
 */
export async function eraseRegistrationsOf(core: Core, trx: DbOrTrx, subject: ErasureSubject, now = Date.now()): Promise<void> {
  const rows = await listRegistrationsOfPerson(trx, subject);
  if (rows.length === 0) return;
  const freed = new Set<number>();
  for (const r of rows) {
    const starts = new Map((await listOccurrenceRows(trx, Number(r.event_id))).map((o) => [Number(o.id), o.starts_at]));
    for (const p of await listPlacesOfRegistration(trx, Number(r.id))) {
      if (!LIVE.includes(p.state) || (starts.get(Number(p.occurrence_id)) ?? 0) <= now) continue;
      if (!(await movePlace(trx, Number(p.id), [p.state], { state: 'cancelled', offered_until: null }, now))) continue;
      await adjustOccurrenceCounts(trx, Number(p.occurrence_id), p.state === 'waitlisted' ? { waiting: -p.places } : { taken: -p.places });
      // A party leaving the head of the line can let smaller ones behind it in, so a waiting place counts too.
      freed.add(Number(p.occurrence_id));
    }
  }
  const ids = rows.map((r) => Number(r.id));
  await forgetRegistrationRows(trx, ids, core.keyring.encrypt(''), now);
  await wipeFeedbackOfRegistrations(trx, ids);
  if (freed.size > 0) await core.queue.enqueue(trx, 'offerFreedPlaces', { occurrenceIds: [...freed] }, { maxAttempts: 10 });
}

/** Offers places freed at these dates to the people waiting, first in line first (each date in its own transaction). */
export async function offerFreedPlaces(core: Core, occurrenceIds: readonly number[], now = Date.now()): Promise<number> {
  const site = await getSiteSettings(core.db);
  const s = { holdMs: site.waitlistHoldHours * HOUR, orgName: site.orgName };
  let offered = 0;
  for (const id of occurrenceIds) offered += await core.db.transaction().execute((trx) => promoteFromWaitlist(core, trx, id, now, s));
  return offered;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A person's registrations and feedback, for their copy of their data: events, dates, places, answers. */
export async function exportRegistrationsOf(core: Core, db: Db, subject: ErasureSubject): Promise<Record<string, unknown>> {
  const rows = (await listRegistrationsOfPerson(db, subject)).filter((r) => r.status !== 'forgotten');
  const titles = new Map<number, string>();
  const eventRegistrations = [];
  for (const row of rows) {
    const event = await getEvent(db, Number(row.event_id));
    if (!event) continue;
    titles.set(event.id, event.title);
    const r = await toRegistration(core, db, row);
    const label = (id: string) => event.questions.find((q) => q.id === id)?.label ?? id;
    eventRegistrations.push({
      event: event.title,
      eventPage: `${core.config.baseUrl}/events/${event.slug}`,
      name: r.name,
      email: r.email,
      places: r.places,
      wholeSeries: r.wholeSeries,
      status: r.status,
      registeredAt: iso(r.createdAt),
      answers: Object.entries(r.answers).map(([id, answer]) => ({ question: label(id), answer })),
      dates: r.dates.map((d) => ({
        startsAt: iso(d.occurrence.startsAt),
        endsAt: iso(d.occurrence.endsAt),
        when: formatWhen(d.occurrence.startsAt, d.occurrence.endsAt, event.timeZone),
        places: d.places,
        state: d.state,
        offeredUntil: iso(d.offeredUntil),
        attendance: d.attendance,
      })),
    });
  }
  const k = core.keyring;
  const eventFeedback = (
    await listFeedbackOfRegistrations(
      db,
      rows.map((r) => Number(r.id)),
    )
  ).map((f) => ({
    event: titles.get(Number(f.event_id)) ?? '',
    rating: f.rating,
    comment: f.comment_enc ? k.decrypt(f.comment_enc) : '',
    mayQuote: f.may_quote === 1,
    quoteName: f.quote_name_enc ? k.decrypt(f.quote_name_enc) : '',
    permissionWording: f.permission_wording ?? '',
    givenAt: iso(f.created_at),
  }));
  return { eventRegistrations, eventFeedback };
}
