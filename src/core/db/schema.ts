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
/** letter_confirm: the link that sends a letter to an MP or a target (actions/letters). */
/** sign_on_confirm: the link that confirms an organisation's sign-on (actions/sign-ons). */
/** signature_confirm: the link that confirms a petition signature (actions/petitions; subject: the signature). */
export type TokenPurpose =
  | 'setup'
  | 'password_reset'
  | 'staff_invite'
  | 'supporter_confirm'
  | 'data_export'
  | 'proof_of_work'
  | 'letter_confirm'
  | 'sign_on_confirm'
  | 'signature_confirm';

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

export interface CampaignsTable {
  id: Generated<number>;
  slug: string;
  title: string;
  summary: string;
  created_at: number;
  updated_at: number;
}

export interface FilesTable {
  id: Generated<number>;
  content_type: string;
  size: number;
  sha256: string;
  bytes: Uint8Array;
  created_at: number;
}

export type ActionKind = 'petition' | 'letter_mp' | 'email_target' | 'sign_on';
export type ActionStatus = 'draft' | 'open' | 'closed';

export interface ActionsTable {
  id: Generated<number>;
  campaign_id: number;
  slug: string;
  kind: ActionKind;
  status: ActionStatus;
  title: string;
  summary: string;
  /** Markdown. */
  body: string;
  /** Markdown shown after acting. */
  thank_you: string;
  /** Markdown shown once closed. */
  result: string;
  /** The last day to act, YYYY-MM-DD in the organisation's time zone. */
  deadline: string | null;
  /** The end of the deadline's day in the organisation's time zone, UTC ms. */
  closes_at: number | null;
  goal: number | null;
  /** Confirmed actions taken, refreshed in batches by one job (never +1 per request). */
  count: number;
  count_updated_at: number | null;
  newsletter_list_id: number | null;
  next_action_id: number | null;
  /** JSON of the kind's own settings (actions/settings.ts). */
  settings: string;
  opened_at: number | null;
  closed_at: number | null;
  created_by: number | null;
  created_at: number;
  updated_at: number;
}

export type ActionUpdateKind = 'delivery' | 'response' | 'update';

export interface ActionUpdatesTable {
  id: Generated<number>;
  action_id: number;
  kind: ActionUpdateKind;
  title: string;
  body: string;
  /** YYYY-MM-DD, for "handed in on …". */
  happened_on: string | null;
  posted_at: number;
  created_by: number | null;
}

export interface ActionTargetsTable {
  id: Generated<number>;
  action_id: number;
  name: string;
  role: string;
  email: string;
  position: number;
  created_at: number;
}

export type SignatureStatus = 'pending' | 'confirmed';

export interface SignaturesTable {
  id: Generated<number>;
  action_id: number;
  email_index: string;
  email_enc: string;
  first_name_enc: string;
  last_name_enc: string | null;
  postcode_enc: string | null;
  town_enc: string | null;
  constituency_code: string | null;
  /** 1 when the signer chose to show their first name and town. */
  show_name: number;
  opt_in: number;
  supporter_id: number | null;
  status: SignatureStatus;
  created_at: number;
  confirmed_at: number | null;
}

export type LetterStatus = 'unconfirmed' | 'held' | 'queued' | 'sent' | 'rejected';
export type LetterHoldReason = 'similar' | 'moderation';

export interface LettersTable {
  id: Generated<number>;
  action_id: number;
  email_index: string;
  email_enc: string;
  first_name_enc: string;
  last_name_enc: string;
  address_enc: string | null;
  postcode_enc: string | null;
  constituency_code: string | null;
  subject_enc: string;
  body_enc: string;
  /** A similarity sketch of the body (keyed hashes of word shingles), to hold near-copies. */
  fingerprint: string;
  similarity: number | null;
  opt_in: number;
  supporter_id: number | null;
  status: LetterStatus;
  hold_reason: LetterHoldReason | null;
  created_at: number;
  confirmed_at: number | null;
  decided_at: number | null;
  decided_by: number | null;
  sent_at: number | null;
  /** When to ask "did your MP reply?". */
  followup_at: number | null;
  reply: string | null;
  replied_at: number | null;
}

export type LetterDeliveryStatus = 'waiting' | 'sent' | 'failed';

export interface LetterDeliveriesTable {
  id: Generated<number>;
  letter_id: number;
  action_id: number;
  /** 'mp:<constituency code>' or 'target:<id>'. */
  recipient_key: string;
  recipient_name: string;
  recipient_email: string;
  party: string | null;
  status: LetterDeliveryStatus;
  /** The pace limit's slot: not sent before this time. */
  not_before: number;
  sent_at: number | null;
  error: string | null;
  created_at: number;
}

export type SignOnStatus = 'unconfirmed' | 'pending' | 'approved' | 'rejected';

export interface SignOnsTable {
  id: Generated<number>;
  action_id: number;
  organisation: string;
  website: string | null;
  contact_name_enc: string;
  contact_role_enc: string | null;
  email_index: string;
  email_enc: string;
  logo_file_id: number | null;
  status: SignOnStatus;
  created_at: number;
  confirmed_at: number | null;
  decided_at: number | null;
  decided_by: number | null;
}

/** A Westminster constituency (2024 boundaries); code is the ONS GSS code. */
export interface ConstituenciesTable {
  code: string;
  name: string;
  name_cy: string | null;
  nation: string;
}

export interface MpsTable {
  constituency_code: string;
  member_id: number;
  name: string;
  full_title: string;
  party: string;
  email: string | null;
}

/** Imported from ONSPD/NSPL: a postcode ('SW1A 0AA') and its constituency. */
export interface PostcodesTable {
  postcode: string;
  constituency_code: string;
}

export type RepresentativesSourceKey = 'constituencies' | 'mps' | 'postcodes';
export type RepresentativesOrigin = 'none' | 'shipped' | 'import';

export interface RepresentativesSourcesTable {
  key: RepresentativesSourceKey;
  origin: RepresentativesOrigin;
  /** SHA-256 of the file the rows came from. */
  version: string;
  /** SHA-256 of the shipped file last loaded, so an upgrade that ships a new file reloads it once. */
  shipped_version: string;
  file: string;
  row_count: number;
  /** JSON: what an import skipped, and why. */
  details: string;
  loaded_at: number | null;
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
  campaigns: CampaignsTable;
  files: FilesTable;
  actions: ActionsTable;
  action_updates: ActionUpdatesTable;
  action_targets: ActionTargetsTable;
  signatures: SignaturesTable;
  letters: LettersTable;
  letter_deliveries: LetterDeliveriesTable;
  sign_ons: SignOnsTable;
  constituencies: ConstituenciesTable;
  mps: MpsTable;
  postcodes: PostcodesTable;
  representatives_sources: RepresentativesSourcesTable;
}
