import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Core } from '../../core/context.js';
import { renderMarkdown } from '../../core/markdown.js';
import { getSiteSettings } from '../../core/settings.js';
import { AppError } from '../../core/web/errors.js';
import { formatTime } from '../../core/web/components.js';
import { email, formValues, multilineText, optionalMultilineText, optionalText, parseForm, text } from '../../core/web/forms.js';
import { guardPublicForm, proofBucketLimit, refusedFields } from '../../core/web/public-forms.js';
import { anyone, can, get, post, type RouteTable } from '../../core/web/routes.js';
import { feedLink, mergeHead, shareTags } from '../../core/web/share.js';
import { listQuotableFeedback } from '../../events/service.js';
import { signupBlockData } from '../../supporters/service.js';
import { siteFeedHead } from '../feeds/service.js';
import { imageChoices } from '../updates/service.js';
import { getPublishedPage } from '../service.js';
import {
  addTestimonial,
  campaignsForStaff,
  changeContactMessage,
  changeTestimonial,
  CONTACT_KEEP_DAYS,
  getHub,
  hubForStaff,
  listContactMessages,
  listTestimonials,
  receiveContactMessage,
  saveHub,
} from './service.js';
import { CampaignPagesView, HomeSectionsView, HubFormView, MessagesView, TestimonialsView, WebsiteOverviewView } from './admin-views.js';
import { getHomeSections, HOME_SECTION_KINDS, loadHome, saveHomeSections } from './home.js';
import type { HomeSectionKind } from './tables.js';
import { ContactSentView, ContactView, HomePageView, HubView } from './views.js';

// The campaign pages, the contact form, and the staff pages of the website that are not updates, images or resources.

const CONTACT_LIMIT = proofBucketLimit({ timeWindow: '10 minutes', withProof: 10, withoutProof: 3 });

export const publicRoutes: RouteTable = [
  get('/', anyone, showHome),
  get('/campaigns/:slug', anyone, showHub),
  get('/contact', anyone, showContact),
  post('/contact', anyone, sendContact, { config: { csrf: false, rateLimit: CONTACT_LIMIT } }),
  get('/contact/sent', anyone, showContactSent),
];

export const adminRoutes: RouteTable = [
  get('/admin/content', can('content:edit'), showOverview),
  get('/admin/content/home', can('content:edit'), showHomeSections),
  post('/admin/content/home', can('content:publish'), changeHomeSections),
  get('/admin/content/campaigns', can('content:edit'), showCampaignPages),
  get('/admin/content/campaigns/:id', can('content:edit'), showHubForm),
  post('/admin/content/campaigns/:id', can('content:edit'), saveHubForm),
  get('/admin/content/testimonials', can('content:edit'), showTestimonials),
  post('/admin/content/testimonials', can('content:edit'), addTestimonialFromForm),
  post('/admin/content/testimonials/from-feedback/:id', can('content:edit'), quoteFeedback),
  post('/admin/content/testimonials/:id/withdraw', can('content:edit'), withdrawTestimonial),
  post('/admin/content/testimonials/:id/delete', can('content:edit'), deleteTestimonial),
  get('/admin/content/messages', can('content:edit'), showMessages),
  post('/admin/content/messages/:id/handled', can('content:edit'), markMessageHandled),
  post('/admin/content/messages/:id/delete', can('content:edit'), deleteMessage),
];

const SlugParams = z.object({ slug: z.string().max(200) });
const IdParams = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
const idOf = (params: unknown) => {
  const p = IdParams.safeParse(params);
  if (!p.success) throw new AppError(404, 'not_found', 'There is nothing here.');
  return p.data.id;
};
const noticeOf = (req: FastifyRequest, notices: Record<string, string>) => {
  const done = (req.query as Record<string, unknown> | undefined)?.done;
  return typeof done === 'string' ? notices[done] : undefined;
};

// ---- the campaign page ----

// A campaign's page is read far more often than it changes: what it shows is kept for a moment (a change shows in
// this process at once through the version in the key, and in others within HUB_KEEP_MS).
const HUB_KEEP_MS = 2_000;
const keptHubs = new WeakMap<object, Map<string, { at: number; value: Promise<KeptHub | undefined> }>>();

interface KeptHub {
  hub: NonNullable<Awaited<ReturnType<typeof getHub>>>;
  /** Everything the page shows that can change, worked out once per load rather than on every request. */
  key: string;
}

