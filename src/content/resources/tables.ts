import type { Generated } from 'kysely';

// The tables content/resources owns (lint rule lantern/own-tables), declared into core's Schema.

/** What a resource is, in staff's and supporters' words (RESOURCE_TYPES in service.ts). */
export type ResourceType = 'briefing' | 'pack' | 'submission' | 'report' | 'guide' | 'other';
/** What the file is, found from its own bytes. */
export type FileKind = 'pdf' | 'docx' | 'odt' | 'png' | 'jpeg' | 'webp' | 'mp4' | 'webm';
export type ResourceStatus = 'draft' | 'published';
/** Whether a PDF's text has been read for the search: waiting, read, or could not be read (none for other files). */
export type TextState = 'waiting' | 'read' | 'unreadable' | 'none';

export interface ResourcesTable {
  id: Generated<number>;
  slug: string;
  title: string;
  summary: string;
  type: ResourceType;
  /** The date shown (YYYY-MM-DD, the organisation's calendar). */
  published_on: string;
  campaign_id: number | null;
  file_id: number;
  file_kind: FileKind;
  byte_size: number;
  page_count: number | null;
  text: string;
  text_state: TextState;
  status: ResourceStatus;
  created_by: number | null;
  created_at: number;
  updated_at: number;
}

export interface ResourceDownloadsTable {
  resource_id: number;
  /** YYYY-MM-DD in UTC. */
  day: string;
  count: number;
}

declare module '../../core/db/schema.js' {
  interface Schema {
    resources: ResourcesTable;
    resource_downloads: ResourceDownloadsTable;
  }
}
