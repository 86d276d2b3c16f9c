import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Core } from '../core/context.js';
import { getSiteSettings } from '../core/settings.js';
import { utcToZonedLocal, zonedLocalToUtc } from '../core/time.js';
import { AppError } from '../core/web/errors.js';
import { formValues, parseForm, text } from '../core/web/forms.js';
import { personal, refusedFields } from '../core/web/public-forms.js';
import { anyone, can, get, post, type RouteTable } from '../core/web/routes.js';
import { feedLink } from '../core/web/share.js';
import { registerMemoryUploadRoutes } from '../core/web/uploads.js';
import { IMAGE_MAX_BYTES, imageFile, listImages, uploadImage, type ImageUpload } from './images.js';
import {
  AudienceFormSchema,
  audienceOptions,
  cancelNewsletter,
  countRecipients,
  createNewsletter,
  deleteNewsletter,
  followTestLink,
  getArchived,
  getNewsletter,
  listArchive,
  listNewsletters,
  NewsletterFormSchema,
  newsletterOverview,
  pauseNewsletter,
  previewNewsletter,
  resumeNewsletter,
  ScheduleFormSchema,
  scheduleNewsletter,
  sendTestNewsletter,
  startSending,
  unscheduleNewsletter,
  updateNewsletter,
  type Newsletter,
} from './service.js';
import {
  ArchiveItemView,
  ArchiveListView,
  ComposeView,
  ImagesView,
  NewsletterListView,
  NewsletterView,
  PreviewView,
  TestLinkView,
} from './views.js';

// Newsletters: compose, preview, test, send or schedule, progress with pause/resume/cancel, and the public archive.

export const publicRoutes: RouteTable = [
  get('/newsletters', anyone, showArchive),
  get('/newsletters/:slug', anyone, showArchivedNewsletter),
  // Images in newsletters are read in webmail, so other sites may load them (nothing else is loosened).
  get('/newsletters/images/:ref', anyone, sendImage, {
    config: { rateLimit: { max: 1200, timeWindow: '1 minute' }, exposure: 'embeddable' },
  }),
  get('/newsletters/test-link/:token', anyone, showTestLink, { config: { rateLimit: { max: 30, timeWindow: '1 minute' } } }),
];

export const adminRoutes: RouteTable = [
  get('/admin/newsletters', can('newsletters:edit'), showNewsletters),
  get('/admin/newsletters/new', can('newsletters:edit'), showNewForm),
  post('/admin/newsletters', can('newsletters:edit'), createDraft),
  get('/admin/newsletters/:id', can('newsletters:edit'), showNewsletter),
  get('/admin/newsletters/:id/edit', can('newsletters:edit'), showEditForm),
  post('/admin/newsletters/:id', can('newsletters:edit'), saveDraft),
  get('/admin/newsletters/images', can('newsletters:edit'), showImages),
  get('/admin/newsletters/:id/preview', can('newsletters:edit'), showPreview),
  // The email itself, shown in the preview's sandboxed frame: framed by our own pages only, under its own strict policy.
  get('/admin/newsletters/:id/preview/email', can('newsletters:edit'), showPreviewEmail, { config: { exposure: 'framed' } }),
  get('/admin/newsletters/:id/preview/text', can('newsletters:edit'), showPreviewText),
  post('/admin/newsletters/:id/test', can('newsletters:edit'), sendTest, { config: { rateLimit: { max: 20, timeWindow: '15 minutes' } } }),
  post('/admin/newsletters/:id/delete', can('newsletters:edit'), deleteDraft),
  post('/admin/newsletters/:id/schedule', can('newsletters:send'), schedule),
  post('/admin/newsletters/:id/send', can('newsletters:send'), sendNow),
  post('/admin/newsletters/:id/unschedule', can('newsletters:send'), unschedule),
  post('/admin/newsletters/:id/pause', can('newsletters:send'), pause),
  post('/admin/newsletters/:id/resume', can('newsletters:send'), resume),
  post('/admin/newsletters/:id/cancel', can('newsletters:send'), cancel),
];

