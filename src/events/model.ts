// The events capability's domain types: what an event, a series rule, an occurrence and a registration are, as the
// service hands them to views, emails, the calendar writer and other capabilities. No database, no HTTP.

export const EVENT_KINDS = ['meeting', 'livestream', 'protest', 'vigil', 'exhibition', 'other'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** How people take part: in a room, on a screen, or either. */
export const EVENT_MODES = ['in_person', 'online', 'hybrid'] as const;
export type EventMode = (typeof EVENT_MODES)[number];

/** What staff say about the event as a whole ("moved online" keeps the date and drops the room). */
export const EVENT_STATUSES = ['scheduled', 'cancelled', 'postponed', 'moved_online'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

/** Whether the public may see it yet. */
export type Publication = 'draft' | 'published';

export const KIND_WORDS: Readonly<Record<EventKind, string>> = {
  meeting: 'Public meeting',
  livestream: 'Livestream',
  protest: 'Protest',
  vigil: 'Vigil',
  exhibition: 'Exhibition',
  other: 'Other event',
};

export const MODE_WORDS: Readonly<Record<EventMode, string>> = {
  in_person: 'In person',
  online: 'Online',
  hybrid: 'In person and online',
};

export const STATUS_WORDS: Readonly<Record<EventStatus, string>> = {
  scheduled: 'Going ahead',
  cancelled: 'Cancelled',
  postponed: 'Postponed',
  moved_online: 'Moved online',
};

/**
 * A series rule, read in the event's time zone: every `interval` weeks on `weekday`, or every month on a day of the
 * month or on the nth weekday ("the first Saturday"; nth -1 is the last). Start and end are wall-clock times
 * ("18:00", "19:00"), so 18:00 stays 18:00 across the clock changes. `until` is a calendar day ("2027-06-30")
 * after which no occurrence starts; without it the series runs on, materialised a bounded window ahead.
 */
export type SeriesRule =
  | { freq: 'weekly'; interval: number; weekday: Weekday; start: string; end: string; firstDay: string; until?: string | undefined }
  | {
      freq: 'monthly';
      /** `day`: the same day of the month (the 12th); `weekday`: the nth weekday. */
      by: 'day' | 'weekday';
      day?: number | undefined;
      nth?: 1 | 2 | 3 | 4 | -1 | undefined;
      weekday?: Weekday | undefined;
      start: string;
      end: string;
      firstDay: string;
      until?: string | undefined;
    };

/** ISO weekday numbers: 1 Monday … 7 Sunday. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;
export const WEEKDAY_NAMES = ['', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;

/** A question staff ask everyone registering (dietary needs, access needs). */
export interface EventQuestion {
  /** Stable within the event: answers are stored under it. */
  id: string;
  label: string;
  type: 'text' | 'single' | 'multiple';
  required: boolean;
  /** The choices of a single or multiple choice question. */
  choices: string[];
}

/** An event as the public and staff see it (the private joining link and meeting point are apart: `EventPrivate`). */
export interface LanternEvent {
  id: number;
  slug: string;
  title: string;
  summary: string;
  /** Markdown. */
  description: string;
  kind: EventKind;
  mode: EventMode;
  status: EventStatus;
  publication: Publication;
  /** IANA zone the times were set in ("Europe/London"). */
  timeZone: string;
  /** The first occurrence's start and end (a one-off event's only ones), UTC ms. */
  startsAt: number;
  endsAt: number;
  series: SeriesRule | null;
  venueName: string;
  address: string;
  accessibility: string;
  /** Places per occurrence; null when there is no limit. */
  capacity: number | null;
  /** The most places one registration may take. */
  maxPlacesPerRegistration: number;
  /** UTC ms after which nobody may register; null: until the occurrence starts. */
  registrationDeadline: number | null;
  campaignId: number | null;
  organiserName: string;
  organiserEmail: string;
  questions: EventQuestion[];
  /** After the event: a link to the recording (ours or elsewhere) and a resource from the library. */
  recordingUrl: string;
  recordingResourceId: number | null;
  /** After the event: Markdown with the materials (slides, reading). */
  materials: string;
  /** The newsletter list offered on the form, if any. */
  newsletterListId: number | null;
  createdAt: number;
  updatedAt: number;
}

/** What only registered people are told. */
export interface EventPrivate {
  joiningLink: string;
  meetingPoint: string;
}

export type OccurrenceStatus = 'scheduled' | 'cancelled';

/** One date of an event (a one-off event has exactly one). */
export interface Occurrence {
  id: number;
  eventId: number;
  startsAt: number;
  endsAt: number;
  /** Where the series rule put it (RECURRENCE-ID); equal to startsAt unless staff moved this one. */
  originalStartsAt: number;
  status: OccurrenceStatus;
  /** Places held by confirmed registrations and outstanding offers. */
  placesTaken: number;
  /** Places wanted by people on the waitlist. */
  placesWaiting: number;
}

/** Where a registration's claim on one occurrence stands. */
export const PLACE_STATES = ['confirmed', 'waitlisted', 'offered', 'cancelled', 'lapsed'] as const;
export type PlaceState = (typeof PLACE_STATES)[number];

/** Whether someone came (recorded at the door). */
export type Attendance = 'unknown' | 'attended' | 'no_show';
