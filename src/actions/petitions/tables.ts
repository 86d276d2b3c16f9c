import type { Generated } from 'kysely';

// The tables the petitions kind owns: their row types, beside the queries that alone may touch them (the lint rule
// lantern/own-tables). Declared into core's Schema so that one Kysely instance types every query.

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

declare module '../../core/db/schema.js' {
  interface Schema {
    signatures: SignaturesTable;
  }
}
