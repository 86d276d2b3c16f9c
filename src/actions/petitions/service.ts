import { TOKEN_SHAPE } from '../../core/tokens.js';
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import type { Core, ErasureSubject } from '../../core/context.js';
import { hashToken, newToken } from '../../core/crypto.js';
import { inSharedTransaction } from '../../core/db/group-commit.js';
import type { Db, DbOrTrx } from '../../core/db/index.js';
import { getSiteSettings } from '../../core/settings.js';
import { DomainError } from '../../core/web/errors.js';
import { checkbox, email as emailField, parseForm, text, type FormResult } from '../../core/web/forms.js';
import { constituencyCodeOf, constituencyNames, normalisePostcode } from '../../representatives/service.js';
import { recordAudit } from '../../core/audit.js';
import { spendProof } from '../../core/web/proof-of-work.js';
import {
  emailIndex,
  getSupporter,
  isSuppressed,
  listNewsletterAudience,
  markConfirmed,
  recordConsent,
  signupBlockData,
  supporterConsent,
  upsertSupporter,
  type PublicList,
} from '../../supporters/service.js';
import { actionTitles, findActionForKind, scheduleCountRefresh, type KindReader } from '../service.js';
import { isTakingPart } from '../kinds.js';
import { PetitionSettingsSchema, type Petition, type PetitionSettings } from './settings.js';

export type { Petition, PetitionSettings } from './settings.js';
import { alreadySignedEmail, confirmSignatureEmail } from './emails.js';
import {
  countConfirmedSignaturesUpTo,
  deletePendingSignaturesBefore,
  deleteSignatures,
  findConfirmedSignaturesBefore,
  findMaxSignatureId,
  findShownSigners,
  findSignatureByEmailIndex,
  findSignatureById,
  findSignatureDetailsOfSubject,
  findSignaturesOfSubject,
  findSignatureToken,
  hideShownSigner,
  insertSignatureOnce,
  insertSignatureToken,
  markSignatureConfirmed,
  newestSignatureTokenAt,
  setSignatureSupporter,
  updateSignature,
  useSignatureToken,
} from './queries.js';

// The rules of petitions: who may sign, what is stored (every personal field encrypted; the address found again
// only through its blind index), when a signature counts, the emails that go out, the public list of signers who
// chose to be shown, and the staff export. The path of one signature is the surge's path, so it does its
// computing (validation, encryption, rendering the email) before the transaction and keeps the transaction to a
// few statements that share one commit with the signatures arriving beside it (core/db/group-commit.ts).

// In a surge every signature needs its petition: it is kept for a second, so a thousand signatures a second read it
// once. A deadline is checked against the clock on every signature; a status changed by staff applies within it.
const PETITION_CACHE_MS = 1000;

/** A cache per database of values read for `ms` (at most a thousand keys, so it cannot grow without end). */
function shortCache<K, V>(ms: number) {
  const byDb = new WeakMap<Db, Map<K, { at: number; value: V }>>();
  return {
    /** The value kept for this key if it is fresh enough, else what `load` reads now (then kept). */
    async get(db: Db, key: K, load: () => Promise<V>): Promise<V> {
      let entries = byDb.get(db);
      if (!entries) byDb.set(db, (entries = new Map()));
      const now = Date.now();
      const hit = entries.get(key);
      if (hit && now - hit.at < ms) return hit.value;
      const value = await load();
      if (entries.size >= 1000) entries.clear();
      entries.set(key, { at: now, value });
      return value;
    },
    forget(db: Db, key: K): void {
      byDb.get(db)?.delete(key);
    },
  };
}

/** How the frame reads a petition. */
const PETITIONS: KindReader<PetitionSettings> = { kinds: ['petition'], settingsSchema: PetitionSettingsSchema };

const petitionCache = shortCache<string, Petition | undefined>(PETITION_CACHE_MS);

/** The petition with this slug, whatever its status (kept for a second); undefined when there is none. */
export async function findPetition(core: Core, slug: string): Promise<Petition | undefined> {
  return petitionCache.get(core.db, slug, async () => {
    return findActionForKind(core.db, { slug }, PETITIONS);
  });
}

// ---- signing ----------------------------------------------------------------------------------------------------

const DAY = 24 * 3600_000;
/** Confirmation links work for 30 days; signatures never confirmed are deleted after the same time. */
export const CONFIRM_LINK_MS = 30 * DAY;
/** At most one "you have already signed" email per signature in this time, so the form cannot flood an inbox. */
const REMINDER_GAP_MS = 5 * 60_000;

