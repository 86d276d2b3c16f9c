import { sql, type RawBuilder } from 'kysely';
import { byDialect, type Db, type DbOrTrx } from '../../core/db/index.js';
import type { SearchDocumentsTable, SearchKind } from './tables.js';

// The search index's queries. The two databases' full-text search differ in everything but the idea, so each query
// below is written once per dialect, side by side, through byDialect: SQLite's FTS5 (MATCH, bm25, snippet) and
// PostgreSQL's text search (@@, ts_rank_cd, ts_headline). The words arrive already parsed by the service (letters,
// digits and marks only) and are quoted again here, so nothing a visitor types is ever read as query syntax.

/** What is stored for one document, as the service builds it. */
export type SearchDocumentRow = Omit<SearchDocumentsTable, 'id'>;

/** The words of a search, parsed by the service: every one must match; the last may be the start of a word. */
export interface SearchWords {
  words: readonly string[];
  prefixLast: boolean;
}

/** Narrowing a search beyond its words: the scope counted in the facets, and the kind and year of the page shown. */
export interface SearchFilters {
  campaignId?: number | undefined;
  categoryId?: number | undefined;
  kind?: SearchKind | undefined;
  year?: number | undefined;
}

export interface SearchHitRow {
  id: number;
  kind: SearchKind;
  ref: number;
  title: string;
  url: string;
  published_at: number;
  resource_type: string | null;
}

/** Characters that mark the start and end of a matched word in a snippet (private use: never in stored text). */
export const MARK_START = '\uE000';
export const MARK_END = '\uE001';

// Title, summary, the body's opening and its rest. FTS5's bm25 multiplies each column's score; PostgreSQL weighs
// D, C, B, A (the body is C).
const BM25_WEIGHTS = sql.raw('10.0, 4.0, 1.0, 1.0');
const RANK_WEIGHTS = '{0.1, 0.1, 0.4, 1.0}';
// ts_rank_cd's normalisation 1: divided by 1 + log(length), so a long page does not win by length alone.
const RANK_NORMALISATION = 1;
const SUMMARY_WORDS = 24;
const BODY_WORDS = 32;

/** The FTS5 query: each word a quoted string (FTS5's own syntax cannot reach it), all required. */
function fts5Query(m: SearchWords): string {
  return m.words.map((w, i) => `"${w.replaceAll('"', '""')}"${m.prefixLast && i === m.words.length - 1 ? '*' : ''}`).join(' ');
}

/** The FTS5 query for passages: any of the words, in the summary or the body's opening (see the migration). */
function fts5PassageQuery(m: SearchWords): string {
  return `{summary lead} : (${fts5Query(m).split(' ').join(' OR ')})`;
}

/** The to_tsquery text: each word a quoted lexeme, all required (&). */
function tsQuery(m: SearchWords): string {
  return m.words
    .map((w, i) => `'${w.replaceAll('\\', '\\\\').replaceAll("'", "''")}'${m.prefixLast && i === m.words.length - 1 ? ':*' : ''}`)
    .join(' & ');
}

function scopeSql(f: SearchFilters, d: string): RawBuilder<unknown> {
  const t = sql.ref(d);
  const parts: RawBuilder<unknown>[] = [sql`1 = 1`];
  if (f.campaignId !== undefined) parts.push(sql`${t}.campaign_id = ${f.campaignId}`);
  if (f.categoryId !== undefined) parts.push(sql`${t}.category_ids like ${`%,${f.categoryId},%`}`);
  return sql.join(parts, sql` and `);
}

function pageSql(f: SearchFilters, d: string): RawBuilder<unknown> {
  const t = sql.ref(d);
  const parts: RawBuilder<unknown>[] = [sql`1 = 1`];
  if (f.kind !== undefined) parts.push(sql`${t}.kind = ${f.kind}`);
  if (f.year !== undefined) parts.push(sql`${t}.year = ${f.year}`);
  return sql.join(parts, sql` and `);
}

/** Creates the document, or replaces what the index holds for its kind and ref. */
export async function upsertSearchDocument(db: DbOrTrx, row: SearchDocumentRow): Promise<void> {
  const { kind: _kind, ref: _ref, ...changes } = row;
  await db
    .insertInto('search_documents')
    .values(row)
    .onConflict((oc) => oc.columns(['kind', 'ref']).doUpdateSet(changes))
    .execute();
}

/** Removes a document from the index (nothing happens if it was not there). */
export async function deleteSearchDocument(db: DbOrTrx, kind: SearchKind, ref: number): Promise<void> {
  await db.deleteFrom('search_documents').where('kind', '=', kind).where('ref', '=', ref).execute();
}

/** Removes every document of a kind, or every document. */
export async function deleteSearchDocuments(db: DbOrTrx, kind?: SearchKind): Promise<void> {
  let q = db.deleteFrom('search_documents');
  if (kind) q = q.where('kind', '=', kind);
  await q.execute();
}

export interface SearchMatches {
  /** How many documents in the scope match, by kind and year (the facets and the total come from these). */
  groups: Array<{ kind: SearchKind; year: number; n: number }>;
  /** One page of those also of the kind and year asked for, best first. */
  hits: SearchHitRow[];
}

/**
 * The documents matching every word: counted by kind and year, and one page of them best first (a title outweighs a
 * summary, a summary the body; newest first among equals). PostgreSQL ranks each match once, in one statement for
 * both answers: reading each match's vector is most of the cost of a common word.
 */
