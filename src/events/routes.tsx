import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { getCampaign, getCampaigns } from '../actions/service.js';
import { getPublishedResourceById } from '../content/service.js';
import type { Core } from '../core/context.js';
import { getSiteSettings } from '../core/settings.js';
import { AppError, DomainError } from '../core/web/errors.js';
import { formValues } from '../core/web/forms.js';
import { guardPublicForm, personal, proofBucketLimit, proofBucketLimiter, refusedFields } from '../core/web/public-forms.js';
import { anyone, get, post, type RouteTable } from '../core/web/routes.js';
import { shareTags } from '../core/web/share.js';
import { signupBlockData, type PublicList } from '../supporters/service.js';
import { loadCalendar } from './registering.js';
import {
  cancelPlace,
  cancelRegistration,
  changePlaces,
  EVENT_KINDS,
  findEvent,
  findRegistrationByToken,
  listOccurrences,
  listPublicEvents,
  publicEventsByTime,
  parseRegistration,
  registerForEvent,
  registrationClosedReason,
  nextOccurrence,
  rejoinDate,
  takeOffer,
  type LanternEvent,
  type Occurrence,
} from './service.js';
import { EventsView, EventView, ManageView, PastEventsView, RegisteredView, RegisterPageView } from './views.js';

// The public routes of events: the lists, an event's page and its .ics, the subscribable feed, registration (the
// public-form guard: origin check, honeypot, proof of work, per-address limits), "check your email", and a person's
// own page from their link, where they change or cancel (POSTs carry a CSRF token: the page is theirs alone).

const LIMITS = {
  burst: { timeWindow: 60_000, withProof: 20, withoutProof: 5 },
  sustained: { timeWindow: 3600_000, withProof: 120, withoutProof: 30 },
  link: { max: 30, timeWindow: '1 minute' },
} as const;

/** The public routes of events. */
export const publicRoutes: RouteTable = [
  get('/events', anyone, showUpcoming),
  get('/events/past', anyone, showPast),
  get('/events.ics', anyone, sendFeed),
  get('/events/:slug', anyone, showEvent),
  get('/events/:slug/register', anyone, backToEvent),
  post('/events/:slug/register', anyone, register, {
    config: { csrf: false, rateLimit: proofBucketLimit(LIMITS.sustained) },
    preHandlerFor: limitBursts,
  }),
  get('/events/:slug/registered', anyone, showRegistered),
  get('/events/manage/:token', anyone, showManage),
  get('/events/manage/:token/calendar.ics', anyone, sendAttendeeCalendar),
  post('/events/manage/:token', anyone, manage, { config: { rateLimit: LIMITS.link } }),
];

function limitBursts(app: FastifyInstance) {
  return proofBucketLimiter(app, LIMITS.burst);
}

const notFound = () => new AppError(404, 'not_found', 'There is no such event.');
const badLink = () =>
  new AppError(404, 'not_found', 'This link is not valid. It may have been copied only in part, or the registration has been deleted.');

const SlugParams = z.object({ slug: z.string().max(120) });
const TokenParams = z.object({ token: z.string().max(200) });

/** The published event a request names, or a 404. */
async function eventOf(req: FastifyRequest, core: Core): Promise<LanternEvent> {
  const params = SlugParams.safeParse(req.params);
  const event = params.success ? await findEvent(core.db, params.data.slug) : undefined;
  if (!event || event.publication !== 'published') throw notFound();
  return event;
}

async function newsletterOf(core: Core, event: LanternEvent): Promise<PublicList | undefined> {
  if (event.newsletterListId === null) return undefined;
  return (await signupBlockData(core)).lists.find((l) => l.id === event.newsletterListId);
}

function sendCalendar(reply: FastifyReply, filename: string, body: string, o: { personal?: boolean } = {}) {
  if (o.personal) personal(reply);
  else reply.header('cache-control', 'public, max-age=300');
  return reply
    .header('content-type', 'text/calendar; charset=utf-8')
    .header('content-disposition', `inline; filename="${filename}"`)
    .send(body);
}

// ---- lists ----

