import type { ComponentChildren } from 'preact';
import { CsrfField, ErrorSummary, Field, Notice, Select, TableWrap, TextArea, Time } from '../core/web/components.js';
import {
  ENCODING_LABELS,
  ENCODINGS,
  FIELD_LABELS,
  IMPORT_FIELDS,
  UPLOAD_LIMIT_BYTES,
  type ColumnChoice,
  type FileEncoding,
  type ImportView,
} from './import-file.js';
import { plural, type ListChoice, type Errors, type Values } from './admin-views.js';

// The CSV import's pages: upload, choosing the columns, the check's report, progress (a page that refreshes
// itself without JavaScript) and the end.

// ---- import ------------------------------------------------------------------------------------------------

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 2 : 1)} MB`;

const IMPORT_STATES: Record<ImportView['status'], string> = {
  uploading: 'uploading',
  uploaded: 'waiting for its columns to be chosen',
  checking: 'being checked',
  checked: 'checked, waiting for you to confirm',
  importing: 'importing',
  imported: 'imported',
  failed: 'stopped with an error',
};

/** The upload form and recent imports. */
export function ImportUploadView(p: {
  csrf: string;
  tz: string;
  errors?: Errors;
  recent: Array<{
    id: number;
    status: ImportView['status'];
    filename: string;
    bytes: number;
    rowsTotal: number | null;
    counts: { created: number; updated: number } | undefined;
    createdAt: number;
  }>;
}) {
  return (
    <>
      <p>
        <a href="/admin/supporters">Back to supporters</a>
      </p>
      <h1>Import supporters from a CSV file</h1>
      <ErrorSummary errors={p.errors} />
      <ol>
        <li>Upload the file. It is kept encrypted, and deleted once imported or after 24 hours.</li>
        <li>Say which column holds what, and on what lawful basis you may email these people.</li>
        <li>Lantern checks every row and shows you what it would do. Nothing is stored yet.</li>
        <li>You confirm, and the supporters are imported.</li>
      </ol>
      <form method="post" action="/admin/supporters/import" enctype="multipart/form-data" class="form" noValidate>
        <CsrfField token={p.csrf} />
        <div class={`field${p.errors?.file ? ' field-error' : ''}`}>
          <label for="f-file">CSV file</label>
          <p class="hint" id="f-file-hint">
            Up to {UPLOAD_LIMIT_BYTES / 1024 / 1024} MB. From a spreadsheet, choose “Save as” and “CSV UTF-8”. The first row may name the
            columns.
          </p>
          {p.errors?.file && (
            <p class="error-message" id="f-file-error">
              <span class="visually-hidden">Error: </span>
              {p.errors.file}
            </p>
          )}
          <input
            type="file"
            id="f-file"
            name="file"
            accept=".csv,.txt,text/csv,text/plain"
            aria-describedby={p.errors?.file ? 'f-file-hint f-file-error' : 'f-file-hint'}
          />
        </div>
        <button type="submit">Upload and continue</button>
      </form>
      {p.recent.length > 0 && (
        <section aria-labelledby="recent-h">
          <h2 id="recent-h">Recent imports</h2>
          <TableWrap label="Recent imports">
            <table>
              <thead>
                <tr>
                  <th scope="col">File</th>
                  <th scope="col">Uploaded</th>
                  <th scope="col">Size</th>
                  <th scope="col">State</th>
                  <th scope="col">Result</th>
                </tr>
              </thead>
              <tbody>
                {p.recent.map((r) => (
                  <tr key={r.id}>
                    <td class="wrap-anywhere">
                      <a href={`/admin/supporters/import/${r.id}`}>{r.filename}</a>
                    </td>
                    <td>
                      <Time ms={r.createdAt} timeZone={p.tz} />
                    </td>
                    <td>{mb(r.bytes)}</td>
                    <td>{IMPORT_STATES[r.status]}</td>
                    <td>
                      {r.counts
                        ? `${r.counts.created.toLocaleString('en-GB')} new, ${r.counts.updated.toLocaleString('en-GB')} updated`
                        : r.rowsTotal !== null
                          ? plural(r.rowsTotal, 'row')
                          : ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        </section>
      )}
    </>
  );
}

export interface MappingPreview {
  headings: string[];
  sample: string[][];
  guesses: ColumnChoice[];
  header: boolean;
  headerLikely: boolean;
  problem?: string | undefined;
  tooWide: boolean;
}

/** Stage 2: how to read the file, which column is what, the lawful basis and the lists. */
export function ImportMappingView(p: {
  csrf: string;
  tz: string;
  imp: ImportView;
  encoding: FileEncoding;
  preview: MappingPreview;
  lists: readonly ListChoice[];
  values: Values;
  lists_checked: readonly string[];
  errors?: Errors;
}) {
  const { imp, preview } = p;
  const e = p.errors ?? {};
  const v = (k: string) => p.values[k] ?? '';
  const encodings = ENCODINGS.filter((x) =>
    x.startsWith('utf-16') ? x === imp.detectedEncoding : !imp.detectedEncoding.startsWith('utf-16'),
  );
  const usable = preview.headings.length > 0 && !preview.problem && !preview.tooWide;
  return (
    <>
      <p>
        <a href="/admin/supporters/import">Back to imports</a>
      </p>
      <h1>Choose the columns</h1>
      <p>
        File: <span class="wrap-anywhere">{imp.filename}</span> ({mb(imp.bytes)}). It is deleted on{' '}
        <Time ms={imp.expiresAt} timeZone={p.tz} /> if you do not import it.
      </p>
      <ErrorSummary errors={p.errors} />
      {imp.detectedEncoding === 'windows-1252' && (
        <Notice kind="warning">
          This file is not UTF-8, so it is read as Windows-1252, the way Excel on Windows saves plain CSV. Check that names with accents
          look right below; if not, choose another encoding.
        </Notice>
      )}
      <form method="get" action={`/admin/supporters/import/${imp.id}`} class="form inline-fields">
        <Select
          name="encoding"
          label="Read the file as"
          options={encodings.map((x) => ({ value: x, label: ENCODING_LABELS[x] }))}
          value={p.encoding}
        />
        <div class="checkbox">
          <input type="checkbox" id="f-header-read" name="header" value="1" checked={preview.header} />
          <label for="f-header-read">The first row names the columns</label>
        </div>
        <input type="hidden" name="read" value="1" />
        <button type="submit" class="button-secondary">
          Show the file again
        </button>
      </form>
      {preview.problem && <Notice kind="warning">{preview.problem}</Notice>}
      {preview.tooWide && (
        <Notice kind="warning">This file has more than 100 columns. Remove the columns you do not need and upload it again.</Notice>
      )}
      {preview.sample.length > 0 && (
        <TableWrap label="The first rows of the file">
          <table>
            <caption>The first rows of the file</caption>
            <thead>
              <tr>
                {preview.headings.map((h, i) => (
                  <th key={i} scope="col">
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {preview.sample.map((r, i) => (
                <tr key={i}>
                  {preview.headings.map((_, j) => (
                    <td key={j} class="wrap-anywhere">
                      {r[j] ?? ''}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {usable && (
        <form method="post" action={`/admin/supporters/import/${imp.id}/check`} class="form" noValidate>
          <CsrfField token={p.csrf} />
          <input type="hidden" name="encoding" value={p.encoding} />
          <input type="hidden" name="header" value={preview.header ? '1' : '0'} />
          <input type="hidden" name="width" value={String(preview.headings.length)} />
          <fieldset id="f-columns" class={e.columns ? 'field-error' : undefined}>
            <legend>What each column holds</legend>
            {e.columns && (
              <p class="error-message">
                <span class="visually-hidden">Error: </span>
                {e.columns}
              </p>
            )}
            {preview.headings.map((h, i) => (
              <Select
                key={i}
                name={`col_${i}`}
                label={h}
                hint={
                  preview.sample.length
                    ? `For example: ${
                        preview.sample
                          .map((r) => r[i] ?? '')
                          .filter(Boolean)
                          .slice(0, 3)
                          .join(', ')
                          .slice(0, 120) || '(empty)'
                      }`
                    : undefined
                }
                options={[{ value: 'ignore', label: 'Do not import' }, ...IMPORT_FIELDS.map((f) => ({ value: f, label: FIELD_LABELS[f] }))]}
                value={p.values[`col_${i}`] ?? preview.guesses[i]}
                error={e[`col_${i}`]}
              />
            ))}
          </fieldset>

          <fieldset id="f-basis" class={e.basis ? 'field-error' : undefined}>
            <legend>Lawful basis for emailing them</legend>
            <p class="hint">You must be able to show why you may email each of these people. This is recorded against every one of them.</p>
            {e.basis && (
              <p class="error-message">
                <span class="visually-hidden">Error: </span>
                {e.basis}
              </p>
            )}
            <div class="checkbox">
              <input
                type="radio"
                id="f-basis-consent"
                name="basis"
                value="consent"
                checked={v('basis') === 'consent'}
                aria-describedby="f-basis-consent-hint"
              />
              <label for="f-basis-consent">They gave consent</label>
              <p class="hint" id="f-basis-consent-hint">
                They ticked a box or signed a form saying they want to hear from you.
              </p>
            </div>
            <div class="checkbox">
              <input
                type="radio"
                id="f-basis-soft"
                name="basis"
                value="soft_opt_in"
                checked={v('basis') === 'soft_opt_in'}
                aria-describedby="f-basis-soft-hint"
              />
              <label for="f-basis-soft">Charity soft opt-in</label>
              <p class="hint" id="f-basis-soft-hint">
                They supported you (donated, volunteered, signed up to an event), were told you would email them about your work and given a
                simple way to say no, and did not.
              </p>
            </div>
          </fieldset>
          <Field
            name="consentDate"
            type="date"
            label="When they gave consent (for consent)"
            hint="The date of the form or event, like 2026-03-31."
            value={v('consentDate')}
            error={e.consentDate}
            width="short"
          />
          <TextArea
            name="evidence"
            label="Your evidence"
            hint="Where, when and how they agreed, and the words they agreed to. For example: “Paper sign-up sheet at the Pride stall, 31 March: ‘Yes, email me about campaigns’.”"
            value={v('evidence')}
            error={e.evidence}
            rows={4}
            maxLength={1000}
            required
          />

          <fieldset id="f-lists" class={e.lists ? 'field-error' : undefined}>
            <legend>Subscribe them to</legend>
            {e.lists && (
              <p class="error-message">
                <span class="visually-hidden">Error: </span>
                {e.lists}
              </p>
            )}
            {p.lists
              .filter((l) => !l.archived)
              .map((l) => (
                <div class="checkbox" key={l.id}>
                  <input
                    type="checkbox"
                    id={`f-lists-${l.id}`}
                    name="lists"
                    value={String(l.id)}
                    checked={p.lists_checked.includes(String(l.id))}
                    aria-describedby={`f-lists-${l.id}-hint`}
                  />
                  <label for={`f-lists-${l.id}`}>{l.name}</label>
                  <p class="hint" id={`f-lists-${l.id}-hint`}>
                    The list’s wording: “{l.wording}”
                  </p>
                </div>
              ))}
            <p class="hint">People who unsubscribed from a list earlier are never subscribed again by an import.</p>
          </fieldset>
          <Field
            name="tag"
            label="Tag everyone in this file (optional)"
            hint="For example the event or petition they came from."
            value={v('tag')}
            error={e.tag}
            maxLength={50}
            width="short"
          />
          <button type="submit">Check the file</button>
        </form>
      )}
      <DeleteImportForm csrf={p.csrf} id={imp.id} />
    </>
  );
}

function DeleteImportForm({ csrf, id }: { csrf: string; id: number }) {
  return (
    <form method="post" action={`/admin/supporters/import/${id}/delete`}>
      <CsrfField token={csrf} />
      <button type="submit" class="button-secondary">
        Delete the file and stop
      </button>
    </form>
  );
}

/** A running check or import: progress, refreshing itself every few seconds unless asked not to. */
export function ImportProgressView(p: { imp: ImportView; refresh: boolean }) {
  const { imp } = p;
  const checking = imp.status === 'checking';
  const done = checking ? imp.bytesDone : imp.rowsDone;
  const total = checking ? imp.bytes : (imp.rowsTotal ?? 0);
  const percent = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0;
  return (
    <>
      {p.refresh && <meta http-equiv="refresh" content="3" />}
      <h1>{checking ? 'Checking the file' : 'Importing supporters'}</h1>
      <p>
        {p.refresh ? (
          <>
            This page refreshes itself every 3 seconds. <a href={`/admin/supporters/import/${imp.id}`}>Stop refreshing</a>
          </>
        ) : (
          <>
            This page does not refresh itself. <a href={`/admin/supporters/import/${imp.id}`}>Refresh now</a> or{' '}
            <a href={`/admin/supporters/import/${imp.id}?refresh=on`}>refresh every 3 seconds</a>.
          </>
        )}
      </p>
      <div class="field">
        <label for="import-progress">{checking ? 'Read so far' : 'Imported so far'}</label>
        <progress id="import-progress" max={100} value={percent}>
          {percent}%
        </progress>
        <p role="status">
          {checking
            ? `${plural(imp.rowsDone, 'row')} checked (${percent}% of the file).`
            : `${imp.rowsDone.toLocaleString('en-GB')} of ${plural(total, 'row')} done (${percent}%).`}
        </p>
      </div>
      {checking ? <p>Nothing is stored while the file is checked.</p> : <p>You can leave this page: the import carries on.</p>}
    </>
  );
}

function Count({ n, children }: { n: number; children: ComponentChildren }) {
  return (
    <div>
      <dt>{children}</dt>
      <dd>{n.toLocaleString('en-GB')}</dd>
    </div>
  );
}

/** Stage 3: what the check found, and the confirm button. */
export function ImportReportView(p: { csrf: string; imp: ImportView; lists: readonly ListChoice[]; notice?: string | undefined }) {
  const { imp } = p;
  const r = imp.report!;
  const s = imp.settings!;
  const listNames = s.listIds.map((id) => p.lists.find((l) => l.id === id)?.name ?? `list ${id}`);
  const importable = r.create + r.update;
  return (
    <>
      <p>
        <a href="/admin/supporters/import">Back to imports</a>
      </p>
      <h1>Check before importing</h1>
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      <p>
        File: <span class="wrap-anywhere">{imp.filename}</span>. Nothing has been stored yet.
      </p>
      {r.fatal ? (
        <Notice kind="warning">{r.fatal.message}</Notice>
      ) : (
        <dl class="stats">
          <Count n={r.rows}>Rows in the file</Count>
          <Count n={r.create}>New supporters</Count>
          <Count n={r.update}>Already on file (details updated)</Count>
          <Count n={r.invalid}>Rows with errors (skipped)</Count>
          <Count n={r.duplicates}>Repeated addresses (skipped)</Count>
          <Count n={r.erased}>Erased at their request (skipped)</Count>
          <Count n={r.flagged}>Warnings</Count>
        </dl>
      )}
      <p>
        Lawful basis: <strong>{s.basis === 'consent' ? `consent given ${s.consentDate ?? ''}` : 'charity soft opt-in'}</strong>. Evidence: “
        {s.evidence}”. Lists: {listNames.join(', ')}.{s.tag && <> Tag: “{s.tag}”.</>}
      </p>
      {r.issues.length > 0 && (
        <section aria-labelledby="issues-h">
          <h2 id="issues-h">Problems and warnings</h2>
          {r.issuesTotal > r.issues.length && (
            <p>
              Showing the first {r.issues.length.toLocaleString('en-GB')} of {r.issuesTotal.toLocaleString('en-GB')}.
            </p>
          )}
          <TableWrap label="Problems and warnings">
            <table>
              <thead>
                <tr>
                  <th scope="col">Row</th>
                  <th scope="col">Column</th>
                  <th scope="col">Problem</th>
                  <th scope="col">Effect</th>
                </tr>
              </thead>
              <tbody>
                {r.issues.map((x, i) => (
                  <tr key={i}>
                    <td>{x.row}</td>
                    <td>{x.column || '—'}</td>
                    <td class="wrap-anywhere">{x.message}</td>
                    <td>{x.level === 'error' ? 'row skipped' : 'warning'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        </section>
      )}
      {!r.fatal && importable > 0 && (
        <form method="post" action={`/admin/supporters/import/${imp.id}/confirm`}>
          <CsrfField token={p.csrf} />
          <button type="submit">Import {plural(importable, 'supporter')}</button>
        </form>
      )}
      <p>
        <a href={`/admin/supporters/import/${imp.id}?change=1`}>Change the columns or the lawful basis</a>
      </p>
      <DeleteImportForm csrf={p.csrf} id={imp.id} />
    </>
  );
}

/** Stage 4: the import finished (or failed). */
export function ImportDoneView(p: { csrf: string; imp: ImportView }) {
  const { imp } = p;
  const c = imp.counts;
  if (imp.status === 'failed') {
    return (
      <>
        <p>
          <a href="/admin/supporters/import">Back to imports</a>
        </p>
        <h1>The import stopped</h1>
        <Notice kind="warning">{imp.error ?? 'Something went wrong.'}</Notice>
        {c && (
          <p>
            Before it stopped: {plural(c.created, 'new supporter')}, {plural(c.updated, 'supporter')} updated. Importing the file again is
            safe: nobody is added twice.
          </p>
        )}
        <p>
          <a href={`/admin/supporters/import/${imp.id}?change=1`}>Check the file again</a>
        </p>
        <DeleteImportForm csrf={p.csrf} id={imp.id} />
      </>
    );
  }
  return (
    <>
      <p>
        <a href="/admin/supporters/import">Back to imports</a>
      </p>
      <h1>Import finished</h1>
      <dl class="stats">
        <Count n={c?.created ?? 0}>New supporters</Count>
        <Count n={c?.updated ?? 0}>Updated</Count>
        <Count n={c?.consents ?? 0}>Subscriptions added</Count>
        <Count n={c?.skipped ?? 0}>Rows skipped</Count>
      </dl>
      <p>The uploaded file has been deleted.</p>
      <p>
        <a href="/admin/supporters?source=import">See imported supporters</a>
      </p>
    </>
  );
}
