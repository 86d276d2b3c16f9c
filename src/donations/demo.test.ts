import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import { signedInAs } from '../../test/helpers/signin.js';
import { seedDemo } from '../app.js';
import { DEMO_APPEAL_SLUG } from './demo.js';

// The demo charity's giving, seeded by seedDemo on a fresh database as a new install seeds it: a donate page with
// three suggested amounts and a partner appeal, thirty gifts over a year (monthly ones, Gift Aid, one refunded, one
// from a donor abroad), the protest bucket's collections, and a draft Gift Aid claim with one row to fix.

describeEachDialect('the donations demo', (ctx) => {
  let t: TestLantern;
  beforeAll(async () => {
    t = await startTestLantern(ctx);
    expect(await seedDemo(t.lantern.core)).toBe(true);
  });
  afterAll(async () => {
    await t?.close();
  });

  test('thirty gifts over a year: monthly, with Gift Aid, one refunded, one from abroad', async () => {
    const { db, keyring } = t.lantern.core;
    const gifts = await db.selectFrom('donations').select(['kind', 'status', 'gift_aid', 'given_at', 'channel']).execute();
    expect(gifts).toHaveLength(30);
    expect(gifts.filter((g) => g.kind === 'monthly').length).toBeGreaterThanOrEqual(8);
    expect(gifts.filter((g) => g.gift_aid === 1).length).toBeGreaterThanOrEqual(10);
    expect(gifts.filter((g) => g.status === 'refunded')).toHaveLength(1);
    expect(new Set(gifts.map((g) => g.channel))).toEqual(new Set(['online', 'cheque', 'bank_transfer', 'cash']));
    const oldest = Math.min(...gifts.map((g) => Number(g.given_at)));
    expect(Date.now() - oldest).toBeGreaterThan(300 * 24 * 3600_000);
    const postcodes = (await db.selectFrom('gift_aid_declarations').select('postcode_enc').execute()).map((d) =>
      keyring.decrypt(d.postcode_enc),
    );
    expect(postcodes).toContain('X');
  });

  test('the donate page offers three amounts and the partner appeal, whose own page takes gifts', async () => {
    const page = await t.client().get('/donate');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Appeal: legal help for separated families');
    expect(page.text.match(/name="oneOffAmount" value="\d+"/g)).toHaveLength(3);
    const appeal = await t.client().get(`/donate/${DEMO_APPEAL_SLUG}`);
    expect(appeal.status).toBe(200);
    expect(appeal.text).toContain('Open Door Legal Collective');
  });

  test('a draft claim with one row to fix, and the protest bucket for the small donations scheme', async () => {
    const { client } = await signedInAs(t, 'treasurer');
    const claims = await t.lantern.core.db.selectFrom('gift_aid_claims').select(['id', 'status', 'row_count']).execute();
    expect(claims).toHaveLength(1);
    expect(claims[0]!.status).toBe('draft');
    expect(Number(claims[0]!.row_count)).toBeGreaterThan(5);
    const page = await client.get(`/admin/donations/gift-aid/claims/${claims[0]!.id}`);
    expect(page.status).toBe(200);
    expect(page.text.match(/HMRC does not accept/g)).toHaveLength(1);
    // Exactly one row to fix (the donor abroad's address fits HMRC's 40 characters).
    expect(page.text).toContain('1 row has a problem');
    expect(page.text).toContain('Correct this declaration');
    const collections = await t.lantern.core.db.selectFrom('small_donation_collections').select(['amount_pence', 'claim_id']).execute();
    expect(collections).toHaveLength(4);
    expect(collections.every((c) => c.claim_id === claims[0]!.id)).toBe(true);
  });
});