async function loadHub(core: Core, slug: string): Promise<KeptHub | undefined> {
  const hub = await getHub(core, slug);
  if (!hub) return undefined;
  const key = [
    'hub',
    hub.updatedAt,
    hub.campaign.title,
    hub.campaign.summary,
    hub.actions.map((a) => `${a.id}:${a.count}:${a.open ? 1 : 0}:${a.title}`).join(','),
    hub.updates.map((u) => `${u.id}.${u.updatedAt}`).join(','),
    hub.resources.map((r) => `${r.id}.${r.updatedAt}`).join(','),
    hub.events
      .map(
        (e) =>
          `${e.event.id}.${e.event.updatedAt}.${e.occurrences.map((o) => `${o.placesTaken}/${o.placesWaiting}/${o.status}`).join(':')}`,
      )
      .join(','),
    hub.testimonials.map((t) => t.id).join(','),
  ].join(' ');
  return { hub, key };
}

function keptHub(core: Core, slug: string): Promise<KeptHub | undefined> {
  let kept = keptHubs.get(core.db);
  if (!kept) keptHubs.set(core.db, (kept = new Map()));
  const now = Date.now();
  const hit = kept.get(slug);
  if (hit && now - hit.at < HUB_KEEP_MS) return hit.value;
  const value = loadHub(core, slug);
  kept.set(slug, { at: now, value });
  if (kept.size > 200) kept.delete(kept.keys().next().value!);
  value.catch(() => kept.delete(slug));
  return value;
}

/** Forgets the kept campaign pages (after staff change one, so it shows at once in this process). */
function forgetHubs(core: Core) {
  keptHubs.delete(core.db);
}

async function showHub(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const p = SlugParams.safeParse(req.params);
  const kept = p.success ? await keptHub(core, p.data.slug) : undefined;
  if (!kept) throw new AppError(404, 'not_found', 'We could not find that campaign. It may have moved, or the link may be mistyped.');
  const { hub } = kept;
  const [site, signup] = await Promise.all([getSiteSettings(core.db), signupBlockData(core)]);
  const url = `${core.config.baseUrl}/campaigns/${hub.campaign.slug}`;
  return reply.page({
    title: hub.campaign.title,
    description: hub.campaign.summary,
    head: mergeHead(
      shareTags({ url, title: hub.campaign.title, description: hub.campaign.summary, siteName: site.orgName }),
      feedLink(`${url}/feed.xml`, `News of ${hub.campaign.title}`),
    ),
    body: () => <HubView hub={hub} signupLists={signup.lists} shareUrl={url} />,
    cacheKey: `${kept.key} ${signup.cacheKey}`,
  });
}

// ---- the home page ----

const HOME_KEEP_MS = 2_000;
const keptHome = new WeakMap<object, { at: number; value: Promise<Awaited<ReturnType<typeof loadHome>> & { version: string }> }>();

function keptHomeOf(core: Core) {
  const now = Date.now();
  const hit = keptHome.get(core.db);
  if (hit && now - hit.at < HOME_KEEP_MS) return hit.value;
  const value = loadHome(core).then((home) => ({ ...home, version: homeVersion(home) }));
  keptHome.set(core.db, { at: now, value });
  value.catch(() => keptHome.delete(core.db));
  return value;
}

async function showHome(_req: FastifyRequest, reply: FastifyReply, core: Core) {
  const [home, page, site, signup] = await Promise.all([
    keptHomeOf(core),
    getPublishedPage(core.db, 'home'),
    getSiteSettings(core.db),
    signupBlockData(core),
  ]);
  return reply.page({
    title: site.orgName,
    description: page?.summary || site.tagline,
    head: mergeHead(
      shareTags({
        url: `${core.config.baseUrl}/`,
        title: site.orgName,
        description: page?.summary || site.tagline,
        siteName: site.orgName,
      }),
      siteFeedHead(core, site.orgName),
    ),
    body: () => (
      <HomePageView
        orgName={site.orgName}
        tagline={site.tagline}
        intro={page ? { summary: page.summary, html: page.html } : undefined}
        sections={home.sections}
        firstAction={home.firstAction}
        signupLists={signup.lists}
      />
    ),
    // Everything the page shows is in the key: the document is rendered again only when something in it changed.
    cacheKey: `home ${page?.updatedAt ?? 0} ${signup.cacheKey} ${home.version}`,
  });
}

