import { z } from 'zod';
import type { Core } from '../core/context.js';
import { PermanentJobError, type JobHandler } from '../core/jobs/worker.js';
import { getSiteSettings } from '../core/settings.js';
import { receiptEmail } from './emails.js';
import { giftAidOn } from './gift-aid.js';
import { findDonationById, findDonorById, findFundById, findRegularById } from './queries.js';
import { donorPageLinkOf, rowToDonor } from './records.js';

// The receipt job: queued by payment-events.ts in the transaction that records a gift as received. The email is
// queued under a key of its gift, so a job run twice (a retry after a crash) sends one receipt.

const ReceiptPayload = z.object({ donationId: z.coerce.number().int().positive() });

/**
 * Queues the receipt for a received gift to the donor's address: 'sent', or 'skipped' when there is nothing to send
 * (no longer received, or a donor without an address, or one who asked to be forgotten). A gift that no longer exists
 * is a permanent failure; anything else (the database away) is temporary and retried.
 */
export async function sendDonationReceipt(core: Core, donationId: number): Promise<'sent' | 'skipped'> {
  const gift = await findDonationById(core.db, donationId);
  if (!gift) throw new PermanentJobError('sendDonationReceipt: the gift no longer exists');
  if (gift.status !== 'paid' || gift.donor_id === null) return 'skipped';
  const donorRow = await findDonorById(core.db, Number(gift.donor_id));
  if (!donorRow?.email_enc || donorRow.erasure_requested_at !== null) return 'skipped';
  const [site, fund, regular] = await Promise.all([
    getSiteSettings(core.db),
    gift.fund_id === null ? undefined : findFundById(core.db, Number(gift.fund_id)),
    gift.regular_id === null ? undefined : findRegularById(core.db, Number(gift.regular_id)),
  ]);
  const donor = rowToDonor(core.keyring, donorRow);
  const amountPence = Number(gift.amount_pence);
  const mail = receiptEmail({
    orgName: site.orgName,
    charityNumber: site.charityNumber,
    name: donor.name,
    kind: gift.kind,
    method: gift.method,
    amountPence,
    givenAt: Number(gift.given_at),
    timeZone: site.timeZone,
    fund: fund?.name,
    giftAidPence: gift.gift_aid ? giftAidOn(amountPence) : undefined,
    dayOfMonth: regular ? Number(regular.day_of_month) : undefined,
    link: donorPageLinkOf(core, donorRow),
  });
  await core.mailer.enqueue(core.db, { ...mail, to: donor.email! }, { uniqueKey: `donation-receipt:${donationId}` });
  return 'sent';
}

/** The receipt job's handler. */
export function receiptJobs(core: Core): Record<string, JobHandler> {
  return {
    sendDonationReceipt: async (payload: unknown) => {
      const p = ReceiptPayload.safeParse(payload);
      if (!p.success) throw new PermanentJobError('sendDonationReceipt payload is malformed');
      await sendDonationReceipt(core, p.data.donationId);
    },
  };
}
