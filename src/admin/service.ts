import type { AuditDescriber, AuditDescription } from '../core/audit.js';
import type { Core, DashboardCard, DashboardStep, NeedsAPerson, Permitted } from '../core/context.js';
import type { Db } from '../core/db/index.js';
import type { JobState } from '../core/db/schema.js';
import { countJobsByState, listJobs, oldestQueuedAge, retryParkedJob } from '../core/jobs/queries.js';
import type { JobRecord } from '../core/jobs/queue.js';
import { saveSiteSettings, type SiteSettings } from '../core/settings.js';
import { DomainError } from '../core/web/errors.js';
import { recordAudit } from '../core/audit.js';
import { listAudit, type AuditEntry } from '../staff/service.js';

/** How the job queue is doing, for the jobs page. */
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

/** What the dashboard shows: every capability's cards and what needs a person, and the latest staff activity in words. */
export interface Dashboard {
  cards: DashboardCard[];
  needs: NeedsAPerson[];
  /** The latest audit entries, when the viewer may read the audit log. */
  audit: AuditEntry[] | null;
}

/** The dashboard for this viewer, from every capability's dashboard hook (the admin shell knows none of their tables). */
export async function dashboard(core: Core, viewer: Permitted, timeZone: string): Promise<Dashboard> {
  const now = Date.now();
  const [parts, audit] = await Promise.all([
    Promise.all((core.dashboard ?? []).map((step) => step(viewer, { timeZone, now }))),
    viewer.can('audit:view') ? listAudit(core, { limit: 8 }) : Promise.resolve(null),
  ]);
  return {
    cards: parts.flatMap((p) => p.cards ?? []).sort((a, b) => a.order - b.order),
    needs: parts.flatMap((p) => p.needs ?? []),
    audit,
  };
}

/** The admin shell's part of the dashboard: failed background jobs, and mail that is not being sent. */
export function adminDashboard(core: Core): DashboardStep {
  return async (viewer) => {
    const needs: NeedsAPerson[] = [];
    if (viewer.can('jobs:view')) {
      const failed = (await countJobsByState(core.db)).filter((c) => c.state === 'parked').reduce((a, c) => a + c.count, 0);
      if (failed > 0)
        needs.push({
          label:
            failed === 1
              ? '1 background task failed and is waiting for a retry'
              : `${failed} background tasks failed and are waiting for a retry`,
          count: failed,
          href: '/admin/jobs?state=parked',
        });
    }
    if (viewer.can('mail:view') && core.mailer.transportKind === 'catcher')
      needs.push({
        label: 'Emails are not being sent: no mail server is set up',
        count: 1,
        href: '/admin/mail',
        detail: 'Until whoever runs the server sets one up (SMTP_URL), emails are kept in Mail instead',
      });
    return { needs };
  };
}

/** The admin shell's audit codes in words. */
export function describeAdminAudit(): AuditDescriber {
  return async (_db, entries) => {
    const out = new Map<number, AuditDescription>();
    for (const e of entries) {
      if (e.action === 'settings.update') out.set(e.id, { did: 'changed the organisation’s settings', href: '/admin/settings' });
      if (e.action === 'job.retry') out.set(e.id, { did: 'retried a failed background task', more: e.target ?? undefined });
    }
    return out;
  };
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
