import type { Generated } from 'kysely';

// The table content/redirects owns (lint rule lantern/own-tables), declared into core's Schema.

export interface ContentRedirectsTable {
  id: Generated<number>;
  /** The old address, normalised by redirectKey (no trailing slash; WordPress's `/?p=ID` kept with its query). */
  from_path: string;
  /** Where it lives now: a path on this site. */
  to_path: string;
  created_at: number;
}

declare module '../../core/db/schema.js' {
  interface Schema {
    content_redirects: ContentRedirectsTable;
  }
}
