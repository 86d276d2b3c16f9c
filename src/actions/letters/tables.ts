import type { Generated } from 'kysely';

// The tables the letters kind owns: their row types, beside the queries that alone may touch them (the lint rule
// lantern/own-tables). Declared into core's Schema so that one Kysely instance types every query.

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

declare module '../../core/db/schema.js' {
  interface Schema {
    letters: LettersTable;
    letter_deliveries: LetterDeliveriesTable;
  }
}
