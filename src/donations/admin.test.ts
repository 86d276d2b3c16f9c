import { existsSync, readFileSync } from 'node:fs';
import type { Insertable } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import { startFakeStripe, type FakeStripe } from '../../test/helpers/fake-stripe.js';
import type { TestClient } from '../../test/helpers/http.js';
import { signedInAs } from '../../test/helpers/signin.js';
import { capabilities } from '../app.js';
import type { Core } from '../core/context.js';
import { getSiteSettings } from '../core/settings.js';
import { startOfMonth } from '../core/time.js';
import { adminRoutes } from './admin-routes.js';
import { describeDonationsAudit } from './audit.js';
import { donationsDashboard } from './dashboard.js';
import { formatPounds, lastTwelveMonths } from './figures.js';
import { penceFromPounds } from './funds.js';
import { findDonationById, findFundBySlug, insertDonation, insertFund, insertRegularGift } from './queries.js';
import { findOrCreateDonor } from './records.js';
import type { DonationsTable } from './tables.js';

// The staff side of donations over real HTTP on both dialects: who may see and change what; recording offline
// gifts (a donor found by email, anonymous cash) and bad ones refused with nothing stored; the list with its
// filters, totals and pages, decrypting only the names shown; the figures as SVG beside tables; refunds of offline
// gifts (part, all, never more than is left); the accounts download (names only when ticked; audited without
// them); funds with reserved and taken web addresses refused; the giving settings; the dashboard card and the
// parked payments; and a refund through the fake Stripe that changes the gift once its event arrives.

const DAY = 86_400_000;

/** Until the lead wires the capability, a stand-in carries these pages and the contract's permissions. */
function ensureDonationsAdmin(): void {
  if (capabilities.some((c) => c.name === 'donations')) return;
  if (capabilities.some((c) => c.name === 'donations-admin-test')) return;
  capabilities.push({
    name: 'donations-admin-test',
    permissions: [
      { name: 'donations:view', label: 'See donations', roles: ['treasurer'] },
      { name: 'donations:manage', label: 'Record and refund donations', roles: ['treasurer'] },
    ],
    adminRoutes,
    dashboard: (core) => donationsDashboard(core),
    describeAudit: () => describeDonationsAudit(),
  });
}

/** A gift stored directly (the flow that makes it is not what is tested). */
async function addGift(core: Core, o: Partial<Insertable<DonationsTable>> = {}): Promise<number> {
  const now = Date.now();
  return insertDonation(core.db, {
    donor_id: null,
    fund_id: null,
    regular_id: null,
    kind: 'one_off',
    channel: 'cash',
    method: 'none',
    status: 'paid',
    amount_pence: 1000,
    refunded_pence: 0,
    given_at: now - DAY,
    gift_aid: 0,
    from_company: 0,
    benefit_pence: 0,
    message_enc: null,
    checkout_ref: null,
    payment_ref: null,
    invoice_ref: null,
    reference: '',
    claim_id: null,
    recorded_by: null,
    created_at: now,
    updated_at: now,
    ...o,
  });
}

