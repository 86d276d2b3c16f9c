import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../../test/helpers/app.js';
import {
  browserAvailable,
  COLOUR_RULES,
  DESKTOP,
  PHONE,
  SCREENSHOT_DIR,
  foreignRequests,
  formatViolations,
  horizontalOverflow,
  LAYOUT_RULES,
  launchBrowser,
  openPage,
  runAxe,
  describeInBrowser,
  viewAs,
  widgetReady,
} from '../../../test/helpers/browser.js';
import { ensureEssentialPages } from '../../content/service.js';
import { hashToken, newToken } from '../../core/crypto.js';
import { seedDemo } from '../../app.js';
import { emailIndex } from '../../supporters/service.js';
import { insertSignatureToken } from './queries.js';

// Signing the demo petition in a real browser: the page with the form and the ALTCHA widget passes axe (WCAG 2.2
// AA, phone and desktop, light and dark) with everything from our origin under the strict CSP; signing with
// JavaScript (the proof of work solved in a worker, the town field appearing only with its box) and without; and
// every page a signer reaches passes axe too.

let browser: Browser;

// A page is loaded once, on a phone, then shown on a dark desktop (the same markup). axe runs once per page shape:
// every rule on the phone; on the dark desktop the rules that depend on the colours and on the layout.
const VIEWS = [
  { label: 'phone', viewport: PHONE, colorScheme: 'light' as const, axeRules: undefined },
  { label: 'desktop-dark', viewport: DESKTOP, colorScheme: 'dark' as const, axeRules: [...COLOUR_RULES, ...LAYOUT_RULES] },
];

