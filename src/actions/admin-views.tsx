import type { VNode } from 'preact';
import type { ActionStatus } from './tables.js';
import { CsrfField, ErrorSummary, Field, Notice, Select, TableWrap, TextArea } from '../core/web/components.js';
import type { Action, ActionTarget, ActionUpdate, Campaign } from './service.js';
import { formatDay } from './views.js';

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
  actions: Array<Action & { campaignTitle: string }>;
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
                  <td>{a.campaignTitle}</td>
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
export function ChooseKindView(p: { kinds: readonly KindChoice[]; error?: string | undefined; hasCampaigns: boolean }) {
  return (
    <>
      <p>
        <a href="/admin/actions">Back to actions</a>
      </p>
      <h1>Create an action</h1>
      {!p.hasCampaigns && (
        <Notice kind="warning">
          <p>
            Every action belongs to a campaign. <a href="/admin/campaigns">Create a campaign</a> first.
          </p>
        </Notice>
      )}
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
          label="Campaign"
          value={v.campaignId}
          error={p.errors?.campaignId}
          options={[{ value: '', label: 'Choose a campaign' }, ...p.campaigns.map((c) => ({ value: String(c.id), label: c.title }))]}
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

/** A chart of the cumulative count per day, as SVG, with the same figures in a table beside it. */
function CountChart({ days, noun }: { days: ReadonlyArray<{ day: string; count: number }>; noun: string }) {
  if (days.length === 0) return <p>Nothing confirmed yet, so there is nothing to chart.</p>;
  let total = 0;
  const points = days.map((d) => ({ day: d.day, count: d.count, total: (total += d.count) }));
  const W = 600;
  const H = 200;
  const pad = { left: 48, right: 12, top: 12, bottom: 28 };
  const maxY = Math.max(1, points[points.length - 1]!.total);
  const x = (i: number) =>
    pad.left + (points.length === 1 ? (W - pad.left - pad.right) / 2 : (i / (points.length - 1)) * (W - pad.left - pad.right));
  const y = (v: number) => pad.top + (1 - v / maxY) * (H - pad.top - pad.bottom);
  const path = points.map((pt, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(pt.total).toFixed(1)}`).join(' ');
  const first = points[0]!;
  const last = points[points.length - 1]!;
  return (
    <div class="chart-with-table">
      <figure class="chart">
        <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="chart-title chart-desc" class="count-chart">
          <title id="chart-title">{`Total ${noun} over time`}</title>
          <desc id="chart-desc">{`From ${n(first.total)} on ${formatDay(first.day)} to ${n(last.total)} on ${formatDay(last.day)}. The table beside the chart gives every day.`}</desc>
          <line x1={pad.left} y1={H - pad.bottom} x2={W - pad.right} y2={H - pad.bottom} class="chart-axis" />
          <line x1={pad.left} y1={pad.top} x2={pad.left} y2={H - pad.bottom} class="chart-axis" />
          <text x={pad.left - 6} y={pad.top + 4} text-anchor="end" class="chart-label">
            {n(maxY)}
          </text>
          <text x={pad.left - 6} y={H - pad.bottom} text-anchor="end" class="chart-label">
            0
          </text>
          <text x={pad.left} y={H - 8} class="chart-label">
            {first.day}
          </text>
          {points.length > 1 && (
            <text x={W - pad.right} y={H - 8} text-anchor="end" class="chart-label">
              {last.day}
            </text>
          )}
          <path d={path} class="chart-line" fill="none" />
          {points.map((pt, i) => (
            <circle key={pt.day} cx={x(i)} cy={y(pt.total)} r="3" class="chart-dot" />
          ))}
        </svg>
        <figcaption>Total {noun} by the end of each day.</figcaption>
      </figure>
      <TableWrap label={`${noun} per day`}>
        <table>
          <caption>{noun[0]!.toUpperCase() + noun.slice(1)} per day</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col" class="num">
                That day
              </th>
              <th scope="col" class="num">
                Total
              </th>
            </tr>
          </thead>
          <tbody>
            {points.map((pt) => (
              <tr key={pt.day}>
                <th scope="row">{formatDay(pt.day)}</th>
                <td class="num">{n(pt.count)}</td>
                <td class="num">{n(pt.total)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </div>
  );
}

const UPDATE_KIND_OPTIONS = [
  { value: 'delivery', label: 'Handed in (delivery record)' },
  { value: 'response', label: 'The target’s response' },
  { value: 'update', label: 'News' },
];

/** One action for staff: state and its buttons, numbers over time, the kind's pages, updates and targets. */
export function ActionAdminView(p: {
  csrf: string;
  action: Action;
  campaign: Campaign | undefined;
  kindLabel: string;
  noun: readonly [string, string];
  days: ReadonlyArray<{ day: string; count: number }>;
  updates: readonly ActionUpdate[];
  targets: readonly ActionTarget[] | null;
  links: ReadonlyArray<{ href: string; label: string }>;
  canEdit: boolean;
  notice?: string | undefined;
  errors?: Errors;
  updateValues?: Values;
  targetsValue?: string;
}) {
  const a = p.action;
  const base = `/admin/actions/${a.id}`;
  const button = (change: string, label: string, warning = false) => (
    <form method="post" action={`${base}/${change}`} class="inline-form">
      <CsrfField token={p.csrf} />
      <button type="submit" class={`button${warning ? ' button-warning' : ' button-secondary'}`}>
        {label}
      </button>
    </form>
  );
  const uv = p.updateValues ?? {};
  return (
    <>
      <p>
        <a href="/admin/actions">Back to actions</a>
      </p>
      <h1>{a.title}</h1>
      <p class="meta">
        {p.kindLabel} · {STATUS_LABELS[a.status]} · {p.campaign?.title}
        {a.status !== 'draft' && (
          <>
            {' '}
            · <a href={`/act/${a.slug}`}>Public page</a>
          </>
        )}
      </p>
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      <ErrorSummary errors={p.errors} />
      {p.canEdit && (
        <div class="button-row">
          <a class="button" href={`${base}/edit`}>
            Edit
          </a>
          {a.status === 'draft' && button('open', 'Open it to supporters')}
          {a.status === 'open' && button('close', 'Close it now', true)}
          {a.status === 'open' && a.count === 0 && button('unpublish', 'Back to draft')}
          {a.status === 'closed' && button('reopen', 'Reopen')}
        </div>
      )}
      <dl class="stats">
        <div>
          <dt>{p.noun[1][0]!.toUpperCase() + p.noun[1].slice(1)}, confirmed</dt>
          <dd>{n(a.count)}</dd>
        </div>
        <div>
          <dt>Goal</dt>
          <dd>{a.goal === null ? '—' : n(a.goal)}</dd>
        </div>
        <div>
          <dt>{a.status === 'closed' ? 'Closed' : 'Closes at the end of'}</dt>
          <dd>{a.deadline ? formatDay(a.deadline) : a.status === 'closed' ? 'Yes' : 'No deadline'}</dd>
        </div>
      </dl>
      {p.links.length > 0 && (
        <nav aria-label="More about this action">
          <ul class="plain-list">
            {p.links.map((l) => (
              <li key={l.href}>
                <a href={l.href}>{l.label}</a>
              </li>
            ))}
          </ul>
        </nav>
      )}
      <section aria-labelledby="numbers-title">
        <h2 id="numbers-title">Numbers over time</h2>
        <CountChart days={p.days} noun={p.noun[1]} />
      </section>
      {p.targets !== null && (
        <section aria-labelledby="targets-title">
          <h2 id="targets-title">Targets</h2>
          {p.targets.length === 0 ? (
            <p>No targets yet. Every target gets every confirmed letter.</p>
          ) : (
            <TableWrap label="Targets">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Role</th>
                    <th scope="col">Email</th>
                  </tr>
                </thead>
                <tbody>
                  {p.targets.map((t) => (
                    <tr key={t.id}>
                      <td>{t.name}</td>
                      <td>{t.role}</td>
                      <td>{t.email}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
          {p.canEdit && (
            <form method="post" action={`${base}/targets`} class="form">
              <CsrfField token={p.csrf} />
              <TextArea
                name="targets"
                label="Targets, one per line"
                hint="Write each as Name | Role | email, like: Dana Reyes | Chief Executive, Northway Apparel | dana.reyes@example.org"
                value={p.targetsValue ?? p.targets.map((t) => `${t.name} | ${t.role} | ${t.email}`).join('\n')}
                error={p.errors?.targets}
                rows={5}
              />
              <button type="submit" class="button button-secondary">
                Save targets
              </button>
            </form>
          )}
        </section>
      )}
      <section aria-labelledby="updates-title">
        <h2 id="updates-title">Updates</h2>
        {p.updates.length === 0 ? (
          <p>No updates yet.</p>
        ) : (
          <ol class="timeline">
            {p.updates.map((u) => (
              <li key={u.id}>
                <p class="timeline-kind">
                  {UPDATE_KIND_OPTIONS.find((o) => o.value === u.kind)?.label}
                  {u.happenedOn && <> · {formatDay(u.happenedOn)}</>}
                </p>
                <h3>{u.title}</h3>
                {u.body && <p class="pre-line">{u.body}</p>}
                {p.canEdit && (
                  <form method="post" action={`${base}/updates/${u.id}/delete`} class="inline-form">
                    <CsrfField token={p.csrf} />
                    <button type="submit" class="button button-small button-warning">
                      Delete<span class="visually-hidden"> the update “{u.title}”</span>
                    </button>
                  </form>
                )}
              </li>
            ))}
          </ol>
        )}
        {p.canEdit && (
          <form method="post" action={`${base}/updates`} class="form" novalidate>
            <CsrfField token={p.csrf} />
            <h3>Post an update</h3>
            <Select name="kind" label="Kind of update" value={uv.kind} error={p.errors?.kind} options={UPDATE_KIND_OPTIONS} />
            <Field
              name="title"
              label="Title"
              value={uv.title}
              error={p.errors?.title}
              hint="Like: Handed in to the Home Office"
              maxLength={200}
            />
            <Field
              name="happenedOn"
              label="On which day (for a delivery)"
              type="date"
              value={uv.happenedOn}
              error={p.errors?.happenedOn}
              width="short"
            />
            <TextArea
              name="body"
              label="Text (optional)"
              hint="Markdown. For a response, quote or summarise what the target said."
              value={uv.body}
              error={p.errors?.body}
              rows={5}
            />
            <button type="submit" class="button button-secondary">
              Post the update
            </button>
          </form>
        )}
      </section>
    </>
  );
}

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
