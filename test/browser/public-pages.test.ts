import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ensureEssentialPages } from '../../src/content/service.js';
import { seedDemo } from '../../src/app.js';
import { startTestLantern, type TestLantern } from '../helpers/app.js';
import {
  COLOUR_RULES,
  describeInBrowser,
  DESKTOP,
  focusStops,
  LAYOUT_RULES,
  PHONE,
  SCREENSHOT_DIR,
  foreignRequests,
  formatViolations,
  hasVisibleFocus,
  horizontalOverflow,
  launchBrowser,
  openPage,
  runAxe,
  tabToNext,
  viewAs,
  WAIT,
} from '../helpers/browser.js';

// Every public page, in a real browser: accessible (axe, WCAG 2.2 A and AA, light and dark schemes, phone and
// desktop), nothing loaded from another origin, no CSP violation, readable without JavaScript, no sideways
// scrolling at 320 px, a visible focus indicator on everything reachable by keyboard. Screenshots land in
// test-results/screenshots/ for a person to look at.

const PAGES = [
  { name: 'home', path: '/', status: 200, h1: /^Freedom Thread$/ },
  { name: 'privacy', path: '/privacy', status: 200, h1: /^Privacy$/ },
  { name: 'data-sources', path: '/data-sources', status: 200, h1: /^Data sources and attributions$/ },
  { name: 'not-found', path: '/no-such-page', status: 404, h1: /^Page not found$/ },
  { name: 'staff-sign-in', path: '/admin/login', status: 200, h1: /sign in/i },
  { name: 'take-action', path: '/act', status: 200, h1: /^Take action$/ },
  { name: 'campaign', path: '/campaigns/free-the-supply-chain', status: 200, h1: /^Free the supply chain$/ },
  { name: 'petition', path: '/act/label-the-cotton', status: 200, h1: /^Label the cotton/ },
  { name: 'petition-thanks', path: '/act/label-the-cotton/thanks', status: 200, h1: /^Thank you$/ },
  { name: 'letter-to-mp', path: '/act/write-to-your-mp-import-ban', status: 200, h1: /^Ask your MP/ },
  { name: 'email-a-company', path: '/act/email-northway-apparel', status: 200, h1: /^Ask Northway Apparel/ },
  { name: 'sign-on', path: '/act/statement-public-procurement', status: 200, h1: /^Organisations’ statement/ },
] as const;

// The page background of each scheme: proof that the stylesheet was served and applied.
const PAPER = { light: 'rgb(244, 241, 234)', dark: 'rgb(22, 19, 15)' } as const;

// The page is loaded once, on a phone, and then shown at each view in turn (the markup is the same in all three).
// axe runs once per page shape: every rule on the phone; on the dark desktop the rules that depend on the colours
// and on the layout; the light desktop has the phone's markup and colours, so it adds no axe run of its own.
const VIEWS = [
  { label: 'phone', viewport: PHONE, colorScheme: 'light', axeRules: 'all' },
  { label: 'desktop', viewport: DESKTOP, colorScheme: 'light', axeRules: 'none' },
  { label: 'desktop-dark', viewport: DESKTOP, colorScheme: 'dark', axeRules: [...COLOUR_RULES, ...LAYOUT_RULES] },
] as const;

let browser: Browser;

