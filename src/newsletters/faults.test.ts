import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { freePort, startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { startBulkSink, type BulkSink } from '../../test/helpers/bulk-smtp.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import { draftNewsletter, seedAudience, sendState } from '../../test/helpers/newsletters.js';
import { until } from '../../test/helpers/wait.js';
import { DEFAULT_SENDER } from './jobs.js';
import { startSending } from './service.js';

// Faults a bulk send must survive: the sending process killed mid-send, and a mail server that goes away. Every
// recipient must get the newsletter, and nobody twice, except at most the messages in flight at a kill.

const fixture = fileURLToPath(new URL('../../test/fixtures/newsletter-worker.ts', import.meta.url));

describeEachDialect('newsletter sending under faults', (ctx) => {
  let t: TestLantern;

  beforeAll(async () => {
    t = await startTestLantern(ctx, { worker: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  const core = () => t.lantern.core;

  function spawnWorker(
    smtpUrl: string,
    extraEnv: Record<string, string> = {},
  ): { child: ChildProcess; exited: Promise<number | null>; ready: Promise<string> } {
    const child = fork(fixture, [], {
      execArgv: ['--import', 'tsx'],
      env: {
        ...process.env,
        DATABASE_URL:
          ctx.dialect === 'sqlite' ? `sqlite:${(ctx.testDb.config as { file: string }).file}` : (ctx.testDb.config as { url: string }).url,
        LANTERN_SECRET: 'test-secret-0123456789abcdef0123456789abcdef',
        LANTERN_DATA_DIR: ctx.testDb.dataDir,
        // vitest exports Vite's BASE_URL=/ into the environment; the child must not inherit it.
        BASE_URL: t.baseUrl,
        SMTP_URL: smtpUrl,
        LANTERN_DEMO: 'false',
        LANTERN_WORKER: 'off',
        LOG_LEVEL: 'silent',
        LEASE_MS: '2000',
        ...extraEnv,
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const ready = new Promise<string>((resolve) => child.on('message', (m: { ready?: string }) => m.ready && resolve(m.ready)));
    return { child, exited, ready };
  }

  /** Who holds the newsletter's running send job: the worker id on its lease, or null when none is running. */
  const sendJobHolder = async () =>
    (
      await core()
        .db.selectFrom('jobs')
        .select('locked_by')
        .where('name', '=', 'sendNewsletter')
        .where('state', '=', 'running')
        .executeTakeFirst()
    )?.locked_by ?? null;

  /** Every recipient got the newsletter, and nobody twice except at most the messages in flight at a kill (the same message). */
  async function expectEachOnceBarInFlight(sink: BulkSink, people: ReadonlyArray<{ email: string }>) {
    const counts = sink.counts();
    expect(people.filter((p) => !counts.has(p.email))).toEqual([]);
    const repeated = [...counts].filter(([, n]) => n > 1);
    expect(repeated.every(([, n]) => n === 2)).toBe(true);
    expect(repeated.length).toBeLessThanOrEqual(DEFAULT_SENDER.window);
    expect(sink.arrivals.length).toBe(people.length + repeated.length);
    for (const [to] of repeated) {
      const ids = await Promise.all(sink.arrivals.filter((a) => a.to === to).map(async (a) => (await simpleParser(a.raw)).messageId));
      expect(new Set(ids).size).toBe(1);
    }
  }

  test('a worker killed with SIGKILL mid-send: a worker running beside it takes the send over within the lease', async () => {
    const total = 1500;
    const leaseMs = 3000;
    const sink = await startBulkSink();
    const audience = await seedAudience(core(), { count: total });
    const id = await draftNewsletter(core(), { listId: audience.listId });
    const env = { LEASE_MS: String(leaseMs), HEARTBEAT_MS: '1000' };
    const workers = [spawnWorker(sink.url, env), spawnWorker(sink.url, env)];
    try {
      const ids = await Promise.all(workers.map((w) => w.ready));
      await startSending(core(), null, id);
      await sink.waitFor(500, 60_000);
      const holder = await sendJobHolder();
      const doomed = workers[ids.indexOf(holder ?? '')]!;
      const survivor = ids.find((w) => w !== holder)!;
      doomed.child.kill('SIGKILL');
      await doomed.exited;
      const killedAt = Date.now();
      expect(sink.arrivals.length).toBeLessThan(total);
      await until(async () => (await sendJobHolder()) === survivor || (await sendState(core(), id)).status === 'sent', 60_000);
      // At most a lease after the dead worker's last heartbeat, plus a second to notice and a little for a busy machine.
      expect(Date.now() - killedAt).toBeLessThan(leaseMs + 3000);
      await until(async () => (await sendState(core(), id)).status === 'sent', 120_000);
    } finally {
      for (const w of workers) w.child.kill('SIGTERM');
      await Promise.all(workers.map((w) => w.exited));
      await sink.close();
    }
    await expectEachOnceBarInFlight(sink, audience.people);
    expect(await sendState(core(), id)).toMatchObject({ status: 'sent', sent: total, pending: 0, failed: 0 });
  }, 180_000);

  test('a worker killed with SIGKILL mid-send: after a restart everyone gets it once, bar the messages in flight at the kill', async () => {
    const total = 2000;
    const sink = await startBulkSink();
    const audience = await seedAudience(core(), { count: total });
    const id = await draftNewsletter(core(), { listId: audience.listId });
    await startSending(core(), null, id);
    const first = spawnWorker(sink.url);
    let second: ReturnType<typeof spawnWorker> | undefined;
    try {
      await sink.waitFor(600, 60_000);
      first.child.kill('SIGKILL');
      await first.exited;
      const atKill = sink.arrivals.length;
      expect(atKill).toBeLessThan(total);
      // The killed worker's job comes back once its lease has run out.
      await until(async () => {
        const running = await core()
          .db.selectFrom('jobs')
          .select('locked_until')
          .where('name', '=', 'sendNewsletter')
          .where('state', '=', 'running')
          .execute();
        return running.every((j) => (j.locked_until ?? 0) < Date.now());
      }, 10_000);
      second = spawnWorker(sink.url);
      await until(async () => (await sendState(core(), id)).status === 'sent', 120_000);
    } finally {
      first.child.kill('SIGKILL');
      second?.child.kill('SIGTERM');
      if (second) expect(await second.exited).toBe(0);
      await sink.close();
    }

    await expectEachOnceBarInFlight(sink, audience.people);
    expect(await sendState(core(), id)).toMatchObject({ status: 'sent', sent: total, pending: 0, failed: 0 });
  }, 180_000);

  test('a mail server that refuses connections for a while: everything is delivered once it is back, nothing twice', async () => {
    const port = await freePort();
    const audience = await seedAudience(core(), { count: 120 });
    const id = await draftNewsletter(core(), { listId: audience.listId, ratePerMinute: 6000 });
    await startSending(core(), null, id);
    // Nothing listens on the port yet: every connection is refused. Retries start at 500 ms rather than the 5 s
    // of a real worker (the same doubling backoff), so the outages cost the test seconds, not tens of seconds.
    const worker = spawnWorker(`smtp://127.0.0.1:${port}`, { RETRY_BASE_MS: '500' });
    let sink: BulkSink | undefined;
    try {
      await until(
        async () =>
          (await core().db.selectFrom('newsletters').select('last_error').where('id', '=', id).executeTakeFirstOrThrow()).last_error !==
          null,
        15_000,
      );
      expect(await sendState(core(), id)).toMatchObject({ status: 'sending', sent: 0, pending: 120 });
      sink = await startBulkSink({ port });
      // Half way through, the server goes away again, and comes back a second later.
      await sink.waitFor(60, 60_000);
      await sink.close();
      const before = sink.arrivals;
      await new Promise((r) => setTimeout(r, 1000));
      sink = await startBulkSink({ port });
      await until(async () => (await sendState(core(), id)).status === 'sent', 90_000);
      const all = [...before, ...sink.arrivals];
      const counts = new Map<string, number>();
      for (const a of all) counts.set(a.to, (counts.get(a.to) ?? 0) + 1);
      for (const p of audience.people) expect(counts.get(p.email)).toBe(1);
      expect(all.length).toBe(120);
      const row = await core().db.selectFrom('newsletters').select('last_error').where('id', '=', id).executeTakeFirstOrThrow();
      expect(row.last_error).toBeNull();
    } finally {
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
      await sink?.close();
    }
  }, 150_000);
});
