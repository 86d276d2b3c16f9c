import { getCampaign, getCampaigns, listCampaignActionCards, type ActionCard, type Campaign } from '../../actions/service.js';
import { recordAudit } from '../../core/audit.js';
import type { Core } from '../../core/context.js';
import type { Db } from '../../core/db/index.js';
import { renderMarkdown } from '../../core/markdown.js';
import { getSiteSettings } from '../../core/settings.js';
import { DomainError } from '../../core/web/errors.js';
import { getImages, imageExists, type ContentImage } from '../images/service.js';
import { listCampaignEvents, type EventWithDates } from '../../events/service.js';
import { listResources, type Resource } from '../resources/service.js';
import { indexDocument, plainTextOfMarkdown } from '../search/service.js';
import { featuredImages, listPublishedUpdates, type UpdateSummary } from '../updates/service.js';
import { contactMessageEmail } from './emails.js';
import {
  deleteContactMessageRow,
  deleteContactMessagesBefore,
  deleteTestimonialRow,
  findContactMessage,
  findHub,
  insertContactMessage,
  insertTestimonial,
  listContactMessageRows,
  listShownTestimonialRows,
  listTestimonialRows,
  markContactMessageHandled,
  updateTestimonialRow,
  upsertHub,
  type TestimonialRow,
} from './queries.js';

// The website's campaign pages (hubs), "what people say", and the contact form's messages. A campaign (its title,
// summary and actions) belongs to the actions capability; its hub adds a hero picture, the text of why it matters,
// its priorities, and gathers what supporters can do now from live data: its open actions with their counters, its
// resources, its latest updates and the sign-up block. A testimonial is shown only once staff have recorded how the
// person gave permission. A contact message is encrypted at rest, emailed to the organisation, and deleted after
// CONTACT_KEEP_DAYS.

export const CONTACT_KEEP_DAYS = 365;

/** "What people say": shown only with recorded permission. */
export interface Testimonial {
  id: number;
  quote: string;
  attribution: string;
  context: string;
  campaignId: number | null;
  permissionNote: string;
  permissionRecordedAt: number | null;
}

const toTestimonial = (r: TestimonialRow): Testimonial => ({
  id: Number(r.id),
  quote: r.quote,
  attribution: r.attribution,
  context: r.context,
  campaignId: r.campaign_id === null ? null : Number(r.campaign_id),
  permissionNote: r.permission_note,
  permissionRecordedAt: r.permission_recorded_at,
});

/** Everything a campaign's page shows. */
export interface Hub {
  campaign: Campaign;
  hero: ContentImage | undefined;
  heroAlt: string;
  bodyMd: string;
  html: string;
  priorities: string[];
  actions: ActionCard[];
  resources: Resource[];
  /** The campaign's events to come. */
  events: EventWithDates[];
  updates: UpdateSummary[];
  updateImages: Map<number, ContentImage>;
  testimonials: Testimonial[];
  updatedAt: number;
}

/** A campaign's hub as its public page shows it (a campaign nobody wrote a hub for still has one: its actions). */
export async function getHub(core: Core, slug: string): Promise<Hub | undefined> {
  const campaign = await getCampaign(core.db, { slug });
  if (!campaign) return undefined;
  const [row, actions, resources, events, updates, testimonials] = await Promise.all([
    findHub(core.db, campaign.id),
    listCampaignActionCards(core.db, campaign.id),
    listResources(core.db, { campaignId: campaign.id, limit: 6 }),
    listCampaignEvents(core.db, campaign.id),
    listPublishedUpdates(core.db, { campaignId: campaign.id, perPage: 3 }),
    listShownTestimonialRows(core.db, { campaignId: campaign.id, limit: 6 }),
  ]);
  const [hero, updateImages] = await Promise.all([
    row?.hero_image_id
      ? getImages(core, [Number(row.hero_image_id)]).then((m) => m.get(Number(row.hero_image_id)))
      : Promise.resolve(undefined),
    featuredImages(core, updates.items),
  ]);
  return {
    campaign,
    hero,
    heroAlt: row?.hero_alt ?? '',
    bodyMd: row?.body_md ?? '',
    html: row?.body_md ? renderMarkdown(row.body_md) : '',
    priorities: (row?.priorities ?? '')
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean),
    actions,
    resources,
    events,
    updates: updates.items,
    updateImages,
    testimonials: testimonials.map(toTestimonial),
    updatedAt: row?.updated_at ?? 0,
  };
}

