import fc from 'fast-check';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import { eventInput, makeTestEvent } from '../../test/helpers/events.js';
import { garbage } from '../../test/helpers/garbage.js';
import { TestClient } from '../../test/helpers/http.js';
import { expectClearPage, send } from '../../test/helpers/send-garbage.js';
import { signedInAs } from '../../test/helpers/signin.js';
import { startSmtpSink, type SmtpSink } from '../../test/helpers/smtp.js';
import { mailsTo } from '../../test/helpers/supporters.js';
import { until } from '../../test/helpers/wait.js';
import { createResource, setResourcePublished } from '../content/resources/service.js';
import { saveSiteSettings } from '../core/settings.js';
import { eraseSupporter, exportSupporterData, upsertSupporter } from '../supporters/service.js';
import { followUpEvents, forgetPastRegistrations, QUOTE_PERMISSION_WORDING, remindAttendees } from './follow-up.js';
import {
  cancelRegistration,
  createEvent,
  formatWhen,
  listOccurrences,
  moveOccurrence,
  registerForEvent,
  type EventInput,
  type LanternEvent,
  type Weekday,
} from './service.js';

// The worker's part of events and the feedback form, on both dialects, with the emails delivered by the worker to a
// real SMTP server: reminders a day (and for online events an hour) before, each sent once however often the job
// runs; a moved date reminded again; the thank-you with the recording, the materials and the feedback link; the
// feedback stored encrypted with the exact words of the permission to quote; registrations forgotten after the
// retention time; and a supporter's erasure and copy of their data.
//
// The events here lie weeks ahead, and each job is called with the `now` it would run at, so the worker's own runs
// (on the real clock) never touch them.

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const TOKEN = '[A-Za-z0-9_-]{43}';

