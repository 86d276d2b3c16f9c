import { Checkbox, CsrfField, ErrorSummary, Field, formatTime, Notice, TableWrap, TextArea } from '../../core/web/components.js';
import type { Letter, MessageWords, ReplyFigures } from './service.js';
import { messageWords } from './service.js';

// The staff's pages of letters: the settings in the action editor, the moderation queue with the deliveries, one
// letter (its words shown as text, escaped, never as HTML), the MP response figures, and the export.

type Errors = Record<string, string> | undefined;
type Values = Record<string, string>;
const n = (x: number) => x.toLocaleString('en-GB');

/** The settings of a letter action in the action editor (inside the frame's fieldset). */
export function LetterSettingsFields(p: { kind: 'letter_mp' | 'email_target'; values: Values; errors: Errors }) {
  const v = p.values;
  const e = p.errors ?? {};
  const who = p.kind === 'letter_mp' ? 'MP' : 'target';
  const w = messageWords(p.kind);
  return (
    <>
      <Field
        name="suggestedSubject"
        label="Suggested subject"
        hint="Filled in for supporters; they can change it."
        value={v.suggestedSubject}
        error={e.suggestedSubject}
        maxLength={150}
      />
      <TextArea
        name="talkingPoints"
        label="Talking points"
        hint={`One point per line. Shown beside the box where people write their ${w.one}, to help them write in their own words.`}
        value={v.talkingPoints}
        error={e.talkingPoints}
        rows={6}
        maxLength={5000}
      />
      <TextArea
        name="opening"
        label="Suggested opening (optional)"
        hint={`A sentence or two people may use to start. ${w.Many} that are mostly this text are held as too similar.`}
        value={v.opening}
        error={e.opening}
        rows={3}
        maxLength={5000}
      />
      <Field
        name="minWords"
        type="number"
        label="Minimum words"
        hint={`${w.Many} shorter than this are refused with a message. 0 for no minimum.`}
        value={v.minWords ?? '30'}
        error={e.minWords}
        inputMode="numeric"
        width="short"
      />
      <Field
        name="similarityPercent"
        type="number"
        label={`Hold ${w.many} this similar to others (percent)`}
        hint={`${w.Many} sharing at least this share of their phrasing with another ${w.one} of this action (or the suggested opening) wait for a moderator. 100 holds only exact copies.`}
        value={v.similarityPercent ?? '70'}
        error={e.similarityPercent}
        inputMode="numeric"
        width="short"
      />
      <Field
        name="pacePerHour"
        type="number"
        label={`At most this many ${w.many} an hour to any one ${who}`}
        hint={`${w.Many} over the limit are not dropped: they are spread over the following hours.`}
        value={v.pacePerHour ?? '20'}
        error={e.pacePerHour}
        inputMode="numeric"
        width="short"
      />
      <Checkbox
        name="moderateAll"
        label={`Hold every ${w.one} for a moderator to read before it goes`}
        checked={v.moderateAll === 'on' || v.moderateAll === 'true'}
      />
    </>
  );
}

const STATUS_LABEL = { unconfirmed: 'Not confirmed', held: 'Held', queued: 'Being sent', sent: 'Sent', rejected: 'Rejected' } as const;
const holdLabel = (reason: 'similar' | 'moderation', w: MessageWords) =>
  reason === 'similar' ? `Very like other ${w.many}` : `Every ${w.one} is read first`;

function Back({ actionId, title }: { actionId: number; title: string }) {
  return (
    <p>
      <a href={`/admin/actions/${actionId}`}>Back to {title}</a>
    </p>
  );
}

