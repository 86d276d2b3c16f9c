import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { refreshActionCount } from '../../src/actions/service.js';
import { seedDemo } from '../../src/app.js';
import { startTestLantern, type TestLantern } from '../helpers/app.js';
import {
  launchBrowser,
  openPage,
  PHONE,
  DESKTOP,
  runAxe,
  formatViolations,
  foreignRequests,
  describeInBrowser,
  WAIT,
} from '../helpers/browser.js';
import { signedInAs } from '../helpers/signin.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

// Persona journeys in a real browser (style.md): a supporter on a phone, with JavaScript off, signs the demo
// petition, confirms from the email, and is counted; the same with JavaScript on, where the proof of work runs.

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describeInBrowser('actions: supporters’ journeys in a browser', (ctx) => {
  let app: TestLantern;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await startSmtpSink();
    app = await startTestLantern(ctx, { env: { SMTP_URL: sink.url }, worker: true });
    await seedDemo(app.lantern.core);
  });
  afterAll(async () => {
    await app?.close();
    await sink?.close();
  });

  const linkIn = (text: string | undefined, path: RegExp) => {
    const m = new RegExp(`https?://[^\\s]+${path.source}[^\\s]*`).exec(text ?? '');
    return m?.[0];
  };

  for (const js of [false, true]) {
    test(`Suzie signs the petition on her phone with JavaScript ${js ? 'on' : 'off'}, confirms by email and is counted`, async () => {
      const email = `suzie.${js ? 'js' : 'nojs'}.${ctx.dialect}@example.org`;
      const id = Number(
        (await app.lantern.core.db.selectFrom('actions').select('id').where('slug', '=', 'label-the-cotton').executeTakeFirstOrThrow()).id,
      );
      await refreshActionCount(app.lantern.core.db, id);
      const action = await app.lantern.core.db.selectFrom('actions').select(['id', 'count']).where('id', '=', id).executeTakeFirstOrThrow();
      const { context, page, record } = await openPage(browser, { viewport: PHONE, javaScriptEnabled: js });
      try {
        await page.goto(`${app.baseUrl}/act/label-the-cotton`);
        // The page also has the newsletter sign-up block, with its own name and email fields.
        const form = page.locator('form.petition-form');
        await form.getByLabel('First name', { exact: true }).fill('Suzie');
        await form.getByLabel('Last name', { exact: true }).fill('Okafor');
        await form.getByLabel('Email address').fill(email);
        await form.getByLabel('Postcode').fill('ab11 6aa');
        await form.getByLabel('Show my first name and town').check();
        await form.getByLabel(/^Town/).fill('Aberdeen');
        await Promise.all([
          page.waitForURL('**/act/label-the-cotton/check-your-email'),
          form.getByRole('button', { name: 'Sign the petition' }).click(),
        ]);
        expect(await page.locator('main h1').textContent()).toMatch(/check your email/i);
        if (js) expect(await runAxe(page), 'axe needs JavaScript to run in the page').toEqual([]);

        const toSuzie = () => sink.messages.find((m) => JSON.stringify(m.to).includes(email));
        await expect.poll(toSuzie, { ...WAIT, message: 'the confirmation email arrived' }).toBeDefined();
        const mail = toSuzie();
        expect(mail, 'the confirmation email arrived').toBeDefined();
        const link = linkIn(mail!.text, /\/act\/label-the-cotton\/confirm\//);
        expect(link).toBeDefined();
        await page.goto(link!.replace(/^https?:\/\/[^/]+/, app.baseUrl));
        await Promise.all([page.waitForURL('**/act/label-the-cotton/thanks'), page.getByRole('button', { name: /confirm/i }).click()]);
        expect(await page.locator('main h1').textContent()).toBe('Thank you');
        expect(await page.getByRole('link', { name: 'Share by Email' }).count()).toBe(1);
        expect(foreignRequests(record, app.baseUrl)).toEqual([]);

        await refreshActionCount(app.lantern.core.db, Number(action.id));
        await page.goto(`${app.baseUrl}/act/label-the-cotton`);
        expect(await page.locator('.counter-figure strong').textContent()).toBe((Number(action.count) + 1).toLocaleString('en-GB'));
        // The list of shown signers is kept for a few seconds per process; she appears once it is read again.
        await expect
          .poll(
            async () => {
              await page.reload();
              return page.locator('main').innerText();
            },
            { ...WAIT, interval: 500 },
          )
          .toContain('Suzie, Aberdeen');
      } finally {
        await context.close();
      }
    });
  }

  test('Amina writes to her MP on her phone: every stage passes axe, nothing comes from elsewhere, and the letter waits for her click', async () => {
    const email = `amina.${ctx.dialect}@example.org`;
    const { context, page, record } = await openPage(browser, { viewport: PHONE });
    const checkPage = async (h1: RegExp, label: string) => {
      expect(await page.locator('main h1').first().textContent(), label).toMatch(h1);
      const violations = await runAxe(page);
      expect(violations, `${label}:\n${formatViolations(violations)}`).toEqual([]);
    };
    try {
      await page.goto(`${app.baseUrl}/act/write-to-your-mp-import-ban`);
      // A Northern Ireland postcode: choose from the 18 constituencies.
      await page.getByLabel('Your postcode').fill('BT1 1AA');
      await page.getByRole('button', { name: 'Find my MP' }).click();
      await page.locator('main h1', { hasText: /Choose your constituency/ }).waitFor();
      await checkPage(/Choose your constituency/, 'choose (Northern Ireland)');
      // A GB postcode in any case and spacing: straight to writing.
      await page.goto(`${app.baseUrl}/act/write-to-your-mp-import-ban`);
      await page.getByLabel('Your postcode').fill('ab11 6aa');
      await page.getByRole('button', { name: 'Find my MP' }).click();
      await page.getByLabel('Your letter', { exact: true }).waitFor();
      await checkPage(/./, 'write');
      const letter = page.getByLabel('Your letter', { exact: true });
      await letter.fill(
        'I live in Aberdeen and I care about where my clothes come from. My grandmother picked cotton as a girl and told me what it ' +
          'costs the people who do it against their will. Please speak in the debate and vote for a ban on importing goods made with forced labour. <b>Thank you.</b>',
      );
      await page.getByLabel('First name', { exact: true }).fill('Amina');
      await page.getByLabel('Last name', { exact: true }).fill('Rahman');
      await page.getByLabel('Email address').fill(email);
      await page.getByLabel('Your postal address').fill('14 Union Street\nAberdeen');
      await page.getByRole('button', { name: 'Preview my letter' }).click();
      await page.locator('main h1', { hasText: /Check your letter/ }).waitFor();
      await checkPage(/Check your letter/, 'preview');
      expect(await page.locator('main').innerText()).toContain('<b>Thank you.</b>');
      await Promise.all([page.waitForURL('**/check-your-email'), page.getByRole('button', { name: 'Send it' }).click()]);
      await checkPage(/Check your email/, 'check your email');
      expect(foreignRequests(record, app.baseUrl)).toEqual([]);
      // Nothing has gone to the MP: the letter waits, unconfirmed, for the writer's click.
      const row = await app.lantern.core.db.selectFrom('letters').select('status').orderBy('id', 'desc').executeTakeFirstOrThrow();
      expect(row.status).toBe('unconfirmed');
    } finally {
      await context.close();
    }
  });

  test('a staff member opens a new action and sees its numbers: the admin pages pass axe', async () => {
    const { context, page } = await openPage(browser, { viewport: DESKTOP });
    try {
      const owner = await signedInAs(app, 'owner');
      await context.addCookies([{ name: 'lantern_session', value: owner.client.cookie('lantern_session')!, url: app.baseUrl }]);
      const action = await app.lantern.core.db
        .selectFrom('actions')
        .select('id')
        .where('slug', '=', 'label-the-cotton')
        .executeTakeFirstOrThrow();
      for (const path of [
        '/admin/actions',
        '/admin/actions/new',
        '/admin/actions/new?kind=petition',
        `/admin/actions/${action.id}`,
        `/admin/actions/${action.id}/edit`,
        `/admin/actions/${action.id}/preview`,
        '/admin/campaigns',
      ]) {
        await page.goto(app.baseUrl + path);
        expect(page.url(), path).toContain(path.split('?')[0]!);
        const violations = await runAxe(page);
        expect(violations, `${path}:\n${formatViolations(violations)}`).toEqual([]);
      }
    } finally {
      await context.close();
    }
  });
});
