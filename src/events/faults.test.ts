import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import { makeTestEvent } from '../../test/helpers/events.js';
import { startSmtpSink, type SmtpSink } from '../../test/helpers/smtp.js';
import { mailsTo } from '../../test/helpers/supporters.js';
import { until } from '../../test/helpers/wait.js';
import { remindAttendees } from './follow-up.js';
import { cancelRegistration, listOccurrences, registerForEvent, type LanternEvent } from './service.js';

// The faults for events, with the worker as `lantern worker` runs it, in a process of its own that the test
// kills with SIGKILL, on the test's database and against a real SMTP server:
// - the worker dies in the middle of sending a reminder run and is started again: everyone is reminded exactly once,
//   bar at most the messages that were in flight at the kill, which arrive twice under the same Message-ID;
// - a waitlist offer runs out while the worker is down: when it comes back the places pass on, first in line first,
//   and nobody behind a party that does not fit is served before it.

const cli = fileURLToPath(new URL('../cli.ts', import.meta.url));
const HOUR = 3600_000;

describeEachDialect('events under faults', (ctx) => {
  let t: TestLantern;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestLantern(ctx, { worker: false });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  const core = () => t.lantern.core;
  const db = () => t.lantern.core.db;

  /** `lantern worker`, as deployed: every capability's jobs and the recurring schedule, on the real clock. */
  function startWorker(): { child: ChildProcess; exited: Promise<string> } {
    const child = fork(cli, ['worker'], {
      execArgv: ['--import', 'tsx'],
      env: {
        ...process.env,
        DATABASE_URL:
          ctx.dialect === 'sqlite' ? `sqlite:${(ctx.testDb.config as { file: string }).file}` : (ctx.testDb.config as { url: string }).url,
        LANTERN_SECRET: 'test-secret-0123456789abcdef0123456789abcdef',
        LANTERN_DATA_DIR: ctx.testDb.dataDir,
        // vitest exports Vite's BASE_URL=/ into the environment; the child must not inherit it.
        BASE_URL: t.baseUrl,
        SMTP_URL: sink.url,
        LANTERN_DEMO: 'false',
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exited = new Promise<string>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? String(code))));
    return { child, exited };
  }

  const register = async (event: LanternEvent, email: string, places = 1) => {
    const [date] = await listOccurrences(db(), event.id);
    const out = await registerForEvent(core(), event, { name: 'Guest', email, places, date: date!.id, answers: {}, optIn: false });
    if (out.kind !== 'registered') throw new Error('not registered');
    return { email, token: out.manageToken, id: out.registrationId };
  };
  const addressOf = (m: ParsedMail) => [m.to].flat().flatMap((a) => a?.value.map((v) => v.address ?? '') ?? [])[0] ?? '';
  const jobsLeft = async (name: string) =>
    (await db().selectFrom('jobs').select('id').where('name', '=', name).where('state', 'in', ['queued', 'running']).execute()).length;

  test('SIGKILL the worker in the middle of a reminder run, then restart: every reminder sent exactly once, bar the in-flight ones', async () => {
    const events = 4;
    const perEvent = 60;
    const people: string[] = [];
    for (let e = 0; e < events; e++) {
      const event = await makeTestEvent(core(), { title: `Public meeting ${e + 1}`, startsAt: Date.now() + 20 * HOUR + e * 60_000 });
      for (let i = 0; i < perEvent; i++) {
        const email = `remind.${ctx.dialect}.${e}.${i}@example.org`;
        await register(event, email);
        people.push(email);
      }
    }
    // The confirmations went out long ago, as far as this test is concerned: only the reminders are watched.
    await db().deleteFrom('jobs').where('name', '=', 'sendEmail').execute();
    const reminders = () => sink.messages.filter((m) => m.subject?.startsWith('Reminder:'));

    const inFlight = new Set<string>();
    const first = startWorker();
    let second: ReturnType<typeof startWorker> | undefined;
    try {
      await until(() => reminders().length >= 20, 60_000);
      first.child.kill('SIGKILL');
      expect(await first.exited).toBe('SIGKILL');
      const atKill = reminders().length;
      expect(atKill).toBeLessThan(people.length);
      // The messages in flight at the kill: claimed by the dead worker, their sending begun, their end not recorded.
      const running = await db()
        .selectFrom('jobs')
        .select('payload')
        .where('name', '=', 'sendEmail')
        .where('state', '=', 'running')
        .execute();
      for (const j of running) inFlight.add((core().queue.decodePayload(j.payload) as { to: string }).to);

      // Started again: it sends what was left, and takes over what the dead worker was sending once its lease runs out.
      second = startWorker();
      await until(async () => new Set(reminders().map(addressOf)).size >= people.length && (await jobsLeft('sendEmail')) === 0, 120_000);
      await until(async () => (await jobsLeft('remindAttendeesOfEvents')) === 0, 30_000);
      // A run after the restart finds every date reminded already.
      expect(await remindAttendees(core())).toEqual({ day: 0, hour: 0 });
      expect(await jobsLeft('sendEmail')).toBe(0);
    } finally {
      first.child.kill('SIGKILL');
      second?.child.kill('SIGTERM');
      if (second) expect(await second.exited).toBe('0');
    }

    const byAddress = new Map<string, string[]>();
    for (const m of reminders()) byAddress.set(addressOf(m), [...(byAddress.get(addressOf(m)) ?? []), m.messageId ?? '']);
    expect(people.filter((p) => !byAddress.has(p))).toEqual([]);
    expect([...byAddress.keys()].filter((a) => !people.includes(a))).toEqual([]);
    const repeated = [...byAddress].filter(([, ids]) => ids.length > 1);
    expect(repeated.map(([to]) => to).filter((to) => !inFlight.has(to))).toEqual([]);
    for (const [, ids] of repeated) {
      expect(ids).toHaveLength(2);
      expect(new Set(ids).size).toBe(1);
    }
    const dates = await db().selectFrom('event_occurrences').select('reminded_day_at').execute();
    expect(dates.every((d) => d.reminded_day_at !== null)).toBe(true);
  }, 180_000);

  test('a waitlist offer that runs out while the worker is down passes on when it comes back, first in line first', async () => {
    const event = await makeTestEvent(core(), {
      title: 'Evening with the garment workers’ union',
      startsAt: Date.now() + 3 * 24 * HOUR,
      capacity: 2,
    });
    const email = (who: string) => `${who}.offers.${ctx.dialect}@example.org`;
    const amina = await register(event, email('amina'));
    const bilal = await register(event, email('bilal'));
    const chen = await register(event, email('chen'));
    const dara = await register(event, email('dara'));
    const esi = await register(event, email('esi'), 2);
    const finn = await register(event, email('finn'));
    const state = async (r: { id: number }) =>
      (await db().selectFrom('event_places').select(['state', 'places']).where('registration_id', '=', r.id).executeTakeFirstOrThrow())
        .state;
    expect(await Promise.all([amina, bilal, chen, dara, esi, finn].map(state))).toEqual([
      'confirmed',
      'confirmed',
      'waitlisted',
      'waitlisted',
      'waitlisted',
      'waitlisted',
    ]);
    // Two places free up: the first two in line are offered them, each held for a day.
    await cancelRegistration(core(), amina.token);
    await cancelRegistration(core(), bilal.token);
    expect(await Promise.all([chen, dara, esi, finn].map(state))).toEqual(['offered', 'offered', 'waitlisted', 'waitlisted']);

    // The worker is down while both holds run out (here: the hold is moved into the past).
    const [date] = await listOccurrences(db(), event.id);
    await db()
      .updateTable('event_places')
      .set({ offered_until: Date.now() - 60_000 })
      .where('occurrence_id', '=', date!.id)
      .where('state', '=', 'offered')
      .execute();

    const worker = startWorker();
    try {
      // When it comes back the offers lapse in turn: Esi's party of two is next and gets both places; Finn, behind
      // her, is not served first even while one place alone was free.
      await until(async () => (await state(esi)) === 'offered', 90_000);
      expect(await Promise.all([chen, dara, esi, finn].map(state))).toEqual(['lapsed', 'lapsed', 'offered', 'waitlisted']);
      const [after] = await listOccurrences(db(), event.id);
      expect(after).toMatchObject({ placesTaken: 2, placesWaiting: 1 });
      await until(() => mailsTo(sink, esi.email).some((m) => m.subject?.startsWith('A place is free for you')), 30_000);
      for (const p of [chen, dara])
        await until(() => mailsTo(sink, p.email).some((m) => m.subject?.startsWith('The place we held has passed on')), 30_000);
      await until(async () => (await jobsLeft('sendEmail')) === 0, 30_000);
      expect(mailsTo(sink, finn.email).filter((m) => m.subject?.startsWith('A place is free'))).toEqual([]);
      const offer = mailsTo(sink, esi.email).find((m) => m.subject?.startsWith('A place is free for you'))!;
      expect(offer.text).toContain('2 places have');
      expect(offer.text).toContain(`/events/manage/${esi.token}`);
    } finally {
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe('0');
    }
  }, 150_000);
});
