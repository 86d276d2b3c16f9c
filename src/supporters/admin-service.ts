import { z } from 'zod';
import type { Core, TimelineEntry, TimelineStep } from '../core/context.js';
import { isUniqueViolation } from '../core/db/errors.js';
import type { ConsentEventKind, LawfulBasis } from './tables.js';
import { DomainError } from '../core/web/errors.js';
import { email, multilineText, optionalMultilineText, optionalText, text } from '../core/web/forms.js';
import { recordAudit } from '../core/audit.js';
import { constituencyNames, listConstituencies, type Constituency } from '../representatives/service.js';
import { auditFilters, resolveFilters, tagField, type FilterState } from './filters.js';
import {
  addTags,
  countSupporters,
  findListById,
  findSupporterById,
  findSupporterIdsAfter,
  findSupporters,
  insertList,
  listAllTags,
  listSupporterSources,
  listListsWithCounts,
  listTagsOf,
  listTagsOfMany,
  listWordingsOf,
  removeTag,
  replaceNameTokens,
  setListArchived,
  updateList,
  updateSupporter,
} from './queries.js';
import {
  emailIndex,
  eraseSupporter,
  getSupporter,
  nameTokenIndexes,
  rowToSupporter,
  sendDataExportLink,
  supporterConsent,
} from './service.js';

// The staff side of supporter records: finding people, changing their details and tags, the supporter page's
// timeline, the data-rights actions, and the lists they can subscribe to. Every change is written to the audit log
// with ids and field names, never with the personal data itself.

const target = (id: number) => `supporter ${id}`;

// ---- finding supporters ----------------------------------------------------------------------------------------

/** What the filters offer to choose from: every tag in use (with how many hold it) and every source supporters came from. */
export async function filterChoices(
  core: Core,
): Promise<{ tags: Array<{ tag: string; count: number }>; sources: string[]; constituencies: ConstituencyChoice[] }> {
  const [tags, sources, constituencies] = await Promise.all([
    listAllTags(core.db),
    listSupporterSources(core.db),
    listConstituencies(core.db),
  ]);
  return { tags, sources, constituencies };
}

/** A constituency to choose in the filters: its code, its name and its nation (the options are grouped by nation). */
export type ConstituencyChoice = Pick<Constituency, 'code' | 'name' | 'nation'>;

/** Every constituency to choose from (a supporter's details). */
export async function constituencyChoices(core: Core): Promise<ConstituencyChoice[]> {
  return listConstituencies(core.db);
}

/** Constituency names by code (the representatives' data), to show names where supporters hold codes. */
export async function placeNames(core: Core): Promise<ReadonlyMap<string, string>> {
  return constituencyNames(core.db);
}

/** One row of the supporters table, decrypted (only the rows of the page being shown are). */
export interface SupporterListItem {
  id: number;
  email: string | null;
  name: string;
  postcode: string | null;
  constituencyCode: string | null;
  /** The constituency's name, when the code is one Lantern knows. */
  constituencyName: string | null;
  source: string;
  createdAt: number;
  confirmedAt: number | null;
  undeliverableAt: number | null;
  tags: string[];
}

/** A page of supporters matching the filters and search, with the total and whether the name search was capped. */
export async function searchSupporters(core: Core, state: FilterState, o: { page: number; pageSize: number; timeZone: string }) {
  const { filters, capped } = await resolveFilters(core, state, o.timeZone);
  const [rows, total] = await Promise.all([
    findSupporters(core.db, filters, { limit: o.pageSize, offset: (o.page - 1) * o.pageSize }),
    countSupporters(core.db, filters),
  ]);
  const [tags, places] = await Promise.all([
    listTagsOfMany(
      core.db,
      rows.map((r) => r.id),
    ),
    constituencyNames(core.db),
  ]);
  const items: SupporterListItem[] = rows.map((r) => {
    const s = rowToSupporter(core.keyring, r);
    return {
      id: s.id,
      email: s.email,
      name: displayName(s),
      postcode: s.postcode,
      constituencyCode: s.constituencyCode,
      constituencyName: s.constituencyCode === null ? null : (places.get(s.constituencyCode) ?? null),
      source: s.source,
      createdAt: s.createdAt,
      confirmedAt: s.confirmedAt,
      undeliverableAt: s.undeliverableAt,
      tags: tags.get(s.id) ?? [],
    };
  });
  return { items, total, capped };
}

