import type { CaughtMail } from '../core/mail/mailer.js';
import type { JobRecord } from '../core/jobs/queue.js';
import type { JobState } from '../core/db/schema.js';
import type { SiteSettings } from '../core/settings.js';
import type { Dashboard, QueueHealth } from './service.js';
import {
  AuditSentence,
  Checkbox,
  CsrfField,
  ErrorSummary,
  Field,
  Notice,
  Select,
  TableWrap,
  TextArea,
  Time,
} from '../core/web/components.js';

/** The dashboard: what needs a person first, then each capability's card, then the latest staff activity in words. */
export function DashboardView(p: { tz: string; orgName: string } & Dashboard) {
  return (
    <>
      <h1>Dashboard</h1>
      <section class="needs" aria-labelledby="needs-h">
        <h2 id="needs-h">Needs a person</h2>
        {p.needs.length === 0 ? (
          <p>Nothing is waiting for you.</p>
        ) : (
          <ul class="needs-list">
            {p.needs.map((x) => (
              <li key={`${x.href} ${x.label}`}>
                <a href={x.href}>{x.label}</a>
                {x.detail && <span class="needs-detail">{x.detail}</span>}
              </li>
            ))}
          </ul>
        )}
      </section>
      <div class="cards dashboard-cards">
        {p.cards.map((c, i) => (
          <section class="card" aria-labelledby={`card-${i}-h`} key={c.title}>
            <h2 id={`card-${i}-h`}>{c.title}</h2>
            {c.figures && (
              <dl class="stats">
                {c.figures.map((f) => (
                  <div key={f.label}>
                    <dt>
                      {f.label}
                      {f.detail && <span class="figure-detail">{f.detail}</span>}
                    </dt>
                    <dd>{f.href ? <a href={f.href}>{f.value}</a> : f.value}</dd>
                  </div>
                ))}
              </dl>
            )}
            {c.rows &&
              (c.rows.length === 0 ? (
                <p>{c.empty}</p>
              ) : (
                <ul class="card-rows">
                  {c.rows.map((r, j) => (
                    <li key={j}>
                      {r.href ? <a href={r.href}>{r.label}</a> : <span class="row-label">{r.label}</span>}
                      <span class="row-detail">{r.detail}</span>
                    </li>
                  ))}
                </ul>
              ))}
            {c.link && (
              <p class="card-link">
                <a href={c.link.href}>{c.link.label}</a>
              </p>
            )}
          </section>
        ))}
      </div>
      {p.audit && (
        <section aria-labelledby="audit-h">
          <h2 id="audit-h">Recent staff activity</h2>
          {p.audit.length === 0 ? (
            <p>Nothing yet.</p>
          ) : (
            <ul class="activity">
              {p.audit.map((e) => (
                <li key={e.id}>
                  <span class="activity-what">
                    <AuditSentence staffName={e.staffName} words={e.words} />
                  </span>{' '}
                  <span class="activity-when">
                    <Time ms={e.createdAt} timeZone={p.tz} />
                  </span>
                </li>
              ))}
            </ul>
          )}
          <p>
            <a href="/admin/audit">Full audit log</a>
          </p>
        </section>
      )}
    </>
  );
}

const TIME_ZONES = [
  'Europe/London',
  'Europe/Dublin',
  'Europe/Paris',
  'Europe/Berlin',
  'Europe/Istanbul',
  'UTC',
  'America/New_York',
  'Asia/Almaty',
];