export const CLOSED = 'This petition is not taking signatures any more.';
const POSTCODE = 'Enter a full UK postcode, like SW1A 1AA, or tick the box to say you do not live in the UK';

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

function signatureSchema(askPostcode: boolean) {
  return z
    .object({
      firstName: text('your first name', { max: 100 }),
      lastName: text('your last name', { max: 100 }),
      // An empty box asks for the address rather than complaining about its format.
      email: z.preprocess(blankToUndefined, emailField('your email address')),
      // A petition that does not ask for a postcode ignores whatever arrives in its place.
      postcode: askPostcode
        ? z.preprocess(blankToUndefined, z.string({ error: POSTCODE }).max(16, POSTCODE).optional())
        : z.unknown().transform(() => undefined),
      abroad: checkbox,
      showName: checkbox,
      town: z.preprocess(blankToUndefined, text('your town', { max: 100 }).optional()),
      optIn: checkbox,
    })
    .transform((f, ctx) => {
      let postcode: string | undefined;
      if (askPostcode && !f.abroad) {
        const normalised = f.postcode === undefined ? null : normalisePostcode(f.postcode);
        if (normalised === null) {
          ctx.addIssue({ code: 'custom', path: ['postcode'], message: POSTCODE });
          return z.NEVER;
        }
        postcode = normalised;
      }
      return {
        firstName: f.firstName,
        lastName: f.lastName,
        email: f.email,
        postcode,
        showName: f.showName,
        // The town is kept only to be shown beside the first name, so only when the signer asked for that.
        town: f.showName ? f.town : undefined,
        optIn: f.optIn,
      };
    });
}

const SCHEMAS = { withPostcode: signatureSchema(true), withoutPostcode: signatureSchema(false) };

/** What the postcode box says is wrong, if anything (checked beside the other fields, so every mistake shows at once). */
function postcodeProblem(values: Record<string, string>): string | undefined {
  if (['on', 'true', '1'].includes(values.abroad ?? '')) return undefined;
  const raw = values.postcode?.trim() ?? '';
  return raw === '' || raw.length > 16 || normalisePostcode(raw) === null ? POSTCODE : undefined;
}

/** Validates the signing form of a petition with these settings: the signature, or a message per field. */
export function parseSignature(settings: PetitionSettings, body: unknown): FormResult<SignatureInput> {
  const form = parseForm(settings.askPostcode ? SCHEMAS.withPostcode : SCHEMAS.withoutPostcode, body);
  if (form.ok || !settings.askPostcode || form.errors.postcode) return form;
  // The postcode rule depends on another box, so zod checks it only once every field is valid; do it now too.
  const problem = postcodeProblem(form.values);
  return problem ? { ...form, errors: { ...form.errors, postcode: problem } } : form;
}

/** A signature as the form's schema hands it over. */
export type SignatureInput = z.output<ReturnType<typeof signatureSchema>>;

/** The newsletter a petition offers, if it offers one and the list is still taking sign-ups. */
export async function petitionNewsletter(core: Core, petition: Pick<Petition, 'newsletterListId'>): Promise<PublicList | undefined> {
  if (petition.newsletterListId === null) return undefined;
  return (await signupBlockData(core)).lists.find((l) => l.id === petition.newsletterListId);
}

const SOURCE = (p: Pick<Petition, 'slug'>) => `petition: ${p.slug}`;

/**
 * Stores a signature from the public form. One signature per address per petition: a repeat is never stored again
 * and its signer gets a reminder email instead (at most once per REMINDER_GAP_MS); the caller shows the same page
 * either way. When the petition requires confirmation, the signature is pending and a confirmation link is emailed,
 * queued in the same transaction; otherwise it counts at once. A newsletter opt-in makes (or fills) a supporter
 * record and records the request in the consent ledger with the list's wording; the same link confirms it.
 * Addresses on the suppression list are never emailed, so a petition that needs confirming stores nothing for them.
 * A proof of work already spent stores and sends nothing (the same page again). Throws DomainError('conflict') when
 * the petition is not taking part.
 */