const ListQuery = z.object({
  kind: z.enum(EVENT_KINDS).optional().catch(undefined),
  campaign: z.string().max(120).optional().catch(undefined),
  online: z.string().max(10).optional().catch(undefined),
});

async function showUpcoming(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const q = ListQuery.parse(formValues(req.query));
  const campaigns = await getCampaigns(core.db);
  const campaign = q.campaign ? campaigns.find((c) => c.slug === q.campaign) : undefined;
  const online = ['on', 'true', '1'].includes(q.online ?? '');
  const now = Date.now();
  const items = await listPublicEvents(core.db, {
    kind: q.kind,
    online,
    campaignId: q.campaign ? (campaign?.id ?? -1) : undefined,
    now,
  });
  const site = await getSiteSettings(core.db);
  const filtered = Boolean(q.kind || q.campaign || online);
  return reply.page({
    title: 'Events',
    description: `Public meetings, livestreams, protests and exhibitions from ${site.orgName}.`,
    head: shareTags({
      url: `${core.config.baseUrl}/events`,
      title: 'Events',
      description: `Events from ${site.orgName}.`,
      siteName: site.orgName,
    }),
    body: (
      <EventsView
        items={items}
        now={now}
        campaigns={campaigns}
        filter={{ kind: q.kind, online, campaign: campaign?.slug ?? q.campaign }}
        filtered={filtered}
      />
    ),
  });
}

async function showPast(_req: FastifyRequest, reply: FastifyReply, core: Core) {
  const now = Date.now();
  const items = await listPublicEvents(core.db, { past: true, now, limit: 100 });
  return reply.page({ title: 'Past events', body: <PastEventsView items={items} now={now} /> });
}

async function sendFeed(_req: FastifyRequest, reply: FastifyReply, core: Core) {
  const site = await getSiteSettings(core.db);
  // The feed holds what is to come and what ended in the last 90 days, so a subscriber's calendar keeps recent history.
  const now = Date.now();
  const { upcoming, past } = await publicEventsByTime(core.db, now);
  const recent = past.filter((w) => w.event.endsAt > now - 90 * 24 * 3600_000);
  return sendCalendar(
    reply,
    'events.ics',
    (await loadCalendar()).feedCalendar({ events: [...upcoming, ...recent], baseUrl: core.config.baseUrl, orgName: site.orgName }),
  );
}

// ---- an event ----

/** Where an event's recording is: its page in the resources library (with the video to play, when it is one) or the link staff gave. */
async function recordingHref(
  core: Core,
  event: LanternEvent,
): Promise<{ href: string; video?: { src: string; type: string } } | undefined> {
  if (event.recordingResourceId !== null) {
    const r = await getPublishedResourceById(core.db, event.recordingResourceId);
    if (r) return r.video ? { href: r.url, video: r.video } : { href: r.url };
  }
  return event.recordingUrl ? { href: event.recordingUrl } : undefined;
}

async function showEvent(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const params = SlugParams.safeParse(req.params);
  if (params.success && params.data.slug.endsWith('.ics')) return sendEventCalendar(req, reply, core, params.data.slug.slice(0, -4));
  const event = await eventOf(req, core);
  const occurrences = await listOccurrences(core.db, event.id);
  const now = Date.now();
  const [campaign, site, newsletter, recording] = await Promise.all([
    event.campaignId === null ? undefined : getCampaign(core.db, { id: event.campaignId }),
    getSiteSettings(core.db),
    newsletterOf(core, event),
    recordingHref(core, event),
  ]);
  const url = `${core.config.baseUrl}/events/${event.slug}`;
  const next = event.series ? occurrences.find((o) => o.status === 'scheduled' && o.startsAt > now) : nextOccurrence(occurrences, now);
  return reply.page({
    title: event.title,
    description: event.summary,
    head: shareTags({ url, title: event.title, description: event.summary, siteName: site.orgName }),
    body: (
      <EventView
        event={event}
        occurrences={occurrences}
        now={now}
        closed={registrationClosedReason(event, next, now)}
        campaign={campaign}
        newsletter={newsletter}
        shareUrl={url}
        recordingHref={recording}
      />
    ),
  });
}

