import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Core, DataExportStep } from '../core/context.js';
import { hashToken, newToken, safeEqual, type Keyring } from '../core/crypto.js';
import { isUniqueViolation } from '../core/db/errors.js';
import { spendProof } from '../core/web/proof-of-work.js';
import type { Db, DbOrTrx } from '../core/db/index.js';
import type { LawfulBasis, SubscriptionStatus, SuppressionReason } from './tables.js';
import { getSiteSettings } from '../core/settings.js';
import { DomainError } from '../core/web/errors.js';
import { email as emailField, optionalText, text } from '../core/web/forms.js';
import { alreadySubscribedEmail, confirmSignupEmail, dataExportEmail } from './emails.js';
import { inSharedTransaction } from '../core/db/group-commit.js';
import {
  deleteUnconfirmedBefore,
  findListsByIds,
  findSupporterByEmailIndex,
  findSupporterById,
  findSupporterByPublicId,
  findSuppression,
  insertConsentEvents,
  insertSupporter,
  insertSuppression,
  listConsentEventsOf,
  listSubscriptionsOf,
  listTagsOf,
  replaceNameTokens,
  setSubscriptions,
  updateSupporter,
  type SupporterRow,
} from './queries.js';
import { deleteTagsOf, insertConsentRequests, insertNameTokens, listActiveLists, type ListRow } from './queries.js';
import {
  findListIdBySlug as findListIdBySlugQuery,
  findMailableRecipientRows,
  listMailableSupporterIds,
  listOpenListRows,
  type SupporterFilters,
} from './queries.js';
import { segmentFilters } from './segments.js';
import { constituencyCodeOf } from '../representatives/service.js';
import { fillConstituency } from './queries.js';
import { deleteTokensOf, findToken, insertToken, newestTokenAt, spendToken } from '../core/tokens.js';
import {
  findSupportersByEmailIndexes,
  insertConsentEventsOfMany,
  insertSupporters,
  replaceNameTokensOfMany,
  setSubscriptionsOfMany,
  touchSupporters,
} from './queries.js';

// Supporter records and their consent. Every personal field is encrypted; the email is found through its blind
// index, and names through one blind index per normalised word (see ARCHITECTURE.md, "Searching encrypted names").
// The record itself (its type, blind indexes and decryption) is in records.ts, which filters.ts reads too.

export {
  emailIndex,
  findSupporterByEmail,
  getSupporter,
  nameTokenIndexes,
  rowToSupporter,
  type Supporter,
  type SupporterDetails,
} from './records.js';
import { emailIndex, getSupporter, nameTokenIndexes, rowToSupporter, type SupporterDetails } from './records.js';

/**
 * Finds the supporter with this email or creates them. An existing record is only filled in where it is blank
 * (`fill`), so a stranger typing someone's address into a form cannot change their name; imports and staff may
 * `replace` the fields they give. Returns the id and whether the record is new.
 */
export async function upsertSupporter(
  trx: DbOrTrx,
  keyring: Keyring,
  details: SupporterDetails,
  o: { source: string; mode: 'fill' | 'replace'; confirmed?: boolean },
): Promise<{ id: number; publicId: string; created: boolean }> {
  const now = Date.now();
  const index = emailIndex(keyring, details.email);
  const existing = await findSupporterByEmailIndex(trx, index);
  const enc = (v: string | null | undefined) => (v === undefined || v === null || v === '' ? null : keyring.encrypt(v));
  if (!existing) {
    const publicId = randomBytes(16).toString('base64url');
    try {
      const id = await insertSupporter(trx, {
        public_id: publicId,
        email_enc: keyring.encrypt(details.email.trim()),
        email_index: index,
        first_name_enc: enc(details.firstName),
        last_name_enc: enc(details.lastName),
        postcode_enc: enc(details.postcode),
        phone_enc: enc(details.phone),
        address_enc: enc(details.address),
        constituency_code: details.constituencyCode ?? null,
        source: o.source,
        confirmed_at: o.confirmed ? now : null,
        undeliverable_at: null,
        erased_at: null,
        created_at: now,
        updated_at: now,
      });
      // A new record has no name tokens yet: insert them without the delete that replacing would cost.
      await insertNameTokens(trx, id, nameTokenIndexes(keyring, details.firstName, details.lastName));
      return { id, publicId, created: true };
    } catch (err) {
      // Another request created the same address a moment ago: fall through to the update path.
      if (!isUniqueViolation(err)) throw err;
      return upsertSupporter(trx, keyring, details, o);
    }
  }
  const current = rowToSupporter(keyring, existing);
  const pick = (given: string | null | undefined, had: string | null) =>
    o.mode === 'replace' ? (given === undefined ? had : given || null) : (had ?? (given || null));
  const next = {
    firstName: pick(details.firstName, current.firstName),
    lastName: pick(details.lastName, current.lastName),
    postcode: pick(details.postcode, current.postcode),
    phone: pick(details.phone, current.phone),
    address: pick(details.address, current.address),
  };
  await updateSupporter(trx, existing.id, {
    first_name_enc: enc(next.firstName),
    last_name_enc: enc(next.lastName),
    postcode_enc: enc(next.postcode),
    phone_enc: enc(next.phone),
    address_enc: enc(next.address),
    constituency_code:
      o.mode === 'replace' && details.constituencyCode !== undefined
        ? details.constituencyCode
        : (existing.constituency_code ?? details.constituencyCode ?? null),
    confirmed_at: existing.confirmed_at ?? (o.confirmed ? now : null),
    updated_at: now,
  });
  await replaceNameTokens(trx, existing.id, nameTokenIndexes(keyring, next.firstName, next.lastName));
  return { id: existing.id, publicId: existing.public_id, created: false };
}

