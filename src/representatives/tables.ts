import type { Generated } from 'kysely';

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

export type RepresentativesUploadKind = 'postcodes' | 'mps';
/** uploading (the request is still arriving) → queued → importing → done | failed. */
export type RepresentativesUploadStatus = 'uploading' | 'queued' | 'importing' | 'done' | 'failed';

/** A file staff uploaded on the MPs and postcodes page, and how its import is going. */
export interface RepresentativesUploadsTable {
  id: Generated<number>;
  kind: RepresentativesUploadKind;
  status: RepresentativesUploadStatus;
  /** The file's name as uploaded (its base name only). */
  file: string;
  bytes: number;
  chunks: number;
  /** How much of the file the import has read: its progress. */
  bytes_done: number;
  /** What the import did, in lines for staff; or why it failed. */
  summary: string | null;
  staff_id: number | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

export interface RepresentativesUploadChunksTable {
  upload_id: number;
  seq: number;
  data: Uint8Array;
}

declare module '../core/db/schema.js' {
  interface Schema {
    constituencies: ConstituenciesTable;
    mps: MpsTable;
    postcodes: PostcodesTable;
    representatives_sources: RepresentativesSourcesTable;
    representatives_uploads: RepresentativesUploadsTable;
    representatives_upload_chunks: RepresentativesUploadChunksTable;
  }
}
