import { TOKEN_SHAPE, PROOF_USED } from '../../core/tokens.js';
import { createHash } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import type { Core, ErasureSubject } from '../../core/context.js';
import { hashToken, newToken, safeEqual } from '../../core/crypto.js';
import { isUniqueViolation } from '../../core/db/errors.js';
import type { Db, DbOrTrx } from '../../core/db/index.js';
import type { SignOnStatus } from './tables.js';
import { getSiteSettings } from '../../core/settings.js';
import { DomainError } from '../../core/web/errors.js';
import { checkbox, email as emailField, optionalText, text } from '../../core/web/forms.js';
import { recordAudit } from '../../core/audit.js';
import { spendProof } from '../../core/web/proof-of-work.js';
import {
  emailIndex,
  findSupporterByEmail,
  isSuppressed,
  markConfirmed,
  recordConsent,
  signupBlockData,
  supporterConsent,
  upsertSupporter,
} from '../../supporters/service.js';
import { hoursToDays, type Action, type KindWaiting } from '../kinds.js';
import { actionTitles, findActionForKind, scheduleCountRefresh, type KindReader } from '../service.js';
import { deleteFiles, findFileById, insertFile } from '../../core/files.js';
import { alreadySignedEmail, confirmSignOnEmail, signOnApprovedEmail } from './emails.js';
import {
  approvalsPerHour,
  countApproved,
  countSignOnsByStatus,
  deleteSignOns,
  deleteSignOnTokens,
  findSignOnByEmailIndex,
  findSignOnById,
  findSignOnToken,
  findSignOnsNotEncrypted,
  findUnconfirmedBefore,
  insertSignOn,
  insertSignOnToken,
  listApprovedSignOns,
  listSignOnsAfter,
  listSignOnsByEmailIndex,
  listSignOnsInState,
  listSignOnsInFullByEmailIndex,
  moveSignOn,
  newestSignOnTokenAt,
  updateSignOn,
  useSignOnToken,
  type SignOnRow,
  countPendingSignOnsByAction,
} from './queries.js';
import { SignOnSettingsSchema, type SignOnSettings } from './settings.js';

// The rules of organisation sign-ons. An organisation signs with its name, website, a contact person (name, role,
// email) and optionally a logo; the contact confirms by email; staff approve or reject; only approved sign-ons are
// listed and counted. One sign-on per address per action (a unique index), and the public answer is the same
// whether or not the address had signed. Everything typed into the form is stored encrypted; the organisation's name
// and website are also copied in plain text while (and only while) staff have approved them for the public list.
// Contact details are never shown publicly.

const DAY = 24 * 3600_000;
/** Confirmation links work for 30 days; sign-ons never confirmed are deleted after the same time. */
export const CONFIRM_LINK_MS = 30 * DAY;
/** At most one email about a sign-on in this time, so the form cannot flood anyone's inbox. */
export const SIGN_ON_EMAIL_GAP_MS = 2 * 60_000;
/** The largest logo accepted. */
export const LOGO_MAX_BYTES = 512 * 1024;
/** The most organisations shown on the public page (far more than any statement gathers). */
const PUBLIC_LIST_MAX = 2000;

// ---- the form ------------------------------------------------------------------------------------------------

const WEBSITE_MESSAGE = 'Enter your website’s address, like https://www.example.org, or leave it empty';

/**
 * A website as stored: an absolute http or https URL with a host name, no user name or password. An address typed
 * without a scheme ("example.org") gets https://; any other scheme (javascript:, data:, mailto:…) is refused.
 */
export function normaliseWebsite(raw: string): string | null {
  const s = raw.trim();
  if (s === '' || s.length > 500 || /[\s\u0000-\u001f\u007f]/.test(s)) return null;
  const hasScheme = /^[a-z][a-z0-9+.-]*:/i.test(s);
  if (hasScheme && !/^https?:\/\//i.test(s)) return null;
  let url: URL;
  try {
    url = new URL(hasScheme ? s : `https://${s}`);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username !== '' || url.password !== '') return null;
  // A real site's name has a dot (example.org), which also rules out bare words and most typing slips.
  if (!url.hostname.includes('.') || url.hostname.startsWith('.') || url.hostname.endsWith('.')) return null;
  return url.href.length <= 500 ? url.href : null;
}

const websiteField = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
  z
    .string({ error: WEBSITE_MESSAGE })
    .transform((s, ctx) => {
      const url = normaliseWebsite(s);
      if (url === null) {
        ctx.addIssue({ code: 'custom', message: WEBSITE_MESSAGE });
        return z.NEVER;
      }
      return url;
    })
    .optional(),
);