/** What staff write on a hub. */
export interface HubInput {
  heroImageId: number | null;
  heroAlt: string;
  bodyMd: string;
  priorities: string;
}

/** Saves a campaign's hub content and puts the campaign into the site search. */
export async function saveHub(core: Core, campaignId: number, input: HubInput, staffId: number | null): Promise<void> {
  const campaign = await getCampaign(core.db, { id: campaignId });
  if (!campaign) throw new DomainError('not_found', 'There is no such campaign.');
  if (input.heroImageId !== null && !(await imageExists(core.db, input.heroImageId))) {
    throw new DomainError('invalid', 'Choose an image from the list', { heroImageId: 'Choose an image from the list' });
  }
  await core.db.transaction().execute(async (trx) => {
    await upsertHub(trx, {
      campaign_id: campaignId,
      hero_image_id: input.heroImageId,
      hero_alt: input.heroAlt,
      body_md: input.bodyMd,
      priorities: input.priorities,
      updated_by: staffId,
      updated_at: Date.now(),
    });
    await indexDocument(trx, {
      kind: 'campaign',
      ref: campaignId,
      title: campaign.title,
      summary: campaign.summary,
      body: [plainTextOfMarkdown(input.bodyMd), input.priorities].join('\n\n'),
      url: `/campaigns/${campaign.slug}`,
      publishedAt: Date.now(),
      campaignId,
    });
    await recordAudit(trx, { staffId, action: 'campaign_hub.save', target: `campaign ${campaignId}` });
  });
}

/** A campaign's hub content for its form (empty for a campaign without one). */
export async function hubForStaff(core: Core, campaignId: number): Promise<{ campaign: Campaign; input: HubInput } | undefined> {
  const campaign = await getCampaign(core.db, { id: campaignId });
  if (!campaign) return undefined;
  const row = await findHub(core.db, campaignId);
  return {
    campaign,
    input: {
      heroImageId: row?.hero_image_id ? Number(row.hero_image_id) : null,
      heroAlt: row?.hero_alt ?? '',
      bodyMd: row?.body_md ?? '',
      priorities: row?.priorities ?? '',
    },
  };
}

/** Every campaign, for the staff list of hubs. */
export async function campaignsForStaff(db: Db): Promise<Campaign[]> {
  return getCampaigns(db);
}

/** Testimonials that may be shown on the home page (the whole charity's and every campaign's). */
export async function listShownTestimonials(db: Db, limit = 6): Promise<Testimonial[]> {
  return (await listShownTestimonialRows(db, { limit })).map(toTestimonial);
}

/** Every testimonial, for staff. */
export async function listTestimonials(db: Db): Promise<Testimonial[]> {
  return (await listTestimonialRows(db)).map(toTestimonial);
}

/** What staff write for a testimonial. */
export interface TestimonialInput {
  quote: string;
  attribution: string;
  context: string;
  campaignId: number | null;
  permissionNote: string;
  /** Whether the person's permission to show it is recorded now. */
  permission: boolean;
}