/** Records a consent change for lists and sets the subscriptions to match, in the caller's transaction. */
export async function recordConsent(
  trx: DbOrTrx,
  o: {
    supporterId: number;
    listIds: readonly number[];
    change: 'requested' | 'granted' | 'withdrawn';
    basis: LawfulBasis | null;
    source: string;
  },
): Promise<void> {
  if (o.listIds.length === 0) return;
  const lists = await findListsByIds(trx, o.listIds);
  if (lists.length !== new Set(o.listIds).size) throw new DomainError('invalid', 'One of those lists does not exist.');
  const now = Date.now();
  const status: SubscriptionStatus = o.change === 'requested' ? 'pending' : o.change === 'granted' ? 'subscribed' : 'unsubscribed';
  await setSubscriptions(trx, {
    supporterId: o.supporterId,
    listIds: o.listIds,
    status,
    basis: o.change === 'withdrawn' ? null : o.basis,
    at: now,
  });
  await insertConsentEvents(trx, {
    supporterId: o.supporterId,
    listIds: o.listIds,
    kind: o.change,
    basis: o.basis,
    source: o.source,
    at: now,
  });
  if (o.change === 'granted') await updateSupporter(trx, o.supporterId, { updated_at: now });
}

/** Marks a supporter's address as confirmed (they clicked a link sent to it). */
export async function markConfirmed(trx: DbOrTrx, supporterId: number): Promise<void> {
  const now = Date.now();
  const r = await findSupporterById(trx, supporterId);
  if (r && r.confirmed_at === null) await updateSupporter(trx, supporterId, { confirmed_at: now, updated_at: now });
}

/** A supporter's subscriptions, tags and consent ledger, for their page and their data export. */
export async function supporterConsent(db: DbOrTrx, supporterId: number) {
  const [subscriptions, ledger, tags] = await Promise.all([
    listSubscriptionsOf(db, supporterId),
    listConsentEventsOf(db, supporterId),
    listTagsOf(db, supporterId),
  ]);
  return {
    subscriptions: subscriptions.map((s) => ({
      listId: s.list_id,
      list: s.name,
      slug: s.slug,
      status: s.status,
      lawfulBasis: s.lawful_basis,
      updatedAt: s.updated_at,
    })),
    ledger: ledger.map((e) => ({
      id: e.id,
      listId: e.list_id,
      list: e.list_name,
      kind: e.kind,
      lawfulBasis: e.lawful_basis,
      wordingVersion: e.wording_version,
      wording: e.wording,
      source: e.source,
      createdAt: e.created_at,
    })),
    tags,
  };
}

/** Whether an address must never be mailed (erased, undeliverable, complained, or suppressed by staff). */
export async function isSuppressed(db: DbOrTrx, keyring: Keyring, email: string): Promise<boolean> {
  return (await findSuppression(db, emailIndex(keyring, email))) !== undefined;
}

/** Adds an address to the suppression list. */
export async function suppress(db: DbOrTrx, keyring: Keyring, email: string, reason: SuppressionReason): Promise<void> {
  await insertSuppression(db, emailIndex(keyring, email), reason, Date.now());
}

/** Marks a supporter undeliverable after a permanent mail failure and suppresses the address. */
export async function markUndeliverable(db: DbOrTrx, keyring: Keyring, supporterId: number): Promise<void> {
  const r = await findSupporterById(db, supporterId);
  if (!r || r.email_index === null) return;
  const now = Date.now();
  await updateSupporter(db, supporterId, { undeliverable_at: r.undeliverable_at ?? now, updated_at: now });
  await insertSuppression(db, r.email_index, 'undeliverable', now);
}

/**
 * Erases a supporter: every personal field is wiped and their name indexes and tags removed, their
 * subscriptions ended, and their address's blind index kept on the suppression list so they are never mailed
 * again. The row, its consent ledger and its counts in aggregates stay, holding nothing personal.
 */
export async function eraseSupporter(core: Core, supporterId: number, o: { source: string }): Promise<void> {
  await core.db.transaction().execute(async (trx) => {
    const r = await findSupporterById(trx, supporterId);
    if (!r) throw new DomainError('not_found', 'There is no such supporter.');
    if (r.erased_at !== null) return;
    const now = Date.now();
    const subscribed = (await listSubscriptionsOf(trx, supporterId)).filter((s) => s.status !== 'unsubscribed').map((s) => s.list_id);
    await recordConsent(trx, { supporterId, listIds: subscribed, change: 'withdrawn', basis: null, source: o.source });
    if (r.email_index) await insertSuppression(trx, r.email_index, 'erased', now);
    await updateSupporter(trx, supporterId, {
      email_enc: null,
      email_index: null,
      first_name_enc: null,
      last_name_enc: null,
      postcode_enc: null,
      phone_enc: null,
      address_enc: null,
      erased_at: now,
      updated_at: now,
    });
    await replaceNameTokens(trx, supporterId, []);
    await deleteTagsOf(trx, supporterId);
    // What other capabilities hold about this person (a petition signature, a letter…), matched by record or address.
    for (const step of core.erasure ?? []) await step(trx, { supporterId, emailIndex: r.email_index });
  });
}

