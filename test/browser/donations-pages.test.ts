import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { seedDemo } from '../../src/app.js';
import { DEMO_APPEAL_SLUG } from '../../src/donations/demo.js';
import { startTestLantern, type TestLantern } from '../helpers/app.js';
import {
  PHONE,
  clearRecord,
  describeInBrowser,
  foreignRequests,
  formatViolations,
  horizontalOverflow,
  launchBrowser,
  openPage,
  runAxe,
} from '../helpers/browser.js';
import { addTestStaff, signedInClient } from '../helpers/staff.js';

// Every donations page, public and staff, over the demo's year of gifts, in a real browser on a phone: accessible
// (axe, WCAG 2.2 A and AA), nothing loaded from elsewhere, no console error, no sideways scrolling at 390 or 320 px.
// Screenshots go to /tmp/donations-pages/ for a person to look at as a donor and as a treasurer would.

const SHOTS = '/tmp/donations-pages/';
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

describeInBrowser('donations pages in a browser', (ctx) => {
  let app: TestLantern;
  let session: string;
  let pages: Array<[string, string]>;

  beforeAll(async () => {
    app = await startTestLantern(ctx);
    const core = app.lantern.core;
    expect(await seedDemo(core)).toBe(true);
    const treasurer = await addTestStaff(app, { role: 'treasurer', name: 'Nadia Treasurer' });
    session = (await signedInClient(app, treasurer)).cookie('lantern_session')!;
    const db = core.db;
    const ruth = await db.selectFrom('donors').select(['id', 'manage_enc']).orderBy('id').executeTakeFirstOrThrow();
    const gift = await db.selectFrom('donations').select('id').where('status', '=', 'refunded').executeTakeFirstOrThrow();
    const claim = await db.selectFrom('gift_aid_claims').select('id').executeTakeFirstOrThrow();
    const fund = await db.selectFrom('donation_funds').select('id').where('slug', '=', DEMO_APPEAL_SLUG).executeTakeFirstOrThrow();
    const declaration = await db.selectFrom('gift_aid_declarations').select('id').where('donor_id', '=', ruth.id).executeTakeFirstOrThrow();
    pages = [
      ['donate', '/donate'],
      ['appeal', `/donate/${DEMO_APPEAL_SLUG}`],
      ['thank-you-unknown', '/donate/thank-you?session=cs_test_lantern_nothing'],
      ['donor-page', `/donate/manage/${core.keyring.decrypt(ruth.manage_enc)}`],
      ['admin-gifts', '/admin/donations'],
      ['admin-figures', '/admin/donations/figures'],
      ['admin-record-gift', '/admin/donations/new'],
      ['admin-gift', `/admin/donations/${gift.id}`],
      ['admin-export', '/admin/donations/export'],
      ['admin-funds', '/admin/donations/funds'],
      ['admin-fund', `/admin/donations/funds/${fund.id}`],
      ['admin-new-fund', '/admin/donations/funds/new'],
      ['admin-settings', '/admin/donations/settings'],
      ['admin-payment-events', '/admin/donations/payment-events'],
      ['admin-gift-aid', '/admin/donations/gift-aid'],
      ['admin-claim', `/admin/donations/gift-aid/claims/${claim.id}`],
      ['admin-new-claim', '/admin/donations/gift-aid/claims/new'],
      ['admin-new-collection', '/admin/donations/gift-aid/collections/new'],
      ['admin-donor', `/admin/donations/donors/${ruth.id}`],
      ['admin-new-declaration', `/admin/donations/donors/${ruth.id}/declarations/new`],
      ['admin-correct-declaration', `/admin/donations/donors/${ruth.id}/declarations/${declaration.id}/correct`],
    ];
  });
  afterAll(async () => {
    await app?.close();
  });

  test('every donations page: accessible, nothing from elsewhere, fits a phone', async () => {
    const { context, page, record } = await openPage(browser, { viewport: PHONE, javaScriptEnabled: true });
    try {
      await context.addCookies([{ name: 'lantern_session', value: session, url: app.baseUrl }]);
      for (const [name, path] of pages) {
        clearRecord(record);
        await page.setViewportSize(PHONE);
        const res = await page.goto(app.baseUrl + path);
        expect(res?.status(), path).toBe(200);
        await page.screenshot({ path: `${SHOTS}${ctx.dialect}-${name}.png`, fullPage: true });
        const violations = await runAxe(page);
        expect(violations, `${path}:\n${formatViolations(violations)}`).toEqual([]);
        expect(await horizontalOverflow(page), `${path}: no sideways scrolling on a phone`).toBe(0);
        await page.setViewportSize({ width: 320, height: 640 });
        expect(await horizontalOverflow(page), `${path}: no sideways scrolling at 320 px`).toBe(0);
        expect(foreignRequests(record, app.baseUrl), path).toEqual([]);
        expect(record.errors, path).toEqual([]);
      }
    } finally {
      await context.close();
    }
  });
});
