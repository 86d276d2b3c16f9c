import type { DbOrTrx } from '../core/db/index.js';

// The queries behind forgetting a donor: what of theirs a claim still needs, and wiping what it does not.

/** The latest moment a claim took one of this donor's gifts (its creation), or null when none did. */
export async function lastClaimOfDonor(db: DbOrTrx, donorId: number): Promise<number | null> {
  const r = await db
    .selectFrom('donations')
    .innerJoin('gift_aid_claims', 'gift_aid_claims.id', 'donations.claim_id')
    .select((eb) => eb.fn.max('gift_aid_claims.created_at').as('last'))
    .where('donations.donor_id', '=', donorId)
    .executeTakeFirst();
  return r?.last === null || r?.last === undefined ? null : Number(r.last);
}

/** The donor behind a supporter: the same email's blind index, or the supporter record it was linked to. */
export async function findDonorOfPerson(db: DbOrTrx, o: { emailIndex: string | null; supporterId: number }) {
  let q = db.selectFrom('donors').selectAll();
  q = o.emailIndex
    ? q.where((eb) => eb.or([eb('email_index', '=', o.emailIndex), eb('supporter_id', '=', o.supporterId)]))
    : q.where('supporter_id', '=', o.supporterId);
  return q.executeTakeFirst();
}

/** Wipes a donor's contact details and messages at once (their name, gifts and declarations wait for the claims). */
export async function wipeDonorContact(
  db: DbOrTrx,
  donorId: number,
  o: { manageHash: string; manageEnc: string; now: number },
): Promise<void> {
  await db
    .updateTable('donors')
    .set({
      email_index: null,
      email_enc: null,
      supporter_id: null,
      manage_hash: o.manageHash,
      manage_enc: o.manageEnc,
      erasure_requested_at: o.now,
      updated_at: o.now,
    })
    .where('id', '=', donorId)
    .execute();
  await db.updateTable('donations').set({ message_enc: null, updated_at: o.now }).where('donor_id', '=', donorId).execute();
}

/** Deletes the unfinished checkouts typed with this email (they hold what the person typed). */
export async function deleteOpenCheckoutsOf(db: DbOrTrx, emailIndex: string): Promise<void> {
  await db.deleteFrom('donation_checkouts').where('email_index', '=', emailIndex).where('state', '!=', 'completed').execute();
}

/** The monthly gifts of a donor still taking money (to be cancelled at the provider). */
export async function liveRegularGiftsOf(db: DbOrTrx, donorId: number) {
  return db
    .selectFrom('regular_gifts')
    .select(['id', 'subscription_ref'])
    .where('donor_id', '=', donorId)
    .where('status', 'in', ['pending', 'active', 'paused', 'past_due'])
    .execute();
}

/** Donors who asked to be forgotten and still have a name on record. */
export async function donorsAwaitingErasure(db: DbOrTrx) {
  return db.selectFrom('donors').select(['id', 'erasure_requested_at']).where('erasure_requested_at', 'is not', null).execute();
}

/** Forgets a donor for good: the name is replaced, their declarations deleted; the gifts stay as amounts for the accounts. */
export async function forgetDonor(db: DbOrTrx, donorId: number, o: { nameEnc: string; now: number }): Promise<void> {
  await db.deleteFrom('gift_aid_declarations').where('donor_id', '=', donorId).execute();
  await db
    .updateTable('donors')
    .set({ name_enc: o.nameEnc, customer_ref: null, erasure_requested_at: null, updated_at: o.now })
    .where('id', '=', donorId)
    .execute();
}
