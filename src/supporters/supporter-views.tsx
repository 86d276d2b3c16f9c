import type { ComponentChildren } from 'preact';
import type { ConsentEventKind, LawfulBasis, SubscriptionStatus } from './tables.js';
import { CsrfField, ErrorSummary, Field, Notice, TableWrap, TextArea, Time } from '../core/web/components.js';
import type { TimelineEntry } from '../core/context.js';
import type { Supporter } from './service.js';
import { CONSENT_LABELS, EVENT_LABELS, BASIS_LABELS, ConstituencySelect, type Errors, type Values } from './admin-views.js';
import type { ConstituencyChoice } from './admin-service.js';

// One supporter's staff pages: their record, consent ledger and timeline; changing their details; erasing them.

// ---- one supporter -----------------------------------------------------------------------------------------

export interface SupporterPageProps {
  csrf: string;
  tz: string;
  supporter: Supporter;
  /** The supporter's constituency by name, when Lantern knows the code. */
  constituencyName: string | null;
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
          <Row label="Constituency">
            {s.constituencyCode === null ? '—' : (p.constituencyName ?? s.constituencyCode)}
            {s.constituencyCode !== null && <span class="muted"> ({s.constituencyCode})</span>}
          </Row>
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
export function SupporterEditView(p: {
  csrf: string;
  id: number;
  name: string;
  values: Values;
  errors?: Errors;
  constituencies: readonly ConstituencyChoice[];
}) {
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
        <ConstituencySelect
          label="Constituency"
          anyLabel="Not known"
          value={v('constituency')}
          error={p.errors?.constituency}
          constituencies={p.constituencies}
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
