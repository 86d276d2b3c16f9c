import type { Insertable, Selectable, Updateable } from 'kysely';
import type { DbOrTrx } from '../core/db/index.js';
import type { ClaimStatus, DonationStatus } from './model.js';
import type { DeclarationRow } from './queries.js';
import type { GiftAidClaimsTable, GiftAidDeclarationsTable, SmallDonationCollectionsTable } from './tables.js';

// The queries of Gift Aid claims: claims, the gifts a claim takes (read in batches by keyset, never all at once),
// the declarations of a batch's donors, small cash collections (GASDS), and the staff-side ledger lookups.
// Kysely only, no rules (claims.ts and declarations.ts hold those).

export type ClaimRow = Selectable<GiftAidClaimsTable>;
export type CollectionRow = Selectable<SmallDonationCollectionsTable>;

/** What the Gift Aid rules need of a gift, and nothing personal. */
export interface ClaimGiftRow {
  id: number;
  donorId: number | null;
  givenAt: number;
  amountPence: number;
  refundedPence: number;
  status: DonationStatus;
  fromCompany: boolean;
  benefitPence: number;
  giftAid: boolean;
  claimId: number | null;
}

/** Where a keyset read of gifts by date stopped: the last gift's date and id. */
export interface GiftCursor {
  givenAt: number;
  id: number;
}

const GIFT_COLUMNS = [
  'id',
  'donor_id',
  'given_at',
  'amount_pence',
  'refunded_pence',
  'status',
  'from_company',
  'benefit_pence',
  'gift_aid',
  'claim_id',
] as const;

type GiftSelection = {
  id: number;
  donor_id: number | null;
  given_at: number;
  amount_pence: number;
  refunded_pence: number;
  status: DonationStatus;
  from_company: number;
  benefit_pence: number;
  gift_aid: number;
  claim_id: number | null;
};

const toGift = (r: GiftSelection): ClaimGiftRow => ({
  id: Number(r.id),
  donorId: r.donor_id === null ? null : Number(r.donor_id),
  givenAt: Number(r.given_at),
  amountPence: Number(r.amount_pence),
  refundedPence: Number(r.refunded_pence),
  status: r.status,
  fromCompany: Number(r.from_company) === 1,
  benefitPence: Number(r.benefit_pence),
  giftAid: Number(r.gift_aid) === 1,
  claimId: r.claim_id === null ? null : Number(r.claim_id),
});

/**
 * The next batch of gifts given in [from, to) that asked for Gift Aid, claimed or not, by date then id, after the
 * cursor. Read by keyset on the date index, so each batch costs its own size. (Asking here for the unclaimed ones
 * only leads SQLite to the claim index instead, and a sort of every unclaimed gift for each batch.)
 */
export async function giftAidGiftsInPeriod(
  db: DbOrTrx,
  o: { from: number; to: number; after: GiftCursor | null; limit: number },
): Promise<ClaimGiftRow[]> {
  let q = db
    .selectFrom('donations')
    .select(GIFT_COLUMNS)
    .where('gift_aid', '=', 1)
    .where('given_at', '>=', o.from)
    .where('given_at', '<', o.to);
  const after = o.after;
  // A row-value comparison, which both SQLite and PostgreSQL read as a range of the date index.
  if (after)
    q = q
      .where('given_at', '>=', after.givenAt)
      .where(({ eb, refTuple, tuple }) => eb(refTuple('given_at', 'id'), '>', tuple(after.givenAt, after.id)));
  const rows = await q.orderBy('given_at').orderBy('id').limit(o.limit).execute();
  return rows.map(toGift);
}