export async function signPetition(
  core: Core,
  petition: Petition,
  input: SignatureInput,
  o: { proof?: { id: string; expiresAt: number } | undefined } = {},
): Promise<void> {
  if (petition.kind !== 'petition' || !isTakingPart(petition)) throw new DomainError('conflict', CLOSED);
  const { keyring } = core;
  const site = await getSiteSettings(core.db);
  const list = input.optIn ? await petitionNewsletter(core, petition) : undefined;
  const confirmFirst = petition.settings.requireConfirmation;
  // The constituency matters only for signatures that count: one that needs confirming gets it when confirmed, so
  // a surge's signatures touch the database only inside their shared transaction (see confirmSignature).
  const constituencyCode = input.postcode && !confirmFirst ? await constituencyCodeOf(core, input.postcode) : null;
  const now = Date.now();
  const index = emailIndex(keyring, input.email);
  const enc = (v: string | undefined) => (v ? keyring.encrypt(v) : null);
  const row = {
    action_id: petition.id,
    email_index: index,
    email_enc: keyring.encrypt(input.email),
    first_name_enc: keyring.encrypt(input.firstName),
    last_name_enc: enc(input.lastName),
    postcode_enc: enc(input.postcode),
    town_enc: enc(input.town),
    constituency_code: constituencyCode,
    show_name: input.showName ? 1 : 0,
    opt_in: list ? 1 : 0,
    supporter_id: null,
    status: confirmFirst ? ('pending' as const) : ('confirmed' as const),
    created_at: now,
    confirmed_at: confirmFirst ? null : now,
  };
  const token = newToken();
  const link = `${core.config.baseUrl}/act/${petition.slug}/confirm/${token}`;
  const mail =
    confirmFirst || list
      ? confirmSignatureEmail({
          orgName: site.orgName,
          title: petition.title,
          link,
          days: CONFIRM_LINK_MS / DAY,
          newsletter: list?.name,
          counted: !confirmFirst,
        })
      : undefined;

  await inSharedTransaction(core.db, async (trx) => {
    // A proof already spent stores nothing and sends nothing, with the same page as ever: that is a person pressing
    // the button twice (their first press did the work), or a replay, which then costs nothing and learns nothing.
    // (Refusing only strangers would tell them whether an address had signed.)
    if (o.proof && !(await spendProof(trx, o.proof, now))) return;
    const suppressed = await isSuppressed(trx, keyring, input.email);
    if (suppressed && confirmFirst) return;
    const id = await insertSignatureOnce(trx, suppressed ? { ...row, opt_in: 0 } : row);
    if (id === undefined) {
      if (!suppressed)
        await remindRepeatSigner(core, trx, { petition, index, email: input.email, token, link, orgName: site.orgName, now });
      return;
    }
    if (suppressed) return;
    if (list) {
      const s = await upsertSupporter(
        trx,
        keyring,
        { email: input.email, firstName: input.firstName, lastName: input.lastName, postcode: input.postcode ?? null },
        { source: SOURCE(petition), mode: 'fill' },
      );
      // Someone already getting the list is not asked again (that would make them pending).
      const subscribed =
        !s.created && (await supporterConsent(trx, s.id)).subscriptions.some((x) => x.listId === list.id && x.status === 'subscribed');
      try {
        if (!subscribed)
          await recordConsent(trx, {
            supporterId: s.id,
            listIds: [list.id],
            change: 'requested',
            basis: 'consent',
            source: SOURCE(petition),
          });
      } catch (err) {
        // The list vanished since it was read: not a refusal made before writing, so the whole batch is re-run alone.
        throw err instanceof DomainError ? new Error(`the newsletter list of petition ${petition.id} went away`, { cause: err }) : err;
      }
      await setSignatureSupporter(trx, id, s.id);
    }
    if (!confirmFirst) await scheduleCountRefresh(core, trx, petition.id, now);
    if (mail) {
      await insertSignatureToken(trx, { tokenHash: hashToken(token), signatureId: id, at: now, expiresAt: now + CONFIRM_LINK_MS });
      await core.mailer.enqueue(trx, { ...mail, to: input.email });
    }
  });
}

