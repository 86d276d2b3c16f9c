import type { ConsentEventKind, LawfulBasis, SubscriptionStatus } from './tables.js';
import { filterPairs, type FilterState, type SegmentFilters } from './filters.js';
import type { ConstituencyChoice } from './admin-service.js';
import { Select } from '../core/web/components.js';

// The staff pages for supporters, segments, imports and lists. Every page works without JavaScript: filters are a
// GET form (so a search can be bookmarked), changes are POST forms, and a running import refreshes itself.
// This file holds what the pages share (labels, the filters in words); each topic's pages are in <topic>-views.tsx:
// search-views (the supporters page and export), supporter-views, segment-views, import-views and list-views.

export type Errors = Record<string, string> | undefined;
export type Values = Record<string, string>;

/** A list as the pickers and filters show it. */
export interface ListChoice {
  id: number;
  name: string;
  slug: string;
  wording: string;
  archived: boolean;
}

export const CONSENT_LABELS: Record<SubscriptionStatus, string> = {
  pending: 'waiting for confirmation',
  subscribed: 'subscribed',
  unsubscribed: 'unsubscribed',
};
export const EVENT_LABELS: Record<ConsentEventKind, string> = {
  requested: 'asked to join',
  granted: 'consent given',
  withdrawn: 'consent withdrawn',
};
export const BASIS_LABELS: Record<LawfulBasis, string> = { consent: 'consent', soft_opt_in: 'soft opt-in' };

/** A count with its noun ("1 supporter", "2 supporters"). */
export const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;

/** The filters as hidden fields, so a form posted from a filtered page keeps them. */
export function HiddenFilters({ state }: { state: FilterState }) {
  return (
    <>
      {filterPairs(state).map(([k, v]) => (
        <input key={k} type="hidden" name={k} value={v} />
      ))}
    </>
  );
}

/** The constituency picker (filters, a supporter's details): every constituency by name, grouped by nation. */
export function ConstituencySelect(p: {
  label: string;
  anyLabel: string;
  hint?: string;
  value: string | undefined;
  error: string | undefined;
  constituencies: readonly ConstituencyChoice[];
}) {
  const known = p.constituencies.some((c) => c.code === p.value);
  return (
    <Select
      name="constituency"
      label={p.label}
      {...(p.hint ? { hint: p.hint } : {})}
      options={[
        { value: '', label: p.anyLabel },
        ...(p.value && !known ? [{ value: p.value, label: `${p.value} (not a current constituency)` }] : []),
        ...p.constituencies.map((c) => ({ value: c.code, label: c.name, group: c.nation })),
      ]}
      value={p.value}
      error={p.error}
    />
  );
}

/** The filters in words, for segments and confirmations (constituencies by name when `places` knows them). */
export function describeFilters(
  f: SegmentFilters & { q?: string | undefined },
  lists: readonly ListChoice[],
  places?: ReadonlyMap<string, string>,
): string[] {
  const list = f.list === undefined ? undefined : (lists.find((l) => l.id === f.list)?.name ?? `list ${f.list}`);
  const out: string[] = [];
  if (f.q) out.push(`name or email “${f.q}”`);
  if (list && f.consent) out.push(`${CONSENT_LABELS[f.consent]} on ${list}`);
  else if (list) out.push(`on ${list}`);
  else if (f.consent) out.push(`${CONSENT_LABELS[f.consent]} on any list`);
  if (f.tag) out.push(`tagged “${f.tag}”`);
  if (f.constituency) out.push(`in ${places?.get(f.constituency) ?? `constituency ${f.constituency}`}`);
  if (f.source) out.push(`came from “${f.source}”`);
  if (f.from && f.to) out.push(`joined ${f.from} to ${f.to}`);
  else if (f.from) out.push(`joined on or after ${f.from}`);
  else if (f.to) out.push(`joined on or before ${f.to}`);
  return out;
}

/** The filters in words, or "everyone". */
export function FilterSummary({ items }: { items: string[] }) {
  return items.length === 0 ? <>everyone</> : <>{items.join('; ')}</>;
}