async function sendEventCalendar(_req: FastifyRequest, reply: FastifyReply, core: Core, slug: string) {
  const event = await findEvent(core.db, slug);
  if (!event || event.publication !== 'published') throw notFound();
  const site = await getSiteSettings(core.db);
  const occurrences = await listOccurrences(core.db, event.id);
  return sendCalendar(
    reply,
    `${event.slug}.ics`,
    (await loadCalendar()).eventCalendar({ event, occurrences, baseUrl: core.config.baseUrl, orgName: site.orgName }),
  );
}

// ---- registering ----

async function backToEvent(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return reply.redirect(`/events/${(await eventOf(req, core)).slug}#register`, 303);
}

/** Repeated fields (the ticks of a multiple-choice question) as lists, to show the form again as it was. */
function multiValues(body: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (!body || typeof body !== 'object') return out;
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (!k.startsWith('q_')) continue;
    const list = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string').slice(0, 50);
    out[k] = list;
  }
  return out;
}

async function registerPage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  event: LanternEvent,
  occurrences: Occurrence[],
  errors: Record<string, string>,
  status = 422,
) {
  const now = Date.now();
  return personal(reply).page({
    title: `Register: ${event.title}`,
    status,
    body: (
      <RegisterPageView
        event={event}
        open={occurrences.filter((o) => o.status === 'scheduled' && o.startsAt > now)}
        newsletter={await newsletterOf(core, event)}
        csrf={req.csrfToken()}
        values={formValues(req.body)}
        multi={multiValues(req.body)}
        errors={errors}
      />
    ),
  });
}

// In a surge every registration needs its event and dates: they are kept for a second, so a thousand registrations a
// second read them once. A claim re-checks its date's status and room in the database, so a date cancelled within
// that second takes nobody (the registration records the date as cancelled and its email says so).
const KEEP_MS = 1000;
const kept = new WeakMap<
  object,
  Map<string, { at: number; value: Promise<{ event: LanternEvent; occurrences: Occurrence[] } | undefined> }>
>();

/** The published event a registration names, with its dates, kept for a second; a 404 when there is none. */
async function keptEventOf(req: FastifyRequest, core: Core): Promise<{ event: LanternEvent; occurrences: Occurrence[] }> {
  const params = SlugParams.safeParse(req.params);
  if (!params.success) throw notFound();
  let byDb = kept.get(core.db);
  if (!byDb) kept.set(core.db, (byDb = new Map()));
  const now = Date.now();
  let hit = byDb.get(params.data.slug);
  if (!hit || now - hit.at >= KEEP_MS) {
    const value = (async () => {
      const event = await findEvent(core.db, params.data.slug);
      return event ? { event, occurrences: await listOccurrences(core.db, event.id) } : undefined;
    })();
    value.catch(() => byDb.delete(params.data.slug));
    if (byDb.size >= 1000) byDb.clear();
    byDb.set(params.data.slug, (hit = { at: now, value }));
  }
  const found = await hit.value;
  if (!found || found.event.publication !== 'published') throw notFound();
  return found;
}

async function register(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const { event, occurrences } = await keptEventOf(req, core);
  const done = () => reply.redirect(`/events/${event.slug}/registered`, 303);
  const check = await guardPublicForm(req, core, (body) => parseRegistration(event, occurrences, body), {
    button: 'Register',
    goBack: 'Go to the event on our site and register there.',
  });
  if (check.kind === 'trapped') return done();
  if (check.kind === 'refused') return registerPage(req, reply, core, event, occurrences, check.errors);
  try {
    await registerForEvent(core, event, check.data, { proof: check.proof, occurrences });
  } catch (err) {
    if (err instanceof DomainError && err.code === 'conflict')
      return registerPage(req, reply, core, event, occurrences, { _form: err.message }, 409);
    return registerPage(req, reply, core, event, occurrences, refusedFields(err));
  }
  return done();
}

async function showRegistered(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const event = await eventOf(req, core);
  return reply.page({ title: 'Check your email', body: <RegisteredView event={event} /> });
}

