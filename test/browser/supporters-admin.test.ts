import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { checkSupporterImport, importSupportersFromFile } from '../../src/supporters/import.js';
import { addTags, insertList } from '../../src/supporters/queries.js';
import { recordConsent, upsertSupporter } from '../../src/supporters/service.js';
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
} from '../helpers/browser.js';
import { postMultipart } from '../helpers/multipart.js';
import { addTestStaff, signedInClient } from '../helpers/staff.js';

// The staff pages for supporters in a real browser: the list with filters and bulk tags, a supporter, their edit
// and erase pages, segments, export, every stage of an import, and lists. Each is accessible (axe, WCAG 2.2 A and
// AA), loads nothing from elsewhere, breaks no CSP rule, and fits a 320 px phone without sideways scrolling.

let browser: Browser;

beforeAll(async () => {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

describeInBrowser('supporters admin pages in a browser', (ctx) => {
  let app: TestLantern;
  let session: string;
  // axe: false for a page drawn by the same template as another one here, which axe checks.
  const paths: Record<string, { path: string; status?: number; axe?: false }> = {};

  beforeAll(async () => {
    app = await startTestLantern(ctx);
    const core = app.lantern.core;
    const client = await signedInClient(app, await addTestStaff(app, { role: 'owner' }));
    session = client.cookie('lantern_session')!;
    const updates = await insertList(ctx.db, {
      slug: 'updates',
      name: 'Campaign updates',
      description: 'News of our campaigns',
      wording: 'Email me campaign updates.',
      at: Date.now(),
    });
    let someone = 0;
    for (const [i, name] of ['Gülnar Abdul-Rahman', 'José Álvarez', 'Zoë Ng', 'Amira Haddad'].entries()) {
      const [firstName, lastName] = name.split(' ');
      const { id } = await upsertSupporter(
        ctx.db,
        core.keyring,
        {
          email: `person${i}@example.org`,
          firstName,
          lastName,
          postcode: 'SW1A 1AA',
          address: '1 Long Street Name\nA Town With A Long Name',
          constituencyCode: 'E14000639',
        },
        { source: 'signup', mode: 'fill', confirmed: true },
      );
      await recordConsent(ctx.db, {
        supporterId: id,
        listIds: [updates],
        change: 'granted',
        basis: 'consent',
        source: 'the sign-up form on the home page',
      });
      await addTags(ctx.db, [id], ['volunteer', 'pride 2026']);
      someone = id;
    }
    await ctx.db
      .insertInto('segments')
      .values({
        name: 'Volunteers',
        filters: JSON.stringify({ tag: 'volunteer', list: updates }),
        created_by: null,
        created_at: Date.now(),
        updated_at: Date.now(),
      })
      .execute();

    // Imports at each stage: waiting for the mapping, checked with problems, being checked, finished.
    await client.get('/admin/supporters/import');
    const upload = async (csv: string) => {
      const r = await postMultipart(
        client,
        '/admin/supporters/import',
        {},
        { field: 'file', filename: 'stall sign-ups.csv', content: Buffer.from(csv) },
      );
      expect(r.status).toBe(303);
      return Number(/(\d+)$/.exec(r.location!)![1]);
    };
    const csv =
      'Email,First name,Last name\nnew@example.org,New,Person\nbad-address,Bad,Row\n=cmd@example.org,"=HYPERLINK(""x"")",Formula\n';
    const form = {
      encoding: 'utf-8',
      header: '1',
      width: '3',
      col_0: 'email',
      col_1: 'firstName',
      col_2: 'lastName',
      basis: 'consent',
      consentDate: '2026-03-01',
      evidence: 'Paper sheet at the stall.',
      lists: String(updates),
    };
    const mapping = await upload(csv);
    const checked = await upload(csv);
    await client.get(`/admin/supporters/import/${checked}`);
    expect((await client.post(`/admin/supporters/import/${checked}/check`, form)).status).toBe(303);
    await checkSupporterImport(core, checked);
    const checking = await upload(csv);
    await client.get(`/admin/supporters/import/${checking}`);
    expect((await client.post(`/admin/supporters/import/${checking}/check`, form)).status).toBe(303);
    const done = await upload(csv);
    await client.get(`/admin/supporters/import/${done}`);
    expect((await client.post(`/admin/supporters/import/${done}/check`, form)).status).toBe(303);
    await checkSupporterImport(core, done);
    await client.get(`/admin/supporters/import/${done}`);
    expect((await client.post(`/admin/supporters/import/${done}/confirm`)).status).toBe(303);
    await importSupportersFromFile(core, done);

    Object.assign(paths, {
      // The same list template as supporters-filtered, which shows it with every filter set and the results.
      supporters: { path: '/admin/supporters', axe: false },
      'supporters-filtered': { path: `/admin/supporters?q=gulnar&list=${updates}&tag=volunteer&from=2026-01-01` },
      'supporters-refused': { path: '/admin/supporters?from=2026-13-45&constituency=nowhere', status: 422 },
      supporter: { path: `/admin/supporters/${someone}` },
      edit: { path: `/admin/supporters/${someone}/edit` },
      erase: { path: `/admin/supporters/${someone}/erase` },
      segments: { path: '/admin/supporters/segments' },
      export: { path: `/admin/supporters/export?list=${updates}` },
      'import-upload': { path: '/admin/supporters/import' },
      'import-mapping': { path: `/admin/supporters/import/${mapping}` },
      'import-report': { path: `/admin/supporters/import/${checked}` },
      'import-progress': { path: `/admin/supporters/import/${checking}` },
      'import-done': { path: `/admin/supporters/import/${done}` },
      lists: { path: '/admin/lists' },
      // The same form as list-edit.
      'list-new': { path: '/admin/lists/new', axe: false },
      'list-edit': { path: `/admin/lists/${updates}` },
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

  test('every supporters page: no accessibility violations, nothing from elsewhere, no CSP error, fits a phone', async () => {
    const { context, page, record } = await open(PHONE);
    try {
      for (const [name, { path, status, axe }] of Object.entries(paths)) {
        clearRecord(record);
        // Loaded on a phone, then shown on a desktop: the same markup and colours, so axe (every rule) runs once.
        await viewAs(page, { viewport: PHONE });
        const res = await page.goto(app.baseUrl + path);
        expect(res?.status(), path).toBe(status ?? 200);
        if (axe !== false) {
          const violations = await runAxe(page);
          expect(violations, `${path}:\n${formatViolations(violations)}`).toEqual([]);
        }
        for (const [label, viewport] of [
          ['phone', PHONE],
          ['desktop', DESKTOP],
        ] as const) {
          await viewAs(page, { viewport });
          await page.screenshot({ path: `${SCREENSHOT_DIR}${ctx.dialect}-supporters-${name}-${label}.png`, fullPage: true });
          if (label === 'phone') {
            expect(await horizontalOverflow(page), `${path}: no sideways scrolling on a phone`).toBe(0);
            await page.setViewportSize({ width: 320, height: 640 });
            expect(await horizontalOverflow(page), `${path}: no sideways scrolling at 320 px`).toBe(0);
          }
        }
        expect(foreignRequests(record, app.baseUrl), 'requests to other origins').toEqual([]);
        const errors = record.errors.filter((e) => !(status && e.includes(`status of ${status}`)));
        expect(errors, 'console errors (CSP violations among them)').toEqual([]);
      }
    } finally {
      await context.close();
    }
  });

  test('a running import refreshes itself only when asked to, and offers to stop (WCAG 2.2.1: the refresh can be turned off)', async () => {
    const { context, page } = await open(DESKTOP);
    try {
      await page.goto(app.baseUrl + paths['import-progress']!.path);
      expect(await page.locator('meta[http-equiv="refresh"]').count()).toBe(0);
      await page.getByRole('link', { name: 'refresh every 3 seconds' }).click();
      expect(await page.locator('meta[http-equiv="refresh"]').getAttribute('content')).toBe('3');
      // The only rule axe finds on the refreshing page is the refresh itself; the link to stop it comes first.
      expect((await runAxe(page)).map((v) => v.id)).toEqual(['meta-refresh']);
      await page.getByRole('link', { name: 'Stop refreshing' }).click();
      await page.waitForURL((url) => !url.href.includes('refresh=on'));
      expect(page.url()).not.toContain('refresh=on');
      expect(await page.locator('meta[http-equiv="refresh"]').count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  test('the supporters pages work with JavaScript off: filter, tick and tag', async () => {
    const o = await openPage(browser, { viewport: PHONE, javaScriptEnabled: false });
    await o.context.addCookies([{ name: 'lantern_session', value: session, url: app.baseUrl }]);
    const { context, page } = o;
    try {
      await page.goto(`${app.baseUrl}/admin/supporters`);
      await page.getByLabel('Name or email address').fill('zoe');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.waitForURL((url) => url.href.includes('q=zoe'));
      expect(page.url()).toContain('q=zoe');
      await page.getByLabel('Select Zoë Ng').check();
      await page.getByLabel('Tag to add or remove').fill('phone bank');
      await page.getByRole('button', { name: 'Apply' }).click();
      expect(await page.locator('.notice').textContent()).toBe('Added the tag “phone bank” to 1 supporter.');
    } finally {
      await context.close();
    }
  });
});
