import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { describe, test } from 'vitest';
import { describeEachDialect, type DialectContext } from './db.js';

// Browser tests drive Debian's Chromium (never a downloaded one) through playwright-core, and check pages with
// axe-core. One browser per test file: launch it in beforeAll, close it in afterAll.

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Whether browser tests can run here. Without Chromium they are skipped with a notice, except with CI=true,
 * where .ci/run installs it and its absence is an error.
 */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI === 'true') throw new Error(`CI=true: browser tests need Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium)`);
  console.warn(`[lantern tests] no Chromium at ${CHROMIUM_PATH}: skipping browser tests (install it with apt-get install -y chromium)`);
  return false;
}

/** describeEachDialect when Chromium is here; without it, one skipped test that says so. */
export function describeInBrowser(name: string, fn: (ctx: DialectContext) => void): void {
  if (browserAvailable()) describeEachDialect(name, fn);
  else describe.skip(name, () => test('needs Chromium', () => {}));
}

/** Launches headless Chromium with the flags every browser test uses. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

/** Waits until the ALTCHA widget has rendered itself (its script, stylesheet and strings loaded). */
export const widgetReady = (page: Page) => page.locator('altcha-widget .altcha-main').waitFor({ state: 'visible', timeout: 10_000 });

/** The viewports the design is checked at: a common phone and a common laptop. */
export const PHONE = { width: 390, height: 844 } as const;
export const DESKTOP = { width: 1366, height: 900 } as const;

/** Where screenshots go (gitignored), to look at after a run. */
export const SCREENSHOT_DIR = new URL('../../test-results/screenshots/', import.meta.url).pathname;

/** Everything a page asked for, and everything that went wrong in it, for assertions at the end of a test. */
export interface PageRecord {
  /** Every URL the page requested, in order (documents, styles, images, favicon, everything). */
  requests: string[];
  /** Every response with an error status (4xx, 5xx), as "status url". */
  failed: string[];
  /** Console errors, Content-Security-Policy reports among them, and uncaught exceptions. */
  errors: string[];
}

/** Opens a page in a fresh context, recording every request and every console error. */
export async function openPage(
  browser: Browser,
  options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page; record: PageRecord }> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const record: PageRecord = { requests: [], failed: [], errors: [] };
  page.on('request', (r) => record.requests.push(r.url()));
  page.on('response', (r) => {
    if (r.status() >= 400) record.failed.push(`${r.status()} ${r.url()}`);
  });
  page.on('requestfailed', (r) => record.failed.push(`failed ${r.url()}`));
  page.on('console', (m) => {
    if (m.type() === 'error') record.errors.push(m.text());
  });
  page.on('pageerror', (e) => record.errors.push(String(e)));
  return { context, page, record };
}

/** The requested URLs whose origin is not the site's (data: URLs are inline, not requests to anyone). */
export function foreignRequests(record: PageRecord, baseUrl: string): string[] {
  const origin = new URL(baseUrl).origin;
  return record.requests.filter((u) => !u.startsWith('data:') && new URL(u).origin !== origin);
}

const require = createRequire(import.meta.url);
let axeSource: string | undefined;

/** The WCAG 2.0, 2.1 and 2.2 level A and AA rules of axe-core. */
export const WCAG_AA_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string; html: string; summary: string }>;
}

/**
 * Runs axe-core on the page as it is now and returns its violations of the given tags (WCAG A and AA by
 * default). axe is injected through the DevTools protocol, which the page's CSP (no inline scripts) allows.
 */
export async function runAxe(page: Page, o: { tags?: string[] } = {}): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  const tags = o.tags ?? WCAG_AA_TAGS;
  return page.evaluate(`(async () => {
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(tags)} }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html.slice(0, 200), summary: n.failureSummary ?? '' })),
    }));
  })()`);
}

/** A readable list of violations, for the message of a failing assertion. */
export function formatViolations(violations: AxeViolation[]): string {
  return violations
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `  ${n.target}\n    ${n.html}\n    ${n.summary.replace(/\n/g, '\n    ')}`).join('\n')}`,
    )
    .join('\n');
}

/** How far the page is wider than the window, in CSS pixels (0: no sideways scrolling). */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
}

export interface FocusStyle {
  tag: string;
  text: string;
  outlineStyle: string;
  outlineWidth: number;
  outlineColor: string;
  backgroundColor: string;
  boxShadow: string;
  /** Whether the element is on screen, at least partly. */
  onScreen: boolean;
}

/** Presses Tab and describes the element that took focus (null when focus left the page). */
export async function tabToNext(page: Page): Promise<FocusStyle | null> {
  await page.keyboard.press('Tab');
  return page.evaluate<FocusStyle | null>(`(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const s = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    return {
      tag: el.tagName.toLowerCase(),
      text: (el.textContent || el.getAttribute('name') || '').trim().slice(0, 60),
      outlineStyle: s.outlineStyle,
      outlineWidth: parseFloat(s.outlineWidth) || 0,
      outlineColor: s.outlineColor,
      backgroundColor: s.backgroundColor,
      boxShadow: s.boxShadow,
      onScreen: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth,
    };
  })()`);
}

/** The focus colour of the design system (#ffdd00), as getComputedStyle reports it. */
export const FOCUS_COLOUR = 'rgb(255, 221, 0)';

/**
 * Whether a focused element shows the design system's focus indicator: a yellow outline at least 2 px thick
 * (form controls, buttons) or a yellow fill (links, GOV.UK style).
 */
export function hasVisibleFocus(f: FocusStyle): boolean {
  const outline = f.outlineStyle !== 'none' && f.outlineWidth >= 2 && f.outlineColor === FOCUS_COLOUR;
  return outline || f.backgroundColor === FOCUS_COLOUR;
}