/** What the public sign-on form takes (the logo arrives separately, as an upload). Direction overrides and isolates,
 * which could make a listed name read as something else, are taken out of every field by core/text.ts. */
export const SignOnFormSchema = z.object({
  organisation: text('the name of your organisation', { max: 200 }),
  website: websiteField,
  contactName: text('your name', { max: 200 }),
  contactRole: optionalText('your role', { max: 200 }),
  // An empty box asks for the address rather than complaining about its format.
  email: z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), emailField('your email address')),
  optIn: checkbox,
});

export type SignOnInput = z.output<typeof SignOnFormSchema>;

/** A logo as it arrived: its bytes (cut off at the limit, then `truncated`). */
export interface LogoUpload {
  bytes: Uint8Array;
  truncated: boolean;
}

export type LogoType = 'image/png' | 'image/jpeg' | 'image/webp';

const startsWith = (b: Uint8Array, at: number, sig: readonly number[]) => sig.every((x, i) => b[at + i] === x);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

/**
 * What kind of image the bytes are, from their first bytes (never from the name or the type the browser sent):
 * PNG (signature, then the IHDR chunk), JPEG (SOI and a marker), or WebP (a RIFF container of WEBP with a VP8 chunk).
 * Anything else, SVG (which can carry script) and HTML included, is undefined.
 */
