// The events capability's iCalendar files (RFC 5545): one event's file (public, or an attendee's own with the private
// parts), and the public feed /events.ics. Pure: no database, no HTTP.
//
// ical-generator writes the frame, the text escaping and the line folding. Where it does not do what a calendar app
// needs, this file does it and says why: wall-clock times in the event's zone (zoned), the series rule and its
// exceptions (seriesLines), the calendar's name and zones (newCalendar), and the CONFERENCE line (withConference).
//
// A series is one master VEVENT (DTSTART on the rule's first stored date, RRULE from the SeriesRule) and, for what staff
// changed, EXDATE (a cancelled date) and an extra VEVENT with the same UID and a RECURRENCE-ID (a moved date); a stored
// date the rule does not give (kept when staff changed the rule) is a VEVENT of its own. Between the first and the
// last stored date the file shows exactly the stored dates; after the last, the rule runs on.

import ical, {
  escape,
  foldLines,
  ICalCalendarMethod,
  ICalEventStatus,
  type ICalCalendar,
  type ICalLuxonDateTimeStub,
} from 'ical-generator';
import { tzlib_get_ical_block } from 'timezones-ical-library';
import { utcToZonedLocal, zonedLocalToUtc } from '../core/time.js';
import { STATUS_WORDS, type EventPrivate, type LanternEvent, type Occurrence, type SeriesRule } from './model.js';
import { occurrencesOf } from './recurrence.js';

/** How often a subscribed calendar app should fetch the feed again. */
const FEED_REFRESH_SECONDS = 6 * 3600;

/** The private parts an attendee's own file adds; occurrenceIds: only these dates of a series. */
export interface CalendarAttendee {
  private: EventPrivate;
  occurrenceIds?: number[] | undefined;
}

/** One event's calendar file: its dates, and with `attendee` the joining link and meeting point for that person alone. */
export function eventCalendar(o: {
  event: LanternEvent;
  occurrences: Occurrence[];
  baseUrl: string;
  orgName: string;
  attendee?: CalendarAttendee | undefined;
}): string {
  const cal = newCalendar(`${calendarName(o.orgName)}: ${o.event.title}`);
  addEvent(cal, o.event, o.occurrences, { baseUrl: o.baseUrl, attendee: o.attendee });
  const text = cal.toString();
  return o.attendee ? withConference(text, o.event, o.attendee.private) : text;
}

/** The public feed (/events.ics) of the given events: published ones only, never a private part. */
export function feedCalendar(o: {
  events: Array<{ event: LanternEvent; occurrences: Occurrence[] }>;
  baseUrl: string;
  orgName: string;
}): string {
  const cal = newCalendar(`${calendarName(o.orgName)} events`);
  cal.ttl(FEED_REFRESH_SECONDS);
  const seen = new Set<number>();
  for (const { event, occurrences } of o.events) {
    // The route joins upcoming and recent lists, which may both hold an event; a UID may appear once per file.
    if (event.publication !== 'published' || seen.has(event.id)) continue;
    seen.add(event.id);
    addEvent(cal, event, occurrences, { baseUrl: o.baseUrl, attendee: undefined });
  }
  return cal.toString();
}

// ---- the calendar ----

function calendarName(orgName: string): string {
  return oneLine(orgName) || 'Lantern';
}

/** Text on one line (a calendar's name is shown as a title). */
const oneLine = (s: string): string => cleanText(s).replace(/\s+/g, ' ').trim();

function newCalendar(name: string): ICalCalendar {
  return ical({
    prodId: { company: 'Lantern', product: 'Lantern events', language: 'EN' },
    method: ICalCalendarMethod.PUBLISH,
    // ical-generator writes NAME and X-WR-CALNAME as given, unescaped: a comma, semicolon or line break in the
    // organisation's name would break the file, so the name is escaped here as TEXT.
    name: escape(oneLine(name), false),
    // Only the generator: the calendar itself has no zone (name null), so ical-generator writes one VTIMEZONE for
    // each zone its events use, and DTSTAMP and LAST-MODIFIED stay in UTC (with a calendar zone it writes them as
    // local times without a zone, which RFC 5545 forbids).
    timezone: { name: null, generator: vtimezone },
  });
}

const vtimezones = new Map<string, string | null>();

/** The VTIMEZONE block of an IANA zone, with the zone's own name as TZID; null when the library does not know it. */
function vtimezone(zone: string): string | null {
  let block = vtimezones.get(zone);
  if (block === undefined) {
    const found = tzlib_get_ical_block(zone);
    const text = Array.isArray(found) ? (found[0] ?? '') : '';
    // The library answers an alias with the canonical zone ("UTC" → "Etc/UTC"); the events' TZID says the name
    // staff chose, so the block must carry that name.
    block = text.includes('BEGIN:VTIMEZONE') ? text.replace(/^TZID:.*$/m, `TZID:${zone}`) : null;
    vtimezones.set(zone, block);
  }
  return block;
}

