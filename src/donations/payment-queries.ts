import type { Insertable } from 'kysely';
import type { DbOrTrx } from '../core/db/index.js';
import type { CheckoutRow } from './queries.js';
import type { PaymentEventsTable } from './tables.js';

// The payment events' own queries: each event stored once, its outcome, the parked ones to try again. Kysely only.

export type PaymentEventState = PaymentEventsTable['state'];

/** Stores an event unless one with its id is already stored: the new row's id, or undefined for a repeat. */
export async function insertPaymentEventOnce(db: DbOrTrx, row: Insertable<PaymentEventsTable>): Promise<number | undefined> {
  const r = await db
    .insertInto('payment_events')
    .values(row)
    .onConflict((oc) => oc.column('event_ref').doNothing())
    .returning('id')
    .executeTakeFirst();
  return r === undefined ? undefined : Number(r.id);
}

/** Records what came of an event. */
export async function setPaymentEventOutcome(
  db: DbOrTrx,
  id: number,
  o: { state: PaymentEventState; note: string; appliedAt: number | null },
): Promise<void> {
  await db.updateTable('payment_events').set({ state: o.state, note: o.note, applied_at: o.appliedAt }).where('id', '=', id).execute();
}

/**
 * Takes a parked event for this transaction: true when it is still parked. On PostgreSQL the update holds the row
 * until the transaction ends, so a second worker retrying the same event waits, then finds it no longer parked.
 */
export async function claimParkedEvent(db: DbOrTrx, id: number): Promise<boolean> {
  const r = await db
    .updateTable('payment_events')
    .set((eb) => ({ note: eb.ref('note') }))
    .where('id', '=', id)
    .where('state', '=', 'parked')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** The parked events' ids and encrypted payloads, oldest first. */
export async function parkedEventPayloads(db: DbOrTrx, o: { limit: number }): Promise<Array<{ id: number; payloadEnc: string }>> {
  const rows = await db
    .selectFrom('payment_events')
    .select(['id', 'payload_enc'])
    .where('state', '=', 'parked')
    .orderBy('received_at')
    .orderBy('id')
    .limit(o.limit)
    .execute();
  return rows.map((r) => ({ id: Number(r.id), payloadEnc: r.payload_enc }));
}

/** One checkout by id (the id a payment session carries in its metadata). */
export async function findCheckoutById(db: DbOrTrx, id: number): Promise<CheckoutRow | undefined> {
  return db.selectFrom('donation_checkouts').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Whether a monthly gift has any payment recorded yet. */
export async function regularHasPayment(db: DbOrTrx, regularId: number): Promise<boolean> {
  const r = await db.selectFrom('donations').select('id').where('regular_id', '=', regularId).limit(1).executeTakeFirst();
  return r !== undefined;
}
