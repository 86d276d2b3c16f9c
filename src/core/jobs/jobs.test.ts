import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { describeEachDialect } from '../../../test/helpers/db.js';
import { createKeyring } from '../crypto.js';
import { createLogger } from '../log.js';
import { claimDueJobs, recoverExpiredJobs, retryParkedJob } from './queries.js';
import { JobQueue } from './queue.js';
import { PermanentJobError, Worker, backoffMs, type JobHandler } from './worker.js';
import { until } from '../../../test/helpers/wait.js';

const keyring = createKeyring('test-secret-0123456789abcdef0123456789abcdef');
const queue = new JobQueue(keyring);
const logger = createLogger('silent');
const fixture = fileURLToPath(new URL('../../../test/fixtures/worker-process.ts', import.meta.url));

describeEachDialect('job queue', (ctx) => {
  const job = (id: number) => ctx.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const startWorker = (handlers: Record<string, JobHandler>) => {
    const w = new Worker({ db: ctx.db, queue, handlers, logger, pollMs: 20, lanes: { default: 2, bulk: 1 } });
    w.start();
    return w;
  };

  test('a job enqueued in a transaction that rolls back does not exist', async () => {
    const before = await ctx.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    await expect(
      ctx.db.transaction().execute(async (trx) => {
        await queue.enqueue(trx, 'noop', { a: 1 });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const after = await ctx.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  test('payloads are stored encrypted and reach the handler intact', async () => {
    const seen: unknown[] = [];
    const id = (await queue.enqueue(ctx.db, 'capture', { email: 'planted@example.org', n: 7 }))!;
    const row = await job(id);
    expect(row.payload).not.toContain('planted');
    const w = startWorker({ capture: async (p) => void seen.push(p) });
    await until(async () => (await job(id)).state === 'done');
    await w.stop();
    expect(seen).toEqual([{ email: 'planted@example.org', n: 7 }]);
    expect((await job(id)).attempts).toBe(1);
  });

  test('a failing job is retried later with backoff, then parked when out of attempts', async () => {
    const id = (await queue.enqueue(ctx.db, 'flaky', {}, { maxAttempts: 2 }))!;
    const w = startWorker({ flaky: async () => Promise.reject(new Error('smtp down for user@example.org')) });
    await until(async () => (await job(id)).attempts === 1 && (await job(id)).state === 'queued');
    const first = await job(id);
    expect(first.run_at).toBeGreaterThan(Date.now() + 2_000);
    expect(first.last_error).toContain('[address]');
    expect(first.last_error).not.toContain('user@example.org');
    await ctx.db.updateTable('jobs').set({ run_at: Date.now() }).where('id', '=', id).execute();
    await until(async () => (await job(id)).state === 'parked');
    await w.stop();
    expect((await job(id)).attempts).toBe(2);
  });

  test('a permanent failure is parked at once, and staff retry queues it again', async () => {
    let calls = 0;
    const id = (await queue.enqueue(ctx.db, 'doomed', {}))!;
    const w = startWorker({
      doomed: async () => {
        calls++;
        if (calls === 1) throw new PermanentJobError('address does not exist');
      },
    });
    await until(async () => (await job(id)).state === 'parked');
    expect((await job(id)).last_error).toBe('address does not exist');
    expect(await retryParkedJob(ctx.db, id, Date.now())).toBe(true);
    expect(await retryParkedJob(ctx.db, id, Date.now())).toBe(false);
    await until(async () => (await job(id)).state === 'done');
    await w.stop();
    expect(calls).toBe(2);
  });

  test('a job with no handler is parked with a clear error', async () => {
    const id = (await queue.enqueue(ctx.db, 'nobodyHandlesThis', {}))!;
    const w = startWorker({});
    await until(async () => (await job(id)).state === 'parked');
    await w.stop();
    expect((await job(id)).last_error).toContain('no handler');
  });

  test('unique keys make enqueueing idempotent, and recurring jobs are enqueued once per period', async () => {
    const a = await queue.enqueue(ctx.db, 'once', {}, { uniqueKey: 'once:1' });
    const b = await queue.enqueue(ctx.db, 'once', {}, { uniqueKey: 'once:1' });
    expect(a).not.toBeNull();
    expect(b).toBeNull();
    const w = new Worker({
      db: ctx.db,
      queue,
      handlers: {},
      logger,
      recurring: [{ name: 'tick', everyMs: 60_000 }],
      lanes: { default: 0, bulk: 0 },
    });
    const now = 1_800_000_000_000;
    await w.enqueueRecurring(now);
    await w.enqueueRecurring(now + 1_000);
    await new Worker({ db: ctx.db, queue, handlers: {}, logger, recurring: [{ name: 'tick', everyMs: 60_000 }] }).enqueueRecurring(
      now + 2_000,
    );
    await w.enqueueRecurring(now + 60_000);
    const ticks = await ctx.db.selectFrom('jobs').select('unique_key').where('name', '=', 'tick').execute();
    expect(ticks.map((t) => t.unique_key).sort()).toEqual([
      `recurring:tick:${Math.floor(now / 60_000)}`,
      `recurring:tick:${Math.floor(now / 60_000) + 1}`,
    ]);
  });

  test('jobs of a worker that died are recovered when their lease expires', async () => {
    const id = (await queue.enqueue(ctx.db, 'orphan', {}, { lane: 'bulk' }))!;
    const claimed = await claimDueJobs(ctx.db, { lane: 'bulk', limit: 10, workerId: 'dead-worker', leaseMs: 1, now: Date.now() });
    expect(claimed.map((c) => c.id)).toContain(id);
    expect((await job(id)).state).toBe('running');
    await new Promise((r) => setTimeout(r, 5));
    expect(await recoverExpiredJobs(ctx.db, Date.now())).toBeGreaterThanOrEqual(1);
    expect((await job(id)).state).toBe('queued');
  });

  test('a job that runs far longer than the lease is not taken over while its worker keeps the heartbeat', async () => {
    const runs: string[] = [];
    const id = (await queue.enqueue(ctx.db, 'long', {}, { lane: 'bulk' }))!;
    const make = (name: string) =>
      new Worker({
        db: ctx.db,
        queue,
        logger,
        pollMs: 20,
        lanes: { default: 0, bulk: 1 },
        leaseMs: 400,
        heartbeatMs: 100,
        handlers: {
          long: async () => {
            runs.push(name);
            await new Promise((r) => setTimeout(r, 2_000));
          },
        },
      });
    const a = make('a');
    a.start();
    await until(() => runs.length === 1);
    // A second worker that looks for expired leases several times a second, for five lease lengths.
    const b = make('b');
    b.start();
    await until(async () => (await job(id)).state === 'done', 10_000);
    await Promise.all([a.stop(), b.stop()]);
    expect(runs).toEqual(['a']);
    expect((await job(id)).attempts).toBe(1);
  });

  test('backoff grows and is capped', () => {
    expect(backoffMs(1)).toBeGreaterThanOrEqual(4_000);
    expect(backoffMs(1)).toBeLessThanOrEqual(6_000);
    expect(backoffMs(3)).toBeGreaterThan(backoffMs(1));
    expect(backoffMs(40)).toBeLessThanOrEqual(3_600_000 * 1.2);
    // A shorter base (tests of faults) keeps the doubling and the jitter.
    expect(backoffMs(1, 500)).toBeGreaterThanOrEqual(400);
    expect(backoffMs(1, 500)).toBeLessThanOrEqual(600);
    expect(backoffMs(3, 500)).toBeGreaterThanOrEqual(1_600);
    expect(backoffMs(3, 500)).toBeLessThanOrEqual(2_400);
  });

  test('a bulk lane that is busy does not hold up the default lane', async () => {
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await queue.enqueueMany(ctx.db, [
      { name: 'slowBulk', payload: {}, options: { lane: 'bulk' } },
      { name: 'slowBulk', payload: {}, options: { lane: 'bulk' } },
    ]);
    const w = startWorker({
      slowBulk: async () => {
        await gate;
        order.push('bulk');
      },
      confirm: async () => void order.push('confirm'),
    });
    await new Promise((r) => setTimeout(r, 100));
    const id = (await queue.enqueue(ctx.db, 'confirm', {}))!;
    await until(async () => (await job(id)).state === 'done');
    expect(order).toEqual(['confirm']);
    release();
    await w.stop();
  });

  function spawnWorker(env: Record<string, string>): {
    child: ChildProcess;
    ran: number[];
    started: number[];
    ready: Promise<void>;
    stopped: Promise<number | null>;
  } {
    const child = fork(fixture, [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ran: number[] = [];
    const started: number[] = [];
    let markReady!: () => void;
    const ready = new Promise<void>((r) => (markReady = r));
    child.on('message', (m: { ran?: number[]; started?: number; ready?: string }) => {
      if (m.ran) ran.push(...m.ran);
      if (m.started !== undefined) started.push(m.started);
      if (m.ready) markReady();
    });
    const stopped = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, ran, started, ready, stopped };
  }

  const workerEnv = () => ({
    DATABASE_URL:
      ctx.dialect === 'sqlite' ? `sqlite:${(ctx.testDb.config as { file: string }).file}` : (ctx.testDb.config as { url: string }).url,
    LANTERN_SECRET: 'test-secret-0123456789abcdef0123456789abcdef',
    LANTERN_DATA_DIR: ctx.testDb.dataDir,
    // vitest exports Vite's BASE_URL=/ into the environment; the child must not inherit it.
    BASE_URL: 'http://127.0.0.1:3000',
  });

  test('two worker processes run 10,000 jobs, each exactly once', async () => {
    const total = 10_000;
    const a = spawnWorker(workerEnv());
    const b = spawnWorker(workerEnv());
    try {
      // Both workers are polling before the jobs appear, so neither gets a head start of its own start-up time.
      await Promise.all([a.ready, b.ready]);
      for (let i = 0; i < total; i += 500) {
        await queue.enqueueMany(
          ctx.db,
          Array.from({ length: Math.min(500, total - i) }, (_, k) => ({ name: 'recordRun', payload: { n: i + k } })),
        );
      }
      await until(async () => {
        const left = await ctx.db
          .selectFrom('jobs')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('name', '=', 'recordRun')
          .where('state', '!=', 'done')
          .executeTakeFirstOrThrow();
        return Number(left.n) === 0;
      }, 150_000);
    } finally {
      a.child.kill('SIGTERM');
      b.child.kill('SIGTERM');
      expect(await a.stopped).toBe(0);
      expect(await b.stopped).toBe(0);
    }
    const all = [...a.ran, ...b.ran];
    expect(all.length).toBe(total);
    expect(new Set(all).size).toBe(total);
    // Both processes did real work: the claim is shared, not won by one process. (How evenly depends on the
    // scheduler of a loaded 2-core machine, so the bound is loose.)
    expect(a.ran.length).toBeGreaterThan(total * 0.02);
    expect(b.ran.length).toBeGreaterThan(total * 0.02);
  }, 180_000);

  test('a job of a worker killed with SIGKILL is taken over by a running worker within the lease, not minutes later', async () => {
    const lease = { leaseMs: 1_500, heartbeatMs: 500 };
    const id = (await queue.enqueue(ctx.db, 'sleepThenRecord', { n: 1, ms: 120_000 }))!;
    const doomed = spawnWorker({
      ...workerEnv(),
      CONCURRENCY: '1',
      LEASE_MS: String(lease.leaseMs),
      HEARTBEAT_MS: String(lease.heartbeatMs),
    });
    const ran: number[] = [];
    const w = new Worker({
      db: ctx.db,
      queue,
      logger,
      pollMs: 20,
      lanes: { default: 1, bulk: 0 },
      ...lease,
      handlers: { sleepThenRecord: async (p: { n: number }) => void ran.push(p.n) },
    });
    let killedAt = 0;
    try {
      await until(() => doomed.started.length === 1, 30_000);
      w.start();
      // Twice the lease: the living process's heartbeat keeps its job.
      await new Promise((r) => setTimeout(r, 2 * lease.leaseMs));
      expect(ran).toEqual([]);
      expect((await job(id)).state).toBe('running');
      doomed.child.kill('SIGKILL');
      await doomed.stopped;
      killedAt = Date.now();
      await until(async () => (await job(id)).state === 'done', 60_000);
    } finally {
      doomed.child.kill('SIGKILL');
      await w.stop();
    }
    // Taken over once the lease ran out (at most a lease after the last heartbeat), plus a second to notice.
    expect(Date.now() - killedAt).toBeLessThan(lease.leaseMs + 2_500);
    expect(ran).toEqual([1]);
    expect((await job(id)).attempts).toBe(2);
  }, 90_000);

  test('SIGTERM stops claiming, finishes the jobs in flight, then exits cleanly', async () => {
    const ids = await queue.enqueueMany(
      ctx.db,
      Array.from({ length: 6 }, (_, n) => ({ name: 'sleepThenRecord', payload: { n, ms: 400 } })),
    );
    const w = spawnWorker({ ...workerEnv(), CONCURRENCY: '2' });
    await until(() => w.started.length >= 2);
    w.child.kill('SIGTERM');
    expect(await w.stopped).toBe(0);
    const rows = await ctx.db.selectFrom('jobs').select(['id', 'state']).where('id', 'in', ids).execute();
    const done = rows.filter((r) => r.state === 'done').map((r) => r.id);
    // Every job it started was finished and marked done; none was left running; the rest still wait.
    expect(w.ran.length).toBe(w.started.length);
    expect(done.length).toBe(w.started.length);
    expect(rows.filter((r) => r.state === 'running')).toEqual([]);
    expect(rows.filter((r) => r.state === 'queued').length).toBe(6 - done.length);
  }, 60_000);
});
