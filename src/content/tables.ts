import type { Generated } from 'kysely';

// The tables the content owns: their row types, beside the queries that alone may touch them (the lint rule
// lantern/own-tables). Declared into core's Schema so that one Kysely instance types every query.

export interface PagesTable {
  id: Generated<number>;
  slug: string;
  title: string;
  summary: string;
  body: string;
  published_at: number | null;
  /** Where the page sits in the site's navigation (null: not in it). */
  nav_position: number | null;
  created_at: number;
  updated_at: number;
}

declare module '../core/db/schema.js' {
  interface Schema {
    pages: PagesTable;
  }
}
