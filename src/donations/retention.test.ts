import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import { eraseSupporter, exportSupporterData, upsertSupporter } from '../supporters/service.js';
import { CURRENT_WORDING } from './gift-aid.js';
import { insertDonation, insertRegularGift } from './queries.js';
import { findOrCreateDonor, recordDeclaration } from './records.js';
import { ERASED_NAME, forgetDonorsPastRetention } from './retention.js';

// A donor who asks to be forgotten: their email, messages and link go at once and a monthly gift is cancelled; the
// name, gifts and declarations a Gift Aid claim relied on stay for HMRC's six years, then go; a donor no claim relied
// on is forgotten at once. Their copy of their data holds their gifts and declarations.

const DAY = 24 * 3600_000;

describeEachDialect('donations: erasure and retention', (ctx) => {
  let t: TestLantern;
  beforeAll(async () => {
    t = await startTestLantern(ctx);
  });
  afterAll(async () => {
    await t?.close();
  });
  const core = () => t.lantern.core;

  async function donorWithGift(email: string, o: { claimedAt?: number; monthly?: boolean }) {
    const { db, keyring } = core();
    const now = Date.now();
    return db.transaction().execute(async (trx) => {
      const { id } = await findOrCreateDonor(trx, keyring, { email, name: 'Hana Giver', now });
      await recordDeclaration(trx, keyring, {
        ...{ donorId: id, wordingVersion: CURRENT_WORDING, title: 'Ms', firstName: 'Hana', lastName: 'Giver', house: '2' },
        ...{ address: 'Quay Street, Hull', postcode: 'HU1 1AA', channel: 'paper', madeAt: now - 90 * DAY, coversPastFourYears: false },
        ...{ recordedBy: null, now },
      });
      let claimId: number | null = null;
      if (o.claimedAt !== undefined) {
        const r = await trx
          .insertInto('gift_aid_claims')
          .values({
            ...{ period_from: now - 100 * DAY, period_to: now, status: 'submitted', row_count: 1, total_pence: 2000 },
            ...{ small_donations_pence: 0, aggregates_small_gifts: 0, hmrc_reference: 'X1', paid_pence: null },
            ...{ created_by: null, created_at: o.claimedAt, submitted_at: o.claimedAt, paid_at: null },
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        claimId = Number(r.id);
      }
      const regularId = o.monthly
        ? await insertRegularGift(trx, {
            ...{ donor_id: id, fund_id: null, amount_pence: 1000, day_of_month: 3, status: 'active', method: 'card', gift_aid: 1 },
            ...{ subscription_ref: `sub_test_lantern_erase_${id}`, card_expires: null, expiry_notice_for: null, failed_at: null },
            ...{ started_at: now, cancelled_at: null, created_at: now, updated_at: now },
          })
        : null;
      await insertDonation(trx, {
        ...{ donor_id: id, fund_id: null, regular_id: regularId, kind: 'one_off', channel: 'cheque', method: 'none', status: 'paid' },
        ...{ amount_pence: 2000, refunded_pence: 0, given_at: now - 30 * DAY, gift_aid: 1, from_company: 0, benefit_pence: 0 },
        ...{ message_enc: keyring.encrypt('For the families'), checkout_ref: null, payment_ref: null, invoice_ref: null },
        ...{ reference: '', claim_id: claimId, recorded_by: null, created_at: now, updated_at: now },
      });
      return id;
    });
  }

  const donorRow = (id: number) => core().db.selectFrom('donors').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const declarationCount = async (id: number) =>
    (await core().db.selectFrom('gift_aid_declarations').select('id').where('donor_id', '=', id).execute()).length;

  test('a donor’s copy of their data holds their gifts and declarations', async () => {
    const email = `copy.${ctx.dialect}@example.org`;
    await donorWithGift(email, {});
    const supporter = await upsertSupporter(core().db, core().keyring, { email, firstName: 'Hana' }, { source: 'test', mode: 'fill' });
    const copy = await exportSupporterData(core().db, core().keyring, supporter.id, core().dataExport);
    expect(copy.donations).toEqual([expect.objectContaining({ amountGbp: '20.00', message: 'For the families', giftAidAsked: true })]);
    expect(copy.giftAidDeclarations).toEqual([expect.objectContaining({ name: 'Ms Hana Giver', postcode: 'HU1 1AA', how: 'paper' })]);
  });

  test('no claim relied on them: forgotten at once, the gift kept as an amount, a monthly gift cancelled', async () => {
    const email = `unclaimed.${ctx.dialect}@example.org`;
    const id = await donorWithGift(email, { monthly: true });
    const supporter = await upsertSupporter(core().db, core().keyring, { email, firstName: 'Hana' }, { source: 'test', mode: 'fill' });
    await eraseSupporter(core(), supporter.id, { source: 'test' });
    const row = await donorRow(id);
    expect(row.email_enc).toBeNull();
    expect(row.email_index).toBeNull();
    expect(core().keyring.decrypt(row.name_enc)).toBe(ERASED_NAME);
    expect(await declarationCount(id)).toBe(0);
    const gifts = await core().db.selectFrom('donations').select(['amount_pence', 'message_enc']).where('donor_id', '=', id).execute();
    expect(gifts).toEqual([{ amount_pence: 2000, message_enc: null }]);
    const jobs = await core()
      .db.selectFrom('jobs')
      .select(['name', 'payload'])
      .where('name', '=', 'cancelMonthlyGiftOfErasedDonor')
      .execute();
    expect(jobs.map((j) => JSON.parse(core().keyring.decrypt(j.payload)) as unknown)).toContainEqual({ regularId: expect.any(Number) });
  });

  test('a claim relied on them: the name and declaration stay for six years after it, then go', async () => {
    const email = `claimed.${ctx.dialect}@example.org`;
    const claimedAt = Date.now() - 10 * DAY;
    const id = await donorWithGift(email, { claimedAt });
    const supporter = await upsertSupporter(core().db, core().keyring, { email, firstName: 'Hana' }, { source: 'test', mode: 'fill' });
    await eraseSupporter(core(), supporter.id, { source: 'test' });
    const kept = await donorRow(id);
    expect(kept.email_enc).toBeNull();
    expect(core().keyring.decrypt(kept.name_enc)).toBe('Hana Giver');
    expect(kept.erasure_requested_at).not.toBeNull();
    expect(await declarationCount(id)).toBe(1);
    // Five years on: still kept. Six years and a day after the claim: erased.
    await forgetDonorsPastRetention(core(), claimedAt + 5 * 365 * DAY);
    expect(await declarationCount(id)).toBe(1);
    await forgetDonorsPastRetention(core(), claimedAt + 6 * 366 * DAY);
    expect(await declarationCount(id)).toBe(0);
    expect(core().keyring.decrypt((await donorRow(id)).name_enc)).toBe(ERASED_NAME);
  });
});
