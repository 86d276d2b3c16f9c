import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Core } from '../../core/context.js';
import { getSiteSettings } from '../../core/settings.js';
import { AppError, DomainError } from '../../core/web/errors.js';
import { formValues } from '../../core/web/forms.js';
import { decideSignOn, exportSignOns, signOnActionById, signOnsForStaff, STAFF_STATES } from './service.js';
import { moderationNotice, ModerationView } from './admin-views.js';

// The staff side of sign-ons. Route table, with the permission beside each route:
//   GET  /admin/actions/:id/sign-ons                        actions:moderate   the moderation page (?status=&page=)
//   POST /admin/actions/:id/sign-ons/:signOnId/approve      actions:moderate   list it (audited; the contact is emailed)
//   POST /admin/actions/:id/sign-ons/:signOnId/reject       actions:moderate   keep it off the list (audited)
//   POST /admin/actions/:id/sign-ons/export                 supporters:export  the CSV (audited)

const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const ActionParams = z.object({ id });
const SignOnParams = z.object({ id, signOnId: id });
const PageQuery = z.object({
  status: z.enum(STAFF_STATES).catch('pending').default('pending'),
  page: z.coerce.number().int().min(1).max(100_000).catch(1).default(1),
  done: z.string().max(40).optional().catch(undefined),
});
const PAGE_SIZE = 50;

const notFound = () => new AppError(404, 'not_found', 'There is nothing here.');

function parsed<T>(schema: z.ZodType<T>, v: unknown): T {
  const r = schema.safeParse(v);
  if (!r.success) throw notFound();
  return r.data;
}

/** Registers the staff routes of sign-ons. */
export async function registerSignOnAdminRoutes(app: FastifyInstance, core: Core): Promise<void> {
  const actionOr404 = async (actionId: number) => {
    const a = await signOnActionById(core.db, actionId);
    if (!a) throw notFound();
    return a;
  };

  const moderationPage = async (req: FastifyRequest, reply: FastifyReply, o: { error?: string; status?: number } = {}) => {
    const { id: actionId } = parsed(ActionParams, req.params);
    const action = await actionOr404(actionId);
    const q = PageQuery.parse(formValues(req.query));
    const [data, site] = await Promise.all([
      signOnsForStaff(core, actionId, q.status, { page: q.page, pageSize: PAGE_SIZE }),
      getSiteSettings(core.db),
    ]);
    return reply.adminPage({
      title: `Sign-ons: ${action.title}`,
      status: o.status ?? 200,
      body: (
        <ModerationView
          action={action}
          csrf={req.csrfToken()}
          tz={site.timeZone}
          status={q.status}
          items={data.items}
          counts={data.counts}
          page={q.page}
          more={data.more}
          canExport={req.viewer!.can('supporters:export')}
          notice={moderationNotice(q.done)}
          error={o.error}
        />
      ),
    });
  };

  app.get('/admin/actions/:id/sign-ons', { config: { permission: 'actions:moderate' } }, async (req, reply) => moderationPage(req, reply));

  for (const decision of ['approve', 'reject'] as const) {
    app.post(`/admin/actions/:id/sign-ons/:signOnId/${decision}`, { config: { permission: 'actions:moderate' } }, async (req, reply) => {
      const p = parsed(SignOnParams, req.params);
      try {
        await decideSignOn(core, req.viewer!.id, p.id, p.signOnId, decision);
      } catch (err) {
        if (err instanceof DomainError && err.code === 'conflict') return moderationPage(req, reply, { error: err.message, status: 409 });
        throw err;
      }
      // Back to the tab the sign-on was decided from: what is left to do is there.
      const from = PageQuery.parse(formValues(req.query)).status;
      return reply.redirect(`/admin/actions/${p.id}/sign-ons?status=${from}&done=${decision === 'approve' ? 'approved' : 'rejected'}`, 303);
    });
  }

  app.post('/admin/actions/:id/sign-ons/export', { config: { permission: 'supporters:export' } }, async (req, reply) => {
    const { id: actionId } = parsed(ActionParams, req.params);
    await actionOr404(actionId);
    const file = await exportSignOns(core, req.viewer!.id, actionId);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${file.filename}"`)
      .send(file.csv);
  });
}