export function imageTypeOf(b: Uint8Array): LogoType | undefined {
  if (b.byteLength < 16) return undefined;
  if (startsWith(b, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) && startsWith(b, 12, ascii('IHDR'))) return 'image/png';
  if (startsWith(b, 0, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(b, 0, ascii('RIFF')) && startsWith(b, 8, ascii('WEBP')) && startsWith(b, 12, ascii('VP8'))) return 'image/webp';
  return undefined;
}

const LOGO_TYPE_MESSAGE = 'The logo must be a PNG, JPEG or WebP image';
const LOGO_SIZE_MESSAGE = `The logo must be ${LOGO_MAX_BYTES / 1024} KB or smaller`;

const LOGO_NEEDED_MESSAGE = 'Choose your organisation’s logo to upload';

/** What is wrong with a logo upload (or its absence, when the action requires one), for the logo field; undefined if nothing. */
export function logoProblem(upload: LogoUpload | undefined, settings: Pick<SignOnSettings, 'requireLogo'>): string | undefined {
  if (!upload) return settings.requireLogo ? LOGO_NEEDED_MESSAGE : undefined;
  if (upload.truncated || upload.bytes.byteLength > LOGO_MAX_BYTES) return LOGO_SIZE_MESSAGE;
  return imageTypeOf(upload.bytes) ? undefined : LOGO_TYPE_MESSAGE;
}

// ---- the organisation's details, encrypted ----------------------------------------------------------------

/** The organisation's name and website as its contact typed them (decrypted; plain only for a row stored earlier). */
function detailsOf(core: Core, r: Pick<SignOnRow, 'organisation' | 'website' | 'organisation_enc' | 'website_enc'>) {
  if (r.organisation_enc === null) return { organisation: r.organisation ?? '', website: r.website };
  return { organisation: core.keyring.decrypt(r.organisation_enc), website: core.keyring.decryptNullable(r.website_enc) };
}

/**
 * The columns of a sign-on's organisation details for its state: always encrypted, and copied in plain text only
 * while approved (what the public list shows, so it can be read and sorted without the key).
 */
export function signOnDetailColumns(
  core: Core,
  d: { organisation: string; website: string | null },
  status: SignOnStatus,
): Pick<SignOnRow, 'organisation' | 'website' | 'organisation_enc' | 'website_enc'> {
  const listed = status === 'approved';
  return {
    organisation_enc: core.keyring.encrypt(d.organisation),
    website_enc: core.keyring.encryptNullable(d.website),
    organisation: listed ? d.organisation : null,
    website: listed ? d.website : null,
  };
}

const SIGN_ONS_TO_ENCRYPT_BATCH = 200;

/**
 * Encrypts the organisation details of sign-ons stored before they were encrypted (migration 2026_12_04_0006 made
 * the columns; a migration holds no key), emptying the plain copies of those not approved; returns how many. Queued
 * by every worker at start-up, so an upgraded install holds no plain details of unpublished sign-ons for long.
 */
export async function encryptSignOnDetails(core: Core): Promise<number> {
  let total = 0;
  for (;;) {
    const batch = await findSignOnsNotEncrypted(core.db, SIGN_ONS_TO_ENCRYPT_BATCH);
    if (batch.length === 0) return total;
    await core.db.transaction().execute(async (trx) => {
      for (const r of batch) await updateSignOn(trx, Number(r.id), signOnDetailColumns(core, detailsOf(core, r), r.status));
    });
    total += batch.length;
    await new Promise((r) => setImmediate(r));
  }
}

// ---- reading actions ----------------------------------------------------------------------------------------

/** How the frame reads a sign-on action. */
const SIGN_ONS: KindReader<SignOnSettings> = { kinds: ['sign_on'], settingsSchema: SignOnSettingsSchema };

/** A sign-on action by slug: published (open or closed), or undefined. */
export async function publishedSignOnAction(db: DbOrTrx, slug: string): Promise<Action<SignOnSettings> | undefined> {
  const a = await findActionForKind(db, { slug }, SIGN_ONS);
  return a && a.status !== 'draft' ? a : undefined;
}

/** A sign-on action by id, any state (the admin pages), or undefined. */
export async function signOnActionById(db: DbOrTrx, id: number): Promise<Action<SignOnSettings> | undefined> {
  return findActionForKind(db, { id }, SIGN_ONS);
}

/** What the action page's sign-on area shows besides the action: whether a logo is required, the newsletter offered, and the organisations listed (unless hidden). */
export interface SignOnActAreaData {
  requireLogo: boolean;
  newsletter: { name: string; wording: string } | undefined;
  list: { count: number; signatories: Signatory[] } | undefined;
}

/** The data of the action page's sign-on area. */
export async function signOnActAreaData(core: Core, action: Action<SignOnSettings>): Promise<SignOnActAreaData> {
  const [offer, list] = await Promise.all([
    newsletterOffer(core, action),
    action.settings.hideList ? undefined : approvedSignatories(core, action.id),
  ]);
  return { requireLogo: action.settings.requireLogo, newsletter: offer ? { name: offer.name, wording: offer.wording } : undefined, list };
}

/** The newsletter list an action offers, if it has one and the list still takes sign-ups: its id, name and wording. */
export async function newsletterOffer(
  core: Core,
  action: Pick<Action, 'newsletterListId'>,
): Promise<{ id: number; name: string; wording: string } | undefined> {
  if (action.newsletterListId === null) return undefined;
  const list = (await signupBlockData(core)).lists.find((l) => l.id === action.newsletterListId);
  return list ? { id: list.id, name: list.name, wording: list.wording } : undefined;
}

// ---- signing ----------------------------------------------------------------------------------------------------

/**
 * A sign-on from the public form. A new address gets a sign-on row (status unconfirmed), its logo stored in `files`,
 * and a confirmation link by email, all in one transaction; with the newsletter box ticked, the contact is also
 * recorded as a supporter asking for the action's list (confirmed by the same link). An address that already signed
 * this action changes nothing: it is sent a fresh link if still unconfirmed, or a note that it has signed (at most
 * one email per address every two minutes). Suppressed addresses are neither stored nor emailed. Every refusal is
 * a DomainError('invalid') thrown before anything is written.
 */
export async function signOn(
  core: Core,
  action: Action<SignOnSettings>,
  input: SignOnInput,
  o: { logo?: LogoUpload | undefined; proof?: { id: string; expiresAt: number } | undefined } = {},
): Promise<void> {
  const { keyring } = core;
  const problem = logoProblem(o.logo, action.settings);
  if (problem) throw new DomainError('invalid', problem, { logo: problem });
  const logoType = o.logo ? imageTypeOf(o.logo.bytes) : undefined;
  const [site, offer] = await Promise.all([getSiteSettings(core.db), input.optIn ? newsletterOffer(core, action) : undefined]);
  const index = emailIndex(keyring, input.email);
  const pageLink = `${core.config.baseUrl}/act/${action.slug}`;
  const confirmLink = (token: string) => `${pageLink}/sign-on/confirm/${token}`;

  const attempt = () =>
    core.db.transaction().execute(async (trx) => {
      const now = Date.now();
      // The proof is spent whatever follows, so reusing it cannot tell anyone whether an address is suppressed.
      if (o.proof && !(await spendProof(trx, o.proof, now))) {
        throw new DomainError('invalid', PROOF_USED, { _form: PROOF_USED });
      }
      if (await isSuppressed(trx, keyring, input.email)) return;
      const existing = await findSignOnByEmailIndex(trx, action.id, index);
      if (existing) {
        const last = await newestSignOnTokenAt(trx, Number(existing.id));
        if (last !== undefined && now - last < SIGN_ON_EMAIL_GAP_MS) return;
        const token = newToken();
        const unconfirmed = existing.status === 'unconfirmed';
        // A sign-on past confirming still gets a token row, already used: it marks when this address was emailed.
        await insertSignOnToken(trx, {
          tokenHash: hashToken(token),
          signOnId: Number(existing.id),
          at: now,
          expiresAt: now + CONFIRM_LINK_MS,
          usedAt: unconfirmed ? null : now,
        });
        const mail = unconfirmed
          ? confirmSignOnEmail({
              orgName: site.orgName,
              organisation: detailsOf(core, existing).organisation,
              title: action.title,
              link: confirmLink(token),
              days: CONFIRM_LINK_MS / DAY,
              newsletter: null,
            })
          : alreadySignedEmail({
              orgName: site.orgName,
              organisation: detailsOf(core, existing).organisation,
              title: action.title,
              listed: existing.status === 'approved',
              pageLink,
            });
        await core.mailer.enqueue(trx, { ...mail, to: input.email });
        return;
      }
      const logoFileId =
        o.logo && logoType
          ? await insertFile(trx, {
              contentType: logoType,
              bytes: o.logo.bytes,
              sha256: createHash('sha256').update(o.logo.bytes).digest('hex'),
              at: now,
            })
          : null;
      const id = await insertSignOn(trx, {
        action_id: action.id,
        ...signOnDetailColumns(core, { organisation: input.organisation, website: input.website ?? null }, 'unconfirmed'),
        contact_name_enc: keyring.encrypt(input.contactName),
        contact_role_enc: keyring.encryptNullable(input.contactRole),
        email_index: index,
        email_enc: keyring.encrypt(input.email),
        logo_file_id: logoFileId,
        status: 'unconfirmed',
        created_at: now,
        confirmed_at: null,
        decided_at: null,
        decided_by: null,
      });
      let newsletter: string | null = null;
      if (offer)
        newsletter = (await requestNewsletter(trx, core, {
          email: input.email,
          name: input.contactName,
          listId: offer.id,
          source: `sign-on: ${action.slug}`,
        }))
          ? offer.name
          : null;
      const token = newToken();
      await insertSignOnToken(trx, { tokenHash: hashToken(token), signOnId: id, at: now, expiresAt: now + CONFIRM_LINK_MS });
      const mail = confirmSignOnEmail({
        orgName: site.orgName,
        organisation: input.organisation,
        title: action.title,
        link: confirmLink(token),
        days: CONFIRM_LINK_MS / DAY,
        newsletter,
      });
      await core.mailer.enqueue(trx, { ...mail, to: input.email });
    });

  try {
    await attempt();
  } catch (err) {
    // The same address signing twice at the same moment: the loser's transaction is rolled back whole (its logo
    // too), and running it again finds the winner's row and takes the "already signed" path.
    if (!isUniqueViolation(err)) throw err;
    await attempt();
  }
}

/**
 * Records that the contact asked for the action's newsletter (consent 'requested', confirmed by the sign-on's link),
 * unless they already receive it. Returns whether a request was recorded.
 */
async function requestNewsletter(
  trx: DbOrTrx,
  core: Core,
  o: { email: string; name: string; listId: number; source: string },
): Promise<boolean> {
  const { id } = await upsertSupporter(trx, core.keyring, { email: o.email, firstName: o.name }, { source: o.source, mode: 'fill' });
  const current = (await supporterConsent(trx, id)).subscriptions.find((s) => s.listId === o.listId);
  if (current?.status === 'subscribed') return false;
  await recordConsent(trx, { supporterId: id, listIds: [o.listId], change: 'requested', basis: 'consent', source: o.source });
  return true;
}

// ---- confirming -------------------------------------------------------------------------------------------------

/** What a confirmation link leads to. */
export type SignOnLink = { state: 'ready'; organisation: string; newsletter: string | null } | { state: 'used' } | { state: 'invalid' };

async function tokenSignOn(db: DbOrTrx, action: Pick<Action, 'id'>, token: string) {
  if (!TOKEN_SHAPE.test(token)) return undefined;
  const t = await findSignOnToken(db, hashToken(token));
  if (!t || t.subject_id === null) return undefined;
  const row = await findSignOnById(db, Number(t.subject_id));
  // A link is good only on its own action's address.
  if (!row || Number(row.action_id) !== action.id) return undefined;
  return { token: t, row };
}

/** The newsletter an address is waiting to confirm for this action, if any (shown on the confirmation page). */
async function pendingNewsletter(
  core: Core,
  db: DbOrTrx,
  action: Pick<Action, 'newsletterListId'>,
  email: string,
): Promise<{ id: number; supporterId: number; name: string } | undefined> {
  if (action.newsletterListId === null) return undefined;
  const supporter = await findSupporterByEmail(db, core.keyring, email);
  if (!supporter) return undefined;
  const sub = (await supporterConsent(db, supporter.id)).subscriptions.find((s) => s.listId === action.newsletterListId);
  return sub?.status === 'pending' ? { id: sub.listId, supporterId: supporter.id, name: sub.list } : undefined;
}

/** Looks at a confirmation link without using it (link scanners only ever GET). */
export async function signOnLink(core: Core, action: Action<SignOnSettings>, token: string): Promise<SignOnLink> {
  const found = await tokenSignOn(core.db, action, token);
  if (!found) return { state: 'invalid' };
  if (found.token.used_at !== null || found.row.status !== 'unconfirmed') return { state: 'used' };
  if (Number(found.token.expires_at) <= Date.now()) return { state: 'invalid' };
  const newsletter = await pendingNewsletter(core, core.db, action, core.keyring.decrypt(found.row.email_enc));
  return { state: 'ready', organisation: detailsOf(core, found.row).organisation, newsletter: newsletter?.name ?? null };
}

/**
 * Uses a confirmation link (the button on its page): the sign-on waits for staff, and a newsletter the address asked
 * for is granted. Returns 'confirmed', 'used' (done already), or 'invalid'.
 */
export async function confirmSignOn(core: Core, action: Action<SignOnSettings>, token: string): Promise<'confirmed' | 'used' | 'invalid'> {
  return core.db.transaction().execute(async (trx) => {
    const found = await tokenSignOn(trx, action, token);
    if (!found) return 'invalid';
    const now = Date.now();
    if ((await useSignOnToken(trx, found.token.token_hash, now)) === undefined) {
      return found.token.used_at !== null ? 'used' : 'invalid';
    }
    const id = Number(found.row.id);
    if (!(await moveSignOn(trx, id, { from: ['unconfirmed'], to: 'pending', at: now, confirmedAt: now }))) return 'used';
    const newsletter = await pendingNewsletter(core, trx, action, core.keyring.decrypt(found.row.email_enc));
    if (newsletter) {
      await markConfirmed(trx, newsletter.supporterId);
      await recordConsent(trx, {
        supporterId: newsletter.supporterId,
        listIds: [newsletter.id],
        change: 'granted',
        basis: 'consent',
        source: `sign-on confirmation: ${action.slug}`,
      });
    }
    return 'confirmed';
  });
}

// ---- the public list and the counter ----------------------------------------------------------------------------

/** One organisation as the public sees it: never a contact's name or address. */
export interface Signatory {
  organisation: string;
  website: string | null;
  logoPath: string | null;
}

const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });

