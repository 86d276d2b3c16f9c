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
  created_at: number;
  updated_at: number;
}

declare module '../core/db/schema.js' {
  interface Schema {
    pages: PagesTable;
  }
}
