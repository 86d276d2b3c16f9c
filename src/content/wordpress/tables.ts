import type { Generated } from 'kysely';

// The tables content/wordpress owns (lint rule lantern/own-tables), declared into core's Schema.

/** What a WordPress item became on Lantern. */
export type WordPressItemKind = 'update' | 'page' | 'category';

export interface WordPressItemsTable {
  id: Generated<number>;
  /** The old site's address (its base URL without a trailing slash). */
  source: string;
  /** 'post:123' for posts and pages (one numbering in WordPress), 'term:7' for categories. */
  wp_key: string;
  kind: WordPressItemKind;
  /** The update's id, the page's slug or the category's id. */
  ref: string;
  /** SHA-256 of what was imported, so an unchanged item is left alone on the next run. */
  hash: string;
  imported_at: number;
  /** When the import last wrote it: an update changed on Lantern after this was edited by staff. */
  changed_at: number;
}

export interface WordPressAttachmentsTable {
  id: Generated<number>;
  source: string;
  /** The file's address on the old site (shown as text, never fetched or linked for loading). */
  url: string;
  title: string;
  parent_key: string | null;
  found_at: number;
}

export interface WordPressImportsTable {
  id: Generated<number>;
  file_name: string;
  source: string;
  /** The ImportReport as JSON. */
  report: string;
  started_at: number;
  finished_at: number;
}

declare module '../../core/db/schema.js' {
  interface Schema {
    wordpress_items: WordPressItemsTable;
    wordpress_attachments: WordPressAttachmentsTable;
    wordpress_imports: WordPressImportsTable;
  }
}
