import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Capability, Core } from '../core/context.js';
import { redact } from '../core/log.js';
import { getSiteSettings } from '../core/settings.js';
import { AppError, DomainError } from '../core/web/errors.js';
import { formValues, parseForm } from '../core/web/forms.js';
import { registerStaffGuard, safeNext, SESSION_COOKIE, sessionCookieOptions } from './guard.js';
import {
  addStaff,
  changeOwnPassword,
  ChangePasswordSchema,
  changeRole,
  CodeSchema,
  completeSetup,
  completeTwoFactorSignIn,
  deleteExpiredSignInRecords,
  disableTwoFactor,
  DisableTwoFactorSchema,
  enableTwoFactor,
  ForgotSchema,
  getStaffMember,
  listAudit,
  listStaff,
  LoginSchema,
  NewPasswordSchema,
  NewStaffSchema,
  requestPasswordReset,
  resetLinkKind,
  resetPassword,
  resetStaffTwoFactor,
  RoleSchema,
  setStaffDisabled,
  SetupSchema,
  setupLinkProblem,
  signIn,
  signOut,
  twoFactorSetup,
  type SignInResult,
} from './service.js';
import {
  AccountView,
  AuditView,
  ForgotSentView,
  ForgotView,
  LoginView,
  NewStaffView,
  ResetView,
  SetupView,
  StaffEditView,
  StaffListView,
  TwoFactorChallengeView,
  TwoFactorView,
} from './views.js';

const TokenParams = z.object({ token: z.string().max(200) });
const IdParams = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
const PageQuery = z.object({ page: z.coerce.number().int().min(1).max(100_000).catch(1).default(1) });
const AUDIT_PAGE = 50;

const notFound = () => new AppError(404, 'not_found', 'There is nothing here.');

/** Fields of the query string, as strings (anything else is ignored). */
function query(q: unknown): Record<string, string> {
  return formValues(q);
}

/** The field messages of a rule the service refused, to show on the form; anything else is rethrown. */
function refusedFields(err: unknown): Record<string, string> {
  if (err instanceof DomainError && err.code === 'invalid')
    return Object.keys(err.fields).length ? { ...err.fields } : { _form: err.message };
  throw err;
}