beforeAll(async () => {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  if (browserAvailable()) browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

describeInBrowser('signing a petition in a browser', (ctx) => {
  let app: TestLantern;
  let slug: string;
  let actionId: number;

  beforeAll(async () => {
    app = await startTestLantern(ctx);
    await seedDemo(app.lantern.core);
    await ensureEssentialPages(ctx.db, 'Freedom Thread');
    const row = await ctx.db
      .selectFrom('actions')
      .select(['id', 'slug'])
      .where('kind', '=', 'petition')
      .where('status', '=', 'open')
      .executeTakeFirstOrThrow();
    slug = row.slug;
    actionId = row.id;
  });

  afterAll(async () => {
    await app?.close();
  });

  const signatureOf = (email: string) =>
    ctx.db
      .selectFrom('signatures')
      .selectAll()
      .where('action_id', '=', actionId)
      .where('email_index', '=', emailIndex(app.lantern.core.keyring, email))
      .executeTakeFirst();

  test('the petition page with its form and widget passes axe, loads nothing from elsewhere, breaks no CSP rule, fits 320 px', async () => {
    const { context, page, record } = await openPage(browser, { viewport: PHONE, colorScheme: 'light' });
    try {
      expect((await page.goto(`${app.baseUrl}/act/${slug}`))?.status()).toBe(200);
      await widgetReady(page);
      // The demo's signers who chose to be shown are listed.
      expect(await page.locator('.petition-signers li').count()).toBeGreaterThan(0);
      for (const view of VIEWS) {
        await viewAs(page, view);
        const violations = await runAxe(page, { rules: view.axeRules });
        expect(violations, `${view.label}:\n${formatViolations(violations)}`).toEqual([]);
        await page.screenshot({ path: `${SCREENSHOT_DIR}${ctx.dialect}-petition-${view.label}.png`, fullPage: true });
        if (view.label === 'phone') {
          await page.setViewportSize({ width: 320, height: 640 });
          expect(await horizontalOverflow(page), 'no sideways scrolling at 320 px').toBe(0);
        }
      }
      for (const asset of ['/assets/forms.js', '/assets/altcha/altcha.js', '/assets/altcha/altcha.css'])
        expect(record.requests).toContain(app.baseUrl + asset);
      expect(foreignRequests(record, app.baseUrl)).toEqual([]);
      expect(record.failed).toEqual([]);
      expect(record.errors, 'console errors (CSP violations among them)').toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('with JavaScript: the town appears only with its box, and pressing Sign solves the proof of work, then signs', async () => {
    const { context, page, record } = await openPage(browser, { viewport: PHONE });
    try {
      await page.goto(`${app.baseUrl}/act/${slug}`);
      await widgetReady(page);
      // Scoped to the petition's form: the page may carry other forms (the sign-up block) with the same labels.
      const form = page.locator('form.petition-form');
      const town = form.getByLabel(/^Town/);
      await town.waitFor({ state: 'hidden' });
      expect(await town.isVisible()).toBe(false);
      await form.getByLabel('First name', { exact: true }).fill('Nilufar');
      await form.getByLabel('Last name', { exact: true }).fill('Yusupova');
      await form.getByLabel('Email address', { exact: true }).fill('browser.petition@example.org');
      await form.getByLabel('Postcode', { exact: true }).fill('ls29 9tz');
      await form.getByLabel(/Show my first name and town/).check();
      await town.waitFor({ state: 'visible' });
      expect(await town.isVisible()).toBe(true);
      await town.fill('Ilkley');
      await Promise.all([
        page.waitForURL(`**/act/${slug}/check-your-email`),
        form.getByRole('button', { name: 'Sign the petition' }).click(),
      ]);
      expect(await page.locator('h1').textContent()).toBe('Check your email');
      expect(record.requests).toContain(`${app.baseUrl}/assets/altcha/pbkdf2-worker.js`);
      expect(foreignRequests(record, app.baseUrl)).toEqual([]);
      expect(record.errors).toEqual([]);
      const row = (await signatureOf('browser.petition@example.org'))!;
      expect(row).toMatchObject({ status: 'pending', show_name: 1 });
      expect(app.lantern.core.keyring.decrypt(row.town_enc!)).toBe('Ilkley');
    } finally {
      await context.close();
    }
  });

  test('without JavaScript: the same form signs (no proof of work), and mistakes come back in the page', async () => {
    const { context, page } = await openPage(browser, { viewport: PHONE, javaScriptEnabled: false });
    try {
      await page.goto(`${app.baseUrl}/act/${slug}`);
      const form = page.locator('form.petition-form');
      await form.getByRole('button', { name: 'Sign the petition' }).click();
      await page.waitForSelector('.error-summary');
      expect(await page.locator('.error-summary a').first().getAttribute('href')).toBe('#f-firstName');
      await form.getByLabel('First name', { exact: true }).fill('Tomás');
      await form.getByLabel('Last name', { exact: true }).fill('Ellis');
      await form.getByLabel('Email address', { exact: true }).fill('browser.nojs.petition@example.org');
      await form.getByLabel('I do not live in the UK').check();
      await Promise.all([
        page.waitForURL(`**/act/${slug}/check-your-email`),
        form.getByRole('button', { name: 'Sign the petition' }).click(),
      ]);
      expect(await page.locator('h1').textContent()).toBe('Check your email');
      expect(await signatureOf('browser.nojs.petition@example.org')).toMatchObject({ status: 'pending', postcode_enc: null });
    } finally {
      await context.close();
    }
  });

  test('the form sent back with mistakes passes axe, its summary linking to each field', async () => {
    const { context, page } = await openPage(browser, { viewport: PHONE });
    try {
      await page.goto(`${app.baseUrl}/act/${slug}`);
      await widgetReady(page);
      await page.locator('form.petition-form').getByLabel('Email address', { exact: true }).fill('not an address');
      await Promise.all([
        page.waitForURL(`**/act/${slug}/sign`),
        page.locator('form.petition-form').getByRole('button', { name: 'Sign the petition' }).click(),
      ]);
      await page.waitForSelector('.error-summary');
      expect(await page.locator('.error-summary a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual([
        '#f-firstName',
        '#f-lastName',
        '#f-email',
        '#f-postcode',
      ]);
      const violations = await runAxe(page);
      expect(violations, formatViolations(violations)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('every page a signer reaches by a link passes axe and fits 320 px', async () => {
    const row = (await signatureOf('browser.nojs.petition@example.org'))!;
    const token = newToken();
    await insertSignatureToken(ctx.db, {
      tokenHash: hashToken(token),
      signatureId: row.id,
      at: Date.now(),
      expiresAt: Date.now() + 3600_000,
    });
    for (const path of [`/act/${slug}/check-your-email`, `/act/${slug}/confirm/${token}`]) {
      const { context, page } = await openPage(browser, { viewport: PHONE });
      try {
        expect((await page.goto(app.baseUrl + path))?.status()).toBe(200);
        const violations = await runAxe(page);
        expect(violations, `${path}:\n${formatViolations(violations)}`).toEqual([]);
        await page.setViewportSize({ width: 320, height: 640 });
        expect(await horizontalOverflow(page), `${path}: no sideways scrolling at 320 px`).toBe(0);
        if (path.includes('/confirm/')) {
          await Promise.all([page.waitForURL(`**/act/${slug}/thanks`), page.getByRole('button', { name: 'Yes, confirm' }).click()]);
          expect((await signatureOf('browser.nojs.petition@example.org'))!.status).toBe('confirmed');
        }
      } finally {
        await context.close();
      }
    }
  });
});