/** The image upload: multipart is accepted on this route only, so setupImageUploads registers it in a scope of its own. */
const imageUploadRoutes: RouteTable = [post('/admin/newsletters/images', can('newsletters:edit'), uploadImageFromForm)];

const IdParams = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
const SlugParams = z.object({ slug: z.string().min(1).max(200) });
const PageQuery = z.object({ page: z.coerce.number().int().min(1).max(100_000).catch(1).default(1) });
const PER_PAGE = 50;

const notFound = () => new AppError(404, 'not_found', 'There is no such newsletter.');
const archivedNotFound = () => new AppError(404, 'not_found', 'We could not find that newsletter.');

const NOTICES: Record<string, string> = {
  saved: 'The draft was saved.',
  test: 'A test is on its way to your own email address.',
  deleted: 'The draft was deleted.',
  sending: 'Sending has started.',
  scheduled: 'The newsletter is scheduled.',
  unscheduled: 'The newsletter is back to draft.',
  paused: 'Sending is paused.',
  resumed: 'Sending has resumed.',
  cancelled: 'The rest of the send was cancelled.',
  uploaded: 'The image was uploaded. Copy its Markdown into your newsletter.',
};

/** Notices about a send in progress, shown only while it is: once it has finished, the page shows the result instead. */
const WHILE_SENDING = new Set(['sending', 'resumed']);

function idOf(req: FastifyRequest): number {
  const p = IdParams.safeParse(req.params);
  if (!p.success) throw notFound();
  return p.data.id;
}

function query(req: FastifyRequest): Record<string, string> {
  return formValues(req.query);
}

function valuesOf(x: Newsletter): Record<string, string> {
  return {
    subject: x.subject,
    body: x.body,
    listId: x.listId === null ? '' : String(x.listId),
    segmentId: x.segmentId === null ? '' : String(x.segmentId),
    ratePerMinute: x.ratePerMinute === null ? '' : String(x.ratePerMinute),
    inArchive: x.inArchive ? 'on' : '',
  };
}

/** The posted form's values as the form shows them again (an unticked checkbox is absent). */
function postedValues(body: unknown): Record<string, string> {
  const v = formValues(body);
  return { ...v, inArchive: v.inArchive === 'on' ? 'on' : '' };
}

// ---- the public archive ----------------------------------------------------------------------------------------

async function showArchive(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const { page } = PageQuery.parse(req.query ?? {});
  const [{ items, more }, site] = await Promise.all([listArchive(core, page), getSiteSettings(core.db)]);
  return reply.page({
    title: 'Newsletters',
    description: 'Newsletters we have sent to our supporters.',
    // The archive is also offered as a feed, under the website's categories (content/feeds).
    head: feedLink(`${core.config.baseUrl}/categories/newsletter/feed.xml`, `${site.orgName}: newsletters`),
    body: <ArchiveListView items={items} more={more} page={page} tz={site.timeZone} />,
  });
}

async function showArchivedNewsletter(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const p = SlugParams.safeParse(req.params);
  if (!p.success) throw archivedNotFound();
  const item = await getArchived(core, p.data.slug);
  if (!item) throw archivedNotFound();
  const site = await getSiteSettings(core.db);
  return reply.page({
    title: item.subject,
    body: <ArchiveItemView item={item} tz={site.timeZone} />,
    cacheKey: `newsletter ${item.slug} ${item.updatedAt}`,
  });
}

// ---- the admin pages -------------------------------------------------------------------------------------------

