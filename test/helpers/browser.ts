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

/**
 * How long one browser step (a navigation, a click, waiting for an element or a URL) may take before it fails.
 * Generous on purpose: a busy machine makes every step slower, and a slow but correct run must pass. A step that
 * really hangs still fails here, with Playwright's message, well before the test's own timeout (vitest.config.ts).
 */
export const STEP_TIMEOUT = 120_000;

/** How long an assertion that waits (expect.poll) keeps asking before it fails; as generous as a step. */
export const WAIT = { timeout: STEP_TIMEOUT, interval: 100 } as const;

/** Launches headless Chromium with the flags every browser test uses. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

/** Waits until the ALTCHA widget has rendered itself (its script, stylesheet and strings loaded). */
export const widgetReady = (page: Page) => page.locator('altcha-widget .altcha-main').waitFor({ state: 'visible' });

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
  context.setDefaultTimeout(STEP_TIMEOUT);
  context.setDefaultNavigationTimeout(STEP_TIMEOUT);
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

/** Forgets what the page recorded so far, before it goes on to a page whose record is checked on its own. */
export function clearRecord(record: PageRecord): void {
  record.requests.length = 0;
  record.failed.length = 0;
  record.errors.length = 0;
}

/**
 * Shows the page as it is at another viewport and colour scheme, without loading it again: the markup stays, the
 * layout and the colours follow (which is what changes between the views the design is checked at).
 */
export async function viewAs(page: Page, view: { viewport: { width: number; height: number }; colorScheme?: 'light' | 'dark' }) {
  await page.setViewportSize(view.viewport);
  if (view.colorScheme) await page.emulateMedia({ colorScheme: view.colorScheme });
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

// axe is run once per page shape: every rule on one rendering of a page (its markup does not change with the
// viewport or the colour scheme), and on its other renderings only the rules whose outcome can change with them.

/** The WCAG A and AA rules whose outcome depends on the colours (light or dark scheme) rather than the markup. */
export const COLOUR_RULES = ['color-contrast', 'link-in-text-block'];

/** The WCAG A and AA rules whose outcome depends on the layout (the viewport) rather than the markup. */
export const LAYOUT_RULES = ['target-size', 'scrollable-region-focusable'];

/**
 * Runs axe-core on the page as it is now and returns its violations of the given tags (WCAG A and AA by
 * default), or of the given rules only. axe is injected through the DevTools protocol, which the page's CSP (no
 * inline scripts) allows.
 */
export async function runAxe(page: Page, o: { tags?: string[]; rules?: readonly string[] } = {}): Promise<AxeViolation[]> {
  // A page that refreshes itself (meta refresh, while a send or an import runs) may reload between axe's injection
  // and its run, or during the run, on a slow machine: then axe is injected and run again on the page as it is.
  for (let attempt = 1; ; attempt++) {
    try {
      return await runAxeOnce(page, o);
    } catch (err) {
      if (attempt >= 5 || !/Execution context was destroyed|navigat|axe is not defined/i.test(String(err))) throw err;
      await page.waitForLoadState();
    }
  }
}

async function runAxeOnce(page: Page, o: { tags?: string[]; rules?: readonly string[] }): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate<boolean>('typeof axe === "object"'))) await page.evaluate(axeSource);
  const runOnly = o.rules ? { type: 'rule', values: o.rules } : { type: 'tag', values: o.tags ?? WCAG_AA_TAGS };
  return page.evaluate(`(async () => {
    const r = await axe.run(document, { runOnly: ${JSON.stringify(runOnly)}, resultTypes: ['violations'] });
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

// In the page: describes the focused element el as a FocusStyle (its computed style while focused).
const DESCRIBE_FOCUSED = `(el) => {
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
}`;

/** Describes the element that has focus (null when nothing in the page has). */
export function focused(page: Page): Promise<FocusStyle | null> {
  return page.evaluate<FocusStyle | null>(`(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    return (${DESCRIBE_FOCUSED})(el);
  })()`);
}

/** Presses Tab and describes the element that took focus (null when focus left the page). */
export async function tabToNext(page: Page): Promise<FocusStyle | null> {
  await page.keyboard.press('Tab');
  return focused(page);
}

/**
 * Every element a keyboard user can reach with Tab, in the order Tab reaches them, each described while it has
 * focus: one round trip for the whole page instead of one per Tab. The page is walked in tree order (open shadow
 * roots included); an element is a stop when its tabIndex is not negative and focus() really takes (which leaves
 * out what is disabled, hidden, inert or inside a closed <details>); positive tabindex values come first, as Tab
 * takes them. Every radio button is visited, not only the one of each group that Tab stops at.
 *
 * Press Tab once first: focus() only shows :focus-visible (the indicator) after keyboard use, which the first
 * Tab also is; the focus moved from there by script keeps it. Focus is left on the last stop, so that a caller can
 * press Tab once more and check that focus leaves the page (nothing after it was missed).
 */
export function focusStops(page: Page): Promise<FocusStyle[]> {
  return page.evaluate<FocusStyle[]>(`(() => {
    const describe = ${DESCRIBE_FOCUSED};
    const all = [];
    const walk = (root) => {
      for (const el of root.children) {
        all.push(el);
        if (el.shadowRoot) walk(el.shadowRoot);
        walk(el);
      }
    };
    walk(document);
    const candidates = all.filter((el) => el.tabIndex >= 0);
    const positive = candidates.filter((el) => el.tabIndex > 0).sort((a, b) => a.tabIndex - b.tabIndex);
    const inOrder = [...positive, ...candidates.filter((el) => el.tabIndex === 0)];
    const active = (root) => {
      const a = root.activeElement;
      return a && a.shadowRoot && a.shadowRoot.activeElement ? active(a.shadowRoot) : a;
    };
    const stops = [];
    for (const el of inOrder) {
      el.focus();
      if (active(document) !== el) continue;
      stops.push(describe(el));
    }
    return stops;
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