export function SettingsView(p: {
  csrf: string;
  values: Partial<Record<keyof SiteSettings, unknown>>;
  errors?: Record<string, string>;
  saved?: boolean;
}) {
  const v = (k: keyof SiteSettings) =>
    typeof p.values[k] === 'string' ? (p.values[k] as string) : typeof p.values[k] === 'number' ? String(p.values[k]) : undefined;
  const zones = TIME_ZONES.includes(v('timeZone') ?? '') || !v('timeZone') ? TIME_ZONES : [v('timeZone')!, ...TIME_ZONES];
  return (
    <>
      <h1>Organisation settings</h1>
      {p.saved && <Notice kind="success">Settings saved.</Notice>}
      <ErrorSummary errors={p.errors} />
      <form method="post" action="/admin/settings" class="form" noValidate>
        <CsrfField token={p.csrf} />
        <Field name="orgName" label="Organisation name" value={v('orgName')} error={p.errors?.orgName} required maxLength={120} />
        <Field
          name="tagline"
          label="Tagline"
          hint="One sentence shown under the name on the home page."
          value={v('tagline')}
          error={p.errors?.tagline}
          maxLength={200}
        />
        <Field
          name="charityNumber"
          label="Charity number"
          hint="Shown in the footer of every page."
          value={v('charityNumber')}
          error={p.errors?.charityNumber}
          width="short"
          maxLength={40}
        />
        <Select
          name="timeZone"
          label="Time zone"
          hint="Used to show times and to close actions at the end of their last day."
          options={zones.map((z) => ({ value: z, label: z }))}
          value={v('timeZone')}
          error={p.errors?.timeZone}
        />
        <Field
          name="contactEmail"
          type="email"
          label="Contact email"
          value={v('contactEmail')}
          error={p.errors?.contactEmail}
          autocomplete="off"
        />
        <TextArea
          name="postalAddress"
          label="Postal address"
          rows={4}
          value={v('postalAddress')}
          error={p.errors?.postalAddress}
          maxLength={500}
        />
        <Field
          name="resourceMaxMb"
          type="number"
          label="Largest file in the resources library, in megabytes"
          hint="Briefing papers and resource packs larger than this are refused. Between 1 and 50."
          value={v('resourceMaxMb')}
          error={p.errors?.resourceMaxMb}
          width="short"
        />
        <Field
          name="waitlistHoldHours"
          type="number"
          label="How long a freed event place is held for the next person waiting, in hours"
          hint="When someone cancels, the first person on the waiting list is emailed and the place is kept for them this long, then offered to the next. Between 1 and 168 (a week)."
          value={v('waitlistHoldHours')}
          error={p.errors?.waitlistHoldHours}
          width="short"
        />
        <Field
          name="eventRetentionDays"
          type="number"
          label="How long to keep who came to an event, in days after it ends"
          hint="After this, names, email addresses and answers are deleted; the numbers stay for your figures. Between 1 and 3,650."
          value={v('eventRetentionDays')}
          error={p.errors?.eventRetentionDays}
          width="short"
        />
        <Checkbox
          name="require2fa"
          label="Require two-step sign-in for every staff account"
          checked={p.values.require2fa === true}
          hint="Staff without it are asked to set it up before they can do anything else."
        />
        <button type="submit">Save settings</button>
      </form>
    </>
  );
}