async function showNewsletters(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const { page } = PageQuery.parse(req.query ?? {});
  const [rows, site] = await Promise.all([
    listNewsletters(core, { limit: PER_PAGE + 1, offset: (page - 1) * PER_PAGE }),
    getSiteSettings(core.db),
  ]);
  return reply.adminPage({
    title: 'Newsletters',
    body: (
      <NewsletterListView
        newsletters={rows.slice(0, PER_PAGE)}
        more={rows.length > PER_PAGE}
        page={page}
        tz={site.timeZone}
        canEdit={req.viewer!.can('newsletters:edit')}
        notice={NOTICES[query(req).done ?? '']}
      />
    ),
  });
}

interface ComposeState {
  id?: number | undefined;
  values: Record<string, string>;
  errors?: Record<string, string>;
  count?: number;
  status?: number;
}

/** The compose form, new (no id) or editing a draft, with the lists and segments it can go to. */
async function composePage(req: FastifyRequest, reply: FastifyReply, core: Core, o: ComposeState) {
  return reply.adminPage({
    title: o.id ? 'Edit the newsletter' : 'Write a newsletter',
    status: o.status ?? 200,
    body: (
      <ComposeView
        csrf={req.csrfToken()}
        action={o.id ? `/admin/newsletters/${o.id}` : '/admin/newsletters'}
        audience={await audienceOptions(core)}
        values={o.values}
        errors={o.errors}
        count={o.count}
        isNew={!o.id}
      />
    ),
  });
}

async function showNewForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return composePage(req, reply, core, { values: { inArchive: 'on' } });
}

async function showEditForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const x = await getNewsletter(core.db, idOf(req));
  if (x.status !== 'draft') throw new AppError(409, 'conflict', 'Only a draft can be changed. Unschedule it first.');
  return composePage(req, reply, core, { id: x.id, values: valuesOf(x) });
}

/** "Count recipients" on the compose form: the form again, with how many the audience reaches now. */
async function countAndShow(req: FastifyRequest, reply: FastifyReply, core: Core, id: number | undefined, values: Record<string, string>) {
  const audience = AudienceFormSchema.safeParse(req.body ?? {});
  if (!audience.success) {
    const errors: Record<string, string> = {};
    for (const i of audience.error.issues) errors[String(i.path[0] ?? '_form')] ??= i.message;
    return composePage(req, reply, core, { id, values, errors, status: 422 });
  }
  let count: number;
  try {
    count = await countRecipients(core, audience.data.listId, audience.data.segmentId ?? null);
  } catch {
    return composePage(req, reply, core, { id, values, errors: { segmentId: 'Choose a segment that still exists, or none' }, status: 422 });
  }
  return composePage(req, reply, core, { id, values, count });
}

async function createDraft(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const values = postedValues(req.body);
  if (values.intent === 'count') return countAndShow(req, reply, core, undefined, values);
  const form = parseForm(NewsletterFormSchema, req.body);
  if (!form.ok) return composePage(req, reply, core, { values, errors: form.errors, status: 422 });
  let id: number;
  try {
    id = await createNewsletter(core, req.viewer!.id, form.data);
  } catch (err) {
    return composePage(req, reply, core, { values, errors: refusedFields(err), status: 422 });
  }
  return reply.redirect(`/admin/newsletters/${id}?done=saved`, 303);
}

async function saveDraft(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req);
  await getNewsletter(core.db, id);
  const values = postedValues(req.body);
  if (values.intent === 'count') return countAndShow(req, reply, core, id, values);
  const form = parseForm(NewsletterFormSchema, req.body);
  if (!form.ok) return composePage(req, reply, core, { id, values, errors: form.errors, status: 422 });
  try {
    await updateNewsletter(core, req.viewer!.id, id, form.data);
  } catch (err) {
    return composePage(req, reply, core, { id, values, errors: refusedFields(err), status: 422 });
  }
  return reply.redirect(`/admin/newsletters/${id}?done=saved`, 303);
}

