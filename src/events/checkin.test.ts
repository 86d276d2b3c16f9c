import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import { makeTestEvent } from '../../test/helpers/events.js';
import { garbage } from '../../test/helpers/garbage.js';
import type { TestClient } from '../../test/helpers/http.js';
import { expectClearPage, send } from '../../test/helpers/send-garbage.js';
import { seedAudience } from '../../test/helpers/newsletters.js';
import { signedInAs } from '../../test/helpers/signin.js';
import { startSmtpSink, type SmtpSink } from '../../test/helpers/smtp.js';
import { until } from '../../test/helpers/wait.js';
import { foldForSearch, matchesSearch } from './checkin.js';
import { cancelRegistration, listOccurrences, manageLink, registerForEvent, type LanternEvent, type RegistrationInput } from './service.js';

// The staff side at the door and after, over real HTTP on both dialects: the check-in page (search without regard
// to case or accents, check in and undo coming back to the same place), walk-ins (and a full date refusing one,
// saying so), no-shows, the audited CSV export (formula cells escaped), and a message reaching each registered
// person exactly once through the bulk sender's job and a real SMTP server. Garbage into every form is never a 500.

const HOUR = 3600_000;
const DAY = 24 * HOUR;

test('search folds case and accents, and every word must match the name or the address', () => {
  expect(foldForSearch('  Gülnar   ZOË  ')).toBe('gulnar zoe');
  expect(matchesSearch({ name: 'Gülnar Abdul-Rahman', email: '' }, 'gulnar rahman')).toBe(true);
  expect(matchesSearch({ name: 'Gülnar Abdul-Rahman', email: '' }, 'gulnar smith')).toBe(false);
  expect(matchesSearch({ name: 'Tom', email: 'Tom.B@Example.org' }, 'tom.b@example')).toBe(true);
  expect(matchesSearch({ name: 'Tom', email: '' }, '   ')).toBe(true);
});

