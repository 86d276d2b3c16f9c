// Jobs throughput on one dialect, in its own process. Two fresh databases: on one the real queue (JobQueue.enqueue
// from concurrent producers, the Worker claiming and completing with a no-op handler), on the other the floor (the
// same producers writing the same rows with raw single-row inserts). After a warm-up of each, the two run in
// alternating rounds, so a slow moment on a shared machine falls on both rather than on one.
import { DatabaseSync } from 'node:sqlite';
import { setImmediate } from 'node:timers/promises';
import pg from 'pg';
import type { DatabaseConfig } from '../../src/core/config.js';
import { createKeyring } from '../../src/core/crypto.js';
import { openDatabase, type Db } from '../../src/core/db/index.js';
import { migrateToLatest } from '../../src/core/db/migrate.js';
import { countJobsByState } from '../../src/core/jobs/queries.js';
import { JobQueue } from '../../src/core/jobs/queue.js';
import { Worker } from '../../src/core/jobs/worker.js';
import { createLogger } from '../../src/core/log.js';
import { serveChild } from '../lib/child.js';
import { sleep } from '../lib/proc.js';

export interface JobsInput {
  floorDb: DatabaseConfig;
  queueDb: DatabaseConfig;
  producers: number;
  warmupMs: number;
  rounds: number;
  roundMs: number;
}

export interface QueueRound {
  /** Jobs enqueued, claimed and completed. */
  jobs: number;
  /** From the first enqueue to the last job marked done. */
  elapsedMs: number;
  perSec: number;
  /** Enqueues per second while the producers ran. */
  enqueuePerSec: number;
  /** Jobs not yet completed when the producers stopped, and how long the worker took to finish them. */
  backlogAtStop: number;
  drainMs: number;
  /** CPU time this process (producers and worker) spent per job, in µs. */
  cpuUsPerJob: number;
}

export interface FloorRound {
  rows: number;
  elapsedMs: number;
  perSec: number;
  /** CPU time this process spent per row, in µs. */
  cpuUsPerJob: number;
}

export interface JobsResult {
  floor: FloorRound[];
  queue: QueueRound[];
}

const SECRET = 'bench-secret-0123456789abcdef0123456789abcdef';
const JOB = 'sendBenchNothing';
const POOL_SIZE = 10; // Lantern's default (openDatabase)
const payload = (n: number) => ({ template: 'signatureConfirmation', supporterId: n, actionId: 42 });

/**
 * P producers, each making one write at a time until the deadline; returns how many writes they made.
 * Between writes a producer yields to the event loop, as one web request ends and the next arrives: without
 * that, synchronous SQLite writes would chain as microtasks and starve everything else in the process.
 */
async function produce(producers: number, until: number, write: (n: number) => Promise<unknown>): Promise<number> {
  let n = 0;
  await Promise.all(
    Array.from({ length: producers }, async () => {
      while (performance.now() < until) {
        await write(n++);
        await setImmediate();
      }
    }),
  );
  return n;
}

async function queueRound(db: Db, queue: JobQueue, producers: number, ms: number): Promise<QueueRound> {
  const worker = new Worker({ db, queue, handlers: { [JOB]: async () => {} }, logger: createLogger('silent') });
  const cpu = process.cpuUsage();
  const start = performance.now();
  worker.start();
  const jobs = await produce(producers, start + ms, (n) => queue.enqueue(db, JOB, payload(n)));
  const producedAt = performance.now();
  const backlogAtStop = jobs - worker.completed - worker.failed;
  while (worker.completed + worker.failed < jobs) {
    if (performance.now() > producedAt + 120_000) throw new Error(`the worker finished ${worker.completed} of ${jobs} jobs in 120 s`);
    await sleep(1);
  }
  // stop() resolves once every running job is finished and recorded.
  await worker.stop();
  const end = performance.now();
  const used = process.cpuUsage(cpu);
  if (worker.failed > 0) throw new Error(`${worker.failed} jobs failed`);
  return {
    jobs,
    elapsedMs: end - start,
    perSec: jobs / ((end - start) / 1000),
    enqueuePerSec: jobs / ((producedAt - start) / 1000),
    backlogAtStop,
    drainMs: end - producedAt,
    cpuUsPerJob: (used.user + used.system) / jobs,
  };
}

