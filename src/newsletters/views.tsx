import type { NewsletterStatus } from './tables.js';
import {
  Checkbox,
  CsrfField,
  ErrorSummary,
  Field,
  FileField,
  Notice,
  Select,
  TableWrap,
  TextArea,
  Time,
  formatTime,
} from '../core/web/components.js';
import { PLACEHOLDERS } from './emails.js';
import type { NewsletterImage } from './images.js';
import type { ArchivedNewsletter, AudienceOptions, Newsletter, NewsletterPreview, Progress } from './service.js';

type Errors = Record<string, string> | undefined;
type Values = Record<string, string>;

const STATUS_LABELS: Record<NewsletterStatus, string> = {
  draft: 'Draft',
  scheduled: 'Scheduled',
  sending: 'Sending',
  paused: 'Paused',
  sent: 'Sent',
  cancelled: 'Cancelled',
};

const n = (x: number) => x.toLocaleString('en-GB');

/** The list of newsletters. */
export function NewsletterListView(p: {
  newsletters: Array<Newsletter & { listName: string | null }>;
  tz: string;
  canEdit: boolean;
  page: number;
  more: boolean;
  notice?: string | undefined;
}) {
  return (
    <>
      <h1>Newsletters</h1>
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      {p.canEdit && (
        <p>
          <a class="button" href="/admin/newsletters/new">
            Write a newsletter
          </a>{' '}
          <a href="/admin/newsletters/images">Images for newsletters</a>
        </p>
      )}
      {p.newsletters.length === 0 ? (
        <p>No newsletters yet.</p>
      ) : (
        <TableWrap label="Newsletters">
          <table>
            <thead>
              <tr>
                <th scope="col">Subject</th>
                <th scope="col">Status</th>
                <th scope="col">List</th>
                <th scope="col">When</th>
              </tr>
            </thead>
            <tbody>
              {p.newsletters.map((x) => (
                <tr key={x.id}>
                  <td>
                    <a href={`/admin/newsletters/${x.id}`}>{x.subject}</a>
                  </td>
                  <td>{STATUS_LABELS[x.status]}</td>
                  <td>{x.listName ?? '—'}</td>
                  <td>
                    {x.status === 'scheduled' ? (
                      <>
                        for <Time ms={x.scheduledAt} timeZone={p.tz} />
                      </>
                    ) : x.startedAt ? (
                      <Time ms={x.startedAt} timeZone={p.tz} />
                    ) : (
                      <>
                        written <Time ms={x.createdAt} timeZone={p.tz} />
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <nav class="pager" aria-label="Pages">
        {p.page > 1 && <a href={`/admin/newsletters?page=${p.page - 1}`}>Newer</a>}
        {p.more && <a href={`/admin/newsletters?page=${p.page + 1}`}>Older</a>}
      </nav>
    </>
  );
}

/** What Lantern does not do, said where staff decide what to send. */
function NoTracking() {
  return (
    <p class="hint">
      Lantern does not track who opens a newsletter or clicks its links: there is no tracking pixel and links are not rewritten. Some of
      your supporters are at risk, and a record of who read what, and when, is not one we keep.
    </p>
  );
}

/** The compose form, for a new draft or an existing one. */
export function ComposeView(p: {
  csrf: string;
  action: string;
  audience: AudienceOptions;
  values: Values;
  errors?: Errors;
  count?: number | undefined;
  isNew: boolean;
}) {
  const v = p.values;
  const listOptions = [
    { value: '', label: 'Choose a list' },
    ...p.audience.lists.map((l) => ({ value: String(l.id), label: `${l.name} (${n(l.mailable)} can be emailed)` })),
  ];
  const segmentOptions = [
    { value: '', label: 'Everyone on the list' },
    ...p.audience.segments.map((s) => ({ value: String(s.id), label: s.name })),
  ];
  return (
    <>
      <p>
        <a href={p.isNew ? '/admin/newsletters' : p.action}>{p.isNew ? 'Back to newsletters' : 'Back to the newsletter'}</a>
      </p>
      <h1>{p.isNew ? 'Write a newsletter' : 'Edit the newsletter'}</h1>
      <ErrorSummary errors={p.errors} />
      {p.count !== undefined && (
        <Notice kind="info">
          <p>
            This list and segment reach <strong>{n(p.count)}</strong> supporter{p.count === 1 ? '' : 's'} now: subscribed, confirmed, and
            not unsubscribed, erased or blocked. The draft has not been saved.
          </p>
        </Notice>
      )}
      <form method="post" action={p.action} class="form" noValidate>
        <CsrfField token={p.csrf} />
        <Field name="subject" label="Subject" value={v.subject} error={p.errors?.subject} maxLength={200} required />
        <TextArea
          name="body"
          label="Newsletter"
          rows={18}
          value={v.body}
          error={p.errors?.body}
          hint="Write in Markdown: a blank line between paragraphs, ## for a heading, - for a list, [words](https://address) for a link. HTML is not allowed."
          required
        />
        <p class="hint">
          Images: only images uploaded to Lantern can go in a newsletter, so no other website learns who opened it.{' '}
          <a href="/admin/newsletters/images">Upload an image and copy its Markdown</a> (save your draft first).
        </p>
        <details>
          <summary>Placeholders</summary>
          <p>These are replaced in the subject and the text for each supporter:</p>
          <ul>
            {Object.entries(PLACEHOLDERS).map(([k, d]) => (
              <li key={k}>
                <code>{`{{${k}}}`}</code>: {d}
              </li>
            ))}
          </ul>
          <p>
            In the public archive, <code>{'{{first_name}}'}</code> reads “Supporter”. Placeholders cannot go inside link addresses.
          </p>
        </details>
        <Select
          name="listId"
          label="List"
          options={listOptions}
          value={v.listId}
          error={p.errors?.listId}
          hint="Only supporters who are subscribed to this list and have confirmed their address get it."
        />
        <Select
          name="segmentId"
          label="Segment (optional)"
          options={segmentOptions}
          value={v.segmentId}
          error={p.errors?.segmentId}
          hint="A saved segment narrows the list, for example to one constituency."
        />
        <Field
          name="ratePerMinute"
          label="Messages per minute (optional)"
          type="number"
          width="short"
          inputMode="numeric"
          value={v.ratePerMinute}
          error={p.errors?.ratePerMinute}
          hint="Leave empty to send as fast as your mail server accepts. Set a limit if your mail provider asks for one."
        />
        <Checkbox
          name="inArchive"
          label="Publish it in the newsletter archive on the website once it is sent"
          checked={v.inArchive === 'on'}
          hint="The web version has no personal details: the first name reads “Supporter”."
        />
        <NoTracking />
        <div class="button-row">
          <button type="submit" name="intent" value="save">
            {p.isNew ? 'Save draft' : 'Save changes'}
          </button>
          <button type="submit" name="intent" value="count" class="button-secondary">
            Count recipients
          </button>
        </div>
      </form>
    </>
  );
}

function AudienceSummary(p: {
  list: string | null;
  segment: string | null;
  count?: number | undefined;
  rate: number | null;
  inArchive: boolean;
}) {
  return (
    <dl class="meta">
      <div>
        <dt>List</dt>
        <dd>{p.list ?? 'No list chosen'}</dd>
      </div>
      <div>
        <dt>Segment</dt>
        <dd>{p.segment ?? 'Everyone on the list'}</dd>
      </div>
      {p.count !== undefined && (
        <div>
          <dt>Would reach now</dt>
          <dd>
            {n(p.count)} supporter{p.count === 1 ? '' : 's'}
          </dd>
        </div>
      )}
      <div>
        <dt>Speed</dt>
        <dd>{p.rate ? `At most ${n(p.rate)} messages a minute` : 'As fast as the mail server accepts'}</dd>
      </div>
      <div>
        <dt>Public archive</dt>
        <dd>{p.inArchive ? 'Published on the website once sending starts' : 'Not published'}</dd>
      </div>
    </dl>
  );
}

/** One newsletter: what it is and what can be done with it now (test, send, schedule), or how its send is going. */
export function NewsletterView(p: {
  csrf: string;
  newsletter: Newsletter;
  tz: string;
  audience: { list: string | null; segment: string | null };
  count?: number | undefined;
  progress?: Progress | undefined;
  canEdit: boolean;
  canSend: boolean;
  notice?: string | undefined;
  errors?: Errors;
  scheduleValue?: string | undefined;
  webUrl: string | null;
  autoRefresh: boolean;
}) {
  const x = p.newsletter;
  const base = `/admin/newsletters/${x.id}`;
  const unsent = x.status === 'draft' || x.status === 'scheduled';
  return (
    <>
      {p.autoRefresh && <meta httpEquiv="refresh" content="5" />}
      <p>
        <a href="/admin/newsletters">Back to newsletters</a>
      </p>
      <h1>{x.subject}</h1>
      <p class="lede">
        {STATUS_LABELS[x.status]}
        {x.status === 'scheduled' && (
          <>
            {' '}
            for <Time ms={x.scheduledAt} timeZone={p.tz} /> ({p.tz})
          </>
        )}
      </p>
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      {x.status === 'sent' && p.progress && <SendResult finishedAt={x.finishedAt} progress={p.progress} tz={p.tz} />}
      <ErrorSummary errors={p.errors} />
      {x.lastError && <Notice kind="warning">{x.lastError}</Notice>}
      {unsent ? (
        <>
          <AudienceSummary
            list={p.audience.list}
            segment={p.audience.segment}
            count={p.count}
            rate={x.ratePerMinute}
            inArchive={x.inArchive}
          />
          <ul class="plain-list">
            <li>
              <a href={`${base}/preview`}>Preview the newsletter and the email</a>
            </li>
            {p.canEdit && x.status === 'draft' && (
              <li>
                <a href={`${base}/edit`}>Edit</a>
              </li>
            )}
          </ul>
          {p.canEdit && (
            <form method="post" action={`${base}/test`} class="form">
              <CsrfField token={p.csrf} />
              <h2>Send a test</h2>
              <p>A test goes to your own email address, with [Test] before the subject and your first name in place of the supporter’s.</p>
              <button type="submit" class="button-secondary">
                Send me a test
              </button>
            </form>
          )}
          {p.canSend && (
            <SendControls
              csrf={p.csrf}
              newsletter={x}
              base={base}
              count={p.count}
              tz={p.tz}
              errors={p.errors}
              scheduleValue={p.scheduleValue}
            />
          )}
          {!p.canSend && <p>Sending needs an owner or a campaigner. You can prepare the draft and send yourself a test.</p>}
          {p.canEdit && x.status === 'draft' && (
            <form method="post" action={`${base}/delete`} class="form">
              <CsrfField token={p.csrf} />
              <button type="submit" class="button-warning">
                Delete this draft
              </button>
            </form>
          )}
        </>
      ) : (
        <ProgressSection
          csrf={p.csrf}
          newsletter={x}
          base={base}
          progress={p.progress!}
          tz={p.tz}
          canSend={p.canSend}
          webUrl={p.webUrl}
          autoRefresh={p.autoRefresh}
          audience={p.audience}
        />
      )}
    </>
  );
}

/** What came of a finished send, said where "Sending has started" was. */
function SendResult(p: { finishedAt: number | null; progress: Progress; tz: string }) {
  const g = p.progress;
  return (
    <Notice kind={g.failed > 0 ? 'warning' : 'success'}>
      <p>
        Sent. Finished <Time ms={p.finishedAt} timeZone={p.tz} />: <strong>{n(g.sent)}</strong> delivered, <strong>{n(g.failed)}</strong>{' '}
        failed
        {g.skipped > 0 && <>, {n(g.skipped)} left out (no longer subscribed)</>}.
      </p>
    </Notice>
  );
}

function SendControls(p: {
  csrf: string;
  newsletter: Newsletter;
  base: string;
  count?: number | undefined;
  tz: string;
  errors?: Errors;
  scheduleValue?: string | undefined;
}) {
  const x = p.newsletter;
  return (
    <>
      <h2>Send</h2>
      <NoTracking />
      <form method="post" action={`${p.base}/send`} class="form">
        <CsrfField token={p.csrf} />
        <p>Each supporter is checked again just before their message goes, so anyone who unsubscribes in the meantime is left out.</p>
        <button type="submit">
          {p.count !== undefined ? `Send now to ${n(p.count)} supporter${p.count === 1 ? '' : 's'}` : 'Send now'}
        </button>
      </form>
      {x.status === 'scheduled' ? (
        <form method="post" action={`${p.base}/unschedule`} class="form">
          <CsrfField token={p.csrf} />
          <p>
            It will start by itself at <Time ms={x.scheduledAt} timeZone={p.tz} />.
          </p>
          <button type="submit" class="button-secondary">
            Unschedule (back to draft)
          </button>
        </form>
      ) : (
        <form method="post" action={`${p.base}/schedule`} class="form" noValidate>
          <CsrfField token={p.csrf} />
          <Field
            name="sendAt"
            type="datetime-local"
            label="Or send it later, at"
            hint={`In the organisation’s time zone, ${p.tz}.`}
            value={p.scheduleValue}
            error={p.errors?.sendAt}
          />
          <button type="submit" class="button-secondary">
            Schedule
          </button>
        </form>
      )}
    </>
  );
}

function ProgressSection(p: {
  csrf: string;
  newsletter: Newsletter;
  base: string;
  progress: Progress;
  tz: string;
  canSend: boolean;
  webUrl: string | null;
  autoRefresh: boolean;
  audience: { list: string | null; segment: string | null };
}) {
  const x = p.newsletter;
  const g = p.progress;
  const done = g.sent + g.failed + g.skipped;
  return (
    <section class="newsletter-progress" aria-labelledby="progress-h">
      <h2 id="progress-h">Progress</h2>
      {x.status === 'sending' && (
        <p>
          {p.autoRefresh ? (
            <>
              This page updates itself every 5 seconds while sending. <a href={p.base}>Stop updating</a>
            </>
          ) : (
            <>
              This page does not update itself. <a href={p.base}>Refresh now</a> or{' '}
              <a href={`${p.base}?refresh=on`}>update it every 5 seconds</a>.
            </>
          )}
        </p>
      )}
      <label for="send-progress">
        {n(done)} of {n(g.total)} done
      </label>
      <progress id="send-progress" value={done} max={Math.max(1, g.total)}>
        {g.total ? Math.floor((100 * done) / g.total) : 100}%
      </progress>
      <dl class="stats">
        <div>
          <dt>Sent</dt>
          <dd>{n(g.sent)}</dd>
        </div>
        <div>
          <dt>Failed</dt>
          <dd class={g.failed > 0 ? 'bad' : undefined}>{n(g.failed)}</dd>
        </div>
        <div>
          <dt>Left out (no longer subscribed)</dt>
          <dd>{n(g.skipped)}</dd>
        </div>
        <div>
          <dt>{x.status === 'cancelled' ? 'Not sent (cancelled)' : 'Remaining'}</dt>
          <dd>{n(g.remaining)}</dd>
        </div>
        {(x.status === 'sending' || x.status === 'paused') && (
          <div>
            <dt>Sent in the last minute</dt>
            <dd>{n(g.ratePerMinute)}</dd>
          </div>
        )}
      </dl>
      <dl class="meta">
        <div>
          <dt>List</dt>
          <dd>
            {p.audience.list ?? '—'}
            {p.audience.segment ? `, segment ${p.audience.segment}` : ''}
          </dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>
            <Time ms={x.startedAt} timeZone={p.tz} />
          </dd>
        </div>
        {x.finishedAt && (
          <div>
            <dt>{x.status === 'cancelled' ? 'Cancelled' : 'Finished'}</dt>
            <dd>
              <Time ms={x.finishedAt} timeZone={p.tz} />
            </dd>
          </div>
        )}
        <div>
          <dt>Speed</dt>
          <dd>{x.ratePerMinute ? `At most ${n(x.ratePerMinute)} messages a minute` : 'As fast as the mail server accepts'}</dd>
        </div>
        {p.webUrl && (
          <div>
            <dt>Web version</dt>
            <dd>
              <a href={p.webUrl}>{p.webUrl}</a>
            </dd>
          </div>
        )}
      </dl>
      {g.failed > 0 && (
        <p>Failed addresses were refused by their mail server; they are marked undeliverable and will not be mailed again.</p>
      )}
      {p.canSend && (x.status === 'sending' || x.status === 'paused') && (
        <div class="button-row">
          {x.status === 'sending' ? (
            <form method="post" action={`${p.base}/pause`}>
              <CsrfField token={p.csrf} />
              <button type="submit" class="button-secondary">
                Pause
              </button>
            </form>
          ) : (
            <form method="post" action={`${p.base}/resume`}>
              <CsrfField token={p.csrf} />
              <button type="submit">Resume</button>
            </form>
          )}
          <form method="post" action={`${p.base}/cancel`}>
            <CsrfField token={p.csrf} />
            <button type="submit" class="button-warning">
              Cancel the rest
            </button>
          </form>
        </div>
      )}
      {x.status === 'paused' && (
        <p>Paused: nobody else gets it until you resume. Resuming carries on where it stopped; nobody gets it twice.</p>
      )}
    </section>
  );
}

/** The preview: the web version, then the email as a supporter with no first name on record would get it, in a frame. */
export function PreviewView(p: { newsletter: Newsletter; preview: NewsletterPreview }) {
  const base = `/admin/newsletters/${p.newsletter.id}`;
  const v = p.preview;
  return (
    <>
      <p>
        <a href={base}>Back to the newsletter</a>
      </p>
      <h1>Preview: {p.newsletter.subject}</h1>
      {v.problem && (
        <ErrorSummary
          errors={{ _form: `${v.problem}. Until then it cannot be sent or tested, and the image is left out of this preview.` }}
        />
      )}
      <section aria-labelledby="email-h">
        <h2 id="email-h">As an email</h2>
        <p>
          Rendered through the same template as the send, for a supporter whose first name we do not have. Each supporter’s own link
          replaces the preferences link. The email is shown in a frame that runs nothing from it.
        </p>
        <dl class="meta">
          <div>
            <dt>Subject</dt>
            <dd>{v.subject}</dd>
          </div>
        </dl>
        <iframe
          class="email-preview"
          sandbox=""
          src={`${base}/preview/email`}
          title={`The email “${v.subject}” as supporters will see it`}
        />
        <p>
          <a href={`${base}/preview/text`}>View the plain-text part</a> (what mail programs that do not show HTML display).
        </p>
      </section>
      <section aria-labelledby="web-h">
        <h2 id="web-h">On the website</h2>
        <div class="prose newsletter-web-preview" dangerouslySetInnerHTML={{ __html: v.webHtml }} />
      </section>
    </>
  );
}

/** Images for newsletters: the upload form, and every uploaded image with the Markdown that shows it. */
export function ImagesView(p: {
  csrf: string;
  images: NewsletterImage[];
  values: Values;
  errors?: Errors;
  notice?: string | undefined;
  tz: string;
  maxMb: number;
}) {
  return (
    <>
      <p>
        <a href="/admin/newsletters">Back to newsletters</a>
      </p>
      <h1>Images for newsletters</h1>
      <p>
        A newsletter can show only images uploaded here. They are served from this site’s own address, the same for every reader, so no
        other website learns who opened a newsletter. An image from anywhere else is refused.
      </p>
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      <ErrorSummary errors={p.errors} />
      <form method="post" action="/admin/newsletters/images" enctype="multipart/form-data" class="form" noValidate>
        <CsrfField token={p.csrf} />
        <FileField
          name="file"
          label="Image"
          accept="image/png,image/jpeg,image/webp,image/gif"
          hint={`A PNG, JPEG, WebP or GIF file, up to ${p.maxMb} MB. Lantern removes its hidden details (camera, place, author) and makes wide images 1,200 pixels wide.`}
          error={p.errors?.file}
        />
        <Field
          name="description"
          label="What the image shows"
          value={p.values.description}
          error={p.errors?.description}
          maxLength={300}
          hint="Read out to supporters who cannot see it, and shown when their mail program does not load images."
          required
        />
        <button type="submit">Upload the image</button>
      </form>
      <h2>Uploaded images</h2>
      {p.images.length === 0 ? (
        <p>No images yet.</p>
      ) : (
        <ul class="plain-list newsletter-images">
          {p.images.map((i) => (
            <li key={i.id} id={`image-${i.id}`} class="newsletter-image">
              <img src={new URL(i.url).pathname} alt={i.description} width={i.width} height={i.height} loading="lazy" />
              <p>
                Markdown to paste into a newsletter: <code>{i.markdown}</code>
              </p>
              <p class="muted">
                {n(i.width)} × {n(i.height)} pixels, uploaded <Time ms={i.createdAt} timeZone={p.tz} />
              </p>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** Where the preferences link of a test leads when the address it went to is not a supporter's. */
export function TestLinkView() {
  return (
    <article class="page">
      <h1>This link came in a test</h1>
      <p>
        You followed the “Unsubscribe or change what we send you” link in a test of a newsletter. In the newsletter itself, this link takes
        each supporter to their own page, where they can unsubscribe, choose what we send them, get a copy of their data or ask us to delete
        it.
      </p>
      <p>The address the test went to is not on our supporter list, so there is nothing to unsubscribe.</p>
      <p>
        <a href="/">Go to the home page</a>
      </p>
    </article>
  );
}

// ---- public ------------------------------------------------------------------------------------------------------

/** The public archive of sent newsletters. */
export function ArchiveListView(p: { items: Array<Omit<ArchivedNewsletter, 'html'>>; tz: string; page: number; more: boolean }) {
  return (
    <article class="page">
      <h1>Newsletters</h1>
      <p class="lede">What we have sent to our supporters.</p>
      {p.items.length === 0 ? (
        <p>Nothing here yet.</p>
      ) : (
        <ul class="plain-list newsletter-archive">
          {p.items.map((i) => (
            <li key={i.slug}>
              <a href={`/newsletters/${encodeURIComponent(i.slug)}`}>{i.subject}</a>{' '}
              <span class="muted">
                <Time ms={i.sentAt} timeZone={p.tz} />
              </span>
            </li>
          ))}
        </ul>
      )}
      <nav class="pager" aria-label="Pages">
        {p.page > 1 && <a href={`/newsletters?page=${p.page - 1}`}>Newer</a>}
        {p.more && <a href={`/newsletters?page=${p.page + 1}`}>Older</a>}
      </nav>
    </article>
  );
}

/** One newsletter's web version. */
export function ArchiveItemView(p: { item: ArchivedNewsletter; tz: string }) {
  return (
    <article class="page">
      <p>
        <a href="/newsletters">All newsletters</a>
      </p>
      <h1>{p.item.subject}</h1>
      <p class="muted">Sent {formatTime(p.item.sentAt, p.tz)}</p>
      <div class="prose" dangerouslySetInnerHTML={{ __html: p.item.html }} />
    </article>
  );
}
