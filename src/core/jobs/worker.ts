import { randomBytes } from 'node:crypto';
import type { Db } from '../db/index.js';
import { redact, type Logger } from '../log.js';
import { claimDueJobs, extendLeases, markJobsDone, parkJob, recoverExpiredJobs, rescheduleJob, type ClaimedJob } from './queries.js';
import { onEnqueued, type JobQueue, type Lane } from './queue.js';

export interface JobContext {
  jobId: number;
  /** 1 on the first run. */
  attempt: number;
  maxAttempts: number;
}

// Handlers receive the payload as stored; each validates its own (payloads outlive deployments).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JobHandler = (payload: any, ctx: JobContext) => Promise<void>;

/** Thrown by a handler when retrying cannot help (bad address, deleted record): the job is parked at once. */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

export interface RecurringJob {
  name: string;
  everyMs: number;
  lane?: Lane;
}

export interface WorkerOptions {
  db: Db;
  queue: JobQueue;
  handlers: Readonly<Record<string, JobHandler>>;
  logger: Logger;
  /** Concurrent jobs per lane; a lane set to 0 is not worked here. */
  lanes?: Partial<Record<Lane, number>>;
  recurring?: readonly RecurringJob[];
  pollMs?: number;
  /**
   * How long a claimed job stays this worker's without a heartbeat (default 30 s). A worker that dies stops renewing,
   * so another worker takes its jobs over at most this long after its last heartbeat.
   */
  leaseMs?: number;
  /** How often the leases of running jobs are renewed to now + leaseMs (default a third of the lease). */
  heartbeatMs?: number;
  /** The first retry's delay, doubled for each later one (default RETRY_BASE_MS); tests of faults shorten it. */
  retryBaseMs?: number;
}

/** The default lease: a dead worker's jobs are taken over within 30 s, while a live one renews every 10 s. */
export const DEFAULT_LEASE_MS = 30_000;

/** The delay before a failed job's first retry. */
export const RETRY_BASE_MS = 5_000;