/** Everything Lantern holds about a supporter, as a plain object for their data export. */
export async function exportSupporterData(
  db: Db,
  keyring: Keyring,
  supporterId: number,
  extra: readonly DataExportStep[] = [],
): Promise<Record<string, unknown>> {
  const s = await getSupporter(db, keyring, supporterId);
  if (!s) throw new DomainError('not_found', 'There is no such supporter.');
  const consent = await supporterConsent(db, supporterId);
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    exportedAt: new Date().toISOString(),
    supporter: {
      email: s.email,
      firstName: s.firstName,
      lastName: s.lastName,
      postcode: s.postcode,
      phone: s.phone,
      address: s.address,
      constituencyCode: s.constituencyCode,
      source: s.source,
      createdAt: iso(s.createdAt),
      confirmedAt: iso(s.confirmedAt),
    },
    subscriptions: consent.subscriptions.map((x) => ({
      list: x.list,
      status: x.status,
      lawfulBasis: x.lawfulBasis,
      since: iso(x.updatedAt),
    })),
    consentHistory: consent.ledger.map((e) => ({
      list: e.list,
      event: e.kind,
      lawfulBasis: e.lawfulBasis,
      wording: e.wording,
      source: e.source,
      at: iso(e.createdAt),
    })),
    tags: consent.tags,
    // What other capabilities hold about this person (petition signatures, letters…), matched by record or address.
    ...Object.assign(
      {},
      ...(await Promise.all(extra.map((step) => step(db, { supporterId, emailIndex: s.email ? emailIndex(keyring, s.email) : null })))),
    ),
  };
}

/** Deletes sign-ups never confirmed within 30 days; returns how many. */
export async function deleteStaleUnconfirmed(db: Db, now = Date.now()): Promise<number> {
  return deleteUnconfirmedBefore(db, now - 30 * 24 * 3600_000);
}

/** Links that go in every email (derived); confirmation and data-export links are random stored tokens instead. */
export type LinkPurpose = 'manage' | 'unsubscribe';

/**
 * A link for a supporter, signed for one purpose: `/s/<purpose>/<publicId>.<signature>`. Links in bulk mail must
 * be reproducible at send time, so they are derived (HMAC of purpose and the supporter's random public id) rather
 * than stored; they cannot be guessed or enumerated, and rotating the public id revokes them all.
 */
export function supporterLink(core: Core, purpose: LinkPurpose, publicId: string, extra = ''): string {
  const data = `${purpose}:${publicId}:${extra}`;
  const sig = core.keyring.sign('supporter-link', data).slice(0, 32);
  return `${core.config.baseUrl}/s/${purpose}/${publicId}.${sig}${extra ? `/${extra}` : ''}`;
}

/** The public id a signed link's token stands for, or null when the signature does not match. */
export function verifySupporterLink(core: Core, purpose: LinkPurpose, token: string, extra = ''): string | null {
  const m = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{32})$/.exec(token);
  if (!m) return null;
  const expected = core.keyring.sign('supporter-link', `${purpose}:${m[1]}:${extra}`).slice(0, 32);
  return safeEqual(expected, m[2]!) ? m[1]! : null;
}

// ---- segments (saved filters), for newsletters' audiences: the rules live in segments.ts ----------------------

/** segmentFilters(db, id): the SupporterFilters a saved segment stands for; throws if it is gone or unreadable. */
export { segmentFilters } from './segments.js';
/** listSegments(db): every saved segment by name, with its validated filters (to offer as an audience). */
export { listSegments, type Segment } from './segments.js';

// ---- the public side: sign-up, confirmation, preferences, one-click unsubscribe, data rights -----------------
// PECR and UK GDPR: consent is asked per list, unticked, with the list's wording recorded in the ledger; an
// address is confirmed by a link sent to it before anything is sent (double opt-in); withdrawing is one click.
// No function here tells its caller whether an address was already known: the pages look the same either way,
// and only the email (which goes to the address's owner) differs.

const DAY = 24 * 3600_000;
/** Confirmation links work for 30 days (unconfirmed sign-ups are deleted after the same time). */
export const CONFIRM_LINK_MS = 30 * DAY;
/** Data-export links work once, for 7 days. */
export const DATA_EXPORT_LINK_MS = 7 * DAY;
/** At most one sign-up email per address in this time, so the form cannot be used to flood someone's inbox. */
export const SIGNUP_EMAIL_GAP_MS = 2 * 60_000;
/** At most one data-export email per supporter in this time when asked for from the preferences page. */
export const DATA_EXPORT_EMAIL_GAP_MS = 60_000;
const LIST_CACHE_MS = 5_000;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** A list as the public sees it: its name, what it is, and the consent wording shown beside its checkbox. */
export interface PublicList {
  id: number;
  name: string;
  description: string;
  wording: string;
}

const toPublicList = (l: ListRow): PublicList => ({ id: l.id, name: l.name, description: l.description, wording: l.wording });

// Lists are read for every page carrying the sign-up block, so, like the site settings, they are kept for a few
// seconds: a change made by staff shows within LIST_CACHE_MS. Sign-ups themselves check the lists afresh.
const listCache = new WeakMap<Db, { at: number; lists: PublicList[]; key: string }>();

