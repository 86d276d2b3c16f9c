import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Core } from '../../core/context.js';
import { getSiteSettings } from '../../core/settings.js';
import { AppError, DomainError } from '../../core/web/errors.js';
import { formValues, parseForm } from '../../core/web/forms.js';
import { can, get, post, type RouteTable } from '../../core/web/routes.js';
import { LetterAdminView, ExportView, ModerationView, ResponsesView } from './admin-views.js';
import {
  approveLetter,
  exportLetters,
  getLetterAction,
  letterExportSummary,
  letterForStaff,
  moderationOverview,
  mpResponseFigures,
  rejectLetter,
  RejectSchema,
  retryDelivery,
  messageWords,
  type LetterAction,
  type MessageWords,
} from './service.js';

// The staff's routes for letters, each with its permission beside it: reading what supporters wrote is moderation
// ('actions:moderate'); the response figures hold no one's details ('actions:edit'); the export is personal data
// leaving Lantern ('supporters:export', and audited).

const MODERATE = can('actions:moderate');

/** The staff's letter routes (for both letter kinds). */
export const letterAdminRoutes: RouteTable = [
  get('/admin/actions/:id/letters', MODERATE, showModeration),
  get('/admin/actions/:id/letters/responses', can('actions:edit'), showResponses),
  get('/admin/actions/:id/letters/export', can('supporters:export'), showExport),
  post('/admin/actions/:id/letters/export', can('supporters:export'), downloadLetters),
  get('/admin/actions/:id/letters/:letterId', MODERATE, showLetter),
  post('/admin/actions/:id/letters/:letterId/approve', MODERATE, approve),
  post('/admin/actions/:id/letters/:letterId/reject', MODERATE, reject),
  post('/admin/actions/:id/letters/deliveries/:deliveryId/retry', MODERATE, retry),
];

const IdParams = z.object({
  id: z
    .string()
    .regex(/^\d{1,12}$/)
    .transform(Number),
});
const LetterParams = IdParams.extend({
  letterId: z
    .string()
    .regex(/^\d{1,12}$/)
    .transform(Number),
});
const DeliveryParams = IdParams.extend({
  deliveryId: z
    .string()
    .regex(/^\d{1,12}$/)
    .transform(Number),
});

const notFound = () => new AppError(404, 'not_found', 'There is no such letter action.');

const notices = (w: MessageWords): Record<string, string> => ({
  approved: `The ${w.one} is approved: it goes now, or at its time under the pace limit.`,
  rejected: `The ${w.one} is rejected, and its writer has been emailed your reason.`,
  retried: 'The delivery will be tried again in a moment.',
});

const tz = async (core: Core) => (await getSiteSettings(core.db)).timeZone;

async function actionOf(req: FastifyRequest, core: Core): Promise<LetterAction> {
  const params = IdParams.safeParse(req.params);
  const action = params.success ? await getLetterAction(core.db, { id: params.data.id }) : undefined;
  if (!action) throw notFound();
  return action;
}

const letterIdOf = (req: FastifyRequest) => {
  const params = LetterParams.safeParse(req.params);
  if (!params.success) throw new AppError(404, 'not_found', 'There is no such letter.');
  return params.data.letterId;
};

/** A domain refusal (already dealt with, gone) as the page's error. */
const asAppError = (err: unknown): never => {
  if (err instanceof DomainError)
    throw new AppError(err.code === 'not_found' ? 404 : 409, err.code === 'not_found' ? 'not_found' : 'conflict', err.message);
  throw err;
};

// ---- moderation ----

async function showModeration(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const action = await actionOf(req, core);
  const o = await moderationOverview(core, action.id);
  const done = formValues(req.query).done;
  const words = messageWords(action.kind);
  return reply.adminPage({
    title: `${words.Many}: ${action.title}`,
    body: (
      <ModerationView
        actionId={action.id}
        title={action.title}
        words={words}
        csrf={req.csrfToken()}
        timeZone={await tz(core)}
        notice={done ? notices(words)[done] : undefined}
        counts={o.counts}
        held={o.held}
        deliveries={o.deliveries}
        failed={o.failed}
        canExport={req.viewer!.can('supporters:export')}
      />
    ),
  });
}

async function letterPage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  action: LetterAction,
  letterId: number,
  o: { errors?: Record<string, string>; values?: Record<string, string> } = {},
) {
  const found = await letterForStaff(core, action.id, letterId);
  if (!found) throw new AppError(404, 'not_found', 'There is no such letter.');
  const words = messageWords(action.kind);
  return reply.adminPage({
    title: `${words.One}: ${found.letter.subject}`,
    status: o.errors ? 422 : 200,
    body: (
      <LetterAdminView
        actionId={action.id}
        title={action.title}
        words={words}
        csrf={req.csrfToken()}
        timeZone={await tz(core)}
        letter={found.letter}
        constituencyName={found.constituencyName}
        deliveries={found.deliveries}
        values={o.values}
        errors={o.errors}
      />
    ),
  });
}

async function showLetter(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return letterPage(req, reply, core, await actionOf(req, core), letterIdOf(req));
}

async function approve(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const action = await actionOf(req, core);
  await approveLetter(core, req.viewer!.id, action.id, letterIdOf(req)).catch(asAppError);
  return reply.redirect(`/admin/actions/${action.id}/letters?done=approved`, 303);
}

async function reject(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const action = await actionOf(req, core);
  const letterId = letterIdOf(req);
  const form = parseForm(RejectSchema, req.body);
  if (!form.ok) return letterPage(req, reply, core, action, letterId, { errors: form.errors, values: form.values });
  await rejectLetter(core, req.viewer!.id, action.id, letterId, form.data.reason).catch(asAppError);
  return reply.redirect(`/admin/actions/${action.id}/letters?done=rejected`, 303);
}

async function retry(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const action = await actionOf(req, core);
  const params = DeliveryParams.safeParse(req.params);
  if (!params.success) throw new AppError(404, 'not_found', 'There is no such delivery.');
  await retryDelivery(core, req.viewer!.id, action.id, params.data.deliveryId).catch(asAppError);
  return reply.redirect(`/admin/actions/${action.id}/letters?done=retried`, 303);
}

// ---- MP response figures ----

async function showResponses(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const action = await actionOf(req, core);
  const figures = await mpResponseFigures(core.db, action.id);
  return reply.adminPage({
    title: `MP responses: ${action.title}`,
    body: <ResponsesView actionId={action.id} title={action.title} perMp={figures.perMp} perParty={figures.perParty} />,
  });
}

// ---- export (consent-aware, audited) ----

async function showExport(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const action = await actionOf(req, core);
  const summary = await letterExportSummary(core, action.id);
  const words = messageWords(action.kind);
  return reply.adminPage({
    title: `Export ${words.one} writers: ${action.title}`,
    body: <ExportView actionId={action.id} title={action.title} csrf={req.csrfToken()} words={words} {...summary} />,
  });
}

async function downloadLetters(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const action = await actionOf(req, core);
  const file = await exportLetters(core, req.viewer!.id, action.id);
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${file.filename}"`)
    .send(file.csv);
}