export async function findSearchMatches(
  db: Db,
  m: SearchWords,
  f: SearchFilters,
  page: { limit: number; offset: number },
): Promise<SearchMatches> {
  const found = await byDialect(db, {
    sqlite: async () => {
      const groups = await sql<{ kind: SearchKind; year: number; n: number }>`
        select d.kind, d.year, count(*) as n
        from search_fts join search_documents d on d.id = search_fts.rowid
        where search_fts match ${fts5Query(m)} and ${scopeSql(f, 'd')}
        group by d.kind, d.year`.execute(db);
      const hits = await sql<SearchHitRow>`
        select d.id, d.kind, d.ref, d.title, d.url, d.published_at, d.resource_type
        from search_fts join search_documents d on d.id = search_fts.rowid
        where search_fts match ${fts5Query(m)} and ${scopeSql(f, 'd')} and ${pageSql(f, 'd')}
        order by bm25(search_fts, ${BM25_WEIGHTS}), d.published_at desc, d.id desc
        limit ${page.limit} offset ${page.offset}`.execute(db);
      return { groups: groups.rows, hits: hits.rows };
    },
    postgres: async () => {
      const r = await sql<{ groups: SearchMatches['groups']; hits: SearchHitRow[] }>`
        with m as materialized (
          select d.id, d.kind, d.ref, d.title, d.url, d.published_at, d.resource_type, d.year,
            ts_rank_cd(${RANK_WEIGHTS}::float4[], d.search_vector, q, ${RANK_NORMALISATION}) as rank
          from search_documents d, to_tsquery('lantern_search', ${tsQuery(m)}) q
          where d.search_vector @@ q and ${scopeSql(f, 'd')}
        )
        select
          (select coalesce(json_agg(g), '[]') from (select kind, year, count(*) as n from m group by kind, year) g) as groups,
          (select coalesce(json_agg(p), '[]') from (
            select id, kind, ref, title, url, published_at, resource_type from m
            where ${pageSql(f, 'm')}
            order by rank desc, published_at desc, id desc
            limit ${page.limit} offset ${page.offset}
          ) p) as hits`.execute(db);
      return r.rows[0] ?? { groups: [], hits: [] };
    },
  });
  return {
    groups: found.groups.map((g) => ({ kind: g.kind, year: Number(g.year), n: Number(g.n) })),
    hits: found.hits.map((h) => ({ ...h, id: Number(h.id), ref: Number(h.ref), published_at: Number(h.published_at) })),
  };
}

/**
 * The passages of these documents' summaries and bodies' openings around the matched words, each matched word between
 * MARK_START and MARK_END and nothing escaped (the service escapes them). A passage cut from within its text begins or
 * ends with "…" (PostgreSQL's ts_headline adds none, so its rows carry the text's first and last words to compare).
 * PostgreSQL gives the start of the text where no word matched; SQLite leaves such a document out.
 */
export async function findSearchSnippets(db: Db, m: SearchWords, ids: readonly number[]): Promise<Map<number, SearchSnippetRow>> {
  if (ids.length === 0) return new Map();
  const q = byDialect(db, {
    sqlite: () => sql<SearchSnippetRow & { id: number }>`
      select rowid as id,
        snippet(search_fts, 1, ${MARK_START}, ${MARK_END}, '…', ${SUMMARY_WORDS}) as summary,
        snippet(search_fts, 2, ${MARK_START}, ${MARK_END}, '…', ${BODY_WORDS}) as body
      from search_fts
      where search_fts match ${fts5PassageQuery(m)} and rowid in (${rowids(ids)})`,
    postgres: () => sql<SearchSnippetRow & { id: number }>`
      select d.id,
        ts_headline('lantern_search', d.summary, q, ${headlineOptions(SUMMARY_WORDS)}) as summary,
        ts_headline('lantern_search', left(d.body, d.lead_length), q, ${headlineOptions(BODY_WORDS)}) as body,
        left(d.body, 60) as body_head, right(left(d.body, d.lead_length), 60) as body_tail
      from search_documents d, to_tsquery('lantern_search', ${tsQuery(m)}) q
      where d.id = any(${ids}::bigint[])`,
  });
  const rows = (await q.execute(db)).rows;
  return new Map(rows.map(({ id, ...r }) => [Number(id), r]));
}

export interface SearchSnippetRow {
  summary: string;
  body: string;
  /** PostgreSQL: the first and last characters of the body's opening, to tell whether the passage was cut. */
  body_head?: string;
  body_tail?: string;
}

/** The opening of these documents' summaries and bodies (enough for a passage), for results with no passage of their own. */
export async function findSearchOpenings(db: Db, ids: readonly number[]): Promise<Map<number, { summary: string; body: string }>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('search_documents')
    .select(['id', 'summary', sql<string>`substr(body, 1, 600)`.as('body')])
    .where('id', 'in', ids)
    .execute();
  return new Map(rows.map((r) => [Number(r.id), { summary: r.summary, body: r.body }]));
}

/**
 * Ids as FTS5 rowids. node:sqlite binds every JavaScript number as a REAL, and FTS5 takes a REAL rowid constraint as
 * no constraint at all (every match comes back), so each is made an integer in SQL.
 */
function rowids(ids: readonly number[]): RawBuilder<unknown> {
  return sql.join(ids.map((id) => sql`cast(${id} as integer)`));
}

function headlineOptions(words: number): string {
  return `StartSel=${MARK_START}, StopSel=${MARK_END}, MaxWords=${words}, MinWords=${Math.round(words / 2)}, ShortWord=2`;
}
