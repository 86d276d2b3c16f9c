import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import * as XLSX from 'xlsx';
import { unzipSync } from 'fflate';
import { startTestLantern, type TestLantern } from '../helpers/app.js';
import {
  PHONE,
  WAIT,
  clearRecord,
  describeInBrowser,
  foreignRequests,
  formatViolations,
  horizontalOverflow,
  launchBrowser,
  openPage,
  runAxe,
  widgetReady,
  type PageRecord,
} from '../helpers/browser.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';
import { addTestStaff, signedInClient } from '../helpers/staff.js';
import { CURRENT_WORDING } from '../../src/donations/gift-aid.js';
import { insertDonation } from '../../src/donations/queries.js';
import { findOrCreateDonor, recordDeclaration } from '../../src/donations/records.js';

// Donations in a real browser, on a phone, as the embedded default runs them (no Stripe key: the built-in test
// payment page plays Stripe's part). Ruth gives £10 a month with Gift Aid, then changes it to £15 from the link in
// her receipt. The treasurer prepares a Gift Aid claim, fixes the row HMRC would refuse, and downloads the schedule,
// which a real ODS reader then opens. Every page is accessible (axe, WCAG 2.2 A and AA), fits a phone, loads nothing
// from elsewhere and logs no error. Screenshots of each step go to /tmp/donations-shots/.

const SHOTS = '/tmp/donations-shots/';
const DAY = 24 * 3600_000;

let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

/** The first link in a text email under the path, with the token that ends it. */
function linkIn(text: string | undefined, path: RegExp): string | undefined {
  return new RegExp(`https?://[^\\s<>"]+${path.source}[\\w-]+`).exec(text ?? '')?.[0];
}