/** The active lists, for the sign-up form and block (cached for a few seconds), with a key that changes when they do. */
export async function signupBlockData(core: Core): Promise<{ lists: PublicList[]; cacheKey: string }> {
  const now = Date.now();
  const hit = listCache.get(core.db);
  if (hit && now - hit.at < LIST_CACHE_MS) return { lists: hit.lists, cacheKey: hit.key };
  const rows = await listActiveLists(core.db);
  const entry = { at: now, lists: rows.map(toPublicList), key: rows.map((l) => `${l.id}.${l.updated_at}`).join(',') || 'none' };
  listCache.set(core.db, entry);
  return { lists: entry.lists, cacheKey: entry.key };
}

// A UK postcode: outward code, optional space, inward code (checked for shape, not existence).
const UK_POSTCODE = /^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$/;

/** A postcode as it is stored: upper case, one space before the inward code. */
export function normalisePostcode(raw: string): string {
  const m = UK_POSTCODE.exec(raw.trim().toUpperCase().replace(/\s+/g, ''));
  return m ? `${m[1]} ${m[2]}` : raw.trim();
}

const postcodeField = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
  z
    .string({ error: 'Enter a full UK postcode, like SW1A 1AA, or leave it empty' })
    .max(16, 'Enter a full UK postcode, like SW1A 1AA, or leave it empty')
    .transform(normalisePostcode)
    .pipe(z.string().regex(UK_POSTCODE, 'Enter a full UK postcode, like SW1A 1AA, or leave it empty'))
    .optional(),
);

/** Repeated checkbox values (one string, several, or none) as unique list ids. */
function listIdsField(emptyMessage: string | null) {
  const ids = z
    .array(z.coerce.string().regex(/^\d{1,12}$/, 'Choose from the lists shown'), { error: 'Choose from the lists shown' })
    .max(50, 'Choose from the lists shown')
    .transform((xs) => [...new Set(xs.map(Number))]);
  return z.preprocess(
    (v) => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]),
    emptyMessage === null ? ids : ids.pipe(z.array(z.number()).min(1, emptyMessage)),
  );
}

/** What the sign-up form takes (field names as the form sends them). */
export const SignupSchema = z.object({
  // An empty box asks for the address rather than complaining about its format.
  email: z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), emailField('your email address')),
  firstName: text('your first name', { max: 100 }),
  lastName: optionalText('your last name', { max: 100 }),
  postcode: postcodeField,
  list: listIdsField('Choose at least one thing you would like to hear about'),
});

/** A sign-up as the form's schema hands it over. */
export type SignupInput = z.output<typeof SignupSchema>;

/** What the preferences form takes: the lists left ticked (none is allowed: that unsubscribes from everything). */
export const PreferencesSchema = z.object({ list: listIdsField(null) });

const PROOF_USED = 'That check was already used. Please press the button again.';
const LISTS_CHANGED = 'The lists have changed since the page was loaded. Please choose again.';

/**
 * A sign-up from the public form (double opt-in): the supporter is stored (blanks filled, nothing overwritten),
 * each chosen list not already subscribed is recorded as 'requested' with its wording, and one email goes to the
 * address in the same transaction: a confirmation link, or, when every chosen list is already subscribed by a
 * confirmed address, a note saying so. Suppressed addresses (erased, complained, undeliverable, or blocked by
 * staff) are neither stored nor mailed. Throws DomainError('invalid') for a spent proof or a list no longer active.
 */
export async function signUp(
  core: Core,
  input: SignupInput,
  o: { proof?: { id: string; expiresAt: number } | undefined; source?: string } = {},
): Promise<void> {
  const { keyring } = core;
  const site = await getSiteSettings(core.db);
  const source = o.source ?? 'signup form';
  // Sign-ups arriving together share one commit on SQLite (see core/db/group-commit.ts); each is answered once it is stored.
  // Every refusal (a DomainError) comes before this sign-up writes anything, as inSharedTransaction requires.
  await inSharedTransaction(core.db, async (trx) => {
    const now = Date.now();
    const chosen = (await findListsByIds(trx, input.list))
      .filter((l) => l.archived_at === null)
      .sort((a, b) => a.name.localeCompare(b.name));
    if (chosen.length !== input.list.length) throw new DomainError('invalid', LISTS_CHANGED, { list: LISTS_CHANGED });
    // The proof is spent whatever follows, so that reusing it cannot tell anyone whether an address is suppressed.
    if (o.proof && !(await spendProof(trx, o.proof, now))) throw new DomainError('invalid', PROOF_USED, { _form: PROOF_USED });
    if (await isSuppressed(trx, keyring, input.email)) return;
    const { id, publicId, created } = await upsertSupporter(
      trx,
      keyring,
      { email: input.email, firstName: input.firstName, lastName: input.lastName ?? null, postcode: input.postcode ?? null },
      { source, mode: 'fill' },
    );
    const token = newToken();
    if (created) {
      // A new record has no subscriptions, tokens or confirmation yet: the requests go in directly (what
      // recordConsent does, without reading the lists again), each with the list's current wording version.
      await insertConsentRequests(trx, {
        supporterId: id,
        lists: chosen.map((l) => ({ id: l.id, wordingVersion: l.wording_version })),
        source,
        at: now,
      });
      await insertToken(trx, {
        tokenHash: hashToken(token),
        purpose: 'supporter_confirm',
        subjectId: id,
        at: now,
        expiresAt: now + CONFIRM_LINK_MS,
      });
      const mail = confirmSignupEmail({
        orgName: site.orgName,
        lists: chosen.map((l) => l.name),
        link: `${core.config.baseUrl}/s/confirm/${token}`,
        days: CONFIRM_LINK_MS / DAY,
      });
      await core.mailer.enqueue(trx, { ...mail, to: input.email });
      return;
    }
    const status = new Map((await listSubscriptionsOf(trx, id)).map((s) => [s.list_id, s.status]));
    const toRequest = chosen.filter((l) => status.get(l.id) !== 'subscribed');
    await recordConsent(trx, {
      supporterId: id,
      listIds: toRequest.map((l) => l.id),
      change: 'requested',
      basis: 'consent',
      source,
    });
    const last = await newestTokenAt(trx, 'supporter_confirm', id);
    if (last !== undefined && now - last < SIGNUP_EMAIL_GAP_MS) return;
    const confirmed = (await findSupporterById(trx, id))?.confirmed_at != null;
    const needsConfirming = toRequest.length > 0 || !confirmed;
    // When there is nothing to confirm the token is stored already used: it only marks that this address was emailed.
    await insertToken(trx, {
      tokenHash: hashToken(token),
      purpose: 'supporter_confirm',
      subjectId: id,
      at: now,
      expiresAt: now + CONFIRM_LINK_MS,
      usedAt: needsConfirming ? null : now,
    });
    if (needsConfirming) {
      const pending = (await listSubscriptionsOf(trx, id)).filter((s) => s.status === 'pending').map((s) => s.name);
      const mail = confirmSignupEmail({
        orgName: site.orgName,
        lists: pending,
        link: `${core.config.baseUrl}/s/confirm/${token}`,
        days: CONFIRM_LINK_MS / DAY,
      });
      await core.mailer.enqueue(trx, { ...mail, to: input.email });
    } else {
      const mail = alreadySubscribedEmail({
        orgName: site.orgName,
        lists: chosen.map((l) => l.name),
        manageLink: supporterLink(core, 'manage', publicId),
      });
      await core.mailer.enqueue(trx, { ...mail, to: input.email });
    }
  });
}

