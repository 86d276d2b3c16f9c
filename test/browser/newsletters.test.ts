import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ensureEssentialPages } from '../../src/content/service.js';
import { seedDemo } from '../../src/app.js';
import { startTestLantern, type TestLantern } from '../helpers/app.js';
import {
  DESKTOP,
  PHONE,
  SCREENSHOT_DIR,
  foreignRequests,
  formatViolations,
  horizontalOverflow,
  launchBrowser,
  openPage,
  runAxe,
  describeInBrowser,
  clearRecord,
  viewAs,
  STEP_TIMEOUT,
} from '../helpers/browser.js';
import { draftNewsletter } from '../helpers/newsletters.js';
import { addTestStaff, signedInClient } from '../helpers/staff.js';
import { startSending } from '../../src/newsletters/service.js';

// The newsletter pages in a real browser, on the demo charity: the public archive and every admin page (list,
// compose with and without errors, a draft, the preview, a finished send and one in progress), each accessible
// (axe, WCAG 2.2 A and AA), loading nothing from elsewhere, breaking no CSP rule, fitting a phone.

let browser: Browser;

beforeAll(async () => {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

describeInBrowser('newsletter pages in a browser', (ctx) => {
  let app: TestLantern;
  let session: string;
  const paths: Record<string, string> = {};

  beforeAll(async () => {
    app = await startTestLantern(ctx);
    await seedDemo(app.lantern.core);
    await ensureEssentialPages(ctx.db, 'Freedom Thread');
    const owner = await addTestStaff(app, { role: 'owner' });
    const client = await signedInClient(app, owner);
    session = client.cookie('lantern_session')!;
    const core = app.lantern.core;
    const sent = await core.db
      .selectFrom('newsletters')
      .select(['id', 'archive_slug', 'list_id'])
      .where('status', '=', 'sent')
      .orderBy('id')
      .execute();
    expect(sent.length, 'the demo has two sent newsletters').toBe(2);
    const draft = await draftNewsletter(core, {
      listId: sent[0]!.list_id!,
      subject: 'Vigil reminder for {{first_name}}',
      body: 'Dear {{first_name}},\n\n## This Thursday\n\n- Bring a candle\n- [Read the guide](https://freedomthread.example.org/guide)',
    });
    const sending = await draftNewsletter(core, { listId: sent[0]!.list_id!, subject: 'Going out now' });
    await startSending(core, null, sending);
    Object.assign(paths, {
      archive: '/newsletters',
      'archive-item': `/newsletters/${sent[1]!.archive_slug}`,
      'admin-list': '/admin/newsletters',
      compose: '/admin/newsletters/new',
      draft: `/admin/newsletters/${draft}`,
      preview: `/admin/newsletters/${draft}/preview`,
      images: '/admin/newsletters/images',
      'sent-progress': `/admin/newsletters/${sent[1]!.id}`,
      'sending-progress': `/admin/newsletters/${sending}`,
    });
  });

  afterAll(async () => {
    await app?.close();
  });

  const open = async (viewport: { width: number; height: number }) => {
    const o = await openPage(browser, { viewport });
    await o.context.addCookies([{ name: 'lantern_session', value: session, url: app.baseUrl }]);
    return o;
  };

  test('every newsletter page: no accessibility violations, nothing from elsewhere, no CSP error, fits a phone', async () => {
    const { context, page, record } = await open(PHONE);
    try {
      for (const [name, path] of Object.entries(paths)) {
        clearRecord(record);
        // Loaded on a phone, then shown on a desktop: the same markup and colours, so axe (every rule) runs once.
        await viewAs(page, { viewport: PHONE });
        const res = await page.goto(app.baseUrl + path);
        expect(res?.status(), path).toBe(200);
        const violations = await runAxe(page);
        expect(violations, `${path}:\n${formatViolations(violations)}`).toEqual([]);
        for (const [label, viewport] of [
          ['phone', PHONE],
          ['desktop', DESKTOP],
        ] as const) {
          await viewAs(page, { viewport });
          await page.screenshot({ path: `${SCREENSHOT_DIR}${ctx.dialect}-newsletters-${name}-${label}.png`, fullPage: true });
          if (label === 'phone') {
            await page.setViewportSize({ width: 320, height: 640 });
            expect(await horizontalOverflow(page), `${path}: no sideways scrolling at 320 px`).toBe(0);
          }
        }
        expect(foreignRequests(record, app.baseUrl)).toEqual([]);
        expect(record.failed).toEqual([]);
        expect(record.errors, 'console errors (CSP violations among them)').toEqual([]);
      }
    } finally {
      await context.close();
    }
  });

  test('the preview shows the email itself in its frame, as supporters will see it', async () => {
    const { context, page, record } = await open(DESKTOP);
    try {
      await page.goto(app.baseUrl + paths.preview!);
      const email = page.frameLocator('iframe');
      await expect.poll(async () => email.getByText('Bring a candle').count(), { timeout: STEP_TIMEOUT }).toBe(1);
      expect(await email.getByRole('heading', { name: 'This Thursday' }).isVisible()).toBe(true);
      await page.screenshot({ path: `${SCREENSHOT_DIR}${ctx.dialect}-newsletters-preview-frame-desktop.png`, fullPage: true });
      expect(record.errors, 'console errors (CSP violations among them)').toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('the compose form, sent empty without JavaScript, comes back with its messages and stays accessible', async () => {
    const { context, page } = await open(PHONE);
    try {
      await page.goto(`${app.baseUrl}/admin/newsletters/new`);
      await page.getByRole('button', { name: 'Save draft' }).click();
      await page.waitForLoadState();
      expect(await page.locator('.error-summary').innerText()).toContain('Enter a subject');
      const violations = await runAxe(page);
      expect(violations, formatViolations(violations)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('while sending, the progress page refreshes itself only when asked to; the only rule that then flags is the timed refresh, and it can be turned off', async () => {
    const { context, page } = await open(DESKTOP);
    try {
      await page.goto(app.baseUrl + paths['sending-progress']!);
      expect(await page.locator('meta[http-equiv="refresh"]').count()).toBe(0);
      await page.getByRole('link', { name: 'update it every 5 seconds' }).click();
      expect(await page.locator('meta[http-equiv="refresh"]').getAttribute('content')).toBe('5');
      const ids = (await runAxe(page)).map((v) => v.id);
      // WCAG 2.2.1 allows a time limit the user can turn off: "Stop updating" is the first link of the section.
      expect(ids).toEqual(['meta-refresh']);
      await page.getByRole('link', { name: 'Stop updating' }).click();
      // The click leads to a new page: wait for it (the refresh gone) rather than count on the old one.
      await page.locator('meta[http-equiv="refresh"]').waitFor({ state: 'detached' });
      expect(await page.locator('meta[http-equiv="refresh"]').count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});