/** A short description of everything the home page shows that can change. */
function homeVersion(home: Awaited<ReturnType<typeof loadHome>>): string {
  return home.sections
    .map((s) => {
      switch (s.kind) {
        case 'featured_campaign':
          return s.hub
            ? `f${s.hub.campaign.id}.${s.hub.updatedAt}.${s.hub.campaign.title}.${s.hub.actions.map((a) => `${a.id}:${a.count}:${a.open ? 1 : 0}`).join('/')}`
            : 'f';
        case 'open_actions':
          return `a${s.actions.map((a) => `${a.id}:${a.count}:${a.title}`).join('/')}`;
        case 'latest_updates':
          return `u${s.updates.map((u) => `${u.id}.${u.updatedAt}`).join('/')}`;
        case 'testimonials':
          return `t${s.items.map((t) => t.id).join('/')}`;
        case 'resources':
          return `r${s.items.map((r) => `${r.id}.${r.updatedAt}`).join('/')}`;
        case 'upcoming_events':
          return `e${s.items.map((e) => `${e.event.id}.${e.event.updatedAt}.${e.occurrences.map((o) => `${o.placesTaken}/${o.placesWaiting}/${o.status}`).join(':')}`).join('/')}`;
        case 'signup':
          return 's';
        case 'text':
          return `x${s.heading}.${s.html.length}.${s.html.slice(0, 40)}`;
      }
    })
    .join('|');
}

// ---- staff: the home page's sections ----

async function homeSectionsPage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  o: { values?: Record<string, string>; errors?: Record<string, string> } = {},
) {
  const [{ sections, isDefault }, campaigns] = await Promise.all([getHomeSections(core), campaignsForStaff(core.db)]);
  return reply.adminPage({
    title: 'Home page',
    status: o.errors ? 422 : 200,
    body: (
      <HomeSectionsView
        csrf={req.csrfToken()}
        sections={sections}
        isDefault={isDefault}
        campaigns={campaigns}
        values={o.values ?? {}}
        errors={o.errors}
        canPublish={req.viewer!.can('content:publish')}
        notice={noticeOf(req, { saved: 'The home page is saved.' })}
      />
    ),
  });
}

async function showHomeSections(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return homeSectionsPage(req, reply, core);
}

const HomeChange = z.discriminatedUnion('change', [
  z.object({ change: z.literal('up'), index: z.coerce.number().int().min(0).max(50) }),
  z.object({ change: z.literal('down'), index: z.coerce.number().int().min(0).max(50) }),
  z.object({ change: z.literal('remove'), index: z.coerce.number().int().min(0).max(50) }),
  z.object({
    change: z.literal('add'),
    kind: z.enum(Object.keys(HOME_SECTION_KINDS) as [HomeSectionKind, ...HomeSectionKind[]], {
      error: 'Choose a kind of section from the list',
    }),
    campaignId: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z
        .string()
        .regex(/^\d{1,12}$/, 'Choose a campaign from the list')
        .transform(Number)
        .optional(),
    ),
    heading: optionalText('the heading', { max: 120 }).transform((s) => s ?? ''),
    bodyMd: optionalMultilineText('the text', { max: 20_000 }).transform((s) => s ?? ''),
  }),
]);

async function changeHomeSections(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const values = formValues(req.body);
  const form = parseForm(HomeChange, req.body);
  if (!form.ok) return homeSectionsPage(req, reply, core, { values, errors: form.errors });
  const sections = [...(await getHomeSections(core)).sections];
  const c = form.data;
  if (c.change === 'add') sections.push({ kind: c.kind, campaignId: c.campaignId ?? null, heading: c.heading, bodyMd: c.bodyMd });
  else if (c.index < sections.length) {
    const [s] = sections.splice(c.index, 1);
    if (c.change === 'up') sections.splice(Math.max(0, c.index - 1), 0, s!);
    if (c.change === 'down') sections.splice(Math.min(sections.length, c.index + 1), 0, s!);
  }
  try {
    await saveHomeSections(core, sections, req.viewer!.id);
  } catch (err) {
    return homeSectionsPage(req, reply, core, { values, errors: refusedFields(err) });
  }
  keptHome.delete(core.db);
  return reply.redirect('/admin/content/home?done=saved', 303);
}

// ---- the contact form ----

const ContactForm = z.object({
  name: text('your name', { max: 120 }),
  email: email('your email address'),
  message: multilineText('your message', { max: 5000 }),
});

async function contactPage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  o: { values?: Record<string, string>; errors?: Record<string, string> } = {},
) {
  const [page, site] = await Promise.all([getPublishedPage(core.db, 'contact'), getSiteSettings(core.db)]);
  return reply.page({
    title: page?.title ?? 'Contact us',
    description: page?.summary ?? `How to reach ${site.orgName}.`,
    status: o.errors ? 422 : 200,
    body: (
      <ContactView
        title={page?.title ?? 'Contact us'}
        html={page?.html ?? ''}
        values={o.values ?? {}}
        errors={o.errors}
        keepDays={CONTACT_KEEP_DAYS}
        orgName={site.orgName}
      />
    ),
    ...(o.errors ? {} : { cacheKey: `contact ${page?.updatedAt ?? 0}` }),
  });
}