describeEachDialect('events: check-in at the door, walk-ins, export and messages', (ctx) => {
  let t: TestLantern;
  let sink: SmtpSink;
  let staff: TestClient;
  let editor: TestClient;

  beforeAll(async () => {
    sink = await startSmtpSink();
    // No worker: the sending job is run by the test itself, so what it sends can be checked step by step.
    t = await startTestLantern(ctx, { env: { SMTP_URL: sink.url, TRUST_PROXY: 'true' }, worker: false });
    staff = (await signedInAs(t, 'campaigner')).client;
    editor = (await signedInAs(t, 'editor')).client;
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  const core = () => t.lantern.core;
  const db = () => t.lantern.core.db;
  let n = 0;
  const freshEmail = (name: string) => `${name}.${ctx.dialect}.${++n}@example.org`;

  /** Registers someone for the event's first date through the service, as the public form would. */
  const registerSomeone = async (event: LanternEvent, o: Partial<RegistrationInput> & { now?: number } = {}) => {
    const [occ] = await listOccurrences(db(), event.id);
    const { now, ...input } = o;
    const outcome = await registerForEvent(
      core(),
      event,
      { name: 'Guest', email: freshEmail('guest'), places: 1, date: occ!.id, answers: {}, optIn: false, ...input },
      now === undefined ? {} : { now },
    );
    if (outcome.kind !== 'registered') throw new Error('not registered');
    const place = await db()
      .selectFrom('event_places')
      .selectAll()
      .where('registration_id', '=', outcome.registrationId)
      .where('occurrence_id', '=', occ!.id)
      .executeTakeFirstOrThrow();
    return { ...outcome, placeId: Number(place.id), occurrenceId: occ!.id };
  };
  const attendanceOf = async (placeId: number) =>
    (await db().selectFrom('event_places').select('attendance').where('id', '=', placeId).executeTakeFirstOrThrow()).attendance;
  const auditOf = (action: string, eventId: number) =>
    db().selectFrom('audit_log').selectAll().where('action', '=', action).where('target', '=', `event ${eventId}`).execute();

  test('the door: counts, a search that finds Gülnar as "gulnar", check in and undo back at the same place', async () => {
    const event = await makeTestEvent(core(), { title: 'Public meeting on cotton supply chains', capacity: 20 });
    const gulnar = await registerSomeone(event, { name: 'Gülnar Abdul-Rahman', places: 2 });
    const zoe = await registerSomeone(event, { name: 'Zoë Ahmed', email: freshEmail('zoe.a') });
    await registerSomeone(event, { name: 'Tom Baker' });
    const base = `/admin/events/${event.id}/check-in`;

    const page = await staff.get(base);
    expect(page.status).toBe(200);
    for (const name of ['Gülnar Abdul-Rahman', 'Zoë Ahmed', 'Tom Baker']) expect(page.text).toContain(name);
    expect(page.text).toMatch(/<dt>Places booked<\/dt>\s*<dd>4<\/dd>/);
    expect(page.text).toMatch(/<dt>Checked in<\/dt>\s*<dd>0<\/dd>/);
    // Nothing but the page and its stylesheet: no script, no image; addresses are searched, never shown.
    expect(page.text).not.toMatch(/<script|<img/);
    expect(page.text).not.toContain('zoe.a.');

    const found = await staff.get(`${base}?q=GULNAR`);
    expect(found.text).toContain('Gülnar Abdul-Rahman');
    expect(found.text).not.toContain('Tom Baker');
    expect(found.text).toContain('Found: 1');
    const byEmail = await staff.get(`${base}?q=${encodeURIComponent('zoe.a.')}`);
    expect(byEmail.text).toContain('Zoë Ahmed');
    expect(byEmail.text).not.toContain('Gülnar');
    const nobody = await staff.get(`${base}?q=zzzz`);
    expect(nobody.text).toContain('Nobody with a place on this date matches that');

    // Check in from the search: back to the same search and to the person in the list.
    await staff.get(`${base}?q=gulnar`);
    const checked = await staff.post(base, { in: String(gulnar.placeId), date: String(gulnar.occurrenceId), q: 'gulnar' });
    expect(checked.status).toBe(303);
    const to = checked.headers.get('location')!;
    expect(to).toBe(`${base}?date=${gulnar.occurrenceId}&q=gulnar&done=in&p=${gulnar.placeId}#p-${gulnar.placeId}`);
    expect(await attendanceOf(gulnar.placeId)).toBe('attended');
    const after = await staff.get(to.replace(/#.*$/, ''));
    expect(after.text).toContain('Gülnar Abdul-Rahman is checked in.');
    expect(after.text).toMatch(/<dt>Checked in<\/dt>\s*<dd>2<\/dd>/);
    expect(after.text).toContain(`name="undo" value="${gulnar.placeId}"`);
    expect(await auditOf('event.check_in', event.id)).toHaveLength(1);

    const undone = await staff.post(base, { undo: String(gulnar.placeId), date: String(gulnar.occurrenceId), q: '' });
    expect(undone.status).toBe(303);
    expect(await attendanceOf(gulnar.placeId)).toBe('unknown');
    expect(await attendanceOf(zoe.placeId)).toBe('unknown');

    // Someone who cancelled since the page loaded is refused with the reason, and nothing changes.
    await cancelRegistration(core(), zoe.manageToken);
    await staff.get(base);
    const gone = await staff.post(base, { in: String(zoe.placeId), date: String(zoe.occurrenceId) });
    expect(gone.status).toBe(409);
    expect(gone.text).toContain('no longer has a place');
    expect(await attendanceOf(zoe.placeId)).toBe('unknown');

    // A place of another event is not this event's to check in.
    const other = await makeTestEvent(core());
    const stranger = await registerSomeone(other);
    const wrong = await staff.post(base, { in: String(stranger.placeId) });
    expect(wrong.status).toBe(409);
    expect(await attendanceOf(stranger.placeId)).toBe('unknown');

    // Staff without the permission (a viewer) are refused.
    const viewer = (await signedInAs(t, 'viewer')).client;
    expect((await viewer.get(base)).status).toBe(403);
  });

  test('a walk-in is registered and checked in at once; without an email address too', async () => {
    const event = await makeTestEvent(core(), { capacity: 10 });
    const [occ] = await listOccurrences(db(), event.id);
    const base = `/admin/events/${event.id}/check-in`;
    await staff.get(base);
    const r = await staff.post(`/admin/events/${event.id}/walk-in`, {
      date: String(occ!.id),
      name: 'Amara Okafor',
      email: '',
      places: '2',
    });
    expect(r.status).toBe(303);
    const placeId = Number(/p=(\d+)/.exec(r.headers.get('location')!)![1]);
    const row = await db()
      .selectFrom('event_places as p')
      .innerJoin('event_registrations as r', 'r.id', 'p.registration_id')
      .select(['p.state', 'p.attendance', 'p.places', 'r.source', 'r.email_enc', 'r.name_enc'])
      .where('p.id', '=', placeId)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ state: 'confirmed', attendance: 'attended', places: 2, source: 'door', email_enc: null });
    expect(core().keyring.decrypt(row.name_enc)).toBe('Amara Okafor');
    const [after] = await listOccurrences(db(), event.id);
    expect(after!.placesTaken).toBe(2);
    const page = await staff.get(r.headers.get('location')!.replace(/#.*$/, ''));
    expect(page.text).toContain('Amara Okafor is registered and checked in.');
    expect(page.text).toContain('(at the door)');
    expect(await auditOf('event.walk_in', event.id)).toHaveLength(1);

    // With an address: registered like anyone else, so their email has their own link.
    const email = freshEmail('walkin');
    await staff.get(base);
    expect(
      (await staff.post(`/admin/events/${event.id}/walk-in`, { date: String(occ!.id), name: 'Sam Lee', email, places: '1' })).status,
    ).toBe(303);
    // The same address again is sent to the list instead, and stores nothing more.
    await staff.get(base);
    const again = await staff.post(`/admin/events/${event.id}/walk-in`, { date: String(occ!.id), name: 'Sam Lee', email, places: '1' });
    expect(again.status).toBe(409);
    expect(again.text).toContain('already registered for this event');
    // A form without a name says so beside the field.
    const bad = await staff.post(`/admin/events/${event.id}/walk-in`, { date: String(occ!.id), name: '', places: '1' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('href="#f-name"');
    const rows = await db().selectFrom('event_registrations').select('id').where('event_id', '=', event.id).execute();
    expect(rows).toHaveLength(2);
  });

  test('a full date refuses a walk-in clearly, naming the waiting list, and stores nothing', async () => {
    const event = await makeTestEvent(core(), { capacity: 2 });
    await registerSomeone(event, { places: 2 });
    const waiting = await registerSomeone(event, { places: 1 });
    expect(waiting.states).toEqual(['waitlisted']);
    const base = `/admin/events/${event.id}/check-in`;
    const page = await staff.get(base);
    expect(page.text).toContain('This date is full');
    const before = await db().selectFrom('event_registrations').select('id').where('event_id', '=', event.id).execute();
    const r = await staff.post(`/admin/events/${event.id}/walk-in`, {
      date: String(waiting.occurrenceId),
      name: 'Late Arrival',
      places: '1',
    });
    expect(r.status).toBe(409);
    expect(r.text).toContain('This date is full: 2 of 2 places are taken. 1 person is on the waiting list.');
    expect(r.text).toContain('value="Late Arrival"');
    const after = await db().selectFrom('event_registrations').select('id').where('event_id', '=', event.id).execute();
    expect(after).toHaveLength(before.length);
    const [occ] = await listOccurrences(db(), event.id);
    expect(occ).toMatchObject({ placesTaken: 2, placesWaiting: 1 });

    // Room for one, not for a party of three.
    const roomy = await makeTestEvent(core(), { capacity: 3 });
    await registerSomeone(roomy, { places: 2 });
    const [o2] = await listOccurrences(db(), roomy.id);
    await staff.get(`/admin/events/${roomy.id}/check-in`);
    const party = await staff.post(`/admin/events/${roomy.id}/walk-in`, { date: String(o2!.id), name: 'A Family', places: '3' });
    expect(party.status).toBe(409);
    expect(party.text).toContain('Only 1 place is left on this date, not 3.');
  });

  test('after the doors close the rest are marked as no-shows; not before the date starts', async () => {
    const startsAt = Date.now() - HOUR;
    const event = await makeTestEvent(core(), { startsAt, endsAt: startsAt + 2 * HOUR });
    const came = await registerSomeone(event, { name: 'Came Along', now: startsAt - DAY });
    const stayed = await registerSomeone(event, { name: 'Stayed Home', now: startsAt - DAY });
    await staff.get(`/admin/events/${event.id}/check-in`);
    expect((await staff.post(`/admin/events/${event.id}/check-in`, { in: String(came.placeId) })).status).toBe(303);
    const page = await staff.get(`/admin/events/${event.id}/check-in`);
    expect(page.text).toContain('Mark the 1 not checked in as no-shows');
    const r = await staff.post(`/admin/events/${event.id}/no-shows`, { date: String(came.occurrenceId) });
    expect(r.status).toBe(303);
    expect(await attendanceOf(stayed.placeId)).toBe('no_show');
    expect(await attendanceOf(came.placeId)).toBe('attended');
    expect((await staff.get(r.headers.get('location')!)).text).toContain('1 person not checked in is marked as no-shows.');

    const future = await makeTestEvent(core());
    const early = await registerSomeone(future);
    await staff.get(`/admin/events/${future.id}/check-in`);
    const refused = await staff.post(`/admin/events/${future.id}/no-shows`, { date: String(early.occurrenceId) });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('once this date has started');
    expect(await attendanceOf(early.placeId)).toBe('unknown');
  });

  test('the CSV export: a row per person per date with answers, formula cells escaped, audited without anyone’s details', async () => {
    const { listId } = await seedAudience(core(), { count: 0 });
    const event = await makeTestEvent(core(), {
      title: 'Solidarity Iftar',
      capacity: 1,
      newsletterListId: listId,
      questions: [{ id: 'diet', label: 'Dietary needs', type: 'multiple', required: false, choices: ['Vegetarian', 'Halal'] }],
    });
    const mallory = freshEmail('mallory');
    await registerSomeone(event, {
      name: '=HYPERLINK("http://bad.example","click")',
      email: mallory,
      answers: { diet: ['Vegetarian', 'Halal'] },
    });
    await registerSomeone(event, { name: 'Nadia Karim', optIn: true });
    const res = await staff.get(`/admin/events/${event.id}/attendees.csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(
      new RegExp(`attachment; filename="${event.slug}-attendees-\\d{4}-\\d{2}-\\d{2}\\.csv"`),
    );
    const lines = res.text
      .replace(/^\ufeff/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('date,name,email,places,state,checked_in,registered,Dietary needs,asked_for_newsletter');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://bad.example"",""click"")"`);
    expect(lines[1]).toContain(`${mallory},1,has a place,,online,Vegetarian; Halal,no`);
    expect(lines[2]).toContain('Nadia Karim');
    expect(lines[2]).toContain(',on the waiting list,');
    expect(lines[2]).toMatch(/,yes$/);
    const audit = await auditOf('event.export', event.id);
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.details!)).toEqual({ title: 'Solidarity Iftar', rows: 2 });
    expect(audit[0]!.details).not.toMatch(/mallory|Nadia|HYPERLINK/);

    // Seeing attendees is not enough: the export also needs the permission to export supporters.
    const refused = await editor.get(`/admin/events/${event.id}/attendees.csv`);
    expect(refused.status).toBe(403);
    expect(await auditOf('event.export', event.id)).toHaveLength(1);
    expect((await editor.get(`/admin/events/${event.id}/check-in`)).text).not.toContain('attendees.csv');
  });

  test('a message reaches every registered person once, with their own link; people who cancel meanwhile are skipped', async () => {
    const event = await makeTestEvent(core(), { title: 'Panel on forced labour', capacity: 3 });
    const people = [freshEmail('ann'), freshEmail('bilal'), freshEmail('chen')];
    const regs = [];
    for (const email of people) regs.push(await registerSomeone(event, { email }));
    const waiting = await registerSomeone(event, { email: freshEmail('waiting') });
    expect(waiting.states).toEqual(['waitlisted']);
    const cancelled = await registerSomeone(await makeTestEvent(core()), { email: freshEmail('other-event') });
    expect(cancelled.kind).toBe('registered');

    const form = await staff.get(`/admin/events/${event.id}/message`);
    expect(form.status).toBe(200);
    expect(form.text).toContain('Right now 3 people with an email address have a place');
    expect(form.text).toContain('Send the email to 3 people');
    expect(form.text).toContain('name="counted" value="all"');
    const subject = `Room change ${ctx.dialect}`;
    // The button counted everyone registered; with the waiting list ticked the number changes, so the page says the
    // new one and sends nothing until the button is pressed again.
    const recount = await staff.post(`/admin/events/${event.id}/message`, {
      counted: 'all',
      date: 'all',
      includeWaitlist: 'on',
      subject,
      body: 'Hello',
    });
    expect(recount.status).toBe(409);
    expect(recount.text).toContain('Nothing is sent yet. With who you chose, this email goes to 4 people.');
    expect(recount.text).toContain('Send the email to 4 people');
    expect(recount.text).toContain('name="counted" value="all+waiting"');
    expect(await db().selectFrom('event_messages').select('id').where('event_id', '=', event.id).execute()).toHaveLength(0);
    const r = await staff.post(`/admin/events/${event.id}/message`, {
      counted: String(regs[0]!.occurrenceId),
      date: String(regs[0]!.occurrenceId),
      subject,
      body: 'We have moved to **the big hall**, on the ground floor.',
    });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe(`/admin/events/${event.id}/message?sent=3`);
    // Bilal cancels before the sending job runs: he is skipped, not emailed.
    await cancelRegistration(core(), regs[1]!.manageToken);

    const message = await db().selectFrom('event_messages').selectAll().where('event_id', '=', event.id).executeTakeFirstOrThrow();
    const handler = t.lantern.handlers.sendEventMessage!;
    for (let attempt = 1; attempt <= 5; attempt++) {
      const state = (await db().selectFrom('event_messages').select('state').where('id', '=', message.id).executeTakeFirstOrThrow()).state;
      if (state === 'sent') break;
      await handler({ messageId: Number(message.id) }, { jobId: 9_000_000 + attempt, attempt: 1, maxAttempts: 50 });
    }
    // Running the job again after it finished sends nothing more.
    await handler({ messageId: Number(message.id) }, { jobId: 9_100_000, attempt: 1, maxAttempts: 50 });

    const mine = () => sink.messages.filter((m) => m.subject === subject);
    await until(() => mine().length >= 2);
    const to = mine().map((m) => (m.to && !Array.isArray(m.to) ? m.to.value[0]!.address : ''));
    expect(to.sort()).toEqual([people[0], people[2]].sort());
    // Each delivery's Message-ID is fixed by the message and the delivery, so a send repeated after a crash keeps it.
    const sentIds = (
      await db()
        .selectFrom('event_message_deliveries')
        .select('id')
        .where('message_id', '=', message.id)
        .where('state', '=', 'sent')
        .execute()
    ).map((d) => `<${core().keyring.sign('event-message-id', `${message.id}:${d.id}`).slice(0, 24)}@127.0.0.1>`);
    expect(
      mine()
        .map((m) => m.messageId)
        .sort(),
    ).toEqual(sentIds.sort());
    const ann = mine().find((m) => !Array.isArray(m.to) && m.to?.value[0]?.address === people[0])!;
    expect(ann.html).toContain('<strong>the big hall</strong>');
    expect(ann.text).toContain(manageLink(core(), regs[0]!.manageToken));
    expect(ann.text).not.toContain(regs[2]!.manageToken);

    const deliveries = await db()
      .selectFrom('event_message_deliveries')
      .selectAll()
      .where('message_id', '=', message.id)
      .orderBy('id')
      .execute();
    expect(deliveries.map((d) => d.state)).toEqual(['sent', 'skipped', 'sent']);
    expect(deliveries.filter((d) => d.state === 'sent').every((d) => d.sent_at !== null)).toBe(true);
    const page = await staff.get(`/admin/events/${event.id}/message`);
    expect(page.text).toContain('Sent 2 of 3: finished');
    expect(page.text).toContain('1 skipped');
    const audit = await auditOf('event.message', event.id);
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.details!)).toMatchObject({ title: 'Panel on forced labour', recipients: 3 });

    // A message to nobody is refused and stores nothing.
    const empty = await makeTestEvent(core());
    await staff.get(`/admin/events/${empty.id}/message`);
    const none = await staff.post(`/admin/events/${empty.id}/message`, { date: 'all', subject: 'Hello', body: 'Anyone?' });
    expect(none.status).toBe(422);
    expect(none.text).toContain('there is nobody to send to');
    expect(await db().selectFrom('event_messages').select('id').where('event_id', '=', empty.id).execute()).toHaveLength(0);
  });

  test('garbage into each staff form is never a 500', async () => {
    const event = await makeTestEvent(core(), { maxPlacesPerRegistration: 3 });
    const [occ] = await listOccurrences(db(), event.id);
    await registerSomeone(event);
    const { value } = garbage({ extra: [String(occ!.id), 'all', '1', '-1', '99999999999999', 'on'], maxRepeat: 300, hugeValue: false });
    const fieldsOf = (names: string[]) => fc.record(Object.fromEntries(names.map((k) => [k, value])), { requiredKeys: [] });
    const how = fc.constantFrom('form', 'form', 'json', 'broken-json', 'none', 'text/plain');
    const forms: Array<[string, string[]]> = [
      [`/admin/events/${event.id}/check-in`, ['in', 'undo', 'date', 'q']],
      [`/admin/events/${event.id}/walk-in`, ['date', 'name', 'email', 'places']],
      [`/admin/events/${event.id}/no-shows`, ['date']],
      [`/admin/events/${event.id}/message`, ['date', 'subject', 'body', 'includeWaitlist']],
    ];
    await staff.get(`/admin/events/${event.id}/check-in`);
    for (const [path, names] of forms) {
      await fc.assert(
        fc.asyncProperty(fieldsOf(names), how, fc.boolean(), async (fields, h, csrf) => {
          expectClearPage(await send(staff, path, fields, h, { csrf }));
        }),
        { numRuns: 25 },
      );
    }
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 60 }), fc.string({ maxLength: 30 }), async (q, date) => {
        const r = await staff.get(`/admin/events/${event.id}/check-in?q=${encodeURIComponent(q)}&date=${encodeURIComponent(date)}`);
        expect(r.status).toBeLessThan(500);
      }),
      { numRuns: 40 },
    );
    for (const bad of ['abc', '0', '99999999999999999999', '-1']) {
      expect((await staff.get(`/admin/events/${bad}/check-in`)).status).toBe(404);
      expect((await staff.get(`/admin/events/${bad}/attendees.csv`)).status).toBe(404);
    }
  });
});