/** What a confirmation link leads to: the lists waiting for confirmation, an already-used link, or nothing valid. */
export type ConfirmationLink =
  { state: 'ready'; lists: Array<{ name: string; wording: string }> } | { state: 'used' } | { state: 'invalid' };

async function pendingListsOf(db: DbOrTrx, supporterId: number) {
  const subs = (await listSubscriptionsOf(db, supporterId)).filter((s) => s.status === 'pending');
  const lists = await findListsByIds(
    db,
    subs.map((s) => s.list_id),
  );
  return lists.sort((a, b) => a.name.localeCompare(b.name));
}

/** Looks at a confirmation link without using it (link scanners only ever GET). */
export async function confirmationLink(core: Core, token: string): Promise<ConfirmationLink> {
  if (!TOKEN_SHAPE.test(token)) return { state: 'invalid' };
  const row = await findToken(core.db, hashToken(token), 'supporter_confirm');
  if (!row || row.subject_id === null) return { state: 'invalid' };
  if (row.used_at !== null) return { state: 'used' };
  if (row.expires_at <= Date.now()) return { state: 'invalid' };
  const supporter = await findSupporterById(core.db, row.subject_id);
  if (!supporter || supporter.erased_at !== null) return { state: 'invalid' };
  const lists = await pendingListsOf(core.db, supporter.id);
  return { state: 'ready', lists: lists.map((l) => ({ name: l.name, wording: l.wording })) };
}

/**
 * Uses a confirmation link (the button on its page, never the GET): the address is marked confirmed and every list
 * waiting for confirmation is recorded as 'granted'. Returns the supporter's public id for their preferences page.
 */
export async function confirmSubscription(
  core: Core,
  token: string,
): Promise<{ state: 'confirmed'; publicId: string } | { state: 'used' } | { state: 'invalid' }> {
  if (!TOKEN_SHAPE.test(token)) return { state: 'invalid' };
  const tokenHash = hashToken(token);
  // The constituency of the postcode given at sign-up is looked up before the transaction (the lookup reads through
  // the shared handle), as petitions do at confirmation: segments by constituency then include this supporter.
  const waiting = await findToken(core.db, tokenHash, 'supporter_confirm');
  const before = waiting?.subject_id != null && waiting.used_at === null ? await findSupporterById(core.db, waiting.subject_id) : undefined;
  const constituency =
    before?.postcode_enc && before.constituency_code === null
      ? { supporterId: before.id, code: await constituencyCodeOf(core, core.keyring.decrypt(before.postcode_enc)) }
      : undefined;
  return core.db.transaction().execute(async (trx) => {
    const subjectId = await spendToken(trx, tokenHash, 'supporter_confirm', Date.now());
    if (subjectId === undefined) {
      const row = await findToken(trx, tokenHash, 'supporter_confirm');
      return row && row.used_at !== null ? { state: 'used' as const } : { state: 'invalid' as const };
    }
    const supporter = await findSupporterById(trx, subjectId);
    if (!supporter || supporter.erased_at !== null) return { state: 'invalid' as const };
    await markConfirmed(trx, supporter.id);
    if (constituency?.supporterId === supporter.id && constituency.code !== null)
      await fillConstituency(trx, supporter.id, constituency.code);
    const pending = await pendingListsOf(trx, supporter.id);
    await recordConsent(trx, {
      supporterId: supporter.id,
      listIds: pending.map((l) => l.id),
      change: 'granted',
      basis: 'consent',
      source: 'confirmation link',
    });
    return { state: 'confirmed' as const, publicId: supporter.public_id };
  });
}

