import { z } from 'zod';
import type { Core } from '../core/context.js';
import { formValues } from '../core/web/forms.js';
import { findSupporterIdsByNameTokens, type SupporterFilters } from './queries.js';
import { findSupporterByEmail, nameTokenIndexes } from './records.js';

// The filters staff use to find supporters, as they travel in a URL (GET query, so a search can be bookmarked)
// and as a saved segment stores them. Dates are calendar days in the organisation's time zone; they become
// instants only when a search runs, so a segment "joined in March" keeps meaning March.

/** A name search returns at most this many people; more words narrow it. */
export const NAME_SEARCH_LIMIT = 1000;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

function isRealDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return (
    d.getUTCFullYear() === Number(m[1]) &&
    d.getUTCMonth() === Number(m[2]) - 1 &&
    d.getUTCDate() === Number(m[3]) &&
    Number(m[1]) >= 1970 &&
    Number(m[1]) <= 9999
  );
}

const day = (label: string) =>
  z.preprocess(
    blankToUndefined,
    z
      .string({ error: `Enter ${label} as a date` })
      .trim()
      .refine(isRealDate, `Enter ${label} as a real date, like 2026-03-31`)
      .optional(),
  );

const noControl = (s: string) => !/[\u0000-\u001f\u007f]/.test(s);

/** A tag as stored: trimmed, with single spaces (capitals are kept: tags are matched exactly, as the filter offers them). */
export function normaliseTag(s: string): string {
  return s.normalize('NFC').trim().replace(/\s+/g, ' ');
}

/** A tag field: letters, digits, spaces and - _ : / . & only, up to 50 characters. */
export const tagField = (label = 'a tag') =>
  z
    .string({ error: `Enter ${label}` })
    .transform(normaliseTag)
    .pipe(
      z
        .string()
        .min(1, `Enter ${label}`)
        .max(50, 'A tag must be 50 characters or fewer')
        .regex(/^[\p{L}\p{N}][\p{L}\p{N} _:/.&-]*$/u, 'A tag may hold letters, numbers, spaces and - _ : / . & only'),
    );

/** The filters of a segment: everything but the name or email search, which is personal data and never stored. */
export const SegmentFiltersSchema = z
  .object({
    list: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    consent: z.enum(['pending', 'subscribed', 'unsubscribed']).optional(),
    tag: z.string().min(1).max(50).optional(),
    constituency: z
      .string()
      .regex(/^[A-Z]\d{8}$/)
      .optional(),
    source: z.string().min(1).max(100).refine(noControl).optional(),
    from: z.string().refine(isRealDate).optional(),
    to: z.string().refine(isRealDate).optional(),
  })
  .strict();

export type SegmentFilters = z.output<typeof SegmentFiltersSchema>;

/** Filters as staff set them on the search page. */
export type FilterState = SegmentFilters & { q?: string | undefined };

/** The search form's fields, as they arrive in a query string or a posted form (unknown fields are ignored). */
export const FilterQuerySchema = z
  .object({
    q: z.preprocess(
      blankToUndefined,
      z
        .string()
        .trim()
        .max(200, 'A search must be 200 characters or fewer')
        .refine(noControl, 'The search contains characters that are not allowed')
        .optional(),
    ),
    list: z.preprocess(
      blankToUndefined,
      z.coerce
        .number({ error: 'Choose a list' })
        .int('Choose a list')
        .positive('Choose a list')
        .max(Number.MAX_SAFE_INTEGER, 'Choose a list')
        .optional(),
    ),
    consent: z.preprocess(
      blankToUndefined,
      z.enum(['pending', 'subscribed', 'unsubscribed'], { error: 'Choose a consent state' }).optional(),
    ),
    tag: z.preprocess(blankToUndefined, tagField().optional()),
    constituency: z.preprocess(
      (v) => (typeof v === 'string' ? blankToUndefined(v.trim().toUpperCase()) : v),
      z
        .string({ error: 'Choose a constituency from the list' })
        .regex(/^[A-Z]\d{8}$/, 'Choose a constituency from the list')
        .optional(),
    ),
    source: z.preprocess(
      blankToUndefined,
      z
        .string()
        .trim()
        .max(100, 'A source must be 100 characters or fewer')
        .refine(noControl, 'The source contains characters that are not allowed')
        .optional(),
    ),
    from: day('the first day'),
    to: day('the last day'),
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, { path: ['to'], message: 'The last day must be on or after the first day' });

export type FilterParse = { ok: true; state: FilterState } | { ok: false; errors: Record<string, string>; values: Record<string, string> };

/** Reads the filters from a query string or form body; field messages when a value is not acceptable. */
export function parseFilters(input: unknown): FilterParse {
  const values = formValues(input);
  const parsed = FilterQuerySchema.safeParse(values);
  if (parsed.success) {
    const state = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)) as FilterState;
    return { ok: true, state };
  }
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? '_form')] ??= issue.message;
  return { ok: false, errors, values };
}

