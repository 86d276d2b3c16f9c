import { mkdirSync } from 'node:fs';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { seedDemo } from '../../src/app.js';
import { fileURLToPath } from 'node:url';
import { importWordPressFile } from '../../src/content/capability.js';
import { publishScheduledUpdates } from '../../src/content/updates/service.js';
import { startTestLantern, type TestLantern } from '../helpers/app.js';
import {
  COLOUR_RULES,
  DESKTOP,
  LAYOUT_RULES,
  PHONE,
  SCREENSHOT_DIR,
  WAIT,
  clearRecord,
  describeInBrowser,
  foreignRequests,
  formatViolations,
  horizontalOverflow,
  launchBrowser,
  openPage,
  runAxe,
  viewAs,
  widgetReady,
  type PageRecord,
} from '../helpers/browser.js';
import { addTestStaff, signedInClient } from '../helpers/staff.js';

// The website in a real browser, on the demo charity: every public page and the website's staff pages are
// accessible (axe, WCAG 2.2 A and AA), load nothing from elsewhere and fit a 320 px phone; Amina reads the campaign
// page, opens an update behind a content warning, downloads a briefing paper, shares it, searches and signs up; an
// editor uploads an image, schedules an update with it, and sees it published.

const PAGES = [
  ['home', '/'],
  ['campaign', '/campaigns/free-the-supply-chain'],
  ['updates', '/updates'],
  ['update', '/updates/the-import-ban-reaches-the-order-paper'],
  ['update-with-warning', '/updates/i-have-not-heard-my-mothers-voice-in-six-years'],
  ['category', '/categories/research'],
  ['resources', '/resources'],
  ['resource', '/resources/briefing-why-audits-miss-forced-labour'],
  ['search', '/search?q=cotton'],
  ['about', '/about'],
  ['contact', '/contact'],
] as const;

const STAFF_PAGES = [
  ['website', '/admin/content'],
  ['updates-admin', '/admin/content/updates'],
  ['update-editor', '/admin/content/updates/new'],
  ['images-admin', '/admin/content/images'],
  ['resources-admin', '/admin/content/resources'],
  ['campaign-pages', '/admin/content/campaigns'],
  ['home-admin', '/admin/content/home'],
  ['pages-admin', '/admin/content/pages'],
  ['quotes-admin', '/admin/content/testimonials'],
  ['messages-admin', '/admin/content/messages'],
  ['categories-admin', '/admin/content/categories'],
  ['warnings-admin', '/admin/content/warnings'],
  ['wordpress-admin', '/admin/content/wordpress'],
] as const;

const WXR = fileURLToPath(new URL('../fixtures/wordpress/riverside.xml', import.meta.url));

let browser: Browser;

