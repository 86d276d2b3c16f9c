import { join } from 'node:path';
import type { Dialect } from '../src/core/db/index.js';
import type { JobsInput, JobsResult } from './children/jobs.js';
import { adminQuery, freshDatabase, PG_ADMIN_URL } from './lib/pg.js';
import { repoRoot } from './lib/lantern.js';
import { runChild, tempDir } from './lib/proc.js';
import type { Row } from './lib/report.js';
import { list, median } from './lib/stats.js';

// How enqueues are issued: PRODUCERS concurrent producers (as concurrent web requests would), each enqueuing one
// job at a time, each enqueue its own transaction (autocommit); the floor's producers do the same with raw inserts.
const PRODUCERS = 10;
const WARMUP_MS = 1000;
const ROUNDS = 5;
const ROUND_MS = 2000;
const GOAL_RATIO = 0.3;
const jobsScript = join(repoRoot, 'bench/children/jobs.ts');

/**
 * Jobs enqueued, claimed and completed per second through the real queue and Worker (no-op handler), against
 * the floor of raw single-row inserts into the same table with the same durability, on one dialect.
 */
export async function benchJobs(dialect: Dialect, log: (s: string) => void): Promise<Row[]> {
  const benchmark = `jobs (${dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'})`;
  const figure = 'enqueue + claim + complete';
  const goal = `≥ ${GOAL_RATIO}× floor`;
  if (dialect === 'postgres') {
    try {
      await adminQuery('select 1');
    } catch (err) {
      const why = `PostgreSQL at ${PG_ADMIN_URL} is unreachable (${err instanceof Error ? err.message : String(err)})`;
      log(`${benchmark}: ${why}: not measured`);
      return [{ benchmark, figure, value: null, unit: 'jobs/s', floor: null, ratio: null, goal, met: null, note: why }];
    }
  }
  log(
    `${benchmark}: ${PRODUCERS} producers; ${WARMUP_MS} ms warm-up of each, then ${ROUNDS} alternating rounds of ${ROUND_MS} ms (floor: raw inserts; queue: JobQueue + Worker)`,
  );
  const input: JobsInput = {
    floorDb: await freshDatabase(dialect, tempDir('jobs-floor')),
    queueDb: await freshDatabase(dialect, tempDir('jobs-queue')),
    producers: PRODUCERS,
    warmupMs: WARMUP_MS,
    rounds: ROUNDS,
    roundMs: ROUND_MS,
  };
  const r = await runChild<JobsInput, JobsResult>(jobsScript, input, 300_000);
  const ratios = r.queue.map((q, i) => q.perSec / r.floor[i]!.perSec);
  const ratio = median(ratios);
  const queue = median(r.queue.map((q) => q.perSec));
  const floor = median(r.floor.map((f) => f.perSec));
  log(`${benchmark}: queue ${Math.round(queue)} jobs/s, floor ${Math.round(floor)} rows/s`);
  return [
    {
      benchmark,
      figure,
      value: queue,
      unit: 'jobs/s',
      floor,
      ratio,
      goal,
      met: ratio >= GOAL_RATIO,
      note:
        `${PRODUCERS} producers, one job per autocommit transaction; median of ${ROUNDS} alternating rounds, ratio = median of per-round ratios (${list(ratios, 2)}); ` +
        `queue rounds ${list(r.queue.map((q) => q.perSec))} jobs/s counted to the last job done (enqueue alone ${list(r.queue.map((q) => q.enqueuePerSec))}/s; ` +
        `left when producers stopped ${list(r.queue.map((q) => q.backlogAtStop))}, drained in ${list(r.queue.map((q) => q.drainMs))} ms); floor rounds ${list(r.floor.map((f) => f.perSec))} rows/s; ` +
        `CPU of the benchmark process per job ${Math.round(median(r.queue.map((q) => q.cpuUsPerJob)))} µs (floor ${Math.round(median(r.floor.map((f) => f.cpuUsPerJob)))} µs per row)`,
    },
  ];
}