/** Delay before attempt n+1: 5 s (or the base given) doubling each time, capped at an hour, with ±20% jitter. */
export function backoffMs(attempt: number, baseMs: number = RETRY_BASE_MS): number {
  const base = Math.min(3_600_000, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/** Runs queued jobs until stopped: claims in batches per lane, retries with backoff, parks permanent failures. */
export class Worker {
  readonly id = `w-${process.pid}-${randomBytes(4).toString('hex')}`;
  private stopping = false;
  private readonly inflight = new Map<number, Promise<void>>();
  private readonly inflightByLane = new Map<Lane, number>();
  private wakers = new Set<() => void>();
  private loops: Promise<void>[] = [];
  private timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | undefined;
  private enqueueWake: NodeJS.Timeout | undefined;
  private lastEnqueueAt = 0;
  private readonly pollMs: number;
  /** Finished jobs waiting to be marked done, and the flush now writing (group commit). */
  private doneBatch: Array<{ id: number; resolve: () => void; reject: (e: unknown) => void }> = [];
  private flushing: Promise<void> | undefined;
  private readonly leaseMs: number;
  private readonly heartbeatMs: number;
  private readonly retryBaseMs: number;
  private heartbeat: NodeJS.Timeout | undefined;
  /** When each lane's loop next looks for jobs whose lease expired (a dead worker's), to take them over. */
  private readonly nextTakeover = new Map<Lane, number>();
  /** Jobs finished by this worker since start (for tests and metrics). */
  completed = 0;
  failed = 0;

  constructor(private readonly o: WorkerOptions) {
    this.pollMs = o.pollMs ?? 500;
    this.leaseMs = o.leaseMs ?? DEFAULT_LEASE_MS;
    this.heartbeatMs = o.heartbeatMs ?? this.leaseMs / 3;
    this.retryBaseMs = o.retryBaseMs ?? RETRY_BASE_MS;
  }

  /** Starts the lane loops (which also take over dead workers' jobs), the lease heartbeat and the recurring schedule. */
  start(): void {
    const lanes = { default: 4, bulk: 2, ...this.o.lanes };
    for (const [lane, concurrency] of Object.entries(lanes) as Array<[Lane, number]>) {
      if (concurrency > 0) this.loops.push(this.loop(lane, concurrency));
    }
    // Wake the loops 5 ms after an enqueue (time for the enqueuing transaction to commit), with one timer for a
    // burst of enqueues so that its jobs are claimed together rather than one claim per job.
    this.unsubscribe = onEnqueued(() => {
      this.lastEnqueueAt = Date.now();
      this.enqueueWake ??= setTimeout(this.wakeAfterEnqueue, 5);
    });
    // The heartbeat runs while any job is in flight, stop() included: a job finishing during a graceful stop keeps
    // its lease. A job leaves `inflight` once its outcome is written, and its lease is no longer renewed.
    this.heartbeat = setInterval(() => {
      const ids = [...this.inflight.keys()];
      if (ids.length === 0) return;
      extendLeases(this.o.db, ids, this.id, Date.now() + this.leaseMs).catch((err: unknown) =>
        this.o.logger.error({ err: redact(String(err)) }, 'could not renew the leases of running jobs'),
      );
    }, this.heartbeatMs);
    this.heartbeat.unref();
    if (this.o.recurring?.length) this.every(15_000, () => this.enqueueRecurring(), true);
  }

  /** Stops claiming, waits for running jobs to finish, then resolves. The caller closes the database after. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    for (const t of this.timers) clearInterval(t);
    clearTimeout(this.enqueueWake);
    this.wake();
    await Promise.all(this.loops);
    await Promise.allSettled([...this.inflight.values()]);
    clearInterval(this.heartbeat);
  }

  /** Enqueues each recurring job once per period, whichever worker gets there first (unique key per slot). */
  async enqueueRecurring(now = Date.now()): Promise<void> {
    for (const r of this.o.recurring ?? []) {
      const slot = Math.floor(now / r.everyMs);
      await this.o.queue.enqueue(
        this.o.db,
        r.name,
        {},
        { lane: r.lane ?? 'default', uniqueKey: `recurring:${r.name}:${slot}`, maxAttempts: 3 },
      );
    }
  }

  private every(ms: number, fn: () => Promise<unknown>, runNow = false): void {
    const tick = () => {
      if (this.stopping) return;
      fn().catch((err: unknown) => this.o.logger.error({ err: redact(String(err)) }, 'worker housekeeping failed'));
    };
    if (runNow) tick();
    const t = setInterval(tick, ms);
    t.unref();
    this.timers.push(t);
  }

  private readonly wakeAfterEnqueue = (): void => {
    this.enqueueWake = undefined;
    this.wake();
    // Jobs enqueued after this timer was set get their own 5 ms.
    const wait = this.lastEnqueueAt + 5 - Date.now();
    if (wait > 0 && !this.stopping) this.enqueueWake = setTimeout(this.wakeAfterEnqueue, wait);
  };

  private wake(): void {
    const ws = this.wakers;
    this.wakers = new Set();
    for (const w of ws) w();
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.wakers.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  private async loop(lane: Lane, concurrency: number): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      const free = concurrency - (this.inflightByLane.get(lane) ?? 0);
      if (free <= 0) {
        await this.idle(this.pollMs);
        continue;
      }
      let claimed: ClaimedJob[] = [];
      try {
        await this.takeOverExpired(lane);
        claimed = await claimDueJobs(this.o.db, { lane, limit: free, workerId: this.id, leaseMs: this.leaseMs, now: Date.now() });
        failures = 0;
      } catch (err) {
        if (this.stopping) break;
        // The database is unreachable or locked: log once per streak, and back off up to 10 s.
        if (failures++ === 0) this.o.logger.error({ err: redact(String(err)), lane }, 'could not claim jobs; retrying with backoff');
        await this.idle(Math.min(10_000, this.pollMs * 2 ** failures));
        continue;
      }
      for (const job of claimed) this.launch(lane, concurrency, job);
      if (claimed.length < free) await this.idle(this.pollMs);
    }
  }

  /**
   * Returns this lane's jobs whose lease expired (their worker died, or stalled for longer than the lease) to the
   * queue for the claim that follows, at most once a second per lane: a cheap read of the few running jobs when
   * nothing expired.
   */
  private async takeOverExpired(lane: Lane): Promise<void> {
    const now = Date.now();
    if (now < (this.nextTakeover.get(lane) ?? 0)) return;
    this.nextTakeover.set(lane, now + Math.min(1000, this.heartbeatMs));
    const n = await recoverExpiredJobs(this.o.db, now, { lane });
    if (n > 0) this.o.logger.warn({ jobs: n, lane }, 'took over jobs from a worker that stopped renewing their lease');
  }

  private launch(lane: Lane, concurrency: number, job: ClaimedJob): void {
    this.inflightByLane.set(lane, (this.inflightByLane.get(lane) ?? 0) + 1);
    let released = false;
    // The lane's slot is held while the handler runs, not while its outcome is written, so the next claim can
    // overlap that write. The job stays in flight (stop() waits for it) until the outcome is recorded.
    const release = () => {
      if (released) return;
      released = true;
      const running = this.inflightByLane.get(lane) ?? 1;
      this.inflightByLane.set(lane, running - 1);
      // Only a full lane's loop waits for a free slot; one with free slots is waiting for work, which a finished
      // job does not bring (waking it anyway cost an empty claim per job).
      if (running >= concurrency) this.wake();
    };
    const p = this.run(job, release).finally(() => {
      release();
      this.inflight.delete(job.id);
    });
    this.inflight.set(job.id, p);
  }

  /**
   * Marks a job done, sharing one UPDATE (one commit, one fsync on SQLite) with every other job that finished
   * while the previous batch was being written. Resolves once this job's row is committed.
   */
  private markDone(id: number): Promise<void> {
    const p = new Promise<void>((resolve, reject) => this.doneBatch.push({ id, resolve, reject }));
    this.flushing ??= (async () => {
      while (this.doneBatch.length) {
        const batch = this.doneBatch.splice(0, 500);
        try {
          await markJobsDone(
            this.o.db,
            batch.map((b) => b.id),
            this.id,
            Date.now(),
          );
          for (const b of batch) b.resolve();
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
      this.flushing = undefined;
    })();
    return p;
  }

  /** Runs a job's handler, calls `handled` as soon as the handler has finished, then records the outcome. */
  private async run(job: ClaimedJob, handled: () => void): Promise<void> {
    const { db, logger } = this.o;
    const handler = this.o.handlers[job.name];
    try {
      if (!handler) throw new PermanentJobError(`no handler is registered for job "${job.name}"`);
      const payload = this.o.queue.decodePayload(job.payload);
      await handler(payload, { jobId: job.id, attempt: job.attempts, maxAttempts: job.maxAttempts });
    } catch (err) {
      handled();
      this.failed++;
      const message = redact(err instanceof Error ? err.message : String(err));
      const permanent = err instanceof PermanentJobError || job.attempts >= job.maxAttempts;
      try {
        if (permanent) await parkJob(db, job.id, this.id, { error: message, now: Date.now() });
        else
          await rescheduleJob(db, job.id, this.id, {
            runAt: Date.now() + backoffMs(job.attempts, this.retryBaseMs),
            error: message,
            now: Date.now(),
          });
      } catch (dbErr) {
        logger.error(
          { job: job.id, err: redact(String(dbErr)) },
          'could not record job failure; its lease will expire and it will run again',
        );
      }
      logger.warn({ job: job.id, name: job.name, attempt: job.attempts, parked: permanent, err: message }, 'job failed');
      return;
    }
    handled();
    this.completed++;
    try {
      await this.markDone(job.id);
    } catch (dbErr) {
      logger.error({ job: job.id, err: redact(String(dbErr)) }, 'could not mark job done; its lease will expire and it will run again');
    }
  }
}
