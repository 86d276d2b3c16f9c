import { sql, type Insertable, type Selectable } from 'kysely';
import type { Db, DbOrTrx } from '../core/db/index.js';
import type { PlaceState } from './model.js';
import type { EventDeliveryState, EventMessagesTable } from './tables.js';

// The queries of messages to an event's attendees (messages.ts): named for what they answer, `db` first, no rules.

export type EventMessageRow = Selectable<EventMessagesTable>;

/**
 * Registrations a message may reach: active, with an email address, holding a place in one of `states` at the date
 * (or any date of the event); `among` narrows it to some registrations. Ids in order.
 */
export async function listReachableRegistrationIds(
  db: DbOrTrx,
  o: { eventId: number; occurrenceId: number | null; states: readonly PlaceState[]; among?: readonly number[] },
): Promise<number[]> {
  if (o.among && o.among.length === 0) return [];
  let q = db
    .selectFrom('event_registrations as r')
    .select('r.id')
    .where('r.event_id', '=', o.eventId)
    .where('r.status', '=', 'active')
    .where('r.email_enc', 'is not', null)
    .where(({ exists, selectFrom }) => {
      let places = selectFrom('event_places as p')
        .innerJoin('event_occurrences as x', 'x.id', 'p.occurrence_id')
        .select(sql`1`.as('one'))
        .whereRef('p.registration_id', '=', 'r.id')
        .where('x.event_id', '=', o.eventId)
        .where('p.state', 'in', [...o.states]);
      if (o.occurrenceId !== null) places = places.where('p.occurrence_id', '=', o.occurrenceId);
      return exists(places);
    });
  if (o.among) q = q.where('r.id', 'in', [...o.among]);
  return (await q.orderBy('r.id').execute()).map((r) => Number(r.id));
}

/** Adds a message; returns its id. */
export async function insertEventMessage(db: DbOrTrx, row: Insertable<EventMessagesTable>): Promise<number> {
  const r = await db.insertInto('event_messages').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

/** Adds one queued delivery per registration, 500 rows a statement. */
export async function insertQueuedDeliveries(
  db: DbOrTrx,
  messageId: number,
  registrationIds: readonly number[],
  now: number,
): Promise<void> {
  for (let i = 0; i < registrationIds.length; i += 500) {
    await db
      .insertInto('event_message_deliveries')
      .values(
        registrationIds.slice(i, i + 500).map((registrationId) => ({
          message_id: messageId,
          registration_id: registrationId,
          state: 'queued' as const,
          error: null,
          sent_at: null,
          updated_at: now,
        })),
      )
      .execute();
  }
}

/** An event's newest 50 messages. */
export async function listEventMessageRows(db: Db, eventId: number): Promise<EventMessageRow[]> {
  return db.selectFrom('event_messages').selectAll().where('event_id', '=', eventId).orderBy('id', 'desc').limit(50).execute();
}

/** Deliveries counted per message and state. */
export async function countDeliveriesByState(
  db: Db,
  messageIds: readonly number[],
): Promise<Array<{ messageId: number; state: EventDeliveryState; n: number }>> {
  if (messageIds.length === 0) return [];
  const rows = await db
    .selectFrom('event_message_deliveries')
    .select(['message_id', 'state', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('message_id', 'in', [...messageIds])
    .groupBy(['message_id', 'state'])
    .execute();
  return rows.map((r) => ({ messageId: Number(r.message_id), state: r.state, n: Number(r.n) }));
}

/** One message. */
export async function findEventMessageRow(db: DbOrTrx, id: number): Promise<EventMessageRow | undefined> {
  return db.selectFrom('event_messages').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Takes the sender lock on a message that is sending, if nobody holds it, its holder's time ran out, or the holder
 * was an earlier attempt of the same job; true when taken.
 */
export async function takeMessageLock(
  db: DbOrTrx,
  o: { messageId: number; runner: string; until: number; jobId: number; now: number },
): Promise<boolean> {
  const r = await db
    .updateTable('event_messages')
    .set({ runner: o.runner, runner_until: o.until })
    .where('id', '=', o.messageId)
    .where('state', '=', 'sending')
    .where((eb) => eb.or([eb('runner', 'is', null), eb('runner_until', '<', o.now), eb('runner', 'like', `job:${o.jobId}:%`)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Renews the lock this runner holds; the message's state, or null when the runner no longer holds it. */
export async function renewMessageLock(
  db: DbOrTrx,
  o: { messageId: number; runner: string; until: number },
): Promise<EventMessageRow['state'] | null> {
  const r = await db
    .updateTable('event_messages')
    .set({ runner_until: o.until })
    .where('id', '=', o.messageId)
    .where('runner', '=', o.runner)
    .returning('state')
    .executeTakeFirst();
  return r?.state ?? null;
}

/** Lets go of this runner's lock, keeping the last temporary error when one is given. */
export async function releaseMessageLock(
  db: DbOrTrx,
  o: { messageId: number; runner: string; lastError?: string | null | undefined },
): Promise<void> {
  await db
    .updateTable('event_messages')
    .set({ runner: null, runner_until: null, ...(o.lastError === undefined ? {} : { last_error: o.lastError }) })
    .where('id', '=', o.messageId)
    .where('runner', '=', o.runner)
    .execute();
}

/** Marks a message sent, if this runner holds it and it is still sending. */
export async function finishEventMessage(db: DbOrTrx, o: { messageId: number; runner: string; now: number }): Promise<void> {
  await db
    .updateTable('event_messages')
    .set({ state: 'sent', finished_at: o.now, last_error: null, runner: null, runner_until: null })
    .where('id', '=', o.messageId)
    .where('state', '=', 'sending')
    .where('runner', '=', o.runner)
    .execute();
}

/** The next queued deliveries of a message after `afterId`, in order. */
export async function listQueuedDeliveries(
  db: DbOrTrx,
  o: { messageId: number; afterId: number; limit: number },
): Promise<Array<{ id: number; registrationId: number }>> {
  const rows = await db
    .selectFrom('event_message_deliveries')
    .select(['id', 'registration_id'])
    .where('message_id', '=', o.messageId)
    .where('state', '=', 'queued')
    .where('id', '>', o.afterId)
    .orderBy('id')
    .limit(o.limit)
    .execute();
  return rows.map((r) => ({ id: Number(r.id), registrationId: Number(r.registration_id) }));
}

/** Whether a message has a delivery still queued. */
export async function hasQueuedDelivery(db: DbOrTrx, messageId: number): Promise<boolean> {
  const r = await db
    .selectFrom('event_message_deliveries')
    .select('id')
    .where('message_id', '=', messageId)
    .where('state', '=', 'queued')
    .limit(1)
    .executeTakeFirst();
  return r !== undefined;
}

/** Marks deliveries sent or skipped, 500 a statement. */
export async function markDeliveries(db: DbOrTrx, ids: readonly number[], state: 'sent' | 'skipped', now: number): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) {
    await db
      .updateTable('event_message_deliveries')
      .set({ state, sent_at: state === 'sent' ? now : null, updated_at: now })
      .where('id', 'in', ids.slice(i, i + 500))
      .execute();
  }
}

/** Marks one delivery failed for good, with what the mail server said. */
export async function markDeliveryFailed(db: DbOrTrx, id: number, error: string | null, now: number): Promise<void> {
  await db.updateTable('event_message_deliveries').set({ state: 'failed', error, updated_at: now }).where('id', '=', id).execute();
}
