import { z } from 'zod';
import type { Core } from '../core/context.js';
import { PermanentJobError, type JobHandler, type RecurringJob } from '../core/jobs/worker.js';
import { getSiteSettings } from '../core/settings.js';
import { utcToZonedLocal } from '../core/time.js';
import { findDonorById, findRegularById, markStatementSent } from './queries.js';
import { donorPageLinkOf, rowToDonor } from './records.js';
import { annualStatementEmail, cardExpiryEmail, failedPaymentStaffEmail } from './regular-emails.js';
import {
  donorStatement,
  donorsWithGiftsBetween,
  markExpiryNoticed,
  regularGiftsWithCardsEnding,
  resendDonorLink,
  taxYearContaining,
  taxYearStarting,
  type TaxYear,
} from './regular.js';

// The worker's part of monthly gifts and statements. Each is safe to run twice or on two workers at once: a card
// notice is marked on the gift in the transaction that queues its email; a statement email and a staff email carry a
// unique key, so a second queueing of the same one is ignored; a donor's statement year is recorded with its email.

const DAY_MS = 24 * 3600_000;

const RegularPayload = z.object({ regularId: z.coerce.number().int().positive() });
const LinkPayload = z.object({ email: z.string().min(3).max(254) });

/** Tells the organisation's contact address that a monthly gift's payment failed (skipped when there is none, or it recovered). */
export async function tellStaffOfFailedPayment(core: Core, regularId: number): Promise<'sent' | 'skipped'> {
  const site = await getSiteSettings(core.db);
  if (!site.contactEmail) return 'skipped';
  const row = await findRegularById(core.db, regularId);
  if (!row) throw new PermanentJobError('tellStaffOfFailedPayment: the monthly gift no longer exists');
  // The next payment worked before this ran: nothing to tell.
  if (row.failed_at === null) return 'skipped';
  const donor = await findDonorById(core.db, Number(row.donor_id));
  const mail = failedPaymentStaffEmail({
    orgName: site.orgName,
    donorName: donor ? rowToDonor(core.keyring, donor).name : 'a donor',
    amountPence: Number(row.amount_pence),
    failedAt: Number(row.failed_at),
    timeZone: site.timeZone,
    adminLink: `${core.config.baseUrl}/admin/donations?status=failed`,
  });
  await core.mailer.enqueue(
    core.db,
    { ...mail, to: site.contactEmail },
    { uniqueKey: `gift-failed:${regularId}:${String(row.failed_at)}` },
  );
  return 'sent';
}

/** The 'YYYY-MM' of the month `ms` falls in and of the month after, in the zone. */
export function thisMonthAndNext(ms: number, timeZone: string): [string, string] {
  const [y, m] = utcToZonedLocal(ms, timeZone).slice(0, 7).split('-').map(Number) as [number, number];
  const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  return [`${y}-${String(m).padStart(2, '0')}`, next];
}

/** Emails each donor whose monthly gift's card ends this month or next, once per card; returns how many were told. */
export async function noticeExpiringCards(core: Core, o: { now: number }): Promise<number> {
  const site = await getSiteSettings(core.db);
  let told = 0;
  for (const gift of await regularGiftsWithCardsEnding(core.db, thisMonthAndNext(o.now, site.timeZone))) {
    const ends = gift.card_expires!;
    const sent = await core.db.transaction().execute(async (trx) => {
      const donorRow = await findDonorById(trx, Number(gift.donor_id));
      // Marked even when there is no address to write to, so the gift is not looked at again every day.
      if (!(await markExpiryNoticed(trx, Number(gift.id), ends, o.now))) return false;
      if (!donorRow?.email_enc) return false;
      const donor = rowToDonor(core.keyring, donorRow);
      const mail = cardExpiryEmail({
        orgName: site.orgName,
        name: donor.name,
        amountPence: Number(gift.amount_pence),
        dayOfMonth: Number(gift.day_of_month),
        cardExpires: ends,
        link: donorPageLinkOf(core, donorRow),
        donateLink: `${core.config.baseUrl}/donate`,
      });
      await core.mailer.enqueue(trx, { ...mail, to: donor.email! });
      return true;
    });
    if (sent) told++;
  }
  return told;
}

