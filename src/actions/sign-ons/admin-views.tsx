import type { VNode } from 'preact';
import type { SignOnStatus } from './tables.js';
import { Checkbox, CsrfField, Notice, TableWrap, Time } from '../../core/web/components.js';
import type { Action } from '../kinds.js';
import type { StaffSignOn } from './service.js';
import type { SignOnSettings } from './settings.js';

// The staff side of sign-ons: the kind's settings in the action editor, and the moderation page (each state in a
// tab, approve or reject beside each sign-on, and the export).

/** The sign-on settings in the action editor. */
export function SignOnSettingsFields(p: { values: Record<string, string>; errors: Record<string, string> | undefined }): VNode {
  return (
    <fieldset class="kind-settings">
      <legend>Organisation sign-on</legend>
      <Checkbox
        name="requireLogo"
        label="Organisations must upload a logo to sign"
        checked={p.values.requireLogo === 'on'}
        hint="Otherwise a logo is optional."
      />
      <Checkbox
        name="hideList"
        label="Do not show the list of organisations on the public page"
        checked={p.values.hideList === 'on'}
        hint="The number of organisations still shows. Use this while a coalition is being gathered quietly."
      />
    </fieldset>
  );
}

const STATE_LABELS: Record<SignOnStatus, string> = {
  pending: 'Waiting for review',
  approved: 'Listed',
  rejected: 'Rejected',
  unconfirmed: 'Not yet confirmed by email',
};

const STATE_TABS: readonly SignOnStatus[] = ['pending', 'approved', 'rejected', 'unconfirmed'];

const NOTICES: Record<string, string> = {
  approved: 'The organisation is listed, and its contact has been emailed.',
  rejected: 'The sign-on was rejected. It is not listed.',
};

/** A notice for the moderation page, by the `done` code in its address. */
export const moderationNotice = (done: string | undefined) => (done ? NOTICES[done] : undefined);

/** The moderation page of one sign-on action. */
export function ModerationView(p: {
  action: Pick<Action<SignOnSettings>, 'id' | 'title' | 'slug'>;
  csrf: string;
  tz: string;
  status: SignOnStatus;
  items: readonly StaffSignOn[];
  counts: Record<SignOnStatus, number>;
  page: number;
  more: boolean;
  canExport: boolean;
  notice?: string | undefined;
  error?: string | undefined;
}) {
  const base = `/admin/actions/${p.action.id}/sign-ons`;
  return (
    <>
      <p>
        <a href={`/admin/actions/${p.action.id}`}>Back to the action</a>
      </p>
      <h1>Sign-ons: {p.action.title}</h1>
      {p.notice && (
        <Notice kind="success">
          <p>{p.notice}</p>
        </Notice>
      )}
      {p.error && (
        <Notice kind="warning">
          <p>{p.error}</p>
        </Notice>
      )}
      <p>
        Organisations appear on <a href={`/act/${p.action.slug}`}>the public page</a> only once you approve them. Check that each is real
        and that the contact can speak for it (their email address should usually be at the organisation’s own domain). Contact names and
        addresses are never shown publicly.
      </p>
      <nav class="tabs" aria-label="Sign-ons by state">
        <ul>
          {STATE_TABS.map((s) => (
            <li key={s}>
              <a href={`${base}?status=${s}`} aria-current={s === p.status ? 'page' : undefined}>
                {STATE_LABELS[s]} ({p.counts[s].toLocaleString('en-GB')})
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {p.items.length === 0 ? (
        <p>There are no sign-ons here.</p>
      ) : (
        <TableWrap label={`Sign-ons: ${STATE_LABELS[p.status]}`}>
          <table>
            <thead>
              <tr>
                <th scope="col">Organisation</th>
                <th scope="col">Contact</th>
                <th scope="col">Signed</th>
                {p.status !== 'unconfirmed' && <th scope="col">Decide</th>}
              </tr>
            </thead>
            <tbody>
              {p.items.map((s) => (
                <tr key={s.id}>
                  <td>
                    {s.logoPath && (
                      <>
                        <img src={s.logoPath} alt={`Logo of ${s.organisation}`} height={40} />
                        <br />
                      </>
                    )}
                    <strong dir="auto">{s.organisation}</strong>
                    {s.website && (
                      <>
                        <br />
                        {/* Staff see the address written out: a link's text could say one site and go to another. */}
                        <a href={s.website} rel="nofollow ugc noopener noreferrer" class="wrap-anywhere">
                          {s.website}
                        </a>
                      </>
                    )}
                  </td>
                  <td>
                    <span dir="auto">{s.contactName}</span>
                    {s.contactRole && (
                      <>
                        , <span dir="auto">{s.contactRole}</span>
                      </>
                    )}
                    <br />
                    <span class="wrap-anywhere">{s.email}</span>
                  </td>
                  <td>
                    <Time ms={s.createdAt} timeZone={p.tz} />
                    {s.confirmedAt !== null && (
                      <>
                        <br />
                        confirmed <Time ms={s.confirmedAt} timeZone={p.tz} />
                      </>
                    )}
                    {s.decidedAt !== null && (
                      <>
                        <br />
                        decided <Time ms={s.decidedAt} timeZone={p.tz} />
                      </>
                    )}
                  </td>
                  {p.status !== 'unconfirmed' && (
                    <td>
                      <div class="button-row">
                        {s.status !== 'approved' && (
                          <form method="post" action={`${base}/${s.id}/approve?status=${p.status}`} class="inline-form">
                            <CsrfField token={p.csrf} />
                            <button type="submit" class="button-small">
                              Approve<span class="visually-hidden"> {s.organisation}</span>
                            </button>
                          </form>
                        )}
                        {s.status !== 'rejected' && (
                          <form method="post" action={`${base}/${s.id}/reject?status=${p.status}`} class="inline-form">
                            <CsrfField token={p.csrf} />
                            <button type="submit" class="button-small button-warning">
                              {s.status === 'approved' ? 'Remove from the list' : 'Reject'}
                              <span class="visually-hidden"> {s.organisation}</span>
                            </button>
                          </form>
                        )}
                      </div>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <nav class="pager" aria-label="Pages">
        {p.page > 1 && <a href={`${base}?status=${p.status}&page=${p.page - 1}`}>Previous</a>}
        {p.more && <a href={`${base}?status=${p.status}&page=${p.page + 1}`}>Next</a>}
      </nav>
      {p.canExport && (
        <section aria-labelledby="export-title">
          <h2 id="export-title">Export</h2>
          <p>
            A CSV file of every sign-on of this action in every state, with the contacts’ details and whether each receives the action’s
            newsletter. Signing a statement is not consent to be emailed: only email people where it says “subscribed”.
          </p>
          <Notice kind="warning">
            <p>
              This file is personal data. Keep it on an encrypted device and delete it when you are done. Your export is recorded in the
              audit log.
            </p>
          </Notice>
          <form method="post" action={`${base}/export`} class="form">
            <CsrfField token={p.csrf} />
            <button type="submit" class="button-secondary">
              Download the CSV file
            </button>
          </form>
        </section>
      )}
    </>
  );
}