const countGifts = async (core: Core) =>
  Number(
    (
      await core.db
        .selectFrom('donations')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

const auditOf = (core: Core, action: string) =>
  core.db.selectFrom('audit_log').select(['action', 'target', 'details']).where('action', '=', action).orderBy('id', 'desc').execute();

/** A valid offline gift form, with overrides. */
const giftForm = (o: Record<string, string> = {}): Record<string, string> => ({
  channel: 'cheque',
  amount: '25.50',
  givenOn: new Date(Date.now() - 3 * DAY).toISOString().slice(0, 10),
  fundId: '',
  reference: '000123',
  donor: 'person',
  donorName: 'Grace Okafor',
  donorEmail: 'grace.okafor@example.org',
  benefit: '0',
  ...o,
});

test('pounds are read as staff type them, and shown with pence', () => {
  expect(penceFromPounds('£1,250.50')).toBe(125_050);
  expect(penceFromPounds(' 12.5 ')).toBe(1250);
  expect(penceFromPounds('7')).toBe(700);
  for (const bad of ['', '-5', '1.234', 'ten', '1e3', '12,34', '£']) expect(penceFromPounds(bad)).toBeUndefined();
  expect(formatPounds(123_456)).toBe('£1,234.56');
  expect(formatPounds(5)).toBe('£0.05');
});

test('the audit entries read as sentences, with amounts and counts but never a name', async () => {
  const entry = (id: number, action: string, target: string | null, details: Record<string, unknown> | null) => ({
    id,
    staffId: 1,
    action,
    target,
    details: details ? JSON.stringify(details) : null,
    createdAt: 0,
  });
  const words = await describeDonationsAudit()({} as never, [
    entry(1, 'donations.gift.refund', 'donation 7', { amountPence: 1250, online: true }),
    entry(2, 'donations.export', null, { rows: 12, names: true, filters: {} }),
    entry(3, 'donations.fund.create', 'fund 3', { name: 'Legal appeal' }),
    entry(4, 'event.create', 'event 1', null),
  ]);
  expect(words.get(1)).toMatchObject({
    did: 'refunded a gift',
    subject: 'gift 7',
    href: '/admin/donations/7',
    more: '£12.50, through the payment provider',
  });
  expect(words.get(2)).toMatchObject({ did: 'downloaded the gifts as a spreadsheet', more: '12 gifts, with names and emails' });
  expect(words.get(3)).toMatchObject({ did: 'created the fund', title: 'Legal appeal', href: '/admin/donations/funds/3' });
  expect(words.has(4)).toBe(false);
});

test('the twelve months of the figures run back from this one, whole calendar months in the zone', () => {
  const now = Date.UTC(2026, 6, 15, 12); // 15 July 2026, British summer time
  const months = lastTwelveMonths(now, 'Europe/London');
  expect(months.map((m) => m.key)).toEqual([
    '2025-08',
    '2025-09',
    '2025-10',
    '2025-11',
    '2025-12',
    '2026-01',
    '2026-02',
    '2026-03',
    '2026-04',
    '2026-05',
    '2026-06',
    '2026-07',
  ]);
  expect(months[11]!.from).toBe(Date.UTC(2026, 5, 30, 23)); // midnight on 1 July in London is 23:00 UTC
  expect(months[5]!.from).toBe(Date.UTC(2026, 0, 1)); // in winter London is UTC
  for (let i = 1; i < 12; i++) expect(months[i]!.from).toBe(months[i - 1]!.to);
});

describeEachDialect('donations: the staff side', (ctx) => {
  let t: TestLantern;
  let core: Core;
  let treasurer: TestClient;
  let treasurerId: number;

  beforeAll(async () => {
    ensureDonationsAdmin();
    t = await startTestLantern(ctx);
    core = t.lantern.core;
    treasurer = (await signedInAs(t, 'treasurer', { name: 'Tess Treasurer' })).client;
    const row = await core.db.selectFrom('staff').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow();
    treasurerId = Number(row.id);
  });
  afterAll(async () => {
    await t?.close();
  });

  test('a viewer and an editor are refused every page; a treasurer may see and do everything', async () => {
    const gift = await addGift(core);
    for (const role of ['viewer', 'editor'] as const) {
      const { client } = await signedInAs(t, role);
      for (const path of [
        '/admin/donations',
        '/admin/donations/figures',
        `/admin/donations/${gift}`,
        '/admin/donations/funds',
        '/admin/donations/new',
      ])
        expect((await client.get(path)).status, `${role} ${path}`).toBe(403);
      await client.get('/admin');
      const before = await countGifts(core);
      expect((await client.post('/admin/donations/new', giftForm())).status).toBe(403);
      expect((await client.post(`/admin/donations/${gift}/refund`, { how: 'all' })).status).toBe(403);
      expect((await client.post('/admin/donations/export', {})).status).toBe(403);
      expect(await countGifts(core)).toBe(before);
    }
    for (const path of [
      '/admin/donations',
      '/admin/donations/figures',
      '/admin/donations/new',
      '/admin/donations/export',
      '/admin/donations/funds',
      '/admin/donations/funds/new',
      '/admin/donations/settings',
      '/admin/donations/payment-events',
      `/admin/donations/${gift}`,
    ])
      expect((await treasurer.get(path)).status, path).toBe(200);
    expect((await treasurer.get('/admin/donations/99999999')).status).toBe(404);
    expect((await treasurer.get('/admin/donations/funds/99999999')).status).toBe(404);
  });

  test('an offline gift is recorded with its donor (found again by email), or as anonymous cash, and audited without names', async () => {
    await treasurer.get('/admin/donations/new');
    const res = await treasurer.post('/admin/donations/new', giftForm({ giftAid: 'on' }));
    expect(res.status).toBe(303);
    const id = Number(/\/admin\/donations\/(\d+)\?done=recorded/.exec(res.headers.get('location') ?? '')?.[1]);
    const gift = (await findDonationById(core.db, id))!;
    expect(gift).toMatchObject({
      channel: 'cheque',
      kind: 'one_off',
      status: 'paid',
      amount_pence: 2550,
      reference: '000123',
      recorded_by: treasurerId,
    });
    expect(Number(gift.gift_aid)).toBe(1);
    const page = await treasurer.get(`/admin/donations/${id}?done=recorded`);
    expect(page.text).toContain('The gift was recorded.');
    expect(page.text).toContain('Grace Okafor');
    // The page sends staff to the donor's page to record a paper or spoken declaration.
    expect(page.text).toContain(`href="/admin/donations/donors/${gift.donor_id}"`);

    await treasurer.get('/admin/donations/new');
    const again = await treasurer.post(
      '/admin/donations/new',
      giftForm({ amount: '10', donorEmail: 'Grace.Okafor@example.org', channel: 'bank_transfer' }),
    );
    expect(again.status).toBe(303);
    const second = (await findDonationById(core.db, Number(/(\d+)\?/.exec(again.headers.get('location')!)![1])))!;
    expect(second.donor_id).toBe(gift.donor_id);

    await treasurer.get('/admin/donations/new');
    const cash = await treasurer.post(
      '/admin/donations/new',
      giftForm({ channel: 'cash', amount: '3.20', donor: 'none', donorName: '', donorEmail: '' }),
    );
    expect(cash.status).toBe(303);
    const cashGift = (await findDonationById(core.db, Number(/(\d+)\?/.exec(cash.headers.get('location')!)![1])))!;
    expect(cashGift.donor_id).toBeNull();
    expect((await treasurer.get(`/admin/donations/${cashGift.id}`)).text).toContain('Anonymous cash');

    const audit = await auditOf(core, 'donations.gift.record');
    expect(audit.length).toBeGreaterThanOrEqual(3);
    for (const a of audit) expect(a.details ?? '').not.toMatch(/Grace|Okafor|example\.org/);
  });

  test('bad offline gifts get 422 with messages, and nothing is stored', async () => {
    const tomorrow = new Date(Date.now() + 2 * DAY).toISOString().slice(0, 10);
    const cases: Array<[Record<string, string>, string, RegExp]> = [
      [{ givenOn: tomorrow }, 'givenOn', /cannot be in the future/],
      [{ givenOn: '2026-02-30' }, 'givenOn', /like 2026-12-01/],
      [{ amount: '-4' }, 'amount', /in pounds/],
      [{ amount: '' }, 'amount', /Enter the amount/],
      [{ donor: 'none', donorName: '', giftAid: 'on' }, 'giftAid', /needs a donor record/],
      [{ donorName: '' }, 'donorName', /donor’s name/],
      [{ donorEmail: 'not an email' }, 'donorEmail', /right format/],
      [{ benefit: '30' }, 'benefit', /less than the gift/],
      [{ channel: 'online' }, 'channel', /how the gift came/],
      [{ fundId: '424242' }, 'fundId', /from the list/],
    ];
    const before = await countGifts(core);
    const donorsBefore = (await core.db.selectFrom('donors').select('id').execute()).length;
    for (const [override, field, message] of cases) {
      await treasurer.get('/admin/donations/new');
      const res = await treasurer.post('/admin/donations/new', giftForm(override));
      expect(res.status, JSON.stringify(override)).toBe(422);
      expect(res.text).toContain(`href="#f-${field}"`);
      expect(res.text).toMatch(message);
    }
    expect(await countGifts(core)).toBe(before);
    expect((await core.db.selectFrom('donors').select('id').execute()).length).toBe(donorsBefore);
  });

  test('the list filters, totals the filtered set, pages by 50 and shows names', async () => {
    const fund = await insertFund(core.db, {
      slug: 'list-test-fund',
      name: 'Interpreters fund',
      summary: 'x',
      description: '',
      partner_name: '',
      target_pence: null,
      suggested: null,
      publication: 'published',
      closes_at: null,
      created_at: Date.now(),
      updated_at: Date.now(),
    });
    const donor = await findOrCreateDonor(core.db, core.keyring, { email: 'list.donor@example.org', name: 'Yusuf Demir', now: Date.now() });
    for (let i = 0; i < 53; i++)
      await addGift(core, {
        fund_id: fund,
        channel: 'card_in_person',
        amount_pence: 200 + i,
        donor_id: donor.id,
        given_at: Date.now() - 10 * DAY - i * 1000,
      });
    await addGift(core, { fund_id: fund, channel: 'card_in_person', amount_pence: 5000, status: 'failed', gift_aid: 1 });
    const page1 = await treasurer.get(`/admin/donations?fund=${fund}&channel=card_in_person`);
    expect(page1.status).toBe(200);
    expect(page1.text.match(/<tr>/g)?.length).toBe(51); // the header and 50 gifts
    expect(page1.text).toContain('Yusuf Demir');
    expect(page1.text).toContain('54 gifts');
    const given = 53 * 200 + (52 * 53) / 2 + 5000;
    expect(page1.text).toContain(`${formatPounds(given)} given`);
    expect(page1.text).toContain(`${formatPounds(given - 5000)} received after refunds`);
    expect(page1.text).toContain('Page 1 of 2');
    const page2 = await treasurer.get(`/admin/donations?fund=${fund}&channel=card_in_person&page=2`);
    expect(page2.text.match(/<tr>/g)?.length).toBe(5);
    const failed = await treasurer.get(`/admin/donations?fund=${fund}&status=failed&giftAid=yes`);
    expect(failed.text).toContain('1 gift</strong>');
    expect(failed.text).toContain('Failed');
    const bad = await treasurer.get('/admin/donations?from=yesterday&status=lost');
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('href="#f-from"');
    expect(bad.text).toContain('href="#f-status"');
  });

  test('the figures: months as an SVG chart with a title beside a table, funds, channels and monthly donors', async () => {
    const site = await getSiteSettings(core.db);
    const donor = await findOrCreateDonor(core.db, core.keyring, { email: 'monthly@example.org', name: 'Mo Nthly', now: Date.now() });
    const regular = (o: { status: 'active' | 'cancelled'; amount: number; cancelledAt?: number }) =>
      insertRegularGift(core.db, {
        donor_id: donor.id,
        fund_id: null,
        amount_pence: o.amount,
        day_of_month: 5,
        status: o.status,
        method: 'card',
        gift_aid: 0,
        subscription_ref: null,
        card_expires: null,
        expiry_notice_for: null,
        failed_at: null,
        started_at: Date.now(),
        cancelled_at: o.cancelledAt ?? null,
        created_at: Date.now(),
        updated_at: Date.now(),
      });
    await regular({ status: 'active', amount: 1500 });
    await regular({ status: 'active', amount: 500 });
    await regular({ status: 'cancelled', amount: 900, cancelledAt: Date.now() - 40 * DAY });
    const monthStart = startOfMonth(Date.now(), site.timeZone);
    await addGift(core, { channel: 'bank_transfer', amount_pence: 12_345, given_at: monthStart + 1000 });
    const res = await treasurer.get('/admin/donations/figures');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/<svg[^>]*role="img"[^>]*aria-labelledby="months-chart-title months-chart-desc"/);
    expect(res.text).toContain('<title id="months-chart-title">Money received each month</title>');
    expect(res.text).toContain('<caption>Money received each month</caption>');
    expect(res.text).toContain('<caption>Money received by fund</caption>');
    expect(res.text).toContain('<caption>Money received by how it came</caption>');
    expect(res.text).toContain('Bank transfer');
    const monthly = /<dl class="figures" id="monthly-figures">([\s\S]*?)<\/dl>/.exec(res.text)![1]!;
    expect(monthly).toMatch(/Active monthly gifts<\/dt><dd>2</);
    expect(monthly).toMatch(/Their monthly value<\/dt><dd>£20\.00</);
    expect(monthly).toMatch(/Cancelled in the last 12 months<\/dt><dd>1</);
  });

  test('an offline gift is refunded in part, then the rest; never more than is left', async () => {
    const id = await addGift(core, { amount_pence: 4000 });
    await treasurer.get(`/admin/donations/${id}`);
    const tooMuch = await treasurer.post(`/admin/donations/${id}/refund`, { how: 'part', amount: '40.01' });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.text).toContain('href="#f-amount"');
    expect((await findDonationById(core.db, id))!.refunded_pence).toBe(0);
    const part = await treasurer.post(`/admin/donations/${id}/refund`, { how: 'part', amount: '15' });
    expect(part.status).toBe(303);
    expect(await findDonationById(core.db, id)).toMatchObject({ refunded_pence: 1500, status: 'paid' });
    const page = await treasurer.get(`/admin/donations/${id}`);
    expect(page.text).toContain('£15.00 refunded');
    expect(page.text).toContain('All that is left (£25.00)');
    expect((await treasurer.post(`/admin/donations/${id}/refund`, { how: 'all' })).status).toBe(303);
    expect(await findDonationById(core.db, id)).toMatchObject({ refunded_pence: 4000, status: 'refunded' });
    const again = await treasurer.post(`/admin/donations/${id}/refund`, { how: 'all' });
    expect(again.status).toBe(409);
    expect((await findDonationById(core.db, id))!.refunded_pence).toBe(4000);
    const audit = (await auditOf(core, 'donations.gift.refund')).filter((a) => a.target === `donation ${id}`);
    expect(audit.map((a) => JSON.parse(a.details!) as unknown)).toEqual([
      { amountPence: 2500, online: false },
      { amountPence: 1500, online: false },
    ]);
  });

  test('the download: filtered, names only when ticked, formulas made harmless, audited with the count only', async () => {
    const donor = await findOrCreateDonor(core.db, core.keyring, { email: 'csv.donor@example.org', name: 'Ana Lima', now: Date.now() });
    const day = Date.UTC(2025, 2, 3, 12);
    await addGift(core, {
      donor_id: donor.id,
      channel: 'cheque',
      amount_pence: 2500,
      given_at: day,
      reference: '=HYPERLINK("x")',
      refunded_pence: 500,
    });
    await addGift(core, { donor_id: donor.id, channel: 'cheque', amount_pence: 100, given_at: day + DAY });
    await treasurer.get('/admin/donations/export');
    const plain = await treasurer.post('/admin/donations/export', { from: '2025-03-01', to: '2025-03-31', channel: 'cheque' });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(plain.headers.get('content-disposition')).toMatch(/^attachment; filename="gifts-\d{4}-\d{2}-\d{2}\.csv"$/);
    const lines = plain.text
      .replace(/^\ufeff/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('gift,date,amount,fund,channel,kind,status,refunded,gift_aid_asked,gift_aid_claim,reference');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^\d+,2025-03-03,25\.00,,Cheque,one-off,Received,5\.00,no,,"'=HYPERLINK\(""x""\)"$/);
    expect(plain.text).not.toContain('Ana Lima');
    await treasurer.get('/admin/donations/export');
    const named = await treasurer.post('/admin/donations/export', { from: '2025-03-01', to: '2025-03-31', channel: 'cheque', names: 'on' });
    expect(named.text).toContain('donor_name,donor_email');
    expect(named.text).toContain('Ana Lima,csv.donor@example.org');
    const audit = await auditOf(core, 'donations.export');
    expect(JSON.parse(audit[0]!.details!)).toEqual({
      rows: 2,
      names: true,
      filters: { from: '2025-03-01', to: '2025-03-31', channel: 'cheque' },
    });
    expect(JSON.parse(audit[1]!.details!)).toMatchObject({ rows: 2, names: false });
    await treasurer.get('/admin/donations/export');
    const bad = await treasurer.post('/admin/donations/export', { from: '2025-03-31', to: '2025-03-01' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('The last day must be on or after the first day');
  });

  test('funds: created and changed; a reserved or taken web address refused with nothing stored', async () => {
    const form = (o: Record<string, string> = {}) => ({
      name: 'Legal help for separated families',
      slug: '',
      summary: 'Lawyers for families kept apart.',
      description: 'Our partner **represents** families.',
      partnerName: 'Families Together',
      target: '5,000',
      suggestedOneOff: '20 | a consultation\n50 | a day in court',
      suggestedMonthly: '',
      publication: 'published',
      closesOn: '2030-03-31',
      ...o,
    });
    await treasurer.get('/admin/donations/funds/new');
    const made = await treasurer.post('/admin/donations/funds/new', form());
    expect(made.status).toBe(303);
    const fund = (await findFundBySlug(core.db, 'legal-help-for-separated-families'))!;
    expect(fund).toMatchObject({
      name: 'Legal help for separated families',
      target_pence: 500_000,
      publication: 'published',
      partner_name: 'Families Together',
    });
    expect(JSON.parse(fund.suggested!)).toEqual([
      { kind: 'one_off', amountPence: 2000, line: 'a consultation' },
      { kind: 'one_off', amountPence: 5000, line: 'a day in court' },
    ]);
    // Open all through 31 March in London (summer time by then): closes at midnight that night.
    expect(fund.closes_at).toBe(Date.UTC(2030, 2, 31, 23));
    const edit = await treasurer.get(`/admin/donations/funds/${fund.id}`);
    expect(edit.text).toContain('value="2030-03-31"');
    const countFunds = async () => (await core.db.selectFrom('donation_funds').select('id').execute()).length;
    const before = await countFunds();
    for (const [o, message] of [
      [{ slug: 'thank-you' }, /is a page of the donate area/],
      [{ slug: 'Not A Slug!' }, /lower-case letters/],
      [{ slug: 'legal-help-for-separated-families' }, /already has that web address/],
      [{ suggestedOneOff: 'lots | of money' }, /Line 1: start with an amount/],
      [{ publication: 'maybe' }, /draft or published/],
      [{ name: '' }, /Enter the name/],
    ] as const) {
      await treasurer.get('/admin/donations/funds/new');
      const res = await treasurer.post('/admin/donations/funds/new', form(o));
      expect(res.status, JSON.stringify(o)).toBe(422);
      expect(res.text).toMatch(message);
    }
    expect(await countFunds()).toBe(before);
    await treasurer.get(`/admin/donations/funds/${fund.id}`);
    const saved = await treasurer.post(
      `/admin/donations/funds/${fund.id}`,
      form({ slug: 'legal-help-for-separated-families', publication: 'draft', target: '' }),
    );
    expect(saved.status).toBe(303);
    expect(await findFundBySlug(core.db, 'legal-help-for-separated-families')).toMatchObject({ publication: 'draft', target_pence: null });
    expect((await auditOf(core, 'donations.fund.update'))[0]).toMatchObject({ target: `fund ${fund.id}` });
  });

  test('the giving settings are saved through the site settings; a bad form changes nothing', async () => {
    await treasurer.get('/admin/donations/settings');
    const bad = await treasurer.post('/admin/donations/settings', {
      minimum: '50',
      maximum: '20',
      suggestedOneOff: '10 | leaflets',
      suggestedMonthly: '5 | web',
      aggregateLimit: '1000',
    });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('The largest gift must be more than the smallest');
    expect((await getSiteSettings(core.db)).donationMinPence).toBe(200);
    const ok = await treasurer.post('/admin/donations/settings', {
      minimum: '3',
      maximum: '5000',
      suggestedOneOff: '10 | prints leaflets\n25 | a translator',
      suggestedMonthly: '5 | keeps the website running',
      aggregateLimit: '500',
    });
    expect(ok.status).toBe(303);
    const s = await getSiteSettings(core.db);
    expect(s).toMatchObject({ donationMinPence: 300, donationMaxPence: 500_000, giftAidAggregateLimitPence: 50_000 });
    expect(s.donationSuggestions).toEqual([
      { kind: 'one_off', amountPence: 1000, line: 'prints leaflets' },
      { kind: 'one_off', amountPence: 2500, line: 'a translator' },
      { kind: 'monthly', amountPence: 500, line: 'keeps the website running' },
    ]);
  });

  test('the dashboard card and what needs a person: parked payments and failed monthly payments', async () => {
    const now = Date.now();
    await core.db
      .insertInto('payment_events')
      .values({
        event_ref: `evt_parked_${ctx.dialect}`,
        type: 'invoice.paid',
        occurred_at: now - 3600_000,
        received_at: now - 3000_000,
        source: 'webhook',
        state: 'parked',
        note: 'A monthly payment for a gift Lantern has no record of',
        payload_enc: core.keyring.encrypt('{}'),
        applied_at: null,
      })
      .execute();
    const part = await donationsDashboard(core)({ can: (p) => p === 'donations:view' }, { now, timeZone: 'Europe/London' });
    expect(part.needs).toContainEqual({ label: '1 payment needs a look', count: 1, href: '/admin/donations/payment-events' });
    expect(part.cards?.[0]).toMatchObject({ title: 'Donations', order: 45 });
    expect(await donationsDashboard(core)({ can: () => false }, { now, timeZone: 'Europe/London' })).toEqual({});
    const page = await treasurer.get('/admin/donations/payment-events');
    expect(page.text).toContain('A monthly payment for a gift Lantern has no record of');
    expect(page.text).toContain('Monthly payment taken');
    expect(page.text).toContain('action="/admin/donations/payment-events/retry"');
    expect(page.text).not.toContain('evt_parked');
  });

  // The refund goes through stripe-provider.ts and lands through payment-events.ts (written beside these pages; the
  // provider's module needs gift-aid.ts too).
  const h2Ready =
    existsSync(new URL('./payment-events.ts', import.meta.url)) &&
    existsSync(new URL('./gift-aid.ts', import.meta.url)) &&
    !readFileSync(new URL('./stripe-provider.ts', import.meta.url), 'utf8').includes('is being written');

  test.runIf(h2Ready)('an online gift is refunded through the fake Stripe; the gift changes once the refund event arrives', async () => {
    const fake: FakeStripe = await startFakeStripe();
    const st = await startTestLantern(ctx, {
      env: { STRIPE_SECRET_KEY: 'sk_test_fake_admin', STRIPE_WEBHOOK_SECRET: fake.webhookSecret, STRIPE_API_URL: fake.url },
    });
    try {
      const stripe = fake.client('sk_test_fake_admin');
      const session = await stripe.checkout.sessions.create({
        mode: 'payment',
        line_items: [{ quantity: 1, price_data: { currency: 'gbp', unit_amount: 3000, product_data: { name: 'Gift' } } }],
        customer_email: 'online@example.org',
        success_url: 'http://lantern.test/donate/thank-you',
      });
      const done = await fake.completeCheckout(session.id);
      const pi = String(done.payment_intent);
      const id = await addGift(st.lantern.core, {
        channel: 'online',
        method: 'card',
        amount_pence: 3000,
        payment_ref: pi,
        checkout_ref: session.id,
      });
      const staff = (await signedInAs(st, 'treasurer')).client;
      await staff.get(`/admin/donations/${id}`);
      const res = await staff.post(`/admin/donations/${id}/refund`, { how: 'part', amount: '10' });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe(`/admin/donations/${id}?done=refund_asked`);
      // Nothing changes until the provider's event says so.
      expect((await findDonationById(st.lantern.core.db, id))!.refunded_pence).toBe(0);
      const refunded = fake.events('charge.refunded');
      expect(refunded).toHaveLength(1);
      const { applyVerifiedEvent } = await import('./payment-events.js');
      await applyVerifiedEvent(st.lantern.core, refunded[0] as never, { source: 'test' });
      expect(await findDonationById(st.lantern.core.db, id)).toMatchObject({ refunded_pence: 1000, status: 'paid' });
      expect((await staff.get(`/admin/donations/${id}`)).text).toContain('Refund made');
    } finally {
      await st.close();
      await fake.close();
    }
  });
});