/** How many gifts given in [from, to) did not ask for Gift Aid (they are never claimed, only counted). */
export async function countGiftsWithoutGiftAid(db: DbOrTrx, o: { from: number; to: number }): Promise<number> {
  const r = await db
    .selectFrom('donations')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('gift_aid', '=', 0)
    .where('given_at', '>=', o.from)
    .where('given_at', '<', o.to)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The next batch of a claim's gifts, by id, after `afterId`. */
export async function giftsOfClaim(db: DbOrTrx, claimId: number, o: { afterId: number; limit: number }): Promise<ClaimGiftRow[]> {
  const rows = await db
    .selectFrom('donations')
    .select(GIFT_COLUMNS)
    .where('claim_id', '=', claimId)
    .where('id', '>', o.afterId)
    .orderBy('id')
    .limit(o.limit)
    .execute();
  return rows.map(toGift);
}

/**
 * Puts in the claim every unclaimed gift asking for Gift Aid given in [from, to) from just after the cursor up to
 * and including `through` (a batch just read, by date then id), each only if no claim has it yet, so two claims
 * made at once can never take the same gift; returns the ids it took. One statement, without a list of ids.
 */
export async function takeGiftsForClaim(
  db: DbOrTrx,
  claimId: number,
  o: { from: number; after: GiftCursor | null; through: GiftCursor; now: number },
): Promise<number[]> {
  // The batch is found by a subquery on the date index (with `claim_id is null` beside it, SQLite would walk the
  // claim index through every unclaimed gift for each batch), bounded by the batch's own first and last dates so
  // the planner walks only the batch's range: the period's end is implied, `through` lies inside it.
  const after = o.after;
  let batch = db
    .selectFrom('donations')
    .select('id')
    .where('gift_aid', '=', 1)
    .where('given_at', '>=', after ? after.givenAt : o.from)
    .where('given_at', '<=', o.through.givenAt)
    .where(({ eb, refTuple, tuple }) => eb(refTuple('given_at', 'id'), '<=', tuple(o.through.givenAt, o.through.id)));
  if (after) batch = batch.where(({ eb, refTuple, tuple }) => eb(refTuple('given_at', 'id'), '>', tuple(after.givenAt, after.id)));
  const rows = await db
    .updateTable('donations')
    .set({ claim_id: claimId, updated_at: o.now })
    .where('claim_id', 'is', null)
    .where('id', 'in', batch)
    .returning('id')
    .execute();
  return rows.map((r) => Number(r.id));
}

/** Takes these gifts out of a claim (they can be claimed again). */
export async function releaseGiftsOfClaim(db: DbOrTrx, claimId: number, ids: readonly number[] | 'all', now: number): Promise<number> {
  if (ids !== 'all' && ids.length === 0) return 0;
  let q = db.updateTable('donations').set({ claim_id: null, updated_at: now }).where('claim_id', '=', claimId);
  if (ids !== 'all') q = q.where('id', 'in', ids);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** The earliest gift date in a claim (HMRC's "earliest donation date"), or undefined when it has none. */
export async function earliestGiftOfClaim(db: DbOrTrx, claimId: number): Promise<number | undefined> {
  const r = await db
    .selectFrom('donations')
    .select((eb) => eb.fn.min('given_at').as('first'))
    .where('claim_id', '=', claimId)
    .executeTakeFirst();
  return r?.first === null || r?.first === undefined ? undefined : Number(r.first);
}

/** How many gifts a claim holds. */
export async function countGiftsOfClaim(db: DbOrTrx, claimId: number): Promise<number> {
  const r = await db
    .selectFrom('donations')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('claim_id', '=', claimId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Every declaration of these donors, in no particular order (the rules pick the one that covers a gift). */
export async function declarationsOfDonors(db: DbOrTrx, donorIds: readonly number[]): Promise<DeclarationRow[]> {
  if (donorIds.length === 0) return [];
  return db.selectFrom('gift_aid_declarations').selectAll().where('donor_id', 'in', donorIds).execute();
}

/** The record that corrected this declaration (one replacing it with the same start), if any. */
export async function findCorrectionOf(db: DbOrTrx, old: { id: number; madeAt: number }): Promise<DeclarationRow | undefined> {
  return db
    .selectFrom('gift_aid_declarations')
    .selectAll()
    .where('replaces_id', '=', old.id)
    .where('made_at', '=', old.madeAt)
    .executeTakeFirst();
}

/** Adds a record to the declaration ledger with every column given (a correction carries its predecessor's span). */
export async function insertDeclarationRecord(db: DbOrTrx, row: Insertable<GiftAidDeclarationsTable>): Promise<number> {
  const r = await db.insertInto('gift_aid_declarations').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

/** Ends a declaration from `at` unless it already ended (returns whether it did now): a cancellation. */
export async function cancelDeclarationIfLive(db: DbOrTrx, id: number, at: number): Promise<boolean> {
  const r = await db
    .updateTable('gift_aid_declarations')
    .set({ cancelled_at: at })
    .where('id', '=', id)
    .where('cancelled_at', 'is', null)
    .where('superseded_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Marks a declaration replaced from `at` (a correction sets its start: it then covers nothing). */
export async function supersedeDeclaration(db: DbOrTrx, id: number, at: number): Promise<void> {
  await db.updateTable('gift_aid_declarations').set({ superseded_at: at }).where('id', '=', id).execute();
}

// ---- claims -------------------------------------------------------------------------------------------------------------

/** The new claim's id. */
export async function insertClaim(db: DbOrTrx, row: Insertable<GiftAidClaimsTable>): Promise<number> {
  const r = await db.insertInto('gift_aid_claims').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

/** One claim by id. */
export async function findClaimById(db: DbOrTrx, id: number): Promise<ClaimRow | undefined> {
  return db.selectFrom('gift_aid_claims').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Every claim, newest period first. */
export async function listClaims(db: DbOrTrx): Promise<ClaimRow[]> {
  return db.selectFrom('gift_aid_claims').selectAll().orderBy('period_from', 'desc').orderBy('id', 'desc').execute();
}

/** Changes a claim if it is still in the state given (returns whether it did): two clicks change it once. */
export async function updateClaimIfStatus(
  db: DbOrTrx,
  id: number,
  status: ClaimStatus,
  set: Updateable<GiftAidClaimsTable>,
): Promise<boolean> {
  const r = await db.updateTable('gift_aid_claims').set(set).where('id', '=', id).where('status', '=', status).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Deletes a claim that is still a draft (returns whether it did). Its gifts and collections must be released first. */
export async function deleteDraftClaim(db: DbOrTrx, id: number): Promise<boolean> {
  const r = await db.deleteFrom('gift_aid_claims').where('id', '=', id).where('status', '=', 'draft').executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

// ---- small donations (GASDS) ------------------------------------------------------------------------------------------------

/** The new collection's id. */
export async function insertCollection(db: DbOrTrx, row: Insertable<SmallDonationCollectionsTable>): Promise<number> {
  const r = await db.insertInto('small_donation_collections').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

/** Collections, newest first (at most `limit`). */
export async function listCollections(db: DbOrTrx, o: { limit: number }): Promise<CollectionRow[]> {
  return db
    .selectFrom('small_donation_collections')
    .selectAll()
    .orderBy('collected_on', 'desc')
    .orderBy('id', 'desc')
    .limit(o.limit)
    .execute();
}

/** Puts the unclaimed collections of [from, to) in the claim; returns how much they hold, in pence. */
export async function takeCollectionsForClaim(db: DbOrTrx, claimId: number, o: { from: number; to: number }): Promise<number> {
  await db
    .updateTable('small_donation_collections')
    .set({ claim_id: claimId })
    .where('claim_id', 'is', null)
    .where('collected_on', '>=', o.from)
    .where('collected_on', '<', o.to)
    .execute();
  const r = await db
    .selectFrom('small_donation_collections')
    .select((eb) => eb.fn.sum<number | string | null>('amount_pence').as('total'))
    .where('claim_id', '=', claimId)
    .executeTakeFirst();
  return Number(r?.total ?? 0);
}

/** A claim's collections, oldest first. */
export async function collectionsOfClaim(db: DbOrTrx, claimId: number): Promise<CollectionRow[]> {
  return db.selectFrom('small_donation_collections').selectAll().where('claim_id', '=', claimId).orderBy('collected_on').execute();
}

/** Collections in claims other than this one collected in [from, to): what counts against a tax year's allowance. */
export async function claimedCollectionsBetween(
  db: DbOrTrx,
  o: { from: number; to: number; exceptClaim: number },
): Promise<CollectionRow[]> {
  return db
    .selectFrom('small_donation_collections')
    .selectAll()
    .where('claim_id', 'is not', null)
    .where('claim_id', '!=', o.exceptClaim)
    .where('collected_on', '>=', o.from)
    .where('collected_on', '<', o.to)
    .execute();
}

/** Takes a claim's collections out of it (a deleted draft). */
export async function releaseCollectionsOfClaim(db: DbOrTrx, claimId: number): Promise<void> {
  await db.updateTable('small_donation_collections').set({ claim_id: null }).where('claim_id', '=', claimId).execute();
}

// ---- a donor's page ---------------------------------------------------------------------------------------------------------

/** A donor's gifts, newest first, with the claim each is in. */
export async function giftsOfDonorForStaff(db: DbOrTrx, donorId: number, o: { limit: number }) {
  const rows = await db
    .selectFrom('donations')
    .select(['id', 'kind', 'channel', 'status', 'amount_pence', 'refunded_pence', 'given_at', 'gift_aid', 'claim_id', 'from_company'])
    .where('donor_id', '=', donorId)
    .orderBy('given_at', 'desc')
    .orderBy('id', 'desc')
    .limit(o.limit)
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    kind: r.kind,
    channel: r.channel,
    status: r.status,
    amountPence: Number(r.amount_pence),
    refundedPence: Number(r.refunded_pence),
    givenAt: Number(r.given_at),
    giftAid: Number(r.gift_aid) === 1,
    claimId: r.claim_id === null ? null : Number(r.claim_id),
    fromCompany: Number(r.from_company) === 1,
  }));
}
