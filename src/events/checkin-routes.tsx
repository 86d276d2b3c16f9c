import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Core } from '../core/context.js';
import { AppError, DomainError } from '../core/web/errors.js';
import { formValues } from '../core/web/forms.js';
import { can, get, post, type RouteTable } from '../core/web/routes.js';
import { checkInPage, exportAttendees, markNoShows, parseWalkIn, registerWalkIn, setCheckIn, type CheckInPage } from './checkin.js';
import { checkInHref, CheckInView, MessageView, recipientsChoice, waitlistChosen } from './checkin-views.js';
import { countMessageRecipients, listEventMessages, parseMessage, startEventMessage } from './messages.js';
import { getEvent, listOccurrences } from './reading.js';

// The staff routes at the door and after: the check-in page of a date (GET, with a search), checking in and undoing
// (one POST for the whole list, answered by a redirect back to the person's place in it), walk-ins, no-shows, the
// attendee list as CSV (which also needs the permission to export supporters), and emailing the people registered.

const ATTENDEES = can('events:attendees');

/** The check-in, export and message routes of events (the lead adds them to the admin table). */
export const checkinRoutes: RouteTable = [
  get('/admin/events/:id/check-in', ATTENDEES, showCheckIn),
  post('/admin/events/:id/check-in', ATTENDEES, checkInFromList),
  post('/admin/events/:id/walk-in', ATTENDEES, registerWalkInFromForm),
  post('/admin/events/:id/no-shows', ATTENDEES, markNoShowsFromForm),
  // Personal data leaving Lantern: the route is guarded by the permission to export supporters, and the handler also
  // asks for the one to see attendees.
  get('/admin/events/:id/attendees.csv', can('supporters:export'), downloadAttendees),
  get('/admin/events/:id/message', ATTENDEES, showMessageForm),
  post('/admin/events/:id/message', ATTENDEES, sendMessageFromForm),
];

const id = z
  .string()
  .regex(/^\d{1,12}$/)
  .transform(Number);
const IdParams = z.object({ id });

const eventIdOf = (req: FastifyRequest) => {
  const p = IdParams.safeParse(req.params);
  if (!p.success) throw new AppError(404, 'not_found', 'There is no such event.');
  return p.data.id;
};

/** The date and search a check-in request carries (from the query or the form): anything malformed is left out. */
function placeInList(raw: unknown): { date: number | undefined; q: string } {
  const v = formValues(raw);
  const date = v.date !== undefined && /^\d{1,12}$/.test(v.date) ? Number(v.date) : undefined;
  return { date, q: (v.q ?? '').trim().slice(0, 100) };
}

const NOTICES: Record<string, (name: string | undefined) => string> = {
  in: (name) => (name ? `${name} is checked in.` : 'Checked in.'),
  undo: (name) => (name ? `The check-in of ${name} is undone.` : 'The check-in is undone.'),
  walkin: (name) => (name ? `${name} is registered and checked in.` : 'Registered and checked in.'),
};

async function renderCheckIn(
  req: FastifyRequest,
  reply: FastifyReply,
  page: CheckInPage,
  o: { q: string; status?: number; errors?: Record<string, string>; walkIn?: Record<string, string>; notice?: string | undefined },
) {
  return reply.adminPage({
    title: `Check-in: ${page.event.title}`,
    status: o.status ?? 200,
    body: (
      <CheckInView
        page={page}
        csrf={req.csrfToken()}
        q={o.q}
        canExport={req.viewer!.can('supporters:export')}
        notice={o.notice}
        errors={o.errors}
        walkIn={o.walkIn}
      />
    ),
  });
}

async function showCheckIn(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const eventId = eventIdOf(req);
  const { date, q } = placeInList(req.query);
  const page = await checkInPage(core, eventId, { occurrenceId: date, q });
  const v = formValues(req.query);
  const person = v.p !== undefined ? page.people.find((x) => String(x.placeId) === v.p) : undefined;
  const notice =
    v.done === 'noshows'
      ? `${v.n && /^\d{1,9}$/.test(v.n) ? v.n : 'The'} ${v.n === '1' ? 'person' : 'people'} not checked in ${v.n === '1' ? 'is' : 'are'} marked as no-shows.`
      : v.done !== undefined && Object.hasOwn(NOTICES, v.done)
        ? NOTICES[v.done]!(person?.name)
        : undefined;
  return renderCheckIn(req, reply, page, { q, notice });
}

const CheckInForm = z.union([z.object({ in: id }), z.object({ undo: id })]);

/** A refusal of a form on the check-in page: its message beside the field, or at the top. */
function refusal(err: unknown): Record<string, string> {
  if (err instanceof DomainError && (err.code === 'conflict' || err.code === 'invalid' || err.code === 'not_found'))
    return Object.keys(err.fields).length > 0 ? { ...err.fields } : { _form: err.message };
  throw err;
}

