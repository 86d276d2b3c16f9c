import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { fileURLToPath } from 'node:url';
import { h, type VNode } from 'preact';
import type pino from 'pino';
import type { Config } from '../config.js';
import type { RedirectFinder } from '../context.js';
import type { Keyring } from '../crypto.js';
import type { Db } from '../db/index.js';
import { redact } from '../log.js';
import { getSiteSettings, type SiteSettings } from '../settings.js';
import { AppError, DomainError, errorTitles, fromDomainError } from './errors.js';
import { Layout, type AdminNavItem, type HeadTags, type NavItem } from './layout.js';
import { registerMetrics } from './metrics.js';
import { renderDocument } from './render.js';
import { csrfProtection, securityHeaders } from './security.js';
import { cleanIncomingText } from './text-input.js';

/** Who is signed in to the admin area, as the staff capability sets it on the request. */
export interface Viewer {
  id: number;
  name: string;
  role: string;
  can(permission: string): boolean;
}

export interface PageOptions {
  title: string;
  /** The page's content; a function is called only when the document is rendered (not when a cached one is sent). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: VNode<any> | (() => VNode<any>);
  status?: number;
  description?: string;
  /** More tags for the document's head (the address to share a page at, a preview kept out of search engines…). */
  head?: HeadTags;
  /**
   * For a public page whose whole content follows from this key (a page's slug and update time, say): the document
   * is rendered once and reused while the key, the path and the site settings stay the same. Never for a page with
   * a form (it carries a CSRF token) or anything about the visitor.
   */
  cacheKey?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    viewer: Viewer | null;
    csrfToken(): string;
  }
  interface FastifyReply {
    /** Renders a public page in the layout. */
    page(o: PageOptions): Promise<FastifyReply>;
    /** Renders an admin page in the layout with the staff bar and the admin navigation. */
    adminPage(o: PageOptions): Promise<FastifyReply>;
  }
  interface FastifyInstance {
    /** Every route as registered (HEAD twins included), so tests can walk the whole table. */
    routeTable: readonly RouteEntry[];
  }
  interface FastifyContextConfig {
    /** false: this route accepts posts without a CSRF token (it authenticates another way). */
    csrf?: boolean;
    /** The permission an admin route requires; checked by the staff capability. */
    permission?: string;
    /**
     * How the staff guard treats a route under /admin that needs no signed-in viewer: 'public' for sign-in,
     * sign-out and password reset pages; 'mfa' for the second sign-in step (needs a half-signed-in session).
     */
    staffAuth?: 'public' | 'mfa';
    /** Reachable by staff who still have to set up two-step sign-in when the organisation requires it. */
    allowWithout2fa?: boolean;
    /**
     * Where the response may be used beyond our own pages (security.ts): 'framed', a document our own pages show in
     * a sandboxed frame (a newsletter's email), under its own strict policy; 'embeddable', a public image other sites
     * may load (an image in a newsletter, read in webmail). Unset: the strict defaults.
     */
    exposure?: 'framed' | 'embeddable' | 'download';
  }
}

/** One registered route: method, URL pattern and its config (permission, csrf, …). */
export interface RouteEntry {
  method: string;
  url: string;
  config: Record<string, unknown>;
}

export interface WebOptions {
  config: Config;
  db: Db;
  keyring: Keyring;
  logger: pino.Logger;
  /** The public navigation, in order. */
  nav: NavItem[];
  /** The admin navigation; each item is shown only to staff with its permission. */
  adminNav: Array<AdminNavItem & { permission: string }>;
  /** Where an address that was not found now lives (an old slug, an old site's permalink), if anywhere. */
  findRedirect?: RedirectFinder;
  /**
   * Entries staff add to the public navigation (pages placed in it), after `nav`. The same array is returned while
   * nothing changed: a cached document is reused only with the navigation it was rendered with.
   */
  moreNav?: () => Promise<readonly NavItem[]>;
}

