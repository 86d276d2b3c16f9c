import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Capability, Core } from '../core/context.js';
import { getSiteSettings } from '../core/settings.js';
import { AppError, DomainError } from '../core/web/errors.js';
import { formValues, parseForm } from '../core/web/forms.js';
import { seedDemoNewsletters } from './demo.js';
import { utcToZonedLocal, zonedLocalToUtc } from '../core/time.js';
import { newsletterJobs } from './jobs.js';
import {
  AudienceFormSchema,
  audienceNames,
  audienceOptions,
  cancelNewsletter,
  countRecipients,
  createNewsletter,
  deleteNewsletter,
  getArchived,
  getNewsletter,
  listArchive,
  listNewsletters,
  NewsletterFormSchema,
  newsletterProgress,
  pauseNewsletter,
  previewNewsletter,
  resumeNewsletter,
  ScheduleFormSchema,
  scheduleNewsletter,
  sendTestNewsletter,
  startSending,
  unscheduleNewsletter,
  updateNewsletter,
  webVersionUrl,
  type Newsletter,
} from './service.js';
import { ArchiveItemView, ArchiveListView, ComposeView, NewsletterListView, NewsletterView, PreviewView } from './views.js';

const IdParams = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
const SlugParams = z.object({ slug: z.string().min(1).max(200) });
const PageQuery = z.object({ page: z.coerce.number().int().min(1).max(100_000).catch(1).default(1) });
const PER_PAGE = 50;

const notFound = () => new AppError(404, 'not_found', 'There is no such newsletter.');

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
};

function idOf(req: FastifyRequest): number {
  const p = IdParams.safeParse(req.params);
  if (!p.success) throw notFound();
  return p.data.id;
}

function query(req: FastifyRequest): Record<string, string> {
  return formValues(req.query);
}

