import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Core } from '../core/context.js';
import { getSiteSettings } from '../core/settings.js';
import { AppError } from '../core/web/errors.js';
import { formValues, parseForm } from '../core/web/forms.js';
import { refusedFields } from '../core/web/public-forms.js';
import { can, get, post, type RouteTable } from '../core/web/routes.js';
import { LIMITS, pausedMessage } from './routes.js';
import {
  addStaff,
  changeOwnPassword,
  ChangePasswordSchema,
  changeRole,
  CodeSchema,
  disableTwoFactor,
  DisableTwoFactorSchema,
  enableTwoFactor,
  getStaffMember,
  listAudit,
  listStaff,
  NewStaffSchema,
  resetStaffTwoFactor,
  RoleSchema,
  setStaffDisabled,
  twoFactorSetup,
} from './service.js';
import { AccountView, TwoFactorView } from './account-views.js';
import { AuditView } from './audit-views.js';
import { NewStaffView, StaffEditView, StaffListView } from './staff-views.js';

// Staff management and the audit log (owners), and each person's own account (every role).

export const adminRoutes: RouteTable = [
  get('/admin/staff', can('staff:manage'), showStaff),
  get('/admin/staff/new', can('staff:manage'), showNewStaff),
  post('/admin/staff', can('staff:manage'), addStaffMember),
  get('/admin/staff/:id', can('staff:manage'), showStaffMember),
  post('/admin/staff/:id/role', can('staff:manage'), changeStaffRole),
  post('/admin/staff/:id/disable', can('staff:manage'), disableStaffMember),
  post('/admin/staff/:id/enable', can('staff:manage'), enableStaffMember),
  post('/admin/staff/:id/2fa/reset', can('staff:manage'), resetStaffMemberTwoFactor),
  get('/admin/account', can('account:manage'), showAccount),
  post('/admin/account/password', can('account:manage'), changePassword, { config: { rateLimit: LIMITS.setsPassword } }),
  get('/admin/account/2fa', can('account:manage'), showTwoFactor, { config: { allowWithout2fa: true } }),
  post('/admin/account/2fa', can('account:manage'), turnOnTwoFactor, { config: { allowWithout2fa: true, rateLimit: LIMITS.setsPassword } }),
  post('/admin/account/2fa/disable', can('account:manage'), turnOffTwoFactor, { config: { rateLimit: LIMITS.setsPassword } }),
  get('/admin/audit', can('audit:view'), showAudit),
];

const IdParams = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
const PageQuery = z.object({ page: z.coerce.number().int().min(1).max(100_000).catch(1).default(1) });
const AUDIT_PAGE = 50;

const notFound = () => new AppError(404, 'not_found', 'There is nothing here.');

/** The staff member named in the path, or a 404. */
function staffIdOf(req: FastifyRequest): number {
  const params = IdParams.safeParse(req.params);
  if (!params.success) throw notFound();
  return params.data.id;
}

const NOTICES: Record<string, string> = {
  added: 'The staff member was added and an invitation is on its way to them.',
  role: 'The role was changed.',
  disabled: 'The account was disabled and signed out everywhere.',
  enabled: 'The account was enabled.',
  '2fa-off': 'Two-step sign-in was turned off for this account.',
  password: 'Your password was changed. Every other session was signed out.',
  '2fa-on': 'Two-step sign-in is on.',
  '2fa-disabled': 'Two-step sign-in is off.',
};

const noticeFor = (q: unknown) => NOTICES[formValues(q).done ?? ''];

interface PageState {
  errors?: Record<string, string>;
  notice?: string | undefined;
  /** The status of a page with errors: 422 unless given. */
  status?: number;
}

// ---- staff management (owners) ----

async function showStaff(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const [staff, site] = await Promise.all([listStaff(core), getSiteSettings(core.db)]);
  return reply.adminPage({ title: 'Staff', body: <StaffListView staff={staff} tz={site.timeZone} notice={noticeFor(req.query)} /> });
}

function newStaffPage(
  req: FastifyRequest,
  reply: FastifyReply,
  o: { values?: Record<string, string>; errors?: Record<string, string> } = {},
) {
  return reply.adminPage({
    title: 'Add a staff member',
    ...(o.errors ? { status: 422 } : {}),
    body: <NewStaffView csrf={req.csrfToken()} values={o.values} errors={o.errors} />,
  });
}

async function showNewStaff(req: FastifyRequest, reply: FastifyReply) {
  return newStaffPage(req, reply);
}

async function addStaffMember(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const form = parseForm(NewStaffSchema, req.body);
  if (!form.ok) return newStaffPage(req, reply, { values: form.values, errors: form.errors });
  try {
    await addStaff(core, req.viewer!.id, form.data);
  } catch (err) {
    return newStaffPage(req, reply, { values: formValues(req.body), errors: refusedFields(err) });
  }
  return reply.redirect('/admin/staff?done=added', 303);
}