describeInBrowser('donations in a browser', (ctx) => {
  let app: TestLantern;
  let sink: SmtpSink;
  let treasurerSession: string;

  beforeAll(async () => {
    sink = await startSmtpSink();
    app = await startTestLantern(ctx, { env: { SMTP_URL: sink.url }, worker: true });
    const treasurer = await addTestStaff(app, { role: 'treasurer', name: 'Nadia Treasurer' });
    treasurerSession = (await signedInClient(app, treasurer)).cookie('lantern_session')!;
  });
  afterAll(async () => {
    await app?.close();
    await sink?.close();
  });

  /** One step: a screenshot, axe, no sideways scrolling at 390 and 320 px, nothing from elsewhere, no console error. */
  async function step(page: Page, record: PageRecord, name: string) {
    await page.screenshot({ path: `${SHOTS}${ctx.dialect}-${name}.png`, fullPage: true });
    const violations = await runAxe(page);
    expect(violations, `${name}:\n${formatViolations(violations)}`).toEqual([]);
    expect(await horizontalOverflow(page), `${name}: no sideways scrolling on a phone`).toBe(0);
    await page.setViewportSize({ width: 320, height: 640 });
    expect(await horizontalOverflow(page), `${name}: no sideways scrolling on a small phone (320 px)`).toBe(0);
    await page.setViewportSize(PHONE);
    expect(foreignRequests(record, app.baseUrl), name).toEqual([]);
    // The proof-of-work worker may still be loading when the form is sent; the navigation cancels it, which is not a fault.
    const failed = record.failed.filter((f) => !/^failed \S+\/assets\/altcha\//.test(f));
    expect(failed, `${name}: ${JSON.stringify(failed)}`).toEqual([]);
    expect(record.errors, name).toEqual([]);
    clearRecord(record);
  }

  test('Ruth gives £10 a month with Gift Aid from her phone, then changes it to £15 from her own page', async () => {
    const email = `ruth.${ctx.dialect}@example.org`;
    const { context, page, record } = await openPage(browser, { viewport: PHONE, javaScriptEnabled: true });
    try {
      await page.goto(`${app.baseUrl}/donate`);
      await widgetReady(page);
      await step(page, record, 'ruth-1-donate');

      await page.getByLabel('Every month').check();
      await page.getByLabel(/£10 a month/).check();
      await page.getByLabel(/day of the month/).selectOption('12');
      await page.getByLabel('Your name').fill('Ruth Adebayo');
      await page.getByLabel('Your email address').fill(email);
      await page.getByLabel(/Yes, add Gift Aid/).check();
      await page.getByLabel('Title (optional)').fill('Ms');
      await page.getByLabel('First name').fill('Ruth');
      await page.getByLabel('Last name').fill('Adebayo');
      await page.getByLabel('House name or number').fill('14');
      await page.getByLabel(/Rest of your address/).fill('Linden Road, Leeds');
      await page.getByLabel('Postcode').fill('ls6 2ab');
      await step(page, record, 'ruth-2-filled');
      await Promise.all([page.waitForURL('**/donate/test-payment/**'), page.getByRole('button', { name: 'Continue to payment' }).click()]);

      // The test payment page says plainly that no money moves, and what would be paid.
      const testPage = await page.locator('main').innerText();
      expect(testPage).toMatch(/no money moves/i);
      expect(testPage).toContain('£10');
      await step(page, record, 'ruth-3-test-payment');
      await Promise.all([page.waitForURL('**/donate/thank-you**'), page.getByRole('button', { name: 'Pay by card' }).click()]);
      expect(await page.locator('main h1').innerText()).toMatch(/thank you/i);
      await step(page, record, 'ruth-4-thank-you');

      // Her receipt carries her own link; her declaration was recorded as she typed it, postcode as HMRC wants it.
      const toRuth = () => sink.messages.find((m) => JSON.stringify(m.to).includes(email));
      await expect.poll(toRuth, { ...WAIT, message: 'the receipt arrived' }).toBeDefined();
      const link = linkIn(toRuth()!.text, /\/donate\/manage\//);
      expect(link, 'the receipt carries her own link').toBeDefined();
      const declarations = await ctx.db
        .selectFrom('gift_aid_declarations')
        .select(['postcode_enc', 'channel', 'wording_version'])
        .execute();
      expect(declarations).toHaveLength(1);
      expect(app.lantern.core.keyring.decrypt(declarations[0]!.postcode_enc)).toBe('LS6 2AB');
      expect(declarations[0]).toMatchObject({ channel: 'online', wording_version: CURRENT_WORDING });

      await page.goto(link!.replace(/^https?:\/\/[^/]+/, app.baseUrl));
      expect(await page.locator('main').innerText()).toMatch(/£10\.00 a month|£10 a month/);
      await step(page, record, 'ruth-5-her-page');
      await page.getByLabel('New monthly amount (£)').fill('15');
      await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Change the amount' }).click()]);
      expect(await page.locator('main').innerText()).toMatch(/£15\.00 a month|£15 a month/);
      await step(page, record, 'ruth-6-changed');
      const gift = await ctx.db.selectFrom('regular_gifts').select(['amount_pence', 'status', 'gift_aid']).executeTakeFirstOrThrow();
      expect(gift).toMatchObject({ amount_pence: 1500, status: 'active', gift_aid: 1 });
    } finally {
      await context.close();
    }
  });

  test('the treasurer prepares a Gift Aid claim, fixes the flagged row, and downloads the schedule', async () => {
    const core = app.lantern.core;
    const now = Date.now();
    // Two donors with declarations; one surname typed with a character HMRC refuses.
    await core.db.transaction().execute(async (trx) => {
      for (const [name, last, pounds] of [
        ['Sam Weaver', 'Weaver', 25],
        ['Peter O’Donnell', 'O’Donnell & Co', 40],
      ] as const) {
        const { id } = await findOrCreateDonor(trx, core.keyring, { email: `${last.length}.${ctx.dialect}@example.org`, name, now });
        await recordDeclaration(trx, core.keyring, {
          donorId: id,
          wordingVersion: CURRENT_WORDING,
          title: 'Mr',
          firstName: name.split(' ')[0]!,
          lastName: last,
          house: '5',
          address: 'Mill Lane, Cardiff',
          postcode: 'CF10 1AA',
          channel: 'paper',
          madeAt: now - 40 * DAY,
          coversPastFourYears: false,
          recordedBy: null,
          now,
        });
        await insertDonation(trx, {
          ...{ donor_id: id, fund_id: null, regular_id: null, kind: 'one_off', channel: 'cheque', method: 'none', status: 'paid' },
          ...{ amount_pence: pounds * 100, refunded_pence: 0, given_at: now - 20 * DAY, gift_aid: 1, from_company: 0, benefit_pence: 0 },
          ...{ message_enc: null, checkout_ref: null, payment_ref: null, invoice_ref: null, reference: '', claim_id: null },
          ...{ recorded_by: null, created_at: now, updated_at: now },
        });
      }
    });

    const { context, page, record } = await openPage(browser, { viewport: PHONE, javaScriptEnabled: true });
    try {
      await context.addCookies([{ name: 'lantern_session', value: treasurerSession, url: app.baseUrl }]);
      await page.goto(`${app.baseUrl}/admin/donations/gift-aid`);
      await step(page, record, 'treasurer-1-gift-aid');
      await Promise.all([page.waitForURL(/\/claims\/new$/), page.getByRole('link', { name: 'Make a claim' }).click()]);
      await step(page, record, 'treasurer-2-new-claim');
      const day = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(ms);
      await page.getByLabel('First day of the period').fill(day(now - 60 * DAY));
      await page.getByLabel('Last day of the period').fill(day(now));
      await Promise.all([
        page.waitForURL(/\/admin\/donations\/gift-aid\/claims\/\d+\?/),
        page.getByRole('button', { name: 'Make the claim' }).click(),
      ]);
      const claimUrl = page.url().replace(/\?.*$/, '');
      expect(await page.locator('main').innerText()).toMatch(/HMRC does not accept/);
      await step(page, record, 'treasurer-3-claim-with-a-problem');

      await Promise.all([page.waitForURL(/\/correct$/), page.getByRole('link', { name: 'Correct this declaration' }).click()]);
      await step(page, record, 'treasurer-4-correct');
      await page.getByLabel('Last name').fill('O’Donnell');
      await Promise.all([page.waitForURL(/done=corrected/), page.getByRole('button', { name: 'Save the correction' }).click()]);
      await page.goto(claimUrl);
      await Promise.all([page.waitForURL(/\?done=/), page.getByRole('button', { name: 'Check the claim again' }).click()]);
      expect(await page.locator('main').innerText()).not.toMatch(/HMRC does not accept/);
      await step(page, record, 'treasurer-5-claim-ready');

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Download HMRC’s schedule' }).click(),
      ]);
      const path = await download.path();
      const { readFileSync } = await import('node:fs');
      const bytes = readFileSync(path);
      const ods = download.suggestedFilename().endsWith('.zip') ? Object.values(unzipSync(bytes))[0]! : bytes;
      const book = XLSX.read(ods, { type: 'buffer' });
      const rows = XLSX.utils.sheet_to_json<string[]>(book.Sheets[book.SheetNames[0]!]!, { header: 1, raw: false });
      const header = rows.findIndex((r) => r[0] === 'Item');
      expect(rows[header]).toEqual([
        'Item',
        'Title',
        'First name or initial',
        'Last name',
        'House name or number',
        'Postcode',
        'Aggregated donations',
        'Sponsored event',
        'Donation date',
        'Amount',
      ]);
      const lines = rows.slice(header + 1).filter((r) => r.length > 0);
      // (Ruth's first monthly gift, from the journey above, may be in the period too.)
      const ours = lines.filter((r) => r[3] === 'Weaver' || r[3] === "O'Donnell");
      expect(ours.map((r) => [r[3], r[5], r[9]]).sort()).toEqual([
        ["O'Donnell", 'CF10 1AA', '40.00'],
        ['Weaver', 'CF10 1AA', '25.00'],
      ]);
      for (const r of lines) expect(r[8]).toMatch(/^\d\d\/\d\d\/\d\d$/);
    } finally {
      await context.close();
    }
  });
});
