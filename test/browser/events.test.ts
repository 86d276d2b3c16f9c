import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { listOccurrences, registerForEvent, type LanternEvent } from '../../src/events/service.js';
import { startTestLantern, type TestLantern } from '../helpers/app.js';
import {
  PHONE,
  WAIT,
  clearRecord,
  describeInBrowser,
  foreignRequests,
  formatViolations,
  horizontalOverflow,
  launchBrowser,
  openPage,
  runAxe,
  widgetReady,
  type PageRecord,
} from '../helpers/browser.js';
import { makeTestEvent } from '../helpers/events.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';
import { addTestStaff, signedInClient } from '../helpers/staff.js';

// Events in a real browser, on a phone: Yusuf finds the Tuesday protest series, registers for every date (with
// JavaScript off, and on, where the proof of work runs), gets the private meeting point only by email, and leaves one
// Tuesday from his own page; staff check people in at the door, finding a name typed without its accent, and register
// someone who walked in. Every page is accessible (axe, WCAG 2.2 A and AA, where JavaScript runs), fits the phone,
// loads nothing from elsewhere and logs no error. Screenshots of each step go to /tmp/events-shots/.

const SHOTS = '/tmp/events-shots/';
const DAY = 24 * 3600_000;
const MEETING_POINT = 'Under the clock at the north entrance of Harbour Station: look for the orange scarves';

let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

/** A calendar day in London, `days` from today ("2026-12-08"). */
function londonDay(days: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    Date.now() + days * DAY,
  );
}

/** The first link in a text email under the path, with the token that ends it (not the full stop after it). */
function linkIn(text: string | undefined, path: RegExp): string | undefined {
  return new RegExp(`https?://[^\\s<>"]+${path.source}[\\w-]+`).exec(text ?? '')?.[0];
}

