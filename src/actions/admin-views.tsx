import type { VNode } from 'preact';
import type { ActionStatus } from './tables.js';
import { CsrfField, ErrorSummary, Field, Notice, Select, TableWrap, TextArea } from '../core/web/components.js';
import type { Action, Campaign } from './service.js';
import { formatDay } from './views.js';

// The staff's list of actions and the editor: choosing the kind, then the form (the kind adds its own fields).

type Errors = Record<string, string> | undefined;
type Values = Record<string, string>;
const STATUS_LABELS: Record<ActionStatus, string> = { draft: 'Draft', open: 'Open', closed: 'Closed' };
const n = (x: number) => x.toLocaleString('en-GB');

interface KindChoice {
  kind: Action['kind'];
  label: string;
}

/** The list of actions. */
export function ActionListView(p: {
  actions: Array<Action & { campaignTitle: string | null }>;
  kindLabels: Record<string, string>;
  canEdit: boolean;
  notice?: string | undefined;
}) {
  return (
    <>
      <h1>Actions</h1>
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      {p.canEdit && (
        <p class="button-row">
          <a class="button" href="/admin/actions/new">
            Create an action
          </a>
          <a class="button button-secondary" href="/admin/campaigns">
            Campaigns
          </a>
        </p>
      )}
      {p.actions.length === 0 ? (
        <p>No actions yet.</p>
      ) : (
        <TableWrap label="Actions">
          <table>
            <thead>
              <tr>
                <th scope="col">Action</th>
                <th scope="col">Kind</th>
                <th scope="col">Campaign</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">
                  Count
                </th>
                <th scope="col">Deadline</th>
              </tr>
            </thead>
            <tbody>
              {p.actions.map((a) => (
                <tr key={a.id}>
                  <td>
                    <a href={`/admin/actions/${a.id}`}>{a.title}</a>
                  </td>
                  <td>{p.kindLabels[a.kind]}</td>
                  <td>{a.campaignTitle ?? <span class="muted">None</span>}</td>
                  <td>{STATUS_LABELS[a.status]}</td>
                  <td class="num">
                    {n(a.count)}
                    {a.goal !== null && <span class="muted"> / {n(a.goal)}</span>}
                  </td>
                  <td>{a.deadline ? formatDay(a.deadline) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </>
  );
}

/** Step one of a new action: what supporters will do. */
export function ChooseKindView(p: { kinds: readonly KindChoice[]; error?: string | undefined }) {
  return (
    <>
      <p>
        <a href="/admin/actions">Back to actions</a>
      </p>
      <h1>Create an action</h1>
      <form method="get" action="/admin/actions/new" class="form">
        <div class={`field${p.error ? ' field-error' : ''}`}>
          <fieldset aria-describedby={p.error ? 'f-kind-error' : undefined}>
            <legend>What will supporters do?</legend>
            {p.error && (
              <p class="error-message" id="f-kind-error">
                <span class="visually-hidden">Error: </span>
                {p.error}
              </p>
            )}
            {p.kinds.map((k, i) => (
              <div class="checkbox" key={k.kind}>
                <input type="radio" name="kind" value={k.kind} id={i === 0 ? 'f-kind' : `f-kind-${k.kind}`} required />
                <label for={i === 0 ? 'f-kind' : `f-kind-${k.kind}`}>{k.label}</label>
              </div>
            ))}
          </fieldset>
        </div>
        <button type="submit" class="button">
          Continue
        </button>
      </form>
    </>
  );
}

/** The editor of an action's common fields, with its kind's own fields. */
export function ActionFormView(p: {
  csrf: string;
  formAction: string;
  isNew: boolean;
  kindLabel: string;
  kind: string;
  campaigns: readonly Campaign[];
  lists: ReadonlyArray<{ id: number; name: string }>;
  otherActions: ReadonlyArray<{ id: number; title: string }>;
  values: Values;
  errors?: Errors;
  kindFields: VNode;
  timeZone: string;
}) {
  const v = p.values;
  return (
    <>
      <p>
        <a href={p.isNew ? '/admin/actions' : p.formAction}>{p.isNew ? 'Back to actions' : 'Back to the action'}</a>
      </p>
      <h1>{p.isNew ? `New action: ${p.kindLabel}` : `Edit: ${v.title ?? ''}`}</h1>
      <ErrorSummary errors={p.errors} />
      <form method="post" action={p.isNew ? '/admin/actions' : `${p.formAction}/edit`} class="form" novalidate>
        <CsrfField token={p.csrf} />
        {p.isNew && <input type="hidden" name="kind" value={p.kind} />}
        <Select
          name="campaignId"
          label="Campaign (optional)"
          hint="An action in a campaign is listed on the campaign's page. An action can also stand on its own."
          value={v.campaignId}
          error={p.errors?.campaignId}
          options={[{ value: '', label: 'No campaign' }, ...p.campaigns.map((c) => ({ value: String(c.id), label: c.title }))]}
        />
        <Field name="title" label="Title" value={v.title} error={p.errors?.title} maxLength={120} />
        {p.isNew && (
          <Field
            name="slug"
            label="Web address ending (optional)"
            hint="Made from the title if left empty, like stop-forced-labour. It cannot change later."
            value={v.slug}
            error={p.errors?.slug}
            maxLength={60}
          />
        )}
        <TextArea
          name="summary"
          label="Summary"
          hint="One or two sentences, shown in lists and when the page is shared."
          value={v.summary}
          error={p.errors?.summary}
          rows={3}
        />
        <TextArea
          name="body"
          label="Text of the action"
          hint="Markdown. Explain the ask and why it matters."
          value={v.body}
          error={p.errors?.body}
          rows={12}
        />
        <Field
          name="deadline"
          label="Deadline (optional)"
          type="date"
          hint={`The action closes at the end of this day, ${p.timeZone} time.`}
          value={v.deadline}
          error={p.errors?.deadline}
          width="short"
        />
        <Field
          name="goal"
          label="Goal (optional)"
          inputMode="numeric"
          hint="The number the counter works towards, like 10000."
          value={v.goal}
          error={p.errors?.goal}
          width="short"
        />
        <TextArea
          name="thankYou"
          label="Thank-you message (optional)"
          hint="Markdown, shown after a supporter has taken part."
          value={v.thankYou}
          error={p.errors?.thankYou}
          rows={4}
        />
        <TextArea
          name="result"
          label="Result (optional)"
          hint="Markdown, shown once the action has closed."
          value={v.result}
          error={p.errors?.result}
          rows={4}
        />
        <Select
          name="newsletterListId"
          label="Newsletter opt-in (optional)"
          hint="Offers supporters an unticked box to join this list; their consent is recorded with its wording."
          value={v.newsletterListId}
          error={p.errors?.newsletterListId}
          options={[{ value: '', label: 'No opt-in' }, ...p.lists.map((l) => ({ value: String(l.id), label: l.name }))]}
        />
        <Select
          name="nextActionId"
          label="Suggested next action (optional)"
          hint="Shown on the thank-you page while it is open."
          value={v.nextActionId}
          error={p.errors?.nextActionId}
          options={[{ value: '', label: 'None' }, ...p.otherActions.map((a) => ({ value: String(a.id), label: a.title }))]}
        />
        <fieldset class="kind-settings">
          <legend>{p.kindLabel}: settings</legend>
          {p.kindFields}
        </fieldset>
        <button type="submit" class="button">
          {p.isNew ? 'Save as a draft' : 'Save changes'}
        </button>
      </form>
    </>
  );
}