/** A list on the preferences page, with where the supporter stands on it. */
export interface PreferenceList extends PublicList {
  status: 'subscribed' | 'pending' | 'not_subscribed';
}

/** What the preferences page shows: the address (partly hidden) and every list they can choose or leave. */
export interface Preferences {
  maskedEmail: string;
  lists: PreferenceList[];
}

/** An address with most of its local part hidden, so a forwarded link shows little: "z•••@example.org". */
function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '•••';
  return `${email.slice(0, 1)}•••${email.slice(at)}`;
}

async function preferenceListsOf(db: DbOrTrx, supporterId: number): Promise<PreferenceList[]> {
  const [active, subs] = await Promise.all([listActiveLists(db), listSubscriptionsOf(db, supporterId)]);
  const status = new Map(subs.map((s) => [s.list_id, s.status]));
  // Archived lists still show while the supporter is on them, so they can leave.
  const onArchived = subs.filter((s) => s.status !== 'unsubscribed' && !active.some((l) => l.id === s.list_id)).map((s) => s.list_id);
  const lists = [...active, ...(await findListsByIds(db, onArchived))].sort((a, b) => a.name.localeCompare(b.name));
  return lists.map((l) => {
    const s = status.get(l.id);
    return { ...toPublicList(l), status: s === 'subscribed' || s === 'pending' ? s : 'not_subscribed' };
  });
}

async function liveSupporter(db: DbOrTrx, publicId: string): Promise<SupporterRow | undefined> {
  const r = await findSupporterByPublicId(db, publicId);
  return r && r.erased_at === null && r.email_enc !== null ? r : undefined;
}

/** A supporter's preferences by their public id (from a verified link); undefined when unknown or erased. */
export async function getPreferences(core: Core, publicId: string): Promise<Preferences | undefined> {
  const r = await liveSupporter(core.db, publicId);
  if (!r) return undefined;
  return { maskedEmail: maskEmail(core.keyring.decrypt(r.email_enc!)), lists: await preferenceListsOf(core.db, r.id) };
}

/**
 * Saves the preferences form: a list left unticked is withdrawn at once; a newly ticked list is 'requested' and a
 * confirmation email is sent (consent to a list is confirmed from the address every time, re-subscribing too).
 */
export async function updatePreferences(
  core: Core,
  publicId: string,
  wanted: readonly number[],
): Promise<{ withdrawn: number; requested: number }> {
  const { db, keyring } = core;
  const site = await getSiteSettings(db);
  return db.transaction().execute(async (trx) => {
    const r = await liveSupporter(trx, publicId);
    if (!r) throw new DomainError('not_found', 'There is nothing here.');
    const lists = await preferenceListsOf(trx, r.id);
    if (wanted.some((id) => !lists.some((l) => l.id === id))) throw new DomainError('invalid', LISTS_CHANGED, { list: LISTS_CHANGED });
    const withdraw = lists.filter((l) => l.status !== 'not_subscribed' && !wanted.includes(l.id)).map((l) => l.id);
    const request = lists.filter((l) => l.status === 'not_subscribed' && wanted.includes(l.id)).map((l) => l.id);
    await recordConsent(trx, { supporterId: r.id, listIds: withdraw, change: 'withdrawn', basis: null, source: 'preferences page' });
    await recordConsent(trx, { supporterId: r.id, listIds: request, change: 'requested', basis: 'consent', source: 'preferences page' });
    if (request.length > 0) {
      const now = Date.now();
      const token = newToken();
      await insertToken(trx, {
        tokenHash: hashToken(token),
        purpose: 'supporter_confirm',
        subjectId: r.id,
        at: now,
        expiresAt: now + CONFIRM_LINK_MS,
      });
      const pending = (await pendingListsOf(trx, r.id)).map((l) => l.name);
      const mail = confirmSignupEmail({
        orgName: site.orgName,
        lists: pending,
        link: `${core.config.baseUrl}/s/confirm/${token}`,
        days: CONFIRM_LINK_MS / DAY,
      });
      await core.mailer.enqueue(trx, { ...mail, to: keyring.decrypt(r.email_enc!) });
    }
    return { withdrawn: withdraw.length, requested: request.length };
  });
}

/**
 * Unsubscribes a supporter from one list at once (one-click unsubscribe, RFC 8058, and the button on its page).
 * Returns the list's name, or undefined when the supporter or the list does not exist (or was erased).
 */
export async function unsubscribeFromList(core: Core, publicId: string, listId: number): Promise<{ listName: string } | undefined> {
  return core.db.transaction().execute(async (trx) => {
    const r = await liveSupporter(trx, publicId);
    const [list] = await findListsByIds(trx, [listId]);
    if (!r || !list) return undefined;
    const current = (await listSubscriptionsOf(trx, r.id)).find((s) => s.list_id === listId);
    if (current && current.status !== 'unsubscribed') {
      await recordConsent(trx, { supporterId: r.id, listIds: [listId], change: 'withdrawn', basis: null, source: 'unsubscribe link' });
    }
    return { listName: list.name };
  });
}

/** The name of a list, for the unsubscribe page; undefined when it does not exist. */
export async function listName(core: Core, listId: number): Promise<string | undefined> {
  return (await findListsByIds(core.db, [listId]))[0]?.name;
}

