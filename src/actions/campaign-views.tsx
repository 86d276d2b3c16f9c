import { CsrfField, ErrorSummary, Field, Notice, TableWrap, TextArea } from '../core/web/components.js';
import type { Campaign } from './service.js';

// The campaigns staff group actions under: the list with a form to create one, and the editor.

type Errors = Record<string, string> | undefined;
type Values = Record<string, string>;

/** The campaigns, with a form to create one. */
export function CampaignListView(p: {
  csrf: string;
  campaigns: readonly Campaign[];
  values: Values;
  errors?: Errors;
  notice?: string | undefined;
  canEdit: boolean;
}) {
  return (
    <>
      <p>
        <a href="/admin/actions">Back to actions</a>
      </p>
      <h1>Campaigns</h1>
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      <ErrorSummary errors={p.errors} />
      {p.campaigns.length === 0 ? (
        <p>No campaigns yet.</p>
      ) : (
        <TableWrap label="Campaigns">
          <table>
            <thead>
              <tr>
                <th scope="col">Campaign</th>
                <th scope="col">Public page</th>
              </tr>
            </thead>
            <tbody>
              {p.campaigns.map((c) => (
                <tr key={c.id}>
                  <td>{p.canEdit ? <a href={`/admin/campaigns/${c.id}`}>{c.title}</a> : c.title}</td>
                  <td>
                    <a href={`/campaigns/${c.slug}`}>/campaigns/{c.slug}</a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {p.canEdit && (
        <form method="post" action="/admin/campaigns" class="form" novalidate>
          <CsrfField token={p.csrf} />
          <h2>Start a campaign</h2>
          <Field name="title" label="Title" value={p.values.title} error={p.errors?.title} maxLength={120} />
          <TextArea name="summary" label="Summary" value={p.values.summary} error={p.errors?.summary} rows={3} />
          <Field
            name="slug"
            label="Web address ending (optional)"
            hint="Made from the title if left empty. It cannot change later."
            value={p.values.slug}
            error={p.errors?.slug}
            maxLength={60}
          />
          <button type="submit" class="button">
            Create the campaign
          </button>
        </form>
      )}
    </>
  );
}

/** The editor of one campaign's title and summary. */
export function CampaignEditView(p: { csrf: string; campaign: Campaign; values: Values; errors?: Errors }) {
  return (
    <>
      <p>
        <a href="/admin/campaigns">Back to campaigns</a>
      </p>
      <h1>Edit: {p.campaign.title}</h1>
      <ErrorSummary errors={p.errors} />
      <form method="post" action={`/admin/campaigns/${p.campaign.id}`} class="form" novalidate>
        <CsrfField token={p.csrf} />
        <Field name="title" label="Title" value={p.values.title} error={p.errors?.title} maxLength={120} />
        <TextArea name="summary" label="Summary" value={p.values.summary} error={p.errors?.summary} rows={3} />
        <button type="submit" class="button">
          Save changes
        </button>
      </form>
    </>
  );
}