const COLUMNS = [
  'queue',
  'name',
  'payload',
  'state',
  'priority',
  'run_at',
  'attempts',
  'max_attempts',
  'unique_key',
  'created_at',
  'updated_at',
];

/** The row JobQueue.enqueue writes, with a payload of the same (encrypted) size. */
function floorRow(cipher: string): Array<string | number | null> {
  const now = Date.now();
  return ['default', JOB, cipher, 'queued', 0, now, 0, 8, null, now, now];
}

/** Raw single-row inserts into the jobs table, each its own transaction, with Lantern's durability settings. */
function floorWriter(database: DatabaseConfig): { write: () => Promise<unknown>; close: () => Promise<void> } {
  const cipher = createKeyring(SECRET).encrypt(JSON.stringify(payload(123456)));
  const sql = (placeholders: string[]) => `insert into jobs (${COLUMNS.join(', ')}) values (${placeholders.join(', ')})`;
  if (database.dialect === 'sqlite') {
    // As Lantern's connection: WAL, synchronous=FULL (every commit is fsynced).
    const raw = new DatabaseSync(database.file, { timeout: 5000 });
    raw.exec('PRAGMA journal_mode = WAL');
    raw.exec('PRAGMA synchronous = FULL');
    const insert = raw.prepare(sql(COLUMNS.map(() => '?')));
    return { write: async () => insert.run(...floorRow(cipher)), close: async () => raw.close() };
  }
  // As Lantern's pool; autocommit inserts, with the server's synchronous_commit (on by default).
  const pool = new pg.Pool({ connectionString: database.url, max: POOL_SIZE });
  const text = sql(COLUMNS.map((_, i) => `$${i + 1}`));
  return { write: () => pool.query(text, floorRow(cipher)), close: () => pool.end() };
}

async function floorRound(write: () => Promise<unknown>, producers: number, ms: number): Promise<FloorRound> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const rows = await produce(producers, start + ms, write);
  const elapsedMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { rows, elapsedMs, perSec: rows / (elapsedMs / 1000), cpuUsPerJob: (used.user + used.system) / rows };
}

serveChild<JobsInput, JobsResult>(async (o) => {
  // Both schemas come from the real migrations.
  for (const config of [o.floorDb, o.queueDb]) {
    const db = openDatabase(config);
    await migrateToLatest(db);
    await db.destroy();
  }
  const floor = floorWriter(o.floorDb);
  const db = openDatabase(o.queueDb, { poolSize: POOL_SIZE });
  try {
    const queue = new JobQueue(createKeyring(SECRET));
    await floorRound(floor.write, o.producers, o.warmupMs);
    const warm = await queueRound(db, queue, o.producers, o.warmupMs);
    const result: JobsResult = { floor: [], queue: [] };
    for (let i = 0; i < o.rounds; i++) {
      result.floor.push(await floorRound(floor.write, o.producers, o.roundMs));
      result.queue.push(await queueRound(db, queue, o.producers, o.roundMs));
    }
    // Every job enqueued must have been completed, once.
    const enqueued = warm.jobs + result.queue.reduce((s, r) => s + r.jobs, 0);
    const counts = await countJobsByState(db);
    const done = counts.filter((c) => c.state === 'done').reduce((s, c) => s + c.count, 0);
    if (done !== enqueued || counts.some((c) => c.state !== 'done' && c.count > 0)) {
      throw new Error(`expected ${enqueued} jobs done and none left, found ${JSON.stringify(counts)}`);
    }
    return result;
  } finally {
    await db.destroy();
    await floor.close();
  }
});
