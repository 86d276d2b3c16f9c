import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { seedDemo } from '../../src/app.js';
import { listActionsForStaff } from '../../src/actions/service.js';
import { startTestLantern, type TestLantern } from '../helpers/app.js';
import {
  DESKTOP,
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
} from '../helpers/browser.js';
import { addTestStaff, signedInClient } from '../helpers/staff.js';

// The admin shell in a real browser, on the demo charity: the dashboard (what needs a person, each capability's
// card, staff activity in words), the navigation (the work, then the Settings group, a disclosure that needs no
// JavaScript), and the MPs and postcodes page with an upload through its form and the import's progress page.
// Each page is accessible (axe, WCAG 2.2 A and AA), loads nothing from elsewhere and fits a 320 px phone.
// Screenshots at 390 px and 1280 px go to SCREENSHOTS_DIR when set (the design review), else to test-results.

const SHOTS = process.env.SCREENSHOTS_DIR ?? SCREENSHOT_DIR;
const LAPTOP = { width: 1280, height: 900 } as const;
const FIXTURE = fileURLToPath(new URL('../../src/representatives/fixtures/onspd_aug2024_extract.csv', import.meta.url));

let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

describeInBrowser('the admin shell in a browser', (ctx) => {
  let app: TestLantern;
  let session: string;

  beforeAll(async () => {
    app = await startTestLantern(ctx, { worker: true });
    await seedDemo(app.lantern.core);
    const owner = await addTestStaff(app, { role: 'owner', name: 'Amina Yusuf' });
    const client = await signedInClient(app, owner);
    session = client.cookie('lantern_session')!;
    // Amina closes and reopens an action, so staff activity has her name in it.
    const open = (await listActionsForStaff(app.lantern.core.db)).find((a) => a.status === 'open')!;
    await client.get(`/admin/actions/${open.id}`);
    expect((await client.post(`/admin/actions/${open.id}/close`)).status).toBe(303);
    expect((await client.post(`/admin/actions/${open.id}/reopen`)).status).toBe(303);
  });

  afterAll(async () => {
    await app?.close();
  });

  const open = async (viewport: { width: number; height: number }) => {
    const o = await openPage(browser, { viewport });
    await o.context.addCookies([{ name: 'lantern_session', value: session, url: app.baseUrl }]);
    return o;
  };

  const shoot = async (page: import('playwright-core').Page, name: string) => {
    for (const [label, viewport] of [
      ['390', { width: 390, height: 844 }],
      ['1280', LAPTOP],
    ] as const) {
      await viewAs(page, { viewport });
      const file = `${SHOTS}/${ctx.dialect === 'sqlite' ? '' : `${ctx.dialect}-`}${name}-${label}`;
      await page.screenshot({ path: `${file}.png`, fullPage: true });
      // The first screenful as well: what staff see before they scroll.
      await page.screenshot({ path: `${file}-first-screen.png` });
    }
  };

  test('the dashboard and the settings pages: accessible, nothing from elsewhere, fit a phone', async () => {
    const { context, page, record } = await open(PHONE);
    try {
      for (const [name, path] of [
        ['dashboard', '/admin'],
        ['jobs', '/admin/jobs'],
        ['mps-and-postcodes', '/admin/representatives'],
        ['settings', '/admin/settings'],
      ] as const) {
        clearRecord(record);
        await viewAs(page, { viewport: PHONE });
        const res = await page.goto(app.baseUrl + path);
        expect(res?.status(), path).toBe(200);
        const violations = await runAxe(page);
        expect(violations, `${path}:\n${formatViolations(violations)}`).toEqual([]);
        await shoot(page, name);
        await page.setViewportSize({ width: 320, height: 640 });
        expect(await horizontalOverflow(page), `${path}: no sideways scrolling at 320 px`).toBe(0);
        await viewAs(page, { viewport: LAPTOP });
        expect(await horizontalOverflow(page), `${path}: no sideways scrolling at 1280 px`).toBe(0);
        await viewAs(page, { viewport: DESKTOP });
        expect(foreignRequests(record, app.baseUrl), path).toEqual([]);
        expect(record.errors, path).toEqual([]);
      }
    } finally {
      await context.close();
    }
  });

  test('the dashboard speaks the charity’s language, and the Settings group opens without JavaScript', async () => {
    const { context, page } = await open(PHONE);
    try {
      await page.goto(`${app.baseUrl}/admin`);
      const main = page.locator('main');
      await expect.poll(() => main.getByRole('heading', { name: 'Needs a person' }).count(), WAIT).toBe(1);
      for (const card of ['Supporters', 'Latest newsletters', 'Open actions'])
        expect(await main.getByRole('heading', { name: card, exact: true }).count(), card).toBe(1);
      expect(await main.getByRole('link', { name: /waiting for approval/ }).count()).toBeGreaterThan(0);
      expect(
        await main.getByText(/Amina Yusuf reopened the (petition|letter to MPs|email to targets|organisation sign-on)/).count(),
      ).toBeGreaterThan(0);
      expect(await main.textContent()).not.toMatch(/action\.(open|close|reopen)|job\.retry/);
      // The work first, then Settings: closed, its links hidden until it is opened.
      const nav = page.getByRole('navigation', { name: 'Admin' });
      const jobs = nav.getByRole('link', { name: 'Jobs' });
      expect(await jobs.isVisible()).toBe(false);
      await nav.locator('summary', { hasText: 'Settings' }).click();
      await expect.poll(() => jobs.isVisible(), WAIT).toBe(true);
      await shoot(page, 'nav-settings-open');
    } finally {
      await context.close();
    }
  });

  test('a postcode file uploaded through the browser form is imported, and its progress page says so', async () => {
    const { context, page, record } = await open(LAPTOP);
    try {
      await page.goto(`${app.baseUrl}/admin/representatives`);
      await page.getByLabel('Postcodes', { exact: true }).check();
      await page.setInputFiles('#f-file', FIXTURE);
      await page.getByRole('button', { name: 'Upload and import' }).click();
      await page.waitForURL(/\/admin\/representatives\/uploads\/\d+$/);
      expect(await page.locator('h1').textContent()).toBe('Import of onspd_aug2024_extract.csv');
      // No automatic refresh: staff follow the link to look again.
      expect(await page.locator('meta[http-equiv="refresh"]').count()).toBe(0);
      await expect
        .poll(async () => {
          await page.reload();
          return page.getByText('The file was imported').count();
        }, WAIT)
        .toBe(1);
      expect(await page.locator('#upload-progress').getAttribute('value')).toBe('100');
      const violations = await runAxe(page);
      expect(violations, formatViolations(violations)).toEqual([]);
      await shoot(page, 'upload-progress');
      expect(foreignRequests(record, app.baseUrl)).toEqual([]);
      const found = await (await fetch(`${app.baseUrl}/api/representatives/postcode/AB12%203TP`)).json();
      expect(found).toMatchObject({ kind: 'found', constituency: { code: 'S14000111' } });
    } finally {
      await context.close();
    }
  });
});
