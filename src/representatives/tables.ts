// The tables the representatives owns: their row types, beside the queries that alone may touch them (the lint rule
// lantern/own-tables). Declared into core's Schema so that one Kysely instance types every query.

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

declare module '../core/db/schema.js' {
  interface Schema {
    constituencies: ConstituenciesTable;
    mps: MpsTable;
    postcodes: PostcodesTable;
    representatives_sources: RepresentativesSourcesTable;
  }
}
