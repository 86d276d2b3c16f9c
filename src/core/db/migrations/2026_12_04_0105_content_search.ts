import { sql } from 'kysely';
import { byDialect } from '../index.js';
import { withId, type MigrationDb } from './helpers.js';

// The website's search index (content/search): one row per published update, campaign, resource or page, pushed
// there by the part that owns it when it is published and taken out when it is unpublished or deleted, so a draft
// can never be found. The words are indexed by each database's own full-text search:
// - SQLite: an FTS5 table over title, summary and body, reading its text from search_documents (external content)
//   and kept in step by triggers, with the Porter stemmer and accents folded ("Ürümqi" is found by "urumqi");
// - PostgreSQL: a stored tsvector (title weighted A, summary B, body C) under a GIN index, made with a text search
//   configuration of our own that folds accents (the unaccent extension, when the server has it and we may install
//   it) and stems English words without dropping any as "stop words", so both databases find the same things.
// Passages shown with a result come from the body's opening (its first lead_length characters, cut at a space):
// SQLite's snippet() takes time that grows with the square of the matches it weighs, so a 300-page report full of
// the word searched for would take seconds. SQLite indexes the opening and the rest of the body as two columns
// (through a view over the table) so that the passage is looked for in the opening alone.

export async function up(db: MigrationDb): Promise<void> {
  // The short columns come first: SQLite reads a row from its start, and a filter or sort on a column stored after a
  // long body would have to read through the body's overflow pages for every match.
  await withId(db, db.schema.createTable('search_documents'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('ref', 'bigint', (c) => c.notNull())
    .addColumn('published_at', 'bigint', (c) => c.notNull())
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('campaign_id', 'bigint')
    // ",3,7," so that one category is matched with LIKE '%,3,%' whatever the dialect.
    .addColumn('category_ids', 'text', (c) => c.notNull().defaultTo(','))
    .addColumn('resource_type', 'text')
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('lead_length', 'integer', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addUniqueConstraint('search_documents_kind_ref', ['kind', 'ref'])
    .execute();

  await byDialect(db, {
    sqlite: () => sqliteIndex(db),
    postgres: () => postgresIndex(db),
  });
}

async function sqliteIndex(db: MigrationDb): Promise<void> {
  await sql`create view search_fts_source as
    select id, title, summary, substr(body, 1, lead_length) as lead, substr(body, lead_length + 1) as rest
    from search_documents`.execute(db);
  await sql`create virtual table search_fts using fts5(
    title, summary, lead, rest,
    content = 'search_fts_source', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
  )`.execute(db);
  // FTS5's external-content pattern: the index follows every insert, delete and change of the indexed words.
  const row = (r: 'new' | 'old') =>
    sql.raw(`${r}.id, ${r}.title, ${r}.summary, substr(${r}.body, 1, ${r}.lead_length), substr(${r}.body, ${r}.lead_length + 1)`);
  await sql`create trigger search_documents_ai after insert on search_documents begin
    insert into search_fts (rowid, title, summary, lead, rest) values (${row('new')});
  end`.execute(db);
  await sql`create trigger search_documents_ad after delete on search_documents begin
    insert into search_fts (search_fts, rowid, title, summary, lead, rest) values ('delete', ${row('old')});
  end`.execute(db);
  await sql`create trigger search_documents_au after update of title, summary, body, lead_length on search_documents begin
    insert into search_fts (search_fts, rowid, title, summary, lead, rest) values ('delete', ${row('old')});
    insert into search_fts (rowid, title, summary, lead, rest) values (${row('new')});
  end`.execute(db);
}

async function postgresIndex(db: MigrationDb): Promise<void> {
  // unaccent ships with PostgreSQL's contrib modules and is a trusted extension (the database's owner may install
  // it). Where it is missing or refused, search still works, only without folding accents; the savepoint keeps a
  // refusal from aborting the migration's transaction.
  const available = await sql`select 1 from pg_available_extensions where name = 'unaccent'`.execute(db);
  let unaccent = false;
  if (available.rows.length > 0) {
    await sql`savepoint lantern_unaccent`.execute(db);
    try {
      await sql`create extension if not exists unaccent`.execute(db);
      await sql`release savepoint lantern_unaccent`.execute(db);
      unaccent = true;
    } catch {
      await sql`rollback to savepoint lantern_unaccent`.execute(db);
    }
  }
  // The snowball English stemmer without its stop-word list: SQLite's Porter stemmer keeps every word too.
  await sql`create text search dictionary lantern_stem (template = snowball, language = english)`.execute(db);
  await sql`create text search configuration lantern_search (copy = english)`.execute(db);
  await sql`alter text search configuration lantern_search
    alter mapping for asciiword, asciihword, hword_asciipart, word, hword, hword_part
    with ${sql.raw(unaccent ? 'unaccent, lantern_stem' : 'lantern_stem')}`.execute(db);
  await sql`alter table search_documents add column search_vector tsvector generated always as (
    setweight(to_tsvector('lantern_search', title), 'A') ||
    setweight(to_tsvector('lantern_search', summary), 'B') ||
    setweight(to_tsvector('lantern_search', body), 'C')
  ) stored`.execute(db);
  await sql`create index search_documents_vector on search_documents using gin (search_vector)`.execute(db);
  // Ranking reads the vector of every match: kept in the row (up to a page's worth) rather than compressed into the
  // TOAST table, ranking 4,000 matches takes a third of the time (measured with bench/search.ts). A very long text
  // still goes to TOAST.
  await sql`alter table search_documents set (toast_tuple_target = 8160)`.execute(db);
  await sql`alter table search_documents alter column search_vector set storage main, alter column body set storage main`.execute(db);
}

export async function down(db: MigrationDb): Promise<void> {
  await byDialect(db, {
    sqlite: async () => {
      await sql`drop table if exists search_fts`.execute(db);
      await sql`drop view if exists search_fts_source`.execute(db);
      await db.schema.dropTable('search_documents').execute();
    },
    postgres: async () => {
      await db.schema.dropTable('search_documents').execute();
      await sql`drop text search configuration if exists lantern_search`.execute(db);
      await sql`drop text search dictionary if exists lantern_stem`.execute(db);
    },
  });
}