/**
 * The zone an event's times are written in: its own, or null (UTC times) when the zone is not a plain IANA name or
 * has no VTIMEZONE to go with it, as a TZID without its VTIMEZONE is not valid.
 */
function zoneOf(event: LanternEvent): string | null {
  const zone = event.timeZone;
  if (zone === 'UTC' || !/^[A-Za-z0-9_+\-/]+$/.test(zone)) return null;
  return vtimezone(zone) ? zone : null;
}

// ---- one event ----

/** One VEVENT to write: its own dates and, for a series master, its rule lines. */
interface Entry {
  uid: string;
  startsAt: number;
  endsAt: number;
  /** The master's RRULE and EXDATE lines. */
  rule?: string | undefined;
  /** A moved date of a series: the start the rule gave it. */
  recurrenceId?: number | undefined;
  cancelled: boolean;
}

function addEvent(
  cal: ICalCalendar,
  event: LanternEvent,
  occurrences: Occurrence[],
  o: { baseUrl: string; attendee: CalendarAttendee | undefined },
): void {
  const zone = zoneOf(event);
  const host = hostOf(o.baseUrl);
  const pageUrl = `${o.baseUrl.replace(/\/+$/, '')}/events/${encodeURIComponent(event.slug)}`;
  const ownDates = o.attendee?.occurrenceIds;
  const entries = !event.series
    ? [oneOffEntry(event, occurrences, host)]
    : ownDates
      ? occurrences
          .filter((x) => ownDates.includes(x.id))
          .sort((a, b) => a.startsAt - b.startsAt)
          .map((x) => dateEntry(event, x, host))
      : seriesEntries(event, event.series, occurrences, { zone, host });
  const summary = cleanText(event.title);
  const description = descriptionOf(event, pageUrl, o.attendee?.private);
  const location = locationOf(event, o.attendee?.private);
  const changed = new Date(event.updatedAt);
  for (const e of entries) {
    cal.createEvent({
      id: e.uid,
      sequence: sequenceOf(event),
      stamp: changed,
      lastModified: changed,
      timezone: zone,
      start: zoned(e.startsAt, zone),
      end: zoned(e.endsAt, zone),
      recurrenceId: e.recurrenceId === undefined ? null : zoned(e.recurrenceId, zone),
      repeating: e.rule ?? null,
      summary,
      description,
      location: location || null,
      url: pageUrl,
      status:
        e.cancelled || event.status === 'cancelled'
          ? ICalEventStatus.CANCELLED
          : event.status === 'postponed'
            ? ICalEventStatus.TENTATIVE
            : ICalEventStatus.CONFIRMED,
    });
  }
}

function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).hostname || 'lantern.invalid';
  } catch {
    return 'lantern.invalid';
  }
}

/**
 * SEQUENCE must grow with each change staff make, and be a 32-bit integer: seconds since 2020 grow with updatedAt and
 * stay in range until 2088 (seconds since 1970 would overflow in 2038).
 */
function sequenceOf(event: LanternEvent): number {
  return Math.max(0, Math.floor((event.updatedAt - Date.UTC(2020, 0, 1)) / 1000));
}

function oneOffEntry(event: LanternEvent, occurrences: Occurrence[], host: string): Entry {
  const only = occurrences[0];
  return {
    uid: `event-${event.id}@${host}`,
    startsAt: only?.startsAt ?? event.startsAt,
    endsAt: only?.endsAt ?? event.endsAt,
    cancelled: only?.status === 'cancelled',
  };
}

/** A single date written on its own (a date someone registered for alone, or one the series rule does not give). */
function dateEntry(event: LanternEvent, x: Occurrence, host: string): Entry {
  return { uid: `event-${event.id}-${x.id}@${host}`, startsAt: x.startsAt, endsAt: x.endsAt, cancelled: x.status === 'cancelled' };
}

// The earliest and latest instants occurrencesOf is asked about: the whole of time a Date can hold.
const EARLIEST = -8.64e15;
const LATEST = 8.64e15;

