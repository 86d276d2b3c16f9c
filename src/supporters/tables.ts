import type { Generated } from 'kysely';

// The tables the supporters owns: their row types, beside the queries that alone may touch them (the lint rule
// lantern/own-tables). Declared into core's Schema so that one Kysely instance types every query.

export interface SupportersTable {
  id: Generated<number>;
  /** Random, for links in emails: never the sequential id. */
  public_id: string;
  email_enc: string | null;
  email_index: string | null;
  first_name_enc: string | null;
  last_name_enc: string | null;
  postcode_enc: string | null;
  phone_enc: string | null;
  address_enc: string | null;
  constituency_code: string | null;
  source: string;
  confirmed_at: number | null;
  undeliverable_at: number | null;
  erased_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface SupporterNameTokensTable {
  supporter_id: number;
  token_index: string;
}

export interface SupporterTagsTable {
  supporter_id: number;
  tag: string;
}

export interface ListsTable {
  id: Generated<number>;
  slug: string;
  name: string;
  description: string;
  wording: string;
  wording_version: number;
  archived_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface ConsentWordingsTable {
  list_id: number;
  version: number;
  wording: string;
  created_at: number;
}

export type SubscriptionStatus = 'pending' | 'subscribed' | 'unsubscribed';
export type LawfulBasis = 'consent' | 'soft_opt_in';

export interface SubscriptionsTable {
  supporter_id: number;
  list_id: number;
  status: SubscriptionStatus;
  lawful_basis: LawfulBasis | null;
  updated_at: number;
}

export type ConsentEventKind = 'requested' | 'granted' | 'withdrawn';

export interface ConsentEventsTable {
  id: Generated<number>;
  supporter_id: number;
  list_id: number;
  kind: ConsentEventKind;
  lawful_basis: LawfulBasis | null;
  wording_version: number | null;
  source: string;
  created_at: number;
}

export type SuppressionReason = 'erased' | 'undeliverable' | 'complaint' | 'staff';

export interface SuppressionsTable {
  email_index: string;
  reason: SuppressionReason;
  created_at: number;
}

export interface SegmentsTable {
  id: Generated<number>;
  name: string;
  filters: string;
  created_by: number | null;
  created_at: number;
  updated_at: number;
}

export type SupporterImportStatus = 'uploading' | 'uploaded' | 'checking' | 'checked' | 'importing' | 'imported' | 'failed';

export interface SupporterImportsTable {
  id: Generated<number>;
  staff_id: number | null;
  status: SupporterImportStatus;
  filename_enc: string;
  bytes: number;
  chunks: number;
  /** What the upload looked like: 'utf-8', 'windows-1252' (not valid UTF-8), 'utf-16le' or 'utf-16be' (by BOM). */
  detected_encoding: string;
  /** JSON of the staff's choices (encoding, columns, lawful basis and evidence, lists), encrypted. */
  settings_enc: string | null;
  /** JSON of the check's findings (row errors quote cells, so encrypted). */
  report_enc: string | null;
  /** JSON of counts only (created, updated, consents…): no personal data. */
  counts: string | null;
  rows_total: number | null;
  rows_done: number;
  bytes_done: number;
  error: string | null;
  created_at: number;
  updated_at: number;
  expires_at: number;
  finished_at: number | null;
}

export interface SupporterImportChunksTable {
  import_id: number;
  seq: number;
  /** About 1 MiB of the uploaded file, encrypted. */
  data_enc: string;
}

declare module '../core/db/schema.js' {
  interface Schema {
    supporters: SupportersTable;
    supporter_name_tokens: SupporterNameTokensTable;
    supporter_tags: SupporterTagsTable;
    lists: ListsTable;
    consent_wordings: ConsentWordingsTable;
    subscriptions: SubscriptionsTable;
    consent_events: ConsentEventsTable;
    suppressions: SuppressionsTable;
    segments: SegmentsTable;
    supporter_imports: SupporterImportsTable;
    supporter_import_chunks: SupporterImportChunksTable;
  }
}