/** The filters as query-string pairs, in a stable order (for links, hidden fields and pagination). */
export function filterPairs(state: FilterState): Array<[string, string]> {
  const keys = ['q', 'list', 'consent', 'tag', 'constituency', 'source', 'from', 'to'] as const;
  return keys.flatMap((k) => (state[k] === undefined ? [] : [[k, String(state[k])] as [string, string]]));
}

/** A query string (with its leading "?", or empty) for the filters and any extra pairs. */
export function filterQueryString(state: FilterState, extra: Record<string, string | number> = {}): string {
  const p = new URLSearchParams(filterPairs(state));
  for (const [k, v] of Object.entries(extra)) p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** The filters without the search, as a segment stores them. */
export function segmentPart(state: FilterState): SegmentFilters {
  const { q: _q, ...rest } = state;
  return rest;
}

/** The filters as the audit log records them: the search itself is personal data, so only whether there was one. */
export function auditFilters(state: FilterState): Record<string, unknown> {
  return { ...segmentPart(state), ...(state.q ? { search: true } : {}) };
}

/** The UTC instant a calendar day begins in a time zone. */
export function zonedDayStart(date: string, timeZone: string): number {
  const m = DATE.exec(date);
  if (!m) throw new Error('not a date');
  const guess = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // The zone's offset at the guess, then again at the corrected instant (the day may start inside a DST change).
  const offsetAt = (ms: number) => {
    const parts = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    }).formatToParts(new Date(ms));
    const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
    return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - ms;
  };
  const first = guess - offsetAt(guess);
  return guess - offsetAt(first);
}

/** The day after a calendar day, as YYYY-MM-DD. */
function nextDay(date: string): string {
  const m = DATE.exec(date)!;
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1)).toISOString().slice(0, 10);
}

/** The structural filters as the query layer takes them (dates become instants in the organisation's zone). */
export function toSupporterFilters(f: SegmentFilters, timeZone: string): SupporterFilters {
  return {
    listId: f.list,
    consent: f.consent,
    tag: f.tag,
    constituency: f.constituency,
    source: f.source,
    createdFrom: f.from ? zonedDayStart(f.from, timeZone) : undefined,
    createdTo: f.to ? zonedDayStart(nextDay(f.to), timeZone) : undefined,
  };
}

/**
 * The filters with the search resolved: an address (anything with an @) is looked up exactly through its blind
 * index; anything else is split into words, each looked up through its own blind index, and a supporter must
 * have every word. `capped` says the name search hit its limit.
 */
export async function resolveFilters(
  core: Core,
  state: FilterState,
  timeZone: string,
): Promise<{ filters: SupporterFilters; capped: boolean }> {
  const filters = toSupporterFilters(segmentPart(state), timeZone);
  if (!state.q) return { filters, capped: false };
  if (state.q.includes('@')) {
    const s = await findSupporterByEmail(core.db, core.keyring, state.q);
    return { filters: { ...filters, ids: s ? [s.id] : [] }, capped: false };
  }
  const tokens = nameTokenIndexes(core.keyring, state.q);
  const ids = await findSupporterIdsByNameTokens(core.db, tokens, NAME_SEARCH_LIMIT);
  return { filters: { ...filters, ids }, capped: ids.length >= NAME_SEARCH_LIMIT };
}
