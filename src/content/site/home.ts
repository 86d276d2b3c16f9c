import { getCampaigns, listActionCards, listPublicActions, type ActionCard, type Campaign } from '../../actions/service.js';
import { recordAudit } from '../../core/audit.js';
import type { Core } from '../../core/context.js';
import { renderMarkdown } from '../../core/markdown.js';
import { DomainError } from '../../core/web/errors.js';
import type { ContentImage } from '../images/service.js';
import { listPublicEvents, type EventWithDates } from '../../events/service.js';
import { listResources, type Resource } from '../resources/service.js';
import { featuredImages, listPublishedUpdates, type UpdateSummary } from '../updates/service.js';
import { listHomeSectionRows, replaceHomeSections } from './queries.js';
import { getHub, listShownTestimonials, type Hub, type Testimonial } from './service.js';
import type { HomeSectionKind } from './tables.js';

// The home page as staff compose it: after its opening (what the charity does, and one thing to do now), a list of
// sections in the order staff chose. Each kind of section is an entry in HOME_SECTION_KINDS, which says it in words
// and loads what it shows from live data; events and donations add theirs here when they exist. With no sections
// saved, the home page shows DEFAULT_SECTIONS.

/** Each kind of section, in staff's words. */
export const HOME_SECTION_KINDS: Readonly<Record<HomeSectionKind, string>> = {
  featured_campaign: 'A campaign to feature',
  open_actions: 'Actions open now, with their counters',
  latest_updates: 'The latest updates',
  testimonials: 'What people say',
  resources: 'The latest resources',
  upcoming_events: 'Events coming up',
  signup: 'The sign-up form',
  text: 'A block of text',
};

/** A section as staff placed it. */
export interface HomeSection {
  kind: HomeSectionKind;
  campaignId: number | null;
  heading: string;
  bodyMd: string;
}

/** How many of a featured campaign's open actions the home page shows. */
export const FEATURED_ACTIONS = 3;

const DEFAULT_SECTIONS: HomeSection[] = [
  { kind: 'featured_campaign', campaignId: null, heading: '', bodyMd: '' },
  { kind: 'open_actions', campaignId: null, heading: '', bodyMd: '' },
  { kind: 'latest_updates', campaignId: null, heading: '', bodyMd: '' },
  { kind: 'testimonials', campaignId: null, heading: '', bodyMd: '' },
  { kind: 'upcoming_events', campaignId: null, heading: '', bodyMd: '' },
  { kind: 'resources', campaignId: null, heading: '', bodyMd: '' },
  { kind: 'signup', campaignId: null, heading: '', bodyMd: '' },
];

/** What a section shows, loaded. */
export type LoadedSection =
  | { kind: 'featured_campaign'; heading: string; hub: Hub | undefined }
  | { kind: 'open_actions'; heading: string; actions: ActionCard[] }
  | { kind: 'latest_updates'; heading: string; updates: UpdateSummary[]; images: Map<number, ContentImage> }
  | { kind: 'testimonials'; heading: string; items: Testimonial[] }
  | { kind: 'resources'; heading: string; items: Resource[] }
  | { kind: 'upcoming_events'; heading: string; items: EventWithDates[]; now: number }
  | { kind: 'signup'; heading: string }
  | { kind: 'text'; heading: string; html: string };

/** The home page's sections as staff placed them (the default order when they have placed none). */
export async function getHomeSections(core: Core): Promise<{ sections: HomeSection[]; isDefault: boolean }> {
  const rows = await listHomeSectionRows(core.db);
  if (rows.length === 0) return { sections: DEFAULT_SECTIONS, isDefault: true };
  return {
    sections: rows.map((r) => ({
      kind: r.kind,
      campaignId: r.campaign_id === null ? null : Number(r.campaign_id),
      heading: r.heading,
      bodyMd: r.body_md,
    })),
    isDefault: false,
  };
}

