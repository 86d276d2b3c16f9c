import { CsrfField, ErrorSummary, formatTime, Notice, TableWrap, Time } from '../core/web/components.js';
import type { RepresentativesStatus } from './service.js';
import type { UploadView } from './uploads.js';

// The MPs and postcodes page, in staff's words: what Lantern uses to find a supporter's MP, where it comes from and
// when it was refreshed, and a form to refresh it from a file; and the page that follows one upload's import.

const n = (x: number) => x.toLocaleString('en-GB');

const DATA_LABELS: Record<string, { name: string; what: string }> = {
  constituencies: { name: 'Constituencies', what: 'The 650 Westminster constituencies, on the boundaries of the 2024 general election.' },
  mps: { name: 'MPs', what: 'The MP of each constituency, with their party and the email address letters are sent to.' },
  ranges: {
    name: 'Postcode ranges',
    what: 'Which constituency every postcode in Great Britain is in, as ranges of postcodes (from mySociety).',
  },
  outcodes: { name: 'Postcode districts', what: 'Every postcode district in Great Britain, so a mistyped postcode is not matched.' },
  postcodes: {
    name: 'Imported postcodes',
    what: 'Postcodes from the ONS Postcode Directory, which win over the ranges: newer, and the only open source for Northern Ireland.',
  },
};

/** Shipped files read into memory at start-up, not loaded into the database: they change only with Lantern. */
const IN_MEMORY = new Set(['ranges', 'outcodes']);

const SOURCE_WORDS: Record<string, string> = {
  constituencies: 'UK Parliament and ONS, shipped with Lantern',
  mps: 'UK Parliament (June 2026), shipped with Lantern',
  ranges: 'mySociety, from Ordnance Survey Code-Point Open (2023), shipped with Lantern',
  outcodes: 'Ordnance Survey Code-Point Open (2023), shipped with Lantern',
  postcodes: 'Not imported yet',
};

const DETAIL_LABELS: Record<string, string> = {
  rows: 'rows read',
  imported: 'postcodes imported',
  terminated: 'terminated postcodes',
  northernIreland: 'in Northern Ireland',
  northernIrelandStored: 'Northern Ireland postcodes stored',
  updated: 'MPs set',
  vacated: 'seats marked vacant',
};

const STATUS_WORDS: Record<UploadView['status'], string> = {
  uploading: 'Uploading',
  queued: 'Waiting to start',
  importing: 'Importing',
  done: 'Imported',
  failed: 'Could not be imported',
};

const KIND_WORDS: Record<UploadView['kind'], string> = { postcodes: 'Postcodes', mps: 'MPs' };

const size = (bytes: number) =>
  bytes >= 1024 ** 2
    ? `${(bytes / 1024 ** 2).toFixed(bytes >= 100 * 1024 ** 2 ? 0 : 1)} MB`
    : `${Math.max(1, Math.round(bytes / 1024))} KB`;

