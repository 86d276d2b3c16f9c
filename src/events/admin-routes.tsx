import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Core } from '../core/context.js';
import { getSiteSettings } from '../core/settings.js';
import { utcToZonedLocal } from '../core/time.js';
import { AppError, DomainError } from '../core/web/errors.js';
import { formValues } from '../core/web/forms.js';
import { can, get, post, type RouteTable } from '../core/web/routes.js';
import {
  AttendeesView,
  CancelDateView,
  DatesView,
  EventAdminView,
  EventListView,
  FiguresView,
  MoveDateView,
  NewEventView,
  type EventPowers,
  type ListTab,
} from './admin-views.js';
import {
  eventValues,
  formErrorsOf,
  newEventValues,
  parseEventForm,
  parseMoveForm,
  type EventFormContext,
  type Values,
} from './event-form.js';
import type { LanternEvent } from './model.js';
import { nextOccurrence } from './reading.js';
import {
  attendeesPage,
  cancelOccurrence,
  createEvent,
  dateForStaff,
  eventFigures,
  eventFormChoices,
  eventListsForStaff,
  eventPrivate,
  freeEventSlug,
  listOccurrences,
  moveOccurrence,
  requireEvent,
  updateEvent,
  type EventFormChoices,
} from './staff.js';

// The staff pages of events: the list, a new event, an event's page (where things stand, and the form to change it),
// its dates (cancel or move one, each after a page saying who will be told), the people at a date with the waiting
// list, and the attendance figures. Check-in, walk-ins, the CSV and messages are checkin-routes.tsx.

const EDIT = can('events:edit');
const ATTENDEES = can('events:attendees');

/** The staff routes of events (the lead adds checkin-routes.tsx's beside them). */
export const adminRoutes: RouteTable = [
  get('/admin/events', EDIT, listEvents),
  get('/admin/events/new', EDIT, showNewEvent),
  post('/admin/events', EDIT, createEventFromForm),
  get('/admin/events/:id', EDIT, showEvent),
  post('/admin/events/:id', EDIT, saveEvent),
  get('/admin/events/:id/dates', EDIT, showDates),
  get('/admin/events/:id/dates/:dateId/cancel', EDIT, showCancelDate),
  post('/admin/events/:id/dates/:dateId/cancel', EDIT, cancelDate),
  get('/admin/events/:id/dates/:dateId/move', EDIT, showMoveDate),
  post('/admin/events/:id/dates/:dateId/move', EDIT, moveDate),
  get('/admin/events/:id/attendees', ATTENDEES, showAttendees),
  get('/admin/events/:id/figures', EDIT, showFigures),
];

const idText = z
  .string()
  .regex(/^\d{1,12}$/)
  .transform(Number);
const IdParams = z.object({ id: idText });
const DateParams = z.object({ id: idText, dateId: idText });

const NOTICES: Record<string, string> = {
  created: 'The event was saved.',
  saved: 'Your changes were saved. Anyone registered has been told of a change of time, place or status.',
  cancelled: 'The date was cancelled and everyone registered for it has been told.',
  moved: 'The date was moved and everyone registered for it has been told.',
};

const notice = (req: FastifyRequest) => {
  const done = formValues(req.query).done ?? '';
  return Object.hasOwn(NOTICES, done) ? NOTICES[done] : undefined;
};

const noSuchEvent = () => new AppError(404, 'not_found', 'There is no such event.');
const noSuchDate = () => new AppError(404, 'not_found', 'There is no such date for this event.');

function eventIdOf(req: FastifyRequest): number {
  const p = IdParams.safeParse(req.params);
  if (!p.success) throw noSuchEvent();
  return p.data.id;
}

function dateIdsOf(req: FastifyRequest): { id: number; dateId: number } {
  const p = DateParams.safeParse(req.params);
  if (!p.success) throw noSuchDate();
  return p.data;
}

/** The event a request names, or a 404. */
async function eventOf(req: FastifyRequest, core: Core): Promise<LanternEvent> {
  return requireEvent(core.db, eventIdOf(req)).catch((e: unknown) => {
    if (e instanceof DomainError && e.code === 'not_found') throw noSuchEvent();
    throw e;
  });
}

