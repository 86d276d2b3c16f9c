import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { seedDemo } from '../../src/app.js';
import { DEMO_EVENT_SLUGS } from '../../src/events/demo.js';
import {
  cancelPlace,
  findEvent,
  findRegistrationByToken,
  listOccurrences,
  registerForEvent,
  type LanternEvent,
} from '../../src/events/service.js';
import { startTestLantern, type TestLantern } from '../helpers/app.js';
import {
  COLOUR_RULES,
  DESKTOP,
  LAYOUT_RULES,
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
  viewAs,
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
const AXE_SHOTS = '/tmp/events-axe/';
const DAY = 24 * 3600_000;
const MEETING_POINT = 'Under the clock at the north entrance of Harbour Station: look for the orange scarves';

let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  mkdirSync(AXE_SHOTS, { recursive: true });
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

// Every events page, public and staff, on the demo charity (whose events are a past meeting with its recording and
// feedback, a livestream, the Tuesday protest with one Tuesday called off, an Iftar with questions and a limit on
// places, and an exhibition), plus the states the demo does not reach: a cancelled event, a draft, a full date with
// a place offered from the waiting list, and a past event whose feedback form is open. Each page is checked with axe
// (every WCAG 2.2 A and AA rule) on a light phone, and its colours and layout again on a dark desktop; it must fit a
// 320 px phone, load nothing from elsewhere and log no error. Screenshots of both go to /tmp/events-axe/.
describeInBrowser('every events page in a browser', (ctx) => {
  let app: TestLantern;
  let session: string;

  beforeAll(async () => {
    app = await startTestLantern(ctx);
    await seedDemo(app.lantern.core);
    const owner = await addTestStaff(app, { role: 'owner', name: 'Nadia Haddad' });
    session = (await signedInClient(app, owner)).cookie('lantern_session')!;
  });
  afterAll(async () => {
    await app?.close();
  });

  /**
   * The page as it is now: axe (every rule) on a light phone, colours and layout on a dark desktop, screenshots of
   * both, no sideways scrolling at 320 px, nothing from elsewhere, no error but the page's own expected status.
   */
  async function checkPage(page: Page, record: PageRecord, name: string, status = 200) {
    await viewAs(page, { viewport: PHONE, colorScheme: 'light' });
    const all = await runAxe(page);
    expect(all, `${name}:\n${formatViolations(all)}`).toEqual([]);
    expect(await horizontalOverflow(page), `${name}: no sideways scrolling on a phone`).toBe(0);
    await page.screenshot({ path: `${AXE_SHOTS}${ctx.dialect}-${name}-phone.png`, fullPage: true });
    await viewAs(page, { viewport: DESKTOP, colorScheme: 'dark' });
    const dark = await runAxe(page, { rules: [...COLOUR_RULES, ...LAYOUT_RULES] });
    expect(dark, `${name} (dark desktop):\n${formatViolations(dark)}`).toEqual([]);
    await page.screenshot({ path: `${AXE_SHOTS}${ctx.dialect}-${name}-desktop-dark.png`, fullPage: true });
    await viewAs(page, { viewport: { width: 320, height: 640 }, colorScheme: 'light' });
    if ((await horizontalOverflow(page)) !== 0)
      expect.fail(`${name}: no sideways scrolling at 320 px, but these stick out:\n${(await stickingOut(page)).join('\n')}`);
    expect(foreignRequests(record, app.baseUrl), name).toEqual([]);
    // A page answered with an error status (the form shown again after a mistake) is itself the one failed response,
    // and Chromium logs it as an error; nothing else may fail.
    const expected = status === 200 ? [] : [`${status} ${page.url()}`];
    expect(record.failed, name).toEqual(expected);
    const logged = status === 200 ? [] : [expect.stringMatching(new RegExp(`^Failed to load resource: .*status of ${status}\\b`))];
    expect(record.errors, name).toEqual(logged);
    clearRecord(record);
  }

  /** The innermost elements reaching past the right edge of the window (to say what makes a page scroll sideways). */
  function stickingOut(page: Page): Promise<string[]> {
    return page.evaluate<string[]>(`(() => {
      const width = document.documentElement.clientWidth;
      const out = [...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > width + 0.5);
      return out
        .filter((el) => !out.some((o) => o !== el && el.contains(o)))
        .slice(0, 10)
        .map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className ? '.' + String(el.className).split(' ').join('.') : '') +
          ' right=' + Math.round(el.getBoundingClientRect().right) + ' ' + (el.textContent || '').trim().slice(0, 60));
    })()`);
  }

  /** Goes to a page by its address, expects the status, and checks it. */
  async function visit(page: Page, record: PageRecord, name: string, path: string, status = 200) {
    clearRecord(record);
    const res = await page.goto(app.baseUrl + path);
    expect(res?.status(), path).toBe(status);
    await checkPage(page, record, name, status);
  }

  test('every events page, public and staff, on a phone and a dark desktop: accessible, fits 320 px, nothing from elsewhere', async () => {
    const core = app.lantern.core;
    const now = Date.now();
    const bySlug = async (slug: string) => (await findEvent(core.db, slug))!;
    const iftar = await bySlug(DEMO_EVENT_SLUGS.iftar);
    const protest = await bySlug(DEMO_EVENT_SLUGS.protest);
    const meeting = await bySlug(DEMO_EVENT_SLUGS.meeting);

    // What the demo does not show: a cancelled event, a draft, a full date with a place offered from the waiting list…
    const cancelled = await makeTestEvent(core, {
      title: 'Open-air screening: The Cotton Road',
      summary: 'A documentary about the journey of a cotton shirt, shown in the park.',
      status: 'cancelled',
      startsAt: now + 9 * DAY,
    });
    await makeTestEvent(core, { title: 'Autumn supporters’ gathering', publication: 'draft', startsAt: now + 60 * DAY });
    const workshop = await makeTestEvent(core, {
      title: 'Writing to your MP: a small-group workshop',
      summary: 'Six of us round a table, writing letters about the import ban, with help from our policy officer.',
      capacity: 1,
      maxPlacesPerRegistration: 1,
      startsAt: now + 6 * DAY,
    });
    const [workshopDate] = await listOccurrences(core.db, workshop.id);
    const person = (name: string, email: string) => ({ name, email, places: 1, date: workshopDate!.id, answers: {}, optIn: false });
    const first = await registerForEvent(core, workshop, person('Ruth Adebayo', `ruth.${ctx.dialect}@example.org`));
    const second = await registerForEvent(core, workshop, person('Callum Fraser', `callum.${ctx.dialect}@example.org`));
    if (first.kind !== 'registered' || second.kind !== 'registered') throw new Error('the workshop registrations were not made');
    expect(second.states).toEqual(['waitlisted']);
    const firstPlace = (await findRegistrationByToken(core, first.manageToken))!.registration.dates[0]!;
    await cancelPlace(core, first.manageToken, firstPlace.id);
    expect((await findRegistrationByToken(core, second.manageToken))!.registration.dates[0]!.state).toBe('offered');
    // …and a past event someone registered for beforehand, whose feedback form is open.
    const mending = await makeTestEvent(core, {
      title: 'Mending evening: repair, don’t replace',
      summary: 'Bring a garment with a hole in it; we bring needles, thread and tea.',
      startsAt: now - 3 * DAY,
    });
    const [mendingDate] = await listOccurrences(core.db, mending.id);
    const mender = await registerForEvent(
      core,
      mending,
      { name: 'Ines Moreau', email: `ines.${ctx.dialect}@example.org`, places: 1, date: mendingDate!.id, answers: {}, optIn: false },
      { now: now - 5 * DAY },
    );
    if (mender.kind !== 'registered') throw new Error('the mending evening registration was not made');
    const protestDate = (await listOccurrences(core.db, protest.id)).find((o) => o.status === 'scheduled' && o.startsAt > now)!;

    const { context, page, record } = await openPage(browser, { viewport: PHONE });
    try {
      // The public pages.
      await visit(page, record, 'events', '/events');
      expect(await page.locator('main .event-card').count()).toBeGreaterThan(3);
      await visit(page, record, 'events-filtered', '/events?kind=protest&campaign=free-the-supply-chain');
      expect(await page.locator('main .event-card').count()).toBe(1);
      await visit(page, record, 'events-filtered-none', '/events?kind=exhibition&online=on');
      expect(await page.locator('main').innerText()).toContain('No events to come match these choices.');
      await visit(page, record, 'events-past', '/events/past');
      expect(await page.locator('main').getByRole('link', { name: 'Watch the recording' }).count()).toBeGreaterThan(0);
      await visit(page, record, 'event-past-with-recording', `/events/${meeting.slug}`);
      await visit(page, record, 'event-with-capacity', `/events/${iftar.slug}`);
      expect(await page.locator('main').innerText()).toMatch(/places left/);
      await visit(page, record, 'event-series', `/events/${protest.slug}`);
      expect(await page.locator('main ul.event-dates').innerText()).toContain('cancelled');
      await visit(page, record, 'event-cancelled', `/events/${cancelled.slug}`);
      expect(await page.locator('main').innerText()).toContain('Cancelled');
      await visit(page, record, 'event-full', `/events/${workshop.slug}`);

      // Registering with no name: the form comes back on a page of its own, with the error summary.
      await page.goto(`${app.baseUrl}/events/${iftar.slug}`);
      await widgetReady(page);
      const form = page.locator('#register form');
      await form.getByLabel('Your email address').fill(`nameless.${ctx.dialect}@example.org`);
      clearRecord(record);
      const [refused] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith(`/events/${iftar.slug}/register`) && r.request().method() === 'POST'),
        form.getByRole('button', { name: 'Register' }).click(),
      ]);
      expect(refused.status()).toBe(422);
      await page.waitForLoadState();
      expect(await page.locator('main h1').textContent()).toBe('Register: Solidarity Iftar');
      expect(await page.locator('.error-summary').count()).toBe(1);
      await checkPage(page, record, 'register-refused', 422);

      await visit(page, record, 'check-your-email', `/events/${iftar.slug}/registered`);
      await visit(page, record, 'own-page-with-offer', `/events/manage/${second.manageToken}`);
      expect(await page.locator('main').innerText()).toContain('A place has come free for you');
      expect(await page.getByRole('button', { name: 'Take the place' }).count()).toBe(1);
      await visit(page, record, 'own-page-gave-up', `/events/manage/${first.manageToken}`);
      await visit(page, record, 'feedback-form', `/events/manage/${mender.manageToken}/feedback`);
      expect(await page.locator('main h1').textContent()).toBe('How was “Mending evening: repair, don’t replace”?');

      // The staff pages.
      await context.addCookies([{ name: 'lantern_session', value: session, url: app.baseUrl }]);
      for (const show of ['upcoming', 'past', 'drafts']) await visit(page, record, `admin-events-${show}`, `/admin/events?show=${show}`);
      expect(await page.locator('main table').innerText()).toContain('Autumn supporters’ gathering');
      await visit(page, record, 'admin-new-event', '/admin/events/new');
      await page.getByLabel('Title', { exact: true }).fill('Evening talk on the import ban');
      await page.getByLabel('Starts', { exact: true }).fill('2031-05-14T19:00');
      await page.getByLabel('Ends', { exact: true }).fill('2031-05-14T18:00');
      clearRecord(record);
      const [saved] = await Promise.all([
        page.waitForResponse((r) => r.url() === `${app.baseUrl}/admin/events` && r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Save the event' }).click(),
      ]);
      expect(saved.status()).toBe(422);
      await page.waitForLoadState();
      expect(await page.locator('.error-summary').innerText()).toContain('must end after it starts');
      await checkPage(page, record, 'admin-new-event-refused', 422);

      const admin = (e: LanternEvent) => `/admin/events/${e.id}`;
      await visit(page, record, 'admin-event', admin(iftar));
      await visit(page, record, 'admin-event-series', admin(protest));
      await visit(page, record, 'admin-dates', `${admin(protest)}/dates`);
      await visit(page, record, 'admin-cancel-date', `${admin(protest)}/dates/${protestDate.id}/cancel`);
      await visit(page, record, 'admin-move-date', `${admin(protest)}/dates/${protestDate.id}/move`);
      await visit(page, record, 'admin-attendees', `${admin(iftar)}/attendees`);
      await visit(page, record, 'admin-attendees-offer', `${admin(workshop)}/attendees`);
      expect(await page.locator('main').innerText()).toContain('Offered a place until');
      await visit(page, record, 'admin-figures', `${admin(meeting)}/figures`);
      await visit(page, record, 'admin-feedback', `${admin(meeting)}/feedback`);
      await visit(page, record, 'admin-message', `${admin(iftar)}/message`);
      await visit(page, record, 'admin-check-in', `${admin(iftar)}/check-in`);
      await visit(page, record, 'admin-testimonials', '/admin/content/testimonials');
      expect(await page.locator('main').innerText()).toContain('Aisha, Hackney');

      // The pages of the website that now show events.
      await context.clearCookies();
      await visit(page, record, 'home', '/');
      expect(await page.locator('main .event-card').count()).toBeGreaterThan(0);
      await visit(page, record, 'campaign', '/campaigns/free-the-supply-chain');
      expect(await page.locator('main .event-card').count()).toBeGreaterThan(0);
    } finally {
      await context.close();
    }
  });
});
