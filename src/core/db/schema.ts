import type { Generated } from 'kysely';

// The whole database as TypeScript sees it: one interface per table, mirroring migrations/.
// Timestamps are UTC milliseconds; *_enc columns hold ciphertext from core/crypto; *_index columns hold blind indexes.

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: number;
}

/** proof_of_work: a spent sign-up challenge (its nonce, hashed), kept until the challenge expires so it works once. */
/** letter_confirm: the link that sends a letter to an MP or a target (actions/letters). */
/** sign_on_confirm: the link that confirms an organisation's sign-on (actions/sign-ons). */
/** signature_confirm: the link that confirms a petition signature (actions/petitions; subject: the signature). */
/** update_preview: a private link that shows a draft update (content/updates; subject: the update; reusable until it expires). */
export type TokenPurpose =
  | 'setup'
  | 'password_reset'
  | 'staff_invite'
  | 'supporter_confirm'
  | 'data_export'
  | 'proof_of_work'
  | 'letter_confirm'
  | 'sign_on_confirm'
  | 'signature_confirm'
  | 'update_preview';

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

export interface FilesTable {
  id: Generated<number>;
  content_type: string;
  size: number;
  sha256: string;
  bytes: Uint8Array;
  created_at: number;
}

/**
 * The whole database as Kysely sees it. Core declares its own tables here; each capability adds its tables from its
 * own tables.ts (declaration merging), so core names no capability.
 */
export interface Schema {
  settings: SettingsTable;
  tokens: TokensTable;
  audit_log: AuditLogTable;
  jobs: JobsTable;
  mail_messages: MailMessagesTable;
  files: FilesTable;
}
