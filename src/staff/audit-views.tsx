import { AuditSentence, TableWrap, Time } from '../core/web/components.js';
import type { AuditEntry } from './service.js';

/** The audit log, a page at a time, each entry in words. */
export function AuditView(p: { entries: AuditEntry[]; page: number; more: boolean; tz: string }) {
  return (
    <>
      <h1>Audit log</h1>
      <p>Every sign-in, sign-out and change staff make, newest first.</p>
      {p.entries.length === 0 ? (
        <p>Nothing here.</p>
      ) : (
        <TableWrap label="Audit log">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">What happened</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {p.entries.map((e) => (
                <tr key={e.id}>
                  <td>
                    <Time ms={e.createdAt} timeZone={p.tz} />
                  </td>
                  <td>
                    <AuditSentence staffName={e.staffName} words={e.words} />
                  </td>
                  <td class="audit-code">
                    <code>{e.action}</code>
                    {e.target && ` · ${e.target}`}
                    {e.details && (
                      <>
                        <br />
                        {formatDetails(e.details)}
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
        {p.page > 1 && <a href={`/admin/audit?page=${p.page - 1}`}>Newer</a>}
        {p.more && <a href={`/admin/audit?page=${p.page + 1}`}>Older</a>}
      </nav>
    </>
  );
}
function formatDetails(details: string | null): string {
  if (!details) return '';
  try {
    const v = JSON.parse(details) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v))
      return Object.entries(v)
        .map(([k, x]) => `${k}: ${typeof x === 'string' ? x : JSON.stringify(x)}`)
        .join(', ');
  } catch {
    // Older or hand-written entries may not be JSON; show them as they are.
  }
  return details;
}
