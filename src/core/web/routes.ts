import type { FastifyContextConfig, FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Core } from '../context.js';

// A capability's routes are a table read one line per route: method, path, who may use it, and a named handler
// (listmonk's cmd/handlers.go is the model). Public and admin tables are apart; an admin route names the permission
// staff need, and registerRoutes refuses an admin path without one, so a forgotten permission cannot open a hole.

/** A handler: parse → check → call the service → render or redirect. It gets the core as its third argument. */
export type Handler = (req: FastifyRequest, reply: FastifyReply, core: Core) => unknown;

/** Who may use a route: anyone (public tables), or the permission staff need (admin tables). */
export type Access = 'anyone' | { permission: string } | { staffAuth: 'public' | 'mfa' };

/** Fastify options a route may carry beside its handler. */
export interface RouteOptions {
  config?: Omit<FastifyContextConfig, 'permission' | 'staffAuth'>;
  preHandler?: preHandlerAsyncHookHandler | preHandlerAsyncHookHandler[];
  /** Built from the app once it exists (a limiter made with app.createRateLimit). */
  preHandlerFor?: (app: FastifyInstance) => preHandlerAsyncHookHandler;
  bodyLimit?: number;
}

export interface Route extends RouteOptions {
  method: 'GET' | 'POST';
  url: string;
  access: Access;
  handler: Handler;
}

export type RouteTable = readonly Route[];

/** Anyone may use the route (a public table). */
export const anyone: Access = 'anyone';
/** Staff holding this permission may use the route (an admin table). */
export const can = (permission: string): Access => ({ permission });
/** An admin route for staff who are not signed in yet (sign-in, password reset): 'public'; or half signed in: 'mfa'. */
export const signingIn = (staffAuth: 'public' | 'mfa'): Access => ({ staffAuth });

/** A GET route. */
export const get = (url: string, access: Access, handler: Handler, o: RouteOptions = {}): Route => ({
  method: 'GET',
  url,
  access,
  handler,
  ...o,
});
/** A POST route. */
export const post = (url: string, access: Access, handler: Handler, o: RouteOptions = {}): Route => ({
  method: 'POST',
  url,
  access,
  handler,
  ...o,
});

const isAdminPath = (url: string) => url === '/admin' || url.startsWith('/admin/');

/** Registers a table's routes on the app; a public route under /admin, or an admin route outside it, is a mistake that stops start-up. */
export function registerRoutes(app: FastifyInstance, core: Core, table: RouteTable, side: 'public' | 'admin'): void {
  for (const r of table) {
    const admin = r.access !== 'anyone';
    if (admin !== (side === 'admin') || admin !== isAdminPath(r.url)) {
      throw new Error(`${r.method} ${r.url}: a ${side} route ${admin ? 'with' : 'without'} a staff permission is in the wrong table`);
    }
    const config: FastifyContextConfig = { ...r.config };
    if (typeof r.access === 'object' && 'permission' in r.access) config.permission = r.access.permission;
    if (typeof r.access === 'object' && 'staffAuth' in r.access) config.staffAuth = r.access.staffAuth;
    const preHandler = [r.preHandler ?? [], r.preHandlerFor ? [r.preHandlerFor(app)] : []].flat();
    const handler = r.handler;
    app.route({
      method: r.method,
      url: r.url,
      config,
      ...(preHandler.length ? { preHandler } : {}),
      ...(r.bodyLimit ? { bodyLimit: r.bodyLimit } : {}),
      handler: (req, reply) => handler(req, reply, core),
    });
  }
}