/** The approved organisations of an action, alphabetically, with their count. */
export async function approvedSignatories(core: Core, actionId: number): Promise<{ count: number; signatories: Signatory[] }> {
  const [rows, count] = await Promise.all([listApprovedSignOns(core.db, actionId, PUBLIC_LIST_MAX), countApproved(core.db, actionId)]);
  const signatories = rows
    .map((r) => ({
      // Approved sign-ons hold their public details in plain text (the query asks for those only).
      organisation: r.organisation ?? '',
      website: r.website,
      logoPath: r.logo_file_id === null ? null : filePath(core, Number(r.logo_file_id)),
    }))
    .sort((a, b) => collator.compare(a.organisation, b.organisation));
  return { count, signatories };
}

/** Approved sign-ons of an action: the live counter's figure. */
export async function countApprovedSignOns(db: DbOrTrx, actionId: number): Promise<number> {
  return countApproved(db, actionId);
}

/** Approvals per day in the organisation's time zone, for the admin chart. */
export async function approvedSignOnsByDay(
  db: DbOrTrx,
  actionId: number,
  timeZone: string,
): Promise<Array<{ day: string; count: number }>> {
  return hoursToDays(await approvalsPerHour(db, actionId), timeZone);
}

// ---- files (logos) ----------------------------------------------------------------------------------------------