function seriesEntries(
  event: LanternEvent,
  rule: SeriesRule,
  occurrences: Occurrence[],
  o: { zone: string | null; host: string },
): Entry[] {
  // The rule is read in the event's zone, as its dates were made, whatever zone the file writes them in.
  const ruleZone = event.timeZone;
  const { host } = o;
  const uid = `event-${event.id}@${host}`;
  const stored = [...occurrences].sort((a, b) => a.originalStartsAt - b.originalStartsAt);
  const first = stored[0];
  const last = stored.at(-1);
  // The rule's dates across the stored ones, to tell the stored dates the rule gives from any it does not (dates kept
  // with their registrations when staff changed the rule).
  const ruleDates =
    first && last ? occurrencesOf(rule, ruleZone, { from: first.originalStartsAt, to: last.originalStartsAt + 1, limit: 100_000 }) : [];
  const onRuleStarts = new Set(ruleDates.map((d) => d.startsAt));
  const onRule = stored.filter((x) => onRuleStarts.has(x.originalStartsAt));
  const offRule = stored.filter((x) => !onRuleStarts.has(x.originalStartsAt));
  // With DTEND, RFC 5545 gives every date of the series the master's exact length. That is the rule's length on a day
  // without a clock change; a date whose wall-clock end lands elsewhere (an evening across the night clocks change, a
  // day-long vigil that night) is written as an exception below with its own times.
  const length = ruleLength(rule);
  const firstStart =
    onRule[0]?.originalStartsAt ??
    occurrencesOf(rule, ruleZone, { from: last ? last.originalStartsAt + 1 : EARLIEST, to: LATEST, limit: 1 })[0]?.startsAt;
  const entries = offRule.map((x) => dateEntry(event, x, host));
  if (firstStart === undefined) return entries;

  const storedStarts = new Set(stored.map((x) => x.originalStartsAt));
  const excluded = [
    ...onRule.filter((x) => x.status === 'cancelled').map((x) => x.originalStartsAt),
    // A date the rule gives within the stored span that is not stored does not exist (the rule changed around it).
    ...ruleDates.filter((d) => d.startsAt > firstStart && !storedStarts.has(d.startsAt)).map((d) => d.startsAt),
  ].sort((a, b) => a - b);
  entries.unshift({
    uid,
    startsAt: firstStart,
    endsAt: firstStart + length,
    rule: seriesLines(rule, ruleZone, o.zone, excluded),
    cancelled: false,
  });
  for (const x of onRule) {
    const moved = x.startsAt !== x.originalStartsAt || x.endsAt !== x.originalStartsAt + length;
    if (x.status === 'scheduled' && moved)
      entries.push({ uid, startsAt: x.startsAt, endsAt: x.endsAt, recurrenceId: x.originalStartsAt, cancelled: false });
  }
  return entries;
}

/** The length of a date on a day without a clock change; an end at or before the start is on the next day. */
function ruleLength(rule: SeriesRule): number {
  const minutes = (time: string): number => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
  const length = minutes(rule.end) - minutes(rule.start);
  return (length > 0 ? length : length + 24 * 60) * 60_000;
}

const BYDAY = ['', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;

/**
 * The master's RRULE and EXDATE lines. Written here rather than with ical-generator's repeating options, which cannot
 * say "the first Saturday" as BYDAY=1SA (the form every calendar app reads) and write EXDATE only with those options.
 * ical-generator inserts a rule given as text line by line, before it folds the file.
 */
function seriesLines(rule: SeriesRule, ruleZone: string, zone: string | null, excluded: number[]): string {
  const parts =
    rule.freq === 'weekly'
      ? ['FREQ=WEEKLY', `INTERVAL=${rule.interval}`, `BYDAY=${BYDAY[rule.weekday]}`]
      : rule.by === 'day'
        ? ['FREQ=MONTHLY', `BYMONTHDAY=${rule.day}`]
        : ['FREQ=MONTHLY', `BYDAY=${rule.nth}${BYDAY[rule.weekday!]}`];
  if (rule.until) {
    // No date starts after the until day: the rule ends at that day's last second in the event's zone, in UTC as
    // RFC 5545 requires when DTSTART has a TZID.
    const endOfDay = zonedLocalToUtc(`${rule.until}T23:59`, ruleZone);
    if (endOfDay !== null) parts.push(`UNTIL=${utcStamp(endOfDay + 59_000)}`);
  }
  const lines = [`RRULE:${parts.join(';')}`];
  for (const at of excluded) lines.push(zone ? `EXDATE;TZID=${zone}:${localStamp(at, zone)}` : `EXDATE:${utcStamp(at)}`);
  return lines.join('\n');
}

// ---- dates ----

const utcStamp = (ms: number): string => `${new Date(ms).toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`;

/** "20260324T180000": the wall-clock time of an instant in a zone. */
function localStamp(ms: number, zone: string): string {
  const seconds = Math.floor((((ms % 60_000) + 60_000) % 60_000) / 1000);
  return `${utcToZonedLocal(ms, zone).replace(/[-:]/g, '')}${String(seconds).padStart(2, '0')}`;
}

/**
 * An instant as ical-generator should write it: its wall-clock time in the event's zone (after TZID=…), or in UTC.
 * Handed a native Date with a zone, ical-generator reads the Date's local fields, that is the time in the server's own
 * zone (an 18:00 London date came out as 14:00 on a server set to New York). Handed a Luxon-like value, it asks the
 * value for its fields in the zone (setZone, then toFormat 'yyyyLLdd' and 'HHmmss'): this small stand-in answers from
 * core/time. Any other format is refused loudly, so a change in ical-generator shows in the tests, not in calendars.
 */
function zoned(ms: number, zone: string | null): ICalLuxonDateTimeStub {
  const inZone = (z: string): ICalLuxonDateTimeStub => ({
    isValid: true,
    zone: { type: 'iana' },
    setZone: (other?: string) => inZone(!other || other.toLowerCase() === 'utc' ? 'UTC' : other),
    toFormat: (format: string) => {
      const stamp = localStamp(ms, z);
      if (format === 'yyyyLLdd') return stamp.slice(0, 8);
      if (format === 'HHmmss') return stamp.slice(9, 15);
      throw new Error(`calendar: ical-generator asked for the date format ${format}, which zoned() does not write`);
    },
    toJSDate: () => new Date(ms),
    toJSON: () => new Date(ms).toISOString(),
  });
  return inZone(zone ?? 'UTC');
}

// ---- words ----

/**
 * Text from staff as calendar TEXT: control characters other than tab and line breaks are dropped (RFC 5545 TEXT
 * allows none, and some apps refuse the file), and a lone half of a surrogate pair, which has no UTF-8 form, is replaced.
 * ical-generator escapes the rest (backslash, comma, semicolon, line breaks).
 */
function cleanText(s: string): string {
  return s.toWellFormed().replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '');
}

