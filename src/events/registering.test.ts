import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import { eventInput, makeTestEvent } from '../../test/helpers/events.js';
import { garbage } from '../../test/helpers/garbage.js';
import { TestClient } from '../../test/helpers/http.js';
import { expectClearPage, send } from '../../test/helpers/send-garbage.js';
import { startSmtpSink, type SmtpSink } from '../../test/helpers/smtp.js';
import { easyProofOfWork, linkIn, mailsTo, solveSignupProof, waitForMailTo } from '../../test/helpers/supporters.js';
import { insertList } from '../supporters/queries.js';
import { emailIndex, findSupporterByEmail, supporterConsent } from '../supporters/service.js';
import { MATERIALISE_DAYS, MAX_OCCURRENCES_AHEAD } from './recurrence.js';
import {
  cancelOccurrence,
  expireOffers,
  formatWhen,
  listOccurrences,
  registerForEvent,
  updateEvent,
  type EventInput,
  type LanternEvent,
  type RegistrationInput,
} from './service.js';

// Registering for events as a supporter meets it, over real HTTP on both dialects: the form, the email (with its
// calendar file and own link), one registration per address, the private parts kept to people holding a place,
// places never oversold under concurrency, the waitlist in arrival order (a party waits for room, nobody behind it
// served first), offers held and passed on, the person's own page, and refusals that store nothing.

easyProofOfWork();
const TOKEN = '[A-Za-z0-9_-]{43}';
const HOUR = 3600_000;