beforeAll(async () => {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

/** axe on the phone (every rule) and on the dark desktop (colours and layout), no sideways scrolling at 320 px. */
async function checkPage(page: Page, record: PageRecord, baseUrl: string, name: string) {
  await viewAs(page, { viewport: PHONE, colorScheme: 'light' });
  const all = await runAxe(page);
  expect(all, `${name}:\n${formatViolations(all)}`).toEqual([]);
  await page.screenshot({ path: `${SCREENSHOT_DIR}website-${name}-phone.png`, fullPage: true });
  await viewAs(page, { viewport: DESKTOP, colorScheme: 'dark' });
  const dark = await runAxe(page, { rules: [...COLOUR_RULES, ...LAYOUT_RULES] });
  expect(dark, `${name} (dark desktop):\n${formatViolations(dark)}`).toEqual([]);
  await viewAs(page, { viewport: DESKTOP, colorScheme: 'light' });
  await page.screenshot({ path: `${SCREENSHOT_DIR}website-${name}-desktop.png`, fullPage: true });
  await page.setViewportSize({ width: 320, height: 640 });
  expect(await horizontalOverflow(page), `${name}: no sideways scrolling at 320 px`).toBe(0);
  expect(foreignRequests(record, baseUrl), name).toEqual([]);
  expect(record.errors, name).toEqual([]);
}

describeInBrowser('the website in a browser', (ctx) => {
  let app: TestLantern;
  let session: string;

  beforeAll(async () => {
    app = await startTestLantern(ctx, { worker: true });
    await seedDemo(app.lantern.core);
    const editor = await addTestStaff(app, { role: 'editor', name: 'Amina Yusuf' });
    session = (await signedInClient(app, editor)).cookie('lantern_session')!;
  });
  afterAll(async () => {
    await app?.close();
  });

  test('every public page of the website: accessible, nothing from elsewhere, fits a phone', async () => {
    const { context, page, record } = await openPage(browser, { viewport: PHONE });
    try {
      for (const [name, path] of PAGES) {
        clearRecord(record);
        const res = await page.goto(app.baseUrl + path);
        expect(res?.status(), path).toBe(200);
        await checkPage(page, record, app.baseUrl, name);
      }
    } finally {
      await context.close();
    }
  });

  test('Amina reads the campaign, opens an update behind a warning, downloads a briefing, shares it, searches and signs up', async () => {
    const { context, page, record } = await openPage(browser, { viewport: PHONE, acceptDownloads: true });
    try {
      await page.goto(`${app.baseUrl}/campaigns/free-the-supply-chain`);
      expect(await page.locator('main h1').textContent()).toBe('Free the supply chain');
      await page.getByRole('link', { name: '“I have not heard my mother’s voice in six years”' }).first().click();
      await page.waitForURL('**/updates/i-have-not-heard-my-mothers-voice-in-six-years');
      // The warning first; the account stays folded away until she chooses to read it.
      await expect.poll(() => page.getByRole('heading', { name: /Content warning: Family separation/ }).count(), WAIT).toBe(1);
      const account = page.getByText('The last call was short.');
      expect(await account.isVisible()).toBe(false);
      await page.locator('summary', { hasText: 'Show the update' }).click();
      await expect.poll(() => account.isVisible(), WAIT).toBe(true);

      await page.goto(`${app.baseUrl}/resources`);
      await page.getByRole('link', { name: 'Briefing: why factory audits miss forced labour' }).click();
      await page.waitForURL('**/resources/briefing-why-audits-miss-forced-labour');
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /^Download/ }).click()]);
      expect(download.suggestedFilename()).toBe('briefing-why-audits-miss-forced-labour.pdf');
      // Sharing is plain links, to the services' own addresses, with nothing loaded from them.
      const whatsapp = await page.getByRole('link', { name: 'Share by WhatsApp' }).getAttribute('href');
      expect(whatsapp).toContain(encodeURIComponent(`${app.baseUrl}/resources/briefing-why-audits-miss-forced-labour`));
      expect(await page.getByLabel('Or copy this link').inputValue()).toBe(
        `${app.baseUrl}/resources/briefing-why-audits-miss-forced-labour`,
      );

      await page.goto(`${app.baseUrl}/search`);
      await page.getByLabel('Search our updates, campaigns, resources and pages').fill('spinning mills');
      await Promise.all([page.waitForURL('**/search?**'), page.getByRole('button', { name: 'Search', exact: true }).click()]);
      await expect.poll(() => page.locator('main mark').count(), WAIT).toBeGreaterThan(0);

      await page.goto(`${app.baseUrl}/`);
      await widgetReady(page);
      await page.getByLabel('Email address').fill('amina.reader@example.org');
      await page.getByLabel('First name').fill('Amina');
      await page.getByLabel('Campaign updates').check();
      await Promise.all([page.waitForURL('**/stay-in-touch/check-your-email'), page.getByRole('button', { name: 'Sign up' }).click()]);
      expect(await page.locator('h1').textContent()).toBe('Check your email');
      expect(foreignRequests(record, app.baseUrl)).toEqual([]);
      expect(record.errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('an editor imports a WordPress export, fixes an imported post, schedules an update with an image and sees it publish', async () => {
    const { context, page, record } = await openPage(browser, { viewport: DESKTOP });
    await context.addCookies([{ name: 'lantern_session', value: session, url: app.baseUrl }]);
    try {
      // The import, as `npx lantern import wordpress` runs it.
      const report = await importWordPressFile(app.lantern.core, WXR, {});
      expect(report.imported.update).toBeGreaterThan(0);
      await page.goto(`${app.baseUrl}/admin/content/wordpress`);
      expect(await page.locator('main').textContent()).toMatch(/riverside\.xml/);
      await page.goto(`${app.baseUrl}/admin/content/updates`);
      await page.locator('main').getByRole('link', { name: 'Candles outside the embassy', exact: true }).first().click();
      await page.getByLabel('Title').fill('Candles outside the embassy, every Friday');
      await Promise.all([page.waitForURL('**/admin/content/updates/**'), page.getByRole('button', { name: 'Save changes' }).click()]);
      // The old site's address leads to the fixed post.
      await page.goto(`${app.baseUrl}/2025/03/14/candles-outside-the-embassy/`);
      expect(await page.locator('main h1').textContent()).toBe('Candles outside the embassy, every Friday');

      for (const [name, path] of STAFF_PAGES) {
        clearRecord(record);
        const res = await page.goto(app.baseUrl + path);
        expect(res?.status(), path).toBe(200);
        await checkPage(page, record, app.baseUrl, name);
      }
      await viewAs(page, { viewport: DESKTOP });
      await page.goto(`${app.baseUrl}/admin/content/images`);
      const photo = await sharp({ create: { width: 1400, height: 900, channels: 3, background: '#7a4a22' } })
        .jpeg()
        .toBuffer();
      await page.getByLabel('Image', { exact: true }).setInputFiles({ name: 'vigil.jpg', mimeType: 'image/jpeg', buffer: photo });
      await page.getByLabel('What the image shows').first().fill('Candles held at the evening vigil');
      await Promise.all([
        page.waitForURL('**/admin/content/images?done=uploaded**'),
        page.getByRole('button', { name: 'Upload the image' }).click(),
      ]);
      // The images page with an image on it: its description form, Markdown and delete button pass too.
      clearRecord(record);
      await checkPage(page, record, app.baseUrl, 'images-admin-with-image');
      await viewAs(page, { viewport: DESKTOP });

      await page.goto(`${app.baseUrl}/admin/content/updates/new`);
      await page.getByLabel('Title').fill('Candles for the families');
      await page.getByLabel('Text', { exact: true }).fill('We will light **one candle** for every family.');
      await page.getByLabel('Featured image (optional)').selectOption({ label: 'Candles held at the evening vigil' });
      await page.getByRole('button', { name: 'Preview' }).click();
      await expect.poll(() => page.locator('strong', { hasText: 'one candle' }).count(), WAIT).toBeGreaterThan(0);
      const soon = new Date(Date.now() + 5 * 60_000);
      const local = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/London', dateStyle: 'short', timeStyle: 'short' })
        .format(soon)
        .replace(' ', 'T');
      await page.getByLabel('Publish at (for Schedule)').fill(local);
      await Promise.all([page.waitForURL('**/admin/content/updates/**'), page.getByRole('button', { name: /^Schedule/ }).click()]);
      expect((await page.goto(`${app.baseUrl}/updates/candles-for-the-families`))?.status()).toBe(404);
      // The time comes: the scheduling job publishes it.
      expect(await publishScheduledUpdates(app.lantern.core, soon.getTime() + 60_000)).toBe(1);
      await page.goto(`${app.baseUrl}/updates/candles-for-the-families`);
      expect(await page.locator('main h1').textContent()).toBe('Candles for the families');
      expect(await page.locator('main picture img').getAttribute('alt')).toBe('Candles held at the evening vigil');
      expect(foreignRequests(record, app.baseUrl)).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