// public/assets/ is served at /assets/ (the stylesheet, the favicon, any small same-origin scripts).
const publicDir = fileURLToPath(new URL('../../../public/assets/', import.meta.url));

function wantsJson(req: FastifyRequest): boolean {
  if (req.url.startsWith('/api/')) return true;
  const accept = req.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

/** Builds the Fastify instance with the shared machinery; capabilities add their routes to it. */
export async function createWebApp(o: WebOptions): Promise<FastifyInstance> {
  const https = o.config.baseUrl.startsWith('https:');
  const app: FastifyInstance = Fastify({
    loggerInstance: o.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: o.config.trustProxy,
    bodyLimit: 1024 * 1024,
    // Malformed percent-encoding and the like become 400s rather than crashes.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 2000 },
  });

  // Forms arrive urlencoded (formbody) and API calls as JSON; anything else, plain text included, is a 415.
  app.removeContentTypeParser('text/plain');
  app.decorateRequest('viewer', null);
  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routeTable.push({ method, url: r.url, config: { ...(r.config ?? {}) } });
  });
  await app.register(cookie, {
    parseOptions: {},
    hook: 'onRequest',
  });
  // The home page answers any query, so an old site's "plain" permalink (`/?p=123`) would never reach the not-found
  // path where old addresses are looked up: a home-page request with a query is looked up first.
  if (o.findRedirect) {
    const findRedirect = o.findRedirect;
    app.addHook('onRequest', async (req, reply) => {
      if ((req.method !== 'GET' && req.method !== 'HEAD') || !req.url.startsWith('/?')) return;
      const to = await findRedirect(req.url).catch(() => undefined);
      if (to) return reply.code(301).header('cache-control', 'public, max-age=3600').redirect(to, 301);
    });
  }
  await app.register(formbody, { bodyLimit: 1024 * 1024 });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) =>
      new AppError(429, 'rate_limited', `Too many attempts. Please wait ${Math.ceil(ctx.ttl / 1000)} seconds and try again.`),
  });
  await app.register(fastifyStatic, { root: publicDir, prefix: '/assets/', maxAge: '1d', index: false, wildcard: true });

  securityHeaders(app, { https, baseUrl: o.config.baseUrl });
  csrfProtection(app, { keyring: o.keyring, secureCookies: https });
  cleanIncomingText(app);
  registerMetrics(app, { db: o.db, token: o.config.metricsToken });

  // Documents of the pages that opted in with cacheKey, oldest first; rendering is most of a public page's cost.
  // A cached document is kept as its UTF-8 bytes: encoding a long page on every response was most of its cost.
  const documents = new Map<string, { site: SiteSettings; nav: readonly NavItem[]; bytes: Buffer }>();
  const noMoreNav: readonly NavItem[] = [];
  const renderPage = async (req: FastifyRequest, reply: FastifyReply, p: PageOptions, admin: boolean) => {
    const [site, more] = await Promise.all([getSiteSettings(o.db), admin || !o.moreNav ? noMoreNav : o.moreNav()]);
    const path = req.url.split('?')[0] ?? '/';
    const key = p.cacheKey !== undefined && !admin ? `${p.status ?? 200} ${path} ${p.cacheKey}` : undefined;
    const cached = key === undefined ? undefined : documents.get(key);
    // The settings are one object until they are reloaded, so an edit to them renders the document afresh.
    let document: string | Buffer | undefined = cached?.site === site && cached.nav === more ? cached.bytes : undefined;
    if (document === undefined) {
      const html = renderShell(req, p, admin, site, path, more);
      document = html;
      if (key !== undefined) {
        const bytes = Buffer.from(html, 'utf8');
        document = bytes;
        documents.delete(key);
        documents.set(key, { site, nav: more, bytes });
        if (documents.size > 100) documents.delete(documents.keys().next().value!);
      }
    }
    return reply
      .code(p.status ?? 200)
      .type('text/html; charset=utf-8')
      .send(document);
  };
  const renderShell = (req: FastifyRequest, p: PageOptions, admin: boolean, site: SiteSettings, path: string, more: readonly NavItem[]) => {
    const viewer = req.viewer;
    const shell = {
      site,
      title: p.title,
      path,
      nav: more.length > 0 ? [...o.nav, ...more] : o.nav,
      description: p.description,
      head: p.head,
      admin:
        admin && viewer
          ? { staffName: viewer.name, role: viewer.role, nav: o.adminNav.filter((n) => viewer.can(n.permission)), csrf: req.csrfToken() }
          : undefined,
      children: typeof p.body === 'function' ? p.body() : p.body,
    };
    return renderDocument(h(Layout, shell));
  };
  app.decorateReply('page', function (this: FastifyReply, p: PageOptions) {
    return renderPage(this.request, this, p, false);
  });
  app.decorateReply('adminPage', function (this: FastifyReply, p: PageOptions) {
    return renderPage(this.request, this, p, true);
  });

  // Request log: method, route pattern, status and time. No URL (tokens live in URLs), no IP, no user agent.
  app.addHook('onResponse', async (req, reply) => {
    req.log.info(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });

  const sendError = async (req: FastifyRequest, reply: FastifyReply, e: AppError) => {
    if (e.status === 404 && o.findRedirect && (req.method === 'GET' || req.method === 'HEAD') && !req.url.startsWith('/admin')) {
      const to = await o.findRedirect(req.url).catch(() => undefined);
      if (to) return reply.code(301).header('cache-control', 'public, max-age=3600').redirect(to, 301);
    }
    if (e.status === 429) reply.header('retry-after', '60');
    if (wantsJson(req)) {
      return reply
        .code(e.status)
        .type('application/json')
        .send({ error: { code: e.code, message: e.message, fields: e.fields } });
    }
    const title = errorTitles[e.status] ?? 'Something went wrong';
    const body = h(
      'div',
      { class: 'error-page' },
      h('h1', null, title),
      h('p', null, e.message),
      h('p', null, h('a', { href: '/' }, 'Go to the home page')),
    );
    return renderPage(req, reply, { title, body, status: e.status }, false).catch(() =>
      reply.code(e.status).type('text/plain; charset=utf-8').send(`${title}\n\n${e.message}\n`),
    );
  };

  app.setNotFoundHandler(async (req, reply) =>
    sendError(req, reply, new AppError(404, 'not_found', 'We could not find that page. It may have moved, or the link may be mistyped.')),
  );

  app.setErrorHandler(async (err: FastifyError | Error, req, reply) => {
    let e: AppError;
    if (err instanceof AppError) e = err;
    else if (err instanceof DomainError) e = fromDomainError(err);
    else {
      const status = (err as FastifyError).statusCode ?? 500;
      if (status === 413) e = new AppError(413, 'payload_too_large', 'What you sent is larger than this page accepts.');
      else if (status === 415) e = new AppError(415, 'unsupported_media_type', 'Send the form as a normal web form or as JSON.');
      else if (status === 429) e = new AppError(429, 'rate_limited', err.message);
      else if (status >= 400 && status < 500)
        e = new AppError(
          status === 404 ? 404 : 400,
          status === 404 ? 'not_found' : 'bad_request',
          'The request could not be understood. Please check it and try again.',
        );
      else {
        req.log.error({ route: req.routeOptions.url ?? 'unmatched', err: redact(String(err.stack ?? err)) }, 'unhandled error');
        e = new AppError(500, 'internal', 'Please try again in a moment. If it keeps happening, contact us.');
      }
    }
    return sendError(req, reply, e);
  });

  app.get('/healthz', async (_req, reply) => {
    try {
      await o.db.selectFrom('settings').select('key').limit(1).execute();
      return reply.send({ status: 'ok' });
    } catch {
      return reply.code(503).send({ status: 'unavailable' });
    }
  });

  return app;
}
