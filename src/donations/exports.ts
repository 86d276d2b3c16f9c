import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import { recordAudit } from '../core/audit.js';
import type { Core } from '../core/context.js';
import { utcToZonedLocal, zonedLocalToUtc } from '../core/time.js';
import { formValues, type FormResult } from '../core/web/forms.js';
import { exportPage, giftTotals, type ExportRow, type GiftFilter } from './admin-queries.js';
import {
  CHANNELS,
  CHANNEL_WORDS,
  DONATION_STATUSES,
  DONATION_STATUS_WORDS,
  type Channel,
  type DonationStatus,
  type GiftKind,
} from './model.js';

// The gift list's filters (read from the address or the export form, written back into links), and the gifts as
// CSV for the accounts: one row per gift, amounts in pounds, donor names and emails only when staff tick for them.
// Each export is recorded in the audit log first: its filters and the number of rows, never anyone's details.

/** The filters as they are typed (the form's values), for redisplay and links. */
export type FilterValues = Record<'from' | 'to' | 'fund' | 'channel' | 'kind' | 'status' | 'giftAid', string>;

const FILTER_KEYS = ['from', 'to', 'fund', 'channel', 'kind', 'status', 'giftAid'] as const;
const DAY_TEXT = /^\d{4}-\d{2}-\d{2}$/;

/** The day after a "YYYY-MM-DD" day. */
const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/** Reads the filters (each optional) from a query or form: the filter, or a message per field it cannot read. */
export function parseGiftFilter(input: unknown, o: { timeZone: string }): FormResult<GiftFilter> & { typed: FilterValues } {
  const v = formValues(input);
  const typed = Object.fromEntries(FILTER_KEYS.map((k) => [k, (v[k] ?? '').trim()])) as FilterValues;
  const errors: Record<string, string> = {};
  const f: GiftFilter = {};
  const day = (key: 'from' | 'to') => {
    const d = typed[key];
    if (d === '') return undefined;
    const ms = DAY_TEXT.test(d) ? zonedLocalToUtc(`${d}T00:00`, o.timeZone) : null;
    if (ms === null || new Date(`${d}T00:00Z`).toISOString().slice(0, 10) !== d) {
      errors[key] = `Enter the ${key === 'from' ? 'first' : 'last'} day like 2026-12-01, or leave it empty`;
      return undefined;
    }
    return ms;
  };
  f.from = day('from');
  if (day('to') !== undefined) f.to = zonedLocalToUtc(`${nextDay(typed.to)}T00:00`, o.timeZone) ?? undefined;
  if (f.from !== undefined && f.to !== undefined && f.to <= f.from) errors.to = 'The last day must be on or after the first day';
  if (typed.fund === 'none') f.fund = 'none';
  else if (/^\d{1,12}$/.test(typed.fund)) f.fund = Number(typed.fund);
  else if (typed.fund !== '') errors.fund = 'Choose a fund from the list';
  if ((CHANNELS as readonly string[]).includes(typed.channel)) f.channel = typed.channel as Channel;
  else if (typed.channel !== '') errors.channel = 'Choose how the gifts came from the list';
  if (typed.kind === 'one_off' || typed.kind === 'monthly') f.kind = typed.kind as GiftKind;
  else if (typed.kind !== '') errors.kind = 'Choose one-off or monthly';
  if ((DONATION_STATUSES as readonly string[]).includes(typed.status)) f.status = typed.status as DonationStatus;
  else if (typed.status !== '') errors.status = 'Choose a status from the list';
  if (typed.giftAid === 'yes' || typed.giftAid === 'no') f.giftAid = typed.giftAid === 'yes';
  else if (typed.giftAid !== '') errors.giftAid = 'Choose whether Gift Aid was asked for';
  if (Object.keys(errors).length > 0) return { ok: false, errors, values: v, typed };
  return { ok: true, data: f, typed };
}

/** The filters as an address's query ("?from=2026-01-01&fund=3"), leaving out the empty ones; `extra` adds more. */
export function filterQuery(typed: Partial<FilterValues>, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams();
  for (const k of FILTER_KEYS) if (typed[k]) p.set(k, typed[k]);
  for (const [k, x] of Object.entries(extra)) p.set(k, x);
  const s = p.toString();
  return s ? `?${s}` : '';
}

/**
 * Makes a cell safe to open in a spreadsheet: one starting with = + - @ tab or carriage return could run as a
 * formula (CSV injection), so it gets a leading apostrophe, which spreadsheets show as text.
 */
export function safeCell(v: string): string {
  return /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

/** Pence as a plain decimal for a spreadsheet: "1250.50". */
const pounds = (pence: number) => (pence / 100).toFixed(2);

/** Rows fetched and written at a time. */
const EXPORT_PAGE = 500;

/**
 * The gifts matching the filter as CSV, in date order: date, amount, fund, channel, kind, status, refunded, the
 * Gift Aid claim it is in, reference; with `names`, the donor's name and email too. Audited before anything is read.
 */
export async function exportGifts(
  core: Core,
  staffId: number,
  filter: GiftFilter,
  o: { names: boolean; typed: Partial<FilterValues>; timeZone: string; now?: number },
): Promise<{ filename: string; rows: number; stream: Readable }> {
  const { count } = await giftTotals(core.db, filter);
  const chosen = Object.fromEntries(Object.entries(o.typed).filter(([, x]) => x !== ''));
  await recordAudit(core.db, {
    staffId,
    action: 'donations.export',
    details: { rows: count, names: o.names, filters: chosen },
  });
  const header = [
    'gift',
    'date',
    'amount',
    'fund',
    'channel',
    'kind',
    'status',
    'refunded',
    'gift_aid_asked',
    'gift_aid_claim',
    'reference',
  ];
  if (o.names) header.push('donor_name', 'donor_email');
  const csv = (records: string[][]) =>
    stringify(
      records.map((r) => r.map(safeCell)),
      { record_delimiter: '\r\n' },
    );
  const k = core.keyring;
  const line = (r: ExportRow): string[] => {
    const cells = [
      String(r.id),
      utcToZonedLocal(Number(r.given_at), o.timeZone).slice(0, 10),
      pounds(Number(r.amount_pence)),
      r.fund_name ?? '',
      CHANNEL_WORDS[r.channel] ?? r.channel,
      r.kind === 'monthly' ? 'monthly' : 'one-off',
      DONATION_STATUS_WORDS[r.status] ?? r.status,
      pounds(Number(r.refunded_pence)),
      Number(r.gift_aid) === 1 ? 'yes' : 'no',
      r.claim_id === null ? '' : String(r.claim_id),
      r.reference,
    ];
    if (o.names) cells.push(r.name_enc ? k.decrypt(r.name_enc) : '', r.email_enc ? k.decrypt(r.email_enc) : '');
    return cells;
  };
  async function* pages(): AsyncGenerator<string> {
    // A byte-order mark, so spreadsheet programs read the file as UTF-8 and names keep their accents.
    yield `\ufeff${csv([header])}`;
    let after: { givenAt: number; id: number } | undefined;
    for (;;) {
      const rows = await exportPage(core.db, filter, { after, limit: EXPORT_PAGE });
      if (rows.length === 0) return;
      yield csv(rows.map(line));
      const last = rows[rows.length - 1]!;
      after = { givenAt: Number(last.given_at), id: Number(last.id) };
      if (rows.length < EXPORT_PAGE) return;
    }
  }
  const day = utcToZonedLocal(o.now ?? Date.now(), o.timeZone).slice(0, 10);
  return { filename: `gifts-${day}.csv`, rows: count, stream: Readable.from(pages()) };
}