// A file's address carries its id and a signature of it, so ids cannot be walked to find logos not yet approved.
const fileSignature = (core: Core, id: number) => core.keyring.sign('file-link', String(id)).slice(0, 32);

/** The path a stored file is served at: /files/<id>-<signature>. */
export function filePath(core: Core, id: number): string {
  return `/files/${id}-${fileSignature(core, id)}`;
}

/** A stored file by the reference in its path, or undefined when the reference is not one we made. */
export async function fileByRef(core: Core, ref: string): Promise<{ contentType: string; bytes: Uint8Array; sha256: string } | undefined> {
  const m = /^([1-9]\d{0,14})-([A-Za-z0-9_-]{32})$/.exec(ref);
  if (!m || !safeEqual(fileSignature(core, Number(m[1])), m[2]!)) return undefined;
  const f = await findFileById(core.db, Number(m[1]));
  return f ? { contentType: f.content_type, bytes: f.bytes, sha256: f.sha256 } : undefined;
}

// ---- staff: moderation, export ----------------------------------------------------------------------------------

export const STAFF_STATES = ['pending', 'approved', 'rejected', 'unconfirmed'] as const satisfies readonly SignOnStatus[];

/** A sign-on as staff see it, contact details decrypted. */
export interface StaffSignOn {
  id: number;
  organisation: string;
  website: string | null;
  contactName: string;
  contactRole: string | null;
  email: string;
  logoPath: string | null;
  status: SignOnStatus;
  createdAt: number;
  confirmedAt: number | null;
  decidedAt: number | null;
}

