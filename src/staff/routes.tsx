import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Core } from '../core/context.js';
import { redact } from '../core/log.js';
import { AppError } from '../core/web/errors.js';
import { formValues, parseForm } from '../core/web/forms.js';
import { anyone, get, post, signingIn, type RouteTable } from '../core/web/routes.js';
import { safeNext, SESSION_COOKIE, sessionCookieOptions } from './guard.js';
import {
  CodeSchema,
  completeSetup,
  completeTwoFactorSignIn,
  ForgotSchema,
  LoginSchema,
  NewPasswordSchema,
  requestPasswordReset,
  resetLinkKind,
  resetPassword,
  SetupSchema,
  setupLinkProblem,
  signIn,
  signOut,
  tryAgainIn,
  type SignInResult,
} from './service.js';
import { ForgotSentView, ForgotView, LoginView, ResetView, SetupView, TwoFactorChallengeView } from './sign-in-views.js';

// Getting in: the first-run setup (outside /admin: there is nobody to sign in yet), signing in and out with optional
// two-step codes, and the forgotten-password links. The sign-in routes are open (the guard lets them through).

/** Limits per client address on the forms that check passwords or send mail (the database throttle is the backstop). */
export const LIMITS = {
  signIn: { max: 30, timeWindow: '1 minute' },
  sendsMail: { max: 10, timeWindow: '15 minutes' },
  setsPassword: { max: 10, timeWindow: '15 minutes' },
} as const;

export const publicRoutes: RouteTable = [
  get('/setup/:token', anyone, showSetup),
  post('/setup/:token', anyone, completeSetupForm, { config: { rateLimit: LIMITS.setsPassword } }),
];

export const signInRoutes: RouteTable = [
  get('/admin/login', signingIn('public'), showSignIn),
  post('/admin/login', signingIn('public'), signInWithPassword, { config: { rateLimit: LIMITS.signIn } }),
  get('/admin/login/2fa', signingIn('mfa'), showTwoFactorChallenge),
  post('/admin/login/2fa', signingIn('mfa'), signInWithCode, { config: { rateLimit: LIMITS.signIn } }),
  post('/admin/logout', signingIn('public'), signOutHere),
  get('/admin/password/forgot', signingIn('public'), showForgotPassword),
  post('/admin/password/forgot', signingIn('public'), sendPasswordReset, { config: { rateLimit: LIMITS.sendsMail } }),
  get('/admin/password/reset/:token', signingIn('public'), showResetPassword),
  post('/admin/password/reset/:token', signingIn('public'), resetPasswordWithLink, { config: { rateLimit: LIMITS.setsPassword } }),
];

const TokenParams = z.object({ token: z.string().max(200) });
const tokenOf = (req: FastifyRequest) => (TokenParams.safeParse(req.params).data ?? { token: '' }).token;
const invalidResetLink = () =>
  new AppError(
    404,
    'not_found',
    'This link is not valid: it may have expired or been used already. Ask for a new one from the sign-in page.',
  );

/** Fields of the query string, as strings (anything else is ignored). */
const query = (q: unknown): Record<string, string> => formValues(q);

/**
 * The message for an address that must wait (too many wrong passwords or codes), after setting Retry-After; the
 * page is answered with 429.
 */
export function pausedMessage(reply: FastifyReply, retryAt: number): string {
  reply.header('retry-after', String(Math.max(1, Math.ceil((retryAt - Date.now()) / 1000))));
  return `Too many failed sign-in attempts from here. For your security, ${tryAgainIn(retryAt)}.`;
}

function setSession(reply: FastifyReply, core: Core, token: string): void {
  reply.setCookie(SESSION_COOKIE, token, sessionCookieOptions(core));
}

/** Sets the session and sends the visitor on (to the code page first, if they have two-step sign-in); null when refused. */
function afterSignIn(reply: FastifyReply, core: Core, result: SignInResult, next: string) {
  if (result.kind === 'throttled' || result.kind === 'wrong') return null;
  setSession(reply, core, result.token);
  if (result.kind === 'needs_2fa')
    return reply.redirect(next === '/admin' ? '/admin/login/2fa' : `/admin/login/2fa?next=${encodeURIComponent(next)}`, 303);
  return reply.redirect(next, 303);
}

// ---- first-run setup ----

async function refuseInvalidSetupLink(core: Core, token: string) {
  const problem = await setupLinkProblem(core.db, token);
  if (problem) throw new AppError(404, 'not_found', problem);
}