const powersOf = (req: FastifyRequest): EventPowers => ({
  attendees: req.viewer!.can('events:attendees'),
  export: req.viewer!.can('events:attendees') && req.viewer!.can('supporters:export'),
});

function formContext(choices: EventFormChoices, timeZone: string, event?: LanternEvent): EventFormContext {
  return {
    timeZone,
    campaignIds: choices.campaigns.map((c) => c.id),
    listIds: choices.lists.map((l) => l.id),
    resourceIds: choices.resources.map((r) => r.id),
    fixed: event ? (event.series ? 'series' : 'once') : undefined,
  };
}

/** A refusal of the service with field messages, as the form's messages; anything else is thrown on. */
function refusedByService(err: unknown): Record<string, string> {
  if (err instanceof DomainError && (err.code === 'invalid' || err.code === 'conflict'))
    return Object.keys(err.fields).length > 0 ? formErrorsOf(err.fields) : { _form: err.message };
  throw err;
}

// ---- the list and the form ----------------------------------------------------------------------------------------------

async function listEvents(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const show = formValues(req.query).show;
  const tab: ListTab = show === 'past' || show === 'drafts' ? show : 'upcoming';
  const lists = await eventListsForStaff(core.db);
  return reply.adminPage({ title: 'Events', body: <EventListView lists={lists} tab={tab} notice={notice(req)} /> });
}

async function newEventPage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  o: { values?: Values; errors?: Record<string, string>; status?: number } = {},
) {
  const [choices, site] = await Promise.all([eventFormChoices(core), getSiteSettings(core.db)]);
  const values = o.values ?? newEventValues({ campaignIds: choices.campaigns.map((c) => c.id) });
  return reply.adminPage({
    title: o.errors ? 'Error: New event' : 'New event',
    status: o.status ?? 200,
    body: <NewEventView csrf={req.csrfToken()} values={values} errors={o.errors} choices={choices} timeZone={site.timeZone} />,
  });
}

async function showNewEvent(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return newEventPage(req, reply, core);
}

async function createEventFromForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const [choices, site] = await Promise.all([eventFormChoices(core), getSiteSettings(core.db)]);
  const form = parseEventForm(req.body, formContext(choices, site.timeZone));
  if (!form.ok) return newEventPage(req, reply, core, { values: form.values, errors: form.errors, status: 422 });
  const { input, slugFromTitle } = form.data;
  if (slugFromTitle) input.slug = await freeEventSlug(core.db, input.slug);
  try {
    const event = await createEvent(core, req.viewer!.id, input);
    return reply.redirect(`/admin/events/${event.id}?done=created`, 303);
  } catch (err) {
    return newEventPage(req, reply, core, { values: formValues(req.body), errors: refusedByService(err), status: 422 });
  }
}

async function eventPage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  event: LanternEvent,
  o: { values?: Values; errors?: Record<string, string>; status?: number } = {},
) {
  const now = Date.now();
  const [choices, occurrences, { figures }] = await Promise.all([
    eventFormChoices(core),
    listOccurrences(core.db, event.id),
    eventFigures(core, event.id, now),
  ]);
  const values = o.values ?? eventValues(event, await eventPrivate(core, event.id));
  return reply.adminPage({
    title: o.errors ? `Error: ${event.title}` : event.title,
    status: o.status ?? 200,
    body: (
      <EventAdminView
        csrf={req.csrfToken()}
        event={event}
        next={nextOccurrence(occurrences, now)}
        figures={figures}
        powers={powersOf(req)}
        values={values}
        errors={o.errors}
        choices={choices}
        notice={o.errors ? undefined : notice(req)}
      />
    ),
  });
}

async function showEvent(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return eventPage(req, reply, core, await eventOf(req, core));
}

async function saveEvent(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const event = await eventOf(req, core);
  const choices = await eventFormChoices(core);
  const form = parseEventForm(req.body, formContext(choices, event.timeZone, event));
  if (!form.ok) return eventPage(req, reply, core, event, { values: form.values, errors: form.errors, status: 422 });
  const { input, slugFromTitle } = form.data;
  if (slugFromTitle) input.slug = await freeEventSlug(core.db, input.slug, event.id);
  try {
    await updateEvent(core, req.viewer!.id, event.id, input);
    return reply.redirect(`/admin/events/${event.id}?done=saved`, 303);
  } catch (err) {
    return eventPage(req, reply, core, event, { values: formValues(req.body), errors: refusedByService(err), status: 422 });
  }
}