async function checkInFromList(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const eventId = eventIdOf(req);
  const { date, q } = placeInList(req.body);
  const form = CheckInForm.safeParse(req.body ?? {});
  if (!form.success) {
    const page = await checkInPage(core, eventId, { occurrenceId: date, q });
    return renderCheckIn(req, reply, page, { q, status: 422, errors: { _form: 'Choose a person to check in from the list.' } });
  }
  const attended = 'in' in form.data;
  const placeId = 'in' in form.data ? form.data.in : form.data.undo;
  try {
    const r = await setCheckIn(core, req.viewer!.id, { eventId, placeId, attended });
    return reply.redirect(
      checkInHref(eventId, { date: r.occurrenceId, q, extra: { done: attended ? 'in' : 'undo', p: String(placeId) }, at: placeId }),
      303,
    );
  } catch (err) {
    const errors = refusal(err);
    const page = await checkInPage(core, eventId, { occurrenceId: date, q });
    return renderCheckIn(req, reply, page, { q, status: 409, errors });
  }
}

async function registerWalkInFromForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const eventId = eventIdOf(req);
  const { date } = placeInList(req.body);
  const page = await checkInPage(core, eventId, { occurrenceId: date });
  if (!page.occurrence) throw new AppError(409, 'conflict', 'This event has no dates yet.');
  const form = parseWalkIn(page.event, req.body);
  const walkIn = formValues(req.body);
  if (!form.ok) return renderCheckIn(req, reply, page, { q: '', status: 422, errors: form.errors, walkIn });
  try {
    const r = await registerWalkIn(core, req.viewer!.id, { eventId, occurrenceId: page.occurrence.id, input: form.data });
    return reply.redirect(
      checkInHref(eventId, { date: page.occurrence.id, extra: { done: 'walkin', p: String(r.placeId) }, at: r.placeId }),
      303,
    );
  } catch (err) {
    const errors = refusal(err);
    const again = await checkInPage(core, eventId, { occurrenceId: page.occurrence.id });
    return renderCheckIn(req, reply, again, { q: '', status: 409, errors, walkIn });
  }
}

async function markNoShowsFromForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const eventId = eventIdOf(req);
  const { date } = placeInList(req.body);
  if (date === undefined) {
    const page = await checkInPage(core, eventId, {});
    return renderCheckIn(req, reply, page, { q: '', status: 422, errors: { _form: 'Choose the date first.' } });
  }
  try {
    const marked = await markNoShows(core, req.viewer!.id, eventId, date);
    return reply.redirect(checkInHref(eventId, { date, extra: { done: 'noshows', n: String(marked) } }), 303);
  } catch (err) {
    const errors = refusal(err);
    const page = await checkInPage(core, eventId, { occurrenceId: date });
    return renderCheckIn(req, reply, page, { q: '', status: 409, errors });
  }
}

async function downloadAttendees(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const eventId = eventIdOf(req);
  if (!req.viewer!.can('events:attendees'))
    throw new AppError(
      403,
      'forbidden',
      'Downloading the attendee list needs the permission to see who registered. An owner can give it to you.',
    );
  const file = await exportAttendees(core, req.viewer!.id, eventId);
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${file.filename}"`)
    .send(file.stream);
}

/** The message page's data; `recipients` counts the people the form's choice as shown (its values) reaches. */
async function messagePage(core: Core, eventId: number, values: Record<string, string | undefined> = {}) {
  const event = await getEvent(core.db, eventId);
  if (!event) throw new AppError(404, 'not_found', 'There is no such event.');
  const occurrences = await listOccurrences(core.db, eventId);
  const chosen = occurrences.find((o) => String(o.id) === values.date);
  return {
    event,
    occurrences,
    messages: await listEventMessages(core.db, eventId),
    reachable: await countMessageRecipients(core.db, eventId, { occurrenceId: null, includeWaitlist: false }),
    recipients: await countMessageRecipients(core.db, eventId, {
      occurrenceId: chosen?.id ?? null,
      includeWaitlist: waitlistChosen(values),
    }),
  };
}

async function showMessageForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const eventId = eventIdOf(req);
  const data = await messagePage(core, eventId);
  const v = formValues(req.query);
  const notice = v.sent && /^\d{1,9}$/.test(v.sent) ? `Sending to ${v.sent} ${v.sent === '1' ? 'person' : 'people'}.` : undefined;
  return reply.adminPage({
    title: `Email the people registered: ${data.event.title}`,
    body: <MessageView {...data} csrf={req.csrfToken()} notice={notice} />,
  });
}

async function sendMessageFromForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const eventId = eventIdOf(req);
  const values = formValues(req.body);
  const data = await messagePage(core, eventId, values);
  const form = parseMessage(data.occurrences, req.body);
  const again = (status: number, errors?: Record<string, string>) =>
    reply.adminPage({
      title: `${errors ? 'Error: ' : ''}Email the people registered: ${data.event.title}`,
      status,
      body: <MessageView {...data} csrf={req.csrfToken()} values={values} errors={errors} recounted={!errors} />,
    });
  if (!form.ok) return again(422, form.errors);
  // The button said how many people get the email for the choice the page showed; a different choice was sent, so
  // the page says the new number and nothing is sent until staff press the button again.
  if (values.counted !== undefined && values.counted !== recipientsChoice(form.data.date, form.data.includeWaitlist)) return again(409);
  try {
    const r = await startEventMessage(core, req.viewer!.id, eventId, form.data);
    return reply.redirect(`/admin/events/${eventId}/message?sent=${r.recipients}`, 303);
  } catch (err) {
    return again(422, refusal(err));
  }
}
