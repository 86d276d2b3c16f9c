import type { Db, DbOrTrx } from '../../core/db/index.js';
import { DomainError } from '../../core/web/errors.js';
import {
  deleteSearchDocument,
  deleteSearchDocuments,
  findSearchMatches,
  findSearchOpenings,
  findSearchSnippets,
  MARK_END,
  MARK_START,
  upsertSearchDocument,
  type SearchFilters,
  type SearchSnippetRow,
  type SearchWords,
} from './queries.js';
import type { SearchKind } from './tables.js';

export { plainTextOfMarkdown } from './plain-text.js';
export type { SearchKind } from './tables.js';

// The website's search. The index is pushed to: the part of the site that owns an update, a campaign, a resource or
// a page calls indexDocument when it is published (and again when it changes) and unindexDocument when it is
// unpublished or deleted, in the same transaction, so only what the public can read can be found, and a draft never.
// This folder knows no other part of the site; searchSite answers the public /search page.

/** The kinds of document the index holds, in the order the search page offers them. */
export const SEARCH_KINDS: readonly SearchKind[] = ['update', 'campaign', 'resource', 'page'];
/** The longest search the page accepts, in characters. */
export const MAX_QUERY_LENGTH = 200;
/** Words after this many are ignored: every word must match, so more only narrows to nothing. */
const MAX_WORDS = 12;
/** A longer word is cut: no language's words are longer, and a pasted run of characters is no word. */
const MAX_WORD_LENGTH = 60;
/**
 * The body is indexed up to this many characters (a 100-page report's text is about 250,000): PostgreSQL's tsvector
 * is limited to 1 MB, and the opening of a very long text is where its words are.
 */
export const MAX_BODY = 400_000;
/** About how much of the body passages are taken from (see the migration: the cost of a passage grows with it). */
const LEAD_LENGTH = 8_000;
/** Words of a passage made from the start of a text that matched nowhere. */
const OPENING_WORDS = 30;

/** A published document, as its owner pushes it into the index. */
export interface SearchDocument {
  kind: SearchKind;
  /** The owner's id for it: the document is replaced when the same kind and ref are indexed again. */
  ref: number;
  title: string;
  summary: string;
  /** Plain text: give Markdown through plainTextOfMarkdown first. */
  body: string;
  /** Its public address: a path on this site. */
  url: string;
  publishedAt: number;
  campaignId?: number | null | undefined;
  categoryIds?: readonly number[] | undefined;
  /** A resource's type, in its owner's words ("briefing_paper"), shown as "Briefing paper". */
  resourceType?: string | null | undefined;
  /** The year it is listed under; by default the year of publishedAt in UTC (the same as London's at any new year). */
  year?: number | undefined;
}

/** What a visitor searches for, and which page of the results. */
export interface SiteSearch {
  q: string;
  kind?: SearchKind | undefined;
  campaignId?: number | undefined;
  categoryId?: number | undefined;
  year?: number | undefined;
  page: number;
  perPage: number;
}

export interface SearchResult {
  kind: SearchKind;
  ref: number;
  title: string;
  url: string;
  /** The passage around the matched words: every character escaped, the matched words in <mark>. */
  snippetHtml: string;
  publishedAt: number;
  resourceType: string | null;
}

export interface SiteSearchResults {
  total: number;
  results: SearchResult[];
  /** How many match of each kind (within the year chosen), and in each year (within the kind chosen), most first. */
  kinds: Array<{ kind: SearchKind; count: number }>;
  years: Array<{ year: number; count: number }>;
}

// Never stored, so that every marker in a snippet is one the database put there.
const MARKERS = new RegExp(`[${MARK_START}${MARK_END}]`, 'g');
const clean = (s: string) => s.replace(MARKERS, '');

