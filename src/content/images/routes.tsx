import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Core } from '../../core/context.js';
import { getSiteSettings } from '../../core/settings.js';
import { AppError } from '../../core/web/errors.js';
import { formValues } from '../../core/web/forms.js';
import { refusedFields } from '../../core/web/public-forms.js';
import { anyone, can, get, post, type RouteTable } from '../../core/web/routes.js';
import { registerMemoryUploadRoutes, type MemoryUpload } from '../../core/web/uploads.js';
import { CONTENT_IMAGE_MAX_BYTES, deleteImage, describeImage, imageVariantFile, listImages, storeImage } from './service.js';
import { ImagesAdminView } from './views.js';

// The website's images: served at their signed addresses, and the staff page that uploads and describes them.

export const publicRoutes: RouteTable = [
  get('/images/:ref/:file', anyone, sendImage, { config: { rateLimit: { max: 1200, timeWindow: '1 minute' } } }),
];

export const adminRoutes: RouteTable = [
  get('/admin/content/images', can('content:edit'), showImages),
  post('/admin/content/images/:id', can('content:edit'), saveDescription),
  post('/admin/content/images/:id/delete', can('content:edit'), removeImage),
];

const uploadRoutes: RouteTable = [post('/admin/content/images', can('content:edit'), uploadImage)];

/** The file of an upload's request (set up by setupImageUploads). */
let uploadedImage: (req: FastifyRequest) => MemoryUpload | undefined = () => undefined;

/** Multipart is accepted on the upload route only; the image is read into memory (at most the limit) and stored only once checked. */
export async function setupImageUploads(app: FastifyInstance, core: Core): Promise<void> {
  uploadedImage = await registerMemoryUploadRoutes(app, core, {
    routes: uploadRoutes,
    side: 'admin',
    field: 'file',
    maxBytes: CONTENT_IMAGE_MAX_BYTES,
    fields: 5,
    accept: (req) => Boolean(req.viewer),
  });
}

const PER_PAGE = 60;
// A page past the last shows the link back; anything unreadable is page 1 (a bookmark should never end in an error).
const PageQuery = z.object({
  page: z.coerce.number().int().min(1).max(100_000).catch(1).default(1),
  done: z.string().max(20).optional().catch(undefined),
});
const NOTICES: Record<string, string> = {
  uploaded: 'The image is uploaded. Choose it on an update or a campaign page, or paste its Markdown into the text.',
  described: 'The description is saved.',
  deleted: 'The image is deleted.',
};

async function imagesPage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  o: { values?: Record<string, string>; errors?: Record<string, string>; page?: number } = {},
) {
  const q = PageQuery.safeParse(req.query ?? {});
  const { done } = q.success ? q.data : { done: undefined };
  const page = o.page ?? (q.success ? q.data.page : 1);
  const [list, site] = await Promise.all([listImages(core, { page, perPage: PER_PAGE }), getSiteSettings(core.db)]);
  return reply.adminPage({
    title: 'Images for the website',
    status: o.errors ? 422 : 200,
    body: (
      <ImagesAdminView
        csrf={req.csrfToken()}
        images={list.items}
        total={list.total}
        page={page}
        pages={Math.max(1, Math.ceil(list.total / PER_PAGE))}
        values={o.values ?? {}}
        errors={o.errors}
        notice={done !== undefined && Object.hasOwn(NOTICES, done) ? NOTICES[done] : undefined}
        timeZone={site.timeZone}
        maxMb={CONTENT_IMAGE_MAX_BYTES / 1024 / 1024}
      />
    ),
  });
}

async function showImages(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return imagesPage(req, reply, core);
}

async function uploadImage(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const values = formValues(req.body);
  try {
    const image = await storeImage(core, uploadedImage(req), { alt: values.alt ?? '', staffId: req.viewer!.id });
    return reply.redirect(`/admin/content/images?done=uploaded#image-${image.id}`, 303);
  } catch (err) {
    return imagesPage(req, reply, core, { values, errors: refusedFields(err) });
  }
}

const IdParams = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
const idOf = (params: unknown) => {
  const p = IdParams.safeParse(params);
  if (!p.success) throw new AppError(404, 'not_found', 'There is no such image.');
  return p.data.id;
};

async function saveDescription(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req.params);
  const values = formValues(req.body);
  // The page of the list the form was on, so the answer shows the same images.
  const p = PageQuery.shape.page.safeParse(values.page);
  const page = p.success ? p.data : 1;
  try {
    await describeImage(core, id, values.alt ?? '', req.viewer!.id);
  } catch (err) {
    // The message belongs beside this image's own description field, not the upload form's.
    const errors = Object.fromEntries(Object.values(refusedFields(err)).map((message) => [`alt-${id}`, message]));
    return imagesPage(req, reply, core, { values: { [`alt-${id}`]: values.alt ?? '' }, errors, page });
  }
  return reply.redirect(`/admin/content/images?${page > 1 ? `page=${page}&` : ''}done=described#image-${id}`, 303);
}

async function removeImage(req: FastifyRequest, reply: FastifyReply, core: Core) {
  await deleteImage(core, idOf(req.params), req.viewer!.id);
  return reply.redirect('/admin/content/images?done=deleted', 303);
}

const FileParams = z.object({ ref: z.string().max(60), file: z.string().max(20) });

async function sendImage(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const p = FileParams.safeParse(req.params);
  const file = p.success ? await imageVariantFile(core, p.data.ref, p.data.file) : undefined;
  if (!file) throw new AppError(404, 'not_found', 'There is no such image.');
  const etag = `"${file.sha256}"`;
  // The bytes at an address never change (a new upload is a new address), so browsers may keep them for a year.
  reply
    .header('cache-control', 'public, max-age=31536000, immutable')
    .header('etag', etag)
    .header('content-disposition', 'inline')
    .header('x-content-type-options', 'nosniff');
  if (req.headers['if-none-match'] === etag) return reply.code(304).send();
  return reply.type(file.contentType).send(Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength));
}