/**
 * The tax year whose statements are due: the one that ended last 5 April. A statement goes once per donor per year
 * (donors.statement_year), so a server that was down in April still sends them when it is back.
 */
export function statementYearDue(now: number, timeZone: string): TaxYear {
  const current = taxYearContaining(now, timeZone);
  return taxYearStarting(current.startYear - 1, timeZone);
}

const STATEMENT_PAGE = 200;

/**
 * In the days after 5 April, emails each donor with gifts received in the tax year just ended one statement of
 * them; returns how many donors have one (queued by this run or an earlier one). Each donor's email is queued on its
 * own (so a restart resumes), keyed by donor and year (so no donor gets a second).
 */
export async function sendAnnualStatements(core: Core, o: { now: number }): Promise<number> {
  const site = await getSiteSettings(core.db);
  const year = statementYearDue(o.now, site.timeZone);
  if (!year) return 0;
  let queued = 0;
  let afterId = 0;
  for (;;) {
    const ids = await donorsWithGiftsBetween(core.db, { from: year.from, to: year.to, afterId, limit: STATEMENT_PAGE });
    for (const donorId of ids) if (await sendStatementTo(core, { donorId, year, now: o.now })) queued++;
    if (ids.length < STATEMENT_PAGE) return queued;
    afterId = ids[ids.length - 1]!;
  }
}

/** Queues one donor's statement of a tax year (ignored when it went before), unless they have no address or nothing was received. */
async function sendStatementTo(core: Core, o: { donorId: number; year: TaxYear; now: number }): Promise<boolean> {
  const row = await findDonorById(core.db, o.donorId);
  if (!row?.email_enc) return false;
  const statement = await donorStatement(core, o.donorId, o.year);
  if (statement.gifts.length === 0) return false;
  const site = await getSiteSettings(core.db);
  const donor = rowToDonor(core.keyring, row);
  const mail = annualStatementEmail({
    orgName: site.orgName,
    charityNumber: site.charityNumber,
    name: donor.name,
    statement,
    timeZone: site.timeZone,
    link: donorPageLinkOf(core, row),
  });
  // The record and the email commit together: a donor is marked for a year only when their statement is queued.
  return core.db.transaction().execute(async (trx) => {
    if (!(await markStatementSent(trx, o.donorId, o.year.startYear))) return false;
    await core.mailer.enqueue(trx, { ...mail, to: donor.email! }, { uniqueKey: `donation-statement:${o.donorId}:${o.year.startYear}` });
    return true;
  });
}

/** Donations' monthly-gift and statement job handlers. */
export function regularJobs(core: Core): Record<string, JobHandler> {
  return {
    // Queued by payment-events.ts when a monthly gift's payment fails.
    tellStaffOfFailedPayment: async (payload: unknown) => {
      const p = RegularPayload.safeParse(payload);
      if (!p.success) throw new PermanentJobError('tellStaffOfFailedPayment payload is malformed');
      await tellStaffOfFailedPayment(core, p.data.regularId);
    },
    // Queued by the form on the page for a link that leads nowhere (regular.ts requestDonorLink).
    emailDonorTheirLink: async (payload: unknown) => {
      const p = LinkPayload.safeParse(payload);
      if (!p.success) throw new PermanentJobError('emailDonorTheirLink payload is malformed');
      await resendDonorLink(core, { email: p.data.email, now: Date.now() });
    },
    noticeExpiringCards: async () => {
      await noticeExpiringCards(core, { now: Date.now() });
    },
    sendAnnualStatements: async () => {
      await sendAnnualStatements(core, { now: Date.now() });
    },
  };
}

/** Donations' recurring monthly-gift and statement jobs (daily). */
export const regularRecurring: RecurringJob[] = [
  { name: 'noticeExpiringCards', everyMs: DAY_MS },
  { name: 'sendAnnualStatements', everyMs: DAY_MS },
];
