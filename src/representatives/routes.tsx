import type { Capability } from '../core/context.js';
import { getSiteSettings } from '../core/settings.js';
import { AppError } from '../core/web/errors.js';
import { ensureShippedData, lookupPostcode, representativesStatus } from './service.js';
import { RepresentativesAdminView } from './views.js';

// A visitor may look up a few postcodes (their own, a mistyped one, a relative's); nobody needs hundreds a minute.
const LOOKUP_LIMIT = { max: 60, timeWindow: '1 minute' } as const;

/** UK representatives: the postcode → MP lookup as JSON for the letter forms' scripts, and its data for staff. */
export const representativesCapability: Capability = {
  name: 'representatives',
  adminNav: [{ href: '/admin/representatives', label: 'MPs and postcodes', permission: 'settings:manage' }],
  async routes(app, core) {
    // On the first start, and after an upgrade that ships newer data, load it before serving anyone. The postcode
    // range table is decoded on the first lookup (about 30 ms, once per process), so an install that never writes to
    // MPs does not carry it.
    await ensureShippedData(core.db);

    app.get('/api/representatives/postcode/:postcode', { config: { rateLimit: LOOKUP_LIMIT } }, async (req, reply) => {
      const raw = (req.params as { postcode?: unknown }).postcode;
      const result = await lookupPostcode(core, typeof raw === 'string' ? raw : '');
      if (result.kind === 'invalid') throw new AppError(422, 'invalid', result.message, { postcode: result.message });
      // A postcode says roughly where someone lives: no cache anywhere keeps the answer.
      return reply.header('cache-control', 'no-store').send(result);
    });

    app.get('/admin/representatives', { config: { permission: 'settings:manage' } }, async (_req, reply) => {
      const [status, site] = await Promise.all([representativesStatus(core), getSiteSettings(core.db)]);
      return reply.adminPage({ title: 'MPs and postcodes', body: <RepresentativesAdminView status={status} tz={site.timeZone} /> });
    });
  },
};