/** The "you have already signed" email, with a fresh confirmation link while the signature is unconfirmed. */
async function remindRepeatSigner(
  core: Core,
  trx: DbOrTrx,
  o: { petition: Petition; index: string; email: string; token: string; link: string; orgName: string; now: number },
): Promise<void> {
  const existing = await findSignatureByEmailIndex(trx, o.petition.id, o.index);
  if (!existing) return;
  const last = await newestSignatureTokenAt(trx, existing.id);
  if (last !== undefined && o.now - last < REMINDER_GAP_MS) return;
  const pending = existing.status === 'pending';
  // For a confirmed signature the token is stored already used: it only marks that this address was emailed.
  await insertSignatureToken(trx, {
    tokenHash: hashToken(o.token),
    signatureId: existing.id,
    at: o.now,
    expiresAt: o.now + CONFIRM_LINK_MS,
    usedAt: pending ? null : o.now,
  });
  const mail = alreadySignedEmail({
    orgName: o.orgName,
    title: o.petition.title,
    pageUrl: `${core.config.baseUrl}/act/${o.petition.slug}`,
    link: pending ? o.link : undefined,
    days: CONFIRM_LINK_MS / DAY,
  });
  await core.mailer.enqueue(trx, { ...mail, to: o.email });
}

// ---- confirming ---------------------------------------------------------------------------------------------------

/** What a confirmation link leads to: the petition (and the newsletter it also confirms), a used link, or nothing. */
export type SignatureLink =
  | { state: 'ready'; title: string; counted: boolean; newsletter: { name: string; wording: string } | undefined }
  | { state: 'used'; title: string }
  | { state: 'invalid' };

async function linkTarget(db: DbOrTrx, slug: string, token: string) {
  if (!TOKEN_SHAPE.test(token)) return undefined;
  const tokenHash = hashToken(token);
  const row = await findSignatureToken(db, tokenHash);
  if (!row || row.subject_id === null) return undefined;
  const signature = await findSignatureById(db, row.subject_id);
  if (!signature) return undefined;
  const petition = await findActionForKind(db, { id: Number(signature.action_id) }, PETITIONS);
  // A link is good only under its own petition's address.
  if (!petition || petition.slug !== slug) return undefined;
  return { tokenHash, row, signature, petition };
}

/** Looks at a confirmation link without using it (link scanners only ever GET). */
export async function signatureLink(core: Core, slug: string, token: string): Promise<SignatureLink> {
  const t = await linkTarget(core.db, slug, token);
  if (!t) return { state: 'invalid' };
  if (t.row.used_at !== null) return { state: 'used', title: t.petition.title };
  if (t.row.expires_at <= Date.now()) return { state: 'invalid' };
  const list = t.signature.opt_in ? await petitionNewsletter(core, { newsletterListId: t.petition.newsletterListId }) : undefined;
  return {
    state: 'ready',
    title: t.petition.title,
    counted: t.signature.status === 'confirmed',
    newsletter: list && { name: list.name, wording: list.wording },
  };
}

/**
 * Uses a confirmation link (the button on its page, never the GET): the signature counts from now (with its
 * constituency, from its postcode), and a newsletter request made with it is granted (the address is the
 * supporter's: they opened a link sent to it).
 */
export async function confirmSignature(
  core: Core,
  slug: string,
  token: string,
): Promise<{ state: 'confirmed' } | { state: 'used'; title: string } | { state: 'invalid' }> {
  // The constituency of a signature that waited for confirmation is looked up now (outside the transaction: the
  // lookup reads through the shared handle).
  const looked = await linkTarget(core.db, slug, token);
  const postcode = looked && looked.signature.status === 'pending' ? core.keyring.decryptNullable(looked.signature.postcode_enc) : null;
  const constituencyCode = postcode ? await constituencyCodeOf(core, postcode) : null;
  return core.db.transaction().execute(async (trx) => {
    const t = await linkTarget(trx, slug, token);
    if (!t) return { state: 'invalid' as const };
    const now = Date.now();
    if ((await useSignatureToken(trx, t.tokenHash, now)) === undefined) {
      return t.row.used_at !== null ? { state: 'used' as const, title: t.petition.title } : { state: 'invalid' as const };
    }
    if (await markSignatureConfirmed(trx, t.signature.id, now, constituencyCode)) await scheduleCountRefresh(core, trx, t.petition.id, now);
    const listId = t.petition.newsletterListId;
    if (t.signature.opt_in && t.signature.supporter_id !== null && listId !== null) {
      const supporter = await getSupporter(trx, core.keyring, t.signature.supporter_id);
      if (supporter && supporter.erasedAt === null) {
        await markConfirmed(trx, supporter.id);
        const sub = (await supporterConsent(trx, supporter.id)).subscriptions.find((s) => s.listId === listId);
        // Only a request still waiting: someone who unsubscribed since is not signed up again by an old link.
        if (sub?.status === 'pending') {
          await recordConsent(trx, {
            supporterId: supporter.id,
            listIds: [listId],
            change: 'granted',
            basis: 'consent',
            source: 'petition confirmation link',
          });
        }
      }
    }
    return { state: 'confirmed' as const };
  });
}

