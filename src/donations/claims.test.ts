import { strFromU8, unzipSync } from 'fflate';
import type { Insertable } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';
import * as XLSX from 'xlsx';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import type { TestClient } from '../../test/helpers/http.js';
import { signedInAs } from '../../test/helpers/signin.js';
import { capabilities } from '../app.js';
import type { Core } from '../core/context.js';
import { getSiteSettings } from '../core/settings.js';
import { utcToZonedLocal } from '../core/time.js';
import { createClaim, GASDS_ALLOWANCE_PENCE, lazyDeclaration, writeClaimSchedule } from './claims.js';
import { CURRENT_WORDING } from './gift-aid.js';
import { giftAidRoutes } from './gift-aid-routes.js';
import { describeGiftAidAudit } from './gift-aid-views.js';
import { endDeclaration, insertDonation, markDeclarationLetterSent } from './queries.js';
import { findOrCreateDonor, recordDeclaration, type DeclarationInput } from './records.js';
import { SCHEDULE_COLUMNS } from './schedule.js';
import type { DonationsTable } from './tables.js';

// Gift Aid claims over real HTTP on both dialects: which gifts a claim takes and why the others are left out
// (declarations before and after the gift, a spoken one before and after its letter's 30 days, a cancelled one,
// a company's gift, a benefit too large, a refund, a donor abroad, the four-year limit); a row with a character
// HMRC refuses flagged, its download refused, fixed through the correction form, checked again, downloaded and
// read back with a real spreadsheet reader; a claim over 1,000 rows as a zip of two schedules; no gift in two
// claims, even made at once; submitted and paid; a deleted draft releasing its gifts; small cash collections and
// the GASDS top-up; and a viewer refused.

const DAY = 86_400_000;
let seq = 0;

/** Until the lead wires these pages into the donations capability, a stand-in carries them. */
function ensureGiftAidRoutes(): void {
  if (capabilities.some((c) => c.adminRoutes?.some((r) => r.url === '/admin/donations/gift-aid'))) return;
  const declared = capabilities.some((c) => c.permissions?.some((p) => p.name === 'donations:view'));
  capabilities.push({
    name: 'donations-gift-aid-test',
    ...(declared
      ? {}
      : {
          permissions: [
            { name: 'donations:view', label: 'See donations', roles: ['treasurer'] },
            { name: 'donations:manage', label: 'Change donations', roles: ['treasurer'] },
          ],
        }),
    adminRoutes: giftAidRoutes,
    describeAudit: () => describeGiftAidAudit(),
  });
}

/** A donor, made directly. */
async function donor(core: Core, name = 'Amina Yusuf'): Promise<number> {
  seq += 1;
  return (await findOrCreateDonor(core.db, core.keyring, { email: `donor${seq}.${process.pid}@example.org`, name, now: Date.now() })).id;
}

/** A declaration, recorded directly. */
async function declare(core: Core, donorId: number, o: Partial<DeclarationInput> = {}): Promise<number> {
  return recordDeclaration(core.db, core.keyring, {
    donorId,
    wordingVersion: CURRENT_WORDING,
    title: 'Ms',
    firstName: 'Amina',
    lastName: 'Yusuf',
    house: '12',
    address: 'Station Road, Leeds',
    postcode: 'LS1 4AP',
    channel: 'online',
    madeAt: Date.now() - 30 * DAY,
    coversPastFourYears: false,
    recordedBy: null,
    now: Date.now(),
    ...o,
  });
}

/** A paid gift asking for Gift Aid, stored directly. */
async function gift(core: Core, donorId: number | null, o: Partial<Insertable<DonationsTable>> = {}): Promise<number> {
  const now = Date.now();
  return insertDonation(core.db, {
    ...{ donor_id: donorId, fund_id: null, regular_id: null, kind: 'one_off', channel: 'online', method: 'card', status: 'paid' },
    ...{ amount_pence: 5000, refunded_pence: 0, given_at: now - 5 * DAY, gift_aid: 1, from_company: 0, benefit_pence: 0 },
    ...{ message_enc: null, checkout_ref: null, payment_ref: null, invoice_ref: null, reference: '', claim_id: null },
    ...{ recorded_by: null, created_at: now, updated_at: now },
    ...o,
  });
}