export function RepresentativesAdminView(p: {
  status: RepresentativesStatus;
  tz: string;
  csrf: string;
  recent: UploadView[];
  errors?: Record<string, string> | undefined;
  kind?: string | undefined;
}) {
  const s = p.status;
  const e = p.errors ?? {};
  return (
    <>
      <h1>MPs and postcodes</h1>
      <p class="lede">
        When a supporter writes to their MP, Lantern finds their MP from their postcode. This page shows the data it uses, where it comes
        from and when it was last refreshed, and lets you refresh it from a file.
      </p>
      <ErrorSummary errors={p.errors} />
      {s.postcodes === 0 && (
        <Notice>
          No postcodes have been imported, so Lantern uses its postcode ranges alone. They cover every postcode in Great Britain as of 2023:
          a newer postcode may not be found, or may be matched to a neighbouring constituency. Supporters in Northern Ireland choose their
          constituency from a list. Upload the ONS Postcode Directory below to match every postcode exactly.
        </Notice>
      )}
      <section aria-labelledby="counts-h">
        <h2 id="counts-h">What Lantern knows</h2>
        <dl class="stats">
          <div>
            <dt>Constituencies</dt>
            <dd>{n(s.constituencies)}</dd>
          </div>
          <div>
            <dt>MPs</dt>
            <dd>{n(s.mps)}</dd>
          </div>
          <div>
            <dt>Seats with no MP</dt>
            <dd>{n(s.vacantSeats)}</dd>
          </div>
          <div>
            <dt>MPs with no email address</dt>
            <dd class={s.mpsWithoutEmail > 0 ? 'bad' : undefined}>{n(s.mpsWithoutEmail)}</dd>
          </div>
          <div>
            <dt>Postcodes imported</dt>
            <dd>{n(s.postcodes)}</dd>
          </div>
        </dl>
      </section>
      <section aria-labelledby="sources-h">
        <h2 id="sources-h">Where it comes from</h2>
        <TableWrap label="Where the data comes from">
          <table class="data-sources">
            <thead>
              <tr>
                <th scope="col">Data</th>
                <th scope="col">Where it comes from</th>
                <th scope="col">Last refreshed</th>
                <th scope="col" class="num">
                  Rows
                </th>
              </tr>
            </thead>
            <tbody>
              {s.sources.map((src) => (
                <tr key={src.key}>
                  <th scope="row">
                    {DATA_LABELS[src.key]?.name ?? src.key}
                    <span class="row-detail">{DATA_LABELS[src.key]?.what}</span>
                  </th>
                  <td data-label="Where it comes from">
                    {src.origin === 'import' ? (
                      <>
                        Imported from <span class="wrap-anywhere">{src.file}</span>
                        {Object.keys(src.details).length > 0 && (
                          <span class="row-detail">
                            {Object.entries(src.details)
                              .map(([k, v]) => `${DETAIL_LABELS[k] ?? `skipped, ${k}`}: ${n(v)}`)
                              .join('; ')}
                          </span>
                        )}
                      </>
                    ) : (
                      (SOURCE_WORDS[src.key] ?? src.origin)
                    )}
                  </td>
                  <td data-label="Last refreshed">
                    {IN_MEMORY.has(src.key) ? (
                      'With each version of Lantern'
                    ) : src.loadedAt === null ? (
                      'Never'
                    ) : (
                      <Time ms={src.loadedAt} timeZone={p.tz} />
                    )}
                  </td>
                  <td class="num" data-label="Rows">
                    {n(src.rows)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
        <p>
          The site shows the attributions these open data licences ask for on its <a href="/data-sources">data sources page</a>.
        </p>
      </section>
      <section aria-labelledby="refresh-h">
        <h2 id="refresh-h">Refresh the data</h2>
        <p>
          Constituencies, MPs and postcode ranges arrive with each new version of Lantern. Between versions, upload a newer file here.
          Lantern imports it in the background: you can leave the page and come back.
        </p>
        <form method="post" action="/admin/representatives/uploads" enctype="multipart/form-data" class="form" noValidate>
          <CsrfField token={p.csrf} />
          <fieldset class={`field${e.kind ? ' field-error' : ''}`} aria-describedby={e.kind ? 'f-kind-error' : undefined}>
            <legend>What does the file hold?</legend>
            {e.kind && (
              <p class="error-message" id="f-kind-error">
                <span class="visually-hidden">Error: </span>
                {e.kind}
              </p>
            )}
            <div class="checkbox">
              <input type="radio" id="f-kind" name="kind" value="postcodes" checked={p.kind !== 'mps'} aria-describedby="f-kind-hint" />
              <label for="f-kind">Postcodes</label>
              <p class="hint" id="f-kind-hint">
                The ONS Postcode Directory (ONSPD) or the National Statistics Postcode Lookup (NSPL), August 2024 or later, from the ONS
                Open Geography Portal: the CSV file, or the same gzipped (.csv.gz).
              </p>
            </div>
            <div class="checkbox">
              <input type="radio" id="f-kind-mps" name="kind" value="mps" checked={p.kind === 'mps'} aria-describedby="f-kind-mps-hint" />
              <label for="f-kind-mps">MPs</label>
              <p class="hint" id="f-kind-mps-hint">
                A CSV laid out like Lantern's own list of MPs, or the JSON the UK Parliament Members API gives. Seats in the file get its
                MPs; other seats keep theirs.
              </p>
            </div>
          </fieldset>
          <div class={`field${e.file ? ' field-error' : ''}`}>
            <label for="f-file">The file</label>
            {e.file && (
              <p class="error-message" id="f-file-error">
                <span class="visually-hidden">Error: </span>
                {e.file}
              </p>
            )}
            <input
              type="file"
              id="f-file"
              name="file"
              accept=".csv,.gz,.json,text/csv,application/gzip,application/json"
              aria-describedby={e.file ? 'f-file-error' : undefined}
            />
          </div>
          <button type="submit">Upload and import</button>
        </form>
      </section>
      {p.recent.length > 0 && (
        <section aria-labelledby="recent-h">
          <h2 id="recent-h">Recent uploads</h2>
          <ul class="card-rows">
            {p.recent.map((u) => (
              <li key={u.id}>
                <a href={`/admin/representatives/uploads/${u.id}`} class="wrap-anywhere">
                  {u.file}
                </a>
                <span class="row-detail">
                  {KIND_WORDS[u.kind]}, {size(u.bytes)}, uploaded {formatTime(u.createdAt, p.tz)}: {STATUS_WORDS[u.status]}
                  {u.status === 'importing' && ` (${u.percent}%)`}
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
      <details class="for-engineers">
        <summary>For whoever looks after the server</summary>
        <p>
          The same imports run from the command line: <code>npx lantern import postcodes FILE</code> and{' '}
          <code>npx lantern import mps FILE</code>.
        </p>
      </details>
    </>
  );
}

/** One upload's import: how far it has got (no automatic refresh: a link to look again), and what it did. */
export function UploadProgressView({ upload: u, tz }: { upload: UploadView; tz: string }) {
  const self = `/admin/representatives/uploads/${u.id}`;
  const running = u.status === 'queued' || u.status === 'importing';
  return (
    <>
      <p>
        <a href="/admin/representatives">Back to MPs and postcodes</a>
      </p>
      <h1 class="wrap-anywhere">Import of {u.file}</h1>
      <dl class="meta">
        <div>
          <dt>What it holds</dt>
          <dd>{KIND_WORDS[u.kind]}</dd>
        </div>
        <div>
          <dt>Size</dt>
          <dd>{size(u.bytes)}</dd>
        </div>
        <div>
          <dt>Uploaded</dt>
          <dd>
            <Time ms={u.createdAt} timeZone={tz} />
          </dd>
        </div>
        <div>
          <dt>State</dt>
          <dd>{STATUS_WORDS[u.status]}</dd>
        </div>
      </dl>
      <section class="newsletter-progress" aria-labelledby="progress-h">
        <h2 id="progress-h">Progress</h2>
        {running && (
          <p>
            {u.status === 'queued' ? 'The import will start in a moment.' : 'Lantern is reading the file.'} This page does not update
            itself: <a href={self}>refresh it</a> to see how far it has got. You can leave it and come back.
          </p>
        )}
        <label for="upload-progress">{u.percent}% of the file read</label>
        <progress id="upload-progress" value={u.percent} max={100}>
          {u.percent}%
        </progress>
      </section>
      {u.status === 'done' && (
        <Notice kind="success">
          <p>The file was imported{u.finishedAt !== null && <> on {formatTime(u.finishedAt, tz)}</>}. Lookups use it from now on.</p>
          {u.summary && <pre class="import-summary">{u.summary}</pre>}
        </Notice>
      )}
      {u.status === 'failed' && (
        <Notice kind="warning">
          <p>The file could not be imported:</p>
          <p>{u.summary}</p>
          <p>
            <a href="/admin/representatives">Upload another file</a>
          </p>
        </Notice>
      )}
    </>
  );
}
