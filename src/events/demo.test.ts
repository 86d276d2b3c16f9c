import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import { seedDemo } from '../app.js';
import { DEMO_EVENT_SLUGS, DEMO_PRIVATE } from './demo.js';

// The demo charity's events, seeded by seedDemo on a fresh database as a new install seeds them: the five events
// exist with real registrations, the public lists show what is to come and what has been, the protest shows its
// one called-off Tuesday, and neither the joining link nor the meeting point is on any public page or calendar file.

/** An iCalendar file as its text reads once long lines are unfolded and escaped characters are plain again. */
function icsText(ics: string): string {
  return ics
    .replace(/\r?\n[ \t]/g, '')
    .replace(/\\([,;\\])/g, '$1')
    .replace(/\\n/gi, '\n');
}

describeEachDialect('the events demo', (ctx) => {
  let t: TestLantern;
  beforeAll(async () => {
    t = await startTestLantern(ctx);
    expect(await seedDemo(t.lantern.core)).toBe(true);
  });
  afterAll(async () => {
    await t?.close();
  });

  test('the five events exist, registered for through the real path, with the past meeting’s attendance and feedback', async () => {
    const db = t.lantern.core.db;
    const events = await db
      .selectFrom('events')
      .select(['id', 'slug', 'kind', 'mode', 'capacity', 'series', 'campaign_id', 'questions'])
      .execute();
    const bySlug = new Map(events.map((e) => [e.slug, e]));
    expect([...bySlug.keys()].sort()).toEqual(Object.values(DEMO_EVENT_SLUGS).sort());
    expect(bySlug.get(DEMO_EVENT_SLUGS.meeting)!.kind).toBe('meeting');
    expect(bySlug.get(DEMO_EVENT_SLUGS.livestream)).toMatchObject({ kind: 'livestream', mode: 'online', capacity: null });
    expect(bySlug.get(DEMO_EVENT_SLUGS.protest)!.kind).toBe('protest');
    expect(JSON.parse(bySlug.get(DEMO_EVENT_SLUGS.protest)!.series!)).toMatchObject({
      freq: 'weekly',
      weekday: 2,
      start: '18:00',
      end: '19:00',
    });
    expect(bySlug.get(DEMO_EVENT_SLUGS.iftar)!.capacity).toBe(60);
    expect(JSON.parse(bySlug.get(DEMO_EVENT_SLUGS.iftar)!.questions)).toContainEqual(
      expect.objectContaining({ id: 'dietary', type: 'multiple' }),
    );
    expect(bySlug.get(DEMO_EVENT_SLUGS.exhibition)!.kind).toBe('exhibition');
    const campaign = await db.selectFrom('campaigns').select('id').where('slug', '=', 'free-the-supply-chain').executeTakeFirstOrThrow();
    for (const e of events) expect(Number(e.campaign_id)).toBe(Number(campaign.id));

    // The exhibition is one date spanning a fortnight.
    const [show, ...more] = await db
      .selectFrom('event_occurrences')
      .selectAll()
      .where('event_id', '=', bySlug.get(DEMO_EVENT_SLUGS.exhibition)!.id)
      .execute();
    expect(more).toEqual([]);
    expect((show!.ends_at - show!.starts_at) / (24 * 3600_000)).toBeGreaterThan(13);
    expect((show!.ends_at - show!.starts_at) / (24 * 3600_000)).toBeLessThan(14);

    // The meeting's registrations took places at its one date, and staff marked who came.
    const meetingId = bySlug.get(DEMO_EVENT_SLUGS.meeting)!.id;
    const places = await db
      .selectFrom('event_places as p')
      .innerJoin('event_registrations as r', 'r.id', 'p.registration_id')
      .select(['p.state', 'p.attendance', 'p.places'])
      .where('r.event_id', '=', meetingId)
      .execute();
    expect(places.length).toBeGreaterThanOrEqual(5);
    expect(places.every((p) => p.state === 'confirmed')).toBe(true);
    expect(places.filter((p) => p.attendance === 'attended').length).toBeGreaterThan(0);
    expect(places.filter((p) => p.attendance === 'no_show').length).toBeGreaterThan(0);
    const [occ] = await db.selectFrom('event_occurrences').selectAll().where('event_id', '=', meetingId).execute();
    expect(occ!.places_taken).toBe(places.reduce((n, p) => n + p.places, 0));
    expect(occ!.ends_at).toBeLessThan(Date.now());

    // Two people gave feedback; only the one who ticked the box may be quoted, with the words they agreed to.
    const feedback = await db.selectFrom('event_feedback').selectAll().where('event_id', '=', meetingId).orderBy('id').execute();
    expect(feedback.map((f) => [f.rating, f.may_quote])).toEqual([
      [5, 1],
      [4, 0],
    ]);
    expect(feedback[0]!.permission_wording).toBeTruthy();
    expect(feedback[1]!.permission_wording).toBeNull();
  });

  test('/events lists the four events to come, and /events/past the meeting with its recording', async () => {
    const upcoming = await t.client().get('/events');
    expect(upcoming.status).toBe(200);
    for (const slug of [DEMO_EVENT_SLUGS.livestream, DEMO_EVENT_SLUGS.protest, DEMO_EVENT_SLUGS.iftar, DEMO_EVENT_SLUGS.exhibition])
      expect(upcoming.text).toContain(`href="/events/${slug}"`);
    expect(upcoming.text).not.toContain(`href="/events/${DEMO_EVENT_SLUGS.meeting}"`);

    const past = await t.client().get('/events/past');
    expect(past.status).toBe(200);
    expect(past.text).toContain(`href="/events/${DEMO_EVENT_SLUGS.meeting}"`);
    expect(past.text).toContain('Watch the recording');
    for (const slug of [DEMO_EVENT_SLUGS.livestream, DEMO_EVENT_SLUGS.protest, DEMO_EVENT_SLUGS.iftar])
      expect(past.text).not.toContain(`/events/${slug}"`);

    const meeting = await t.client().get(`/events/${DEMO_EVENT_SLUGS.meeting}`);
    expect(meeting.text).toContain('href="https://video.example.org/freedom-thread/who-made-my-jumper"');
  });

  test('the protest’s page shows exactly one Tuesday called off; the Iftar’s shows its places left and its question', async () => {
    const protest = await t.client().get(`/events/${DEMO_EVENT_SLUGS.protest}`);
    expect(protest.status).toBe(200);
    expect(protest.text.match(/— cancelled/g)?.length).toBe(1);
    expect(protest.text).toMatch(/Tuesday/);

    const db = t.lantern.core.db;
    const iftarId = (await db.selectFrom('events').select('id').where('slug', '=', DEMO_EVENT_SLUGS.iftar).executeTakeFirstOrThrow()).id;
    const [occ] = await db.selectFrom('event_occurrences').selectAll().where('event_id', '=', iftarId).execute();
    expect(occ!.places_taken).toBeGreaterThan(0);
    const iftar = await t.client().get(`/events/${DEMO_EVENT_SLUGS.iftar}`);
    expect(iftar.text).toContain(`${60 - occ!.places_taken} places left`);
    expect(iftar.text).toContain('Do you have any dietary needs?');
  });

  test('no public page or calendar file holds the joining link or the meeting point', async () => {
    const c = t.client();
    const pages = [
      '/events',
      '/events/past',
      '/events?online=on',
      '/events?kind=protest',
      ...Object.values(DEMO_EVENT_SLUGS).map((s) => `/events/${s}`),
    ];
    const files = ['/events.ics', ...Object.values(DEMO_EVENT_SLUGS).map((s) => `/events/${s}.ics`)];
    const secrets = [DEMO_PRIVATE.joiningLink, DEMO_PRIVATE.meetingPoint, 'panel-7f3k2q', 'bus shelter', 'yellow tabards'];
    for (const path of pages) {
      const r = await c.get(path);
      expect(r.status, path).toBe(200);
      for (const s of secrets) expect(r.text, path).not.toContain(s);
    }
    for (const path of files) {
      const r = await c.get(path);
      expect(r.status, path).toBe(200);
      expect(r.text, path).toContain('BEGIN:VCALENDAR');
      for (const s of secrets) expect(icsText(r.text), path).not.toContain(s);
    }
    // The secrets are really in the demo (as registered people get them), so the checks above could fail.
    const stored = await t.lantern.core.db.selectFrom('events').select(['joining_link_enc', 'meeting_point_enc']).execute();
    const k = t.lantern.core.keyring;
    const plain = stored
      .flatMap((r) => [r.joining_link_enc, r.meeting_point_enc])
      .filter((x): x is string => x !== null)
      .map((x) => k.decrypt(x));
    expect(plain.sort()).toEqual([DEMO_PRIVATE.joiningLink, DEMO_PRIVATE.meetingPoint].sort());
  });
});