const claimOf = async (core: Core, giftId: number) =>
  (await core.db.selectFrom('donations').select('claim_id').where('id', '=', giftId).executeTakeFirstOrThrow()).claim_id;

const dayIn = (ms: number, timeZone: string) => utcToZonedLocal(ms, timeZone).slice(0, 10);

/** Posts a form and reads the answer as bytes (a download), with the client's session. */
async function postForBytes(
  t: TestLantern,
  c: TestClient,
  path: string,
): Promise<{ status: number; type: string; disposition: string; bytes: Uint8Array }> {
  const cookie = ['lantern_session', 'lantern_csrf']
    .map((n) => (c.cookie(n) === undefined ? '' : `${n}=${c.cookie(n)}`))
    .filter(Boolean)
    .join('; ');
  const res = await fetch(new URL(path, t.baseUrl), {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    body: new URLSearchParams({ _csrf: c.lastCsrf ?? '' }).toString(),
    redirect: 'manual',
  });
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    disposition: res.headers.get('content-disposition') ?? '',
    bytes: new Uint8Array(await res.arrayBuffer()),
  };
}

/** A schedule file's cells, as a real spreadsheet reader sees them (rows of text). */
function cellsOf(bytes: Uint8Array): string[][] {
  const book = XLSX.read(bytes, { type: 'buffer' });
  const sheet = book.Sheets[book.SheetNames[0]!]!;
  return XLSX.utils.sheet_to_json<string[]>(sheet, { header: 1, raw: false, defval: '' });
}

/** The data rows of a schedule (after HMRC's header row). */
function dataRows(cells: string[][]): string[][] {
  const header = cells.findIndex((r) => r[0] === SCHEDULE_COLUMNS[0] && r[1] === SCHEDULE_COLUMNS[1]);
  expect(header, 'the header row').toBeGreaterThanOrEqual(0);
  return cells.slice(header + 1).filter((r) => r.some((x) => x !== ''));
}