/** The newsletter's page: its state, and the forms to test, schedule, send, pause, resume or cancel it. */
async function newsletterPage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  id: number,
  o: { errors?: Record<string, string>; scheduleValue?: string; status?: number } = {},
) {
  const v = await newsletterOverview(core, id);
  const viewer = req.viewer!;
  const done = query(req).done ?? '';
  return reply.adminPage({
    title: v.newsletter.subject,
    status: o.status ?? 200,
    body: (
      <NewsletterView
        csrf={req.csrfToken()}
        newsletter={v.newsletter}
        tz={v.timeZone}
        audience={v.audience}
        count={v.count}
        progress={v.progress}
        canEdit={viewer.can('newsletters:edit')}
        canSend={viewer.can('newsletters:send')}
        notice={WHILE_SENDING.has(done) && v.newsletter.status !== 'sending' ? undefined : NOTICES[done]}
        errors={o.errors}
        scheduleValue={o.scheduleValue}
        webUrl={v.webUrl}
        autoRefresh={v.newsletter.status === 'sending' && query(req).refresh === 'on'}
      />
    ),
  });
}

async function showNewsletter(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return newsletterPage(req, reply, core, idOf(req));
}

async function showPreview(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const x = await getNewsletter(core.db, idOf(req));
  const preview = await previewNewsletter(core, x);
  return reply.adminPage({
    title: `Preview: ${x.subject}`,
    status: preview.problem ? 422 : 200,
    body: <PreviewView newsletter={x} preview={preview} />,
  });
}

/** The email's HTML as a document of its own, for the preview's sandboxed frame. */
async function showPreviewEmail(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const preview = await previewNewsletter(core, await getNewsletter(core.db, idOf(req)));
  return reply.type('text/html; charset=utf-8').send(preview.emailHtml);
}

async function showPreviewText(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const preview = await previewNewsletter(core, await getNewsletter(core.db, idOf(req)));
  return reply.type('text/plain; charset=utf-8').send(`Subject: ${preview.subject}\n\n${preview.emailText}`);
}

async function sendTest(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req);
  try {
    await sendTestNewsletter(core, req.viewer!.id, id);
  } catch (err) {
    return newsletterPage(req, reply, core, id, { errors: refusedFields(err), status: 422 });
  }
  return reply.redirect(`/admin/newsletters/${id}?done=test`, 303);
}

async function deleteDraft(req: FastifyRequest, reply: FastifyReply, core: Core) {
  await deleteNewsletter(core, req.viewer!.id, idOf(req));
  return reply.redirect('/admin/newsletters?done=deleted', 303);
}

async function schedule(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req);
  const site = await getSiteSettings(core.db);
  const form = parseForm(ScheduleFormSchema, req.body);
  const value = formValues(req.body).sendAt ?? '';
  if (!form.ok) return newsletterPage(req, reply, core, id, { errors: form.errors, scheduleValue: value, status: 422 });
  const at = zonedLocalToUtc(form.data.sendAt, site.timeZone);
  if (at === null)
    return newsletterPage(req, reply, core, id, { errors: { sendAt: 'Enter a real date and time' }, scheduleValue: value, status: 422 });
  try {
    await scheduleNewsletter(core, req.viewer!.id, id, at);
  } catch (err) {
    return newsletterPage(req, reply, core, id, {
      errors: refusedFields(err),
      scheduleValue: utcToZonedLocal(at, site.timeZone),
      status: 422,
    });
  }
  return reply.redirect(`/admin/newsletters/${id}?done=scheduled`, 303);
}

async function sendNow(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req);
  try {
    await startSending(core, req.viewer!.id, id);
  } catch (err) {
    return newsletterPage(req, reply, core, id, { errors: refusedFields(err), status: 422 });
  }
  return reply.redirect(`/admin/newsletters/${id}?done=sending`, 303);
}

