import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Core } from '../core/context.js';
import { getSiteSettings } from '../core/settings.js';
import { AppError } from '../core/web/errors.js';
import { formValues } from '../core/web/forms.js';
import { anyone, can, get, post, type RouteTable } from '../core/web/routes.js';
import { registerStoredUploadRoutes, type StoredUploads } from '../core/web/uploads.js';
import { lookupPostcode, representativesStatus } from './service.js';
import { adoptUpload, discardUpload, getUpload, recentUploads, storeUpload, UPLOAD_LIMIT_BYTES } from './uploads.js';
import { RepresentativesAdminView, UploadProgressView } from './views.js';

// The postcode → MP lookup as JSON for the letter forms' scripts, and the MPs and postcodes page for staff: what the
// data is, where it came from, and an upload that refreshes it in the background with a progress page.

// A visitor may look up a few postcodes (their own, a mistyped one, a relative's); nobody needs hundreds a minute.
const LOOKUP_LIMIT = { max: 60, timeWindow: '1 minute' } as const;

const MANAGE = can('settings:manage');

export const publicRoutes: RouteTable = [
  get('/api/representatives/postcode/:postcode', anyone, lookUpPostcode, { config: { rateLimit: LOOKUP_LIMIT } }),
];

export const adminRoutes: RouteTable = [
  get('/admin/representatives', MANAGE, showRepresentativesData),
  get('/admin/representatives/uploads/:id', MANAGE, showUpload),
];

/** The upload: multipart is accepted on this route only, so setupRepresentativesUploads registers it in a scope of its own. */
const uploadRoutes: RouteTable = [post('/admin/representatives/uploads', MANAGE, uploadFile)];

const UploadForm = z.object({ kind: z.enum(['postcodes', 'mps'], { error: 'Choose what the file holds' }) });
const IdParams = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

/** The file each upload request stored, set once the upload route is registered. */
let uploads: StoredUploads;

/**
 * Multipart is accepted on the upload route only, in a scope of its own; the file is stored in chunks as it
 * arrives, and deleted if the request then fails any check.
 */
export async function setupRepresentativesUploads(app: FastifyInstance, core: Core): Promise<void> {
  uploads = await registerStoredUploadRoutes(app, core, {
    routes: uploadRoutes,
    maxBytes: UPLOAD_LIMIT_BYTES,
    fields: 4,
    fieldSize: 1024,
    store: (staffId, filename, file) => storeUpload(core, staffId, filename, file),
    discard: (id) => discardUpload(core, id),
  });
}

async function lookUpPostcode(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const raw = (req.params as { postcode?: unknown }).postcode;
  const result = await lookupPostcode(core, typeof raw === 'string' ? raw : '');
  if (result.kind === 'invalid') throw new AppError(422, 'invalid', result.message, { postcode: result.message });
  // A postcode says roughly where someone lives: no cache anywhere keeps the answer.
  return reply.header('cache-control', 'no-store').send(result);
}

async function dataPage(req: FastifyRequest, reply: FastifyReply, core: Core, o: { errors?: Record<string, string>; kind?: string } = {}) {
  const [status, site, recent] = await Promise.all([representativesStatus(core), getSiteSettings(core.db), recentUploads(core)]);
  return reply.adminPage({
    title: 'MPs and postcodes',
    status: o.errors ? 422 : 200,
    body: (
      <RepresentativesAdminView status={status} tz={site.timeZone} csrf={req.csrfToken()} recent={recent} errors={o.errors} kind={o.kind} />
    ),
  });
}

async function showRepresentativesData(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return dataPage(req, reply, core);
}

async function uploadFile(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const form = UploadForm.safeParse(formValues(req.body));
  const kind = formValues(req.body).kind;
  const u = uploads.get(req);
  const errors: Record<string, string> = {};
  if (!form.success) errors.kind = 'Choose what the file holds: postcodes or MPs';
  if (!u) errors.file = 'Choose a file to upload';
  else if (!u.ok) errors.file = u.message;
  if (!form.success || !u?.ok) return dataPage(req, reply, core, { errors, kind });
  uploads.keep(req);
  await adoptUpload(core, req.viewer!.id, u.id, form.data.kind);
  return reply.redirect(`/admin/representatives/uploads/${u.id}`, 303);
}

async function showUpload(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const params = IdParams.safeParse(req.params);
  if (!params.success) throw new AppError(404, 'not_found', 'There is nothing here.');
  const [upload, site] = await Promise.all([getUpload(core, params.data.id), getSiteSettings(core.db)]);
  return reply.adminPage({ title: `Import of ${upload.file}`, body: <UploadProgressView upload={upload} tz={site.timeZone} /> });
}
