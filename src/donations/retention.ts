import type { Core, DataExportStep, ErasureStep, ErasureSubject } from '../core/context.js';
import { hashToken, newToken } from '../core/crypto.js';
import type { Db, DbOrTrx } from '../core/db/index.js';
import type { JobHandler } from '../core/jobs/worker.js';
import { CHANNEL_WORDS, DONATION_STATUS_WORDS, REGULAR_STATUS_WORDS } from './model.js';
import { paymentProvider } from './provider.js';
import { donationsOfDonor, findRegularById, regularGiftsOfDonor } from './queries.js';
import { donorDeclarations } from './records.js';
import {
  deleteOpenCheckoutsOf,
  donorsAwaitingErasure,
  findDonorOfPerson,
  forgetDonor,
  lastClaimOfDonor,
  liveRegularGiftsOf,
  wipeDonorContact,
} from './retention-queries.js';

// What happens to a donor's records when they ask to be forgotten. HMRC may audit a Gift Aid claim for six years,
// so the gifts and declarations a claim relies on are the one thing erasure does not remove at once: the email, the
// messages and the donor's own link go at once, any monthly gift is cancelled, and the name and declarations are
// erased by a daily job six years after the last claim that used them (at once when no claim did). The donor's page
// and the erasure confirmation say so.

const SIX_YEARS_MS = 6 * 365.25 * 24 * 3600 * 1000;
export const ERASED_NAME = 'Erased donor';

/** Donations' part of erasing a supporter (in the erasure's transaction). */
export function eraseDonorRecords(core: Core): ErasureStep {
  return async (trx, subject) => eraseDonorOf(core, trx, subject, Date.now());
}

/** Erases what can go at once, and marks the rest to go when HMRC's six years have passed. */
export async function eraseDonorOf(core: Core, trx: DbOrTrx, subject: ErasureSubject, now: number): Promise<void> {
  if (subject.emailIndex) await deleteOpenCheckoutsOf(trx, subject.emailIndex);
  const donor = await findDonorOfPerson(trx, subject);
  if (!donor) return;
  const id = Number(donor.id);
  const token = newToken();
  await wipeDonorContact(trx, id, { manageHash: hashToken(token), manageEnc: core.keyring.encrypt(token), now });
  for (const g of await liveRegularGiftsOf(trx, id))
    if (g.subscription_ref)
      await core.queue.enqueue(trx, 'cancelMonthlyGiftOfErasedDonor', { regularId: Number(g.id) }, { maxAttempts: 20 });
  if ((await lastClaimOfDonor(trx, id)) === null) await forgetDonor(trx, id, { nameEnc: core.keyring.encrypt(ERASED_NAME), now });
}

/** Erases the names and declarations whose six years after their last claim have passed; the number erased. */
export async function forgetDonorsPastRetention(core: Core, now = Date.now()): Promise<number> {
  let done = 0;
  for (const d of await donorsAwaitingErasure(core.db)) {
    const last = await lastClaimOfDonor(core.db, Number(d.id));
    if (last !== null && last + SIX_YEARS_MS > now) continue;
    await forgetDonor(core.db, Number(d.id), { nameEnc: core.keyring.encrypt(ERASED_NAME), now });
    done++;
  }
  return done;
}

/** The jobs of retention: cancelling an erased donor's monthly gift at the provider, and the daily erasure. */
export function retentionJobs(core: Core): Record<string, JobHandler> {
  return {
    cancelMonthlyGiftOfErasedDonor: async (payload) => {
      const { regularId } = payload as { regularId: number };
      const gift = await findRegularById(core.db, regularId);
      if (!gift?.subscription_ref || gift.status === 'cancelled') return;
      await paymentProvider(core).changeRegular(gift.subscription_ref, { kind: 'cancel' });
    },
    forgetDonorsPastRetention: async () => {
      await forgetDonorsPastRetention(core);
    },
  };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());
const pounds = (pence: number) => (Number(pence) / 100).toFixed(2);

/** Donations' part of a supporter's copy of their data: gifts, monthly gifts and Gift Aid declarations. */
export function exportDonorRecords(core: Core): DataExportStep {
  return async (db, subject) => exportDonorOf(core, db, subject);
}

async function exportDonorOf(core: Core, db: Db, subject: ErasureSubject): Promise<Record<string, unknown>> {
  const donor = await findDonorOfPerson(db, subject);
  if (!donor) return {};
  const id = Number(donor.id);
  return {
    donations: (await donationsOfDonor(db, id)).map((d) => ({
      date: iso(d.given_at),
      amountGbp: pounds(d.amount_pence),
      refundedGbp: pounds(d.refunded_pence),
      kind: d.kind === 'monthly' ? 'Monthly' : 'One-off',
      how: CHANNEL_WORDS[d.channel],
      status: DONATION_STATUS_WORDS[d.status],
      giftAidAsked: d.gift_aid === 1,
      message: d.message_enc ? core.keyring.decrypt(d.message_enc) : null,
    })),
    monthlyGifts: (await regularGiftsOfDonor(db, id)).map((g) => ({
      amountGbp: pounds(g.amount_pence),
      dayOfMonth: g.day_of_month,
      status: REGULAR_STATUS_WORDS[g.status],
      started: iso(g.started_at),
      cancelled: iso(g.cancelled_at),
    })),
    giftAidDeclarations: (await donorDeclarations(db, core.keyring, id)).map((x) => ({
      wording: x.wordingVersion,
      name: [x.title, x.firstName, x.lastName].filter(Boolean).join(' '),
      house: x.house,
      address: x.address,
      postcode: x.postcode,
      made: iso(x.madeAt),
      coversFrom: iso(x.coversFrom),
      how: x.channel,
      cancelled: iso(x.cancelledAt),
      replacedByANewerOne: iso(x.supersededAt),
    })),
  };
}