/** A supporter's name for display (their first and last names, or a placeholder). */
export function displayName(s: { firstName: string | null; lastName: string | null; erasedAt?: number | null }): string {
  if (s.erasedAt) return 'Erased supporter';
  const name = [s.firstName, s.lastName].filter(Boolean).join(' ');
  return name || '(no name given)';
}

// ---- the supporter page --------------------------------------------------------------------------------------

// The supporter page's timeline is assembled from every capability's TimelineStep (core.timeline): supporters
// contributes the consent ledger (consentTimeline, declared in capability.ts); newsletters its deliveries; the
// actions, events and donations capabilities add theirs when they land.

const CONSENT_TITLES: Record<ConsentEventKind, string> = {
  requested: 'Asked to join',
  granted: 'Subscribed to',
  withdrawn: 'Unsubscribed from',
};
const BASIS_LABELS: Record<LawfulBasis, string> = { consent: 'consent', soft_opt_in: 'soft opt-in' };

/** Consent events as timeline entries (supporters' own step of the timeline). */
export const consentTimeline: TimelineStep = async (db, supporterId) =>
  (await supporterConsent(db, supporterId)).ledger.map((e) => ({
    at: e.createdAt,
    kind: 'consent' as const,
    title: `${CONSENT_TITLES[e.kind]} ${e.list}`,
    detail: [e.lawfulBasis ? `basis: ${BASIS_LABELS[e.lawfulBasis]}` : '', `source: ${e.source}`].filter(Boolean).join('; '),
  }));

/** A supporter's timeline from every capability's step, newest first. */
async function supporterTimeline(core: Core, supporterId: number): Promise<TimelineEntry[]> {
  const all = (await Promise.all((core.timeline ?? []).map((step) => step(core.db, supporterId)))).flat();
  return all.sort((a, b) => b.at - a.at);
}

/** Everything the supporter page shows, or a not-found error. */
export async function supporterPage(core: Core, id: number) {
  const supporter = await getSupporter(core.db, core.keyring, id);
  if (!supporter) throw new DomainError('not_found', 'There is no such supporter.');
  const [consent, timeline, places] = await Promise.all([
    supporterConsent(core.db, id),
    supporterTimeline(core, id),
    constituencyNames(core.db),
  ]);
  const constituencyName = supporter.constituencyCode === null ? null : (places.get(supporter.constituencyCode) ?? null);
  return { supporter, ...consent, timeline, constituencyName };
}

// ---- changing a supporter ------------------------------------------------------------------------------------

const trimmed =
  (f: (s: string) => string = (s) => s) =>
  (v: unknown) =>
    typeof v === 'string' ? f(v.trim()) : v;

/** The supporter edit form: an address, and optional details (a detail left empty is removed). */
export const SupporterEditSchema = z.object({
  email: email('their email address'),
  firstName: optionalText('a first name', { max: 100 }),
  lastName: optionalText('a last name', { max: 100 }),
  postcode: z.preprocess(
    trimmed((s) => s.toUpperCase().replace(/\s+/g, ' ')),
    z
      .string({ error: 'Enter a postcode' })
      .max(16, 'A postcode must be 16 characters or fewer')
      .regex(/^[A-Z0-9 -]*$/, 'A postcode may hold letters, numbers, spaces and hyphens only')
      .optional(),
  ),
  phone: z.preprocess(
    trimmed(),
    z
      .string({ error: 'Enter a phone number' })
      .max(40, 'A phone number must be 40 characters or fewer')
      .regex(/^[0-9+()\s.-]*$/, 'A phone number may hold digits, spaces and + ( ) - . only')
      .optional(),
  ),
  address: optionalMultilineText('an address', { max: 500 }),
  constituency: z.preprocess(
    trimmed((s) => s.toUpperCase()),
    z
      .string({ error: 'Choose a constituency from the list' })
      .regex(/^([A-Z]\d{8})?$/, 'Choose a constituency from the list, or “Not known”')
      .optional(),
  ),
});

export type SupporterEdit = z.output<typeof SupporterEditSchema>;

const nullIfEmpty = (v: string | null | undefined) => (v === undefined || v === null || v === '' ? null : v);