/** Field messages of a rule the service refused, for the form; anything else is rethrown. */
function refusedFields(err: unknown): Record<string, string> {
  if (err instanceof DomainError && err.code === 'invalid')
    return Object.keys(err.fields).length ? { ...err.fields } : { _form: err.message };
  throw err;
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

/** Newsletters: compose, preview, test, send or schedule, progress with pause/resume/cancel, and the public archive. */
export const newslettersCapability: Capability = {
  name: 'newsletters',
  nav: [{ href: '/newsletters', label: 'Newsletters' }],
  adminNav: [{ href: '/admin/newsletters', label: 'Newsletters', permission: 'newsletters:edit' }],
  jobs: (core) => newsletterJobs(core),
  demo: (core) => seedDemoNewsletters(core),
  routes(app, core) {
    const { db } = core;

    const composePage = async (
      req: FastifyRequest,
      reply: FastifyReply,
      o: { id?: number; values: Record<string, string>; errors?: Record<string, string>; count?: number; status?: number },
    ) =>
      reply.adminPage({
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

    const showPage = async (
      req: FastifyRequest,
      reply: FastifyReply,
      id: number,
      o: { errors?: Record<string, string>; scheduleValue?: string; status?: number } = {},
    ) => {
      const x = await getNewsletter(db, id);
      const site = await getSiteSettings(db);
      const unsent = x.status === 'draft' || x.status === 'scheduled';
      const [audience, count, progress] = await Promise.all([
        audienceNames(core, x),
        unsent && x.listId !== null ? countRecipients(core, x.listId, x.segmentId).catch(() => undefined) : Promise.resolve(undefined),
        unsent ? Promise.resolve(undefined) : newsletterProgress(db, id),
      ]);
      const viewer = req.viewer!;
      return reply.adminPage({
        title: x.subject,
        status: o.status ?? 200,
        body: (
          <NewsletterView
            csrf={req.csrfToken()}
            newsletter={x}
            tz={site.timeZone}
            audience={audience}
            count={count}
            progress={progress}
            canEdit={viewer.can('newsletters:edit')}
            canSend={viewer.can('newsletters:send')}
            notice={NOTICES[query(req).done ?? '']}
            errors={o.errors}
            scheduleValue={o.scheduleValue}
            webUrl={x.inArchive && x.archiveSlug && !unsent && x.status !== 'cancelled' ? webVersionUrl(core, x.archiveSlug) : null}
            autoRefresh={x.status === 'sending' && query(req).refresh === 'on'}
          />
        ),
      });
    };

    /** A state change from a button: the service decides whether it is allowed now; then back to the newsletter. */
    const action = (path: string, permission: string, run: (core: Core, staffId: number, id: number) => Promise<unknown>, done: string) =>
      app.post(`/admin/newsletters/:id/${path}`, { config: { permission } }, async (req, reply) => {
        const id = idOf(req);
        await run(core, req.viewer!.id, id);
        return reply.redirect(`/admin/newsletters/${id}?done=${done}`, 303);
      });

    // ---- admin ----

    app.get('/admin/newsletters', { config: { permission: 'newsletters:edit' } }, async (req, reply) => {
      const { page } = PageQuery.parse(req.query ?? {});
      const [rows, site] = await Promise.all([
        listNewsletters(core, { limit: PER_PAGE + 1, offset: (page - 1) * PER_PAGE }),
        getSiteSettings(db),
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
    });

    app.get('/admin/newsletters/new', { config: { permission: 'newsletters:edit' } }, async (req, reply) =>
      composePage(req, reply, { values: { inArchive: 'on' } }),
    );

    app.post('/admin/newsletters', { config: { permission: 'newsletters:edit' } }, async (req, reply) => {
      const values = postedValues(req.body);
      if (values.intent === 'count') return countAndShow(req, reply, undefined, values);
      const form = parseForm(NewsletterFormSchema, req.body);
      if (!form.ok) return composePage(req, reply, { values, errors: form.errors, status: 422 });
      let id: number;
      try {
        id = await createNewsletter(core, req.viewer!.id, form.data);
      } catch (err) {
        return composePage(req, reply, { values, errors: refusedFields(err), status: 422 });
      }
      return reply.redirect(`/admin/newsletters/${id}?done=saved`, 303);
    });

    const countAndShow = async (req: FastifyRequest, reply: FastifyReply, id: number | undefined, values: Record<string, string>) => {
      const audience = AudienceFormSchema.safeParse(req.body ?? {});
      if (!audience.success) {
        const errors: Record<string, string> = {};
        for (const i of audience.error.issues) errors[String(i.path[0] ?? '_form')] ??= i.message;
        return composePage(req, reply, { ...(id ? { id } : {}), values, errors, status: 422 });
      }
      let count: number;
      try {
        count = await countRecipients(core, audience.data.listId, audience.data.segmentId ?? null);
      } catch {
        return composePage(req, reply, {
          ...(id ? { id } : {}),
          values,
          errors: { segmentId: 'Choose a segment that still exists, or none' },
          status: 422,
        });
      }
      return composePage(req, reply, { ...(id ? { id } : {}), values, count });
    };

    app.get('/admin/newsletters/:id', { config: { permission: 'newsletters:edit' } }, async (req, reply) =>
      showPage(req, reply, idOf(req)),
    );

    app.get('/admin/newsletters/:id/edit', { config: { permission: 'newsletters:edit' } }, async (req, reply) => {
      const x = await getNewsletter(db, idOf(req));
      if (x.status !== 'draft') throw new AppError(409, 'conflict', 'Only a draft can be changed. Unschedule it first.');
      return composePage(req, reply, { id: x.id, values: valuesOf(x) });
    });

    app.post('/admin/newsletters/:id', { config: { permission: 'newsletters:edit' } }, async (req, reply) => {
      const id = idOf(req);
      await getNewsletter(db, id);
      const values = postedValues(req.body);
      if (values.intent === 'count') return countAndShow(req, reply, id, values);
      const form = parseForm(NewsletterFormSchema, req.body);
      if (!form.ok) return composePage(req, reply, { id, values, errors: form.errors, status: 422 });
      try {
        await updateNewsletter(core, req.viewer!.id, id, form.data);
      } catch (err) {
        return composePage(req, reply, { id, values, errors: refusedFields(err), status: 422 });
      }
      return reply.redirect(`/admin/newsletters/${id}?done=saved`, 303);
    });

    app.get('/admin/newsletters/:id/preview', { config: { permission: 'newsletters:edit' } }, async (req, reply) => {
      const x = await getNewsletter(db, idOf(req));
      const preview = await previewNewsletter(core, x);
      return reply.adminPage({ title: `Preview: ${x.subject}`, body: <PreviewView newsletter={x} {...preview} /> });
    });

    app.post(
      '/admin/newsletters/:id/test',
      { config: { permission: 'newsletters:edit', rateLimit: { max: 20, timeWindow: '15 minutes' } } },
      async (req, reply) => {
        const id = idOf(req);
        await sendTestNewsletter(core, req.viewer!.id, id);
        return reply.redirect(`/admin/newsletters/${id}?done=test`, 303);
      },
    );

    app.post('/admin/newsletters/:id/delete', { config: { permission: 'newsletters:edit' } }, async (req, reply) => {
      await deleteNewsletter(core, req.viewer!.id, idOf(req));
      return reply.redirect('/admin/newsletters?done=deleted', 303);
    });

    app.post('/admin/newsletters/:id/schedule', { config: { permission: 'newsletters:send' } }, async (req, reply) => {
      const id = idOf(req);
      const site = await getSiteSettings(db);
      const form = parseForm(ScheduleFormSchema, req.body);
      const value = formValues(req.body).sendAt ?? '';
      if (!form.ok) return showPage(req, reply, id, { errors: form.errors, scheduleValue: value, status: 422 });
      const at = zonedLocalToUtc(form.data.sendAt, site.timeZone);
      if (at === null)
        return showPage(req, reply, id, { errors: { sendAt: 'Enter a real date and time' }, scheduleValue: value, status: 422 });
      try {
        await scheduleNewsletter(core, req.viewer!.id, id, at);
      } catch (err) {
        return showPage(req, reply, id, { errors: refusedFields(err), scheduleValue: utcToZonedLocal(at, site.timeZone), status: 422 });
      }
      return reply.redirect(`/admin/newsletters/${id}?done=scheduled`, 303);
    });

    app.post('/admin/newsletters/:id/send', { config: { permission: 'newsletters:send' } }, async (req, reply) => {
      const id = idOf(req);
      try {
        await startSending(core, req.viewer!.id, id);
      } catch (err) {
        return showPage(req, reply, id, { errors: refusedFields(err), status: 422 });
      }
      return reply.redirect(`/admin/newsletters/${id}?done=sending`, 303);
    });

    action('unschedule', 'newsletters:send', unscheduleNewsletter, 'unscheduled');
    action('pause', 'newsletters:send', pauseNewsletter, 'paused');
    action('resume', 'newsletters:send', resumeNewsletter, 'resumed');
    action('cancel', 'newsletters:send', cancelNewsletter, 'cancelled');

    // ---- public archive ----

    app.get('/newsletters', async (req, reply) => {
      const { page } = PageQuery.parse(req.query ?? {});
      const [{ items, more }, site] = await Promise.all([listArchive(core, page), getSiteSettings(db)]);
      return reply.page({
        title: 'Newsletters',
        description: 'Newsletters we have sent to our supporters.',
        body: <ArchiveListView items={items} more={more} page={page} tz={site.timeZone} />,
      });
    });

    app.get('/newsletters/:slug', async (req, reply) => {
      const p = SlugParams.safeParse(req.params);
      if (!p.success) throw new AppError(404, 'not_found', 'We could not find that newsletter.');
      const item = await getArchived(core, p.data.slug);
      if (!item) throw new AppError(404, 'not_found', 'We could not find that newsletter.');
      const site = await getSiteSettings(db);
      return reply.page({
        title: item.subject,
        body: <ArchiveItemView item={item} tz={site.timeZone} />,
        cacheKey: `newsletter ${item.slug} ${item.updatedAt}`,
      });
    });
  },
};