async function showContact(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return contactPage(req, reply, core);
}

async function sendContact(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const values = formValues(req.body);
  const form = await guardPublicForm(req, core, (body) => parseForm(ContactForm, body), {
    button: 'Send the message',
    goBack: 'Go to our contact page and send it again from there.',
  });
  // A robot that filled the trap gets the same answer as everyone, and nothing is stored or sent.
  if (form.kind === 'trapped') return reply.redirect('/contact/sent', 303);
  if (form.kind === 'refused') return contactPage(req, reply, core, { values, errors: form.errors });
  await receiveContactMessage(core, form.data);
  return reply.redirect('/contact/sent', 303);
}

async function showContactSent(_req: FastifyRequest, reply: FastifyReply) {
  return reply.page({ title: 'Thank you for your message', body: <ContactSentView />, cacheKey: 'contact-sent' });
}

// ---- staff ----

async function showOverview(_req: FastifyRequest, reply: FastifyReply, core: Core) {
  const messages = await listContactMessages(core, 200);
  return reply.adminPage({ title: 'Website', body: <WebsiteOverviewView unhandled={messages.filter((m) => !m.handledAt).length} /> });
}

async function showCampaignPages(_req: FastifyRequest, reply: FastifyReply, core: Core) {
  return reply.adminPage({ title: 'Campaign pages', body: <CampaignPagesView campaigns={await campaignsForStaff(core.db)} /> });
}

const HubForm = z.object({
  heroImageId: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(/^\d{1,12}$/, 'Choose an image from the list')
      .transform(Number)
      .optional(),
  ),
  heroAlt: optionalText('the picture’s description', { max: 300 }).transform((s) => s ?? ''),
  body: optionalMultilineText('why it matters', { max: 100_000 }).transform((s) => s ?? ''),
  priorities: optionalMultilineText('the priorities', { max: 5_000 }).transform((s) => s ?? ''),
  intent: z.enum(['save', 'preview']).catch('save'),
});

async function hubPage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  id: number,
  o: { values?: Record<string, string>; errors?: Record<string, string>; preview?: string } = {},
) {
  const [hub, images] = await Promise.all([hubForStaff(core, id), imageChoices(core)]);
  if (!hub) throw new AppError(404, 'not_found', 'There is no such campaign.');
  const values = o.values ?? {
    heroImageId: hub.input.heroImageId === null ? '' : String(hub.input.heroImageId),
    heroAlt: hub.input.heroAlt,
    body: hub.input.bodyMd,
    priorities: hub.input.priorities,
  };
  return reply.adminPage({
    title: `The page of ${hub.campaign.title}`,
    status: o.errors ? 422 : 200,
    body: (
      <HubFormView
        csrf={req.csrfToken()}
        campaign={hub.campaign}
        images={images}
        values={values}
        errors={o.errors}
        preview={o.preview}
        notice={noticeOf(req, { saved: 'The campaign page is saved.' })}
      />
    ),
  });
}

async function showHubForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return hubPage(req, reply, core, idOf(req.params));
}

async function saveHubForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req.params);
  const values = formValues(req.body);
  const form = parseForm(HubForm, req.body);
  if (!form.ok) return hubPage(req, reply, core, id, { values, errors: form.errors });
  if (form.data.intent === 'preview') return hubPage(req, reply, core, id, { values, preview: renderMarkdown(form.data.body) });
  try {
    await saveHub(
      core,
      id,
      { heroImageId: form.data.heroImageId ?? null, heroAlt: form.data.heroAlt, bodyMd: form.data.body, priorities: form.data.priorities },
      req.viewer!.id,
    );
  } catch (err) {
    return hubPage(req, reply, core, id, { values, errors: refusedFields(err) });
  }
  forgetHubs(core);
  return reply.redirect(`/admin/content/campaigns/${id}?done=saved`, 303);
}

const TestimonialForm = z.object({
  quote: multilineText('what they said', { max: 1000 }),
  attribution: text('who said it', { max: 120 }),
  context: optionalText('a few words about them', { max: 160 }).transform((s) => s ?? ''),
  campaignId: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(/^\d{1,12}$/, 'Choose a campaign from the list')
      .transform(Number)
      .optional(),
  ),
  permission: z.preprocess((v) => v === 'on', z.boolean()),
  permissionNote: optionalText('how they gave permission', { max: 200 }).transform((s) => s ?? ''),
});

