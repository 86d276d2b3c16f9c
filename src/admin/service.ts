import type { Core } from '../core/context.js';
import type { Db } from '../core/db/index.js';
import type { JobState } from '../core/db/schema.js';
import { countJobsByState, listJobs, oldestQueuedAge, retryParkedJob } from '../core/jobs/queries.js';
import type { JobRecord } from '../core/jobs/queue.js';
import { saveSiteSettings, type SiteSettings } from '../core/settings.js';
import { DomainError } from '../core/web/errors.js';
import { recordAudit } from '../core/audit.js';
import type { QueueHealth } from './views.js';

/** How the job queue is doing: counts by lane and state, and how long the oldest due job has waited. */
export async function queueHealth(db: Db): Promise<QueueHealth> {
  const now = Date.now();
  const [counts, oldest] = await Promise.all([countJobsByState(db), oldestQueuedAge(db, now)]);
  return { counts, oldestDueSeconds: oldest / 1000 };
}

/** The newest jobs, optionally in one state. */
export async function recentJobs(db: Db, state: JobState | undefined): Promise<JobRecord[]> {
  return listJobs(db, { limit: 100, ...(state ? { state } : {}) });
}

/** Queues a failed job to run again, recording who asked. */
export async function retryJob(core: Core, staffId: number, jobId: number): Promise<void> {
  await core.db.transaction().execute(async (trx) => {
    if (!(await retryParkedJob(trx, jobId, Date.now()))) throw new DomainError('not_found', 'That job is not waiting for a retry.');
    await recordAudit(trx, { staffId, action: 'job.retry', target: `job ${jobId}` });
  });
}

/** Saves the organisation settings, recording which fields changed. */
export async function updateSettings(core: Core, staffId: number, values: SiteSettings): Promise<void> {
  await core.db.transaction().execute(async (trx) => {
    await saveSiteSettings(trx, values);
    await recordAudit(trx, { staffId, action: 'settings.update', target: 'organisation settings' });
  });
}