async function showSetup(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const token = tokenOf(req);
  await refuseInvalidSetupLink(core, token);
  return reply.page({ title: 'Set up Lantern', body: <SetupView csrf={req.csrfToken()} token={token} /> });
}

async function completeSetupForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const token = tokenOf(req);
  await refuseInvalidSetupLink(core, token);
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
}

// ---- signing in and out ----

async function showSignIn(req: FastifyRequest, reply: FastifyReply) {
  const q = query(req.query);
  const next = safeNext(q.next);
  if (req.viewer) return reply.redirect(next, 303);
  const notice =
    q.signedout === '1' ? 'You have signed out.' : q.reset === '1' ? 'Your password has been saved. Sign in with it now.' : undefined;
  return reply.page({ title: 'Sign in', body: <LoginView csrf={req.csrfToken()} next={next} notice={notice} /> });
}

async function signInWithPassword(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const next = safeNext(formValues(req.body).next);
  const form = parseForm(LoginSchema, req.body);
  if (!form.ok)
    return reply.page({
      title: 'Sign in',
      status: 422,
      body: <LoginView csrf={req.csrfToken()} next={next} values={form.values} errors={form.errors} />,
    });
  const result = await signIn(core, { ...form.data, ip: req.ip, previousToken: req.cookies[SESSION_COOKIE] });
  const done = afterSignIn(reply, core, result, next);
  if (done) return done;
  const paused = result.kind === 'throttled';
  const errors = { _form: paused ? pausedMessage(reply, result.retryAt) : 'The email address or password is not right.' };
  return reply.page({
    title: 'Sign in',
    status: paused ? 429 : 422,
    body: <LoginView csrf={req.csrfToken()} next={next} values={{ email: form.data.email }} errors={errors} />,
  });
}

async function showTwoFactorChallenge(req: FastifyRequest, reply: FastifyReply) {
  const next = safeNext(query(req.query).next);
  return reply.page({ title: 'Enter your sign-in code', body: <TwoFactorChallengeView csrf={req.csrfToken()} next={next} /> });
}

async function signInWithCode(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const next = safeNext(formValues(req.body).next);
  const form = parseForm(CodeSchema, req.body);
  const page = (errors: Record<string, string>, status = 422) =>
    reply.page({
      title: 'Enter your sign-in code',
      status,
      body: <TwoFactorChallengeView csrf={req.csrfToken()} next={next} errors={errors} />,
    });
  if (!form.ok) return page(form.errors);
  const result = await completeTwoFactorSignIn(core, { session: req.staffSession!, code: form.data.code, ip: req.ip });
  const done = afterSignIn(reply, core, result, next);
  if (done) return done;
  if (result.kind === 'throttled') return page({ code: pausedMessage(reply, result.retryAt) }, 429);
  return page({ code: 'That code is not right, or it has been used already. Wait for the next code and try again.' });
}

async function signOutHere(req: FastifyRequest, reply: FastifyReply, core: Core) {
  await signOut(core, req.cookies[SESSION_COOKIE]);
  reply.clearCookie(SESSION_COOKIE, sessionCookieOptions(core));
  return reply.redirect('/admin/login?signedout=1', 303);
}

// ---- forgotten password ----

async function showForgotPassword(req: FastifyRequest, reply: FastifyReply) {
  if (query(req.query).sent === '1') return reply.page({ title: 'Check your email', body: <ForgotSentView /> });
  return reply.page({ title: 'Reset your password', body: <ForgotView csrf={req.csrfToken()} /> });
}

async function sendPasswordReset(req: FastifyRequest, reply: FastifyReply, core: Core) {
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
}

async function showResetPassword(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const token = tokenOf(req);
  const kind = await resetLinkKind(core.db, token);
  if (!kind) throw invalidResetLink();
  return reply.page({ title: 'Choose a password', body: <ResetView csrf={req.csrfToken()} token={token} kind={kind} /> });
}

async function resetPasswordWithLink(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const token = tokenOf(req);
  const kind = await resetLinkKind(core.db, token);
  if (!kind) throw invalidResetLink();
  const form = parseForm(NewPasswordSchema, req.body);
  if (!form.ok)
    return reply.page({
      title: 'Choose a password',
      status: 422,
      body: <ResetView csrf={req.csrfToken()} token={token} kind={kind} errors={form.errors} />,
    });
  await resetPassword(core, token, form.data.password);
  return reply.redirect('/admin/login?reset=1', 303);
}
