import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import {
  browserAvailable,
  COLOUR_RULES,
  DESKTOP,
  PHONE,
  SCREENSHOT_DIR,
  foreignRequests,
  formatViolations,
  hasVisibleFocus,
  horizontalOverflow,
  LAYOUT_RULES,
  launchBrowser,
  openPage,
  runAxe,
  tabToNext,
  viewAs,
  describeInBrowser,
  widgetReady,
} from '../../test/helpers/browser.js';
import { ensureEssentialPages } from '../content/service.js';
import { seedDemo } from '../app.js';
import { hashToken, newToken } from '../core/crypto.js';
import { insertToken } from '../core/tokens.js';
import { findSupporterByEmail, recordConsent, supporterLink, upsertSupporter } from './service.js';

// The sign-up form in a real browser: accessible with the ALTCHA widget running (axe, WCAG 2.2 AA, phone and
// desktop, light and dark), the widget's script, stylesheet and worker all from our origin under our strict CSP,
// a sign-up with JavaScript (the proof of work really solved in a worker) and one without, and the keyboard.

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

describeInBrowser('sign-up in a browser', (ctx) => {
  let app: TestLantern;

  beforeAll(async () => {
    app = await startTestLantern(ctx);
    await seedDemo(app.lantern.core);
    await ensureEssentialPages(ctx.db, 'Freedom Thread');
  });

  afterAll(async () => {
    await app?.close();
  });

  const proofsSpent = async () =>
    Number(
      (
        await ctx.db
          .selectFrom('tokens')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('purpose', '=', 'proof_of_work')
          .executeTakeFirstOrThrow()
      ).n,
    );

  for (const path of ['/stay-in-touch', '/']) {
    test(`${path}: the sign-up form with its widget passes axe, loads nothing from elsewhere, breaks no CSP rule, fits 320 px`, async () => {
      const { context, page, record } = await openPage(browser, { viewport: PHONE, colorScheme: 'light' });
      try {
        expect((await page.goto(app.baseUrl + path))?.status()).toBe(200);
        await widgetReady(page);
        for (const view of VIEWS) {
          await viewAs(page, view);
          const violations = await runAxe(page, { rules: view.axeRules });
          expect(violations, `${path} (${view.label}):\n${formatViolations(violations)}`).toEqual([]);
          await page.screenshot({
            path: `${SCREENSHOT_DIR}${ctx.dialect}-signup${path === '/' ? '-home' : ''}-${view.label}.png`,
            fullPage: true,
          });
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
  }

  test('with JavaScript: pressing Sign up solves the proof of work in a worker from our origin, then signs up', async () => {
    const { context, page, record } = await openPage(browser, { viewport: PHONE });
    try {
      const before = await proofsSpent();
      await page.goto(`${app.baseUrl}/`);
      await widgetReady(page);
      await page.getByLabel('Email address').fill('browser.js@example.org');
      await page.getByLabel('First name').fill('Nilufar');
      await page.getByLabel('Campaign updates').check();
      await Promise.all([page.waitForURL('**/stay-in-touch/check-your-email'), page.getByRole('button', { name: 'Sign up' }).click()]);
      expect(await page.locator('h1').textContent()).toBe('Check your email');
      expect(record.requests).toContain(`${app.baseUrl}/stay-in-touch/challenge`);
      expect(record.requests).toContain(`${app.baseUrl}/assets/altcha/pbkdf2-worker.js`);
      expect(foreignRequests(record, app.baseUrl)).toEqual([]);
      expect(record.errors).toEqual([]);
      const s = await findSupporterByEmail(ctx.db, app.lantern.core.keyring, 'browser.js@example.org');
      expect(s).toMatchObject({ firstName: 'Nilufar', confirmedAt: null });
      // The sign-up carried a verified proof, now spent.
      expect(await proofsSpent()).toBe(before + 1);
    } finally {
      await context.close();
    }
  });

  test('without JavaScript: the same form signs up (no proof of work; the stricter limit applies)', async () => {
    const { context, page } = await openPage(browser, { viewport: PHONE, javaScriptEnabled: false });
    try {
      const before = await proofsSpent();
      await page.goto(`${app.baseUrl}/stay-in-touch`);
      await page.getByLabel('Email address').fill('browser.nojs@example.org');
      await page.getByLabel('First name').fill('Tomás');
      await page.getByLabel('Events and vigils').check();
      await Promise.all([page.waitForURL('**/stay-in-touch/check-your-email'), page.getByRole('button', { name: 'Sign up' }).click()]);
      expect(await page.locator('h1').textContent()).toBe('Check your email');
      expect(await findSupporterByEmail(ctx.db, app.lantern.core.keyring, 'browser.nojs@example.org')).toMatchObject({
        firstName: 'Tomás',
      });
      expect(await proofsSpent()).toBe(before);
      // Errors come back in the page, with the summary linking to the field.
      await page.goto(`${app.baseUrl}/stay-in-touch`);
      await page.getByRole('button', { name: 'Sign up' }).click();
      await page.waitForSelector('.error-summary');
      expect(await page.locator('.error-summary a').first().getAttribute('href')).toBe('#f-email');
    } finally {
      await context.close();
    }
  });

  test('every page a supporter reaches by a link passes axe and fits 320 px, with nothing from elsewhere', async () => {
    const core = app.lantern.core;
    const { id, publicId } = await upsertSupporter(
      ctx.db,
      core.keyring,
      { email: 'pages@example.org', firstName: 'Ayşe' },
      { source: 'test', mode: 'fill', confirmed: true },
    );
    const lists = await ctx.db.selectFrom('lists').select('id').orderBy('id').execute();
    await recordConsent(ctx.db, { supporterId: id, listIds: [lists[0]!.id], change: 'granted', basis: 'consent', source: 'test' });
    await recordConsent(ctx.db, { supporterId: id, listIds: [lists[1]!.id], change: 'requested', basis: 'consent', source: 'test' });
    const token = async (purpose: 'supporter_confirm' | 'data_export') => {
      const raw = newToken();
      await insertToken(ctx.db, { tokenHash: hashToken(raw), purpose, subjectId: id, at: Date.now(), expiresAt: Date.now() + 3600_000 });
      return raw;
    };
    const manage = new URL(supporterLink(core, 'manage', publicId)).pathname;
    const pages = [
      `/s/confirm/${await token('supporter_confirm')}`,
      `${manage}?done=saved-confirm`,
      `${manage}/erase`,
      new URL(supporterLink(core, 'unsubscribe', publicId, String(lists[0]!.id))).pathname,
      `/s/data/${await token('data_export')}`,
      '/stay-in-touch/check-your-email',
      '/s/erased',
    ];
    const { context, page, record } = await openPage(browser, { viewport: PHONE, colorScheme: 'light' });
    try {
      for (const [i, path] of pages.entries()) {
        await viewAs(page, VIEWS[0]!);
        expect((await page.goto(app.baseUrl + path))?.status(), path).toBe(200);
        for (const view of VIEWS) {
          await viewAs(page, view);
          const violations = await runAxe(page, { rules: view.axeRules });
          expect(violations, `${path} (${view.label}):\n${formatViolations(violations)}`).toEqual([]);
          await page.screenshot({
            path: `${SCREENSHOT_DIR}${ctx.dialect}-supporter-page-${i + 1}-${view.colorScheme}.png`,
            fullPage: true,
          });
          await page.setViewportSize({ width: 320, height: 640 });
          expect(await horizontalOverflow(page), `${path}: no sideways scrolling at 320 px`).toBe(0);
        }
      }
      expect(foreignRequests(record, app.baseUrl)).toEqual([]);
      expect(record.errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('by keyboard: every stop in the form shows a visible focus, and the robot trap is never reached', async () => {
    const { context, page } = await openPage(browser, { viewport: DESKTOP });
    try {
      await page.goto(`${app.baseUrl}/stay-in-touch`);
      await widgetReady(page);
      await page.locator('#f-email').focus();
      const names: string[] = [];
      for (let i = 0; i < 12; i++) {
        const f = await tabToNext(page);
        if (!f) break;
        expect(hasVisibleFocus(f), `focus on <${f.tag}> "${f.text}" is not visible: ${JSON.stringify(f)}`).toBe(true);
        names.push(
          await page.evaluate<string>(
            'document.activeElement.getAttribute("name") || document.activeElement.id || document.activeElement.textContent',
          ),
        );
      }
      expect(names).not.toContain('website');
      expect(names.slice(0, 5)).toEqual(['firstName', 'lastName', 'postcode', 'list', 'list']);
    } finally {
      await context.close();
    }
  });
});
