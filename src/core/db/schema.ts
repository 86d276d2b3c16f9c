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

export type TokenPurpose = 'setup' | 'password_reset' | 'staff_invite';

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
}