describeEachDialect('Gift Aid claims', (ctx) => {
  let t: TestLantern;
  let core: Core;
  let staff: TestClient;
  let timeZone: string;

  beforeAll(async () => {
    ensureGiftAidRoutes();
    t = await startTestLantern(ctx);
    core = t.lantern.core;
    staff = (await signedInAs(t, 'treasurer')).client;
    timeZone = (await getSiteSettings(core.db)).timeZone;
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Makes a claim through the form; returns its id (the period by days in the zone). */
  async function claimThroughForm(from: number, to: number, o: { aggregate?: boolean } = {}): Promise<number> {
    await staff.get('/admin/donations/gift-aid/claims/new');
    const r = await staff.post('/admin/donations/gift-aid/claims/new', {
      from: dayIn(from, timeZone),
      to: dayIn(to, timeZone),
      ...(o.aggregate ? { aggregate: 'on' } : {}),
    });
    expect(r.status, r.text.slice(0, 500)).toBe(303);
    return Number(/claims\/(\d+)/.exec(r.headers.get('location')!)![1]);
  }

  /** Deletes every draft claim (through the page), releasing its gifts. */
  async function clearDrafts() {
    const drafts = await core.db.selectFrom('gift_aid_claims').select('id').where('status', '=', 'draft').execute();
    for (const d of drafts) {
      await staff.get(`/admin/donations/gift-aid/claims/${d.id}`);
      expect((await staff.post(`/admin/donations/gift-aid/claims/${d.id}/delete`)).status).toBe(303);
    }
  }

  /** A clean start for a test: no draft claim, and the gifts of earlier tests no longer asking for Gift Aid. */
  async function fresh() {
    await clearDrafts();
    await core.db.updateTable('donations').set({ gift_aid: 0 }).where('claim_id', 'is', null).execute();
  }

  test('a claim takes the gifts a declaration covers, and says why the others were left out', async () => {
    await fresh();
    const now = Date.now();
    const covered = await donor(core);
    await declare(core, covered, { madeAt: now - 10 * DAY });
    const inClaim = await gift(core, covered, { given_at: now - 5 * DAY });
    const beforeDeclaration = await gift(core, covered, { given_at: now - 20 * DAY });
    const company = await gift(core, covered, { given_at: now - 4 * DAY, from_company: 1 });
    const benefit = await gift(core, covered, { given_at: now - 4 * DAY, amount_pence: 5000, benefit_pence: 2000 });
    const refunded = await gift(core, covered, { given_at: now - 4 * DAY, status: 'refunded', refunded_pence: 5000 });
    const partRefund = await gift(core, covered, { given_at: now - 3 * DAY, amount_pence: 5000, refunded_pence: 1000 });
    const notAsked = await gift(core, covered, { given_at: now - 3 * DAY, gift_aid: 0 });
    const anonymous = await gift(core, null, { given_at: now - 3 * DAY });

    const spokenNoLetter = await donor(core);
    await declare(core, spokenNoLetter, { channel: 'oral', madeAt: now - 60 * DAY });
    const oralNoLetter = await gift(core, spokenNoLetter, { given_at: now - 5 * DAY });

    const spokenRecent = await donor(core);
    const recentDecl = await declare(core, spokenRecent, { channel: 'oral', madeAt: now - 60 * DAY });
    await markDeclarationLetterSent(core.db, recentDecl, now - 20 * DAY);
    const oralInWindow = await gift(core, spokenRecent, { given_at: now - 5 * DAY });

    const spokenOld = await donor(core);
    const oldDecl = await declare(core, spokenOld, { channel: 'oral', madeAt: now - 60 * DAY });
    await markDeclarationLetterSent(core.db, oldDecl, now - 45 * DAY);
    const oralCounted = await gift(core, spokenOld, { given_at: now - 5 * DAY });

    const cancelled = await donor(core);
    const cancelledDecl = await declare(core, cancelled, { madeAt: now - 60 * DAY });
    await endDeclaration(core.db, cancelledDecl, { cancelledAt: now - 10 * DAY });
    const beforeCancel = await gift(core, cancelled, { given_at: now - 20 * DAY });
    const afterCancel = await gift(core, cancelled, { given_at: now - 5 * DAY });

    const abroad = await donor(core);
    await declare(core, abroad, { house: '4 Rue de la Paix, 75002 Paris, France', address: '', postcode: 'X', madeAt: now - 60 * DAY });
    const abroadGift = await gift(core, abroad, { given_at: now - 5 * DAY });

    const backdated = await donor(core);
    await declare(core, backdated, { madeAt: now - 30 * DAY, coversPastFourYears: true });
    const threeYears = await gift(core, backdated, { given_at: now - 3 * 365 * DAY });
    const fiveYears = await gift(core, backdated, { given_at: now - 5 * 365 * DAY });

    const id = await claimThroughForm(now - 6 * 365 * DAY, now);
    const taken = [inClaim, partRefund, oralCounted, beforeCancel, abroadGift, threeYears];
    const left = [beforeDeclaration, company, benefit, refunded, notAsked, anonymous, oralNoLetter, oralInWindow, afterCancel, fiveYears];
    for (const g of taken) expect(await claimOf(core, g), `gift ${g} is claimed`).toBe(id);
    for (const g of left) expect(await claimOf(core, g), `gift ${g} is not claimed`).toBeNull();

    const claim = await core.db.selectFrom('gift_aid_claims').selectAll().where('id', '=', Number(id)).executeTakeFirstOrThrow();
    expect(Number(claim.row_count)).toBe(6);
    // The part-refunded gift counts for what was kept.
    expect(Number(claim.total_pence)).toBe(5000 * 5 + 4000);
    const page = await staff.get(`/admin/donations/gift-aid/claims/${id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('£290.00');
    expect(page.text).toContain('£72.50'); // 25% of £290
    expect(page.text).toContain('No row has a problem');
    // Nine gifts asked for Gift Aid and were left out (the one that did not ask is counted apart), each reason counted.
    const leftOut = page.text.slice(page.text.indexOf('id="left-out"'));
    const counts = [...leftOut.matchAll(/<td class="num">(\d+)<\/td>/g)].map((m) => Number(m[1]));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(9);
    expect(counts.length).toBeGreaterThanOrEqual(5);
    expect(leftOut).toContain('1 gift of the period did not ask for Gift Aid');
    await clearDrafts();
  });

  test('a character HMRC refuses is flagged, fixed through the correction form, checked again, and the schedule reads back', async () => {
    await fresh();
    const now = Date.now();
    const d = await donor(core, 'Oliver Smith');
    const decl = await declare(core, d, { firstName: 'Oliver', lastName: 'Smith & Sons', madeAt: now - 40 * DAY });
    const good = await donor(core, 'Zoë O’Brien');
    await declare(core, good, {
      title: 'Dr',
      firstName: 'Zoe',
      lastName: "O'Brien",
      house: 'Flat 2',
      postcode: 'SW1A 1AA',
      madeAt: now - 40 * DAY,
    });
    const g1 = await gift(core, d, { given_at: now - 2 * DAY, amount_pence: 1250 });
    await gift(core, good, { given_at: now - 2 * DAY, amount_pence: 10_000 });
    const id = await claimThroughForm(now - 3 * DAY, now);
    expect(await claimOf(core, g1)).toBe(id);

    const page = await staff.get(`/admin/donations/gift-aid/claims/${id}`);
    expect(page.text).toContain('1 row has a problem');
    expect(page.text).toContain('&amp;'); // the message names the character
    const fix = `/admin/donations/donors/${d}/declarations/${decl}/correct`;
    expect(page.text).toContain(`href="${fix}"`);

    const refused = await staff.post(`/admin/donations/gift-aid/claims/${id}/download`);
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('cannot be downloaded');
    const downloads = () => core.db.selectFrom('audit_log').select('id').where('action', '=', 'donations.claim.download').execute();
    const before = (await downloads()).length;

    const form = await staff.get(fix);
    expect(form.status).toBe(200);
    expect(form.text).toContain('value="Smith &amp; Sons"');
    const corrected = await staff.post(fix, {
      title: 'Mr',
      firstName: 'Oliver',
      lastName: 'Smith',
      house: '12',
      address: 'Station Road, Leeds',
      postcode: 'ls1 4ap',
    });
    expect(corrected.status, corrected.text.slice(0, 400)).toBe(303);
    // Checked again: the claim now reads the corrected record.
    await staff.get(`/admin/donations/gift-aid/claims/${id}`);
    expect((await staff.post(`/admin/donations/gift-aid/claims/${id}/check`)).status).toBe(303);
    const after = await staff.get(`/admin/donations/gift-aid/claims/${id}`);
    expect(after.text).toContain('No row has a problem');

    const file = await postForBytes(t, staff, `/admin/donations/gift-aid/claims/${id}/download`);
    expect(file.status).toBe(200);
    expect(file.type).toContain('application/vnd.oasis.opendocument.spreadsheet');
    expect(file.disposition).toMatch(/attachment; filename="gift-aid-claim-\d+\.ods"/);
    const cells = cellsOf(file.bytes);
    const header = cells.find((r) => r[0] === SCHEDULE_COLUMNS[0])!;
    expect(header.slice(0, SCHEDULE_COLUMNS.length)).toEqual([...SCHEDULE_COLUMNS]);
    expect(SCHEDULE_COLUMNS).toEqual(expect.arrayContaining(['Title', 'Last name', 'Postcode', 'Donation date', 'Amount']));
    const rows = dataRows(cells);
    expect(rows).toHaveLength(2);
    const col = (name: string) => SCHEDULE_COLUMNS.indexOf(name as never);
    const smith = rows.find((r) => r[col('Last name')] === 'Smith')!;
    expect(smith[col('Title')]).toBe('Mr');
    expect(smith[col('Postcode')]).toBe('LS1 4AP');
    expect(smith[col('Amount')]).toBe('12.50');
    expect(smith[col('Donation date')]).toMatch(/^\d{2}\/\d{2}\/\d{2}$/);
    expect(rows.find((r) => r[col('Last name')] === "O'Brien")![col('Amount')]).toBe('100.00');
    expect((await downloads()).length).toBe(before + 1);
  });

  test('a claim over 1,000 rows downloads as a zip of two schedules', async () => {
    await fresh();
    const now = Date.now();
    const d = await donor(core, 'Many Gifts');
    await declare(core, d, { firstName: 'Mary', lastName: 'Giver', madeAt: now - 900 * DAY });
    const base = now - 800 * DAY;
    const rows: Array<Insertable<DonationsTable>> = [];
    for (let i = 0; i < 1001; i++)
      rows.push({
        ...{ donor_id: d, fund_id: null, regular_id: null, kind: 'monthly', channel: 'online', method: 'card', status: 'paid' },
        ...{ amount_pence: 2500 + i, refunded_pence: 0, given_at: base + i * 60_000, gift_aid: 1, from_company: 0, benefit_pence: 0 },
        ...{ message_enc: null, checkout_ref: null, payment_ref: null, invoice_ref: null, reference: '', claim_id: null },
        ...{ recorded_by: null, created_at: now, updated_at: now },
      });
    for (let i = 0; i < rows.length; i += 100)
      await core.db
        .insertInto('donations')
        .values(rows.slice(i, i + 100))
        .execute();
    const id = await claimThroughForm(base, base + DAY);
    const file = await postForBytes(t, staff, `/admin/donations/gift-aid/claims/${id}/download`);
    expect(file.status).toBe(200);
    expect(file.type).toContain('application/zip');
    const parts = unzipSync(file.bytes);
    const names = Object.keys(parts).sort();
    expect(names).toHaveLength(2);
    expect(names[0]).toMatch(/part-1-of-2\.ods$/);
    const [first, second] = names.map((n) => dataRows(cellsOf(parts[n]!)));
    expect(first).toHaveLength(1000);
    expect(second).toHaveLength(1);
    // Each part is an ODS itself: its first entry says so.
    expect(strFromU8(unzipSync(parts[names[0]!]!).mimetype!)).toBe('application/vnd.oasis.opendocument.spreadsheet');
    const total = [...first!, ...second!].reduce((s, r) => s + Math.round(Number(r[r.length - 1]) * 100), 0);
    expect(total).toBe(rows.reduce((s, r) => s + Number(r.amount_pence), 0));
    await clearDrafts();
  });

  test('no gift is ever in two claims, even when overlapping claims are made at once', async () => {
    await fresh();
    const now = Date.now();
    const d = await donor(core);
    await declare(core, d, { madeAt: now - 100 * DAY });
    const gifts: number[] = [];
    for (let i = 0; i < 30; i++) gifts.push(await gift(core, d, { given_at: now - (i + 1) * DAY }));
    const [a, b] = await Promise.all([
      createClaim(
        core,
        null,
        { fromDay: dayIn(now - 40 * DAY, timeZone), toDay: dayIn(now - DAY, timeZone), aggregate: false },
        { timeZone },
      ),
      createClaim(core, null, { fromDay: dayIn(now - 20 * DAY, timeZone), toDay: dayIn(now, timeZone), aggregate: false }, { timeZone }),
    ]);
    const claimed = await core.db.selectFrom('donations').select(['id', 'claim_id']).where('id', 'in', gifts).execute();
    expect(claimed.every((g) => g.claim_id !== null)).toBe(true);
    expect(a.summary.rows + b.summary.rows).toBe(30);
    // Each claim holds exactly the gifts it counted: neither took one the other had.
    for (const made of [a, b])
      expect(claimed.filter((g) => Number(g.claim_id) === made.claimId).length, `claim ${made.claimId}`).toBe(made.summary.gifts);
    const third = await claimThroughForm(now - 50 * DAY, now);
    const page = await staff.get(`/admin/donations/gift-aid/claims/${third}`);
    expect(page.text).toMatch(/It is in another claim\.<\/td><td class="num">30</);
    const c3 = await core.db.selectFrom('gift_aid_claims').select('row_count').where('id', '=', third).executeTakeFirstOrThrow();
    expect(Number(c3.row_count)).toBe(0);
    await clearDrafts();
    expect(await core.db.selectFrom('donations').select('id').where('id', 'in', gifts).where('claim_id', 'is not', null).execute()).toEqual(
      [],
    );
  });

  test('a claim is submitted, then paid; only a draft can be deleted; a bad form changes nothing', async () => {
    await fresh();
    const now = Date.now();
    const d = await donor(core);
    await declare(core, d, { madeAt: now - 100 * DAY });
    const g = await gift(core, d, { given_at: now - 2 * DAY, amount_pence: 4000 });
    const id = await claimThroughForm(now - 2 * DAY, now);
    await staff.get(`/admin/donations/gift-aid/claims/${id}`);
    const blank = await staff.post(`/admin/donations/gift-aid/claims/${id}/submitted`, { reference: '' });
    expect(blank.status).toBe(422);
    expect(blank.text).toContain('Enter HMRC’s reference');
    expect((await staff.post(`/admin/donations/gift-aid/claims/${id}/paid`, { amount: '10', paidOn: dayIn(now, timeZone) })).status).toBe(
      409,
    );
    expect((await staff.post(`/admin/donations/gift-aid/claims/${id}/submitted`, { reference: 'CH-2026/123' })).status).toBe(303);
    const again = await staff.post(`/admin/donations/gift-aid/claims/${id}/submitted`, { reference: 'CH-2026/124' });
    expect(again.status).toBe(409);
    expect((await staff.post(`/admin/donations/gift-aid/claims/${id}/delete`)).status).toBe(409);
    expect(await claimOf(core, g)).toBe(id);
    const future = dayIn(now + 3 * DAY, timeZone);
    expect((await staff.post(`/admin/donations/gift-aid/claims/${id}/paid`, { amount: '10', paidOn: future })).status).toBe(422);
    const paid = await staff.post(`/admin/donations/gift-aid/claims/${id}/paid`, { amount: '10.00', paidOn: dayIn(now, timeZone) });
    expect(paid.status).toBe(303);
    const claim = await core.db.selectFrom('gift_aid_claims').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(claim.status).toBe('paid');
    expect(claim.hmrc_reference).toBe('CH-2026/123');
    expect(Number(claim.paid_pence)).toBe(1000);
    const list = await staff.get('/admin/donations/gift-aid');
    expect(list.text).toContain('Paid by HMRC');
    expect(list.text).toContain('£10.00'); // Gift Aid due on £40
    const audit = await core.db
      .selectFrom('audit_log')
      .select(['action', 'details'])
      .where('target', '=', `gift-aid-claim ${id}`)
      .execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['donations.claim.create', 'donations.claim.paid', 'donations.claim.submit']);
  });

  test('small cash collections go in the claim of their period, with the top-up on at most £8,000 a tax year', async () => {
    await fresh();
    const now = Date.now();
    await staff.get('/admin/donations/gift-aid/collections/new');
    const bad = await staff.post('/admin/donations/gift-aid/collections/new', {
      collectedOn: dayIn(now + 2 * DAY, timeZone),
      amount: 'lots',
      method: 'cheque',
    });
    expect(bad.status).toBe(422);
    expect(await core.db.selectFrom('small_donation_collections').select('id').execute()).toEqual([]);
    const form = await staff.get('/admin/donations/gift-aid/collections/new');
    expect(form.text).toContain('£30.00 or less');
    for (const amount of ['5,000', '4,000'])
      expect(
        (
          await staff.post('/admin/donations/gift-aid/collections/new', {
            collectedOn: dayIn(now, timeZone),
            amount,
            method: 'cash',
            occasion: 'Weekly protest bucket',
          })
        ).status,
      ).toBe(303);
    const id = await claimThroughForm(now - DAY, now);
    const claim = await core.db.selectFrom('gift_aid_claims').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(Number(claim.small_donations_pence)).toBe(900_000);
    const page = await staff.get(`/admin/donations/gift-aid/claims/${id}`);
    expect(page.text).toMatch(/Small donations top-up to enter: <strong>£2,000\.00<\/strong>/);
    expect(GASDS_ALLOWANCE_PENCE).toBe(800_000);
    const collections = await core.db.selectFrom('small_donation_collections').select('claim_id').execute();
    expect(collections.every((c) => Number(c.claim_id) === id)).toBe(true);
    await clearDrafts();
    expect((await core.db.selectFrom('small_donation_collections').select('claim_id').execute()).every((c) => c.claim_id === null)).toBe(
      true,
    );
  });

  test('small gifts go on aggregated lines when asked, and every penny is still claimed', async () => {
    await fresh();
    const now = Date.now();
    const d = await donor(core);
    await declare(core, d, { madeAt: now - 100 * DAY });
    for (let i = 0; i < 5; i++) await gift(core, d, { given_at: now - DAY, amount_pence: 500 + i });
    await gift(core, d, { given_at: now - DAY, amount_pence: 2001 });
    const made = await createClaim(
      core,
      null,
      { fromDay: dayIn(now - DAY, timeZone), toDay: dayIn(now, timeZone), aggregate: true },
      { timeZone },
    );
    expect(made.summary.gifts).toBe(6);
    expect(made.summary.rows).toBe(2);
    expect(made.summary.totalPence).toBe(500 * 5 + 10 + 2001);
    const file = await writeClaimSchedule(core, null, made.claimId);
    const rows = dataRows(cellsOf(file.bytes));
    expect(rows).toHaveLength(2);
    const aggregated = rows.find((r) => r[SCHEDULE_COLUMNS.indexOf('Aggregated donations' as never)] !== '')!;
    expect(aggregated[SCHEDULE_COLUMNS.indexOf('Last name' as never)]).toBe('');
    await clearDrafts();
  });

  test('a declaration is decrypted only as far as it is read', async () => {
    const d = await donor(core);
    const id = await declare(core, d);
    const row = await core.db.selectFrom('gift_aid_declarations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    let decrypted = 0;
    const counting = { ...core.keyring, decrypt: (c: string) => (decrypted++, core.keyring.decrypt(c)) };
    const lazy = lazyDeclaration(counting, row);
    expect(decrypted).toBe(0);
    expect(lazy.postcode).toBe('LS1 4AP');
    expect(lazy.postcode).toBe('LS1 4AP');
    expect(decrypted).toBe(1);
    expect(lazy.lastName).toBe('Yusuf');
    expect(decrypted).toBe(2);
  });

  test('a viewer may not see or change Gift Aid claims', async () => {
    const viewer = (await signedInAs(t, 'viewer')).client;
    expect((await viewer.get('/admin/donations/gift-aid')).status).toBe(403);
    expect((await viewer.get('/admin/donations/gift-aid/claims/new')).status).toBe(403);
    await viewer.get('/admin');
    const before = await core.db.selectFrom('gift_aid_claims').select('id').execute();
    expect((await viewer.post('/admin/donations/gift-aid/claims/new', { from: '2026-01-01', to: '2026-01-02' })).status).toBe(403);
    expect(await core.db.selectFrom('gift_aid_claims').select('id').execute()).toEqual(before);
  });
});