/** A state change from a button: the service decides whether it is allowed now; then back to the newsletter. */
async function changeState(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  run: (core: Core, staffId: number, id: number) => Promise<unknown>,
  done: string,
) {
  const id = idOf(req);
  await run(core, req.viewer!.id, id);
  return reply.redirect(`/admin/newsletters/${id}?done=${done}`, 303);
}

async function unschedule(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return changeState(req, reply, core, unscheduleNewsletter, 'unscheduled');
}

async function pause(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return changeState(req, reply, core, pauseNewsletter, 'paused');
}

async function resume(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return changeState(req, reply, core, resumeNewsletter, 'resumed');
}

async function cancel(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return changeState(req, reply, core, cancelNewsletter, 'cancelled');
}

// ---- images ------------------------------------------------------------------------------------------------------

/** The file of an image upload's request (set up by setupImageUploads). */
let uploadedImage: (req: FastifyRequest) => ImageUpload | undefined = () => undefined;

/** Multipart is accepted on the image upload only; the image is read into memory (at most the limit) and stored only once checked. */
export async function setupImageUploads(app: FastifyInstance, core: Core): Promise<void> {
  uploadedImage = await registerMemoryUploadRoutes(app, core, {
    routes: imageUploadRoutes,
    side: 'admin',
    field: 'file',
    maxBytes: IMAGE_MAX_BYTES,
    fields: 5,
    accept: (req) => Boolean(req.viewer),
  });
}

const ImageFormSchema = z.object({ description: text('what the image shows', { max: 300 }) });

async function imagesPage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  o: { values?: Record<string, string>; errors?: Record<string, string> } = {},
) {
  const [images, site] = await Promise.all([listImages(core), getSiteSettings(core.db)]);
  return reply.adminPage({
    title: 'Images for newsletters',
    status: o.errors ? 422 : 200,
    body: (
      <ImagesView
        csrf={req.csrfToken()}
        images={images}
        values={o.values ?? {}}
        errors={o.errors}
        notice={NOTICES[query(req).done ?? '']}
        tz={site.timeZone}
        maxMb={IMAGE_MAX_BYTES / 1024 / 1024}
      />
    ),
  });
}

async function showImages(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return imagesPage(req, reply, core);
}

async function uploadImageFromForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const values = formValues(req.body);
  const form = parseForm(ImageFormSchema, req.body);
  const upload = uploadedImage(req);
  if (!form.ok) return imagesPage(req, reply, core, { values, errors: form.errors });
  let id: number;
  try {
    id = await uploadImage(core, req.viewer!.id, upload, form.data.description);
  } catch (err) {
    return imagesPage(req, reply, core, { values, errors: refusedFields(err) });
  }
  return reply.redirect(`/admin/newsletters/images?done=uploaded#image-${id}`, 303);
}

const RefParams = z.object({ ref: z.string().max(100) });

async function sendImage(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const p = RefParams.safeParse(req.params);
  const file = p.success ? await imageFile(core, p.data.ref) : undefined;
  if (!file) throw new AppError(404, 'not_found', 'There is no such image.');
  const etag = `"${file.sha256}"`;
  // The type is the one found from the image's own bytes; an image at an address never changes, so it may be kept.
  reply.header('cache-control', 'public, max-age=31536000, immutable').header('etag', etag).header('content-disposition', 'inline');
  if (req.headers['if-none-match'] === etag) return reply.code(304).send();
  return reply.type(file.contentType).send(Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength));
}

// ---- the preferences link of a test ---------------------------------------------------------------------------------

const TokenParams = z.object({ token: z.string().max(100) });

async function showTestLink(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const p = TokenParams.safeParse(req.params);
  const to = p.success ? await followTestLink(core, p.data.token) : undefined;
  if (!to) throw new AppError(404, 'not_found', 'This link is not valid. It may have been copied only in part.');
  if (to !== 'explain') return personal(reply).redirect(new URL(to.manageUrl).pathname, 303);
  return personal(reply).page({ title: 'This link came in a test', body: <TestLinkView /> });
}