describeEachDialect('events: registering, places and the waitlist', (ctx) => {
  let t: TestLantern;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestLantern(ctx, { env: { SMTP_URL: sink.url, TRUST_PROXY: 'true' }, worker: true });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  const core = () => t.lantern.core;
  const db = () => t.lantern.core.db;
  let n = 1;
  const ip = () => {
    const k = n++;
    return `10.88.${(k >> 8) & 255}.${k & 255}`;
  };
  const freshEmail = (name = 'guest') => `${name}.${ctx.dialect}.${n++}@example.org`;

  const register = async (event: LanternEvent, fields: Record<string, string | string[]>, o: { proof?: boolean } = {}) => {
    const c = new TestClient(t.baseUrl, { 'x-forwarded-for': ip() });
    const form: Record<string, string | string[]> = { name: 'Yusuf Demir', website: '', ...fields };
    if (o.proof !== false) form.altcha = await solveSignupProof(t.baseUrl, { 'x-forwarded-for': ip() });
    return c.request('POST', `/events/${event.slug}/register`, { form, headers: { 'sec-fetch-site': 'same-origin' } });
  };
  /** An event's values as the edit form would send them back. */
  const inputOf = (e: LanternEvent): Partial<EventInput> => ({
    slug: e.slug,
    title: e.title,
    summary: e.summary,
    kind: e.kind,
    mode: e.mode,
    capacity: e.capacity,
    startsAt: e.startsAt,
    endsAt: e.endsAt,
    venueName: e.venueName,
    address: e.address,
  });
  const input = (o: Partial<RegistrationInput>): RegistrationInput => ({
    name: 'Guest',
    email: freshEmail(),
    places: 1,
    date: 'series',
    answers: {},
    optIn: false,
    ...o,
  });
  const placesOf = async (occurrenceId: number) =>
    db()
      .selectFrom('event_places as p')
      .innerJoin('event_registrations as r', 'r.id', 'p.registration_id')
      .select(['p.id', 'p.state', 'p.places', 'r.email_enc', 'p.offered_until'])
      .where('p.occurrence_id', '=', occurrenceId)
      .orderBy('p.id')
      .execute();
  const emailsIn = (state: string, rows: Awaited<ReturnType<typeof placesOf>>) =>
    rows.filter((r) => r.state === state).map((r) => core().keyring.decrypt(r.email_enc!));

  test('register from the page: the email has the details, a calendar file and the own link; the page never shows the private parts', async () => {
    const event = await makeTestEvent(core(), {
      title: 'Iftar in solidarity',
      kind: 'meeting',
      mode: 'hybrid',
      joiningLink: 'https://video.example.org/room/secret-42',
      questions: [{ id: 'diet', label: 'Dietary needs', type: 'multiple', required: false, choices: ['Vegetarian', 'Vegan', 'Halal'] }],
      capacity: 80,
    });
    const page = await new TestClient(t.baseUrl).get(`/events/${event.slug}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('80 places left');
    expect(page.text).toContain(`action="/events/${event.slug}/register"`);
    expect(page.text).not.toContain('secret-42');
    expect(page.text).toContain('https://www.openstreetmap.org/search?query=');

    const email = freshEmail('amina');
    const res = await register(event, { email, name: 'Amina Tursun', places: '2', q_diet: ['Vegan', 'Halal'] });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/events/${event.slug}/registered`);

    const row = await db()
      .selectFrom('event_registrations')
      .selectAll()
      .where('email_index', '=', emailIndex(core().keyring, email))
      .executeTakeFirstOrThrow();
    for (const v of [row.email_enc, row.name_enc, row.answers_enc]) expect(v).not.toMatch(/amina|Tursun|Vegan/i);
    expect(JSON.parse(core().keyring.decrypt(row.answers_enc!))).toEqual({ diet: ['Vegan', 'Halal'] });

    const [mail] = await waitForMailTo(sink, email);
    expect(mail!.subject).toBe('Your place: Iftar in solidarity');
    expect(mail!.text).toContain('secret-42');
    expect(mail!.text).not.toContain('Amina');
    const ics = mail!.attachments.find((a) => a.filename === `${event.slug}.ics`);
    expect(ics?.content.toString()).toContain('CONFERENCE');
    const manage = linkIn(mail!, new RegExp(`/events/manage/${TOKEN}`));
    const own = await new TestClient(t.baseUrl).get(manage);
    expect(own.status).toBe(200);
    expect(own.headers.get('cache-control')).toBe('no-store');
    expect(own.text).toContain('secret-42');
    expect(own.text).toContain('You have a place');
    // The public page and the public calendar file still hold nothing private; the count went down.
    const after = await new TestClient(t.baseUrl).get(`/events/${event.slug}`);
    expect(after.text).toContain('78 places left');
    const publicIcs = await new TestClient(t.baseUrl).get(`/events/${event.slug}.ics`);
    expect(publicIcs.status).toBe(200);
    expect(publicIcs.headers.get('content-type')).toMatch(/^text\/calendar/);
    expect(publicIcs.text).not.toMatch(/secret-42|CONFERENCE/);
    // The sitemap lists the lists and the event's page (a draft never).
    const hidden = await makeTestEvent(core(), { publication: 'draft' });
    const sitemap = await new TestClient(t.baseUrl).get('/sitemap.xml');
    expect(sitemap.text).not.toContain(`/events/${hidden.slug}<`);
    expect(sitemap.text).toContain(`/events/${event.slug}</loc>`);
    expect(sitemap.text).toContain('/events</loc>');
    const feed = await new TestClient(t.baseUrl).get('/events.ics');
    expect(feed.text).toContain('Iftar in solidarity');
    expect(feed.text).not.toMatch(/secret-42|CONFERENCE/);
  });

  test('one registration per address: a repeat gets the same page, stores nothing, and the owner is emailed their link', async () => {
    const event = await makeTestEvent(core());
    const email = freshEmail('repeat');
    expect((await register(event, { email })).status).toBe(303);
    await waitForMailTo(sink, email);
    const again = await register(event, { email: email.toUpperCase(), name: 'Someone Else' });
    expect(again.status).toBe(303);
    expect(again.headers.get('location')).toBe(`/events/${event.slug}/registered`);
    const rows = await db().selectFrom('event_registrations').select('id').where('event_id', '=', event.id).execute();
    expect(rows).toHaveLength(1);
    // The reminder waits five minutes after the last email to the same registration; it is not sent yet.
    expect(mailsTo(sink, email).filter((m) => (m.subject ?? '').startsWith('You are already registered'))).toHaveLength(0);
    const [occ] = await listOccurrences(db(), event.id);
    expect(occ!.placesTaken).toBe(1);
  });

  test('closed, cancelled, too many places or garbled: a clear refusal and nothing stored', async () => {
    const past = await makeTestEvent(core(), { registrationDeadline: Date.now() - HOUR });
    const r1 = await register(past, { email: freshEmail() });
    expect(r1.status).toBe(409);
    expect(r1.text).toContain('Registration for this event has closed.');
    const cancelled = await makeTestEvent(core(), { status: 'cancelled' });
    const r2 = await register(cancelled, { email: freshEmail() });
    expect(r2.status).toBe(409);
    expect(r2.text).toContain('This event has been cancelled.');
    const small = await makeTestEvent(core(), { maxPlacesPerRegistration: 2 });
    const r3 = await register(small, { email: freshEmail(), places: '3' });
    expect(r3.status).toBe(422);
    expect(r3.text).toContain('Choose between 1 and 2 places');
    for (const bad of ['0', '-1', '1.5', 'two']) expect((await register(small, { email: freshEmail(), places: bad })).status).toBe(422);
    const r4 = await register(small, { email: 'not-an-address' });
    expect(r4.status).toBe(422);
    for (const e of [past, cancelled, small]) {
      const rows = await db().selectFrom('event_registrations').select('id').where('event_id', '=', e.id).execute();
      expect(rows).toHaveLength(0);
    }
    // A date staff cancelled takes nobody.
    const series = await makeTestEvent(core(), {
      kind: 'protest',
      series: {
        freq: 'weekly',
        interval: 1,
        weekday: 2,
        start: '18:00',
        end: '19:00',
        firstDay: new Date(Date.now() + 86_400_000).toISOString().slice(0, 10),
      },
    });
    const [first] = await listOccurrences(db(), series.id);
    await cancelOccurrence(core(), null, first!.id);
    const r5 = await register(series, { email: freshEmail(), date: String(first!.id) });
    expect(r5.status).toBe(422);
    expect(r5.text).toContain('Choose a date from the list');
  });

  test('never oversold: 40 people at once for 10 places get exactly 10 places and 30 waiting, in arrival order', async () => {
    const event = await makeTestEvent(core(), { capacity: 10, maxPlacesPerRegistration: 1 });
    const [occ] = await listOccurrences(db(), event.id);
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        registerForEvent(core(), event, input({ email: `crowd${i}.${ctx.dialect}@example.org`, date: occ!.id })),
      ),
    );
    expect(results.filter((r) => r.kind === 'registered')).toHaveLength(40);
    const rows = await placesOf(occ!.id);
    expect(rows.filter((r) => r.state === 'confirmed')).toHaveLength(10);
    expect(rows.filter((r) => r.state === 'waitlisted')).toHaveLength(30);
    const [after] = await listOccurrences(db(), event.id);
    expect(after).toMatchObject({ placesTaken: 10, placesWaiting: 30 });
    // Nobody waiting arrived before somebody holding a place.
    const lastConfirmed = Math.max(...rows.filter((r) => r.state === 'confirmed').map((r) => Number(r.id)));
    const firstWaiting = Math.min(...rows.filter((r) => r.state === 'waitlisted').map((r) => Number(r.id)));
    expect(lastConfirmed).toBeLessThan(firstWaiting);
  });

  test('a party of three waits for three places and nobody behind is served first; offers are held, taken or passed on', async () => {
    const event = await makeTestEvent(core(), { capacity: 3 });
    const [occ] = await listOccurrences(db(), event.id);
    const who = (name: string) => `${name}.${ctx.dialect}.${n++}@example.org`;
    const [a, b, c, d] = [who('ayesha'), who('bilal'), who('camila'), who('dawud')];
    const ra = await registerForEvent(core(), event, input({ email: a, places: 2, date: occ!.id }));
    const rb = await registerForEvent(core(), event, input({ email: b, places: 1, date: occ!.id }));
    await registerForEvent(core(), event, input({ email: c, places: 3, date: occ!.id }));
    await registerForEvent(core(), event, input({ email: d, places: 1, date: occ!.id }));
    expect(emailsIn('confirmed', await placesOf(occ!.id))).toEqual([a, b]);
    expect(emailsIn('waitlisted', await placesOf(occ!.id))).toEqual([c, d]);
    const page = await new TestClient(t.baseUrl).get(`/events/${event.slug}`);
    expect(page.text).toContain('Full: you can join the waiting list');

    // Ayesha gives up two places: Camila needs three, so nobody is offered anything (Dawud is behind her).
    const tokenA = (ra as { manageToken: string }).manageToken;
    const own = new TestClient(t.baseUrl);
    await own.get(`/events/manage/${tokenA}`);
    const cancelRes = await own.post(`/events/manage/${tokenA}`, { do: 'cancel-all' });
    expect(cancelRes.status).toBe(303);
    expect(emailsIn('offered', await placesOf(occ!.id))).toEqual([]);
    // A newcomer cannot jump the queue either.
    const e = who('eve');
    await registerForEvent(core(), event, input({ email: e, places: 1, date: occ!.id }));
    expect(emailsIn('confirmed', await placesOf(occ!.id))).toEqual([b]);
    expect(emailsIn('waitlisted', await placesOf(occ!.id))).toEqual([c, d, e]);

    // Bilal leaves too: three places, offered to Camila and held for 24 hours.
    const tokenB = (rb as { manageToken: string }).manageToken;
    await own.get(`/events/manage/${tokenB}`);
    await own.post(`/events/manage/${tokenB}`, { do: 'cancel-all' });
    const rows = await placesOf(occ!.id);
    expect(emailsIn('offered', rows)).toEqual([c]);
    const offered = rows.find((r) => r.state === 'offered')!;
    expect(offered.offered_until! - Date.now()).toBeGreaterThan(23 * HOUR);
    const [offerMail] = (await waitForMailTo(sink, c, 2)).filter((m) => (m.subject ?? '').startsWith('A place is free for you'));
    const link = linkIn(offerMail!, new RegExp(`/events/manage/${TOKEN}`));

    // The hold runs out (the job after a long pause): the places pass on to Dawud and Eve, next in line, one each.
    expect(await expireOffers(core(), offered.offered_until! + 1)).toBe(1);
    const later = await placesOf(occ!.id);
    expect(emailsIn('lapsed', later)).toEqual([c]);
    expect(emailsIn('offered', later)).toEqual([d, e]);
    const ownC = new TestClient(t.baseUrl);
    const manageC = await ownC.get(link);
    expect(manageC.text).toContain('The offer passed on');
    // Dawud takes his place from his page.
    const dMail = (await waitForMailTo(sink, d, 2)).find((m) => (m.subject ?? '').startsWith('A place is free for you'))!;
    const dLink = linkIn(dMail, new RegExp(`/events/manage/${TOKEN}`));
    const ownD = new TestClient(t.baseUrl);
    const dPage = await ownD.get(dLink);
    const placeId = /name="place" value="(\d+)"/.exec(dPage.text)![1]!;
    const take = await ownD.post(dLink, { do: 'take', place: placeId });
    expect(take.status).toBe(303);
    expect(emailsIn('confirmed', await placesOf(occ!.id))).toEqual([d]);
    const [final] = await listOccurrences(db(), event.id);
    expect(final!.placesTaken).toBeLessThanOrEqual(3);
  });

  test('a series: register for every date, leave one Tuesday from the own page, keep the rest; more places only where there is room', async () => {
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const event = await makeTestEvent(core(), {
      kind: 'protest',
      capacity: 3,
      meetingPoint: 'By the blue gate, opposite the embassy',
      series: { freq: 'weekly', interval: 1, weekday: 2, start: '18:00', end: '19:00', firstDay: tomorrow },
    });
    const dates = await listOccurrences(db(), event.id);
    expect(dates.length).toBeGreaterThan(20);
    const email = freshEmail('yusuf');
    const res = await register(event, { email, date: 'series' });
    expect(res.status).toBe(303);
    const [mail] = await waitForMailTo(sink, email);
    expect(mail!.text).toContain('By the blue gate');
    const page = await new TestClient(t.baseUrl).get(`/events/${event.slug}`);
    expect(page.text).not.toContain('blue gate');
    const link = linkIn(mail!, new RegExp(`/events/manage/${TOKEN}`));
    const own = new TestClient(t.baseUrl);
    const before = await own.get(link);
    const first = /name="place" value="(\d+)"/.exec(before.text)![1]!;
    expect((await own.post(link, { do: 'cancel-date', place: first })).status).toBe(303);
    const states = await db().selectFrom('event_places').select(['id', 'state']).where('id', '=', Number(first)).executeTakeFirstOrThrow();
    expect(states.state).toBe('cancelled');
    const live = await db()
      .selectFrom('event_places')
      .select('id')
      .where(
        'registration_id',
        '=',
        (await db().selectFrom('event_places').select('registration_id').where('id', '=', Number(first)).executeTakeFirstOrThrow())
          .registration_id,
      )
      .where('state', '=', 'confirmed')
      .execute();
    expect(live.length).toBe(dates.length - 1);
    // Pressed by mistake: the date can be taken back while there is room.
    const mid = await own.get(link);
    expect(mid.text).toContain('You told us you cannot come');
    expect((await own.post(link, { do: 'rejoin', place: first })).status).toBe(303);
    expect((await db().selectFrom('event_places').select('state').where('id', '=', Number(first)).executeTakeFirstOrThrow()).state).toBe(
      'confirmed',
    );
    await own.get(link);
    expect((await own.post(link, { do: 'cancel-date', place: first })).status).toBe(303);
    // Four places at a date holding three is refused with the date, and nothing changes.
    await own.get(link);
    const more = await own.post(link, { do: 'places', places: '4' });
    expect(more.status).toBe(409);
    expect(more.text).toContain('There is not enough room on');
    await own.get(link);
    const tooMany = await own.post(link, { do: 'places', places: '3' });
    expect(tooMany.status).toBe(303);
    await own.get(link);
    // Leave the series: every date to come is given up.
    expect((await own.post(link, { do: 'cancel-all' })).status).toBe(303);
    const after = await listOccurrences(db(), event.id);
    expect(after.every((o) => o.placesTaken === 0)).toBe(true);
  });

  test('the newsletter opt-in goes through the consent ledger with its own confirmation; unticked, nothing is asked', async () => {
    const listId = await insertList(db(), {
      slug: `event-news-${ctx.dialect}`,
      name: 'Events near you',
      description: 'Events',
      wording: 'Email me when there is an event near me.',
      at: Date.now(),
    });
    const event = await makeTestEvent(core(), { newsletterListId: listId });
    const page = await new TestClient(t.baseUrl).get(`/events/${event.slug}`);
    expect(page.text).toMatch(/<input type="checkbox" id="f-optIn" name="optIn"(?![^>]*checked)[^>]*>/);
    expect(page.text).toContain('Email me when there is an event near me.');
    const yes = freshEmail('optin');
    expect((await register(event, { email: yes, name: 'Mehmet Ali Kaya', optIn: 'on' })).status).toBe(303);
    const supporter = (await findSupporterByEmail(db(), core().keyring, yes))!;
    expect(supporter).toBeDefined();
    const consent = await supporterConsent(db(), supporter.id);
    expect(consent.subscriptions.find((x) => x.listId === listId)?.status).toBe('pending');
    const mails = await waitForMailTo(sink, yes, 2);
    expect(mails.some((m) => /\/s\/confirm\//.test(m.text ?? ''))).toBe(true);
    const no = freshEmail('nooptin');
    expect((await register(event, { email: no })).status).toBe(303);
    expect(await findSupporterByEmail(db(), core().keyring, no)).toBeUndefined();
  });

  test('a series without an end makes its dates only a bounded window ahead', async () => {
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const event = await makeTestEvent(core(), {
      kind: 'vigil',
      series: { freq: 'weekly', interval: 1, weekday: 5, start: '19:00', end: '20:00', firstDay: tomorrow },
    });
    const dates = await listOccurrences(db(), event.id);
    expect(dates.length).toBeGreaterThan(20);
    expect(dates.length).toBeLessThanOrEqual(MAX_OCCURRENCES_AHEAD);
    expect(dates[dates.length - 1]!.startsAt).toBeLessThanOrEqual(Date.now() + MATERIALISE_DAYS * 24 * HOUR);
  });

  test('staff change the time, the place or the status: everyone registered is told, with the details as they are now', async () => {
    const event = await makeTestEvent(core(), { title: 'Film night', capacity: 30 });
    const email = freshEmail('notice');
    expect((await register(event, { email })).status).toBe(303);
    await waitForMailTo(sink, email);
    const moved = { ...eventInput(), ...inputOf(event), startsAt: event.startsAt + 2 * HOUR, endsAt: event.endsAt + 2 * HOUR };
    await updateEvent(core(), null, event.id, moved);
    const [changed] = (await waitForMailTo(sink, email, 2)).filter((m) => (m.subject ?? '').startsWith('Changed:'));
    expect(changed!.text).toContain('the time has changed');
    expect(changed!.text).toContain(formatWhen(moved.startsAt, moved.endsAt, 'Europe/London'));
    await updateEvent(core(), null, event.id, { ...moved, status: 'cancelled' });
    const [cancelled] = (await waitForMailTo(sink, email, 3)).filter((m) => (m.subject ?? '').startsWith('Cancelled:'));
    expect(cancelled).toBeDefined();
    // A change nobody needs to hear about (the summary) sends nothing.
    await updateEvent(core(), null, event.id, { ...moved, status: 'cancelled', summary: 'New words.' });
    await new Promise((r) => setTimeout(r, 1500));
    expect(mailsTo(sink, email)).toHaveLength(3);
  });

  test('posts without a proof of work from one address are held to five a minute', async () => {
    const event = await makeTestEvent(core());
    const c = new TestClient(t.baseUrl, { 'x-forwarded-for': ip() });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await c.request('POST', `/events/${event.slug}/register`, {
        form: { name: 'Robot', email: freshEmail('robot'), website: '' },
        headers: { 'sec-fetch-site': 'same-origin' },
      });
      statuses.push(r.status);
    }
    expect(statuses.slice(0, 5)).toEqual([303, 303, 303, 303, 303]);
    expect(statuses.slice(5)).toEqual([429, 429]);
  });

  test('a manage link that is wrong or cut short is a clear 404', async () => {
    const c = new TestClient(t.baseUrl);
    for (const bad of ['x', 'A'.repeat(43), '%00', 'A'.repeat(300)]) {
      const r = await c.get(`/events/manage/${bad}`);
      expect(r.status).toBe(404);
    }
    const unknown = await c.get('/events/no-such-event');
    expect(unknown.status).toBe(404);
    const draft = await makeTestEvent(core(), { publication: 'draft' });
    expect((await c.get(`/events/${draft.slug}`)).status).toBe(404);
    expect((await c.get(`/events/${draft.slug}.ics`)).status).toBe(404);
  });

  test('garbage thrown at the registration form and the own page never gives a 500 and stores nothing unexpected', async () => {
    const event = await makeTestEvent(core(), {
      capacity: 5,
      questions: [
        { id: 'access', label: 'Access needs', type: 'text', required: true, choices: [] },
        { id: 'diet', label: 'Diet', type: 'single', required: false, choices: ['Vegetarian', 'Vegan'] },
      ],
    });
    const c = new TestClient(t.baseUrl);
    const junk = garbage({ extra: ['series', '1', '0', '-1', 'Vegan', 'on'], maxRepeat: 3000, hugeValue: false }).value;
    const before = await db().selectFrom('event_registrations').select('id').where('event_id', '=', event.id).execute();
    await fc.assert(
      fc.asyncProperty(
        fc.record({ name: junk, email: junk, places: junk, date: junk, q_access: junk, q_diet: junk, optIn: junk, do: junk, place: junk }),
        fc.constantFrom('form', 'json', 'broken-json', 'none', 'text/plain'),
        async (fields, how) => {
          expectClearPage(await send(c, `/events/${event.slug}/register`, fields, how, { site: 'same-origin' }));
          expectClearPage(await send(c, `/events/manage/${'A'.repeat(43)}`, fields, how));
        },
      ),
      { numRuns: 40 },
    );
    const after = await db().selectFrom('event_registrations').select('id').where('event_id', '=', event.id).execute();
    // Garbage without a valid name, address and required answer is never stored.
    expect(after.length).toBe(before.length);
  });
});
