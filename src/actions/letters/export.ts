import { stringify } from 'csv-stringify/sync';
import { constituencyNames } from '../../representatives/service.js';
import type { Core } from '../../core/context.js';
import { DomainError } from '../../core/web/errors.js';
import { recordAudit } from '../../core/audit.js';
import { listDeliveriesOfAction, listLettersForExport } from './queries.js';
import { getLetterAction } from './reading.js';
import { messageWords } from './settings.js';

// The staff export of letter writers: consent-aware (emails only of writers who asked for the newsletter), audited.

// ---- export (staff) ----

/** Makes a cell safe to open in a spreadsheet (a leading = + - @ tab or return could run as a formula). */
const escapeCell = (v: string) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v);
const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());

/** What an export of an action's letters would hold: confirmed letters, and how many writers agreed to hear from us. */
export async function letterExportSummary(core: Core, actionId: number): Promise<{ total: number; withConsent: number }> {
  const rows = await listLettersForExport(core.db, actionId);
  return { total: rows.length, withConsent: rows.filter((r) => r.opt_in === 1).length };
}

/**
 * The CSV of an action's confirmed letters, recorded in the audit log (the action and the counts, never anyone's
 * details). Consent-aware: a writer's name, email and postcode are included only when they ticked the newsletter
 * box; the others gave their details to send a letter, not to be contacted, so those cells are empty. The letters'
 * words are never exported.
 */
export async function exportLetters(
  core: Core,
  staffId: number,
  actionId: number,
): Promise<{ filename: string; csv: string; rows: number }> {
  const action = await getLetterAction(core.db, { id: actionId });
  if (!action) throw new DomainError('not_found', 'There is no such action.');
  const [letters, deliveries] = await Promise.all([listLettersForExport(core.db, actionId), listDeliveriesOfAction(core.db, actionId)]);
  const byLetter = new Map<number, typeof deliveries>();
  for (const d of deliveries) {
    const list = byLetter.get(Number(d.letter_id)) ?? [];
    list.push(d);
    byLetter.set(Number(d.letter_id), list);
  }
  const words = messageWords(action.kind);
  const header = [
    // An email's number, beside the writer's own address in the email column.
    words.one === 'email' ? 'email_id' : 'letter',
    'status',
    'confirmed',
    'sent',
    'recipients',
    'constituency',
    'constituency_name',
    'party',
    'mp_replied',
    'newsletter_consent',
    'email',
    'first_name',
    'last_name',
    'postcode',
  ];
  const places = await constituencyNames(core.db);
  const records = letters.map((r) => {
    const ds = byLetter.get(Number(r.id)) ?? [];
    const consent = r.opt_in === 1;
    const d = (v: string | null) => (consent ? (core.keyring.decryptNullable(v) ?? '') : '');
    return [
      String(r.id),
      r.status,
      iso(r.confirmed_at === null ? null : Number(r.confirmed_at)),
      iso(r.sent_at === null ? null : Number(r.sent_at)),
      ds.map((x) => `${x.recipient_name} (${x.status})`).join('; '),
      r.constituency_code ?? '',
      r.constituency_code === null ? '' : (places.get(r.constituency_code) ?? ''),
      [...new Set(ds.map((x) => x.party).filter((x) => x))].join('; '),
      r.reply ?? '',
      consent ? 'yes' : 'no',
      d(r.email_enc),
      d(r.first_name_enc),
      d(r.last_name_enc),
      d(r.postcode_enc),
    ];
  });
  await recordAudit(core.db, {
    staffId,
    action: 'letters.export',
    target: `action ${actionId}`,
    details: { rows: records.length, withDetails: letters.filter((r) => r.opt_in === 1).length },
  });
  const csv = `\ufeff${stringify(
    [header, ...records].map((row) => row.map(escapeCell)),
    { record_delimiter: '\r\n' },
  )}`;
  return { filename: `${words.many}-${action.slug}-${new Date().toISOString().slice(0, 10)}.csv`, csv, rows: records.length };
}
