import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../core/context.js';
import { getSiteSettings } from '../core/settings.js';
import { AppError } from '../core/web/errors.js';
import { anyone, can, get, type RouteTable } from '../core/web/routes.js';
import { lookupPostcode, representativesStatus } from './service.js';
import { RepresentativesAdminView } from './views.js';

// The postcode → MP lookup as JSON for the letter forms' scripts, and the state of its data for staff.

// A visitor may look up a few postcodes (their own, a mistyped one, a relative's); nobody needs hundreds a minute.
const LOOKUP_LIMIT = { max: 60, timeWindow: '1 minute' } as const;

export const publicRoutes: RouteTable = [
  get('/api/representatives/postcode/:postcode', anyone, lookUpPostcode, { config: { rateLimit: LOOKUP_LIMIT } }),
];

export const adminRoutes: RouteTable = [get('/admin/representatives', can('settings:manage'), showRepresentativesData)];

async function lookUpPostcode(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const raw = (req.params as { postcode?: unknown }).postcode;
  const result = await lookupPostcode(core, typeof raw === 'string' ? raw : '');
  if (result.kind === 'invalid') throw new AppError(422, 'invalid', result.message, { postcode: result.message });
  // A postcode says roughly where someone lives: no cache anywhere keeps the answer.
  return reply.header('cache-control', 'no-store').send(result);
}

async function showRepresentativesData(_req: FastifyRequest, reply: FastifyReply, core: Core) {
  const [status, site] = await Promise.all([representativesStatus(core), getSiteSettings(core.db)]);
  return reply.adminPage({ title: 'MPs and postcodes', body: <RepresentativesAdminView status={status} tz={site.timeZone} /> });
}