/** The RFC 8058 one-click unsubscribe headers for a marketing email to a supporter about a list. */
export function listUnsubscribeHeaders(core: Core, publicId: string, listId: number): Record<string, string> {
  return {
    'List-Unsubscribe': `<${supporterLink(core, 'unsubscribe', publicId, String(listId))}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };
}

/**
 * Emails a supporter a single-use link (7 days) to download everything held about them; for the supporter's own
 * request and for staff acting on one. With minGapMs, nothing is sent if a link went out that recently. Returns
 * whether an email was queued. Throws not_found for an unknown or erased supporter.
 */
export async function sendDataExportLink(core: Core, supporterId: number, o: { minGapMs?: number } = {}): Promise<boolean> {
  const site = await getSiteSettings(core.db);
  return core.db.transaction().execute(async (trx) => {
    const r = await findSupporterById(trx, supporterId);
    if (!r || r.erased_at !== null || r.email_enc === null) throw new DomainError('not_found', 'There is no such supporter.');
    const now = Date.now();
    const last = await newestTokenAt(trx, 'data_export', supporterId);
    if (o.minGapMs && last !== undefined && now - last < o.minGapMs) return false;
    const token = newToken();
    await insertToken(trx, {
      tokenHash: hashToken(token),
      purpose: 'data_export',
      subjectId: supporterId,
      at: now,
      expiresAt: now + DATA_EXPORT_LINK_MS,
    });
    const mail = dataExportEmail({
      orgName: site.orgName,
      link: `${core.config.baseUrl}/s/data/${token}`,
      days: DATA_EXPORT_LINK_MS / DAY,
    });
    await core.mailer.enqueue(trx, { ...mail, to: core.keyring.decrypt(r.email_enc) });
    return true;
  });
}

/** The supporter id a public id stands for, if the supporter exists and is not erased. */
export async function liveSupporterId(core: Core, publicId: string): Promise<number | undefined> {
  return (await liveSupporter(core.db, publicId))?.id;
}

/** Whether a data-export link can still be used (looking does not use it). */
export async function dataExportLinkUsable(core: Core, token: string): Promise<boolean> {
  if (!TOKEN_SHAPE.test(token)) return false;
  const row = await findToken(core.db, hashToken(token), 'data_export');
  if (!row || row.used_at !== null || row.expires_at <= Date.now() || row.subject_id === null) return false;
  return (await findSupporterById(core.db, row.subject_id))?.erased_at === null;
}

/** Uses a data-export link: the supporter's data as pretty JSON, or undefined when the link cannot be used. */
export async function takeDataExport(core: Core, token: string): Promise<{ filename: string; json: string } | undefined> {
  if (!TOKEN_SHAPE.test(token)) return undefined;
  const subjectId = await spendToken(core.db, hashToken(token), 'data_export', Date.now());
  if (subjectId === undefined) return undefined;
  const r = await findSupporterById(core.db, subjectId);
  if (!r || r.erased_at !== null) return undefined;
  const data = await exportSupporterData(core.db, core.keyring, subjectId, core.dataExport);
  return { filename: `my-data-${new Date().toISOString().slice(0, 10)}.json`, json: `${JSON.stringify(data, null, 2)}\n` };
}

/** Erases a supporter at their own request (from their preferences page) and voids their links; false when already gone. */
export async function eraseOwnData(core: Core, publicId: string): Promise<boolean> {
  const r = await liveSupporter(core.db, publicId);
  if (!r) return false;
  await eraseSupporter(core, r.id, { source: 'preferences page' });
  await deleteTokensOf(core.db, { purposes: ['supporter_confirm', 'data_export'], subjectId: r.id });
  return true;
}

// ---- bulk versions for imports: the same rules as upsertSupporter (mode 'replace') and recordConsent ---------

/**
 * upsertSupporter in 'replace' mode for many distinct addresses at once, in the caller's transaction: new
 * addresses are inserted together; existing records get the fields given replaced (undefined keeps a field, ''
 * clears it). Returns each input's id and whether it is new, in input order.
 */
export async function upsertSupportersInBulk(
  trx: DbOrTrx,
  keyring: Keyring,
  people: readonly SupporterDetails[],
  o: { source: string; confirmed?: boolean },
): Promise<Array<{ id: number; created: boolean }>> {
  const now = Date.now();
  const indexes = people.map((p) => emailIndex(keyring, p.email));
  if (new Set(indexes).size !== indexes.length) throw new Error('upsertSupportersInBulk needs distinct addresses');
  const existing = new Map((await findSupportersByEmailIndexes(trx, indexes)).map((r) => [r.email_index!, r]));
  const enc = (v: string | null | undefined) => (v === undefined || v === null || v === '' ? null : keyring.encrypt(v));
  const fresh = people.flatMap((p, i) => (existing.has(indexes[i]!) ? [] : [{ p, index: indexes[i]! }]));
  const ids = await insertSupporters(
    trx,
    fresh.map(({ p, index }) => ({
      public_id: randomBytes(16).toString('base64url'),
      email_enc: keyring.encrypt(p.email.trim()),
      email_index: index,
      first_name_enc: enc(p.firstName),
      last_name_enc: enc(p.lastName),
      postcode_enc: enc(p.postcode),
      phone_enc: enc(p.phone),
      address_enc: enc(p.address),
      constituency_code: p.constituencyCode ?? null,
      source: o.source,
      confirmed_at: o.confirmed ? now : null,
      undeliverable_at: null,
      erased_at: null,
      created_at: now,
      updated_at: now,
    })),
  );
  const tokens = new Map<number, string[]>();
  for (const { p, index } of fresh) tokens.set(ids.get(index)!, nameTokenIndexes(keyring, p.firstName, p.lastName));
  for (const [i, p] of people.entries()) {
    const row = existing.get(indexes[i]!);
    if (!row) continue;
    const current = rowToSupporter(keyring, row);
    const pick = (given: string | null | undefined, had: string | null) => (given === undefined ? had : given || null);
    const next = {
      firstName: pick(p.firstName, current.firstName),
      lastName: pick(p.lastName, current.lastName),
      postcode: pick(p.postcode, current.postcode),
      phone: pick(p.phone, current.phone),
      address: pick(p.address, current.address),
    };
    await updateSupporter(trx, row.id, {
      first_name_enc: enc(next.firstName),
      last_name_enc: enc(next.lastName),
      postcode_enc: enc(next.postcode),
      phone_enc: enc(next.phone),
      address_enc: enc(next.address),
      constituency_code: p.constituencyCode !== undefined ? p.constituencyCode : row.constituency_code,
      confirmed_at: row.confirmed_at ?? (o.confirmed ? now : null),
      updated_at: now,
    });
    tokens.set(row.id, nameTokenIndexes(keyring, next.firstName, next.lastName));
  }
  await replaceNameTokensOfMany(trx, tokens);
  return indexes.map((index) => {
    const row = existing.get(index);
    return row ? { id: row.id, created: false } : { id: ids.get(index)!, created: true };
  });
}

/** recordConsent for many supporters, each with their own lists, in the caller's transaction. */
export async function recordConsentForMany(
  trx: DbOrTrx,
  o: {
    grants: ReadonlyArray<{ supporterId: number; listIds: readonly number[] }>;
    change: 'requested' | 'granted' | 'withdrawn';
    basis: LawfulBasis | null;
    source: string;
  },
): Promise<void> {
  const pairs = o.grants.flatMap((g) => [...new Set(g.listIds)].map((listId) => ({ supporterId: g.supporterId, listId })));
  if (pairs.length === 0) return;
  const listIds = [...new Set(pairs.map((p) => p.listId))];
  if ((await findListsByIds(trx, listIds)).length !== listIds.length)
    throw new DomainError('invalid', 'One of those lists does not exist.');
  const now = Date.now();
  const status: SubscriptionStatus = o.change === 'requested' ? 'pending' : o.change === 'granted' ? 'subscribed' : 'unsubscribed';
  await setSubscriptionsOfMany(trx, { pairs, status, basis: o.change === 'withdrawn' ? null : o.basis, at: now });
  await insertConsentEventsOfMany(trx, { pairs, kind: o.change, basis: o.basis, source: o.source, at: now });
  if (o.change === 'granted') await touchSupporters(trx, [...new Set(pairs.map((p) => p.supporterId))], now);
}

// Filters are a type other capabilities may name; the query builder behind them never leaves supporters.
export type { SupporterFilters } from './queries.js';

/** The sign-up block any page may embed (the home page, a campaign hub): a form posting to the sign-up page. */
export { SignupBlock } from './views.js';

// ---- what newsletters asks of supporters: its audience, and who may still be sent each message ------------------
// No query builder leaves supporters: newsletters gets ids and decrypted recipients, and writes its own deliveries.

/**
 * The supporters a newsletter to this list (and saved segment) may go to now, ids ascending. Throws
 * DomainError('invalid') for a segment that no longer exists. `createdTo` (the demo's back-dated sends) leaves out
 * supporters created at or after that instant.
 */
export async function listNewsletterAudience(
  db: DbOrTrx,
  o: { listId: number; segmentId: number | null; createdTo?: number },
): Promise<number[]> {
  let filters: SupporterFilters = {};
  if (o.segmentId !== null) {
    try {
      filters = await segmentFilters(db as Db, o.segmentId);
    } catch (err) {
      if (err instanceof DomainError && err.code === 'not_found')
        throw new DomainError('invalid', 'The segment this newsletter is addressed to no longer exists. Choose another audience.');
      throw err;
    }
  }
  return listMailableSupporterIds(db, o.listId, o.createdTo === undefined ? filters : { ...filters, createdTo: o.createdTo });
}

/**
 * Of these supporters, those who may still be sent a message for this list now (subscribed and confirmed, with an
 * address, not undeliverable, erased or suppressed), with what a message needs, decrypted. A record whose address
 * cannot be decrypted (a retired key) is left out rather than stopping the send.
 */
export async function mailableRecipients(
  core: { db: DbOrTrx; keyring: Keyring },
  listId: number,
  supporterIds: readonly number[],
): Promise<Array<{ supporterId: number; publicId: string; email: string; firstName: string | null }>> {
  if (supporterIds.length === 0) return [];
  const rows = await findMailableRecipientRows(core.db, listId, supporterIds);
  return rows.flatMap((r) => {
    if (r.email_enc === null) return [];
    try {
      return [
        {
          supporterId: r.id,
          publicId: r.public_id,
          email: core.keyring.decrypt(r.email_enc),
          firstName: core.keyring.decryptNullable(r.first_name_enc),
        },
      ];
    } catch {
      return [];
    }
  });
}

/** Lists not archived, by name (what a newsletter can go to). */
export async function listOpenLists(db: DbOrTrx): Promise<Array<{ id: number; name: string }>> {
  return listOpenListRows(db);
}

/** The id of the list with this slug, if there is one. */
export async function findListIdBySlug(db: DbOrTrx, slug: string): Promise<number | undefined> {
  return findListIdBySlugQuery(db, slug);
}
