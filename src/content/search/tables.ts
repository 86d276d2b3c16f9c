import type { Generated } from 'kysely';

// The table content/search owns (lint rule lantern/own-tables), declared into core's Schema. Its full-text index
// beside it is the database's own: SQLite's FTS5 table search_fts (kept in step by triggers) or PostgreSQL's stored
// search_vector column; only content/search/queries.ts names either, in raw SQL.

/** What a search result is: the part of the website that pushed it into the index. */
export type SearchKind = 'update' | 'campaign' | 'resource' | 'page';

export interface SearchDocumentsTable {
  id: Generated<number>;
  kind: SearchKind;
  /** The owner's id for it (an update's, a campaign's…): unique with kind. */
  ref: number;
  title: string;
  summary: string;
  /** Plain text (Markdown already stripped), at most MAX_BODY characters. */
  body: string;
  /** How much of the body is its opening, where a result's passage is taken from (cut at a space). */
  lead_length: number;
  /** The public address of the page, a path on this site. */
  url: string;
  published_at: number;
  campaign_id: number | null;
  /** The categories it is filed under, as ",3,7," (or "," for none). */
  category_ids: string;
  /** For a resource: the owner's word for its type ("briefing_paper"), shown and filtered on. */
  resource_type: string | null;
  year: number;
  updated_at: number;
}

declare module '../../core/db/schema.js' {
  interface Schema {
    search_documents: SearchDocumentsTable;
  }
}
