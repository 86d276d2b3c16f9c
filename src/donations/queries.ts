import type { Insertable, Selectable, Updateable } from 'kysely';
import type { DbOrTrx } from '../core/db/index.js';
import type {
  DonationCheckoutsTable,
  DonationFundsTable,
  DonationsTable,
  DonorsTable,
  GiftAidDeclarationsTable,
  RegularGiftsTable,
} from './tables.js';

// The shared queries of the donations capability: donors, gifts, monthly gifts, checkouts, declarations and funds.
// Kysely only, no rules. Larger areas keep their own files (payment-queries.ts, claim-queries.ts, admin-queries.ts…).

export type DonorRow = Selectable<DonorsTable>;
export type DonationRow = Selectable<DonationsTable>;
export type RegularGiftRow = Selectable<RegularGiftsTable>;
export type CheckoutRow = Selectable<DonationCheckoutsTable>;
export type DeclarationRow = Selectable<GiftAidDeclarationsTable>;
export type FundRow = Selectable<DonationFundsTable>;

/** The new checkout's id. */
export async function insertCheckout(db: DbOrTrx, row: Insertable<DonationCheckoutsTable>): Promise<number> {
  const r = await db.insertInto('donation_checkouts').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

/** The checkout a payment session belongs to. */
export async function findCheckoutBySession(db: DbOrTrx, sessionRef: string): Promise<CheckoutRow | undefined> {
  return db.selectFrom('donation_checkouts').selectAll().where('session_ref', '=', sessionRef).executeTakeFirst();
}

/** Marks a checkout completed (once: false when it already was). */
export async function completeCheckout(db: DbOrTrx, id: number, o: { donorId: number; now: number }): Promise<boolean> {
  const r = await db
    .updateTable('donation_checkouts')
    .set({ state: 'completed', donor_id: o.donorId, completed_at: o.now })
    .where('id', '=', id)
    .where('state', '!=', 'completed')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** The donor with this email's blind index. */
export async function findDonorByEmailIndex(db: DbOrTrx, emailIndex: string): Promise<DonorRow | undefined> {
  return db.selectFrom('donors').selectAll().where('email_index', '=', emailIndex).executeTakeFirst();
}

/** The donor a manage link leads to. */
export async function findDonorByManageHash(db: DbOrTrx, manageHash: string): Promise<DonorRow | undefined> {
  return db.selectFrom('donors').selectAll().where('manage_hash', '=', manageHash).executeTakeFirst();
}

/** One donor by id. */
export async function findDonorById(db: DbOrTrx, id: number): Promise<DonorRow | undefined> {
  return db.selectFrom('donors').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The new donor's id. */
export async function insertDonor(db: DbOrTrx, row: Insertable<DonorsTable>): Promise<number> {
  const r = await db.insertInto('donors').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

/** Changes a donor's row. */
export async function updateDonor(db: DbOrTrx, id: number, set: Updateable<DonorsTable>): Promise<void> {
  await db.updateTable('donors').set(set).where('id', '=', id).execute();
}

/** Records that a donor's statement of a tax year was sent; false when it already was (or a later one was). */
export async function markStatementSent(db: DbOrTrx, donorId: number, startYear: number): Promise<boolean> {
  const r = await db
    .updateTable('donors')
    .set({ statement_year: startYear })
    .where('id', '=', donorId)
    .where((eb) => eb.or([eb('statement_year', 'is', null), eb('statement_year', '<', startYear)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** The new gift's id. */
export async function insertDonation(db: DbOrTrx, row: Insertable<DonationsTable>): Promise<number> {
  const r = await db.insertInto('donations').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

/** One gift by id. */
export async function findDonationById(db: DbOrTrx, id: number): Promise<DonationRow | undefined> {
  return db.selectFrom('donations').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The gift a provider reference belongs to (a checkout session, a payment, an invoice). */
export async function findDonationByRef(
  db: DbOrTrx,
  ref: { checkout: string } | { payment: string } | { invoice: string },
): Promise<DonationRow | undefined> {
  const q = db.selectFrom('donations').selectAll();
  if ('checkout' in ref) return q.where('checkout_ref', '=', ref.checkout).executeTakeFirst();
  if ('payment' in ref) return q.where('payment_ref', '=', ref.payment).executeTakeFirst();
  return q.where('invoice_ref', '=', ref.invoice).executeTakeFirst();
}

/** Changes a gift's row. */
export async function updateDonation(db: DbOrTrx, id: number, set: Updateable<DonationsTable>): Promise<void> {
  await db.updateTable('donations').set(set).where('id', '=', id).execute();
}

/** A donor's gifts, newest first. */
export async function donationsOfDonor(db: DbOrTrx, donorId: number): Promise<DonationRow[]> {
  return db.selectFrom('donations').selectAll().where('donor_id', '=', donorId).orderBy('given_at', 'desc').orderBy('id', 'desc').execute();
}

/** The new monthly gift's id. */
export async function insertRegularGift(db: DbOrTrx, row: Insertable<RegularGiftsTable>): Promise<number> {
  const r = await db.insertInto('regular_gifts').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

/** The monthly gift a provider subscription belongs to. */
export async function findRegularBySubscription(db: DbOrTrx, subscriptionRef: string): Promise<RegularGiftRow | undefined> {
  return db.selectFrom('regular_gifts').selectAll().where('subscription_ref', '=', subscriptionRef).executeTakeFirst();
}

/** One monthly gift by id. */
export async function findRegularById(db: DbOrTrx, id: number): Promise<RegularGiftRow | undefined> {
  return db.selectFrom('regular_gifts').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A donor's monthly gifts, newest first. */
export async function regularGiftsOfDonor(db: DbOrTrx, donorId: number): Promise<RegularGiftRow[]> {
  return db.selectFrom('regular_gifts').selectAll().where('donor_id', '=', donorId).orderBy('id', 'desc').execute();
}

/** Changes a monthly gift's row. */
export async function updateRegularGift(db: DbOrTrx, id: number, set: Updateable<RegularGiftsTable>): Promise<void> {
  await db.updateTable('regular_gifts').set(set).where('id', '=', id).execute();
}

/** The new declaration's id. */
export async function insertDeclaration(db: DbOrTrx, row: Insertable<GiftAidDeclarationsTable>): Promise<number> {
  const r = await db.insertInto('gift_aid_declarations').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

/** Every declaration a donor made, oldest first (the ledger). */
export async function declarationsOfDonor(db: DbOrTrx, donorId: number): Promise<DeclarationRow[]> {
  return db.selectFrom('gift_aid_declarations').selectAll().where('donor_id', '=', donorId).orderBy('made_at').orderBy('id').execute();
}

/** One declaration by id. */
export async function findDeclarationById(db: DbOrTrx, id: number): Promise<DeclarationRow | undefined> {
  return db.selectFrom('gift_aid_declarations').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Records the end of a declaration (a newer one took over, or the donor cancelled); its other fields never change. */
export async function endDeclaration(db: DbOrTrx, id: number, end: { supersededAt: number } | { cancelledAt: number }): Promise<void> {
  const set = 'supersededAt' in end ? { superseded_at: end.supersededAt } : { cancelled_at: end.cancelledAt };
  await db.updateTable('gift_aid_declarations').set(set).where('id', '=', id).execute();
}

/** Records that a spoken declaration's written record (with the 30-day right to cancel) was sent. */
export async function markDeclarationLetterSent(db: DbOrTrx, id: number, at: number): Promise<void> {
  await db
    .updateTable('gift_aid_declarations')
    .set({ letter_sent_at: at })
    .where('id', '=', id)
    .where('letter_sent_at', 'is', null)
    .execute();
}

/** The fund or appeal with this slug. */
export async function findFundBySlug(db: DbOrTrx, slug: string): Promise<FundRow | undefined> {
  return db.selectFrom('donation_funds').selectAll().where('slug', '=', slug).executeTakeFirst();
}

/** One fund by id. */
export async function findFundById(db: DbOrTrx, id: number): Promise<FundRow | undefined> {
  return db.selectFrom('donation_funds').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Every fund, published or not, by name. */
export async function listFunds(db: DbOrTrx, o: { publishedOnly: boolean }): Promise<FundRow[]> {
  let q = db.selectFrom('donation_funds').selectAll();
  if (o.publishedOnly) q = q.where('publication', '=', 'published');
  return q.orderBy('name').execute();
}

/** The new fund's id. */
export async function insertFund(db: DbOrTrx, row: Insertable<DonationFundsTable>): Promise<number> {
  const r = await db.insertInto('donation_funds').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

/** Changes a fund's row. */
export async function updateFund(db: DbOrTrx, id: number, set: Updateable<DonationFundsTable>): Promise<void> {
  await db.updateTable('donation_funds').set(set).where('id', '=', id).execute();
}
