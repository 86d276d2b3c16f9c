import type { Generated } from 'kysely';

// The tables content/updates owns (lint rule lantern/own-tables), declared into core's Schema. Other parts of the
// website (site, feeds, search, the WordPress import) reach them only through ./service.ts.

/** draft: only staff (and whoever holds its private preview link) see it; scheduled: published by a job at publish_at. */
export type UpdateStatus = 'draft' | 'scheduled' | 'published';

/** How the name shown as the author was chosen: the staff member's own name, the organisation's, or typed text. */
export type AuthorKind = 'staff' | 'organisation' | 'custom';

export interface UpdatesTable {
  id: Generated<number>;
  slug: string;
  title: string;
  excerpt: string;
  body_md: string;
  author_kind: AuthorKind;
  /** The name shown on the page (chosen by staff; not necessarily a person's). */
  author_display: string;
  author_staff_id: number | null;
  status: UpdateStatus;
  /** When a scheduled update is to be published (UTC ms). */
  publish_at: number | null;
  /** The date shown on the update; kept when it is unpublished, so republishing keeps its place. */
  published_at: number | null;
  featured_image_id: number | null;
  featured_image_alt: string;
  campaign_id: number | null;
  warning_reason_id: number | null;
  warning_text: string;
  preview_nonce: string | null;
  created_by: number | null;
  created_at: number;
  updated_by: number | null;
  updated_at: number;
}

export interface CategoriesTable {
  id: Generated<number>;
  slug: string;
  name: string;
  description: string;
  created_at: number;
  updated_at: number;
}

export interface UpdateCategoriesTable {
  update_id: number;
  category_id: number;
}

export interface TagsTable {
  id: Generated<number>;
  slug: string;
  name: string;
  created_at: number;
}

export interface UpdateTagsTable {
  update_id: number;
  tag_id: number;
}

export interface UpdateRevisionsTable {
  id: Generated<number>;
  update_id: number;
  title: string;
  excerpt: string;
  body_md: string;
  saved_at: number;
  saved_by: number | null;
}

export interface ContentWarningReasonsTable {
  id: Generated<number>;
  label: string;
  position: number;
  /** 1 when staff no longer offer it; updates that chose it keep showing it. */
  retired: number;
  created_at: number;
}

export interface UpdateActionsTable {
  update_id: number;
  action_id: number;
  position: number;
}

declare module '../../core/db/schema.js' {
  interface Schema {
    updates: UpdatesTable;
    categories: CategoriesTable;
    update_categories: UpdateCategoriesTable;
    tags: TagsTable;
    update_tags: UpdateTagsTable;
    update_revisions: UpdateRevisionsTable;
    content_warning_reasons: ContentWarningReasonsTable;
    update_actions: UpdateActionsTable;
  }
}