async function loadSection(core: Core, s: HomeSection, campaigns: Campaign[]): Promise<LoadedSection> {
  switch (s.kind) {
    case 'featured_campaign': {
      const campaign = campaigns.find((c) => c.id === s.campaignId) ?? campaigns[campaigns.length - 1];
      return { kind: s.kind, heading: s.heading, hub: campaign ? await getHub(core, campaign.slug) : undefined };
    }
    case 'open_actions': {
      const open = await listPublicActions(core.db);
      const cards = await listActionCards(
        core.db,
        open.slice(0, 6).map((a) => a.id),
      );
      return { kind: s.kind, heading: s.heading, actions: cards.filter((c) => c.open) };
    }
    case 'latest_updates': {
      const list = await listPublishedUpdates(core.db, { perPage: 3 });
      return { kind: s.kind, heading: s.heading, updates: list.items, images: await featuredImages(core, list.items) };
    }
    case 'testimonials':
      return { kind: s.kind, heading: s.heading, items: await listShownTestimonials(core.db, 3) };
    case 'resources':
      return { kind: s.kind, heading: s.heading, items: await listResources(core.db, { limit: 3 }) };
    case 'upcoming_events': {
      const now = Date.now();
      return { kind: s.kind, heading: s.heading, items: await listPublicEvents(core.db, { now, limit: 3 }), now };
    }
    case 'signup':
      return { kind: s.kind, heading: s.heading };
    case 'text':
      return { kind: s.kind, heading: s.heading, html: renderMarkdown(s.bodyMd) };
  }
}

/** Every section of the home page with what it shows, and the first open action (the opening's "do this now"). */
export async function loadHome(
  core: Core,
): Promise<{ sections: LoadedSection[]; firstAction: ActionCard | undefined; campaigns: Campaign[] }> {
  const [{ sections }, campaigns] = await Promise.all([getHomeSections(core), getCampaigns(core.db)]);
  const loaded = await Promise.all(sections.map((s) => loadSection(core, s, campaigns)));
  // An action the featured campaign already shows is not shown twice.
  const featured = loaded.flatMap((s) =>
    s.kind === 'featured_campaign' && s.hub ? s.hub.actions.filter((a) => a.open).slice(0, FEATURED_ACTIONS) : [],
  );
  const shown = new Set(featured.map((a) => a.id));
  const sectionsShown = loaded.map((s) => (s.kind === 'open_actions' ? { ...s, actions: s.actions.filter((a) => !shown.has(a.id)) } : s));
  // The opening's one thing to do: the open action most people have taken part in.
  const open = [...featured, ...loaded.flatMap((s) => (s.kind === 'open_actions' ? s.actions : []))];
  const firstAction = open.reduce<ActionCard | undefined>((best, a) => (!best || a.count > best.count ? a : best), undefined);
  return { sections: sectionsShown, firstAction, campaigns };
}

/** Saves the home page's sections in this order (each checked: a featured campaign must exist). */
export async function saveHomeSections(core: Core, sections: readonly HomeSection[], staffId: number | null): Promise<void> {
  if (sections.length > 20) throw new DomainError('invalid', 'A home page can have at most 20 sections');
  const campaigns = new Set((await getCampaigns(core.db)).map((c) => c.id));
  for (const s of sections) {
    if (!(s.kind in HOME_SECTION_KINDS))
      throw new DomainError('invalid', 'Choose a kind of section from the list', { kind: 'Choose a kind of section from the list' });
    if (s.campaignId !== null && !campaigns.has(s.campaignId))
      throw new DomainError('invalid', 'Choose a campaign from the list', { campaignId: 'Choose a campaign from the list' });
    if (s.kind === 'text' && s.bodyMd.trim() === '')
      throw new DomainError('invalid', 'Write the text of the block', { bodyMd: 'Write the text of the block' });
  }
  await core.db.transaction().execute(async (trx) => {
    await replaceHomeSections(
      trx,
      sections.map((s) => ({ kind: s.kind, campaign_id: s.campaignId, heading: s.heading, body_md: s.bodyMd, updated_at: Date.now() })),
    );
    await recordAudit(trx, { staffId, action: 'home.save', target: 'home page' });
  });
}