async function staffPage(req: FastifyRequest, reply: FastifyReply, core: Core, id: number, o: PageState = {}) {
  const [member, site] = await Promise.all([getStaffMember(core, id), getSiteSettings(core.db)]);
  return reply.adminPage({
    title: member.name,
    status: o.errors ? 422 : 200,
    body: (
      <StaffEditView
        member={member}
        viewerId={req.viewer!.id}
        csrf={req.csrfToken()}
        tz={site.timeZone}
        errors={o.errors}
        notice={o.notice}
      />
    ),
  });
}

async function showStaffMember(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return staffPage(req, reply, core, staffIdOf(req), { notice: noticeFor(req.query) });
}

async function changeStaffRole(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = staffIdOf(req);
  const form = parseForm(RoleSchema, req.body);
  if (!form.ok) return staffPage(req, reply, core, id, { errors: form.errors });
  try {
    await changeRole(core, req.viewer!.id, id, form.data.role);
  } catch (err) {
    return staffPage(req, reply, core, id, { errors: refusedFields(err) });
  }
  return reply.redirect(`/admin/staff/${id}?done=role`, 303);
}

async function setDisabled(req: FastifyRequest, reply: FastifyReply, core: Core, disabled: boolean) {
  const id = staffIdOf(req);
  try {
    await setStaffDisabled(core, req.viewer!.id, id, disabled);
  } catch (err) {
    return staffPage(req, reply, core, id, { errors: refusedFields(err) });
  }
  return reply.redirect(`/admin/staff/${id}?done=${disabled ? 'disabled' : 'enabled'}`, 303);
}

async function disableStaffMember(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return setDisabled(req, reply, core, true);
}

async function enableStaffMember(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return setDisabled(req, reply, core, false);
}

async function resetStaffMemberTwoFactor(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = staffIdOf(req);
  await resetStaffTwoFactor(core, req.viewer!.id, id);
  return reply.redirect(`/admin/staff/${id}?done=2fa-off`, 303);
}

// ---- your account (every role) ----

async function accountPage(req: FastifyRequest, reply: FastifyReply, core: Core, o: PageState = {}) {
  const member = await getStaffMember(core, req.viewer!.id);
  return reply.adminPage({
    title: 'Your account',
    status: o.errors ? (o.status ?? 422) : 200,
    body: <AccountView member={member} csrf={req.csrfToken()} errors={o.errors} notice={o.notice} />,
  });
}

async function showAccount(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return accountPage(req, reply, core, { notice: noticeFor(req.query) });
}

async function changePassword(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const form = parseForm(ChangePasswordSchema, req.body);
  if (!form.ok) return accountPage(req, reply, core, { errors: form.errors });
  try {
    const r = await changeOwnPassword(core, req.staffSession!, { current: form.data.current, password: form.data.password, ip: req.ip });
    if (r.kind === 'throttled') return accountPage(req, reply, core, { errors: { current: pausedMessage(reply, r.retryAt) }, status: 429 });
  } catch (err) {
    return accountPage(req, reply, core, { errors: refusedFields(err) });
  }
  return reply.redirect('/admin/account?done=password', 303);
}

async function twoFactorPage(req: FastifyRequest, reply: FastifyReply, core: Core, errors?: Record<string, string>, status = 422) {
  const [setup, site] = await Promise.all([twoFactorSetup(core, req.viewer!.id), getSiteSettings(core.db)]);
  return reply.adminPage({
    title: 'Two-step sign-in',
    status: errors ? status : 200,
    body: <TwoFactorView setup={setup} csrf={req.csrfToken()} required={site.require2fa} errors={errors} />,
  });
}

async function showTwoFactor(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return twoFactorPage(req, reply, core);
}

async function turnOnTwoFactor(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const form = parseForm(CodeSchema, req.body);
  if (!form.ok) return twoFactorPage(req, reply, core, form.errors);
  try {
    await enableTwoFactor(core, req.viewer!.id, form.data.code);
  } catch (err) {
    return twoFactorPage(req, reply, core, refusedFields(err));
  }
  return reply.redirect('/admin/account?done=2fa-on', 303);
}

async function turnOffTwoFactor(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const form = parseForm(DisableTwoFactorSchema, req.body);
  if (!form.ok) return twoFactorPage(req, reply, core, form.errors);
  try {
    const r = await disableTwoFactor(core, req.viewer!.id, { ...form.data, ip: req.ip });
    if (r.kind === 'throttled') return twoFactorPage(req, reply, core, { _form: pausedMessage(reply, r.retryAt) }, 429);
  } catch (err) {
    return twoFactorPage(req, reply, core, refusedFields(err));
  }
  return reply.redirect('/admin/account?done=2fa-disabled', 303);
}

// ---- audit log (owners) ----

async function showAudit(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const { page } = PageQuery.parse(req.query ?? {});
  const [rows, site] = await Promise.all([
    listAudit(core, { limit: AUDIT_PAGE + 1, offset: (page - 1) * AUDIT_PAGE }),
    getSiteSettings(core.db),
  ]);
  return reply.adminPage({
    title: 'Audit log',
    body: <AuditView entries={rows.slice(0, AUDIT_PAGE)} page={page} more={rows.length > AUDIT_PAGE} tz={site.timeZone} />,
  });
}
