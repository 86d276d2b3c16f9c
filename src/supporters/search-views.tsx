import { CsrfField, ErrorSummary, Field, Notice, Select, TableWrap, Time } from '../core/web/components.js';
import type { ConstituencyChoice, SupporterListItem } from './admin-service.js';
import { filterQueryString, type FilterState } from './filters.js';
import {
  CONSENT_LABELS,
  plural,
  HiddenFilters,
  ConstituencySelect,
  describeFilters,
  FilterSummary,
  type ListChoice,
  type Errors,
  type Values,
} from './admin-views.js';

// The supporters page: the filters (a GET form, so a search can be bookmarked), the results, bulk tags; and the
// export's confirmation.

// ---- the supporters page ---------------------------------------------------------------------------------------

export interface SupportersPageProps {
  csrf: string;
  tz: string;
  state: FilterState;
  values: Values;
  errors?: Errors;
  lists: readonly ListChoice[];
  tags: ReadonlyArray<{ tag: string; count: number }>;
  sources: readonly string[];
  constituencies: readonly ConstituencyChoice[];
  result?: { items: SupporterListItem[]; total: number; capped: boolean } | undefined;
  page: number;
  pageSize: number;
  can: { manage: boolean; export: boolean; import: boolean };
  notice?: string | undefined;
}

/** The supporters list: search and filters (GET), results, and bulk tagging of the ticked or all matching. */
export function SupportersView(p: SupportersPageProps) {
  const v = (k: string) => p.values[k] ?? '';
  const r = p.result;
  const pages = r ? Math.max(1, Math.ceil(r.total / p.pageSize)) : 1;
  const qs = filterQueryString(p.state);
  return (
    <>
      <h1>Supporters</h1>
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      <ErrorSummary errors={p.errors} />
      <p class="actions-row">
        <a href="/admin/supporters/segments">Saved segments</a>
        {p.can.import && <a href="/admin/supporters/import">Import from a CSV file</a>}
        {p.can.export && r && <a href={`/admin/supporters/export${qs}`}>Export these as CSV</a>}
      </p>
      <form method="get" action="/admin/supporters" class="filters" role="search" aria-label="Supporters">
        <div class="filters-search">
          <Field
            name="q"
            type="text"
            label="Name or email address"
            hint="Whole words of a name (in any order, accents and capitals do not matter), or a full email address."
            value={v('q')}
            error={p.errors?.q}
            maxLength={200}
          />
        </div>
        <Select
          name="list"
          label="List"
          options={[
            { value: '', label: 'Any list' },
            ...p.lists.map((l) => ({ value: String(l.id), label: l.archived ? `${l.name} (archived)` : l.name })),
          ]}
          value={v('list')}
          error={p.errors?.list}
        />
        <Select
          name="consent"
          label="Consent"
          options={[
            { value: '', label: 'Any' },
            ...(['subscribed', 'pending', 'unsubscribed'] as const).map((c) => ({ value: c, label: CONSENT_LABELS[c] })),
          ]}
          value={v('consent')}
          error={p.errors?.consent}
        />
        <Select
          name="tag"
          label="Tag"
          options={[
            { value: '', label: 'Any tag' },
            ...p.tags.map((t) => ({ value: t.tag, label: `${t.tag} (${t.count})` })),
            ...(v('tag') && !p.tags.some((t) => t.tag === v('tag')) ? [{ value: v('tag'), label: v('tag') }] : []),
          ]}
          value={v('tag')}
          error={p.errors?.tag}
        />
        <ConstituencySelect
          label="Constituency"
          anyLabel="Any constituency"
          value={v('constituency')}
          error={p.errors?.constituency}
          constituencies={p.constituencies}
        />
        <Select
          name="source"
          label="Came from"
          options={[
            { value: '', label: 'Anywhere' },
            ...p.sources.map((s) => ({ value: s, label: s })),
            ...(v('source') && !p.sources.includes(v('source')) ? [{ value: v('source'), label: v('source') }] : []),
          ]}
          value={v('source')}
          error={p.errors?.source}
        />
        <Field name="from" type="date" label="Joined on or after" value={v('from')} error={p.errors?.from} width="short" />
        <Field name="to" type="date" label="Joined on or before" value={v('to')} error={p.errors?.to} width="short" />
        <div class="filters-buttons">
          <button type="submit">Search</button>
          <a href="/admin/supporters" class="button button-secondary">
            Clear
          </a>
        </div>
      </form>

      {r && (
        <section aria-labelledby="results-h">
          <h2 id="results-h">{plural(r.total, 'supporter')}</h2>
          {r.capped && (
            <Notice kind="warning">
              The name search matched too many people to show them all. Add another word of the name to narrow it.
            </Notice>
          )}
          {p.can.manage && (
            <details class="save-segment">
              <summary>Save these filters as a segment</summary>
              <form method="post" action="/admin/supporters/segments" class="form">
                <CsrfField token={p.csrf} />
                <HiddenFilters state={{ ...p.state, q: undefined }} />
                {p.state.q && <p class="hint">The name or email search is not saved: a segment keeps only the filters.</p>}
                <Field name="name" label="Segment name" maxLength={100} required />
                <button type="submit">Save segment</button>
              </form>
            </details>
          )}
          {r.items.length === 0 ? <p>No supporters match.</p> : <SupporterTableForm {...p} items={r.items} total={r.total} />}
          {pages > 1 && (
            <nav class="pager" aria-label="Pages">
              {p.page > 1 && <a href={`/admin/supporters${filterQueryString(p.state, { page: p.page - 1 })}`}>Previous page</a>}
              <span>
                Page {p.page} of {pages}
              </span>
              {p.page < pages && <a href={`/admin/supporters${filterQueryString(p.state, { page: p.page + 1 })}`}>Next page</a>}
            </nav>
          )}
        </section>
      )}
    </>
  );
}