/** Adds a testimonial (shown only once permission is recorded). */
export async function addTestimonial(core: Core, input: TestimonialInput, staffId: number | null): Promise<number> {
  if (input.permission && input.permissionNote.trim() === '') {
    throw new DomainError('invalid', 'Say how the person gave permission', {
      permissionNote: 'Say how the person gave permission, for example “by email on 3 May”',
    });
  }
  if (input.campaignId !== null && !(await getCampaign(core.db, { id: input.campaignId }))) {
    throw new DomainError('invalid', 'Choose a campaign from the list', { campaignId: 'Choose a campaign from the list' });
  }
  return core.db.transaction().execute(async (trx) => {
    const now = Date.now();
    const id = await insertTestimonial(trx, {
      quote: input.quote,
      attribution: input.attribution,
      context: input.context,
      campaign_id: input.campaignId,
      permission_note: input.permissionNote,
      permission_recorded_at: input.permission ? now : null,
      position: 0,
      created_at: now,
      updated_at: now,
    });
    await recordAudit(trx, { staffId, action: 'testimonial.add', target: `testimonial ${id}` });
    return id;
  });
}

/** Withdraws a testimonial's permission (it is no longer shown) or deletes it. */
export async function changeTestimonial(core: Core, id: number, change: 'withdraw' | 'delete', staffId: number | null): Promise<void> {
  await core.db.transaction().execute(async (trx) => {
    const n =
      change === 'delete'
        ? await deleteTestimonialRow(trx, id)
        : await updateTestimonialRow(trx, id, { permission_recorded_at: null, updated_at: Date.now() });
    if (n === 0) throw new DomainError('not_found', 'There is no such testimonial.');
    await recordAudit(trx, { staffId, action: `testimonial.${change}`, target: `testimonial ${id}` });
  });
}

/** A message someone sent through the contact form. */
export interface ContactMessage {
  id: number;
  name: string;
  email: string;
  message: string;
  createdAt: number;
  handledAt: number | null;
}

/** Stores a contact message encrypted and queues its email to the organisation (in one transaction). */
export async function receiveContactMessage(core: Core, m: { name: string; email: string; message: string }): Promise<void> {
  const site = await getSiteSettings(core.db);
  await core.db.transaction().execute(async (trx) => {
    const id = await insertContactMessage(trx, {
      name_enc: core.keyring.encrypt(m.name),
      email_enc: core.keyring.encrypt(m.email),
      message_enc: core.keyring.encrypt(m.message),
      created_at: Date.now(),
      handled_at: null,
    });
    // With no contact address set, the message waits for staff in the admin area only.
    if (site.contactEmail) {
      const mail = contactMessageEmail(site.orgName, m);
      await core.mailer.enqueue(trx, { ...mail, to: site.contactEmail, replyTo: m.email }, { uniqueKey: `contact-message-${id}` });
    }
  });
}

const toMessage = (
  core: Core,
  r: { id: number; name_enc: string; email_enc: string; message_enc: string; created_at: number; handled_at: number | null },
): ContactMessage => ({
  id: Number(r.id),
  name: core.keyring.decrypt(r.name_enc),
  email: core.keyring.decrypt(r.email_enc),
  message: core.keyring.decrypt(r.message_enc),
  createdAt: r.created_at,
  handledAt: r.handled_at,
});

/** The contact messages, newest first, decrypted for staff. */
export async function listContactMessages(core: Core, limit = 200): Promise<ContactMessage[]> {
  return (await listContactMessageRows(core.db, limit)).map((r) => toMessage(core, r));
}

/** Marks a message handled, or deletes it. */
export async function changeContactMessage(core: Core, id: number, change: 'handled' | 'delete', staffId: number | null): Promise<void> {
  await core.db.transaction().execute(async (trx) => {
    if (!(await findContactMessage(trx, id))) throw new DomainError('not_found', 'There is no such message.');
    if (change === 'delete') await deleteContactMessageRow(trx, id);
    else await markContactMessageHandled(trx, id, Date.now());
    await recordAudit(trx, { staffId, action: `contact_message.${change}`, target: `contact message ${id}` });
  });
}

/** Deletes contact messages older than CONTACT_KEEP_DAYS (the recurring job deleteOldContactMessages). */
export async function deleteOldContactMessages(core: Core, now = Date.now()): Promise<number> {
  return deleteContactMessagesBefore(core.db, now - CONTACT_KEEP_DAYS * 24 * 3600_000);
}
