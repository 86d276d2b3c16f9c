import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { newToken, type Keyring } from '../crypto.js';
import { AppError } from './errors.js';
import { formValues } from './forms.js';

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "media-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

/**
 * The policy of a document our own pages show in a sandboxed frame (a newsletter's email, as supporters will see it):
 * framed by our own origin only; it runs nothing, submits nothing, and loads only images from our own address (named
 * too, since a sandboxed document's origin is opaque) and its own inline styles, as an email's are.
 */
/** The policy of a downloaded file: nothing runs, nothing loads, nothing frames it. */
const DOWNLOAD = "default-src 'none'; frame-ancestors 'none'; sandbox";

function framedDocumentPolicy(baseUrl: string): string {
  return [
    "default-src 'none'",
    `img-src 'self' ${new URL(baseUrl).origin}`,
    "style-src 'unsafe-inline'",
    "form-action 'none'",
    "frame-ancestors 'self'",
    "base-uri 'none'",
    'sandbox',
  ].join('; ');
}

/**
 * Adds the security headers to every response: strict CSP with no third-party origin, no framing, no sniffing.
 * A route may loosen exactly one thing through its config's `exposure`: 'framed' (framed by our own pages, under
 * framedDocumentPolicy) or 'embeddable' (a resource other sites may load); or tighten it: 'download' (a file staff
 * uploaded, sent as an attachment, under a policy that runs and loads nothing even if a browser shows it).
 */
export function securityHeaders(app: FastifyInstance, o: { https: boolean; baseUrl: string }): void {
  const framed = framedDocumentPolicy(o.baseUrl);
  app.addHook('onSend', async (req, reply, payload) => {
    const exposure = req.routeOptions.config?.exposure;
    reply.header('content-security-policy', exposure === 'framed' ? framed : exposure === 'download' ? DOWNLOAD : CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', exposure === 'framed' ? 'SAMEORIGIN' : 'DENY');
    reply.header('referrer-policy', 'same-origin');
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('cross-origin-resource-policy', exposure === 'embeddable' ? 'cross-origin' : 'same-origin');
    reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=()');
    if (o.https) reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    // The route pattern as well as the URL: the router decodes %61dmin, so the URL alone can miss an admin page.
    const paths = [req.url, req.routeOptions.url ?? ''];
    if (paths.some((p) => p.startsWith('/admin') || p.startsWith('/setup'))) reply.header('cache-control', 'no-store');
    return payload;
  });
}

const CSRF_COOKIE = 'lantern_csrf';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function validCookie(v: unknown): v is string {
  return typeof v === 'string' && /^[A-Za-z0-9_-]{43}$/.test(v);
}

/**
 * CSRF protection for every state-changing request: a signed double-submit token (random cookie, HMAC of it in
 * the form) plus a Sec-Fetch-Site check. Routes that must accept posts from outside a page (RFC 8058 one-click
 * unsubscribe, API calls with a key) opt out with `config: { csrf: false }`.
 */
export function csrfProtection(app: FastifyInstance, o: { keyring: Keyring; secureCookies: boolean }): void {
  app.decorateRequest('csrfToken', function (this: FastifyRequest): string {
    let value = this.cookies[CSRF_COOKIE];
    if (!validCookie(value)) {
      value = (this as FastifyRequest & { newCsrfCookie?: string }).newCsrfCookie ?? newToken();
      (this as FastifyRequest & { newCsrfCookie?: string }).newCsrfCookie = value;
      this.cookies[CSRF_COOKIE] = value;
    }
    return o.keyring.sign('csrf', value);
  });
  app.addHook('onSend', async (req, reply, payload) => {
    const fresh = (req as FastifyRequest & { newCsrfCookie?: string }).newCsrfCookie;
    if (fresh) reply.setCookie(CSRF_COOKIE, fresh, { path: '/', httpOnly: true, sameSite: 'lax', secure: o.secureCookies });
    return payload;
  });
  app.addHook('preHandler', async (req: FastifyRequest, _reply: FastifyReply) => {
    if (!UNSAFE.has(req.method) || req.routeOptions.config?.csrf === false) return;
    const site = req.headers['sec-fetch-site'];
    const cookie = req.cookies[CSRF_COOKIE];
    const body = req.body as Record<string, unknown> | undefined;
    const sent = (body && typeof body === 'object' ? body._csrf : undefined) ?? req.headers['x-csrf-token'];
    const ok = site !== 'cross-site' && validCookie(cookie) && typeof sent === 'string' && o.keyring.verify('csrf', cookie, sent);
    if (!ok) {
      throw new AppError(403, 'csrf', 'This form has expired or was sent from another site. Go back, reload the page and try again.');
    }
  });
}

/**
 * Where a post to a public form without a per-visitor CSRF token came from (the sign-up block, a petition: they sit
 * on cached pages). A browser's own word is taken: Sec-Fetch-Site, or else Origin; a post from another site is
 * refused by the caller. A browser that sends neither (very old ones; scripts) needs the signed token of a page
 * with the form, which the form re-displayed with a 422 gives it, so nobody real is turned away.
 */
export function postOrigin(req: FastifyRequest, core: { config: { baseUrl: string }; keyring: Keyring }): 'same' | 'cross' | 'unknown' {
  const site = req.headers['sec-fetch-site'];
  if (site === 'same-origin') return 'same';
  if (typeof site === 'string' && site !== 'none') return 'cross';
  const origin = req.headers.origin;
  if (typeof origin === 'string') return origin === new URL(core.config.baseUrl).origin ? 'same' : 'cross';
  const cookie = req.cookies[CSRF_COOKIE];
  const sent = formValues(req.body)._csrf;
  return validCookie(cookie) && typeof sent === 'string' && core.keyring.verify('csrf', cookie, sent) ? 'same' : 'unknown';
}
