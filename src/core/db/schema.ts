import type { Generated } from 'kysely';

// The whole database as TypeScript sees it: one interface per table, mirroring migrations/.
// Timestamps are UTC milliseconds; *_enc columns hold ciphertext from core/crypto; *_index columns hold blind indexes.

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: number;
}

export type StaffRole = 'owner' | 'editor' | 'campaigner' | 'viewer';

export interface StaffTable {
  id: Generated<number>;
  email_enc: string;
  email_index: string;
  name_enc: string;
  role: StaffRole;
  password_hash: string;
  totp_secret_enc: string | null;
  totp_enabled_at: number | null;
  /** The last TOTP time step accepted, so the same code cannot be used twice. */
  totp_last_step: number | null;
  created_at: number;
  updated_at: number;
  disabled_at: number | null;
  last_login_at: number | null;
}

export interface StaffSessionsTable {
  token_hash: string;
  staff_id: number;
  mfa_pending: number;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

/** proof_of_work: a spent sign-up challenge (its nonce, hashed), kept until the challenge expires so it works once. */
export type TokenPurpose = 'setup' | 'password_reset' | 'staff_invite' | 'supporter_confirm' | 'data_export' | 'proof_of_work';

export interface TokensTable {
  token_hash: string;
  purpose: TokenPurpose;
  subject_id: number | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  staff_id: number | null;
  action: string;
  target: string | null;
  details: string | null;
  created_at: number;
}

export interface LoginFailuresTable {
  id: Generated<number>;
  key: string;
  created_at: number;
}

export type JobState = 'queued' | 'running' | 'done' | 'parked';

export interface JobsTable {
  id: Generated<number>;
  queue: string;
  name: string;
  payload: string;
  state: JobState;
  priority: number;
  run_at: number;
  attempts: number;
  max_attempts: number;
  locked_by: string | null;
  locked_until: number | null;
  last_error: string | null;
  unique_key: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

export type MailStatus = 'caught' | 'sent' | 'failed';

export interface MailMessagesTable {
  id: Generated<number>;
  category: 'transactional' | 'bulk';
  transport: 'catcher' | 'smtp';
  status: MailStatus;
  to_enc: string;
  subject_enc: string;
  body_enc: string | null;
  message_id: string | null;
  created_at: number;
}

export interface PagesTable {
  id: Generated<number>;
  slug: string;
  title: string;
  summary: string;
  body: string;
  published_at: number | null;
  created_at: number;
  updated_at: number;
}

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

export type NewsletterStatus = 'draft' | 'scheduled' | 'sending' | 'paused' | 'sent' | 'cancelled';

export interface NewslettersTable {
  id: Generated<number>;
  subject: string;
  body: string;
  list_id: number | null;
  segment_id: number | null;
  status: NewsletterStatus;
  scheduled_at: number | null;
  started_at: number | null;
  finished_at: number | null;
  archive_slug: string | null;
  created_by: number | null;
  created_at: number;
  updated_at: number;
  /** The throttle: at most this many messages a minute (null: as fast as the mail server takes them). */
  rate_per_minute: Generated<number | null>;
  /** 1: shown in the public archive once sending starts. */
  in_archive: Generated<number>;
  /** How many deliveries were prepared when sending started. */
  recipient_count: Generated<number | null>;
  /** The last temporary sending failure (mail server down), cleared when sending goes on; no addresses. */
  last_error: Generated<string | null>;
  /** The sender lock: which job may send this newsletter now, and until when (UTC ms) unless it renews. */
  runner: Generated<string | null>;
  runner_until: Generated<number | null>;
}

export type DeliveryStatus = 'pending' | 'sent' | 'failed' | 'skipped';

export interface NewsletterDeliveriesTable {
  id: Generated<number>;
  newsletter_id: number;
  supporter_id: number;
  status: DeliveryStatus;
  error: string | null;
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

export interface Schema {
  settings: SettingsTable;
  staff: StaffTable;
  staff_sessions: StaffSessionsTable;
  tokens: TokensTable;
  audit_log: AuditLogTable;
  login_failures: LoginFailuresTable;
  jobs: JobsTable;
  mail_messages: MailMessagesTable;
  pages: PagesTable;
  supporters: SupportersTable;
  supporter_name_tokens: SupporterNameTokensTable;
  supporter_tags: SupporterTagsTable;
  lists: ListsTable;
  consent_wordings: ConsentWordingsTable;
  subscriptions: SubscriptionsTable;
  consent_events: ConsentEventsTable;
  suppressions: SuppressionsTable;
  segments: SegmentsTable;
  newsletters: NewslettersTable;
  newsletter_deliveries: NewsletterDeliveriesTable;
  supporter_imports: SupporterImportsTable;
  supporter_import_chunks: SupporterImportChunksTable;
}