/** Adds the document to the index, or replaces what the index holds for its kind and ref. */
export async function indexDocument(db: DbOrTrx, doc: SearchDocument): Promise<void> {
  if (!doc.url.startsWith('/') || doc.url.startsWith('//'))
    throw new Error(`A search document's url must be a path on this site: ${doc.url}`);
  if (!Number.isSafeInteger(doc.ref) || !Number.isFinite(doc.publishedAt))
    throw new Error('A search document needs an integer ref and a time');
  const categories = [...new Set(doc.categoryIds ?? [])].filter(Number.isSafeInteger);
  const body = clean(wellFormedSlice(doc.body, MAX_BODY));
  await upsertSearchDocument(db, {
    kind: doc.kind,
    ref: doc.ref,
    title: clean(doc.title),
    summary: clean(doc.summary),
    body,
    lead_length: leadLength(body),
    url: doc.url,
    published_at: doc.publishedAt,
    campaign_id: doc.campaignId ?? null,
    category_ids: categories.length > 0 ? `,${categories.join(',')},` : ',',
    resource_type: doc.resourceType ?? null,
    year: doc.year ?? new Date(doc.publishedAt).getUTCFullYear(),
    updated_at: Date.now(),
  });
}

/**
 * Where the body's opening ends, in characters (code points, as SQLite's substr and PostgreSQL's left count them):
 * at LEAD_LENGTH, or at the last white space before it, so that no word is cut in two.
 */
export function leadLength(body: string): number {
  if (body.length <= LEAD_LENGTH) return codePoints(body);
  const space = body.slice(LEAD_LENGTH - 200, LEAD_LENGTH + 1).search(/\s\S*$/);
  return codePoints(space >= 0 ? body.slice(0, LEAD_LENGTH - 200 + space) : wellFormedSlice(body, LEAD_LENGTH));
}

const codePoints = (s: string) => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** The first `length` UTF-16 units of a text, one fewer if that would cut a character in two. */
const wellFormedSlice = (s: string, length: number) =>
  /[\ud800-\udbff]/.test(s[length - 1] ?? '') ? s.slice(0, length - 1) : s.slice(0, length);

/** Takes a document out of the index (unpublished, made a draft again, or deleted); nothing happens if it was not in. */
export async function unindexDocument(db: DbOrTrx, kind: SearchKind, ref: number): Promise<void> {
  await deleteSearchDocument(db, kind, ref);
}

/**
 * Replaces the whole index (or every document of one kind) with these documents: for an import or the demo, or to
 * rebuild after a change in how documents are made. Give it a transaction to make the swap invisible to searches.
 */
export async function reindexAll(db: DbOrTrx, docs: Iterable<SearchDocument>, o: { kind?: SearchKind } = {}): Promise<number> {
  await deleteSearchDocuments(db, o.kind);
  let n = 0;
  for (const doc of docs) {
    if (o.kind && doc.kind !== o.kind) throw new Error(`reindexAll of ${o.kind} documents was given a ${doc.kind}`);
    await indexDocument(db, doc);
    n++;
  }
  return n;
}

const WORD = /[\p{L}\p{N}\p{M}]+/gu;
const ENDS_IN_WORD = /[\p{L}\p{N}\p{M}]$/u;

/**
 * The words of what a visitor typed, for the index to match all of: runs of letters, digits and marks only, so
 * quotes, stars, minus signs, brackets, NEAR, AND and OR are plain words or nothing, never query syntax. prefixLast
 * says whether the last word may be taken as the start of a longer one ("campaig" for "campaign"): when the search
 * ends in it and it has three letters or more. searchSite does so only when the words as typed find nothing.
 */
export function searchWords(q: string): SearchWords {
  const all = q.normalize('NFC').match(WORD) ?? [];
  const words: string[] = [];
  for (const w of all) {
    const word = w.toLowerCase().slice(0, MAX_WORD_LENGTH);
    if (!words.includes(word)) words.push(word);
    if (words.length === MAX_WORDS) break;
  }
  const last = words.at(-1);
  const prefixLast = last !== undefined && last.length >= 3 && ENDS_IN_WORD.test(q) && all.at(-1)?.toLowerCase() === last;
  return { words, prefixLast };
}

const escapeHtml = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');

/** A snippet as HTML: every character escaped, then the database's markers made <mark> elements. */
export function snippetHtml(marked: string): string {
  const opens = marked.split(MARK_START).length - 1;
  const closes = marked.split(MARK_END).length - 1;
  const escaped = escapeHtml(opens === closes ? marked : clean(marked));
  return escaped.replaceAll(MARK_START, '<mark>').replaceAll(MARK_END, '</mark>');
}

