import { z } from 'zod';
import type { Capability } from '../core/context.js';
import { getSiteSettings, SiteSettingsSchema } from '../core/settings.js';
import { AppError } from '../core/web/errors.js';
import { formValues } from '../core/web/forms.js';
import { listAudit } from '../staff/service.js';
import { queueHealth, recentJobs, retryJob, updateSettings } from './service.js';
import { DashboardView, JobsView, MailListView, MailMessageView, SettingsView } from './views.js';

const IdParams = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
const JobsQuery = z.object({ state: z.enum(['queued', 'running', 'done', 'parked']).optional() });
const PageQuery = z.object({ page: z.coerce.number().int().min(1).max(10_000).catch(1).default(1) });
const SettingsForm = SiteSettingsSchema.extend({
  require2fa: z.preprocess((v) => v === 'on', z.boolean()),
});

const notFound = () => new AppError(404, 'not_found', 'There is nothing here.');
const MAIL_PAGE = 50;

/** The admin shell: dashboard, organisation settings, the mail catcher and the jobs view. */
export const adminCapability: Capability = {
  name: 'admin',
  adminNav: [
    { href: '/admin', label: 'Dashboard', permission: 'dashboard:view' },
    { href: '/admin/settings', label: 'Settings', permission: 'settings:manage' },
    { href: '/admin/mail', label: 'Mail', permission: 'mail:view' },
    { href: '/admin/jobs', label: 'Jobs', permission: 'jobs:view' },
  ],
  routes(app, core) {
    const { db, keyring, mailer } = core;

    app.get('/admin', { config: { permission: 'dashboard:view' } }, async (req, reply) => {
      const viewer = req.viewer!;
      const site = await getSiteSettings(db);
      const [health, audit, mail] = await Promise.all([
        queueHealth(db),
        viewer.can('audit:view') ? listAudit(db, keyring, { limit: 8 }) : Promise.resolve(null),
        viewer.can('mail:view') ? mailer.recent(6) : Promise.resolve(null),
      ]);
      return reply.adminPage({
        title: 'Dashboard',
        body: (
          <DashboardView
            tz={site.timeZone}
            health={health}
            audit={audit}
            mail={mail}
            mailTransport={mailer.transportKind}
            canSeeJobs={viewer.can('jobs:view')}
          />
        ),
      });
    });

    app.get('/admin/settings', { config: { permission: 'settings:manage' } }, async (req, reply) => {
      const site = await getSiteSettings(db);
      const saved = (req.query as Record<string, unknown>).saved === '1';
      return reply.adminPage({ title: 'Settings', body: <SettingsView csrf={req.csrfToken()} values={site} saved={saved} /> });
    });

    app.post('/admin/settings', { config: { permission: 'settings:manage' } }, async (req, reply) => {
      const parsed = SettingsForm.safeParse(req.body ?? {});
      if (!parsed.success) {
        const errors: Record<string, string> = {};
        for (const i of parsed.error.issues) errors[String(i.path[0] ?? '_form')] ??= i.message;
        const values = { ...formValues(req.body), require2fa: (req.body as Record<string, unknown> | undefined)?.require2fa === 'on' };
        return reply.adminPage({
          title: 'Settings',
          status: 422,
          body: <SettingsView csrf={req.csrfToken()} values={values} errors={errors} />,
        });
      }
      await updateSettings(core, req.viewer!.id, parsed.data);
      return reply.redirect('/admin/settings?saved=1', 303);
    });

    app.get('/admin/mail', { config: { permission: 'mail:view' } }, async (req, reply) => {
      const { page } = PageQuery.parse(req.query ?? {});
      const site = await getSiteSettings(db);
      const rows = await mailer.recent(MAIL_PAGE + 1, (page - 1) * MAIL_PAGE);
      return reply.adminPage({
        title: 'Mail',
        body: (
          <MailListView
            mail={rows.slice(0, MAIL_PAGE)}
            more={rows.length > MAIL_PAGE}
            page={page}
            tz={site.timeZone}
            transport={mailer.transportKind}
          />
        ),
      });
    });

    app.get('/admin/mail/:id', { config: { permission: 'mail:view' } }, async (req, reply) => {
      const params = IdParams.safeParse(req.params);
      if (!params.success) throw notFound();
      const mail = await mailer.find(params.data.id);
      if (!mail) throw notFound();
      const site = await getSiteSettings(db);
      return reply.adminPage({ title: mail.subject, body: <MailMessageView mail={mail} tz={site.timeZone} /> });
    });

    app.get('/admin/jobs', { config: { permission: 'jobs:view' } }, async (req, reply) => {
      const q = JobsQuery.safeParse(req.query ?? {});
      const state = q.success ? q.data.state : undefined;
      const site = await getSiteSettings(db);
      const [jobs, health] = await Promise.all([recentJobs(db, state), queueHealth(db)]);
      const retried = (req.query as Record<string, unknown>).retried === '1';
      return reply.adminPage({
        title: 'Jobs',
        body: (
          <JobsView
            jobs={jobs}
            state={state ?? 'all'}
            health={health}
            tz={site.timeZone}
            csrf={req.csrfToken()}
            canManage={req.viewer!.can('jobs:manage')}
            retried={retried}
          />
        ),
      });
    });

    app.post('/admin/jobs/:id/retry', { config: { permission: 'jobs:manage' } }, async (req, reply) => {
      const params = IdParams.safeParse(req.params);
      if (!params.success) throw notFound();
      await retryJob(core, req.viewer!.id, params.data.id);
      return reply.redirect('/admin/jobs?state=parked&retried=1', 303);
    });
  },
};