describeInBrowser('events in a browser', (ctx) => {
  let app: TestLantern;
  let sink: SmtpSink;
  let protest: LanternEvent;
  let session: string;

  beforeAll(async () => {
    sink = await startSmtpSink();
    app = await startTestLantern(ctx, { env: { SMTP_URL: sink.url }, worker: true });
    const core = app.lantern.core;
    // A few events, so the protest is found among others.
    await makeTestEvent(core, { title: 'Cotton, explained: an evening with Freedom Thread', startsAt: Date.now() + 10 * DAY });
    await makeTestEvent(core, {
      title: 'Livestream: voices from the spinning mills',
      kind: 'livestream',
      mode: 'online',
      venueName: '',
      address: '',
      joiningLink: 'https://video.freedomthread.example.org/mills',
      startsAt: Date.now() + 12 * DAY,
    });
    const firstDay = londonDay(1);
    protest = await makeTestEvent(core, {
      title: 'Tuesday protest for the cotton pickers',
      summary: 'Stand with us every Tuesday evening until the import ban is law.',
      description: 'Bring a placard if you have one; we bring spares. Stewards wear orange scarves.',
      kind: 'protest',
      venueName: 'Harbour Station',
      address: 'Station Approach\nLondon',
      accessibility: 'Level ground; the station has lifts.',
      meetingPoint: MEETING_POINT,
      series: { freq: 'weekly', interval: 1, weekday: 2, start: '18:00', end: '19:00', firstDay, until: londonDay(1 + 27) },
    });
    const staff = await addTestStaff(app, { role: 'campaigner', name: 'Chidi Okonkwo' });
    session = (await signedInClient(app, staff)).cookie('lantern_session')!;
  });
  afterAll(async () => {
    await app?.close();
    await sink?.close();
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

  /**
   * One step of a journey, on the phone: a screenshot; axe (every WCAG A and AA rule) where JavaScript runs; no
   * sideways scrolling at 390 and 320 px; nothing from elsewhere; no console error. The record is cleared for the next step.
   */
  async function step(page: Page, record: PageRecord, name: string, o: { js: boolean }) {
    await page.screenshot({ path: `${SHOTS}${ctx.dialect}-${name}.png`, fullPage: true });
    if (o.js) {
      const violations = await runAxe(page);
      expect(violations, `${name}:\n${formatViolations(violations)}`).toEqual([]);
      expect(await horizontalOverflow(page), `${name}: no sideways scrolling on a phone`).toBe(0);
      await page.setViewportSize({ width: 320, height: 640 });
      expect(await horizontalOverflow(page), `${name}: no sideways scrolling on a small phone (320 px)`).toBe(0);
      await page.setViewportSize(PHONE);
    }
    expect(foreignRequests(record, app.baseUrl), name).toEqual([]);
    expect(record.failed, name).toEqual([]);
    expect(record.errors, name).toEqual([]);
    clearRecord(record);
  }

  for (const js of [false, true]) {
    test(`Yusuf registers for the Tuesday protest series from his phone (JavaScript ${js ? 'on' : 'off'}), gets the meeting point only by email, cancels one Tuesday from his manage link`, async () => {
      const email = `yusuf.${js ? 'js' : 'nojs'}.${ctx.dialect}@example.org`;
      const tag = `yusuf-${js ? 'js' : 'nojs'}`;
      const { context, page, record } = await openPage(browser, { viewport: PHONE, javaScriptEnabled: js });
      try {
        // He finds the protest among the events to come, narrowing the list to protests.
        await page.goto(`${app.baseUrl}/events`);
        expect(await page.locator('main h1').textContent()).toBe('Events');
        await step(page, record, `${tag}-1-events`, { js });
        await page.getByLabel('Kind of event').selectOption({ label: 'Protest' });
        await Promise.all([page.waitForURL('**/events?**'), page.getByRole('button', { name: 'Show events' }).click()]);
        const cards = page.locator('main .event-card');
        expect(await cards.count()).toBe(1);
        expect(await cards.first().innerText()).toMatch(/Every Tuesday, 18:00 to 19:00/);
        await step(page, record, `${tag}-2-protests`, { js });

        await Promise.all([
          page.waitForURL(`**/events/${protest.slug}`),
          page.getByRole('link', { name: 'Tuesday protest for the cotton pickers' }).click(),
        ]);
        expect(await page.locator('main h1').textContent()).toBe('Tuesday protest for the cotton pickers');
        // The public page says where, and that the exact meeting point comes by email: never the point itself.
        const publicText = await page.locator('body').innerText();
        expect(publicText).toContain('Harbour Station');
        expect(publicText).toMatch(/meeting point is emailed to people who register/);
        expect(await page.content()).not.toContain('north entrance');
        if (js) await widgetReady(page);
        await step(page, record, `${tag}-3-event`, { js });

        const before = (await listOccurrences(app.lantern.core.db, protest.id)).map((o) => o.placesTaken);
        const proofs = await proofsSpent();
        const form = page.locator('#register form');
        await form.getByLabel(/^Every date/).check();
        await form.getByLabel('Your name').fill('Yusuf Demir');
        await form.getByLabel('Your email address').fill(email);
        await Promise.all([
          page.waitForURL(`**/events/${protest.slug}/registered`),
          form.getByRole('button', { name: 'Register' }).click(),
        ]);
        expect(await page.locator('main h1').textContent()).toBe('Check your email');
        // With JavaScript the proof of work ran and was spent; without it the registration went through all the same.
        expect(await proofsSpent()).toBe(proofs + (js ? 1 : 0));
        await step(page, record, `${tag}-4-check-your-email`, { js });

        // The email: his places, the meeting point (his alone), his own link; not his name.
        const toYusuf = () => sink.messages.find((m) => JSON.stringify(m.to).includes(email));
        await expect.poll(toYusuf, { ...WAIT, message: 'the registration email arrived' }).toBeDefined();
        const mail = toYusuf()!;
        expect(mail.subject).toContain('Tuesday protest for the cotton pickers');
        // (The text part is wrapped at 80 characters.)
        expect(mail.text?.replace(/\s+/g, ' ')).toContain(MEETING_POINT);
        expect(mail.text).not.toContain('Yusuf');
        const link = linkIn(mail.text, /\/events\/manage\//);
        expect(link, 'the email carries his own link').toBeDefined();

        await page.goto(link!.replace(/^https?:\/\/[^/]+/, app.baseUrl));
        expect(await page.locator('main h1').textContent()).toBe('Your registration');
        const yours = page.locator('section.event-private');
        expect(await yours.getByRole('heading', { name: 'Only for you' }).count()).toBe(1);
        expect(await yours.innerText()).toContain(MEETING_POINT);
        const dates = page.locator('main ul.event-dates > li');
        expect(await dates.count()).toBe(4);
        for (let i = 0; i < 4; i++) expect(await dates.nth(i).innerText()).toContain('You have a place');
        await step(page, record, `${tag}-5-own-page`, { js });

        // He cannot come on the first Tuesday.
        const first = (await dates.first().locator('strong').first().textContent())!;
        expect(first).toMatch(/^Tuesday\b.*, 18:00 to 19:00$/);
        await Promise.all([
          page.waitForURL('**/events/manage/**?done=cancelled'),
          dates
            .first()
            .getByRole('button', { name: /I cannot come on this date/ })
            .click(),
        ]);
        expect(await page.locator('main').innerText()).toContain('Done: you will not be expected on that date.');
        expect(await dates.first().innerText()).toContain(first);
        expect(await dates.first().innerText()).toContain('You told us you cannot come');
        // One button is left for that date: to take it back if it was pressed by mistake.
        expect(await dates.first().getByRole('button').count()).toBe(1);
        expect(await dates.first().getByRole('button').innerText()).toContain('I can come after all');
        for (let i = 1; i < 4; i++) expect(await dates.nth(i).innerText()).toContain('You have a place');
        expect(await page.locator('section.event-private').innerText()).toContain(MEETING_POINT);
        await step(page, record, `${tag}-6-one-tuesday-cancelled`, { js });

        // The place he gave up on the first Tuesday is free again; he holds one on each of the others.
        const after = (await listOccurrences(app.lantern.core.db, protest.id)).map((o) => o.placesTaken);
        expect(after).toEqual(before.map((n, i) => (i === 0 ? n : n + 1)));
      } finally {
        await context.close();
      }
    });
  }

  test('Staff check in attendees at the door with a phone: find a name typed without its accent, check in, register a walk-in', async () => {
    const core = app.lantern.core;
    const meeting = await makeTestEvent(core, {
      title: 'Freedom Thread supporters’ evening',
      startsAt: Date.now() + 2 * DAY,
      capacity: 30,
    });
    const [date] = await listOccurrences(core.db, meeting.id);
    const people = [
      ['Gülnar Rahimova', 'gulnar', 2],
      ['Zoë Adeyemi', 'zoe', 1],
      ['Tom Price', 'tom', 1],
    ] as const;
    for (const [name, who, places] of people)
      await registerForEvent(core, meeting, {
        name,
        email: `${who}.${ctx.dialect}@example.org`,
        places,
        date: date!.id,
        answers: {},
        optIn: false,
      });

    const { context, page, record } = await openPage(browser, { viewport: PHONE });
    await context.addCookies([{ name: 'lantern_session', value: session, url: app.baseUrl }]);
    const stat = (label: string) =>
      page
        .locator('dl.stats div', { has: page.locator('dt', { hasText: label }) })
        .locator('dd')
        .innerText();
    try {
      await page.goto(`${app.baseUrl}/admin/events/${meeting.id}/check-in?date=${date!.id}`);
      expect(await page.locator('main h1').textContent()).toBe('Check-in: Freedom Thread supporters’ evening');
      expect(await stat('Places booked')).toBe('4');
      expect(await stat('Checked in')).toBe('0');
      // A phone held up at the door shows names, never addresses.
      expect(await page.locator('main').innerText()).not.toContain('@example.org');
      await step(page, record, 'door-1-list', { js: true });

      // She is "Gulnar" on the door list the steward was given.
      await page.getByLabel('Find someone').fill('gulnar');
      await Promise.all([page.waitForURL('**/check-in?**q=gulnar**'), page.getByRole('button', { name: 'Find', exact: true }).click()]);
      expect(await page.locator('main h2').first().textContent()).toBe('Found: 1');
      const found = page.locator('main li[id^="p-"]');
      expect(await found.count()).toBe(1);
      expect(await found.innerText()).toContain('Gülnar Rahimova');
      await step(page, record, 'door-2-found', { js: true });

      await Promise.all([
        page.waitForURL('**/check-in?**done=in**'),
        page.getByRole('button', { name: 'Check in Gülnar Rahimova' }).click(),
      ]);
      expect(await page.locator('main').innerText()).toContain('Gülnar Rahimova is checked in.');
      expect(await stat('Checked in')).toBe('2');
      expect(await stat('Still to come')).toBe('2');
      expect(await found.innerText()).toMatch(/Checked in at \d\d:\d\d/);
      expect(await page.getByRole('button', { name: 'Undo the check-in of Gülnar Rahimova' }).count()).toBe(1);
      await step(page, record, 'door-3-checked-in', { js: true });

      // Someone arrives who did not register: registered and checked in from the same page.
      const walkInEmail = `priya.${ctx.dialect}@example.org`;
      await page.getByRole('link', { name: 'Show everyone' }).click();
      await page.getByLabel('Their name').fill('Priya Shah');
      await page.getByLabel('Their email address (optional)').fill(walkInEmail);
      await page.getByLabel('Places', { exact: true }).fill('2');
      await Promise.all([
        page.waitForURL('**/check-in?**done=walkin**'),
        page.getByRole('button', { name: 'Register and check in' }).click(),
      ]);
      expect(await page.locator('main').innerText()).toContain('Priya Shah is registered and checked in.');
      expect(await stat('Places booked')).toBe('6');
      expect(await stat('Checked in')).toBe('4');
      const priya = page.locator('main li[id^="p-"]', { hasText: 'Priya Shah' });
      expect(await priya.innerText()).toContain('(at the door)');
      await step(page, record, 'door-4-walk-in', { js: true });
      // She gets the usual email, with her own link.
      await expect.poll(() => sink.messages.some((m) => JSON.stringify(m.to).includes(walkInEmail)), WAIT).toBe(true);
    } finally {
      await context.close();
    }
  });
});