/** Takes part online (the joining link matters): an online or hybrid event, or one moved online. */
const joinsOnline = (e: LanternEvent): boolean => e.mode !== 'in_person' || e.status === 'moved_online';
/** Has a room or a place to be (the venue and meeting point matter). */
const inRoom = (e: LanternEvent): boolean => e.mode !== 'online' && e.status !== 'moved_online';

function placeOf(event: LanternEvent): string {
  return [event.venueName, event.address]
    .map((s) =>
      cleanText(s)
        .split(/\r\n|\r|\n/)
        .map((l) => l.trim())
        .filter(Boolean)
        .join(', '),
    )
    .filter(Boolean)
    .join(', ');
}

function locationOf(event: LanternEvent, secret: EventPrivate | undefined): string {
  if (!inRoom(event)) return 'Online';
  const place = placeOf(event);
  const meetingPoint = secret ? cleanText(secret.meetingPoint).trim() : '';
  const where = meetingPoint ? (place ? `${place} (meeting point: ${meetingPoint})` : `Meeting point: ${meetingPoint}`) : place;
  if (event.mode === 'hybrid') return where ? `${where}, or online` : 'Online';
  return where;
}

function descriptionOf(event: LanternEvent, pageUrl: string, secret: EventPrivate | undefined): string {
  const paragraphs = [
    event.status === 'scheduled' ? '' : `${STATUS_WORDS[event.status]}.`,
    cleanText(event.summary).trim(),
    secret && joinsOnline(event) && secret.joiningLink.trim()
      ? `Join online (for you only, please do not share it): ${cleanText(secret.joiningLink).trim()}`
      : '',
    secret && inRoom(event) && secret.meetingPoint.trim()
      ? `Meeting point (for you only, please do not share it): ${cleanText(secret.meetingPoint).trim()}`
      : '',
    `Event page: ${pageUrl}`,
  ];
  return paragraphs.filter(Boolean).join('\n\n');
}

// ---- the attendee's CONFERENCE line ----

/**
 * The attendee's file with a CONFERENCE line (RFC 7986) in each VEVENT, so calendar apps show a "join" button.
 * ical-generator cannot write CONFERENCE (its x() takes X- names only), so the line goes into the finished text, before
 * each END:VEVENT (a line that starts so can only end a component: inside a value a line break is written "\n" and a
 * folded line starts with a space). Its value is a URI, which has no TEXT escaping: the link is parsed and written back
 * by URL, which drops line breaks and percent-encodes spaces, controls and non-ASCII, and only http(s) links are
 * written. The line is folded at 75 octets as RFC 5545 asks.
 */
function withConference(text: string, event: LanternEvent, secret: EventPrivate): string {
  if (!joinsOnline(event)) return text;
  let link: URL;
  try {
    link = new URL(secret.joiningLink.trim());
  } catch {
    return text;
  }
  if (link.protocol !== 'https:' && link.protocol !== 'http:') return text;
  const line = foldLines(`CONFERENCE;VALUE=URI;FEATURE=VIDEO;LABEL=Join online:${link.href}`);
  return text.replaceAll('\r\nEND:VEVENT', `\r\n${line}\r\nEND:VEVENT`);
}
