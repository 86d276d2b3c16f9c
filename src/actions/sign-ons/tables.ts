import type { Generated } from 'kysely';

// The tables the sign-ons kind owns: their row types, beside the queries that alone may touch them (the lint rule
// lantern/own-tables). Declared into core's Schema so that one Kysely instance types every query.

export type SignOnStatus = 'unconfirmed' | 'pending' | 'approved' | 'rejected';

export interface SignOnsTable {
  id: Generated<number>;
  action_id: number;
  /** The organisation's name and website, encrypted like everything typed into the form, whatever the state. */
  organisation_enc: string | null;
  website_enc: string | null;
  /**
   * Plain copies of the name and website for the public list, only while staff have approved the sign-on (null
   * otherwise). organisation_enc is null only for a sign-on stored before these columns, until encryptSignOnDetails
   * encrypts it.
   */
  organisation: string | null;
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

declare module '../../core/db/schema.js' {
  interface Schema {
    sign_ons: SignOnsTable;
  }
}
