import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Core } from '../../core/context.js';
import { getSiteSettings } from '../../core/settings.js';
import { AppError, DomainError } from '../../core/web/errors.js';
import { formValues } from '../../core/web/forms.js';
import { can, get, post, type RouteTable } from '../../core/web/routes.js';
import { decideSignOn, exportSignOns, signOnActionById, signOnsForStaff, STAFF_STATES } from './service.js';
import { moderationNotice, ModerationView } from './admin-views.js';

// The staff side of sign-ons: the moderation page (?status=&page=), approving (listed, audited, the contact is
// emailed) or rejecting (kept off the list, audited) one sign-on, and the CSV export (audited).

/** The staff routes of sign-ons. */
export const signOnAdminRoutes: RouteTable = [
  get('/admin/actions/:id/sign-ons', can('actions:moderate'), showModeration),
  post('/admin/actions/:id/sign-ons/:signOnId/approve', can('actions:moderate'), decide('approve')),
  post('/admin/actions/:id/sign-ons/:signOnId/reject', can('actions:moderate'), decide('reject')),
  post('/admin/actions/:id/sign-ons/export', can('supporters:export'), downloadSignOns),
];

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

async function actionOr404(core: Core, actionId: number) {
  const a = await signOnActionById(core.db, actionId);
  if (!a) throw notFound();
  return a;
}

async function moderationPage(req: FastifyRequest, reply: FastifyReply, core: Core, o: { error?: string; status?: number } = {}) {
  const { id: actionId } = parsed(ActionParams, req.params);
  const action = await actionOr404(core, actionId);
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
}

async function showModeration(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return moderationPage(req, reply, core);
}

/** The handler for one decision on a sign-on. */
function decide(decision: 'approve' | 'reject') {
  return async function decideFromForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
    const p = parsed(SignOnParams, req.params);
    try {
      await decideSignOn(core, req.viewer!.id, p.id, p.signOnId, decision);
    } catch (err) {
      if (err instanceof DomainError && err.code === 'conflict')
        return moderationPage(req, reply, core, { error: err.message, status: 409 });
      throw err;
    }
    // Back to the tab the sign-on was decided from: what is left to do is there.
    const from = PageQuery.parse(formValues(req.query)).status;
    return reply.redirect(`/admin/actions/${p.id}/sign-ons?status=${from}&done=${decision === 'approve' ? 'approved' : 'rejected'}`, 303);
  };
}

async function downloadSignOns(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const { id: actionId } = parsed(ActionParams, req.params);
  await actionOr404(core, actionId);
  const file = await exportSignOns(core, req.viewer!.id, actionId);
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${file.filename}"`)
    .send(file.csv);
}
