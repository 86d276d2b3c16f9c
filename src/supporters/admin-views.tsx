import type { ComponentChildren } from 'preact';
import type { ConsentEventKind, LawfulBasis, SubscriptionStatus } from './tables.js';
import { CsrfField, ErrorSummary, Field, Notice, Select, TableWrap, TextArea, Time } from '../core/web/components.js';
import type { SupporterListItem, TimelineEntry } from './admin-service.js';
import { filterPairs, filterQueryString, type FilterState, type SegmentFilters } from './filters.js';
import {
  ENCODING_LABELS,
  ENCODINGS,
  FIELD_LABELS,
  IMPORT_FIELDS,
  UPLOAD_LIMIT_BYTES,
  type ColumnChoice,
  type FileEncoding,
  type ImportView,
} from './import.js';
import type { Segment } from './segments.js';
import type { Supporter } from './service.js';

// The staff pages for supporters, segments, imports and lists. Every page works without JavaScript: filters are a
// GET form (so a search can be bookmarked), changes are POST forms, and a running import refreshes itself.

type Errors = Record<string, string> | undefined;
type Values = Record<string, string>;

/** A list as the pickers and filters show it. */
export interface ListChoice {
  id: number;
  name: string;
  slug: string;
  wording: string;
  archived: boolean;
}

const CONSENT_LABELS: Record<SubscriptionStatus, string> = {
  pending: 'waiting for confirmation',
  subscribed: 'subscribed',
  unsubscribed: 'unsubscribed',
};
const EVENT_LABELS: Record<ConsentEventKind, string> = {
  requested: 'asked to join',
  granted: 'consent given',
  withdrawn: 'consent withdrawn',
};
const BASIS_LABELS: Record<LawfulBasis, string> = { consent: 'consent', soft_opt_in: 'soft opt-in' };

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;

function HiddenFilters({ state }: { state: FilterState }) {
  return (
    <>
      {filterPairs(state).map(([k, v]) => (
        <input key={k} type="hidden" name={k} value={v} />
      ))}
    </>
  );
}

/** The filters in words, for segments and confirmations. */
function describeFilters(f: SegmentFilters & { q?: string | undefined }, lists: readonly ListChoice[]): string[] {
  const list = f.list === undefined ? undefined : (lists.find((l) => l.id === f.list)?.name ?? `list ${f.list}`);
  const out: string[] = [];
  if (f.q) out.push(`name or email “${f.q}”`);
  if (list && f.consent) out.push(`${CONSENT_LABELS[f.consent]} on ${list}`);
  else if (list) out.push(`on ${list}`);
  else if (f.consent) out.push(`${CONSENT_LABELS[f.consent]} on any list`);
  if (f.tag) out.push(`tagged “${f.tag}”`);
  if (f.constituency) out.push(`in constituency ${f.constituency}`);
  if (f.source) out.push(`came from “${f.source}”`);
  if (f.from && f.to) out.push(`joined ${f.from} to ${f.to}`);
  else if (f.from) out.push(`joined on or after ${f.from}`);
  else if (f.to) out.push(`joined on or before ${f.to}`);
  return out;
}

function FilterSummary({ items }: { items: string[] }) {
  return items.length === 0 ? <>everyone</> : <>{items.join('; ')}</>;
}

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
        <Field
          name="constituency"
          label="Constituency code"
          hint="Like E14001234"
          value={v('constituency')}
          error={p.errors?.constituency}
          maxLength={9}
          width="short"
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
              <td>{s.constituencyCode ?? ''}</td>
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

// ---- one supporter -----------------------------------------------------------------------------------------

export interface SupporterPageProps {
  csrf: string;
  tz: string;
  supporter: Supporter;
  name: string;
  subscriptions: Array<{ listId: number; list: string; status: SubscriptionStatus; lawfulBasis: LawfulBasis | null; updatedAt: number }>;
  ledger: Array<{
    id: number;
    list: string;
    kind: ConsentEventKind;
    lawfulBasis: LawfulBasis | null;
    wordingVersion: number | null;
    wording: string | null;
    source: string;
    createdAt: number;
  }>;
  tags: string[];
  timeline: TimelineEntry[];
  canManage: boolean;
  notice?: string | undefined;
  errors?: Errors;
  values?: Values;
}