/** Changes a supporter's details (staff); audited with the names of the fields that changed. */
export async function updateSupporterDetails(core: Core, staffId: number, id: number, input: SupporterEdit): Promise<string[]> {
  const { keyring } = core;
  return core.db.transaction().execute(async (trx) => {
    const row = await findSupporterById(trx, id);
    if (!row) throw new DomainError('not_found', 'There is no such supporter.');
    if (row.erased_at !== null) throw new DomainError('conflict', 'This supporter was erased; there is nothing to change.');
    const current = rowToSupporter(keyring, row);
    const next = {
      email: input.email,
      firstName: nullIfEmpty(input.firstName),
      lastName: nullIfEmpty(input.lastName),
      postcode: nullIfEmpty(input.postcode),
      phone: nullIfEmpty(input.phone),
      address: nullIfEmpty(input.address),
      constituencyCode: nullIfEmpty(input.constituency),
    };
    const changed = (Object.keys(next) as Array<keyof typeof next>).filter((k) => (current[k] ?? null) !== next[k]);
    if (changed.length === 0) return [];
    const index = emailIndex(keyring, next.email);
    try {
      await updateSupporter(trx, id, {
        email_enc: keyring.encrypt(next.email),
        email_index: index,
        first_name_enc: keyring.encryptNullable(next.firstName),
        last_name_enc: keyring.encryptNullable(next.lastName),
        postcode_enc: keyring.encryptNullable(next.postcode),
        phone_enc: keyring.encryptNullable(next.phone),
        address_enc: keyring.encryptNullable(next.address),
        constituency_code: next.constituencyCode,
        updated_at: Date.now(),
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new DomainError('invalid', 'Another supporter has that email address.', {
          email: 'Another supporter already has that email address',
        });
      throw err;
    }
    await replaceNameTokens(trx, id, nameTokenIndexes(keyring, next.firstName, next.lastName));
    await recordAudit(trx, { staffId, action: 'supporter.update', target: target(id), details: { fields: changed } });
    return changed;
  });
}

/** The add-a-tag and remove-a-tag forms. */
export const TagFormSchema = z.object({ tag: tagField() });

/** Adds a tag to one supporter (audited). */
export async function tagSupporter(core: Core, staffId: number, id: number, tag: string): Promise<void> {
  await core.db.transaction().execute(async (trx) => {
    const row = await findSupporterById(trx, id);
    if (!row || row.erased_at !== null) throw new DomainError('not_found', 'There is no such supporter.');
    await addTags(trx, [id], [tag]);
    await recordAudit(trx, { staffId, action: 'supporter.tag', target: target(id), details: { tag } });
  });
}

/** Removes a tag from one supporter (audited). */
export async function untagSupporter(core: Core, staffId: number, id: number, tag: string): Promise<void> {
  await core.db.transaction().execute(async (trx) => {
    if (!(await listTagsOf(trx, id)).includes(tag)) return;
    await removeTag(trx, [id], tag);
    await recordAudit(trx, { staffId, action: 'supporter.untag', target: target(id), details: { tag } });
  });
}

/**
 * Adds or removes a tag for the ticked supporters or for everyone matching the filters, in one transaction;
 * audited with the filters (never the search words) and the count. Returns how many supporters it applied to.
 */
export async function bulkTag(
  core: Core,
  staffId: number,
  o: { action: 'add' | 'remove'; tag: string; scope: 'ticked' | 'all'; ids: readonly number[]; state: FilterState; timeZone: string },
): Promise<number> {
  const base = o.scope === 'all' ? (await resolveFilters(core, o.state, o.timeZone)).filters : { ids: [...new Set(o.ids)] };
  return core.db.transaction().execute(async (trx) => {
    let count = 0;
    for (let after = 0; ;) {
      const ids = await findSupporterIdsAfter(trx, base, { afterId: after, limit: 1000 });
      if (ids.length === 0) break;
      if (o.action === 'add') await addTags(trx, ids, [o.tag]);
      else await removeTag(trx, ids, o.tag);
      count += ids.length;
      after = ids[ids.length - 1]!;
    }
    await recordAudit(trx, {
      staffId,
      action: o.action === 'add' ? 'supporters.tag' : 'supporters.untag',
      target: `${count} supporters`,
      details: { tag: o.tag, scope: o.scope, count, ...(o.scope === 'all' ? { filters: auditFilters(o.state) } : {}) },
    });
    return count;
  });
}

// ---- data rights -------------------------------------------------------------------------------------------

/** Erases a supporter at staff request (see eraseSupporter); audited. */
export async function eraseSupporterForStaff(core: Core, staffId: number, id: number): Promise<void> {
  const row = await findSupporterById(core.db, id);
  if (!row) throw new DomainError('not_found', 'There is no such supporter.');
  if (row.erased_at !== null) return;
  await eraseSupporter(core, id, { source: 'erased by staff' });
  await recordAudit(core.db, { staffId, action: 'supporter.erase', target: target(id) });
}

/** Emails a supporter a link to download everything Lantern holds about them; audited. */
export async function sendSupporterTheirData(core: Core, staffId: number, id: number): Promise<void> {
  const row = await findSupporterById(core.db, id);
  if (!row) throw new DomainError('not_found', 'There is no such supporter.');
  if (row.erased_at !== null || row.email_index === null)
    throw new DomainError('conflict', 'This supporter has no email address to send their data to.');
  await sendDataExportLink(core, id);
  await recordAudit(core.db, { staffId, action: 'supporter.data_export_sent', target: target(id) });
}

// ---- lists -------------------------------------------------------------------------------------------------

const wordingField = multilineText('the consent wording', { max: 2000 });
const descriptionField = z.preprocess(
  (v) => (v === undefined ? '' : typeof v === 'string' ? v.trim() : v),
  z.string({ error: 'Enter a description' }).max(1000, 'The description must be 1000 characters or fewer'),
);

/** The new-list form. */
export const ListCreateSchema = z.object({
  slug: z
    .string({ error: 'Enter a short name for links' })
    .trim()
    .toLowerCase()
    .min(1, 'Enter a short name for links')
    .max(60, 'The short name must be 60 characters or fewer')
    .regex(
      /^[a-z0-9]+(?:-[a-z0-9]+)*$/,
      'The short name may hold lower-case letters, numbers and single hyphens only, like campaign-updates',
    ),
  name: text('the list name', { max: 100 }),
  description: descriptionField,
  wording: wordingField,
});

/** The edit-a-list form (the short name stays: it is in links already sent). */
export const ListEditSchema = ListCreateSchema.omit({ slug: true });

/** Every list, archived ones last, with subscriber counts. */
export async function listsForStaff(core: Core) {
  return listListsWithCounts(core.db);
}

/** A list with every wording it has shown, or a not-found error. */
export async function listForStaff(core: Core, id: number) {
  const list = await findListById(core.db, id);
  if (!list) throw new DomainError('not_found', 'There is no such list.');
  return { list, wordings: await listWordingsOf(core.db, id) };
}

/** Creates a list with its first consent wording; audited. Returns its id. */
export async function createList(core: Core, staffId: number, input: z.output<typeof ListCreateSchema>): Promise<number> {
  try {
    return await core.db.transaction().execute(async (trx) => {
      const id = await insertList(trx, { ...input, at: Date.now() });
      await recordAudit(trx, { staffId, action: 'list.create', target: `list ${id}` });
      return id;
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw new DomainError('invalid', 'A list with that short name exists.', { slug: 'A list with that short name already exists' });
    throw err;
  }
}

/** Changes a list; a changed wording becomes a new version (earlier consents keep theirs). Audited. */
export async function changeList(core: Core, staffId: number, id: number, input: z.output<typeof ListEditSchema>): Promise<void> {
  await core.db.transaction().execute(async (trx) => {
    const before = await findListById(trx, id);
    if (!before) throw new DomainError('not_found', 'There is no such list.');
    await updateList(trx, id, { ...input, at: Date.now() });
    const after = (await findListById(trx, id))!;
    await recordAudit(trx, {
      staffId,
      action: 'list.update',
      target: `list ${id}`,
      details: { wordingVersion: after.wording_version, newWording: after.wording_version !== before.wording_version },
    });
  });
}

/** Archives a list (no new sign-ups; existing subscriptions stay) or brings it back; audited. */
export async function archiveList(core: Core, staffId: number, id: number, archived: boolean): Promise<void> {
  await core.db.transaction().execute(async (trx) => {
    if (!(await findListById(trx, id))) throw new DomainError('not_found', 'There is no such list.');
    await setListArchived(trx, id, archived ? Date.now() : null);
    await recordAudit(trx, { staffId, action: archived ? 'list.archive' : 'list.unarchive', target: `list ${id}` });
  });
}