function tooManyAttempts(retryAt: number): AppError {
  const minutes = Math.max(1, Math.ceil((retryAt - Date.now()) / 60_000));
  return new AppError(
    429,
    'rate_limited',
    `Too many failed sign-in attempts. For your security, signing in is paused: try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
  );
}

function setSession(reply: FastifyReply, core: Core, token: string): void {
  reply.setCookie(SESSION_COOKIE, token, sessionCookieOptions(core));
}

const NOTICES: Record<string, string> = {
  signedout: 'You have signed out.',
  reset: 'Your password has been saved. Sign in with it now.',
  added: 'The staff member was added and an invitation is on its way to them.',
  role: 'The role was changed.',
  disabled: 'The account was disabled and signed out everywhere.',
  enabled: 'The account was enabled.',
  '2fa-off': 'Two-step sign-in was turned off for this account.',
  password: 'Your password was changed. Every other session was signed out.',
  '2fa-on': 'Two-step sign-in is on.',
  '2fa-disabled': 'Two-step sign-in is off.',
};

const noticeFor = (q: unknown) => NOTICES[query(q).done ?? ''];

/** Limits per client address on the forms that check passwords or send mail (the database throttle is the backstop). */
const LIMITS = {
  signIn: { max: 30, timeWindow: '1 minute' },
  sendsMail: { max: 10, timeWindow: '15 minutes' },
  setsPassword: { max: 10, timeWindow: '15 minutes' },
} as const;

/** Staff accounts: first-run setup, sign-in with optional two-step codes, password reset, staff management, audit log. */
export const staffCapability: Capability = {
  name: 'staff',
  adminNav: [
    { href: '/admin/staff', label: 'Staff', permission: 'staff:manage' },
    { href: '/admin/audit', label: 'Audit log', permission: 'audit:view' },
    { href: '/admin/account', label: 'Your account', permission: 'account:manage' },
  ],
  jobs: (core) => ({ deleteExpiredSignInRecords: () => deleteExpiredSignInRecords(core) }),
  recurring: [{ name: 'deleteExpiredSignInRecords', everyMs: 3600_000 }],
  routes(app, core) {
    const { db, keyring } = core;
    registerStaffGuard(app, core);

    const afterSignIn = (reply: FastifyReply, result: SignInResult, next: string) => {
      if (result.kind === 'throttled') throw tooManyAttempts(result.retryAt);
      if (result.kind === 'wrong') return null;
      setSession(reply, core, result.token);
      if (result.kind === 'needs_2fa')
        return reply.redirect(next === '/admin' ? '/admin/login/2fa' : `/admin/login/2fa?next=${encodeURIComponent(next)}`, 303);
      return reply.redirect(next, 303);
    };

    // ---- first-run setup (outside /admin: there is nobody to sign in yet) ----

    app.get('/setup/:token', async (req, reply) => {
      const { token } = TokenParams.safeParse(req.params).data ?? { token: '' };
      const problem = await setupLinkProblem(db, token);
      if (problem) throw new AppError(404, 'not_found', problem);
      return reply.page({ title: 'Set up Lantern', body: <SetupView csrf={req.csrfToken()} token={token} /> });
    });

    app.post('/setup/:token', { config: { rateLimit: LIMITS.setsPassword } }, async (req, reply) => {
      const { token } = TokenParams.safeParse(req.params).data ?? { token: '' };
      const problem = await setupLinkProblem(db, token);
      if (problem) throw new AppError(404, 'not_found', problem);
      const form = parseForm(SetupSchema, req.body);
      if (!form.ok)
        return reply.page({
          title: 'Set up Lantern',
          status: 422,
          body: <SetupView csrf={req.csrfToken()} token={token} values={form.values} errors={form.errors} />,
        });
      const { sessionToken } = await completeSetup(core, token, form.data);
      setSession(reply, core, sessionToken);
      return reply.redirect('/admin', 303);
    });

    // ---- signing in and out (open routes: the guard lets them through) ----

    app.get('/admin/login', { config: { staffAuth: 'public' } }, async (req, reply) => {
      const next = safeNext(query(req.query).next);
      if (req.viewer) return reply.redirect(next, 303);
      const q = query(req.query);
      const notice = q.signedout === '1' ? NOTICES.signedout : q.reset === '1' ? NOTICES.reset : undefined;
      return reply.page({ title: 'Sign in', body: <LoginView csrf={req.csrfToken()} next={next} notice={notice} /> });
    });

    app.post('/admin/login', { config: { staffAuth: 'public', rateLimit: LIMITS.signIn } }, async (req, reply) => {
      const next = safeNext(formValues(req.body).next);
      const form = parseForm(LoginSchema, req.body);
      if (!form.ok)
        return reply.page({
          title: 'Sign in',
          status: 422,
          body: <LoginView csrf={req.csrfToken()} next={next} values={form.values} errors={form.errors} />,
        });
      const result = await signIn(core, { ...form.data, ip: req.ip, previousToken: req.cookies[SESSION_COOKIE] });
      const done = afterSignIn(reply, result, next);
      if (done) return done;
      const errors = { _form: 'The email address or password is not right.' };
      return reply.page({
        title: 'Sign in',
        status: 422,
        body: <LoginView csrf={req.csrfToken()} next={next} values={{ email: form.data.email }} errors={errors} />,
      });
    });

    app.get('/admin/login/2fa', { config: { staffAuth: 'mfa' } }, async (req, reply) => {
      const next = safeNext(query(req.query).next);
      return reply.page({ title: 'Enter your sign-in code', body: <TwoFactorChallengeView csrf={req.csrfToken()} next={next} /> });
    });

    app.post('/admin/login/2fa', { config: { staffAuth: 'mfa', rateLimit: LIMITS.signIn } }, async (req, reply) => {
      const next = safeNext(formValues(req.body).next);
      const form = parseForm(CodeSchema, req.body);
      const page = (errors: Record<string, string>) =>
        reply.page({
          title: 'Enter your sign-in code',
          status: 422,
          body: <TwoFactorChallengeView csrf={req.csrfToken()} next={next} errors={errors} />,
        });
      if (!form.ok) return page(form.errors);
      const result = await completeTwoFactorSignIn(core, { session: req.staffSession!, code: form.data.code, ip: req.ip });
      const done = afterSignIn(reply, result, next);
      if (done) return done;
      return page({ code: 'That code is not right, or it has been used already. Wait for the next code and try again.' });
    });

    app.post('/admin/logout', { config: { staffAuth: 'public' } }, async (req, reply) => {
      await signOut(core, req.cookies[SESSION_COOKIE]);
      reply.clearCookie(SESSION_COOKIE, sessionCookieOptions(core));
      return reply.redirect('/admin/login?signedout=1', 303);
    });

    // ---- forgotten password (open) ----

    app.get('/admin/password/forgot', { config: { staffAuth: 'public' } }, async (req, reply) => {
      if (query(req.query).sent === '1') return reply.page({ title: 'Check your email', body: <ForgotSentView /> });
      return reply.page({ title: 'Reset your password', body: <ForgotView csrf={req.csrfToken()} /> });
    });

    app.post('/admin/password/forgot', { config: { staffAuth: 'public', rateLimit: LIMITS.sendsMail } }, async (req, reply) => {
      const form = parseForm(ForgotSchema, req.body);
      if (!form.ok)
        return reply.page({
          title: 'Reset your password',
          status: 422,
          body: <ForgotView csrf={req.csrfToken()} values={form.values} errors={form.errors} />,
        });
      // Answered before the work is done, so the time taken cannot tell whether the address has an account.
      requestPasswordReset(core, form.data.email).catch((err: unknown) => {
        req.log.error({ err: redact(String((err as Error)?.stack ?? err)) }, 'password reset request failed');
      });
      return reply.redirect('/admin/password/forgot?sent=1', 303);
    });

    app.get('/admin/password/reset/:token', { config: { staffAuth: 'public' } }, async (req, reply) => {
      const { token } = TokenParams.safeParse(req.params).data ?? { token: '' };
      const kind = await resetLinkKind(db, token);
      if (!kind)
        throw new AppError(
          404,
          'not_found',
          'This link is not valid: it may have expired or been used already. Ask for a new one from the sign-in page.',
        );
      return reply.page({ title: 'Choose a password', body: <ResetView csrf={req.csrfToken()} token={token} kind={kind} /> });
    });

    app.post('/admin/password/reset/:token', { config: { staffAuth: 'public', rateLimit: LIMITS.setsPassword } }, async (req, reply) => {
      const { token } = TokenParams.safeParse(req.params).data ?? { token: '' };
      const kind = await resetLinkKind(db, token);
      if (!kind)
        throw new AppError(
          404,
          'not_found',
          'This link is not valid: it may have expired or been used already. Ask for a new one from the sign-in page.',
        );
      const form = parseForm(NewPasswordSchema, req.body);
      if (!form.ok)
        return reply.page({
          title: 'Choose a password',
          status: 422,
          body: <ResetView csrf={req.csrfToken()} token={token} kind={kind} errors={form.errors} />,
        });
      await resetPassword(core, token, form.data.password);
      return reply.redirect('/admin/login?reset=1', 303);
    });

    // ---- staff management (owners) ----

    app.get('/admin/staff', { config: { permission: 'staff:manage' } }, async (req, reply) => {
      const [staff, site] = await Promise.all([listStaff(core), getSiteSettings(db)]);
      return reply.adminPage({ title: 'Staff', body: <StaffListView staff={staff} tz={site.timeZone} notice={noticeFor(req.query)} /> });
    });

    app.get('/admin/staff/new', { config: { permission: 'staff:manage' } }, async (req, reply) =>
      reply.adminPage({ title: 'Add a staff member', body: <NewStaffView csrf={req.csrfToken()} /> }),
    );

    app.post('/admin/staff', { config: { permission: 'staff:manage' } }, async (req, reply) => {
      const form = parseForm(NewStaffSchema, req.body);
      const page = (values: Record<string, string>, errors: Record<string, string>) =>
        reply.adminPage({
          title: 'Add a staff member',
          status: 422,
          body: <NewStaffView csrf={req.csrfToken()} values={values} errors={errors} />,
        });
      if (!form.ok) return page(form.values, form.errors);
      try {
        await addStaff(core, req.viewer!.id, form.data);
      } catch (err) {
        return page(formValues(req.body), refusedFields(err));
      }
      return reply.redirect('/admin/staff?done=added', 303);
    });

    const staffPage = async (
      reply: FastifyReply,
      viewerId: number,
      csrf: string,
      id: number,
      o: { errors?: Record<string, string>; notice?: string | undefined } = {},
    ) => {
      const [member, site] = await Promise.all([getStaffMember(core, id), getSiteSettings(db)]);
      return reply.adminPage({
        title: member.name,
        status: o.errors ? 422 : 200,
        body: <StaffEditView member={member} viewerId={viewerId} csrf={csrf} tz={site.timeZone} errors={o.errors} notice={o.notice} />,
      });
    };

    app.get('/admin/staff/:id', { config: { permission: 'staff:manage' } }, async (req, reply) => {
      const params = IdParams.safeParse(req.params);
      if (!params.success) throw notFound();
      return staffPage(reply, req.viewer!.id, req.csrfToken(), params.data.id, { notice: noticeFor(req.query) });
    });

    app.post('/admin/staff/:id/role', { config: { permission: 'staff:manage' } }, async (req, reply) => {
      const params = IdParams.safeParse(req.params);
      if (!params.success) throw notFound();
      const { id } = params.data;
      const form = parseForm(RoleSchema, req.body);
      if (!form.ok) return staffPage(reply, req.viewer!.id, req.csrfToken(), id, { errors: form.errors });
      try {
        await changeRole(core, req.viewer!.id, id, form.data.role);
      } catch (err) {
        return staffPage(reply, req.viewer!.id, req.csrfToken(), id, { errors: refusedFields(err) });
      }
      return reply.redirect(`/admin/staff/${id}?done=role`, 303);
    });

    for (const [action, disabled] of [
      ['disable', true],
      ['enable', false],
    ] as const) {
      app.post(`/admin/staff/:id/${action}`, { config: { permission: 'staff:manage' } }, async (req, reply) => {
        const params = IdParams.safeParse(req.params);
        if (!params.success) throw notFound();
        const { id } = params.data;
        try {
          await setStaffDisabled(core, req.viewer!.id, id, disabled);
        } catch (err) {
          return staffPage(reply, req.viewer!.id, req.csrfToken(), id, { errors: refusedFields(err) });
        }
        return reply.redirect(`/admin/staff/${id}?done=${disabled ? 'disabled' : 'enabled'}`, 303);
      });
    }

    app.post('/admin/staff/:id/2fa/reset', { config: { permission: 'staff:manage' } }, async (req, reply) => {
      const params = IdParams.safeParse(req.params);
      if (!params.success) throw notFound();
      await resetStaffTwoFactor(core, req.viewer!.id, params.data.id);
      return reply.redirect(`/admin/staff/${params.data.id}?done=2fa-off`, 303);
    });

    // ---- your account (every role) ----

    const accountPage = async (
      reply: FastifyReply,
      staffId: number,
      csrf: string,
      o: { errors?: Record<string, string>; notice?: string | undefined } = {},
    ) => {
      const member = await getStaffMember(core, staffId);
      return reply.adminPage({
        title: 'Your account',
        status: o.errors ? 422 : 200,
        body: <AccountView member={member} csrf={csrf} errors={o.errors} notice={o.notice} />,
      });
    };

    app.get('/admin/account', { config: { permission: 'account:manage' } }, async (req, reply) =>
      accountPage(reply, req.viewer!.id, req.csrfToken(), { notice: noticeFor(req.query) }),
    );

    app.post(
      '/admin/account/password',
      { config: { permission: 'account:manage', rateLimit: LIMITS.setsPassword } },
      async (req, reply) => {
        const form = parseForm(ChangePasswordSchema, req.body);
        if (!form.ok) return accountPage(reply, req.viewer!.id, req.csrfToken(), { errors: form.errors });
        try {
          await changeOwnPassword(core, req.staffSession!, { current: form.data.current, password: form.data.password, ip: req.ip });
        } catch (err) {
          return accountPage(reply, req.viewer!.id, req.csrfToken(), { errors: refusedFields(err) });
        }
        return reply.redirect('/admin/account?done=password', 303);
      },
    );

    const twoFactorPage = async (reply: FastifyReply, staffId: number, csrf: string, errors?: Record<string, string>) => {
      const [setup, site] = await Promise.all([twoFactorSetup(core, staffId), getSiteSettings(db)]);
      return reply.adminPage({
        title: 'Two-step sign-in',
        status: errors ? 422 : 200,
        body: <TwoFactorView setup={setup} csrf={csrf} required={site.require2fa} errors={errors} />,
      });
    };

    app.get('/admin/account/2fa', { config: { permission: 'account:manage', allowWithout2fa: true } }, async (req, reply) =>
      twoFactorPage(reply, req.viewer!.id, req.csrfToken()),
    );

    app.post(
      '/admin/account/2fa',
      { config: { permission: 'account:manage', allowWithout2fa: true, rateLimit: LIMITS.setsPassword } },
      async (req, reply) => {
        const form = parseForm(CodeSchema, req.body);
        if (!form.ok) return twoFactorPage(reply, req.viewer!.id, req.csrfToken(), form.errors);
        try {
          await enableTwoFactor(core, req.viewer!.id, form.data.code);
        } catch (err) {
          return twoFactorPage(reply, req.viewer!.id, req.csrfToken(), refusedFields(err));
        }
        return reply.redirect('/admin/account?done=2fa-on', 303);
      },
    );

    app.post(
      '/admin/account/2fa/disable',
      { config: { permission: 'account:manage', rateLimit: LIMITS.setsPassword } },
      async (req, reply) => {
        const form = parseForm(DisableTwoFactorSchema, req.body);
        if (!form.ok) return twoFactorPage(reply, req.viewer!.id, req.csrfToken(), form.errors);
        try {
          await disableTwoFactor(core, req.viewer!.id, form.data.password);
        } catch (err) {
          return twoFactorPage(reply, req.viewer!.id, req.csrfToken(), refusedFields(err));
        }
        return reply.redirect('/admin/account?done=2fa-disabled', 303);
      },
    );

    // ---- audit log (owners) ----

    app.get('/admin/audit', { config: { permission: 'audit:view' } }, async (req, reply) => {
      const { page } = PageQuery.parse(req.query ?? {});
      const [rows, site] = await Promise.all([
        listAudit(db, keyring, { limit: AUDIT_PAGE + 1, offset: (page - 1) * AUDIT_PAGE }),
        getSiteSettings(db),
      ]);
      return reply.adminPage({
        title: 'Audit log',
        body: <AuditView entries={rows.slice(0, AUDIT_PAGE)} page={page} more={rows.length > AUDIT_PAGE} tz={site.timeZone} />,
      });
    });
  },
};
