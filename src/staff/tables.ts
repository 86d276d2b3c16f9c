import type { Generated } from 'kysely';

// The tables the staff owns: their row types, beside the queries that alone may touch them (the lint rule
// lantern/own-tables). Declared into core's Schema so that one Kysely instance types every query.

export type StaffRole = 'owner' | 'editor' | 'campaigner' | 'treasurer' | 'viewer';

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
  /** When the account's holder was last told by email that someone keeps failing to sign in to it. */
  attack_alerted_at: number | null;
}

export interface StaffSessionsTable {
  token_hash: string;
  staff_id: number;
  mfa_pending: number;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

export interface LoginFailuresTable {
  id: Generated<number>;
  key: string;
  created_at: number;
}

declare module '../core/db/schema.js' {
  interface Schema {
    staff: StaffTable;
    staff_sessions: StaffSessionsTable;
    login_failures: LoginFailuresTable;
  }
}