describeEachDialect('events: reminders, thank-yous, feedback and forgetting', (ctx) => {
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
  const k = () => t.lantern.core.keyring;
  let n = 1;
  const freshEmail = (name = 'guest') => `${name}.${ctx.dialect}.${n++}@example.org`;
  /**
   * `days` ahead, give or take a few minutes so that no two events share a minute. Each test keeps to days of its own,
   * so one test's jobs, run at the `now` of its events, find only that test's dates.
   */
  const ahead = (days: number) => Date.now() + days * DAY + (n++ % 50) * 60_000;

  const register = async (
    event: LanternEvent,
    o: { email?: string; places?: number; date?: number | 'series'; answers?: Record<string, string | string[]>; door?: boolean } = {},
  ) => {
    const email = o.email ?? freshEmail();
    const [first] = await listOccurrences(db(), event.id);
    const out = await registerForEvent(
      core(),
      event,
      { name: 'Amina Tursun', email, places: o.places ?? 1, date: o.date ?? first!.id, answers: o.answers ?? {}, optIn: false },
      o.door ? { source: 'door' } : {},
    );
    if (out.kind !== 'registered') throw new Error('not registered');
    return { email, token: out.manageToken, id: out.registrationId };
  };
  /** A message's text with its line wrapping undone. */
  const textOf = (m: ParsedMail) => (m.text ?? '').replace(/\s+/g, ' ');
  const withSubject = (email: string, prefix: string) => mailsTo(sink, email).filter((m) => m.subject?.startsWith(prefix));
  const waitForSubject = async (email: string, prefix: string, count = 1): Promise<ParsedMail[]> => {
    await until(() => withSubject(email, prefix).length >= count);
    return withSubject(email, prefix);
  };
  /** Waits until the worker has delivered (or given up on) every queued email: what arrives later than this never will. */
  const outboxEmpty = () =>
    until(async () => {
      const left = await db()
        .selectFrom('jobs')
        .select('id')
        .where('name', '=', 'sendEmail')
        .where('state', 'in', ['queued', 'running'])
        .execute();
      return left.length === 0;
    });
  const occurrenceOf = async (event: LanternEvent) => (await listOccurrences(db(), event.id))[0]!;
  const weeklySeries = (daysAhead: number, weeks: number): Partial<EventInput> => {
    const firstDay = new Date(Date.now() + daysAhead * DAY).toISOString().slice(0, 10);
    const weekday = (((new Date(`${firstDay}T12:00:00Z`).getUTCDay() + 6) % 7) + 1) as Weekday;
    const untilDay = new Date(Date.parse(`${firstDay}T12:00:00Z`) + (weeks - 1) * 7 * DAY).toISOString().slice(0, 10);
    return { kind: 'protest', series: { freq: 'weekly', interval: 1, weekday, start: '18:00', end: '19:00', firstDay, until: untilDay } };
  };

  /** Staff change an event's status (the whole event cancelled). */
  const setEventStatus = async (event: LanternEvent, status: LanternEvent['status']) => {
    await db().updateTable('events').set({ status }).where('id', '=', event.id).execute();
  };

  test('a day before: one reminder for each person holding a place, with the details and their link, however often the job runs', async () => {
    const startsAt = ahead(30);
    const event = await makeTestEvent(core(), {
      title: 'Vigil for the garment workers',
      kind: 'vigil',
      startsAt,
      capacity: 2,
      meetingPoint: 'By the north gate of the park',
    });
    const [amina, bilal] = [await register(event, { places: 1 }), await register(event, { places: 1 })];
    const waiting = await register(event);
    const cancelled = await register(event, { email: freshEmail('cancelled') });
    await cancelRegistration(core(), cancelled.token);

    // More than a day ahead: nothing yet.
    expect(await remindAttendees(core(), startsAt - 25 * HOUR)).toEqual({ day: 0, hour: 0 });
    // Two runs at once, then two more later: the date's people are reminded once, by whichever run came first.
    const runs = await Promise.all([remindAttendees(core(), startsAt - 23 * HOUR), remindAttendees(core(), startsAt - 23 * HOUR)]);
    expect(runs.map((r) => r.day).sort()).toEqual([0, 2]);
    expect(await remindAttendees(core(), startsAt - 22 * HOUR)).toEqual({ day: 0, hour: 0 });
    expect(await remindAttendees(core(), startsAt - 2 * HOUR)).toEqual({ day: 0, hour: 0 });
    const occ = await db().selectFrom('event_occurrences').selectAll().where('event_id', '=', event.id).executeTakeFirstOrThrow();
    expect(occ.reminded_day_at).toBe(startsAt - 23 * HOUR);

    const [mail] = await waitForSubject(amina.email, 'Reminder:');
    await waitForSubject(bilal.email, 'Reminder:');
    await outboxEmpty();
    expect(withSubject(amina.email, 'Reminder:')).toHaveLength(1);
    expect(withSubject(bilal.email, 'Reminder:')).toHaveLength(1);
    expect(withSubject(waiting.email, 'Reminder:')).toHaveLength(0);
    expect(withSubject(cancelled.email, 'Reminder:')).toHaveLength(0);
    expect(mail!.subject).toBe('Reminder: Vigil for the garment workers is coming up');
    expect(textOf(mail!)).toContain('Meeting point (for you only, please do not share it): By the north gate of the park');
    expect(textOf(mail!)).toContain('Friends Meeting Hall, 1 Sample Street, London');
    expect(textOf(mail!)).toContain(`When: ${formatWhen(startsAt, startsAt + 2 * HOUR, 'Europe/London')}`);
    expect(mail!.text).toMatch(new RegExp(`/events/manage/${amina.token}`));
    expect(mail!.text).not.toContain('Amina');
    // The other reminder is a message of its own, not a copy.
    const [other] = withSubject(bilal.email, 'Reminder:');
    expect(other!.messageId).not.toBe(mail!.messageId);
    expect(other!.text).toMatch(new RegExp(`/events/manage/${bilal.token}`));
  });

  test('an hour before: a second reminder, with the joining link, only for online and hybrid events', async () => {
    const startsAt = ahead(31);
    const online = await makeTestEvent(core(), {
      title: 'Livestream: cotton and conscience',
      kind: 'livestream',
      mode: 'online',
      startsAt,
      joiningLink: 'https://video.example.org/room/ft-panel-7',
    });
    const room = await makeTestEvent(core(), { title: 'Letter-writing evening', startsAt });
    const late = await makeTestEvent(core(), {
      title: 'Hybrid briefing',
      mode: 'hybrid',
      startsAt: startsAt + 4 * DAY,
      joiningLink: 'https://video.example.org/room/ft-briefing',
    });
    const viewer = await register(online);
    const inRoom = await register(room);
    const lateOne = await register(late);

    expect(await remindAttendees(core(), startsAt - 23 * HOUR)).toEqual({ day: 2, hour: 0 });
    expect(await remindAttendees(core(), startsAt - 50 * 60_000)).toEqual({ day: 0, hour: 1 });
    expect(await remindAttendees(core(), startsAt - 20 * 60_000)).toEqual({ day: 0, hour: 0 });
    // A date reached only within the hour (the worker was down): one email, the hour's, not both.
    expect(await remindAttendees(core(), startsAt + 4 * DAY - 30 * 60_000)).toEqual({ day: 0, hour: 1 });

    const [day] = await waitForSubject(viewer.email, 'Reminder:');
    const [hour] = await waitForSubject(viewer.email, 'Starting within the hour');
    expect(day!.text).toContain('https://video.example.org/room/ft-panel-7');
    expect(hour!.subject).toBe('Starting within the hour: Livestream: cotton and conscience');
    expect(hour!.text).toContain('https://video.example.org/room/ft-panel-7');
    expect(hour!.text).not.toContain('Sample Street');
    await waitForSubject(inRoom.email, 'Reminder:');
    await waitForSubject(lateOne.email, 'Starting within the hour');
    await outboxEmpty();
    expect(withSubject(viewer.email, 'Starting within the hour')).toHaveLength(1);
    expect(withSubject(inRoom.email, 'Reminder:')).toHaveLength(1);
    expect(withSubject(inRoom.email, 'Starting within the hour')).toHaveLength(0);
    expect(withSubject(lateOne.email, 'Reminder:')).toHaveLength(0);
    expect(withSubject(lateOne.email, 'Starting within the hour')[0]!.text).toContain('ft-briefing');
  });

  test('a date moved later is reminded again, with its new time; a cancelled event is not reminded', async () => {
    const startsAt = ahead(32);
    const event = await makeTestEvent(core(), { title: 'Open meeting on supply chains', startsAt });
    const person = await register(event);
    expect((await remindAttendees(core(), startsAt - 23 * HOUR)).day).toBe(1);
    const occ = await occurrenceOf(event);
    const moved = startsAt + 2 * DAY;
    await moveOccurrence(core(), null, occ.id, { startsAt: moved, endsAt: moved + 2 * HOUR }, startsAt - 22 * HOUR);
    // The old time has gone by without a reminder due; the new one is reminded a day before it.
    expect((await remindAttendees(core(), startsAt - 21 * HOUR)).day).toBe(0);
    expect((await remindAttendees(core(), moved - 23 * HOUR)).day).toBe(1);
    expect((await remindAttendees(core(), moved - 22 * HOUR)).day).toBe(0);
    const mails = await waitForSubject(person.email, 'Reminder:', 2);
    expect(mails.map(textOf)).toEqual([
      expect.stringContaining(`When: ${formatWhen(startsAt, startsAt + 2 * HOUR, 'Europe/London')}`),
      expect.stringContaining(`When: ${formatWhen(moved, moved + 2 * HOUR, 'Europe/London')}`),
    ]);
    await waitForSubject(person.email, 'Changed:');

    const off = await makeTestEvent(core(), { startsAt: startsAt + 5 * DAY });
    const nobody = await register(off);
    await setEventStatus(off, 'cancelled');
    expect((await remindAttendees(core(), startsAt + 5 * DAY - 23 * HOUR)).day).toBe(0);
    await outboxEmpty();
    expect(withSubject(nobody.email, 'Reminder:')).toHaveLength(0);
  });

  test('after a one-off event: a thank-you with the recording, the materials and the feedback link, once; none for no-shows or series dates', async () => {
    const startsAt = ahead(60);
    const endsAt = startsAt + 2 * HOUR;
    const event = await makeTestEvent(core(), {
      title: 'Public meeting: who made your shirt?',
      startsAt,
      endsAt,
      recordingUrl: 'https://video.example.org/watch/ft-who-made-your-shirt',
      materials: '**Slides** from the evening: [the slides](/resources/meeting-slides), and [the report](https://example.org/report).',
    });
    const came = await register(event);
    const noShow = await register(event);
    const leftEarly = await register(event);
    await cancelRegistration(core(), leftEarly.token);
    await db().updateTable('event_places').set({ attendance: 'no_show' }).where('registration_id', '=', noShow.id).execute();

    expect(await followUpEvents(core(), endsAt + 11 * HOUR)).toBe(0);
    expect(await followUpEvents(core(), endsAt + 13 * HOUR)).toBe(1);
    expect(await followUpEvents(core(), endsAt + 14 * HOUR)).toBe(0);

    const [mail] = await waitForSubject(came.email, 'Thank you for coming');
    expect(mail!.subject).toBe('Thank you for coming: Public meeting: who made your shirt?');
    expect(mail!.text).toContain('https://video.example.org/watch/ft-who-made-your-shirt');
    expect(mail!.html).toContain('<strong>Slides</strong>');
    expect(mail!.html).toContain(`href="${t.baseUrl}/resources/meeting-slides"`);
    const feedback = new RegExp(`${t.baseUrl}/events/manage/(${TOKEN})/feedback`).exec(mail!.text ?? '');
    expect(feedback?.[1]).toBe(came.token);

    // A series' dates get none (a weekly protest's people would hear the same every week), nor does an event
    // that ended more than 14 days before the job ran.
    const series = await createEvent(core(), null, eventInput({ title: 'Weekly protest at the embassy', ...weeklySeries(90, 3) }));
    const marcher = await register(series, { date: 'series' });
    const first = await occurrenceOf(series);
    expect(await followUpEvents(core(), first.endsAt + 13 * HOUR)).toBe(0);
    const old = await makeTestEvent(core(), { startsAt: ahead(120) });
    const oldOne = await register(old);
    expect(await followUpEvents(core(), old.endsAt + 15 * DAY)).toBe(0);

    await outboxEmpty();
    expect(withSubject(came.email, 'Thank you')).toHaveLength(1);
    for (const p of [noShow, leftEarly, marcher, oldOne]) expect(withSubject(p.email, 'Thank you')).toHaveLength(0);
  });

  test('the thank-you links a recording kept in the resources library to its page there, once it is published', async () => {
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
    const slug = `panel-recording-${ctx.dialect}`;
    const resource = await createResource(
      core(),
      { title: 'Panel recording', slug, summary: 'The evening’s panel.', type: 'other' },
      { bytes: png, truncated: false },
      { id: null },
    );
    const make = async (days: number) => {
      const event = await makeTestEvent(core(), {
        startsAt: ahead(days),
        recordingUrl: 'https://video.example.org/watch/elsewhere',
        recordingResourceId: resource.id,
      });
      return { event, person: await register(event) };
    };
    // While the resource is a draft, the link staff gave is used; once published, the library's page.
    const draft = await make(65);
    expect(await followUpEvents(core(), draft.event.endsAt + 13 * HOUR)).toBe(1);
    await setResourcePublished(core(), resource.id, true, { id: null });
    const published = await make(70);
    expect(await followUpEvents(core(), published.event.endsAt + 13 * HOUR)).toBe(1);
    const [first] = await waitForSubject(draft.person.email, 'Thank you for coming');
    const [second] = await waitForSubject(published.person.email, 'Thank you for coming');
    expect(textOf(first!)).toContain('The recording: https://video.example.org/watch/elsewhere');
    expect(textOf(second!)).toContain(`The recording: ${t.baseUrl}/resources/${slug}`);
  });

  /** Someone registered at the door of an event that began a few minutes ago: their feedback form is open. */
  const attendee = async (title = 'Film night: the thread', o: Partial<EventInput> = {}) => {
    const event = await makeTestEvent(core(), { title, startsAt: Date.now() - 10 * 60_000, endsAt: Date.now() + 2 * HOUR, ...o });
    return { event, ...(await register(event, { door: true })) };
  };
  const feedbackRows = (eventId: number) =>
    db().selectFrom('event_feedback').selectAll().where('event_id', '=', eventId).orderBy('id').execute();

  test('feedback: rating and comment stored encrypted, the permission to quote only when ticked and in its exact words; once per person', async () => {
    const { event, token } = await attendee();
    const c = new TestClient(t.baseUrl);
    const path = `/events/manage/${token}/feedback`;
    const form = await c.get(path);
    expect(form.status).toBe(200);
    expect(form.headers.get('cache-control')).toBe('no-store');
    expect(form.text).toContain(`How was “${event.title}”?`);
    expect(form.text).toContain('type="radio" id="f-rating" name="rating" value="5"');
    expect(form.text).toContain(QUOTE_PERMISSION_WORDING);
    expect(form.text).toMatch(/<input type="checkbox" id="f-mayQuote" name="mayQuote"\s*\/>/);

    // No rating: the form again, with the problem named, and nothing stored.
    const missing = await c.post(path, { comment: 'Moving.' });
    expect(missing.status).toBe(422);
    expect(missing.text).toContain('Choose how it was, from 1 to 5');
    expect(missing.text).toContain('Moving.');
    const tooLong = await c.post(path, { rating: '4', comment: 'x'.repeat(2001) });
    expect(tooLong.status).toBe(422);
    expect(await feedbackRows(event.id)).toHaveLength(0);

    const comment = 'Hearing from the workers themselves changed how I shop.\nThank you to the speakers.';
    const sent = await c.post(path, { rating: '4', comment, mayQuote: 'on', quoteName: 'Gulnar from Leeds' });
    expect(sent.status).toBe(303);
    expect(sent.headers.get('location')).toBe(`${path}?done=thanks`);
    expect((await c.get(`${path}?done=thanks`)).text).toContain('your feedback on');
    const [row] = await feedbackRows(event.id);
    expect(row).toMatchObject({ rating: 4, may_quote: 1, permission_wording: 'You may quote my comment on your website' });
    expect(row!.comment_enc).not.toContain('workers');
    expect(row!.quote_name_enc).not.toContain('Gulnar');
    expect(k().decrypt(row!.comment_enc!)).toBe(comment);
    expect(k().decrypt(row!.quote_name_enc!)).toBe('Gulnar from Leeds');

    // A second time: thanks, already given; nothing more stored.
    const again = await c.get(path);
    const second = await c.post(path, { rating: '1', comment: 'Changed my mind' });
    expect(second.status).toBe(303);
    expect(second.headers.get('location')).toBe(path);
    expect(again.text).toContain('You have already told us');
    expect((await c.get(second.headers.get('location')!)).text).toContain('You have already told us');
    expect(await feedbackRows(event.id)).toHaveLength(1);

    // Pressed five times at once: one answer.
    const eager = await register(event, { door: true });
    const c4 = new TestClient(t.baseUrl);
    await c4.get(`/events/manage/${eager.token}/feedback`);
    const presses = await Promise.all(
      [5, 4, 3, 2, 1].map((r) => c4.post(`/events/manage/${eager.token}/feedback`, { rating: String(r), comment: `Press ${r}` })),
    );
    expect(presses.map((r) => r.status)).toEqual([303, 303, 303, 303, 303]);
    const eagerRows = (await feedbackRows(event.id)).filter((f) => Number(f.registration_id) === eager.id);
    expect(eagerRows).toHaveLength(1);

    // A name without the tick is not kept, and nothing may be quoted.
    const other = await register(event, { door: true });
    const c2 = new TestClient(t.baseUrl);
    await c2.get(`/events/manage/${other.token}/feedback`);
    expect((await c2.post(`/events/manage/${other.token}/feedback`, { rating: '2', comment: 'Too long.', quoteName: 'Sam' })).status).toBe(
      303,
    );
    const rows = await feedbackRows(event.id);
    expect(rows[2]).toMatchObject({ rating: 2, may_quote: 0, quote_name_enc: null, permission_wording: null });

    // Before the date, the form says not yet; a link that leads nowhere is a 404.
    const future = await makeTestEvent(core(), { startsAt: ahead(140) });
    const early = await register(future);
    const c3 = new TestClient(t.baseUrl);
    expect((await c3.get(`/events/manage/${early.token}/feedback`)).text).toContain('once it has taken place');
    await c3.get(`/events/manage/${early.token}`);
    expect((await c3.post(`/events/manage/${early.token}/feedback`, { rating: '5' })).status).toBe(409);
    expect(await feedbackRows(future.id)).toHaveLength(0);
    expect((await c3.get(`/events/manage/${'A'.repeat(43)}/feedback`)).status).toBe(404);
    expect((await c3.get('/events/manage/short/feedback')).status).toBe(404);

    // Staff with 'events:edit' read it; others may not.
    const editor = (await signedInAs(t, 'editor')).client;
    const page = await editor.get(`/admin/events/${event.id}/feedback`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Hearing from the workers themselves changed how I shop.');
    expect(page.text).toContain('May be quoted as “Gulnar from Leeds”');
    expect(page.text).toContain('3 out of 5');
    expect(page.text).toContain('3 people gave feedback');
    expect(page.text).not.toContain('Amina');
    expect((await editor.get('/admin/events/999999999/feedback')).status).toBe(404);
    expect((await (await signedInAs(t, 'viewer')).client.get(`/admin/events/${event.id}/feedback`)).status).toBe(403);
  });

  test('feedback: a comment people allowed us to quote becomes a testimonial from the testimonials page, its permission recorded', async () => {
    const { event, token } = await attendee('Iftar in solidarity');
    const c = new TestClient(t.baseUrl);
    await c.get(`/events/manage/${token}/feedback`);
    const quote = 'The warmest evening of the year, and I learnt so much.';
    await c.post(`/events/manage/${token}/feedback`, { rating: '5', comment: quote, mayQuote: 'on' });
    const [row] = await feedbackRows(event.id);
    const hidden = await attendee('Iftar, second night');
    const c2 = new TestClient(t.baseUrl);
    await c2.get(`/events/manage/${hidden.token}/feedback`);
    await c2.post(`/events/manage/${hidden.token}/feedback`, { rating: '5', comment: 'Please do not quote me on this.' });

    const editor = (await signedInAs(t, 'editor')).client;
    const page = await editor.get('/admin/content/testimonials');
    expect(page.text).toContain('Comments from event feedback that people allowed us to quote');
    expect(page.text).toContain(quote);
    expect(page.text).not.toContain('Please do not quote me on this.');
    const made = await editor.post(`/admin/content/testimonials/from-feedback/${row!.id}`);
    expect(made.status).toBe(303);
    const testimonial = await db().selectFrom('testimonials').selectAll().where('quote', '=', quote).executeTakeFirstOrThrow();
    expect(testimonial.attribution).toBe('Someone who came');
    expect(testimonial.context).toBe('At “Iftar in solidarity”');
    expect(testimonial.permission_recorded_at).not.toBeNull();
    expect(testimonial.permission_note).toContain('Ticked “You may quote my comment on your website” on the event feedback form on');
    // Offered once: not again on the page, and a second press makes no second quote.
    const after = await editor.get('/admin/content/testimonials');
    expect(after.text.split(quote)).toHaveLength(2);
    await editor.post(`/admin/content/testimonials/from-feedback/${row!.id}`);
    expect(await db().selectFrom('testimonials').select('id').where('quote', '=', quote).execute()).toHaveLength(1);
  });

  test('feedback form: arbitrary input never makes a 500, and one person stores at most one answer', async () => {
    const { event, token } = await attendee('Exhibition opening');
    const c = new TestClient(t.baseUrl);
    await c.get(`/events/manage/${token}/feedback`);
    const junk = garbage({ extra: ['0', '1', '5', '6', '-1', 'on', '4.5'], maxRepeat: 3000, hugeValue: false }).value;
    await fc.assert(
      fc.asyncProperty(
        fc.record({ rating: junk, comment: junk, mayQuote: junk, quoteName: junk }),
        fc.constantFrom('form', 'json', 'broken-json', 'none', 'text/plain'),
        async (fields, how) => {
          expectClearPage(await send(c, `/events/manage/${token}/feedback`, fields, how, { csrf: true }));
          expectClearPage(await send(c, `/events/manage/${'B'.repeat(43)}/feedback`, fields, how, { csrf: true }));
        },
      ),
      { numRuns: 40 },
    );
    const rows = await feedbackRows(event.id);
    expect(rows.length).toBeLessThanOrEqual(1);
    for (const r of rows) {
      expect([1, 2, 3, 4, 5]).toContain(r.rating);
      if (r.comment_enc) expect(k().decrypt(r.comment_enc).length).toBeLessThanOrEqual(2000);
    }
  });

  test('retention: registrations are forgotten the set number of days after their last date; places and attendance stay', async () => {
    await saveSiteSettings(db(), { eventRetentionDays: 30 });
    try {
      const startsAt = ahead(150);
      const endsAt = startsAt + 2 * HOUR;
      const event = await makeTestEvent(core(), {
        startsAt,
        endsAt,
        questions: [{ id: 'access', label: 'Access needs', type: 'text', required: false, choices: [] }],
      });
      const person = await register(event, { answers: { access: 'Step-free seat near the front' } });
      await db().updateTable('event_places').set({ attendance: 'attended' }).where('registration_id', '=', person.id).execute();
      const series = await createEvent(core(), null, eventInput({ title: 'Tuesday protest', ...weeklySeries(155, 3) }));
      const dates = await listOccurrences(db(), series.id);
      expect(dates).toHaveLength(3);
      const everyWeek = await register(series, { date: 'series' });
      const oneWeek = await register(series, { date: dates[0]!.id });
      const row = (id: number) => db().selectFrom('event_registrations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

      await forgetPastRegistrations(core(), endsAt + 29 * DAY);
      expect(k().decrypt((await row(person.id)).name_enc)).toBe('Amina Tursun');
      await forgetPastRegistrations(core(), endsAt + 31 * DAY);
      const gone = await row(person.id);
      expect(gone).toMatchObject({ status: 'forgotten', email_enc: null, email_index: null, answers_enc: null });
      expect(k().decrypt(gone.name_enc)).toBe('');
      const place = await db().selectFrom('event_places').selectAll().where('registration_id', '=', person.id).executeTakeFirstOrThrow();
      expect(place).toMatchObject({ state: 'confirmed', attendance: 'attended', places: 1 });
      expect((await new TestClient(t.baseUrl).get(`/events/manage/${person.token}`)).status).toBe(404);

      // A series: someone registered for one date is forgotten after it, like anyone; someone registered for every
      // date is kept while the series goes on, and forgotten once its last date is past the same time.
      await forgetPastRegistrations(core(), dates[0]!.endsAt + 31 * DAY);
      expect((await row(oneWeek.id)).status).toBe('forgotten');
      expect((await row(everyWeek.id)).status).toBe('active');
      await forgetPastRegistrations(core(), dates[2]!.endsAt + 29 * DAY);
      expect((await row(everyWeek.id)).status).toBe('active');
      expect(await forgetPastRegistrations(core(), dates[2]!.endsAt + 33 * DAY)).toBeGreaterThanOrEqual(1);
      expect(await row(everyWeek.id)).toMatchObject({ status: 'forgotten', email_enc: null });
      // Forgetting what is forgotten changes nothing.
      expect(await forgetPastRegistrations(core(), dates[2]!.endsAt + 33 * DAY)).toBe(0);
    } finally {
      await saveSiteSettings(db(), { eventRetentionDays: 90 });
    }
  });

  test('erasure: their registrations are forgotten, their places to come pass to the next in line, their feedback loses its words', async () => {
    const email = freshEmail('erase-me');
    const event = await makeTestEvent(core(), {
      title: 'Solidarity Iftar',
      startsAt: ahead(38),
      capacity: 1,
      questions: [{ id: 'diet', label: 'Dietary needs', type: 'multiple', required: false, choices: ['Vegetarian', 'Halal'] }],
    });
    const mine = await register(event, { email, answers: { diet: ['Halal'] } });
    const next = await register(event);
    const past = await attendee('Exhibition walk-round');
    const pastMine = await register(past.event, { email, door: true });
    const c = new TestClient(t.baseUrl);
    await c.get(`/events/manage/${pastMine.token}/feedback`);
    await c.post(`/events/manage/${pastMine.token}/feedback`, {
      rating: '5',
      comment: 'Wonderful guides.',
      mayQuote: 'on',
      quoteName: 'Rosa',
    });
    const supporter = await upsertSupporter(db(), k(), { email, firstName: 'Rosa' }, { source: 'test', mode: 'fill' });

    const copy = await exportSupporterData(db(), k(), supporter.id, core().dataExport);
    expect(copy.eventRegistrations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          event: 'Solidarity Iftar',
          email,
          places: 1,
          answers: [{ question: 'Dietary needs', answer: ['Halal'] }],
          dates: [expect.objectContaining({ state: 'confirmed', places: 1 })],
        }),
        expect.objectContaining({ event: 'Exhibition walk-round' }),
      ]),
    );
    expect(copy.eventFeedback).toEqual([
      expect.objectContaining({ event: 'Exhibition walk-round', rating: 5, comment: 'Wonderful guides.', quoteName: 'Rosa' }),
    ]);

    await eraseSupporter(core(), supporter.id, { source: 'test' });
    const rows = await db().selectFrom('event_registrations').selectAll().where('id', 'in', [mine.id, pastMine.id]).execute();
    for (const r of rows) {
      expect(r).toMatchObject({ status: 'forgotten', email_enc: null, email_index: null, answers_enc: null });
      expect(k().decrypt(r.name_enc)).toBe('');
    }
    const [fb] = await feedbackRows(past.event.id).then((all) => all.filter((f) => Number(f.registration_id) === pastMine.id));
    expect(fb).toMatchObject({ rating: 5, comment_enc: null, quote_name_enc: null, may_quote: 0 });
    // Their place at the date to come went back, and the worker offered it to the next in line.
    const mineNow = await db().selectFrom('event_places').select('state').where('registration_id', '=', mine.id).executeTakeFirstOrThrow();
    expect(mineNow.state).toBe('cancelled');
    await until(async () => {
      const p = await db().selectFrom('event_places').select('state').where('registration_id', '=', next.id).executeTakeFirstOrThrow();
      return p.state === 'offered';
    });
    await waitForSubject(next.email, 'A place is free for you');
    const occ = await occurrenceOf(event);
    expect(occ).toMatchObject({ placesTaken: 1, placesWaiting: 0 });
    // Their copy of their data now holds nothing from events.
    const after = await exportSupporterData(db(), k(), supporter.id, core().dataExport);
    expect(after.eventRegistrations).toEqual([]);
  });
});
