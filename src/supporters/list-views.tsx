import { CsrfField, ErrorSummary, Field, Notice, TableWrap, TextArea, Time } from '../core/web/components.js';
import type { Errors, Values } from './admin-views.js';

// The lists staff manage: all of them with their counts, and one list's form with the wordings it has shown.

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