// ---- a person's own page ----

const NOTICES: Readonly<Record<string, string>> = {
  cancelled: 'Done: you will not be expected on that date.',
  'cancelled-all': 'Your registration is cancelled. Thank you for letting us know.',
  taken: 'The place is yours. We have emailed you the details.',
  rejoined: 'Welcome back: we have emailed you where you stand for that date.',
  places: 'The number of places is changed.',
};

function tokenOf(req: FastifyRequest): string {
  const p = TokenParams.safeParse(req.params);
  if (!p.success) throw badLink();
  return p.data.token;
}

async function manageData(req: FastifyRequest, core: Core) {
  const token = tokenOf(req);
  const found = await findRegistrationByToken(core, token);
  if (!found) throw badLink();
  return { token, found };
}

async function showManage(req: FastifyRequest, reply: FastifyReply, core: Core, errors?: Record<string, string>, status = 200) {
  const { token, found } = await manageData(req, core);
  const done = formValues(req.query).done;
  return personal(reply).page({
    title: 'Your registration',
    status,
    body: (
      <ManageView
        registration={found.registration}
        event={found.event}
        private={found.private}
        token={token}
        csrf={req.csrfToken()}
        now={Date.now()}
        notice={done ? NOTICES[done] : undefined}
        errors={errors}
      />
    ),
  });
}

async function sendAttendeeCalendar(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const { found } = await manageData(req, core);
  const site = await getSiteSettings(core.db);
  const confirmed = found.registration.dates.filter((d) => d.state === 'confirmed').map((d) => d.occurrence.id);
  const { eventCalendar } = await loadCalendar();
  const body = eventCalendar({
    event: found.event,
    occurrences: found.occurrences,
    baseUrl: core.config.baseUrl,
    orgName: site.orgName,
    ...(found.private && confirmed.length > 0
      ? { attendee: { private: found.private, ...(found.registration.wholeSeries ? {} : { occurrenceIds: confirmed }) } }
      : {}),
  });
  return sendCalendar(reply, `${found.event.slug}.ics`, body, { personal: true });
}

const ManageForm = z.discriminatedUnion('do', [
  z.object({
    do: z.literal('cancel-date'),
    place: z
      .string()
      .regex(/^\d{1,12}$/)
      .transform(Number),
  }),
  z.object({
    do: z.literal('take'),
    place: z
      .string()
      .regex(/^\d{1,12}$/)
      .transform(Number),
  }),
  z.object({
    do: z.literal('rejoin'),
    place: z
      .string()
      .regex(/^\d{1,12}$/)
      .transform(Number),
  }),
  z.object({ do: z.literal('cancel-all') }),
  z.object({ do: z.literal('places'), places: z.string().max(10) }),
]);

async function manage(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const token = tokenOf(req);
  const form = ManageForm.safeParse(formValues(req.body));
  if (!form.success) return showManage(req, reply, core, { _form: 'Please use one of the buttons on this page.' }, 422);
  const f = form.data;
  try {
    if (f.do === 'cancel-date') await cancelPlace(core, token, f.place);
    else if (f.do === 'take') await takeOffer(core, token, f.place);
    else if (f.do === 'rejoin') await rejoinDate(core, token, f.place);
    else if (f.do === 'cancel-all') await cancelRegistration(core, token);
    else {
      const n = /^\d{1,3}$/.test(f.places.trim()) ? Number(f.places.trim()) : NaN;
      await changePlaces(core, token, n);
    }
  } catch (err) {
    if (err instanceof DomainError && err.code === 'not_found') throw badLink();
    if (err instanceof DomainError)
      return showManage(
        req,
        reply,
        core,
        Object.keys(err.fields).length ? { ...err.fields } : { _form: err.message },
        err.code === 'conflict' ? 409 : 422,
      );
    throw err;
  }
  const done = { 'cancel-date': 'cancelled', take: 'taken', rejoin: 'rejoined', 'cancel-all': 'cancelled-all', places: 'places' }[f.do];
  return reply.redirect(`/events/manage/${token}?done=${done}`, 303);
}