const TESTIMONIAL_NOTICES = { added: 'The quote is added.', withdrawn: 'The quote is no longer shown.', deleted: 'The quote is deleted.' };

async function testimonialsPage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  o: { values?: Record<string, string>; errors?: Record<string, string> } = {},
) {
  const [items, campaigns, site, feedback] = await Promise.all([
    listTestimonials(core.db),
    campaignsForStaff(core.db),
    getSiteSettings(core.db),
    listQuotableFeedback(core),
  ]);
  // A comment already made a quote is not offered again.
  const quoted = new Set(items.map((t) => t.quote));
  return reply.adminPage({
    title: 'What people say',
    status: o.errors ? 422 : 200,
    body: (
      <TestimonialsView
        csrf={req.csrfToken()}
        items={items}
        campaigns={campaigns}
        values={o.values ?? {}}
        errors={o.errors}
        notice={noticeOf(req, TESTIMONIAL_NOTICES)}
        timeZone={site.timeZone}
        fromFeedback={feedback.filter((f) => !quoted.has(f.comment))}
      />
    ),
  });
}

async function showTestimonials(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return testimonialsPage(req, reply, core);
}

async function addTestimonialFromForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const values = formValues(req.body);
  const form = parseForm(TestimonialForm, req.body);
  if (!form.ok) return testimonialsPage(req, reply, core, { values, errors: form.errors });
  try {
    await addTestimonial(core, { ...form.data, campaignId: form.data.campaignId ?? null }, req.viewer!.id);
  } catch (err) {
    return testimonialsPage(req, reply, core, { values, errors: refusedFields(err) });
  }
  forgetHubs(core);
  return reply.redirect('/admin/content/testimonials?done=added', 303);
}

/** A comment from event feedback made a quote, with the permission its author ticked recorded in their words. */
async function quoteFeedback(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req.params);
  const [feedback, items, site] = await Promise.all([listQuotableFeedback(core), listTestimonials(core.db), getSiteSettings(core.db)]);
  const f = feedback.find((x) => x.id === id);
  if (!f) throw new AppError(404, 'not_found', 'There is no such comment, or it may no longer be quoted.');
  if (!items.some((t) => t.quote === f.comment)) {
    const input = {
      quote: f.comment,
      attribution: f.quoteName || 'Someone who came',
      context: `At “${f.eventTitle}”`,
      campaignId: f.campaignId,
      permissionNote: `Ticked “${f.permissionWording}” on the event feedback form on ${formatTime(f.givenAt, site.timeZone)}`,
      permission: true,
    };
    try {
      await addTestimonial(core, input, req.viewer!.id);
    } catch (err) {
      return testimonialsPage(req, reply, core, { errors: refusedFields(err) });
    }
    forgetHubs(core);
  }
  return reply.redirect('/admin/content/testimonials?done=added', 303);
}

async function withdrawTestimonial(req: FastifyRequest, reply: FastifyReply, core: Core) {
  await changeTestimonial(core, idOf(req.params), 'withdraw', req.viewer!.id);
  forgetHubs(core);
  return reply.redirect('/admin/content/testimonials?done=withdrawn', 303);
}

async function deleteTestimonial(req: FastifyRequest, reply: FastifyReply, core: Core) {
  await changeTestimonial(core, idOf(req.params), 'delete', req.viewer!.id);
  forgetHubs(core);
  return reply.redirect('/admin/content/testimonials?done=deleted', 303);
}

async function showMessages(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const [items, site] = await Promise.all([listContactMessages(core), getSiteSettings(core.db)]);
  return reply.adminPage({
    title: 'Messages',
    body: (
      <MessagesView
        csrf={req.csrfToken()}
        items={items}
        notice={noticeOf(req, { handled: 'Marked as answered.', deleted: 'The message is deleted.' })}
        timeZone={site.timeZone}
        keepDays={CONTACT_KEEP_DAYS}
      />
    ),
  });
}

async function markMessageHandled(req: FastifyRequest, reply: FastifyReply, core: Core) {
  await changeContactMessage(core, idOf(req.params), 'handled', req.viewer!.id);
  return reply.redirect('/admin/content/messages?done=handled', 303);
}

async function deleteMessage(req: FastifyRequest, reply: FastifyReply, core: Core) {
  await changeContactMessage(core, idOf(req.params), 'delete', req.viewer!.id);
  return reply.redirect('/admin/content/messages?done=deleted', 303);
}
