import type { ActionStatus } from './tables.js';
import { CsrfField, ErrorSummary, Field, Notice, Select, TableWrap, TextArea } from '../core/web/components.js';
import type { Action, ActionTarget, ActionUpdate, Campaign } from './service.js';
import { formatDay } from './views.js';

// One action's admin page: its state and the changes staff may make, the numbers over time, the updates and the
// targets, with the kind's own pages linked.

type Errors = Record<string, string> | undefined;
type Values = Record<string, string>;
const STATUS_LABELS: Record<ActionStatus, string> = { draft: 'Draft', open: 'Open', closed: 'Closed' };
const n = (x: number) => x.toLocaleString('en-GB');

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
        {p.kindLabel} · {STATUS_LABELS[a.status]} · {p.campaign ? `Campaign: ${p.campaign.title}` : 'No campaign'} ·{' '}
        {a.status === 'draft' ? (
          <a href={`${base}/preview`}>Preview the public page</a>
        ) : (
          <>
            <a href={`/act/${a.slug}`}>Public page</a> · <a href={`${base}/preview`}>Preview</a>
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
            <p>No targets yet. Every target gets every confirmed email.</p>
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