// ---- the public page: the form, and the signers who chose to be shown ---------------------------------------------

/** How many signers the public list shows. */
const SHOWN_SIGNERS = 20;
const SIGNERS_CACHE_MS = 5000;
const signersCache = shortCache<number, ShownSigner[]>(SIGNERS_CACHE_MS);

/** A signer on the public list: only what they chose to show. */
export interface ShownSigner {
  firstName: string;
  town: string | null;
}

/** The newest confirmed signers who chose to show their first name and town (kept for a few seconds). */
export async function shownSigners(core: Core, petitionId: number): Promise<ShownSigner[]> {
  return signersCache.get(core.db, petitionId, async () => {
    const rows = await findShownSigners(core.db, petitionId, SHOWN_SIGNERS);
    return rows.map((r) => ({ firstName: core.keyring.decrypt(r.first_name_enc), town: core.keyring.decryptNullable(r.town_enc) }));
  });
}

/** What the part of the action page where a supporter signs needs. */
export async function petitionActArea(core: Core, petition: Petition) {
  const [newsletter, signers] = await Promise.all([
    petitionNewsletter(core, petition),
    petition.settings.showSigners ? shownSigners(core, petition.id) : Promise.resolve([]),
  ]);
  return { petition, newsletter, signers };
}

// ---- staff: moderating the public list, the export, retention ----------------------------------------------------

/** A shown signer as staff moderating the public list see them. */
export interface ModeratedSigner extends ShownSigner {
  id: number;
  confirmedAt: number | null;
}

/** The newest signers shown on a petition's page (more than the page shows), for staff to check. */
export async function shownSignersForStaff(
  core: Core,
  actionId: number,
): Promise<{ title: string; slug: string; signers: ModeratedSigner[] }> {
  const petition = await findActionForKind(core.db, { id: actionId }, PETITIONS);
  if (!petition) throw new DomainError('not_found', 'There is no such petition.');
  const rows = await findShownSigners(core.db, actionId, 200);
  return {
    title: petition.title,
    slug: petition.slug,
    signers: rows.map((r) => ({
      id: r.id,
      firstName: core.keyring.decrypt(r.first_name_enc),
      town: core.keyring.decryptNullable(r.town_enc),
      confirmedAt: r.confirmed_at,
    })),
  };
}

/**
 * Takes a signer off the public list (an offensive or impersonating "name", say): the signature still counts, the
 * name is no longer shown and the town is forgotten. Audited. Throws not_found when there is no such shown signer.
 */
export async function hideSigner(core: Core, staffId: number, actionId: number, signatureId: number): Promise<void> {
  await core.db.transaction().execute(async (trx) => {
    if (!(await hideShownSigner(trx, actionId, signatureId)))
      throw new DomainError('not_found', 'That signer is not shown on the petition.');
    await recordAudit(trx, { staffId, action: 'petition.signer.hide', target: `signature ${signatureId}`, details: { actionId } });
  });
  signersCache.forget(core.db, actionId);
}

// ---- staff: the export, and retention -----------------------------------------------------------------------------

const EXPORT_PAGE = 500;

/** Makes a cell safe to open in a spreadsheet (a leading = + - @ tab or CR could run as a formula). */
const escapeCell = (v: string) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v);
const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());

/**
 * The confirmed signatures of a petition as CSV, streamed newest first, after recording the export in the audit
 * log. Consent-aware: names, postcode, constituency and town are what a signer gave for the petition to be handed
 * in and counted, so they are there; the email address is there only for signers who asked for the petition's
 * newsletter and can be emailed today (subscribed, confirmed, not unsubscribed, erased or suppressed since), so
 * the file can never serve to email people who did not agree to it. Throws not_found for no such petition.
 */
