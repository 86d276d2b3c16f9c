import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import type { Core } from '../core/context.js';
import { PermanentJobError } from '../core/jobs/worker.js';
import { saveSiteSettings } from '../core/settings.js';
import type { DonationStatus, RegularStatus } from './model.js';
import { findDonorById, findRegularById, insertDonation, insertRegularGift, updateDonor } from './queries.js';
import { donorPageLinkOf, findOrCreateDonor } from './records.js';
import {
  noticeExpiringCards,
  regularJobs,
  regularRecurring,
  sendAnnualStatements,
  statementYearDue,
  thisMonthAndNext,
} from './regular-jobs.js';

// The worker's part of monthly gifts: staff told of a failed payment (once per failure, only when there is a contact
// address, never with the donor's email), donors told once per card that it is about to end, and each donor with
// gifts in the tax year just ended sent one statement of them, on or after 6 April in the organisation's zone.
// Each job is called with the `now` it would run at; emails are read from the queue (the worker is off).

const DAY = 24 * 3600_000;

describeEachDialect('donations: failed payments, card notices and annual statements', (ctx) => {
  let t: TestLantern;
  beforeAll(async () => {
    t = await startTestLantern(ctx);
  });
  afterAll(() => t?.close());

  const core = (): Core => t.lantern.core;
  let n = 0;
  const freshEmail = (name: string) => `${name}.${ctx.dialect}.${++n}@example.org`;

  /** Every email queued so far, decoded. */
  async function queuedMail(): Promise<Array<{ to: string; subject: string; text: string; html: string }>> {
    const rows = await core().db.selectFrom('jobs').select('payload').where('name', '=', 'sendEmail').orderBy('id').execute();
    // The plain text is wrapped at 78 characters; its lines are joined again here.
    return rows.map((r) => {
      const m = core().queue.decodePayload(r.payload) as { to: string; subject: string; text: string; html: string };
      return { ...m, text: m.text.replace(/\s+/g, ' ') };
    });
  }
  const mailTo = async (to: string) => (await queuedMail()).filter((m) => m.to === to);

  async function donor(o: { name?: string; email?: string | null } = {}) {
    const email = o.email === undefined ? freshEmail('donor') : o.email;
    const { id } = await findOrCreateDonor(core().db, core().keyring, { email, name: o.name ?? 'Sam Weaver', now: Date.now() });
    return { id, email };
  }
  async function monthly(
    donorId: number,
    o: { status?: RegularStatus; cardExpires?: string | null; noticeFor?: string | null; failedAt?: number | null } = {},
  ) {
    const now = Date.now();
    return insertRegularGift(core().db, {
      donor_id: donorId,
      fund_id: null,
      amount_pence: 1000,
      day_of_month: 5,
      status: o.status ?? 'active',
      method: 'card',
      gift_aid: 0,
      subscription_ref: null,
      card_expires: o.cardExpires ?? null,
      expiry_notice_for: o.noticeFor ?? null,
      failed_at: o.failedAt ?? null,
      started_at: now,
      cancelled_at: null,
      created_at: now,
      updated_at: now,
    });
  }
  async function gift(
    donorId: number | null,
    o: { givenAt: number; amountPence?: number; status?: DonationStatus; refundedPence?: number; giftAid?: boolean },
  ) {
    return insertDonation(core().db, {
      donor_id: donorId,
      fund_id: null,
      regular_id: null,
      kind: 'one_off',
      channel: 'online',
      method: 'card',
      status: o.status ?? 'paid',
      amount_pence: o.amountPence ?? 2500,
      refunded_pence: o.refundedPence ?? 0,
      given_at: o.givenAt,
      gift_aid: o.giftAid ? 1 : 0,
      from_company: 0,
      benefit_pence: 0,
      message_enc: null,
      checkout_ref: null,
      payment_ref: null,
      invoice_ref: null,
      reference: '',
      claim_id: null,
      recorded_by: null,
      created_at: o.givenAt,
      updated_at: o.givenAt,
    });
  }

  test('the recurring jobs are daily and every handler is there', () => {
    expect(regularRecurring.map((r) => [r.name, r.everyMs])).toEqual([
      ['noticeExpiringCards', DAY],
      ['sendAnnualStatements', DAY],
    ]);
    expect(Object.keys(regularJobs(core())).sort()).toEqual([
      'emailDonorTheirLink',
      'noticeExpiringCards',
      'sendAnnualStatements',
      'tellStaffOfFailedPayment',
    ]);
  });

  test('a failed payment: staff are told once, by name only, with a link to the failed gifts; nothing without a contact address', async () => {
    const jobs = regularJobs(core());
    const d = await donor({ name: 'Ruth Okafor' });
    const failedAt = Date.UTC(2026, 10, 5, 9);
    const regularId = await monthly(d.id, { status: 'past_due', failedAt });

    await saveSiteSettings(core().db, { contactEmail: '' });
    await jobs.tellStaffOfFailedPayment!({ regularId }, { jobId: 1, attempt: 1, maxAttempts: 3 });
    expect((await queuedMail()).filter((m) => /could not be taken/.test(m.subject))).toEqual([]);

    await saveSiteSettings(core().db, { contactEmail: 'office@freedomthread.example.org' });
    await jobs.tellStaffOfFailedPayment!({ regularId }, { jobId: 1, attempt: 1, maxAttempts: 3 });
    await jobs.tellStaffOfFailedPayment!({ regularId: String(regularId) }, { jobId: 2, attempt: 1, maxAttempts: 3 });
    const mails = (await mailTo('office@freedomthread.example.org')).filter((m) => m.subject.includes('Ruth Okafor'));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe('A monthly gift could not be taken: Ruth Okafor');
    expect(mails[0]!.text).toContain('£10');
    expect(mails[0]!.text).toContain('5 November 2026');
    expect(mails[0]!.text).toContain('Stripe will try again');
    expect(mails[0]!.html).toContain(`${core().config.baseUrl}/admin/donations?status=failed`);
    expect(mails[0]!.text).not.toContain(d.email!);
    expect(mails[0]!.text).not.toContain('/donate/manage/');

    // A second failure of the same gift is news again.
    await core()
      .db.updateTable('regular_gifts')
      .set({ failed_at: failedAt + 3 * DAY })
      .where('id', '=', regularId)
      .execute();
    await jobs.tellStaffOfFailedPayment!({ regularId }, { jobId: 3, attempt: 1, maxAttempts: 3 });
    expect((await mailTo('office@freedomthread.example.org')).filter((m) => m.subject.includes('Ruth Okafor'))).toHaveLength(2);

    // Recovered before the job ran: nothing to tell.
    const recovered = await monthly(d.id, { status: 'active', failedAt: null });
    await jobs.tellStaffOfFailedPayment!({ regularId: recovered }, { jobId: 4, attempt: 1, maxAttempts: 3 });
    expect((await mailTo('office@freedomthread.example.org')).filter((m) => m.subject.includes('Ruth Okafor'))).toHaveLength(2);

    await expect(jobs.tellStaffOfFailedPayment!({ regularId: 987_654 }, { jobId: 5, attempt: 1, maxAttempts: 3 })).rejects.toThrow(
      PermanentJobError,
    );
    await expect(jobs.tellStaffOfFailedPayment!({ nothing: true }, { jobId: 6, attempt: 1, maxAttempts: 3 })).rejects.toThrow(
      PermanentJobError,
    );
  });

  test('a card about to end: the donor is told once per card, this month or next, and only for an active gift', async () => {
    const now = Date.UTC(2027, 2, 10, 12); // 10 March 2027
    expect(thisMonthAndNext(now, 'Europe/London')).toEqual(['2027-03', '2027-04']);
    expect(thisMonthAndNext(Date.UTC(2027, 11, 31, 23, 30), 'Europe/London')).toEqual(['2027-12', '2028-01']);
    const a = await donor({ name: 'Amal Haddad' });
    const b = await donor({ name: 'Bea Jones' });
    const c = await donor({ name: 'Cy Lee' });
    const gA = await monthly(a.id, { cardExpires: '2027-03' });
    const gB = await monthly(b.id, { cardExpires: '2027-04' });
    const gLater = await monthly(c.id, { cardExpires: '2027-06' });
    const gPaused = await monthly(c.id, { status: 'paused', cardExpires: '2027-03' });
    const gTold = await monthly(c.id, { cardExpires: '2027-03', noticeFor: '2027-03' });
    const noEmail = await donor({ name: 'Dee Offline', email: null });
    const gNoEmail = await monthly(noEmail.id, { cardExpires: '2027-03' });

    await noticeExpiringCards(core(), { now });
    await noticeExpiringCards(core(), { now: now + DAY });
    const toA = (await mailTo(a.email!)).filter((m) => /card/.test(m.subject));
    const toB = (await mailTo(b.email!)).filter((m) => /card/.test(m.subject));
    expect(toA).toHaveLength(1);
    expect(toB).toHaveLength(1);
    expect((await mailTo(c.email!)).filter((m) => /card/.test(m.subject))).toHaveLength(0);
    expect(toA[0]!.subject).toContain('ends in March 2027');
    expect(toA[0]!.text).toContain('Dear Amal Haddad');
    expect(toA[0]!.text).toContain('£10');
    expect(toA[0]!.text).toContain('5th of each month');
    expect(toA[0]!.text).toContain('reply to this email');
    expect(toA[0]!.html).toContain(donorPageLinkOf(core(), (await findDonorById(core().db, a.id))!));
    expect((await findRegularById(core().db, gA))!.expiry_notice_for).toBe('2027-03');
    expect((await findRegularById(core().db, gB))!.expiry_notice_for).toBe('2027-04');
    expect((await findRegularById(core().db, gLater))!.expiry_notice_for).toBeNull();
    expect((await findRegularById(core().db, gPaused))!.expiry_notice_for).toBeNull();
    expect((await findRegularById(core().db, gTold))!.expiry_notice_for).toBe('2027-03');
    // No address to write to: marked anyway, so it is not looked at every day.
    expect((await findRegularById(core().db, gNoEmail))!.expiry_notice_for).toBe('2027-03');

    // A new card that ends soon is news again.
    await core().db.updateTable('regular_gifts').set({ card_expires: '2027-04' }).where('id', '=', gA).execute();
    await noticeExpiringCards(core(), { now: now + 2 * DAY });
    expect((await mailTo(a.email!)).filter((m) => /card/.test(m.subject))).toHaveLength(2);
  });

  test('annual statements: one per donor per tax year, from 6 April in the organisation’s zone, with the year’s gifts', async () => {
    await saveSiteSettings(core().db, { timeZone: 'Europe/London', charityNumber: '1234567', orgName: 'Freedom Thread' });
    // The tax year 2025–26 runs from 6 April 2025 00:00 to 5 April 2026 23:59 in London (British Summer Time, UTC+1).
    const startOf2025 = Date.UTC(2025, 3, 5, 23); // 6 April 2025 00:00 BST
    const startOf2026 = Date.UTC(2026, 3, 5, 23); // 6 April 2026 00:00 BST
    const x = await donor({ name: 'Xena Giver' });
    await gift(x.id, { givenAt: startOf2025 - 60_000, amountPence: 1111 }); // 5 April 2025, the year before
    await gift(x.id, { givenAt: startOf2025, amountPence: 2500, giftAid: true });
    await gift(x.id, { givenAt: Date.UTC(2025, 9, 1), amountPence: 5000, refundedPence: 1000 });
    await gift(x.id, { givenAt: Date.UTC(2025, 10, 1), amountPence: 7777, status: 'failed' });
    await gift(x.id, { givenAt: startOf2026 - 60_000, amountPence: 1000 }); // 5 April 2026 23:59 BST: still 2025–26
    await gift(x.id, { givenAt: startOf2026 + 60_000, amountPence: 3333 }); // 6 April 2026: the next year
    const refundedOnly = await donor({ name: 'Yan Refunded' });
    await gift(refundedOnly.id, { givenAt: Date.UTC(2025, 6, 1), status: 'refunded', refundedPence: 2500 });
    const noEmail = await donor({ name: 'Zed Cheque', email: null });
    await gift(noEmail.id, { givenAt: Date.UTC(2025, 6, 1) });
    const erased = await donor({ name: 'Wren Gone' });
    await gift(erased.id, { givenAt: Date.UTC(2025, 6, 1) });
    await updateDonor(core().db, erased.id, { email_enc: null, email_index: null });

    expect(statementYearDue(startOf2026 - 60_000, 'Europe/London').label).toBe('2024–25');
    expect(statementYearDue(startOf2026, 'Europe/London').label).toBe('2025–26');
    expect(statementYearDue(startOf2026 + 200 * DAY, 'Europe/London').label).toBe('2025–26');

    // 5 April 2026: the statement due is still 2024–25's (her £11.11 of 5 April 2025).
    await sendAnnualStatements(core(), { now: startOf2026 - 60_000 });
    expect((await mailTo(x.email!)).map((m) => m.subject)).toEqual(['Your gifts to Freedom Thread in the tax year 2024–25']);
    // 6 April, then again the same day and three days later (another run, another worker): one statement.
    await sendAnnualStatements(core(), { now: startOf2026 + 9 * 3600_000 });
    await sendAnnualStatements(core(), { now: startOf2026 + 9 * 3600_000 });
    await sendAnnualStatements(core(), { now: startOf2026 + 3 * DAY });
    // A server down all April still sends them later, and still only once.
    await sendAnnualStatements(core(), { now: startOf2026 + 40 * DAY });
    const toX = (await mailTo(x.email!)).filter((m) => m.subject.includes('2025–26'));
    expect(toX).toHaveLength(1);
    expect(toX[0]!.subject).toBe('Your gifts to Freedom Thread in the tax year 2025–26');
    const body = toX[0]!.text;
    expect(body).toContain('Dear Xena Giver');
    expect(body).toContain('6 April 2025');
    expect(body).toContain('5 April 2026');
    expect(body).toContain('£40 (£10 of £50 refunded)');
    expect(body).toContain('Total received: £75'); // 25 + 40 + 10
    expect(body).toContain('registered charity, number 1234567');
    expect(body).not.toContain('£11.11');
    expect(body).not.toContain('£77.77');
    expect(body).not.toContain('£33.33');
    expect(toX[0]!.html).toContain(donorPageLinkOf(core(), (await findDonorById(core().db, x.id))!));
    expect(await mailTo(refundedOnly.email!)).toEqual([]);
    expect(await mailTo(erased.email!)).toEqual([]);
  });
});