/** The first words of a text, marked as cut where they are. */
function opening(text: string): string {
  const words = text.trim().split(/\s+/);
  return words.length > OPENING_WORDS ? `${words.slice(0, OPENING_WORDS).join(' ')}…` : words.join(' ');
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

/** A passage with "…" where it was cut from within the text, for a database whose passages do not say so. */
function withEllipses(passage: string, head: string | undefined, tail: string | undefined): string {
  if (head === undefined || tail === undefined) return passage;
  const plain = squash(clean(passage));
  const start = plain.slice(0, 20);
  const end = plain.slice(-20);
  return `${squash(head).startsWith(start) ? '' : '…'}${passage.trim()}${squash(tail).endsWith(end) ? '' : '…'}`;
}

/** The passage to show: the body's around a match, else the summary's; undefined when neither has a matched word. */
function matchedPassage(s: SearchSnippetRow | undefined): string | undefined {
  if (s?.body.includes(MARK_START)) return withEllipses(s.body, s.body_head, s.body_tail);
  if (s?.summary.includes(MARK_START)) return s.summary;
  return undefined;
}

/** One page of the published documents matching every word of the search, best first, with passages and counts. */
export async function searchSite(db: Db, s: SiteSearch): Promise<SiteSearchResults> {
  if (s.q.length > MAX_QUERY_LENGTH)
    throw new DomainError('invalid', `Please search for at most ${MAX_QUERY_LENGTH} characters.`, { q: 'Too long' });
  const typed = searchWords(s.q);
  if (typed.words.length === 0) return { total: 0, results: [], kinds: [], years: [] };
  const filters: SearchFilters = { kind: s.kind, campaignId: s.campaignId, categoryId: s.categoryId, year: s.year };
  const page = { limit: s.perPage, offset: (s.page - 1) * s.perPage };

  // The words as typed first: a whole word is not widened ("camp" does not find "campaign"), and with the Porter
  // stemmer a prefix of a whole word finds every word sharing its stem's start, which is slow for a common word.
  let m: SearchWords = { ...typed, prefixLast: false };
  let found = await findSearchMatches(db, m, filters, page);
  if (found.groups.length === 0 && typed.prefixLast) {
    m = typed;
    found = await findSearchMatches(db, m, filters, page);
  }
  const { groups, hits } = found;

  // The grouped counts give the total and both sets of filter counts: each counts what the other filter leaves.
  const total = groups.filter((g) => (s.kind === undefined || g.kind === s.kind) && (s.year === undefined || g.year === s.year));
  const sum = <K>(rows: typeof groups, key: (g: (typeof groups)[number]) => K) => {
    const out = new Map<K, number>();
    for (const g of rows) out.set(key(g), (out.get(key(g)) ?? 0) + g.n);
    return [...out].sort((a, b) => b[1] - a[1]);
  };
  const kinds = sum(
    groups.filter((g) => s.year === undefined || g.year === s.year),
    (g) => g.kind,
  ).map(([kind, count]) => ({ kind, count }));
  const years = sum(
    groups.filter((g) => s.kind === undefined || g.kind === s.kind),
    (g) => g.year,
  )
    .map(([year, count]) => ({ year, count }))
    .sort((a, b) => b.year - a.year);
  const count = total.reduce((n, g) => n + g.n, 0);

  const ids = hits.map((h) => h.id);
  const passages = new Map<number, string>();
  for (const [id, s] of await findSearchSnippets(db, m, ids)) {
    const p = matchedPassage(s);
    if (p !== undefined) passages.set(id, p);
  }
  // Matched by the title alone, or deep in a long text: the opening of the body (or the summary) stands in.
  const openings = await findSearchOpenings(
    db,
    ids.filter((id) => !passages.has(id)),
  );
  for (const [id, o] of openings) passages.set(id, opening(o.body.trim() !== '' ? o.body : o.summary));
  return {
    total: count,
    kinds,
    years,
    results: hits.map((h) => ({
      kind: h.kind,
      ref: h.ref,
      title: h.title,
      url: h.url,
      snippetHtml: snippetHtml(passages.get(h.id) ?? ''),
      publishedAt: Number(h.published_at),
      resourceType: h.resource_type,
    })),
  };
}