function toStaffSignOn(core: Core, r: SignOnRow): StaffSignOn {
  const k = core.keyring;
  return {
    id: Number(r.id),
    ...detailsOf(core, r),
    contactName: k.decrypt(r.contact_name_enc),
    contactRole: k.decryptNullable(r.contact_role_enc),
    email: k.decrypt(r.email_enc),
    logoPath: r.logo_file_id === null ? null : filePath(core, Number(r.logo_file_id)),
    status: r.status,
    createdAt: Number(r.created_at),
    confirmedAt: r.confirmed_at === null ? null : Number(r.confirmed_at),
    decidedAt: r.decided_at === null ? null : Number(r.decided_at),
  };
}

/** A page of an action's sign-ons in one state, with the number in each state. */
export async function signOnsForStaff(core: Core, actionId: number, status: SignOnStatus, o: { page: number; pageSize: number }) {
  const [rows, counts] = await Promise.all([
    listSignOnsInState(core.db, actionId, status, { limit: o.pageSize + 1, offset: (o.page - 1) * o.pageSize }),
    countSignOnsByStatus(core.db, actionId),
  ]);
  return { items: rows.slice(0, o.pageSize).map((r) => toStaffSignOn(core, r)), more: rows.length > o.pageSize, counts };
}

/**
 * Approves or rejects a sign-on, audited. Approving lists the organisation (from pending, or reversing a rejection)
 * and emails the contact; rejecting takes it off the list (from pending or approved) and sends nothing. Either asks
 * for the counter to be recounted. Throws not_found, or conflict when the sign-on is not in a state to move.
 */