export function MailListView(p: { mail: CaughtMail[]; tz: string; transport: 'smtp' | 'catcher'; page: number; more: boolean }) {
  return (
    <>
      <h1>Mail</h1>
      <p>
        {p.transport === 'catcher'
          ? 'No mail server is configured, so Lantern keeps every message here instead of sending it. Set SMTP_URL to send real mail.'
          : 'Messages sent through the mail server. Bodies are not kept once sent.'}{' '}
        Records are deleted after 30 days.
      </p>
      {p.mail.length === 0 ? (
        <p>No mail yet.</p>
      ) : (
        <TableWrap label="Mail">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">To</th>
                <th scope="col">Subject</th>
                <th scope="col">Kind</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {p.mail.map((m) => (
                <tr key={m.id}>
                  <td>
                    <Time ms={m.createdAt} timeZone={p.tz} />
                  </td>
                  <td>{m.to}</td>
                  <td>{m.body ? <a href={`/admin/mail/${m.id}`}>{m.subject}</a> : m.subject}</td>
                  <td>{m.category}</td>
                  <td>{m.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <nav class="pager" aria-label="Pages">
        {p.page > 1 && <a href={`/admin/mail?page=${p.page - 1}`}>Newer</a>}
        {p.more && <a href={`/admin/mail?page=${p.page + 1}`}>Older</a>}
      </nav>
    </>
  );
}

export function MailMessageView({ mail, tz }: { mail: CaughtMail; tz: string }) {
  return (
    <>
      <p>
        <a href="/admin/mail">Back to mail</a>
      </p>
      <h1>{mail.subject}</h1>
      <dl class="meta">
        <div>
          <dt>To</dt>
          <dd>{mail.to}</dd>
        </div>
        {mail.body?.replyTo && (
          <div>
            <dt>Reply to</dt>
            <dd>{mail.body.replyTo}</dd>
          </div>
        )}
        {mail.body && (
          <div>
            <dt>From</dt>
            <dd>{mail.body.from}</dd>
          </div>
        )}
        <div>
          <dt>When</dt>
          <dd>
            <Time ms={mail.createdAt} timeZone={tz} />
          </dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>{mail.status}</dd>
        </div>
        {mail.body &&
          Object.entries(mail.body.headers).map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
      </dl>
      {mail.body ? (
        <>
          <h2>Plain text</h2>
          <pre class="mail-text">{mail.body.text}</pre>
          <h2>HTML version</h2>
          <p class="hint">Shown as source: rendering it here could load content the sender did not intend.</p>
          <details>
            <summary>Show HTML source</summary>
            <pre class="mail-text">{mail.body.html}</pre>
          </details>
        </>
      ) : (
        <p>The body of sent messages is not kept.</p>
      )}
    </>
  );
}

const STATES: Array<JobState | 'all'> = ['all', 'queued', 'running', 'parked', 'done'];

export function JobsView(p: {
  jobs: JobRecord[];
  state: JobState | 'all';
  health: QueueHealth;
  tz: string;
  csrf: string;
  canManage: boolean;
  retried?: boolean;
}) {
  return (
    <>
      <h1>Background jobs</h1>
      {p.retried && <Notice kind="success">The job was queued to run again.</Notice>}
      <p>
        Sending mail and other slow work happens in the background. Jobs that fail are retried with growing gaps; those that still fail are
        kept here as failed so you can look and try again.
      </p>
      <nav class="tabs" aria-label="Job states">
        <ul>
          {STATES.map((s) => (
            <li key={s}>
              <a href={s === 'all' ? '/admin/jobs' : `/admin/jobs?state=${s}`} aria-current={p.state === s ? 'page' : undefined}>
                {s === 'parked' ? 'failed' : s}
                {s !== 'all' && ` (${p.health.counts.filter((c) => c.state === s).reduce((a, c) => a + c.count, 0)})`}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {p.jobs.length === 0 ? (
        <p>No jobs here.</p>
      ) : (
        <TableWrap label="Jobs">
          <table>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Job</th>
                <th scope="col">Lane</th>
                <th scope="col">State</th>
                <th scope="col">Attempts</th>
                <th scope="col">Created</th>
                <th scope="col">Last error</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {p.jobs.map((j) => (
                <tr key={j.id}>
                  <td>{j.id}</td>
                  <td>{j.name}</td>
                  <td>{j.lane}</td>
                  <td>{j.state === 'parked' ? 'failed' : j.state}</td>
                  <td>
                    {j.attempts} of {j.maxAttempts}
                  </td>
                  <td>
                    <Time ms={j.createdAt} timeZone={p.tz} />
                  </td>
                  <td class="error-cell">{j.lastError ?? ''}</td>
                  <td>
                    {j.state === 'parked' && p.canManage && (
                      <form method="post" action={`/admin/jobs/${j.id}/retry`}>
                        <CsrfField token={p.csrf} />
                        <button type="submit" class="button-small">
                          Retry<span class="visually-hidden"> job {j.id}</span>
                        </button>
                      </form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </>
  );
}
