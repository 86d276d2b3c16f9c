import type { Generated } from 'kysely';

// The tables content/site owns (lint rule lantern/own-tables), declared into core's Schema.

export interface CampaignHubsTable {
  /** The campaign (the actions capability's `campaigns`) this page belongs to. */
  campaign_id: number;
  hero_image_id: number | null;
  /** The hero's description on this page (empty: the image's own). */
  hero_alt: string;
  body_md: string;
  /** The campaign's priorities, one per line. */
  priorities: string;
  updated_by: number | null;
  updated_at: number;
}

export interface TestimonialsTable {
  id: Generated<number>;
  quote: string;
  attribution: string;
  context: string;
  campaign_id: number | null;
  /** How the person gave permission to quote them (staff's note). */
  permission_note: string;
  /** When permission was recorded; null: not shown anywhere. */
  permission_recorded_at: number | null;
  position: number;
  created_at: number;
  updated_at: number;
}

export interface ContactMessagesTable {
  id: Generated<number>;
  name_enc: string;
  email_enc: string;
  message_enc: string;
  created_at: number;
  handled_at: number | null;
}

/** What a home page section shows (HOME_SECTION_KINDS in home.ts says each in words). */
export type HomeSectionKind =
  'featured_campaign' | 'open_actions' | 'latest_updates' | 'testimonials' | 'resources' | 'upcoming_events' | 'signup' | 'text';

export interface HomeSectionsTable {
  id: Generated<number>;
  position: number;
  kind: HomeSectionKind;
  campaign_id: number | null;
  heading: string;
  body_md: string;
  updated_at: number;
}

declare module '../../core/db/schema.js' {
  interface Schema {
    home_sections: HomeSectionsTable;
    campaign_hubs: CampaignHubsTable;
    testimonials: TestimonialsTable;
    contact_messages: ContactMessagesTable;
  }
}
