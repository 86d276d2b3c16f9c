import { sql } from 'kysely';
import { byDialect, type Db, type DbOrTrx } from '../db/index.js';
import type { JobState } from '../db/schema.js';
import type { JobRecord, Lane } from './queue.js';

export interface ClaimedJob {
  id: number;
  name: string;
  payload: string;
  attempts: number;
  maxAttempts: number;
}

/** Claims up to `limit` due jobs of a lane for this worker: FOR UPDATE SKIP LOCKED on PostgreSQL, the single writer on SQLite. */
export async function claimDueJobs(
  db: Db,
  o: { lane: Lane; limit: number; workerId: string; leaseMs: number; now: number },
): Promise<ClaimedJob[]> {
  const due = db
    .selectFrom('jobs')
    .select('id')
    .where('state', '=', 'queued')
    .where('queue', '=', o.lane)
    .where('run_at', '<=', o.now)
    .orderBy('priority', 'desc')
    .orderBy('run_at')
    .orderBy('id')
    .limit(o.limit);
  const lockedDue = byDialect(db, { sqlite: () => due, postgres: () => due.forUpdate().skipLocked() });
  const rows = await db
    .updateTable('jobs')
    .set({
      state: 'running',
      locked_by: o.workerId,
      locked_until: o.now + o.leaseMs,
      attempts: sql`attempts + 1`,
      updated_at: o.now,
    })
    .where('id', 'in', lockedDue)
    .where('state', '=', 'queued')
    .returning(['id', 'name', 'payload', 'attempts', 'max_attempts'])
    .execute();
  return rows
    .map((r) => ({ id: r.id, name: r.name, payload: r.payload, attempts: r.attempts, maxAttempts: r.max_attempts }))
    .sort((a, b) => a.id - b.id);
}

/** Marks jobs this worker holds as done, in one statement. */
export async function markJobsDone(db: DbOrTrx, ids: readonly number[], workerId: string, now: number): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('jobs')
    .set({ state: 'done', finished_at: now, updated_at: now, locked_by: null, locked_until: null, last_error: null })
    .where('id', 'in', ids)
    .where('locked_by', '=', workerId)
    .execute();
}

/** Puts a failed job back in the queue for a later attempt. */
export async function rescheduleJob(db: Db, id: number, workerId: string, o: { runAt: number; error: string; now: number }): Promise<void> {
  await db
    .updateTable('jobs')
    .set({ state: 'queued', run_at: o.runAt, last_error: o.error, updated_at: o.now, locked_by: null, locked_until: null })
    .where('id', '=', id)
    .where('locked_by', '=', workerId)
    .execute();
}

/** Parks a job that failed permanently, for staff to look at and retry. */
export async function parkJob(db: Db, id: number, workerId: string, o: { error: string; now: number }): Promise<void> {
  await db
    .updateTable('jobs')
    .set({ state: 'parked', last_error: o.error, updated_at: o.now, finished_at: o.now, locked_by: null, locked_until: null })
    .where('id', '=', id)
    .where('locked_by', '=', workerId)
    .execute();
}

/** Extends the lease on jobs a live worker is still running. */
export async function extendLeases(db: Db, ids: number[], workerId: string, lockedUntil: number): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('jobs').set({ locked_until: lockedUntil }).where('id', 'in', ids).where('locked_by', '=', workerId).execute();
}

/**
 * Returns jobs whose worker died (lease expired) to the queue, or parks them when out of attempts, in one lane or all;
 * returns how many. Running jobs are few, so the first read is cheap, and usually the only statement.
 */
export async function recoverExpiredJobs(db: Db, now: number, o: { lane?: Lane } = {}): Promise<number> {
  const lane = o.lane;
  const any = await db
    .selectFrom('jobs')
    .select('id')
    .where('state', '=', 'running')
    .where('locked_until', '<', now)
    .$if(lane !== undefined, (q) => q.where('queue', '=', lane!))
    .limit(1)
    .executeTakeFirst();
  if (!any) return 0;
  const parked = await db
    .updateTable('jobs')
    .set({
      state: 'parked',
      last_error: 'worker stopped while running the job (lease expired)',
      finished_at: now,
      updated_at: now,
      locked_by: null,
      locked_until: null,
    })
    .where('state', '=', 'running')
    .where('locked_until', '<', now)
    .where(sql<boolean>`attempts >= max_attempts`)
    .$if(lane !== undefined, (q) => q.where('queue', '=', lane!))
    .executeTakeFirst();
  const requeued = await db
    .updateTable('jobs')
    .set({ state: 'queued', run_at: now, updated_at: now, locked_by: null, locked_until: null })
    .where('state', '=', 'running')
    .where('locked_until', '<', now)
    .$if(lane !== undefined, (q) => q.where('queue', '=', lane!))
    .executeTakeFirst();
  return Number(parked.numUpdatedRows) + Number(requeued.numUpdatedRows);
}

/** Staff retry of a parked job: queued again now with a fresh attempt count; false if it was not parked. */
export async function retryParkedJob(db: DbOrTrx, id: number, now: number): Promise<boolean> {
  const r = await db
    .updateTable('jobs')
    .set({ state: 'queued', run_at: now, attempts: 0, finished_at: null, updated_at: now })
    .where('id', '=', id)
    .where('state', '=', 'parked')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Deletes finished jobs older than the cutoff; returns how many. */
export async function deleteFinishedJobsBefore(db: Db, cutoff: number): Promise<number> {
  const r = await db.deleteFrom('jobs').where('state', '=', 'done').where('finished_at', '<', cutoff).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Counts jobs by lane and state, for the dashboard and metrics. */
export async function countJobsByState(db: Db): Promise<Array<{ lane: string; state: JobState; count: number }>> {
  const rows = await db
    .selectFrom('jobs')
    .select(['queue', 'state', (eb) => eb.fn.countAll<number>().as('count')])
    .groupBy(['queue', 'state'])
    .execute();
  return rows.map((r) => ({ lane: r.queue, state: r.state, count: Number(r.count) }));
}

/** The oldest due, unclaimed job's age in ms (0 when none): how far behind the workers are. */
export async function oldestQueuedAge(db: Db, now: number): Promise<number> {
  const r = await db
    .selectFrom('jobs')
    .select((eb) => eb.fn.min('run_at').as('oldest'))
    .where('state', '=', 'queued')
    .where('run_at', '<=', now)
    .executeTakeFirst();
  const oldest = r?.oldest == null ? null : Number(r.oldest);
  return oldest === null ? 0 : now - oldest;
}

function toRecord(r: {
  id: number;
  queue: string;
  name: string;
  state: JobState;
  attempts: number;
  max_attempts: number;
  run_at: number;
  last_error: string | null;
  created_at: number;
  finished_at: number | null;
}): JobRecord {
  return {
    id: r.id,
    lane: r.queue as Lane,
    name: r.name,
    state: r.state,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    runAt: r.run_at,
    lastError: r.last_error,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  };
}

/** Lists jobs in a state, newest first. */
export async function listJobs(db: Db, o: { state?: JobState; limit: number }): Promise<JobRecord[]> {
  let q = db
    .selectFrom('jobs')
    .select(['id', 'queue', 'name', 'state', 'attempts', 'max_attempts', 'run_at', 'last_error', 'created_at', 'finished_at'])
    .orderBy('id', 'desc')
    .limit(o.limit);
  if (o.state) q = q.where('state', '=', o.state);
  return (await q.execute()).map(toRecord);
}
