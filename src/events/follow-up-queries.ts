import { sql } from 'kysely';
import { byDialect, type DbOrTrx, type Trx } from '../core/db/index.js';
import type { FeedbackRow, OccurrenceRow, RegistrationRow } from './queries.js';

// Queries of the worker's part of events (reminders, thank-yous, forgetting) and of the feedback form: named for what
// they answer, `db` first, no rules. The rest of events' queries are in queries.ts.

/** A place held at a date, with the registration that holds it. */
export interface HolderRow {
  placeId: number;
  places: number;
  attendance: string;
  registration: RegistrationRow;
}

/**
 * The people holding a confirmed place at a date who can be emailed (an active registration with an address), in
 * arrival order; with `skipNoShows`, not those staff marked as not having come.
 */
export async function listEmailableHoldersAt(db: DbOrTrx, occurrenceId: number, o: { skipNoShows?: boolean } = {}): Promise<HolderRow[]> {
  let q = db
    .selectFrom('event_places as p')
    .innerJoin('event_registrations as r', 'r.id', 'p.registration_id')
    .selectAll('r')
    .select(['p.id as place_id', 'p.places as place_places', 'p.attendance as place_attendance'])
    .where('p.occurrence_id', '=', occurrenceId)
    .where('p.state', '=', 'confirmed')
    .where('r.status', '=', 'active')
    .where('r.email_enc', 'is not', null);
  if (o.skipNoShows) q = q.where('p.attendance', '!=', 'no_show');
  const rows = await q.orderBy('p.id').execute();
  return rows.map(({ place_id, place_places, place_attendance, ...registration }) => ({
    placeId: Number(place_id),
    places: place_places,
    attendance: place_attendance,
    registration: registration as RegistrationRow,
  }));
}

/** Dates of one-off events (not series) that ended in [from, to), are going ahead, and have had no thank-you. */
export async function listOneOffOccurrencesToFollowUp(db: DbOrTrx, o: { from: number; to: number }): Promise<OccurrenceRow[]> {
  return db
    .selectFrom('event_occurrences as o')
    .innerJoin('events as e', 'e.id', 'o.event_id')
    .selectAll('o')
    .where('e.series', 'is', null)
    .where('o.status', '=', 'scheduled')
    .where('o.ends_at', '>=', o.from)
    .where('o.ends_at', '<', o.to)
    .where('o.followed_up_at', 'is', null)
    .orderBy('o.ends_at')
    .execute();
}

/**
 * Registrations for the whole of one of these series, not yet forgotten, with no place at a date ending at or after
 * `before` (the series has ended, or was cancelled, and so has their last date).
 */
export async function listSeriesRegistrationsEndedBefore(
  db: DbOrTrx,
  eventIds: readonly number[],
  before: number,
  limit: number,
): Promise<number[]> {
  if (eventIds.length === 0) return [];
  const rows = await db
    .selectFrom('event_registrations as r')
    .select('r.id')
    .where('r.event_id', 'in', [...eventIds])
    .where('r.whole_series', '=', 1)
    .where('r.status', '!=', 'forgotten')
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('event_places as p')
            .innerJoin('event_occurrences as o', 'o.id', 'p.occurrence_id')
            .select(sql`1`.as('one'))
            .whereRef('p.registration_id', '=', 'r.id')
            .where('o.ends_at', '>=', before),
        ),
      ),
    )
    .orderBy('r.id')
    .limit(limit)
    .execute();
  return rows.map((r) => Number(r.id));
}

/**
 * Forgets who registered: the name becomes `emptyName` (an encrypted empty string), the address, its index, the
 * answers and the link to a supporter go. Places and attendance stay, for the figures. With `noPlaceEndingAfter`,
 * a registration holding a place at a date ending at or after that time is left alone (it registered again since it
 * was listed). Returns how many changed.
 */
export async function forgetRegistrationRows(
  db: DbOrTrx,
  ids: readonly number[],
  emptyName: string,
  now: number,
  o: { noPlaceEndingAfter?: number } = {},
): Promise<number> {
  if (ids.length === 0) return 0;
  let q = db
    .updateTable('event_registrations as r')
    .set({
      name_enc: emptyName,
      email_enc: null,
      email_index: null,
      answers_enc: null,
      supporter_id: null,
      whole_series: 0,
      status: 'forgotten',
      updated_at: now,
    })
    .where('r.id', 'in', [...ids])
    .where('r.status', '!=', 'forgotten');
  const after = o.noPlaceEndingAfter;
  if (after !== undefined) {
    q = q.where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('event_places as p')
            .innerJoin('event_occurrences as o', 'o.id', 'p.occurrence_id')
            .select(sql`1`.as('one'))
            .whereRef('p.registration_id', '=', 'r.id')
            .where('o.ends_at', '>=', after),
        ),
      ),
    );
  }
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** A person's registrations, by their address's index or their supporter record, in order. */
export async function listRegistrationsOfPerson(
  db: DbOrTrx,
  o: { emailIndex: string | null; supporterId: number },
): Promise<RegistrationRow[]> {
  return db
    .selectFrom('event_registrations')
    .selectAll()
    .where((eb) => eb.or([eb('supporter_id', '=', o.supporterId), ...(o.emailIndex ? [eb('email_index', '=', o.emailIndex)] : [])]))
    .orderBy('id')
    .execute();
}

/** Feedback given through these registrations, oldest first. */
export async function listFeedbackOfRegistrations(db: DbOrTrx, registrationIds: readonly number[]): Promise<FeedbackRow[]> {
  if (registrationIds.length === 0) return [];
  return db
    .selectFrom('event_feedback')
    .selectAll()
    .where('registration_id', 'in', [...registrationIds])
    .orderBy('id')
    .execute();
}

/** Takes the words out of feedback given through these registrations (the rating stays, counted). */
export async function wipeFeedbackOfRegistrations(db: DbOrTrx, registrationIds: readonly number[]): Promise<void> {
  if (registrationIds.length === 0) return;
  await db
    .updateTable('event_feedback')
    .set({ comment_enc: null, quote_name_enc: null, may_quote: 0, permission_wording: null })
    .where('registration_id', 'in', [...registrationIds])
    .execute();
}

/** The feedback a registration gave, if any (one per registration: a registration is one person at one event). */
export async function findFeedbackOfRegistration(db: DbOrTrx, registrationId: number): Promise<FeedbackRow | undefined> {
  return db.selectFrom('event_feedback').selectAll().where('registration_id', '=', registrationId).executeTakeFirst();
}

/** Locks a registration's row until the transaction ends (PostgreSQL; SQLite's single writer already serialises). */
export async function lockRegistrationRow(trx: Trx, id: number): Promise<RegistrationRow | undefined> {
  const q = trx.selectFrom('event_registrations').selectAll().where('id', '=', id);
  return byDialect(trx, { sqlite: () => q.executeTakeFirst(), postgres: () => q.forUpdate().executeTakeFirst() });
}

/** Feedback people allowed us to quote, with the title of its event, newest first. */
export async function listQuotableFeedbackRows(
  db: DbOrTrx,
  limit: number,
): Promise<Array<FeedbackRow & { event_title: string; campaign_id: number | null }>> {
  return db
    .selectFrom('event_feedback as f')
    .innerJoin('events as e', 'e.id', 'f.event_id')
    .selectAll('f')
    .select(['e.title as event_title', 'e.campaign_id'])
    .where('f.may_quote', '=', 1)
    .where('f.comment_enc', 'is not', null)
    .orderBy('f.id', 'desc')
    .limit(limit)
    .execute();
}