export async function exportSignatures(
  core: Core,
  staffId: number,
  actionId: number,
): Promise<{ filename: string; rows: number; stream: Readable }> {
  const { db, keyring } = core;
  const petition = await findActionForKind(db, { id: actionId }, PETITIONS);
  if (!petition) throw new DomainError('not_found', 'There is no such petition.');
  const maxId = await findMaxSignatureId(db, actionId);
  const rows = await countConfirmedSignaturesUpTo(db, actionId, maxId);
  const listId = petition.newsletterListId;
  const mailable = new Set(listId === null ? [] : await listNewsletterAudience(db, { listId, segmentId: null }));
  await recordAudit(db, {
    staffId,
    action: 'petition.signatures.export',
    target: `action ${actionId}`,
    details: {
      rows,
      emailsOnlyFor: listId === null ? 'nobody (the petition offers no newsletter)' : `signers subscribed to list ${listId}`,
    },
  });
  const places = await constituencyNames(db);
  const header = [
    'first_name',
    'last_name',
    'postcode',
    'constituency',
    'constituency_name',
    'name_shown',
    'town',
    'signed',
    'confirmed',
    'email',
    'newsletter',
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
      const page = await findConfirmedSignaturesBefore(db, actionId, { beforeId, maxId, limit: EXPORT_PAGE });
      if (page.length === 0) return;
      yield csv(
        page.map((s) => {
          const canEmail = s.opt_in === 1 && s.supporter_id !== null && mailable.has(s.supporter_id);
          return [
            keyring.decrypt(s.first_name_enc),
            keyring.decryptNullable(s.last_name_enc) ?? '',
            keyring.decryptNullable(s.postcode_enc) ?? '',
            s.constituency_code ?? '',
            s.constituency_code === null ? '' : (places.get(s.constituency_code) ?? ''),
            s.show_name ? 'yes' : 'no',
            keyring.decryptNullable(s.town_enc) ?? '',
            iso(s.created_at),
            iso(s.confirmed_at),
            canEmail ? keyring.decrypt(s.email_enc) : '',
            canEmail ? 'subscribed' : '',
          ];
        }),
      );
      beforeId = page[page.length - 1]!.id;
    }
  }
  const date = new Date().toISOString().slice(0, 10);
  return { filename: `${petition.slug}-signatures-${date}.csv`, rows, stream: Readable.from(pages()) };
}

/** Deletes signatures never confirmed within CONFIRM_LINK_MS (their links have expired); returns how many. */
export async function deleteStaleUnconfirmedSignatures(db: Db, now = Date.now()): Promise<number> {
  return deletePendingSignaturesBefore(db, now - CONFIRM_LINK_MS);
}

/**
 * A supporter's erasure reaches their signatures: unconfirmed ones go; confirmed ones stay counted (and in their
 * constituency's figure) with every personal field emptied and the address's blind index replaced by a random one.
 */
export async function eraseSignaturesOf(core: Core, trx: DbOrTrx, subject: ErasureSubject): Promise<void> {
  const rows = await findSignaturesOfSubject(trx, subject);
  await deleteSignatures(
    trx,
    rows.filter((r) => r.status !== 'confirmed').map((r) => r.id),
  );
  for (const r of rows.filter((x) => x.status === 'confirmed')) {
    await updateSignature(trx, r.id, {
      email_index: `erased:${newToken()}`,
      email_enc: core.keyring.encrypt(''),
      first_name_enc: core.keyring.encrypt(''),
      last_name_enc: null,
      postcode_enc: null,
      town_enc: null,
      show_name: 0,
      opt_in: 0,
      supporter_id: null,
    });
  }
}

/** A supporter's signatures, for their copy of their data (matched by record or address). */
export async function signaturesFor(core: Core, db: DbOrTrx, subject: ErasureSubject): Promise<Record<string, unknown[]>> {
  const signed = await findSignatureDetailsOfSubject(db, subject);
  const titles = await actionTitles(
    db,
    signed.map((r) => Number(r.action_id)),
  );
  const rows = signed.flatMap((r) => {
    const title = titles.get(Number(r.action_id));
    return title === undefined ? [] : [{ ...r, title }];
  });
  const k = core.keyring;
  const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());
  return {
    petitionSignatures: rows.map((r) => ({
      petition: r.title,
      firstName: k.decrypt(r.first_name_enc),
      lastName: k.decryptNullable(r.last_name_enc),
      postcode: k.decryptNullable(r.postcode_enc),
      town: k.decryptNullable(r.town_enc),
      nameShown: r.show_name === 1,
      status: r.status,
      signedAt: iso(r.created_at),
      confirmedAt: iso(r.confirmed_at),
    })),
  };
}
