import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Core } from '../core/context.js';
import { getSiteSettings, SiteSettingsSchema } from '../core/settings.js';
import { AppError } from '../core/web/errors.js';
import { formValues } from '../core/web/forms.js';
import { can, get, post, type RouteTable } from '../core/web/routes.js';
import { dashboard, queueHealth, recentJobs, retryJob, updateSettings } from './service.js';
import { DashboardView, JobsView, MailListView, MailMessageView, SettingsView } from './views.js';

// The admin shell: the dashboard, the organisation's settings, the mail catcher and the background jobs.

export const adminRoutes: RouteTable = [
  get('/admin', can('dashboard:view'), showDashboard),
  get('/admin/settings', can('settings:manage'), showSettings),
  post('/admin/settings', can('settings:manage'), saveSettings),
  get('/admin/mail', can('mail:view'), showMail),
  get('/admin/mail/:id', can('mail:view'), showMailMessage),
  get('/admin/jobs', can('jobs:view'), showJobs),
  post('/admin/jobs/:id/retry', can('jobs:manage'), retryParkedJob),
];

const IdParams = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
const JobsQuery = z.object({ state: z.enum(['queued', 'running', 'done', 'parked']).optional() });
const PageQuery = z.object({ page: z.coerce.number().int().min(1).max(10_000).catch(1).default(1) });
const SettingsForm = SiteSettingsSchema.extend({
  require2fa: z.preprocess((v) => v === 'on', z.boolean()),
});

const notFound = () => new AppError(404, 'not_found', 'There is nothing here.');
const MAIL_PAGE = 50;

/** The id in the path, or a 404. */
function idOf(req: FastifyRequest): number {
  const params = IdParams.safeParse(req.params);
  if (!params.success) throw notFound();
  return params.data.id;
}

async function showDashboard(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const site = await getSiteSettings(core.db);
  const d = await dashboard(core, req.viewer!, site.timeZone);
  return reply.adminPage({ title: 'Dashboard', body: <DashboardView tz={site.timeZone} orgName={site.orgName} {...d} /> });
}

async function showSettings(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const site = await getSiteSettings(core.db);
  const saved = (req.query as Record<string, unknown>).saved === '1';
  return reply.adminPage({ title: 'Settings', body: <SettingsView csrf={req.csrfToken()} values={site} saved={saved} /> });
}

async function saveSettings(req: FastifyRequest, reply: FastifyReply, core: Core) {
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
}

async function showMail(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const { page } = PageQuery.parse(req.query ?? {});
  const site = await getSiteSettings(core.db);
  const rows = await core.mailer.recent(MAIL_PAGE + 1, (page - 1) * MAIL_PAGE);
  return reply.adminPage({
    title: 'Mail',
    body: (
      <MailListView
        mail={rows.slice(0, MAIL_PAGE)}
        more={rows.length > MAIL_PAGE}
        page={page}
        tz={site.timeZone}
        transport={core.mailer.transportKind}
      />
    ),
  });
}

async function showMailMessage(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const mail = await core.mailer.find(idOf(req));
  if (!mail) throw notFound();
  const site = await getSiteSettings(core.db);
  return reply.adminPage({ title: mail.subject, body: <MailMessageView mail={mail} tz={site.timeZone} /> });
}

async function showJobs(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const q = JobsQuery.safeParse(req.query ?? {});
  const state = q.success ? q.data.state : undefined;
  const site = await getSiteSettings(core.db);
  const [jobs, health] = await Promise.all([recentJobs(core.db, state), queueHealth(core.db)]);
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
}

async function retryParkedJob(req: FastifyRequest, reply: FastifyReply, core: Core) {
  await retryJob(core, req.viewer!.id, idOf(req));
  return reply.redirect('/admin/jobs?state=parked&retried=1', 303);
}
