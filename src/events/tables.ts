import type { Generated } from 'kysely';
import type { Attendance, EventKind, EventMode, EventStatus, OccurrenceStatus, PlaceState, Publication } from './model.js';

// The tables the events capability owns (lint rule lantern/own-tables), declared into core's Schema.

export interface EventsTable {
  id: Generated<number>;
  slug: string;
  title: string;
  summary: string;
  description: string;
  kind: EventKind;
  mode: EventMode;
  status: EventStatus;
  publication: Publication;
  time_zone: string;
  starts_at: number;
  ends_at: number;
  /** The series rule as JSON (model.ts SeriesRule); null for a one-off event. */
  series: string | null;
  venue_name: string;
  address: string;
  accessibility: string;
  capacity: number | null;
  max_places: number;
  registration_deadline: number | null;
  campaign_id: number | null;
  organiser_name: string;
  organiser_email: string;
  /** The questions staff ask, as JSON (EventQuestion[]). */
  questions: string;
  /** Told only to registered people: encrypted, so a copy of the database does not hand out a protest's meeting point. */
  joining_link_enc: string | null;
  meeting_point_enc: string | null;
  recording_url: string;
  recording_resource_id: number | null;
  materials: string;
  newsletter_list_id: number | null;
  /** Occurrences of a series exist up to here (UTC ms); the daily job moves it on. */
  materialised_until: number;
  created_by: number | null;
  created_at: number;
  updated_at: number;
}

export interface EventOccurrencesTable {
  id: Generated<number>;
  event_id: number;
  starts_at: number;
  ends_at: number;
  /** Where the rule put it (RECURRENCE-ID); unique per event, so materialising twice adds nothing. */
  original_starts_at: number;
  status: OccurrenceStatus;
  /** A copy of the event's capacity, so the claim of a place is one conditional UPDATE of this row. */
  capacity: number | null;
  places_taken: number;
  places_waiting: number;
  reminded_day_at: number | null;
  reminded_hour_at: number | null;
  followed_up_at: number | null;
}

export type RegistrationStatus = 'active' | 'cancelled' | 'forgotten';

export interface EventRegistrationsTable {
  id: Generated<number>;
  event_id: number;
  /** SHA-256 of the manage link's token (unique): the link is the person's only key. */
  manage_hash: string;
  /** The token itself, encrypted, so reminders and notices can carry the same link. */
  manage_enc: string;
  email_index: string | null;
  email_enc: string | null;
  name_enc: string;
  /** Answers to the event's questions, encrypted JSON ({ questionId: string | string[] }). */
  answers_enc: string | null;
  places: number;
  /** 1: registered for every date of the series (new dates included as they are added). */
  whole_series: number;
  opt_in: number;
  supporter_id: number | null;
  /** 'web', or 'door' for a walk-in registered by staff. */
  source: string;
  status: RegistrationStatus;
  created_at: number;
  updated_at: number;
}

export interface EventPlacesTable {
  id: Generated<number>;
  registration_id: number;
  occurrence_id: number;
  places: number;
  state: PlaceState;
  /** Until when an offered place is held (UTC ms). */
  offered_until: number | null;
  attendance: Attendance;
  checked_in_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface EventFeedbackTable {
  id: Generated<number>;
  event_id: number;
  occurrence_id: number | null;
  registration_id: number | null;
  rating: number;
  comment_enc: string | null;
  /** 1 when the person ticked that the comment may be quoted on the website. */
  may_quote: number;
  /** The name they asked to be quoted as (encrypted); empty: anonymous. */
  quote_name_enc: string | null;
  /** The exact words of the permission they gave, kept with it. */
  permission_wording: string | null;
  created_at: number;
}

// The tables of messages staff send to an event's attendees (messages.ts), declared into core's Schema like
// tables.ts. A message is one row; each person it goes to is a delivery row, sent by the bulk sender in slices.

/** 'sending' until every delivery has an outcome, then 'sent'. */
export type EventMessageState = 'sending' | 'sent';

export interface EventMessagesTable {
  id: Generated<number>;
  event_id: number;
  /** The date whose people it went to; null: everyone registered for any date of the event. */
  occurrence_id: number | null;
  /** 1: people on the waiting list were included. */
  include_waitlist: number;
  subject: string;
  /** Markdown, as staff typed it. */
  body: string;
  state: EventMessageState;
  recipient_count: number;
  created_by: number | null;
  created_at: number;
  finished_at: number | null;
  /** The last temporary sending failure (mail server down), cleared when sending goes on; no addresses. */
  last_error: string | null;
  /** The sender lock: which job may send this message now, and until when (UTC ms) unless it renews. */
  runner: string | null;
  runner_until: number | null;
}

/** queued → sent or failed; skipped when the person cancelled (or was deleted) before their turn. */
export type EventDeliveryState = 'queued' | 'sent' | 'failed' | 'skipped';

export interface EventMessageDeliveriesTable {
  id: Generated<number>;
  message_id: number;
  registration_id: number;
  state: EventDeliveryState;
  /** What the mail server said when it refused the message for good (no address). */
  error: string | null;
  sent_at: number | null;
  updated_at: number;
}

declare module '../core/db/schema.js' {
  interface Schema {
    events: EventsTable;
    event_occurrences: EventOccurrencesTable;
    event_registrations: EventRegistrationsTable;
    event_places: EventPlacesTable;
    event_feedback: EventFeedbackTable;
    event_messages: EventMessagesTable;
    event_message_deliveries: EventMessageDeliveriesTable;
  }
}