export async function decideSignOn(
  core: Core,
  staffId: number,
  actionId: number,
  signOnId: number,
  decision: 'approve' | 'reject',
): Promise<void> {
  const action = await signOnActionById(core.db, actionId);
  if (!action) throw new DomainError('not_found', 'There is no such sign-on.');
  const site = await getSiteSettings(core.db);
  await core.db.transaction().execute(async (trx) => {
    const row = await findSignOnById(trx, signOnId);
    if (!row || Number(row.action_id) !== actionId) throw new DomainError('not_found', 'There is no such sign-on.');
    const now = Date.now();
    const moved =
      decision === 'approve'
        ? await moveSignOn(trx, signOnId, { from: ['pending', 'rejected'], to: 'approved', at: now, staffId })
        : await moveSignOn(trx, signOnId, { from: ['pending', 'approved'], to: 'rejected', at: now, staffId });
    if (!moved) throw new DomainError('conflict', 'This sign-on has changed since the page was loaded. Look at it again before deciding.');
    // Approved, the organisation's name and website go on the public list and are copied in plain text; rejected,
    // the plain copy goes (the encrypted details stay for staff).
    await updateSignOn(trx, signOnId, signOnDetailColumns(core, detailsOf(core, row), decision === 'approve' ? 'approved' : 'rejected'));
    await recordAudit(trx, {
      staffId,
      action: `sign_on.${decision}`,
      target: `sign-on ${signOnId}`,
      details: { action: actionId, from: row.status },
    });
    if (decision === 'approve') {
      const mail = signOnApprovedEmail({
        orgName: site.orgName,
        organisation: detailsOf(core, row).organisation,
        title: action.title,
        pageLink: `${core.config.baseUrl}/act/${action.slug}`,
      });
      await core.mailer.enqueue(trx, { ...mail, to: core.keyring.decrypt(row.email_enc) });
    }
    await scheduleCountRefresh(core, trx, actionId, now);
  });
}

/**
 * Makes a cell safe to open in a spreadsheet: one starting with = + - @ tab or carriage return could run as a
 * formula (CSV injection), so it gets a leading apostrophe (as the supporters' export does).
 */
export function escapeCell(v: string): string {
  return /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());
const EXPORT_PAGE = 500;

/**
 * Every sign-on of an action as CSV, written to the audit log first (the action and the row count, nothing
 * personal). For each contact, where they stand on the action's newsletter list, so whoever opens the file can see
 * whom they may email: signing a statement is not consent to a newsletter.
 */
export async function exportSignOns(
  core: Core,
  staffId: number,
  actionId: number,
): Promise<{ rows: number; csv: string; filename: string }> {
  const action = await signOnActionById(core.db, actionId);
  if (!action) throw new DomainError('not_found', 'There is no such action.');
  const counts = await countSignOnsByStatus(core.db, actionId);
  const rows = Object.values(counts).reduce((a, b) => a + b, 0);
  await recordAudit(core.db, { staffId, action: 'sign_ons.export', target: `action ${actionId}`, details: { rows } });
  const header = [
    'organisation',
    'website',
    'contact_name',
    'contact_role',
    'email',
    'status',
    'signed',
    'confirmed',
    'decided',
    'logo',
    'newsletter',
  ];
  const records: string[][] = [header];
  for (let after = 0; ;) {
    const page = await listSignOnsAfter(core.db, actionId, after, EXPORT_PAGE);
    if (page.length === 0) break;
    for (const r of page) {
      const s = toStaffSignOn(core, r);
      records.push([
        s.organisation,
        s.website ?? '',
        s.contactName,
        s.contactRole ?? '',
        s.email,
        s.status,
        iso(s.createdAt),
        iso(s.confirmedAt),
        iso(s.decidedAt),
        s.logoPath ? 'yes' : 'no',
        await newsletterStanding(core, action, s.email),
      ]);
    }
    after = Number(page[page.length - 1]!.id);
  }
  // A byte-order mark, so spreadsheet programs read the file as UTF-8 and names in any script survive.
  const csv = `\ufeff${stringify(
    records.map((r) => r.map(escapeCell)),
    { record_delimiter: '\r\n' },
  )}`;
  return { rows, csv, filename: `sign-ons-${action.slug}-${new Date().toISOString().slice(0, 10)}.csv` };
}