beforeAll(async () => {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

const mainHeading = (page: Page) => page.locator('main h1').first();

// Without Chromium (outside CI) the suite is skipped with a notice rather than failing.
describeInBrowser('public pages in a browser', (ctx) => {
  let app: TestLantern;

  beforeAll(async () => {
    app = await startTestLantern(ctx);
    await seedDemo(app.lantern.core);
    await ensureEssentialPages(ctx.db, 'Freedom Thread');
  });

  afterAll(async () => {
    await app?.close();
  });

  for (const p of PAGES) {
    test(`${p.name}: no accessibility violations, nothing from another origin, fits a 320 px screen`, async () => {
      const { context, page, record } = await openPage(browser, { viewport: VIEWS[0].viewport, colorScheme: VIEWS[0].colorScheme });
      try {
        const res = await page.goto(app.baseUrl + p.path);
        expect(res?.status()).toBe(p.status);
        for (const view of VIEWS) {
          await viewAs(page, view);
          expect(await mainHeading(page).textContent()).toMatch(p.h1);
          expect(await page.evaluate<string>('getComputedStyle(document.body).backgroundColor'), 'the stylesheet is applied').toBe(
            PAPER[view.colorScheme],
          );

          if (view.axeRules !== 'none') {
            const violations = await runAxe(page, { rules: view.axeRules === 'all' ? undefined : view.axeRules });
            expect(violations, `${p.path} (${view.label}):\n${formatViolations(violations)}`).toEqual([]);
          }

          await page.screenshot({
            path: `${SCREENSHOT_DIR}${ctx.dialect}-${p.name}-${view.label}-${view.viewport.width}.png`,
            fullPage: true,
          });

          if (view.label === 'phone') {
            expect(await horizontalOverflow(page), 'no sideways scrolling on a phone').toBe(0);
            // WCAG 1.4.10 reflow: content fits 320 CSS pixels without scrolling in two directions.
            await page.setViewportSize({ width: 320, height: 640 });
            expect(await horizontalOverflow(page), 'no sideways scrolling at 320 px').toBe(0);
          }
        }

        // Everything the page asked for, at every view.
        expect(record.requests.length).toBeGreaterThan(1);
        expect(record.requests).toContain(`${app.baseUrl}/assets/site.css`);
        expect(foreignRequests(record, app.baseUrl), 'requests to other origins').toEqual([]);
        // The page itself may be a 404; nothing it loads may fail.
        const pageUrl = app.baseUrl + p.path;
        expect(
          record.failed.filter((f) => f !== `${p.status} ${pageUrl}`),
          'failed requests',
        ).toEqual([]);
        const errors = record.errors.filter((e) => !(p.status !== 200 && e.includes(`status of ${p.status}`)));
        expect(errors, 'console errors (CSP violations among them)').toEqual([]);
      } finally {
        await context.close();
      }
    });
  }

  test('the accessibility check itself catches violations (so a clean result means something)', async () => {
    const { context, page } = await openPage(browser, { viewport: DESKTOP });
    try {
      await page.goto(`${app.baseUrl}/privacy`);
      // Break the page on purpose through the DevTools protocol (the CSP blocks page scripts, not this).
      await page.evaluate(`(() => {
        const main = document.querySelector('main');
        main.insertAdjacentHTML('beforeend', '<img src="/assets/favicon.svg"><a href="/"></a>');
        main.querySelector('p').style.color = '#cccccc';
      })()`);
      const ids = (await runAxe(page)).map((v) => v.id);
      expect(ids).toEqual(expect.arrayContaining(['image-alt', 'link-name', 'color-contrast']));
    } finally {
      await context.close();
    }
  });

  test('every public page renders and shows its content with JavaScript disabled', async () => {
    const { context, page, record } = await openPage(browser, { viewport: PHONE, javaScriptEnabled: false });
    try {
      for (const p of PAGES) {
        const res = await page.goto(app.baseUrl + p.path);
        expect(res?.status(), p.path).toBe(p.status);
        expect(await page.locator('main').isVisible(), `${p.path}: main is visible`).toBe(true);
        expect(await mainHeading(page).isVisible(), `${p.path}: the heading is visible`).toBe(true);
        expect(await mainHeading(page).textContent()).toMatch(p.h1);
        const text = (await page.locator('main').innerText()).trim();
        expect(text.length, `${p.path}: main has readable content`).toBeGreaterThan(20);
        expect(await page.locator('.site-header').isVisible()).toBe(true);
        expect(await page.locator('.site-footer').isVisible()).toBe(true);
        // The skip link stays out of sight until focused, which needs CSS, not script.
        const skip = await page.locator('.skip-link').boundingBox();
        expect(skip === null || skip.y + skip.height <= 0, `${p.path}: the skip link is hidden until focused`).toBe(true);
      }
      expect(foreignRequests(record, app.baseUrl)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('the skip link is the first stop, shows when focused, and moves focus to the main content', async () => {
    const { context, page } = await openPage(browser, { viewport: PHONE });
    try {
      await page.goto(`${app.baseUrl}/privacy`);
      const first = await tabToNext(page);
      expect(first?.text).toBe('Skip to main content');
      expect(first?.onScreen, 'the focused skip link is on screen').toBe(true);
      expect(first && hasVisibleFocus(first), JSON.stringify(first)).toBe(true);
      await page.keyboard.press('Enter');
      await expect.poll(() => page.evaluate<string>('document.activeElement.id'), WAIT).toBe('main');
      // The next Tab continues from the main content, not from the header.
      const next = await tabToNext(page);
      expect(
        await page.evaluate<boolean>(
          'document.querySelector("main").contains(document.activeElement) || document.querySelector("footer").contains(document.activeElement)',
        ),
      ).toBe(true);
      expect(next).not.toBeNull();
    } finally {
      await context.close();
    }
  });

  test('everything reachable by keyboard shows a visible focus indicator, on a phone and on a desktop', async () => {
    for (const view of VIEWS) {
      const { context, page } = await openPage(browser, { viewport: view.viewport, colorScheme: view.colorScheme });
      try {
        for (const p of PAGES) {
          await page.goto(app.baseUrl + p.path);
          // A real Tab first: it reaches the first stop, and turns on the keyboard's focus indicator (:focus-visible).
          const first = await tabToNext(page);
          // Then every stop at once, each focused and described in the page (one round trip, not one per Tab).
          const seen = await focusStops(page);
          expect(seen[0], `${p.path} (${view.label}): the first Tab stop`).toEqual(first);
          for (const f of seen) {
            expect(
              hasVisibleFocus(f),
              `${p.path} (${view.label}): focus on <${f.tag}> "${f.text}" is not visible: ${JSON.stringify(f)}`,
            ).toBe(true);
            expect(f.onScreen, `${p.path} (${view.label}): focused <${f.tag}> "${f.text}" is scrolled into view`).toBe(true);
          }
          // The header, the page and the footer all have links: a page with fewer stops lost some.
          expect(seen.length, `${p.path}: focus stops`).toBeGreaterThanOrEqual(5);
          // Focus is on the last stop: a real Tab from there leaves the page (or, as Chromium sometimes does, comes
          // round to the first stop again), so no stop was missed at the end.
          const after = await tabToNext(page);
          expect(after === null ? null : after.text, `${p.path} (${view.label}): Tab after the last stop leaves the page`).toBe(
            after === null ? null : first?.text,
          );
        }
      } finally {
        await context.close();
      }
    }
  });
});
