import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../core/context.js';
import { getSiteSettings } from '../core/settings.js';
import { AppError } from '../core/web/errors.js';
import { loadSession, type StaffSession } from './service.js';

// The one gate in front of /admin: it loads the session into req.viewer and lets a request through only when
// the route is an open sign-in route, or the viewer holds the permission the route declares. A route that
// declares nothing is refused (fail closed), so a forgotten permission shows up as a 403, not as a hole.

declare module 'fastify' {
  interface FastifyRequest {
    /** The staff session behind this request (also half-signed-in ones), set by the staff guard on /admin. */
    staffSession: StaffSession | null;
  }
}

/** The session cookie's name: its value is the session token; the database keeps only the token's hash. */
export const SESSION_COOKIE = 'lantern_session';

/** The cookie attributes of the session cookie: not readable by scripts, not sent cross-site, HTTPS-only on https. */
export function sessionCookieOptions(core: Core) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: core.config.baseUrl.startsWith('https:') };
}

/**
 * A local /admin path to return to after signing in, or /admin when the value is anything else. It goes into a
 * Location header, which carries only ASCII: characters beyond it are percent-encoded as UTF-8 (as a browser
 * does), and text that is not well-formed Unicode (a lone surrogate) is refused.
 */
export function safeNext(value: unknown): string {
  if (typeof value !== 'string' || value.length > 500 || !value.isWellFormed()) return '/admin';
  if (!/^\/admin(?:[/?]|$)/.test(value)) return '/admin';
  if (/[\\\s\u0000-\u001f\u007f]|\/\/|\/\.\.?(?:[/?]|$)/.test(value)) return '/admin';
  return value.replace(/[^\u0000-\u007f]/gu, (c) => encodeURIComponent(c));
}

const isRead = (req: FastifyRequest) => req.method === 'GET' || req.method === 'HEAD';

function refuseUnsignedIn(req: FastifyRequest, reply: FastifyReply, session: StaffSession | null) {
  if (session?.mfaPending) {
    if (isRead(req)) return reply.redirect('/admin/login/2fa', 303);
  } else if (isRead(req)) {
    const next = safeNext(req.url);
    return reply.redirect(next === '/admin' ? '/admin/login' : `/admin/login?next=${encodeURIComponent(next)}`, 303);
  }
  throw new AppError(401, 'unauthorized', 'Please sign in to continue.');
}

/** Registers the guard on the root instance, so it runs for every route, those of other capabilities included. */
export function registerStaffGuard(app: FastifyInstance, core: Core): void {
  app.decorateRequest('staffSession', null);
  app.addHook('onRequest', async (req, reply) => {
    // The router matches percent-decoded and dot-normalised paths ("/%61dmin/staff" reaches /admin/staff), so
    // the matched route's pattern decides as well as the raw URL.
    if (!req.url.startsWith('/admin') && !req.routeOptions.url?.startsWith('/admin')) return;
    const cookie = req.cookies[SESSION_COOKIE];
    const session = await loadSession(core, cookie);
    if (cookie !== undefined && !session) reply.clearCookie(SESSION_COOKIE, sessionCookieOptions(core));
    req.staffSession = session;
    const full = session && !session.mfaPending ? session : null;
    if (full) req.viewer = { id: full.staffId, name: full.name, role: full.role, can: full.can };

    const config = req.routeOptions.config ?? {};
    if (!req.is404 && config.staffAuth === 'public') return;
    if (!req.is404 && config.staffAuth === 'mfa') {
      if (session?.mfaPending) return;
      if (full && isRead(req)) return reply.redirect('/admin', 303);
      return refuseUnsignedIn(req, reply, null);
    }
    if (!full) return refuseUnsignedIn(req, reply, session);
    // A signed-in viewer asking for a page that does not exist gets the ordinary 404.
    if (req.is404) return;

    if (!full.twoFactor && !config.allowWithout2fa && (await getSiteSettings(core.db)).require2fa) {
      if (isRead(req)) return reply.redirect('/admin/account/2fa', 303);
      throw new AppError(403, 'forbidden', 'Your organisation requires two-step sign-in. Set it up first, from Your account.');
    }
    if (!config.permission || !full.can(config.permission)) {
      throw new AppError(403, 'forbidden', 'Your role does not allow this. If you need it, ask an owner of this site.');
    }
  });
}