function SupporterTable({ items, tz, selectable }: { items: SupporterListItem[]; tz: string; selectable: boolean }) {
  return (
    <TableWrap label="Supporters">
      <table>
        <thead>
          <tr>
            {selectable && (
              <th scope="col">
                <span class="visually-hidden">Select</span>
              </th>
            )}
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Constituency</th>
            <th scope="col">Tags</th>
            <th scope="col">Came from</th>
            <th scope="col">Joined</th>
          </tr>
        </thead>
        <tbody>
          {items.map((s) => (
            <tr key={s.id}>
              {selectable && (
                <td>
                  <input type="checkbox" class="row-check" name="ids" value={String(s.id)} id={`pick-${s.id}`} />
                  <label for={`pick-${s.id}`} class="visually-hidden">
                    Select {s.name}
                  </label>
                </td>
              )}
              <td>
                <a href={`/admin/supporters/${s.id}`}>{s.name}</a>
              </td>
              <td class="wrap-anywhere">
                {s.email}
                {s.undeliverableAt !== null && <span class="muted"> (undeliverable)</span>}
                {s.confirmedAt === null && <span class="muted"> (not confirmed)</span>}
              </td>
              <td>{s.constituencyName ?? s.constituencyCode ?? ''}</td>
              <td>{s.tags.join(', ')}</td>
              <td>{s.source}</td>
              <td>
                <Time ms={s.createdAt} timeZone={tz} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function SupporterTableForm(p: SupportersPageProps & { items: SupporterListItem[]; total: number }) {
  if (!p.can.manage) return <SupporterTable items={p.items} tz={p.tz} selectable={false} />;
  const e = p.errors ?? {};
  return (
    <form method="post" action="/admin/supporters/tags" class="bulk-form" noValidate>
      <CsrfField token={p.csrf} />
      <HiddenFilters state={p.state} />
      <input type="hidden" name="page" value={String(p.page)} />
      <SupporterTable items={p.items} tz={p.tz} selectable />
      <fieldset class="bulk-tags" id="f-scope">
        <legend>Tag supporters</legend>
        <Select
          name="action"
          label="Change"
          options={[
            { value: 'add', label: 'Add the tag' },
            { value: 'remove', label: 'Remove the tag' },
          ]}
          value={p.values.action}
          error={e.action}
        />
        <Field name="bulkTag" label="Tag to add or remove" value={p.values.bulkTag} error={e.bulkTag} maxLength={50} width="short" />
        <div class="field bulk-scope">
          {e.scope && (
            <p class="error-message" id="f-scope-error">
              <span class="visually-hidden">Error: </span>
              {e.scope}
            </p>
          )}
          <div class="checkbox">
            <input type="radio" id="f-scope-ticked" name="scope" value="ticked" checked={p.values.scope !== 'all'} />
            <label for="f-scope-ticked">The supporters ticked above</label>
          </div>
          <div class="checkbox">
            <input type="radio" id="f-scope-all" name="scope" value="all" checked={p.values.scope === 'all'} />
            <label for="f-scope-all">All {plural(p.total, 'supporter')} matching these filters</label>
          </div>
        </div>
        <button type="submit">Apply</button>
      </fieldset>
    </form>
  );
}

// ---- export ------------------------------------------------------------------------------------------------

/** The export confirmation: what will be in the file, and the duty that comes with it. */
export function ExportView(p: {
  csrf: string;
  state: FilterState;
  lists: readonly ListChoice[];
  places: ReadonlyMap<string, string>;
  count: number;
}) {
  return (
    <>
      <p>
        <a href={`/admin/supporters${filterQueryString(p.state)}`}>Back to the supporters</a>
      </p>
      <h1>Export supporters</h1>
      <p>
        The file will hold {plural(p.count, 'supporter')}: <FilterSummary items={describeFilters(p.state, p.lists, p.places)} />.
      </p>
      <p>
        It has their contact details, tags, and for each list whether they are subscribed and on what lawful basis. Only email people where
        it says “subscribed”.
      </p>
      <Notice kind="warning">
        This file is personal data, and some of these people may be at risk. Keep it on an encrypted device, share it with no one who does
        not need it, and delete it when you are done. Your export is recorded in the audit log.
      </Notice>
      <form method="post" action="/admin/supporters/export" class="form">
        <CsrfField token={p.csrf} />
        <HiddenFilters state={p.state} />
        <button type="submit" disabled={p.count === 0}>
          Download the CSV file
        </button>
      </form>
    </>
  );
}