/** The moderation queue: counts, held letters, and deliveries (waiting, sent, failed with their errors). */
export function ModerationView(p: {
  actionId: number;
  title: string;
  words: MessageWords;
  csrf: string;
  timeZone: string;
  notice?: string | undefined;
  counts: Partial<Record<keyof typeof STATUS_LABEL, number>>;
  held: ReadonlyArray<Letter & { constituencyName: string | null }>;
  deliveries: { waiting: number; sent: number; failed: number; lastSlot: number | null };
  failed: ReadonlyArray<{ id: number; letterId: number; recipient: string; error: string; at: number }>;
  canExport: boolean;
}) {
  const w = p.words;
  return (
    <>
      <Back actionId={p.actionId} title={p.title} />
      <h1>
        {w.Many}: {p.title}
      </h1>
      {p.notice && (
        <Notice kind="success">
          <p>{p.notice}</p>
        </Notice>
      )}
      <ul class="stats">
        {(Object.keys(STATUS_LABEL) as Array<keyof typeof STATUS_LABEL>).map((s) => (
          <li key={s}>
            <strong>{n(p.counts[s] ?? 0)}</strong> {STATUS_LABEL[s].toLowerCase()}
          </li>
        ))}
      </ul>
      <h2>Held for moderation</h2>
      {p.held.length === 0 ? (
        <p>
          No {w.many} are waiting. Held {w.many} appear here until someone approves or rejects them.
        </p>
      ) : (
        <TableWrap label={`Held ${w.many}`}>
          <table>
            <thead>
              <tr>
                <th scope="col">Subject</th>
                <th scope="col">From</th>
                <th scope="col">Constituency</th>
                <th scope="col">Why held</th>
                <th scope="col" class="num">
                  Similarity
                </th>
                <th scope="col">Confirmed</th>
              </tr>
            </thead>
            <tbody>
              {p.held.map((l) => (
                <tr key={l.id}>
                  <td class="wrap-anywhere">
                    <a href={`/admin/actions/${p.actionId}/letters/${l.id}`}>{l.subject}</a>
                  </td>
                  <td class="wrap-anywhere">{`${l.firstName} ${l.lastName}`.trim()}</td>
                  <td>{l.constituencyName ?? l.constituencyCode ?? '—'}</td>
                  <td>{l.holdReason ? holdLabel(l.holdReason, w) : '—'}</td>
                  <td class="num">{l.similarity === null ? '—' : `${Math.round(l.similarity * 100)}%`}</td>
                  <td>{formatTime(l.confirmedAt, p.timeZone)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <h2>Deliveries</h2>
      <p>
        {n(p.deliveries.sent)} sent, {n(p.deliveries.waiting)} waiting for their time under the pace limit, {n(p.deliveries.failed)} failed.
        {p.deliveries.lastSlot !== null && (
          <>
            {' '}
            The last waiting {w.one} goes at {formatTime(p.deliveries.lastSlot, p.timeZone)}.
          </>
        )}
      </p>
      {p.failed.length > 0 && (
        <TableWrap label="Failed deliveries">
          <table>
            <thead>
              <tr>
                <th scope="col">To</th>
                <th scope="col">{w.One}</th>
                <th scope="col">What the mail server said</th>
                <th scope="col">Retry</th>
              </tr>
            </thead>
            <tbody>
              {p.failed.map((f) => (
                <tr key={f.id}>
                  <td>{f.recipient}</td>
                  <td>
                    <a href={`/admin/actions/${p.actionId}/letters/${f.letterId}`}>
                      {w.One} {f.letterId}
                    </a>
                  </td>
                  <td class="wrap-anywhere error-cell">{f.error}</td>
                  <td>
                    <form method="post" action={`/admin/actions/${p.actionId}/letters/deliveries/${f.id}/retry`} class="inline-form">
                      <CsrfField token={p.csrf} />
                      <button type="submit" class="button-small button-secondary">
                        Try again
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {p.canExport && (
        <p>
          <a href={`/admin/actions/${p.actionId}/letters/export`}>Export {w.one} writers</a>
        </p>
      )}
    </>
  );
}

/** One letter for a moderator: its words as plain text, its deliveries, and (while held) approve or reject. */
export function LetterAdminView(p: {
  actionId: number;
  title: string;
  words: MessageWords;
  csrf: string;
  timeZone: string;
  letter: Letter;
  /** The letter's constituency by name, when Lantern knows its code. */
  constituencyName: string | null;
  deliveries: ReadonlyArray<{
    id: number;
    recipient: string;
    party: string | null;
    status: string;
    notBefore: number;
    sentAt: number | null;
    error: string | null;
  }>;
  values?: Values;
  errors?: Errors;
}) {
  const l = p.letter;
  const w = p.words;
  const base = `/admin/actions/${p.actionId}/letters/${l.id}`;
  return (
    <>
      <p>
        <a href={`/admin/actions/${p.actionId}/letters`}>Back to the {w.many}</a>
      </p>
      <h1 class="wrap-anywhere">{l.subject}</h1>
      <ErrorSummary errors={p.errors} />
      <dl class="meta">
        <dt>State</dt>
        <dd>
          {STATUS_LABEL[l.status]}
          {l.holdReason && l.status === 'held' ? ` (${holdLabel(l.holdReason, w)})` : ''}
        </dd>
        <dt>From</dt>
        <dd class="wrap-anywhere">{`${l.firstName} ${l.lastName}`.trim()}</dd>
        {l.constituencyCode && (
          <>
            <dt>Constituency</dt>
            <dd>
              {p.constituencyName ?? l.constituencyCode}
              {p.constituencyName && <span class="muted"> ({l.constituencyCode})</span>}
            </dd>
          </>
        )}
        <dt>Similarity to other {w.many}</dt>
        <dd>{l.similarity === null ? '—' : `${Math.round(l.similarity * 100)}%`}</dd>
        <dt>Confirmed</dt>
        <dd>{formatTime(l.confirmedAt, p.timeZone)}</dd>
      </dl>
      <section class="card letter-preview" aria-label={`The ${w.one}`}>
        <div class="pre-line wrap-anywhere letter-text">{l.body}</div>
      </section>
      {l.status === 'held' && (
        <div class="button-row">
          <form method="post" action={`${base}/approve`}>
            <CsrfField token={p.csrf} />
            <button type="submit">Approve and send</button>
          </form>
        </div>
      )}
      {l.status === 'held' && (
        <form method="post" action={`${base}/reject`} class="form">
          <CsrfField token={p.csrf} />
          <TextArea
            name="reason"
            label="Or reject it, with a reason"
            hint="The writer is emailed this reason, so write it for them."
            value={p.values?.reason}
            error={p.errors?.reason}
            rows={3}
            maxLength={1000}
          />
          <button type="submit" class="button-warning">
            Reject
          </button>
        </form>
      )}
      {p.deliveries.length > 0 && (
        <>
          <h2>Deliveries</h2>
          <TableWrap label={`Deliveries of this ${w.one}`}>
            <table>
              <thead>
                <tr>
                  <th scope="col">To</th>
                  <th scope="col">State</th>
                  <th scope="col">Not before</th>
                  <th scope="col">Sent</th>
                  <th scope="col">Error</th>
                </tr>
              </thead>
              <tbody>
                {p.deliveries.map((d) => (
                  <tr key={d.id}>
                    <td>
                      {d.recipient}
                      {d.party ? ` (${d.party})` : ''}
                    </td>
                    <td>{d.status}</td>
                    <td>{formatTime(d.notBefore, p.timeZone)}</td>
                    <td>{formatTime(d.sentAt, p.timeZone)}</td>
                    <td class="wrap-anywhere">{d.error ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        </>
      )}
    </>
  );
}

const pct = (part: number, whole: number) => (whole === 0 ? '—' : `${Math.round((part / whole) * 100)}%`);

function FiguresRow({ f, label, extra }: { f: ReplyFigures; label: string; extra?: string }) {
  const answered = f.yes + f.no + f.notYet;
  return (
    <tr>
      <th scope="row">
        {label}
        {extra && <span class="muted"> {extra}</span>}
      </th>
      <td class="num">{n(f.sent)}</td>
      <td class="num">{n(f.asked)}</td>
      <td class="num">{n(f.yes)}</td>
      <td class="num">{n(f.no)}</td>
      <td class="num">{n(f.notYet)}</td>
      <td class="num">{pct(f.yes, answered)}</td>
    </tr>
  );
}

function FiguresHead({ first }: { first: string }) {
  return (
    <thead>
      <tr>
        <th scope="col">{first}</th>
        <th scope="col" class="num">
          Letters sent
        </th>
        <th scope="col" class="num">
          Writers asked
        </th>
        <th scope="col" class="num">
          Replied
        </th>
        <th scope="col" class="num">
          No reply
        </th>
        <th scope="col" class="num">
          Not yet
        </th>
        <th scope="col" class="num">
          Reply rate
        </th>
      </tr>
    </thead>
  );
}

/** The MP response figures: per party and per MP, from the writers' answers to "did your MP reply?". */
export function ResponsesView(p: {
  actionId: number;
  title: string;
  perParty: ReadonlyArray<ReplyFigures & { party: string; mps: number }>;
  perMp: ReadonlyArray<ReplyFigures & { key: string; name: string; party: string }>;
}) {
  return (
    <>
      <Back actionId={p.actionId} title={p.title} />
      <h1>MP responses: {p.title}</h1>
      <p>
        Fourteen days after a letter goes, its writer is asked whether their MP replied. The reply rate is the share of answers saying yes.
        Writers who have not answered are not counted in it.
      </p>
      {p.perMp.length === 0 ? (
        <p>No letters have been sent yet.</p>
      ) : (
        <>
          <h2>By party</h2>
          <TableWrap label="Responses by party">
            <table>
              <FiguresHead first="Party" />
              <tbody>
                {p.perParty.map((f) => (
                  <FiguresRow key={f.party} f={f} label={f.party} extra={`(${n(f.mps)} ${f.mps === 1 ? 'MP' : 'MPs'})`} />
                ))}
              </tbody>
            </table>
          </TableWrap>
          <h2>By MP</h2>
          <TableWrap label="Responses by MP">
            <table>
              <FiguresHead first="MP" />
              <tbody>
                {p.perMp.map((f) => (
                  <FiguresRow key={f.key} f={f} label={f.name} extra={`(${f.party})`} />
                ))}
              </tbody>
            </table>
          </TableWrap>
        </>
      )}
    </>
  );
}

/** Before the export: what the file holds, and the button (every export is in the audit log). */
export function ExportView(p: { actionId: number; title: string; csrf: string; total: number; withConsent: number; words: MessageWords }) {
  const w = p.words;
  return (
    <>
      <Back actionId={p.actionId} title={p.title} />
      <h1>
        Export {w.one} writers: {p.title}
      </h1>
      <p>
        The file lists the {n(p.total)} confirmed {w.many}: their state, recipients
        {w.one === 'letter' ? ', constituency and the writer\'s answer to "did your MP reply?"' : ''}. Names and email addresses are
        included only for the {n(p.withConsent)} writers who agreed to hear from us; for everyone else those columns are empty, because they
        gave their details only to send their {w.one}. The {w.many}' words are not exported.
      </p>
      <p>Every export is recorded in the audit log.</p>
      <form method="post" action={`/admin/actions/${p.actionId}/letters/export`} class="form">
        <CsrfField token={p.csrf} />
        <button type="submit">Download the CSV file</button>
      </form>
    </>
  );
}
