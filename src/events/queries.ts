import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import { byDialect, type DbOrTrx, type Trx } from '../core/db/index.js';
import type { Attendance, PlaceState } from './model.js';
import type { EventFeedbackTable, EventOccurrencesTable, EventPlacesTable, EventRegistrationsTable, EventsTable } from './tables.js';

// The events capability's queries: named for what they answer, `db` first, no rules.

export type EventRow = Selectable<EventsTable>;
export type OccurrenceRow = Selectable<EventOccurrencesTable>;
export type RegistrationRow = Selectable<EventRegistrationsTable>;
export type PlaceRow = Selectable<EventPlacesTable>;
export type FeedbackRow = Selectable<EventFeedbackTable>;

// ---- events ---------------------------------------------------------------------------------------------------------

/** Adds an event; returns its id. */
export async function insertEvent(db: DbOrTrx, row: Insertable<EventsTable>): Promise<number> {
  const r = await db.insertInto('events').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

/** Changes an event's columns. */
export async function updateEventRow(db: DbOrTrx, id: number, values: Updateable<EventsTable>): Promise<void> {
  await db.updateTable('events').set(values).where('id', '=', id).execute();
}

/** The event with this slug. */
export async function findEventRowBySlug(db: DbOrTrx, slug: string): Promise<EventRow | undefined> {
  return db.selectFrom('events').selectAll().where('slug', '=', slug).executeTakeFirst();
}

/** The event with this id. */
export async function findEventRowById(db: DbOrTrx, id: number): Promise<EventRow | undefined> {
  return db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The events with these ids. */
export async function findEventRowsByIds(db: DbOrTrx, ids: readonly number[]): Promise<EventRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('events')
    .selectAll()
    .where('id', 'in', [...ids])
    .execute();
}

/** Every event, newest first (staff's list). */
export async function listEventRows(db: DbOrTrx): Promise<EventRow[]> {
  return db.selectFrom('events').selectAll().orderBy('starts_at', 'desc').orderBy('id', 'desc').execute();
}

/** Every published event, newest first (the public lists, the feed, the sitemap). */
export async function listPublishedEventRows(db: DbOrTrx): Promise<EventRow[]> {
  return db
    .selectFrom('events')
    .selectAll()
    .where('publication', '=', 'published')
    .orderBy('starts_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/** Published events that are series (for materialising their dates). */
export async function listSeriesEventRows(db: DbOrTrx): Promise<EventRow[]> {
  return db.selectFrom('events').selectAll().where('series', 'is not', null).execute();
}

/** Whether a slug is taken (by another event than `exceptId`). */
export async function eventSlugTaken(db: DbOrTrx, slug: string, exceptId?: number): Promise<boolean> {
  let q = db.selectFrom('events').select('id').where('slug', '=', slug);
  if (exceptId !== undefined) q = q.where('id', '!=', exceptId);
  return (await q.executeTakeFirst()) !== undefined;
}

// ---- occurrences ----------------------------------------------------------------------------------------------------

/** Adds occurrences, skipping any the event already has at that original start. Returns how many were added. */
export async function insertOccurrences(db: DbOrTrx, rows: Insertable<EventOccurrencesTable>[]): Promise<number> {
  if (rows.length === 0) return 0;
  const r = await db
    .insertInto('event_occurrences')
    .values(rows)
    .onConflict((oc) => oc.columns(['event_id', 'original_starts_at']).doNothing())
    .returning('id')
    .execute();
  return r.length;
}

/** An event's occurrences in date order. */
export async function listOccurrenceRows(db: DbOrTrx, eventId: number): Promise<OccurrenceRow[]> {
  return db.selectFrom('event_occurrences').selectAll().where('event_id', '=', eventId).orderBy('starts_at').orderBy('id').execute();
}

/** Occurrences of these events, in date order. */
export async function listOccurrenceRowsOf(db: DbOrTrx, eventIds: readonly number[]): Promise<OccurrenceRow[]> {
  if (eventIds.length === 0) return [];
  return db
    .selectFrom('event_occurrences')
    .selectAll()
    .where('event_id', 'in', [...eventIds])
    .orderBy('starts_at')
    .orderBy('id')
    .execute();
}

/** One occurrence. */
export async function findOccurrenceRow(db: DbOrTrx, id: number): Promise<OccurrenceRow | undefined> {
  return db.selectFrom('event_occurrences').selectAll().where('id', '=', id).executeTakeFirst();
}

/** One occurrence, locked until the transaction ends (PostgreSQL; SQLite's writer lock already serialises). */
export async function lockOccurrenceRow(trx: Trx, id: number): Promise<OccurrenceRow | undefined> {
  const q = trx.selectFrom('event_occurrences').selectAll().where('id', '=', id);
  return byDialect(trx, { sqlite: () => q.executeTakeFirst(), postgres: () => q.forUpdate().executeTakeFirst() });
}

/** Changes an occurrence's columns. */
export async function updateOccurrenceRow(db: DbOrTrx, id: number, values: Updateable<EventOccurrencesTable>): Promise<void> {
  await db.updateTable('event_occurrences').set(values).where('id', '=', id).execute();
}

/** Deletes an occurrence (a date nobody registered for, when its series' rule changes). */
export async function deleteOccurrenceRow(db: DbOrTrx, id: number): Promise<void> {
  await db.deleteFrom('event_occurrences').where('id', '=', id).execute();
}

/** Sets the capacity of an event's occurrences that have not started. */
export async function setFutureOccurrenceCapacity(db: DbOrTrx, eventId: number, capacity: number | null, now: number): Promise<number[]> {
  const rows = await db
    .updateTable('event_occurrences')
    .set({ capacity })
    .where('event_id', '=', eventId)
    .where('starts_at', '>', now)
    .returning('id')
    .execute();
  return rows.map((r) => Number(r.id));
}

/**
 * Takes `n` places of an occurrence if it is going ahead, has room, and nobody is waiting (a newcomer never jumps
 * the queue). One conditional UPDATE: on PostgreSQL the row lock makes concurrent claims wait and re-check the
 * condition against the committed count, so places are never oversold, whatever the number of processes.
 */
export async function claimPlaces(db: DbOrTrx, occurrenceId: number, n: number): Promise<boolean> {
  const r = await db
    .updateTable('event_occurrences')
    .set((eb) => ({ places_taken: eb('places_taken', '+', n) }))
    .where('id', '=', occurrenceId)
    .where('status', '=', 'scheduled')
    .where((eb) =>
      eb.or([eb('capacity', 'is', null), eb.and([eb('places_waiting', '=', 0), eb(eb('places_taken', '+', n), '<=', eb.ref('capacity'))])]),
    )
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Takes `n` more places for someone already holding some (a party grows): room is all it needs. */
export async function claimMorePlaces(db: DbOrTrx, occurrenceId: number, n: number): Promise<boolean> {
  const r = await db
    .updateTable('event_occurrences')
    .set((eb) => ({ places_taken: eb('places_taken', '+', n) }))
    .where('id', '=', occurrenceId)
    .where((eb) =>
      eb.or([eb('capacity', 'is', null), eb.and([eb('places_waiting', '=', 0), eb(eb('places_taken', '+', n), '<=', eb.ref('capacity'))])]),
    )
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Adds (or with a negative n, removes) places held and places wanted on the waitlist. */
export async function adjustOccurrenceCounts(db: DbOrTrx, occurrenceId: number, o: { taken?: number; waiting?: number }): Promise<void> {
  await db
    .updateTable('event_occurrences')
    .set((eb) => ({
      places_taken: eb('places_taken', '+', o.taken ?? 0),
      places_waiting: eb('places_waiting', '+', o.waiting ?? 0),
    }))
    .where('id', '=', occurrenceId)
    .execute();
}

/** Occurrences starting in [from, to) that are going ahead, with the reminder column still empty. */
export async function listOccurrencesToRemind(
  db: DbOrTrx,
  o: { from: number; to: number; column: 'reminded_day_at' | 'reminded_hour_at' },
): Promise<OccurrenceRow[]> {
  return db
    .selectFrom('event_occurrences')
    .selectAll()
    .where('status', '=', 'scheduled')
    .where('starts_at', '>=', o.from)
    .where('starts_at', '<', o.to)
    .where(o.column, 'is', null)
    .orderBy('starts_at')
    .execute();
}

/** Marks an occurrence's reminder sent, if nobody has yet; false when another run did it first. */
export async function markOccurrenceReminded(
  db: DbOrTrx,
  id: number,
  column: 'reminded_day_at' | 'reminded_hour_at' | 'followed_up_at',
  now: number,
): Promise<boolean> {
  const r = await db
    .updateTable('event_occurrences')
    .set({ [column]: now })
    .where('id', '=', id)
    .where(column, 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Occurrences that ended in [from, to) and have had no follow-up. */
export async function listOccurrencesToFollowUp(db: DbOrTrx, o: { from: number; to: number }): Promise<OccurrenceRow[]> {
  return db
    .selectFrom('event_occurrences')
    .selectAll()
    .where('status', '=', 'scheduled')
    .where('ends_at', '>=', o.from)
    .where('ends_at', '<', o.to)
    .where('followed_up_at', 'is', null)
    .orderBy('ends_at')
    .execute();
}

// ---- registrations --------------------------------------------------------------------------------------------------

/** Adds a registration; undefined when the address has already registered for the event. */
export async function insertRegistrationOnce(db: DbOrTrx, row: Insertable<EventRegistrationsTable>): Promise<number | undefined> {
  const r = await db
    .insertInto('event_registrations')
    .values(row)
    .onConflict((oc) => oc.columns(['event_id', 'email_index']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return r ? Number(r.id) : undefined;
}

/** The registration a manage link leads to. */
export async function findRegistrationByManageHash(db: DbOrTrx, hash: string): Promise<RegistrationRow | undefined> {
  return db.selectFrom('event_registrations').selectAll().where('manage_hash', '=', hash).executeTakeFirst();
}

/** The registration of an address for an event. */
export async function findRegistrationByEmailIndex(db: DbOrTrx, eventId: number, emailIndex: string): Promise<RegistrationRow | undefined> {
  return db
    .selectFrom('event_registrations')
    .selectAll()
    .where('event_id', '=', eventId)
    .where('email_index', '=', emailIndex)
    .executeTakeFirst();
}

/** One registration. */
export async function findRegistrationRow(db: DbOrTrx, id: number): Promise<RegistrationRow | undefined> {
  return db.selectFrom('event_registrations').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Registrations by id. */
export async function findRegistrationRows(db: DbOrTrx, ids: readonly number[]): Promise<RegistrationRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('event_registrations')
    .selectAll()
    .where('id', 'in', [...ids])
    .execute();
}

/** Every registration for an event, in arrival order. */
export async function listRegistrationRows(db: DbOrTrx, eventId: number): Promise<RegistrationRow[]> {
  return db.selectFrom('event_registrations').selectAll().where('event_id', '=', eventId).orderBy('id').execute();
}

/** Active registrations for the whole of a series. */
export async function listSeriesRegistrationRows(db: DbOrTrx, eventId: number): Promise<RegistrationRow[]> {
  return db
    .selectFrom('event_registrations')
    .selectAll()
    .where('event_id', '=', eventId)
    .where('whole_series', '=', 1)
    .where('status', '=', 'active')
    .orderBy('id')
    .execute();
}

/** Changes a registration's columns. */
export async function updateRegistrationRow(db: DbOrTrx, id: number, values: Updateable<EventRegistrationsTable>): Promise<void> {
  await db.updateTable('event_registrations').set(values).where('id', '=', id).execute();
}

/** Registrations of a supporter's address (their copy of their data, erasure). */
export async function listRegistrationRowsByEmailIndex(db: DbOrTrx, emailIndex: string): Promise<RegistrationRow[]> {
  return db.selectFrom('event_registrations').selectAll().where('email_index', '=', emailIndex).orderBy('id').execute();
}

/** Active registrations whose every place is in an occurrence that ended before `before`. */
export async function listRegistrationsEndedBefore(db: DbOrTrx, before: number, limit: number): Promise<number[]> {
  const rows = await db
    .selectFrom('event_registrations as r')
    .select('r.id')
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
    .where((eb) =>
      eb.or([
        eb('r.whole_series', '=', 0),
        eb.exists(
          eb
            .selectFrom('events as e')
            .select(sql`1`.as('one'))
            .whereRef('e.id', '=', 'r.event_id')
            .where('e.series', 'is', null),
        ),
      ]),
    )
    .orderBy('r.id')
    .limit(limit)
    .execute();
  return rows.map((r) => Number(r.id));
}

// ---- places ---------------------------------------------------------------------------------------------------------

/** Adds a registration's places at one occurrence; undefined when it already has a row there. */
export async function insertPlaceOnce(db: DbOrTrx, row: Insertable<EventPlacesTable>): Promise<number | undefined> {
  const r = await db
    .insertInto('event_places')
    .values(row)
    .onConflict((oc) => oc.columns(['registration_id', 'occurrence_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return r ? Number(r.id) : undefined;
}

/** A registration's places, in date order of their occurrences. */
export async function listPlacesOfRegistration(db: DbOrTrx, registrationId: number): Promise<PlaceRow[]> {
  return db
    .selectFrom('event_places as p')
    .innerJoin('event_occurrences as o', 'o.id', 'p.occurrence_id')
    .selectAll('p')
    .where('p.registration_id', '=', registrationId)
    .orderBy('o.starts_at')
    .execute();
}

/** Places at an occurrence in these states, in arrival order. */
export async function listPlacesAt(db: DbOrTrx, occurrenceId: number, states: readonly PlaceState[]): Promise<PlaceRow[]> {
  return db
    .selectFrom('event_places')
    .selectAll()
    .where('occurrence_id', '=', occurrenceId)
    .where('state', 'in', [...states])
    .orderBy('id')
    .execute();
}

/** Places at any of these occurrences in these states, in arrival order. */
export async function listPlacesAtAll(db: DbOrTrx, occurrenceIds: readonly number[], states: readonly PlaceState[]): Promise<PlaceRow[]> {
  if (occurrenceIds.length === 0) return [];
  return db
    .selectFrom('event_places')
    .selectAll()
    .where('occurrence_id', 'in', [...occurrenceIds])
    .where('state', 'in', [...states])
    .orderBy('id')
    .execute();
}

/** One place row. */
export async function findPlaceRow(db: DbOrTrx, id: number): Promise<PlaceRow | undefined> {
  return db.selectFrom('event_places').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Moves a place from one state to another; false when it was no longer in `from` (someone else moved it first). */
export async function movePlace(
  db: DbOrTrx,
  id: number,
  from: readonly PlaceState[],
  values: { state: PlaceState; offered_until?: number | null; places?: number },
  now: number,
): Promise<boolean> {
  const r = await db
    .updateTable('event_places')
    .set({ ...values, updated_at: now })
    .where('id', '=', id)
    .where('state', 'in', [...from])
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Records whether someone came. */
export async function setPlaceAttendance(db: DbOrTrx, id: number, attendance: Attendance, now: number): Promise<void> {
  await db
    .updateTable('event_places')
    .set({ attendance, checked_in_at: attendance === 'attended' ? now : null, updated_at: now })
    .where('id', '=', id)
    .execute();
}

/** Offers whose hold ran out before `now`, oldest first. */
export async function listExpiredOffers(db: DbOrTrx, now: number, limit: number): Promise<PlaceRow[]> {
  return db
    .selectFrom('event_places')
    .selectAll()
    .where('state', '=', 'offered')
    .where('offered_until', '<', now)
    .orderBy('offered_until')
    .limit(limit)
    .execute();
}

/** Places held (confirmed or offered) and wanted (waitlisted) per occurrence, counted from the rows themselves. */
export async function countPlacesByOccurrence(
  db: DbOrTrx,
  occurrenceIds: readonly number[],
): Promise<Array<{ occurrence_id: number; state: PlaceState; places: number }>> {
  if (occurrenceIds.length === 0) return [];
  const rows = await db
    .selectFrom('event_places')
    .select(['occurrence_id', 'state', (eb) => eb.fn.sum<number>('places').as('places')])
    .where('occurrence_id', 'in', [...occurrenceIds])
    .groupBy(['occurrence_id', 'state'])
    .execute();
  return rows.map((r) => ({ occurrence_id: Number(r.occurrence_id), state: r.state, places: Number(r.places) }));
}

// ---- feedback -------------------------------------------------------------------------------------------------------

/** Adds feedback. */
export async function insertFeedback(db: DbOrTrx, row: Insertable<EventFeedbackTable>): Promise<number> {
  const r = await db.insertInto('event_feedback').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

/** Feedback on an event, newest first. */
export async function listFeedbackRows(db: DbOrTrx, eventId: number): Promise<FeedbackRow[]> {
  return db.selectFrom('event_feedback').selectAll().where('event_id', '=', eventId).orderBy('id', 'desc').execute();
}

/** Whether a registration already gave feedback on an occurrence. */
export async function feedbackGiven(db: DbOrTrx, registrationId: number, occurrenceId: number | null): Promise<boolean> {
  let q = db.selectFrom('event_feedback').select('id').where('registration_id', '=', registrationId);
  q = occurrenceId === null ? q.where('occurrence_id', 'is', null) : q.where('occurrence_id', '=', occurrenceId);
  return (await q.executeTakeFirst()) !== undefined;
}

/** A registration's place row at one occurrence. */
export async function findPlaceOf(db: DbOrTrx, registrationId: number, occurrenceId: number): Promise<PlaceRow | undefined> {
  return db
    .selectFrom('event_places')
    .selectAll()
    .where('registration_id', '=', registrationId)
    .where('occurrence_id', '=', occurrenceId)
    .executeTakeFirst();
}

/**
 * Takes `n` places at a date for a new place row, or puts the row on the waitlist, in as few statements as each
 * dialect allows: the date's counters are moved by ONE conditional UPDATE (room and nobody waiting: places taken;
 * otherwise: places wanted), and the row says which. With a limit, the claim succeeded exactly when nobody is
 * waiting after it (a claim never adds to the waiting; a refusal always does). On PostgreSQL the UPDATE and the
 * place's INSERT are one statement, so the date's row is locked for one round trip before the commit. Returns the
 * new row's state, or undefined when the date is not going ahead.
 */
export async function claimOrWait(
  db: DbOrTrx,
  o: { registrationId: number; occurrenceId: number; places: number; now: number },
): Promise<PlaceState | undefined> {
  const n = byDialect(db, { sqlite: () => sql`${o.places}`, postgres: () => sql`${o.places}::integer` });
  const fits = sql<boolean>`(capacity is null or (places_waiting = 0 and places_taken + ${n} <= capacity))`;
  const update = sql`update event_occurrences
    set places_taken = places_taken + case when ${fits} then ${n} else 0 end,
        places_waiting = places_waiting + case when ${fits} then 0 else ${n} end
    where id = ${o.occurrenceId} and status = 'scheduled'
    returning (capacity is null or places_waiting = 0) as ok`;
  return byDialect(db, {
    postgres: async () => {
      const r = await sql<{ state: PlaceState }>`with claim as (${update})
        insert into event_places (registration_id, occurrence_id, places, state, offered_until, attendance, checked_in_at, created_at, updated_at)
        select ${o.registrationId}::bigint, ${o.occurrenceId}::bigint, ${o.places}::integer,
          case when claim.ok then 'confirmed' else 'waitlisted' end, null::bigint, 'unknown', null::bigint, ${o.now}::bigint, ${o.now}::bigint
        from claim
        returning state`.execute(db);
      return r.rows[0]?.state;
    },
    sqlite: async () => {
      const r = await sql<{ ok: number }>`${update}`.execute(db);
      const row = r.rows[0];
      if (!row) return undefined;
      const state: PlaceState = row.ok ? 'confirmed' : 'waitlisted';
      await db
        .insertInto('event_places')
        .values({
          registration_id: o.registrationId,
          occurrence_id: o.occurrenceId,
          places: o.places,
          state,
          offered_until: null,
          attendance: 'unknown',
          checked_in_at: null,
          created_at: o.now,
          updated_at: o.now,
        })
        .execute();
      return state;
    },
  });
}
