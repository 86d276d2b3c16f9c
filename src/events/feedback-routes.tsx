import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Core } from '../core/context.js';
import { getSiteSettings } from '../core/settings.js';
import { AppError, DomainError } from '../core/web/errors.js';
import { formValues } from '../core/web/forms.js';
import { personal } from '../core/web/public-forms.js';
import { anyone, can, get, post, type RouteTable } from '../core/web/routes.js';
import { FeedbackAdminView, FeedbackDoneView, FeedbackFormView } from './feedback-views.js';
import { feedbackForStaff, feedbackState, giveFeedback, parseFeedback } from './follow-up.js';
import type { LanternEvent } from './model.js';

// The feedback form behind a person's own link (from their thank-you email), and staff's page of an event's feedback.
// The form's POST carries a CSRF token like the rest of the person's own page: the link is theirs alone.

/** The feedback form, public (the person's own link is their key). */
export const feedbackRoutes: RouteTable = [
  get('/events/manage/:token/feedback', anyone, showFeedback),
  post('/events/manage/:token/feedback', anyone, sendFeedback, { config: { rateLimit: { max: 30, timeWindow: '1 minute' } } }),
];

/** Staff's page of an event's feedback. */
export const feedbackAdminRoutes: RouteTable = [get('/admin/events/:id/feedback', can('events:edit'), showEventFeedback)];

const TokenParams = z.object({ token: z.string().max(200) });
const IdParams = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

const badLink = () =>
  new AppError(404, 'not_found', 'This link is not valid. It may have been copied only in part, or the registration has been deleted.');

function tokenOf(req: FastifyRequest): string {
  const p = TokenParams.safeParse(req.params);
  if (!p.success) throw badLink();
  return p.data.token;
}

const formAddress = (token: string) => `/events/manage/${token}/feedback`;

function formPage(
  req: FastifyRequest,
  reply: FastifyReply,
  o: { event: LanternEvent; token: string; errors?: Record<string, string>; status?: number },
) {
  return personal(reply).page({
    title: `Your feedback: ${o.event.title}`,
    status: o.status ?? 200,
    body: (
      <FeedbackFormView
        event={o.event}
        action={formAddress(o.token)}
        csrf={req.csrfToken()}
        values={formValues(req.body)}
        errors={o.errors}
      />
    ),
  });
}

function donePage(reply: FastifyReply, o: { event: LanternEvent; token: string; kind: 'thanks' | 'given' | 'not_yet'; status?: number }) {
  return personal(reply).page({
    title: o.kind === 'not_yet' ? 'Not yet' : 'Thank you',
    status: o.status ?? 200,
    body: <FeedbackDoneView event={o.event} kind={o.kind} manage={`/events/manage/${o.token}`} />,
  });
}

async function showFeedback(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const token = tokenOf(req);
  const state = await feedbackState(core, token);
  if (!state) throw badLink();
  if (state.kind === 'open') return formPage(req, reply, { event: state.event, token });
  const thanks = state.kind === 'given' && formValues(req.query).done === 'thanks';
  return donePage(reply, { event: state.event, token, kind: thanks ? 'thanks' : state.kind });
}

async function sendFeedback(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const token = tokenOf(req);
  const state = await feedbackState(core, token);
  if (!state) throw badLink();
  if (state.kind === 'given') return reply.redirect(formAddress(token), 303);
  if (state.kind === 'not_yet') return donePage(reply, { event: state.event, token, kind: 'not_yet', status: 409 });
  const form = parseFeedback(req.body);
  if (!form.ok) return formPage(req, reply, { event: state.event, token, errors: form.errors, status: 422 });
  try {
    const outcome = await giveFeedback(core, token, form.data);
    return reply.redirect(outcome === 'stored' ? `${formAddress(token)}?done=thanks` : formAddress(token), 303);
  } catch (err) {
    if (err instanceof DomainError && err.code === 'not_found') throw badLink();
    if (err instanceof DomainError && err.code === 'conflict')
      return donePage(reply, { event: state.event, token, kind: 'not_yet', status: 409 });
    throw err;
  }
}

async function showEventFeedback(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const p = IdParams.safeParse(req.params);
  const feedback = p.success ? await feedbackForStaff(core, p.data.id) : undefined;
  if (!feedback) throw new AppError(404, 'not_found', 'There is no such event.');
  const { timeZone } = await getSiteSettings(core.db);
  return reply.adminPage({
    title: `Feedback: ${feedback.event.title}`,
    body: (
      <FeedbackAdminView
        feedback={feedback}
        timeZone={timeZone}
        powers={{ attendees: req.viewer!.can('events:attendees'), export: req.viewer!.can('supporters:export') }}
      />
    ),
  });
}