function Row({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** The supporter page: details, tags, subscriptions, the consent ledger, the timeline and data-rights actions. */
export function SupporterView(p: SupporterPageProps) {
  const s = p.supporter;
  const erased = s.erasedAt !== null;
  return (
    <>
      <p>
        <a href="/admin/supporters">Back to supporters</a>
      </p>
      <h1>{p.name}</h1>
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      <ErrorSummary errors={p.errors} />
      {erased && (
        <Notice kind="warning">
          This supporter was erased on <Time ms={s.erasedAt} timeZone={p.tz} />. Their details are gone; what remains is the record of their
          consent, with nothing that identifies them.
        </Notice>
      )}

      <section aria-labelledby="details-h">
        <h2 id="details-h">Details</h2>
        <dl class="meta">
          <Row label="Email">
            {s.email ?? '—'}
            {s.undeliverableAt !== null && ' (undeliverable)'}
          </Row>
          <Row label="First name">{s.firstName ?? '—'}</Row>
          <Row label="Last name">{s.lastName ?? '—'}</Row>
          <Row label="Postcode">{s.postcode ?? '—'}</Row>
          <Row label="Phone">{s.phone ?? '—'}</Row>
          <Row label="Address">
            <span class="pre-line">{s.address ?? '—'}</span>
          </Row>
          <Row label="Constituency">{s.constituencyCode ?? '—'}</Row>
          <Row label="Came from">{s.source}</Row>
          <Row label="Joined">
            <Time ms={s.createdAt} timeZone={p.tz} />
          </Row>
          <Row label="Email confirmed">{s.confirmedAt === null ? 'not yet' : <Time ms={s.confirmedAt} timeZone={p.tz} />}</Row>
        </dl>
        {p.canManage && !erased && (
          <p>
            <a href={`/admin/supporters/${s.id}/edit`} class="button button-secondary">
              Change details
            </a>
          </p>
        )}
      </section>

      <section aria-labelledby="tags-h">
        <h2 id="tags-h">Tags</h2>
        {p.tags.length === 0 ? (
          <p>No tags.</p>
        ) : (
          <ul class="tag-list">
            {p.tags.map((t) => (
              <li key={t}>
                <span class="tag">{t}</span>
                {p.canManage && (
                  <form method="post" action={`/admin/supporters/${s.id}/tags/remove`} class="inline-form">
                    <CsrfField token={p.csrf} />
                    <input type="hidden" name="tag" value={t} />
                    <button type="submit" class="button-small button-secondary">
                      Remove<span class="visually-hidden"> tag {t}</span>
                    </button>
                  </form>
                )}
              </li>
            ))}
          </ul>
        )}
        {p.canManage && !erased && (
          <form method="post" action={`/admin/supporters/${s.id}/tags`} class="form inline-fields" noValidate>
            <CsrfField token={p.csrf} />
            <Field name="tag" label="Add a tag" value={p.values?.tag} error={p.errors?.tag} maxLength={50} width="short" />
            <button type="submit">Add tag</button>
          </form>
        )}
      </section>

      <section aria-labelledby="subs-h">
        <h2 id="subs-h">Subscriptions</h2>
        {p.subscriptions.length === 0 ? (
          <p>Not on any list.</p>
        ) : (
          <TableWrap label="Subscriptions">
            <table>
              <thead>
                <tr>
                  <th scope="col">List</th>
                  <th scope="col">State</th>
                  <th scope="col">Lawful basis</th>
                  <th scope="col">Since</th>
                </tr>
              </thead>
              <tbody>
                {p.subscriptions.map((x) => (
                  <tr key={x.listId}>
                    <td>{x.list}</td>
                    <td>{CONSENT_LABELS[x.status]}</td>
                    <td>{x.lawfulBasis ? BASIS_LABELS[x.lawfulBasis] : '—'}</td>
                    <td>
                      <Time ms={x.updatedAt} timeZone={p.tz} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>

      <section aria-labelledby="ledger-h">
        <h2 id="ledger-h">Consent record</h2>
        <p class="hint">Every time this person gave or withdrew consent, with the exact words they were shown.</p>
        {p.ledger.length === 0 ? (
          <p>Nothing recorded.</p>
        ) : (
          <TableWrap label="Consent record">
            <table>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">List</th>
                  <th scope="col">What</th>
                  <th scope="col">Lawful basis</th>
                  <th scope="col">Wording shown</th>
                  <th scope="col">Source</th>
                </tr>
              </thead>
              <tbody>
                {p.ledger.map((e) => (
                  <tr key={e.id}>
                    <td>
                      <Time ms={e.createdAt} timeZone={p.tz} />
                    </td>
                    <td>{e.list}</td>
                    <td>{EVENT_LABELS[e.kind]}</td>
                    <td>{e.lawfulBasis ? BASIS_LABELS[e.lawfulBasis] : '—'}</td>
                    <td class="wording">
                      {e.wording ? (
                        <>
                          “{e.wording}” <span class="muted">(version {e.wordingVersion})</span>
                        </>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td class="wrap-anywhere">{e.source}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>

      <section aria-labelledby="timeline-h">
        <h2 id="timeline-h">Timeline</h2>
        {p.timeline.length === 0 ? (
          <p>Nothing yet.</p>
        ) : (
          <ol class="timeline">
            {p.timeline.map((t, i) => (
              <li key={i}>
                <Time ms={t.at} timeZone={p.tz} /> <span class="timeline-kind">{t.kind}</span>{' '}
                {t.href ? <a href={t.href}>{t.title}</a> : t.title}
                {t.detail && <span class="muted"> — {t.detail}</span>}
              </li>
            ))}
          </ol>
        )}
      </section>

      {p.canManage && !erased && (
        <section aria-labelledby="rights-h">
          <h2 id="rights-h">Their data rights</h2>
          <p>
            If this person asks what Lantern holds about them, send them a link to download it. The link goes to their email address and
            works for a few days.
          </p>
          <form method="post" action={`/admin/supporters/${s.id}/send-data`}>
            <CsrfField token={p.csrf} />
            <button type="submit" class="button-secondary" disabled={s.email === null}>
              Email them their data
            </button>
          </form>
          <p>If they ask to be forgotten, erase them. This cannot be undone.</p>
          <p>
            <a href={`/admin/supporters/${s.id}/erase`} class="button button-warning">
              Erase this supporter
            </a>
          </p>
        </section>
      )}
    </>
  );
}

/** The form to change a supporter's details. */
export function SupporterEditView(p: { csrf: string; id: number; name: string; values: Values; errors?: Errors }) {
  const v = (k: string) => p.values[k];
  return (
    <>
      <p>
        <a href={`/admin/supporters/${p.id}`}>Back to {p.name}</a>
      </p>
      <h1>Change details</h1>
      <ErrorSummary errors={p.errors} />
      <form method="post" action={`/admin/supporters/${p.id}`} class="form" noValidate>
        <CsrfField token={p.csrf} />
        <Field
          name="email"
          type="email"
          label="Email address"
          value={v('email')}
          error={p.errors?.email}
          maxLength={254}
          autocomplete="off"
          required
        />
        <Field name="firstName" label="First name" value={v('firstName')} error={p.errors?.firstName} maxLength={100} autocomplete="off" />
        <Field name="lastName" label="Last name" value={v('lastName')} error={p.errors?.lastName} maxLength={100} autocomplete="off" />
        <Field
          name="postcode"
          label="Postcode"
          value={v('postcode')}
          error={p.errors?.postcode}
          maxLength={16}
          width="short"
          autocomplete="off"
        />
        <Field name="phone" type="tel" label="Phone" value={v('phone')} error={p.errors?.phone} maxLength={40} autocomplete="off" />
        <TextArea name="address" label="Address" rows={4} value={v('address')} error={p.errors?.address} maxLength={500} />
        <Field
          name="constituency"
          label="Constituency code"
          hint="Like E14001234. Leave empty if you do not know it."
          value={v('constituency')}
          error={p.errors?.constituency}
          maxLength={9}
          width="short"
          autocomplete="off"
        />
        <button type="submit">Save details</button>
      </form>
    </>
  );
}

/** The erase confirmation step. */
export function EraseView(p: { csrf: string; id: number; name: string; errors?: Errors }) {
  return (
    <>
      <p>
        <a href={`/admin/supporters/${p.id}`}>Back to {p.name}</a>
      </p>
      <h1>Erase {p.name}?</h1>
      <ErrorSummary errors={p.errors} />
      <p>
        Erasing removes their email address, name, postcode, phone number, address and tags, and unsubscribes them from every list. Their
        address is kept only as a one-way code, so that they are never emailed again and an old spreadsheet cannot bring them back.
      </p>
      <p>
        The record that they once gave and withdrew consent stays, with nothing that identifies them.{' '}
        <strong>This cannot be undone.</strong>
      </p>
      <form method="post" action={`/admin/supporters/${p.id}/erase`} class="form" noValidate>
        <CsrfField token={p.csrf} />
        <div class={`checkbox${p.errors?.confirm ? ' field-error' : ''}`}>
          <input type="checkbox" id="f-confirm" name="confirm" aria-describedby={p.errors?.confirm ? 'f-confirm-error' : undefined} />
          <label for="f-confirm">I understand that this supporter’s details will be gone for good</label>
          {p.errors?.confirm && (
            <p class="error-message" id="f-confirm-error">
              <span class="visually-hidden">Error: </span>
              {p.errors.confirm}
            </p>
          )}
        </div>
        <button type="submit" class="button-warning">
          Erase this supporter
        </button>
      </form>
    </>
  );
}

// ---- segments ----------------------------------------------------------------------------------------------

/** Saved segments: apply, rename, delete. */
export function SegmentsView(p: {
  csrf: string;
  segments: Array<Segment & { count: number }>;
  lists: readonly ListChoice[];
  canManage: boolean;
  notice?: string | undefined;
  errors?: Errors;
  editing?: number | undefined;
  values?: Values;
}) {
  return (
    <>
      <p>
        <a href="/admin/supporters">Back to supporters</a>
      </p>
      <h1>Saved segments</h1>
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      <ErrorSummary errors={p.errors} />
      <p>
        A segment is a saved set of filters: it always shows the supporters who match it now. Newsletters can be sent to a segment of a
        list.{p.canManage && ' To make one, filter the supporters and choose “Save these filters as a segment”.'}
      </p>
      {p.segments.length === 0 ? (
        <p>No segments yet.</p>
      ) : (
        <TableWrap label="Segments">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Filters</th>
                <th scope="col">Supporters now</th>
                {p.canManage && (
                  <th scope="col">
                    <span class="visually-hidden">Change</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {p.segments.map((s) => (
                <tr key={s.id}>
                  <td>
                    <a href={`/admin/supporters${filterQueryString(s.filters)}`}>{s.name}</a>
                  </td>
                  <td>
                    <FilterSummary items={describeFilters(s.filters, p.lists)} />
                  </td>
                  <td>{s.count.toLocaleString('en-GB')}</td>
                  {p.canManage && (
                    <td>
                      <form method="post" action={`/admin/supporters/segments/${s.id}/rename`} class="inline-fields" noValidate>
                        <CsrfField token={p.csrf} />
                        <Field
                          name="name"
                          label={`New name for ${s.name}`}
                          value={p.editing === s.id ? p.values?.name : s.name}
                          error={p.editing === s.id ? p.errors?.name : undefined}
                          maxLength={100}
                        />
                        <button type="submit" class="button-small button-secondary">
                          Rename
                        </button>
                      </form>
                      <form method="post" action={`/admin/supporters/segments/${s.id}/delete`} class="inline-form">
                        <CsrfField token={p.csrf} />
                        <button type="submit" class="button-small button-warning">
                          Delete<span class="visually-hidden"> {s.name}</span>
                        </button>
                      </form>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </>
  );
}

/** The save-a-segment form on its own, when its name was refused. */
export function SaveSegmentView(p: { csrf: string; state: FilterState; lists: readonly ListChoice[]; values: Values; errors: Errors }) {
  return (
    <>
      <p>
        <a href={`/admin/supporters${filterQueryString(p.state)}`}>Back to the supporters</a>
      </p>
      <h1>Save these filters as a segment</h1>
      <ErrorSummary errors={p.errors} />
      <p>
        Supporters who are: <FilterSummary items={describeFilters(p.state, p.lists)} />.
      </p>
      <form method="post" action="/admin/supporters/segments" class="form" noValidate>
        <CsrfField token={p.csrf} />
        <HiddenFilters state={p.state} />
        <Field name="name" label="Segment name" value={p.values.name} error={p.errors?.name} maxLength={100} required />
        <button type="submit">Save segment</button>
      </form>
    </>
  );
}

// ---- export ------------------------------------------------------------------------------------------------

/** The export confirmation: what will be in the file, and the duty that comes with it. */
export function ExportView(p: { csrf: string; state: FilterState; lists: readonly ListChoice[]; count: number }) {
  return (
    <>
      <p>
        <a href={`/admin/supporters${filterQueryString(p.state)}`}>Back to the supporters</a>
      </p>
      <h1>Export supporters</h1>
      <p>
        The file will hold {plural(p.count, 'supporter')}: <FilterSummary items={describeFilters(p.state, p.lists)} />.
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

// ---- import ------------------------------------------------------------------------------------------------

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 2 : 1)} MB`;

const IMPORT_STATES: Record<ImportView['status'], string> = {
  uploading: 'uploading',
  uploaded: 'waiting for its columns to be chosen',
  checking: 'being checked',
  checked: 'checked, waiting for you to confirm',
  importing: 'importing',
  imported: 'imported',
  failed: 'stopped with an error',
};

/** The upload form and recent imports. */
export function ImportUploadView(p: {
  csrf: string;
  tz: string;
  errors?: Errors;
  recent: Array<{
    id: number;
    status: ImportView['status'];
    filename: string;
    bytes: number;
    rowsTotal: number | null;
    counts: { created: number; updated: number } | undefined;
    createdAt: number;
  }>;
}) {
  return (
    <>
      <p>
        <a href="/admin/supporters">Back to supporters</a>
      </p>
      <h1>Import supporters from a CSV file</h1>
      <ErrorSummary errors={p.errors} />
      <ol>
        <li>Upload the file. It is kept encrypted, and deleted once imported or after 24 hours.</li>
        <li>Say which column holds what, and on what lawful basis you may email these people.</li>
        <li>Lantern checks every row and shows you what it would do. Nothing is stored yet.</li>
        <li>You confirm, and the supporters are imported.</li>
      </ol>
      <form method="post" action="/admin/supporters/import" enctype="multipart/form-data" class="form" noValidate>
        <CsrfField token={p.csrf} />
        <div class={`field${p.errors?.file ? ' field-error' : ''}`}>
          <label for="f-file">CSV file</label>
          <p class="hint" id="f-file-hint">
            Up to {UPLOAD_LIMIT_BYTES / 1024 / 1024} MB. From a spreadsheet, choose “Save as” and “CSV UTF-8”. The first row may name the
            columns.
          </p>
          {p.errors?.file && (
            <p class="error-message" id="f-file-error">
              <span class="visually-hidden">Error: </span>
              {p.errors.file}
            </p>
          )}
          <input
            type="file"
            id="f-file"
            name="file"
            accept=".csv,.txt,text/csv,text/plain"
            aria-describedby={p.errors?.file ? 'f-file-hint f-file-error' : 'f-file-hint'}
          />
        </div>
        <button type="submit">Upload and continue</button>
      </form>
      {p.recent.length > 0 && (
        <section aria-labelledby="recent-h">
          <h2 id="recent-h">Recent imports</h2>
          <TableWrap label="Recent imports">
            <table>
              <thead>
                <tr>
                  <th scope="col">File</th>
                  <th scope="col">Uploaded</th>
                  <th scope="col">Size</th>
                  <th scope="col">State</th>
                  <th scope="col">Result</th>
                </tr>
              </thead>
              <tbody>
                {p.recent.map((r) => (
                  <tr key={r.id}>
                    <td class="wrap-anywhere">
                      <a href={`/admin/supporters/import/${r.id}`}>{r.filename}</a>
                    </td>
                    <td>
                      <Time ms={r.createdAt} timeZone={p.tz} />
                    </td>
                    <td>{mb(r.bytes)}</td>
                    <td>{IMPORT_STATES[r.status]}</td>
                    <td>
                      {r.counts
                        ? `${r.counts.created.toLocaleString('en-GB')} new, ${r.counts.updated.toLocaleString('en-GB')} updated`
                        : r.rowsTotal !== null
                          ? plural(r.rowsTotal, 'row')
                          : ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        </section>
      )}
    </>
  );
}

export interface MappingPreview {
  headings: string[];
  sample: string[][];
  guesses: ColumnChoice[];
  header: boolean;
  headerLikely: boolean;
  problem?: string | undefined;
  tooWide: boolean;
}

/** Stage 2: how to read the file, which column is what, the lawful basis and the lists. */
export function ImportMappingView(p: {
  csrf: string;
  tz: string;
  imp: ImportView;
  encoding: FileEncoding;
  preview: MappingPreview;
  lists: readonly ListChoice[];
  values: Values;
  lists_checked: readonly string[];
  errors?: Errors;
}) {
  const { imp, preview } = p;
  const e = p.errors ?? {};
  const v = (k: string) => p.values[k] ?? '';
  const encodings = ENCODINGS.filter((x) =>
    x.startsWith('utf-16') ? x === imp.detectedEncoding : !imp.detectedEncoding.startsWith('utf-16'),
  );
  const usable = preview.headings.length > 0 && !preview.problem && !preview.tooWide;
  return (
    <>
      <p>
        <a href="/admin/supporters/import">Back to imports</a>
      </p>
      <h1>Choose the columns</h1>
      <p>
        File: <span class="wrap-anywhere">{imp.filename}</span> ({mb(imp.bytes)}). It is deleted on{' '}
        <Time ms={imp.expiresAt} timeZone={p.tz} /> if you do not import it.
      </p>
      <ErrorSummary errors={p.errors} />
      {imp.detectedEncoding === 'windows-1252' && (
        <Notice kind="warning">
          This file is not UTF-8, so it is read as Windows-1252, the way Excel on Windows saves plain CSV. Check that names with accents
          look right below; if not, choose another encoding.
        </Notice>
      )}
      <form method="get" action={`/admin/supporters/import/${imp.id}`} class="form inline-fields">
        <Select
          name="encoding"
          label="Read the file as"
          options={encodings.map((x) => ({ value: x, label: ENCODING_LABELS[x] }))}
          value={p.encoding}
        />
        <div class="checkbox">
          <input type="checkbox" id="f-header-read" name="header" value="1" checked={preview.header} />
          <label for="f-header-read">The first row names the columns</label>
        </div>
        <input type="hidden" name="read" value="1" />
        <button type="submit" class="button-secondary">
          Show the file again
        </button>
      </form>
      {preview.problem && <Notice kind="warning">{preview.problem}</Notice>}
      {preview.tooWide && (
        <Notice kind="warning">This file has more than 100 columns. Remove the columns you do not need and upload it again.</Notice>
      )}
      {preview.sample.length > 0 && (
        <TableWrap label="The first rows of the file">
          <table>
            <caption>The first rows of the file</caption>
            <thead>
              <tr>
                {preview.headings.map((h, i) => (
                  <th key={i} scope="col">
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {preview.sample.map((r, i) => (
                <tr key={i}>
                  {preview.headings.map((_, j) => (
                    <td key={j} class="wrap-anywhere">
                      {r[j] ?? ''}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {usable && (
        <form method="post" action={`/admin/supporters/import/${imp.id}/check`} class="form" noValidate>
          <CsrfField token={p.csrf} />
          <input type="hidden" name="encoding" value={p.encoding} />
          <input type="hidden" name="header" value={preview.header ? '1' : '0'} />
          <input type="hidden" name="width" value={String(preview.headings.length)} />
          <fieldset id="f-columns" class={e.columns ? 'field-error' : undefined}>
            <legend>What each column holds</legend>
            {e.columns && (
              <p class="error-message">
                <span class="visually-hidden">Error: </span>
                {e.columns}
              </p>
            )}
            {preview.headings.map((h, i) => (
              <Select
                key={i}
                name={`col_${i}`}
                label={h}
                hint={
                  preview.sample.length
                    ? `For example: ${
                        preview.sample
                          .map((r) => r[i] ?? '')
                          .filter(Boolean)
                          .slice(0, 3)
                          .join(', ')
                          .slice(0, 120) || '(empty)'
                      }`
                    : undefined
                }
                options={[{ value: 'ignore', label: 'Do not import' }, ...IMPORT_FIELDS.map((f) => ({ value: f, label: FIELD_LABELS[f] }))]}
                value={p.values[`col_${i}`] ?? preview.guesses[i]}
                error={e[`col_${i}`]}
              />
            ))}
          </fieldset>

          <fieldset id="f-basis" class={e.basis ? 'field-error' : undefined}>
            <legend>Lawful basis for emailing them</legend>
            <p class="hint">You must be able to show why you may email each of these people. This is recorded against every one of them.</p>
            {e.basis && (
              <p class="error-message">
                <span class="visually-hidden">Error: </span>
                {e.basis}
              </p>
            )}
            <div class="checkbox">
              <input
                type="radio"
                id="f-basis-consent"
                name="basis"
                value="consent"
                checked={v('basis') === 'consent'}
                aria-describedby="f-basis-consent-hint"
              />
              <label for="f-basis-consent">They gave consent</label>
              <p class="hint" id="f-basis-consent-hint">
                They ticked a box or signed a form saying they want to hear from you.
              </p>
            </div>
            <div class="checkbox">
              <input
                type="radio"
                id="f-basis-soft"
                name="basis"
                value="soft_opt_in"
                checked={v('basis') === 'soft_opt_in'}
                aria-describedby="f-basis-soft-hint"
              />
              <label for="f-basis-soft">Charity soft opt-in</label>
              <p class="hint" id="f-basis-soft-hint">
                They supported you (donated, volunteered, signed up to an event), were told you would email them about your work and given a
                simple way to say no, and did not.
              </p>
            </div>
          </fieldset>
          <Field
            name="consentDate"
            type="date"
            label="When they gave consent (for consent)"
            hint="The date of the form or event, like 2026-03-31."
            value={v('consentDate')}
            error={e.consentDate}
            width="short"
          />
          <TextArea
            name="evidence"
            label="Your evidence"
            hint="Where, when and how they agreed, and the words they agreed to. For example: “Paper sign-up sheet at the Pride stall, 31 March: ‘Yes, email me about campaigns’.”"
            value={v('evidence')}
            error={e.evidence}
            rows={4}
            maxLength={1000}
            required
          />

          <fieldset id="f-lists" class={e.lists ? 'field-error' : undefined}>
            <legend>Subscribe them to</legend>
            {e.lists && (
              <p class="error-message">
                <span class="visually-hidden">Error: </span>
                {e.lists}
              </p>
            )}
            {p.lists
              .filter((l) => !l.archived)
              .map((l) => (
                <div class="checkbox" key={l.id}>
                  <input
                    type="checkbox"
                    id={`f-lists-${l.id}`}
                    name="lists"
                    value={String(l.id)}
                    checked={p.lists_checked.includes(String(l.id))}
                    aria-describedby={`f-lists-${l.id}-hint`}
                  />
                  <label for={`f-lists-${l.id}`}>{l.name}</label>
                  <p class="hint" id={`f-lists-${l.id}-hint`}>
                    The list’s wording: “{l.wording}”
                  </p>
                </div>
              ))}
            <p class="hint">People who unsubscribed from a list earlier are never subscribed again by an import.</p>
          </fieldset>
          <Field
            name="tag"
            label="Tag everyone in this file (optional)"
            hint="For example the event or petition they came from."
            value={v('tag')}
            error={e.tag}
            maxLength={50}
            width="short"
          />
          <button type="submit">Check the file</button>
        </form>
      )}
      <DeleteImportForm csrf={p.csrf} id={imp.id} />
    </>
  );
}

function DeleteImportForm({ csrf, id }: { csrf: string; id: number }) {
  return (
    <form method="post" action={`/admin/supporters/import/${id}/delete`}>
      <CsrfField token={csrf} />
      <button type="submit" class="button-secondary">
        Delete the file and stop
      </button>
    </form>
  );
}

/** A running check or import: progress, refreshing itself every few seconds unless asked not to. */
export function ImportProgressView(p: { imp: ImportView; refresh: boolean }) {
  const { imp } = p;
  const checking = imp.status === 'checking';
  const done = checking ? imp.bytesDone : imp.rowsDone;
  const total = checking ? imp.bytes : (imp.rowsTotal ?? 0);
  const percent = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0;
  return (
    <>
      {p.refresh && <meta http-equiv="refresh" content="3" />}
      <h1>{checking ? 'Checking the file' : 'Importing supporters'}</h1>
      <p>
        {p.refresh ? (
          <>
            This page refreshes itself every 3 seconds. <a href={`/admin/supporters/import/${imp.id}`}>Stop refreshing</a>
          </>
        ) : (
          <>
            This page does not refresh itself. <a href={`/admin/supporters/import/${imp.id}`}>Refresh now</a> or{' '}
            <a href={`/admin/supporters/import/${imp.id}?refresh=on`}>refresh every 3 seconds</a>.
          </>
        )}
      </p>
      <div class="field">
        <label for="import-progress">{checking ? 'Read so far' : 'Imported so far'}</label>
        <progress id="import-progress" max={100} value={percent}>
          {percent}%
        </progress>
        <p role="status">
          {checking
            ? `${plural(imp.rowsDone, 'row')} checked (${percent}% of the file).`
            : `${imp.rowsDone.toLocaleString('en-GB')} of ${plural(total, 'row')} done (${percent}%).`}
        </p>
      </div>
      {checking ? <p>Nothing is stored while the file is checked.</p> : <p>You can leave this page: the import carries on.</p>}
    </>
  );
}

function Count({ n, children }: { n: number; children: ComponentChildren }) {
  return (
    <div>
      <dt>{children}</dt>
      <dd>{n.toLocaleString('en-GB')}</dd>
    </div>
  );
}

/** Stage 3: what the check found, and the confirm button. */
export function ImportReportView(p: { csrf: string; imp: ImportView; lists: readonly ListChoice[]; notice?: string | undefined }) {
  const { imp } = p;
  const r = imp.report!;
  const s = imp.settings!;
  const listNames = s.listIds.map((id) => p.lists.find((l) => l.id === id)?.name ?? `list ${id}`);
  const importable = r.create + r.update;
  return (
    <>
      <p>
        <a href="/admin/supporters/import">Back to imports</a>
      </p>
      <h1>Check before importing</h1>
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      <p>
        File: <span class="wrap-anywhere">{imp.filename}</span>. Nothing has been stored yet.
      </p>
      {r.fatal ? (
        <Notice kind="warning">{r.fatal.message}</Notice>
      ) : (
        <dl class="stats">
          <Count n={r.rows}>Rows in the file</Count>
          <Count n={r.create}>New supporters</Count>
          <Count n={r.update}>Already on file (details updated)</Count>
          <Count n={r.invalid}>Rows with errors (skipped)</Count>
          <Count n={r.duplicates}>Repeated addresses (skipped)</Count>
          <Count n={r.erased}>Erased at their request (skipped)</Count>
          <Count n={r.flagged}>Warnings</Count>
        </dl>
      )}
      <p>
        Lawful basis: <strong>{s.basis === 'consent' ? `consent given ${s.consentDate ?? ''}` : 'charity soft opt-in'}</strong>. Evidence: “
        {s.evidence}”. Lists: {listNames.join(', ')}.{s.tag && <> Tag: “{s.tag}”.</>}
      </p>
      {r.issues.length > 0 && (
        <section aria-labelledby="issues-h">
          <h2 id="issues-h">Problems and warnings</h2>
          {r.issuesTotal > r.issues.length && (
            <p>
              Showing the first {r.issues.length.toLocaleString('en-GB')} of {r.issuesTotal.toLocaleString('en-GB')}.
            </p>
          )}
          <TableWrap label="Problems and warnings">
            <table>
              <thead>
                <tr>
                  <th scope="col">Row</th>
                  <th scope="col">Column</th>
                  <th scope="col">Problem</th>
                  <th scope="col">Effect</th>
                </tr>
              </thead>
              <tbody>
                {r.issues.map((x, i) => (
                  <tr key={i}>
                    <td>{x.row}</td>
                    <td>{x.column || '—'}</td>
                    <td class="wrap-anywhere">{x.message}</td>
                    <td>{x.level === 'error' ? 'row skipped' : 'warning'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        </section>
      )}
      {!r.fatal && importable > 0 && (
        <form method="post" action={`/admin/supporters/import/${imp.id}/confirm`}>
          <CsrfField token={p.csrf} />
          <button type="submit">Import {plural(importable, 'supporter')}</button>
        </form>
      )}
      <p>
        <a href={`/admin/supporters/import/${imp.id}?change=1`}>Change the columns or the lawful basis</a>
      </p>
      <DeleteImportForm csrf={p.csrf} id={imp.id} />
    </>
  );
}

/** Stage 4: the import finished (or failed). */
export function ImportDoneView(p: { csrf: string; imp: ImportView }) {
  const { imp } = p;
  const c = imp.counts;
  if (imp.status === 'failed') {
    return (
      <>
        <p>
          <a href="/admin/supporters/import">Back to imports</a>
        </p>
        <h1>The import stopped</h1>
        <Notice kind="warning">{imp.error ?? 'Something went wrong.'}</Notice>
        {c && (
          <p>
            Before it stopped: {plural(c.created, 'new supporter')}, {plural(c.updated, 'supporter')} updated. Importing the file again is
            safe: nobody is added twice.
          </p>
        )}
        <p>
          <a href={`/admin/supporters/import/${imp.id}?change=1`}>Check the file again</a>
        </p>
        <DeleteImportForm csrf={p.csrf} id={imp.id} />
      </>
    );
  }
  return (
    <>
      <p>
        <a href="/admin/supporters/import">Back to imports</a>
      </p>
      <h1>Import finished</h1>
      <dl class="stats">
        <Count n={c?.created ?? 0}>New supporters</Count>
        <Count n={c?.updated ?? 0}>Updated</Count>
        <Count n={c?.consents ?? 0}>Subscriptions added</Count>
        <Count n={c?.skipped ?? 0}>Rows skipped</Count>
      </dl>
      <p>The uploaded file has been deleted.</p>
      <p>
        <a href="/admin/supporters?source=import">See imported supporters</a>
      </p>
    </>
  );
}

// ---- lists -------------------------------------------------------------------------------------------------

export interface ListSummary {
  id: number;
  slug: string;
  name: string;
  description: string;
  wording: string;
  wording_version: number;
  archived_at: number | null;
  subscribed: number;
}

/** Every list with its subscribers and wording. */
export function ListsView(p: { lists: ListSummary[]; notice?: string | undefined }) {
  return (
    <>
      <h1>Lists</h1>
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      <p>
        Supporters subscribe to lists. Each list shows its own consent wording, and every consent records the exact version of the wording
        the person saw.
      </p>
      <p>
        <a href="/admin/lists/new" class="button">
          Create a list
        </a>
      </p>
      {p.lists.length === 0 ? (
        <p>No lists yet.</p>
      ) : (
        <TableWrap label="Lists">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Short name</th>
                <th scope="col">Subscribed</th>
                <th scope="col">Wording</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {p.lists.map((l) => (
                <tr key={l.id}>
                  <td>
                    <a href={`/admin/lists/${l.id}`}>{l.name}</a>
                  </td>
                  <td>{l.slug}</td>
                  <td>{l.subscribed.toLocaleString('en-GB')}</td>
                  <td class="wording">
                    “{l.wording}” <span class="muted">(version {l.wording_version})</span>
                  </td>
                  <td>{l.archived_at === null ? 'open' : 'archived'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </>
  );
}

/** Creating a list, or changing one (with its wording history and the archive button). */
export function ListFormView(p: {
  csrf: string;
  tz: string;
  list?: ListSummary | undefined;
  wordings?: Array<{ version: number; wording: string; created_at: number }>;
  values: Values;
  errors?: Errors;
  notice?: string | undefined;
}) {
  const v = (k: string) => p.values[k];
  const editing = p.list !== undefined;
  return (
    <>
      <p>
        <a href="/admin/lists">Back to lists</a>
      </p>
      <h1>{editing ? p.list!.name : 'Create a list'}</h1>
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      <ErrorSummary errors={p.errors} />
      {p.list?.archived_at != null && (
        <Notice kind="warning">
          This list is archived: nobody can join it, and it is not offered on sign-up forms. Existing subscriptions stay.
        </Notice>
      )}
      <form method="post" action={editing ? `/admin/lists/${p.list!.id}` : '/admin/lists'} class="form" noValidate>
        <CsrfField token={p.csrf} />
        {!editing && (
          <Field
            name="slug"
            label="Short name for links"
            hint="Lower-case letters, numbers and hyphens, like campaign-updates. It cannot be changed later."
            value={v('slug')}
            error={p.errors?.slug}
            maxLength={60}
            required
          />
        )}
        <Field
          name="name"
          label="Name"
          hint="What supporters see, like “Campaign updates”."
          value={v('name')}
          error={p.errors?.name}
          maxLength={100}
          required
        />
        <TextArea
          name="description"
          label="Description"
          hint="Optional: what the list is for, shown beside it."
          value={v('description')}
          error={p.errors?.description}
          rows={3}
          maxLength={1000}
        />
        <TextArea
          name="wording"
          label="Consent wording"
          hint="The exact words beside the tick box. Changing them makes a new version; people who agreed earlier keep the version they saw."
          value={v('wording')}
          error={p.errors?.wording}
          rows={3}
          maxLength={2000}
          required
        />
        <button type="submit">{editing ? 'Save the list' : 'Create the list'}</button>
      </form>
      {editing && (
        <>
          <section aria-labelledby="wordings-h">
            <h2 id="wordings-h">Wording history</h2>
            <TableWrap label="Wording history">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Version</th>
                    <th scope="col">Wording</th>
                    <th scope="col">From</th>
                  </tr>
                </thead>
                <tbody>
                  {(p.wordings ?? []).map((w) => (
                    <tr key={w.version}>
                      <td>{w.version}</td>
                      <td class="wording">“{w.wording}”</td>
                      <td>
                        <Time ms={w.created_at} timeZone={p.tz} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          </section>
          <form method="post" action={`/admin/lists/${p.list!.id}/${p.list!.archived_at === null ? 'archive' : 'unarchive'}`}>
            <CsrfField token={p.csrf} />
            <button type="submit" class={p.list!.archived_at === null ? 'button-warning' : 'button-secondary'}>
              {p.list!.archived_at === null ? 'Archive this list' : 'Open this list again'}
            </button>
          </form>
        </>
      )}
    </>
  );
}
