import { TableWrap, Time } from '../../core/web/components.js';
import type { FileToFetch, ImportReport } from './service.js';

// The WordPress import's admin page. The old addresses of files are shown as text, not links or images: our pages
// load nothing from another site, and staff copy the address into their own browser to fetch the file.

const n = (x: number) => x.toLocaleString('en-GB');

function Counts({ label, c }: { label: string; c: ImportReport['imported'] }) {
  return (
    <tr>
      <th scope="row">{label}</th>
      <td class="num">{n(c.update)}</td>
      <td class="num">{n(c.page)}</td>
      <td class="num">{n(c.category)}</td>
    </tr>
  );
}

function Reasons({ title, list }: { title: string; list: ImportReport['skipped'] }) {
  if (list.length === 0) return null;
  return (
    <>
      <h3>{title}</h3>
      <ul class="wp-reasons">
        {list.map((s) => (
          <li key={s.reason}>
            <strong>{n(s.count)}</strong> {s.reason}
            {s.examples.length > 0 && <span class="wp-examples">, for example: {s.examples.join('; ')}</span>}
          </li>
        ))}
      </ul>
    </>
  );
}

/** The last import's report and the files to fetch by hand, a page at a time. */
export function WordPressView(p: {
  last: (ImportReport & { finishedAt: number }) | undefined;
  files: readonly FileToFetch[];
  totalFiles: number;
  page: number;
  pages: number;
  timeZone: string;
}) {
  const shortcodes = p.last ? Object.entries(p.last.droppedShortcodes) : [];
  return (
    <>
      <p>
        <a href="/admin/content">Back to the website</a>
      </p>
      <h1>Moving in from WordPress</h1>
      <p>
        Whoever looks after your server imports a WordPress export (Tools → Export in WordPress) with the command{' '}
        <code>lantern import wordpress FILE.xml</code>. Posts become updates in their categories, with their dates; drafts stay drafts;
        published pages become pages; every old address of a post, page or category leads to its new one. Running it again with the same
        file changes nothing.
      </p>
      <h2>The last import</h2>
      {!p.last ? (
        <p>Nothing has been imported from WordPress yet.</p>
      ) : (
        <>
          <p>
            <strong>{p.last.fileName}</strong> from {p.last.site}, finished <Time ms={p.last.finishedAt} timeZone={p.timeZone} />.{' '}
            {n(p.last.redirects)} old addresses now lead to their new ones.
          </p>
          <TableWrap label="What the last import did">
            <table>
              <thead>
                <tr>
                  <td />
                  <th scope="col" class="num">
                    Updates
                  </th>
                  <th scope="col" class="num">
                    Pages
                  </th>
                  <th scope="col" class="num">
                    Categories
                  </th>
                </tr>
              </thead>
              <tbody>
                <Counts label="New" c={p.last.imported} />
                <Counts label="Updated" c={p.last.updated} />
                <Counts label="Unchanged" c={p.last.unchanged} />
              </tbody>
            </table>
          </TableWrap>
          <Reasons title="Left out, and why" list={p.last.skipped} />
          <Reasons title="Imported differently from WordPress" list={p.last.notes} />
          {shortcodes.length > 0 && (
            <>
              <h3>WordPress shortcodes left out</h3>
              <p>
                These put galleries, forms or embedded media on the old site; they have no equivalent here. Look at the updates they were
                in:{' '}
                {shortcodes.map(([name, c], i) => (
                  <span key={name}>
                    {i > 0 && ', '}
                    <code>[{name}]</code> × {n(c)}
                  </span>
                ))}
                .
              </p>
            </>
          )}
        </>
      )}
      <h2 id="files">Images and files to fetch by hand</h2>
      {p.totalFiles === 0 ? (
        <p>There are none.</p>
      ) : (
        <>
          <p>
            The export only points at these on the old site; nothing was fetched from it. Images in posts were left out and their
            descriptions kept. Download each file from its old address, upload it on <a href="/admin/content/images">Images</a> and add it
            to what it belongs to. {n(p.totalFiles)} in all.
          </p>
          <TableWrap label="Images and files to fetch by hand">
            <table class="wp-files">
              <thead>
                <tr>
                  <th scope="col">File</th>
                  <th scope="col">Old address</th>
                  <th scope="col">Belongs to</th>
                </tr>
              </thead>
              <tbody>
                {p.files.map((f) => (
                  <tr key={f.url}>
                    <td>{f.title || 'No title'}</td>
                    <td>
                      <code class="wp-url">{f.url}</code>
                    </td>
                    <td>{f.editUrl ? <a href={f.editUrl}>{f.belongsTo}</a> : f.belongsTo}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          {p.pages > 1 && (
            <nav aria-label="Pages of files" class="wp-pages">
              {p.page > 1 && (
                <a rel="prev" href={`/admin/content/wordpress?page=${p.page - 1}#files`}>
                  Previous
                </a>
              )}{' '}
              Page {p.page} of {p.pages}{' '}
              {p.page < p.pages && (
                <a rel="next" href={`/admin/content/wordpress?page=${p.page + 1}#files`}>
                  Next
                </a>
              )}
            </nav>
          )}
        </>
      )}
    </>
  );
}
