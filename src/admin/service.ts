import type { Core } from '../core/context.js';
import type { Db } from '../core/db/index.js';
import type { JobState } from '../core/db/schema.js';
import { countJobsByState, listJobs, oldestQueuedAge, retryParkedJob } from '../core/jobs/queries.js';
import type { JobRecord } from '../core/jobs/queue.js';
import type { CaughtMail } from '../core/mail/mailer.js';
import { saveSiteSettings, type SiteSettings } from '../core/settings.js';
import { DomainError } from '../core/web/errors.js';
import { recordAudit } from '../core/audit.js';
import { listAudit, type AuditEntry } from '../staff/service.js';

/** How the job queue is doing, for the dashboard and the jobs page. */
export interface QueueHealth {
  counts: Array<{ lane: string; state: JobState; count: number }>;
  oldestDueSeconds: number;
}

/** How the job queue is doing: counts by lane and state, and how long the oldest due job has waited. */
export async function queueHealth(db: Db): Promise<QueueHealth> {
  const now = Date.now();
  const [counts, oldest] = await Promise.all([countJobsByState(db), oldestQueuedAge(db, now)]);
  return { counts, oldestDueSeconds: oldest / 1000 };
}

/** What the dashboard shows: the queue's health, and the latest audit entries and mail when the viewer may read them. */
export async function dashboard(
  core: Core,
  viewer: { can(permission: string): boolean },
): Promise<{ health: QueueHealth; audit: AuditEntry[] | null; mail: CaughtMail[] | null }> {
  const [health, audit, mail] = await Promise.all([
    queueHealth(core.db),
    viewer.can('audit:view') ? listAudit(core.db, core.keyring, { limit: 8 }) : Promise.resolve(null),
    viewer.can('mail:view') ? core.mailer.recent(6) : Promise.resolve(null),
  ]);
  return { health, audit, mail };
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