// ---- dates ------------------------------------------------------------------------------------------------------------

async function showDates(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const event = await eventOf(req, core);
  const occurrences = await listOccurrences(core.db, event.id);
  return reply.adminPage({
    title: `Dates: ${event.title}`,
    body: <DatesView event={event} occurrences={occurrences} now={Date.now()} powers={powersOf(req)} notice={notice(req)} />,
  });
}

/** The date a request names, if it can still be changed (going ahead, not started); else a 404 or a 409. */
async function changeableDate(req: FastifyRequest, core: Core) {
  const { id, dateId } = dateIdsOf(req);
  const found = await dateForStaff(core, id, dateId).catch((e: unknown) => {
    if (e instanceof DomainError && e.code === 'not_found') throw noSuchDate();
    throw e;
  });
  if (found.occurrence.status === 'cancelled') throw new AppError(409, 'conflict', 'This date is already cancelled.');
  if (found.occurrence.startsAt <= Date.now())
    throw new AppError(409, 'conflict', 'This date has already started, so it cannot be cancelled or moved.');
  return found;
}

async function showCancelDate(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const { event, occurrence, people } = await changeableDate(req, core);
  return reply.adminPage({
    title: `Cancel a date: ${event.title}`,
    body: <CancelDateView csrf={req.csrfToken()} event={event} occurrence={occurrence} people={people} />,
  });
}

async function cancelDate(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const { event, occurrence } = await changeableDate(req, core);
  await cancelOccurrence(core, req.viewer!.id, occurrence.id);
  return reply.redirect(`/admin/events/${event.id}/dates?done=cancelled`, 303);
}

async function moveDatePage(
  req: FastifyRequest,
  reply: FastifyReply,
  o: { found: Awaited<ReturnType<typeof changeableDate>>; values: Values; errors?: Record<string, string>; status?: number },
) {
  const { event, occurrence, people } = o.found;
  return reply.adminPage({
    title: `${o.errors ? 'Error: ' : ''}Move a date: ${event.title}`,
    status: o.status ?? 200,
    body: <MoveDateView csrf={req.csrfToken()} event={event} occurrence={occurrence} people={people} values={o.values} errors={o.errors} />,
  });
}

async function showMoveDate(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const found = await changeableDate(req, core);
  const tz = found.event.timeZone;
  const values = { startsAt: utcToZonedLocal(found.occurrence.startsAt, tz), endsAt: utcToZonedLocal(found.occurrence.endsAt, tz) };
  return moveDatePage(req, reply, { found, values });
}

async function moveDate(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const found = await changeableDate(req, core);
  const form = parseMoveForm(req.body, found.event.timeZone);
  if (!form.ok) return moveDatePage(req, reply, { found, values: form.values, errors: form.errors, status: 422 });
  try {
    await moveOccurrence(core, req.viewer!.id, found.occurrence.id, form.data);
  } catch (err) {
    return moveDatePage(req, reply, { found, values: formValues(req.body), errors: refusedByService(err), status: 422 });
  }
  return reply.redirect(`/admin/events/${found.event.id}/dates?done=moved`, 303);
}

// ---- attendees and figures ----------------------------------------------------------------------------------------------

async function showAttendees(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = eventIdOf(req);
  const date = formValues(req.query).date;
  const occurrenceId = date !== undefined && /^\d{1,12}$/.test(date) ? Number(date) : undefined;
  const page = await attendeesPage(core, id, { occurrenceId }).catch((e: unknown) => {
    if (e instanceof DomainError && e.code === 'not_found') throw new AppError(404, 'not_found', e.message);
    throw e;
  });
  return reply.adminPage({ title: `Attendees: ${page.event.title}`, body: <AttendeesView page={page} powers={powersOf(req)} /> });
}

async function showFigures(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const event = await eventOf(req, core);
  const { figures } = await eventFigures(core, event.id);
  return reply.adminPage({
    title: `Figures: ${event.title}`,
    body: <FiguresView event={event} figures={figures} powers={powersOf(req)} />,
  });
}