/** Where an address stands on the action's newsletter list: subscribed, pending, unsubscribed, or '' (never asked). */
async function newsletterStanding(core: Core, action: Action<SignOnSettings>, email: string): Promise<string> {
  if (action.newsletterListId === null) return '';
  const supporter = await findSupporterByEmail(core.db, core.keyring, email);
  if (!supporter) return '';
  return (await supporterConsent(core.db, supporter.id)).subscriptions.find((s) => s.listId === action.newsletterListId)?.status ?? '';
}

// ---- retention --------------------------------------------------------------------------------------------------

/** Deletes sign-ons never confirmed within 30 days, with their logos and links; returns how many. */
export async function deleteStaleUnconfirmedSignOns(db: Db, now = Date.now()): Promise<number> {
  let total = 0;
  for (;;) {
    const batch = await findUnconfirmedBefore(db, now - CONFIRM_LINK_MS, 200);
    if (batch.length === 0) return total;
    await db.transaction().execute(async (trx) => {
      const ids = batch.map((b) => b.id);
      await deleteSignOnTokens(trx, ids);
      await deleteSignOns(trx, ids);
      await deleteFiles(
        trx,
        batch.flatMap((b) => (b.logo_file_id === null ? [] : [b.logo_file_id])),
      );
    });
    total += batch.length;
    // SQLite calls are synchronous: let web requests in between batches.
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * A supporter's erasure reaches the sign-ons they made as an organisation's contact (matched by address): an
 * unconfirmed one goes; otherwise the organisation stays listed and the contact's name, role and address are emptied.
 */
export async function eraseSignOnContactsOf(core: Core, trx: DbOrTrx, subject: ErasureSubject): Promise<void> {
  if (!subject.emailIndex) return;
  const rows = await listSignOnsByEmailIndex(trx, subject.emailIndex);
  await deleteSignOns(
    trx,
    rows.filter((r) => r.status === 'unconfirmed').map((r) => r.id),
  );
  for (const r of rows.filter((x) => x.status !== 'unconfirmed')) {
    await updateSignOn(trx, r.id, {
      email_index: `erased:${newToken()}`,
      email_enc: core.keyring.encrypt(''),
      contact_name_enc: core.keyring.encrypt(''),
      contact_role_enc: null,
    });
  }
}

/** The sign-ons a supporter made as an organisation's contact, for their copy of their data (matched by address). */
export async function signOnsFor(core: Core, db: DbOrTrx, subject: ErasureSubject): Promise<Record<string, unknown[]>> {
  if (!subject.emailIndex) return { organisationSignOns: [] };
  const signed = await listSignOnsInFullByEmailIndex(db, subject.emailIndex);
  const titles = await actionTitles(
    db,
    signed.map((r) => Number(r.action_id)),
  );
  const rows = signed.flatMap((r) => {
    const title = titles.get(Number(r.action_id));
    return title === undefined ? [] : [{ ...r, title }];
  });
  const k = core.keyring;
  return {
    organisationSignOns: rows.map((r) => ({
      statement: r.title,
      ...detailsOf(core, r),
      contactName: k.decrypt(r.contact_name_enc),
      role: k.decryptNullable(r.contact_role_enc),
      status: r.status,
      signedAt: new Date(Number(r.created_at)).toISOString(),
    })),
  };
}

/** Confirmed sign-ons waiting for staff approval, per action (for the dashboard). */
export async function signOnsWaiting(db: DbOrTrx): Promise<KindWaiting[]> {
  return (await countPendingSignOnsByAction(db)).map((p) => ({
    actionId: p.actionId,
    count: p.count,
    label:
      p.count === 1
        ? '1 organisation is waiting for approval'
        : `${p.count.toLocaleString('en-GB')} organisations are waiting for approval`,
    href: `/admin/actions/${p.actionId}/sign-ons`,
    permission: 'actions:moderate',
  }));
}
