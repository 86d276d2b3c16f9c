import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { Core } from '../core/context.js';
import { recordAudit } from '../core/audit.js';
import { auditFilters, resolveFilters, type FilterState } from './filters.js';
import {
  countSupporters,
  findMaxSupporterId,
  findSupportersBefore,
  listListsWithCounts,
  listSubscriptionsOfMany,
  listTagsOfMany,
} from './queries.js';
import { rowToSupporter } from './service.js';
import { constituencyNames } from '../representatives/service.js';

// CSV export of the supporters matching the current filters, streamed page by page so a big list never sits in
// memory. Personal data leaving Lantern: every export is written to the audit log (the filters and the row count,
// never the search words or anyone's details) before the first row is sent.

const PAGE = 500;

/**
 * Makes a cell safe to open in a spreadsheet: one starting with = + - @ tab or carriage return could run as a
 * formula (CSV injection), so it gets a leading apostrophe, which spreadsheets show as text and do not display.
 */
export function escapeCell(v: string): string {
  return /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());

/** How many supporters an export of these filters would hold now. */
export async function exportCount(core: Core, state: FilterState, timeZone: string): Promise<number> {
  const { filters } = await resolveFilters(core, state, timeZone);
  return countSupporters(core.db, filters);
}

/**
 * Records the export in the audit log and returns the CSV as a stream: one row per supporter (newest first),
 * their details and tags, and for each list their subscription state, lawful basis and when it last changed, so
 * whoever opens the file can see whom they may email. Supporters who join while it streams are not included.
 */
export async function exportSupporters(
  core: Core,
  staffId: number,
  state: FilterState,
  timeZone: string,
): Promise<{ rows: number; stream: Readable }> {
  const { filters } = await resolveFilters(core, state, timeZone);
  const maxId = await findMaxSupporterId(core.db);
  const rows = await countSupporters(core.db, { ...filters });
  const lists = (await listListsWithCounts(core.db)).filter((l) => l.archived_at === null || l.subscribed > 0);
  const places = await constituencyNames(core.db);
  await recordAudit(core.db, {
    staffId,
    action: 'supporters.export',
    target: `${rows} supporters`,
    details: { filters: auditFilters(state), rows, lists: lists.map((l) => l.id) },
  });

  const header = [
    'email',
    'first_name',
    'last_name',
    'postcode',
    'phone',
    'address',
    'constituency',
    'constituency_name',
    'tags',
    'source',
    'joined',
    'email_confirmed',
    'undeliverable_since',
    ...lists.flatMap((l) => [`${l.slug} status`, `${l.slug} lawful basis`, `${l.slug} since`]),
  ];
  const csv = (records: string[][]) =>
    stringify(
      records.map((r) => r.map(escapeCell)),
      { record_delimiter: '\r\n' },
    );

  async function* pages(): AsyncGenerator<string> {
    // A byte-order mark, so spreadsheet programs read the file as UTF-8 and names keep their accents.
    yield `\ufeff${csv([header])}`;
    let beforeId: number | undefined;
    for (;;) {
      const page = await findSupportersBefore(core.db, filters, { beforeId, maxId, limit: PAGE });
      if (page.length === 0) return;
      const ids = page.map((r) => r.id);
      const [tags, subs] = await Promise.all([listTagsOfMany(core.db, ids), listSubscriptionsOfMany(core.db, ids)]);
      const subOf = new Map(subs.map((s) => [`${s.supporter_id}:${s.list_id}`, s]));
      yield csv(
        page.map((r) => {
          const s = rowToSupporter(core.keyring, r);
          return [
            s.email ?? '',
            s.firstName ?? '',
            s.lastName ?? '',
            s.postcode ?? '',
            s.phone ?? '',
            s.address ?? '',
            s.constituencyCode ?? '',
            s.constituencyCode === null ? '' : (places.get(s.constituencyCode) ?? ''),
            (tags.get(s.id) ?? []).join('; '),
            s.source,
            iso(s.createdAt),
            iso(s.confirmedAt),
            iso(s.undeliverableAt),
            ...lists.flatMap((l) => {
              const sub = subOf.get(`${s.id}:${l.id}`);
              return sub
                ? [sub.status, sub.lawful_basis === 'soft_opt_in' ? 'soft opt-in' : (sub.lawful_basis ?? ''), iso(sub.updated_at)]
                : ['', '', ''];
            }),
          ];
        }),
      );
      beforeId = page[page.length - 1]!.id;
    }
  }
  return { rows, stream: Readable.from(pages()) };
}
