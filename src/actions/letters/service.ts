import { TOKEN_SHAPE, PROOF_USED } from '../../core/tokens.js';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import type { Core, ErasureSubject } from '../../core/context.js';
import { hashToken, newToken, safeEqual } from '../../core/crypto.js';
import { isUniqueViolation } from '../../core/db/errors.js';
import type { Db, DbOrTrx, Trx } from '../../core/db/index.js';
import type { LetterStatus } from './tables.js';
import { PermanentJobError } from '../../core/jobs/worker.js';
import { getSiteSettings } from '../../core/settings.js';
import { DomainError } from '../../core/web/errors.js';
import { checkbox, email as emailField, optionalText, text } from '../../core/web/forms.js';
import { lookupPostcode, representativeFor, type Constituency, type Mp } from '../../representatives/service.js';
import { recordAudit } from '../../core/audit.js';
import { spendProof } from '../../core/web/proof-of-work.js';
import { emailIndex, isSuppressed, recordConsent, signupBlockData, upsertSupporter, type PublicList } from '../../supporters/service.js';
import { hoursToDays, isTakingPart, type Action } from '../kinds.js';
import { actionTitles, findActionForKind, getActionTargets, scheduleCountRefresh, type KindReader } from '../service.js';
import { alreadyWroteEmail, confirmLetterEmail, followupEmail, letterCopyEmail, letterRejectedEmail } from './emails.js';
import { nextSlot } from './pace.js';
import {
  confirmedLettersPerHour,
  countConfirmedLettersOf,
  countLettersByStatus,
  deleteExpiredLetterTokens,
  deleteLetters,
  deleteUnconfirmedLettersBefore,
  deliverySummary,
  findDelivery,
  findLetter,
  findLetterByEmailIndex,
  findLetterToken,
  insertDelivery,
  insertLetter,
  insertLetterToken,
  latestSlotFor,
  lettersDueForFollowup,
  listDeliveriesOf,
  listDeliveriesOfAction,
  listLettersForExport,
  listLettersOfWriter,
  listLettersOfWriterInFull,
  listFailedDeliveries,
  listHeldLetters,
  listRecipientsOfLetters,
  lockLetter,
  lockRecipient,
  newestUsableLetterTokenAt,
  recentFingerprints,
  replyFiguresPerRecipient,
  setLetterReply,
  takeFollowup,
  updateDeliveryIf,
  updateLetter,
  updateLetterIf,
  useLetterToken,
  type DeliveryRow,
  type LetterRow,
} from './queries.js';
import { countWords, fingerprint, highestResemblance, parseFingerprint } from './similarity.js';

// The rules of letters to MPs and emails to targets. A supporter goes through explicit stages, each with its own
// schema (after e-petitions' SignatureCreator): where they live (letters to MPs only) → their letter → a preview
// addressed to its recipients → send. What they entered travels between stages in the form itself (hidden
// fields), never in a URL and never stored, until they send. The letter is then stored encrypted and unconfirmed,
// and goes only after they press the button behind the link emailed to them: it is compared with the action's
// other letters (near-copies are held for staff to read), and each recipient gets a delivery with a slot under the
// pace limit, sent by a job (jobs.ts). Fourteen days after a letter to an MP went, its writer is asked whether
// the MP replied.

const DAY = 24 * 3600_000;
/** Confirmation links work for 7 days: a letter about this week's vote is no use next month. */
export const CONFIRM_LETTER_MS = 7 * DAY;
/** When to ask "did your MP reply?". */
export const FOLLOWUP_AFTER_MS = 14 * DAY;
/** Unconfirmed letters are deleted after this long (their writers never asked for them to go). */
export const UNCONFIRMED_KEPT_MS = 30 * DAY;
/** At most one confirmation email per letter in this time, so the form cannot flood someone's inbox. */
export const LETTER_EMAIL_GAP_MS = 2 * 60_000;
/** Letters longer than this are refused with a message (about 3,000 words: longer than any MP reads). */
export const MAX_LETTER_CHARS = 20_000;
/** How many of an action's newest letters a new letter is compared with. */
export const COMPARE_WITH = 2_000;
/** Attempts at delivering one letter to one recipient (about two days of backoff) before it is marked failed. */
export const DELIVERY_ATTEMPTS = 40;
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

// ---- settings (per action, in actions.settings) ----

const settingText = (label: string, max: number) =>
  z
    .unknown()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === null) return '';
      if (typeof v !== 'string') {
        ctx.addIssue({ code: 'custom', message: `Enter ${label} as text` });
        return z.NEVER;
      }
      const s = v.replace(/\r\n?/g, '\n').trim();
      if (s.length > max)
        ctx.addIssue({
          code: 'custom',
          message: `${label[0]!.toUpperCase()}${label.slice(1)} must be ${max.toLocaleString('en-GB')} characters or fewer`,
        });
      else if (CONTROL.test(s))
        ctx.addIssue({ code: 'custom', message: `${label[0]!.toUpperCase()}${label.slice(1)} contains characters that are not allowed` });
      else return s;
      return z.NEVER;
    });

const settingInt = (o: { label: string; min: number; max: number; def: number }) =>
  z
    .unknown()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) return o.def;
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d{1,7}\s*$/.test(v) ? Number(v.trim()) : Number.NaN;
      if (Number.isInteger(n) && n >= o.min && n <= o.max) return n;
      ctx.addIssue({ code: 'custom', message: `Enter ${o.label} as a whole number from ${o.min} to ${o.max}` });
      return z.NEVER;
    });

const settingFlag = z
  .unknown()
  .optional()
  .transform((v) => v === true || v === 'on' || v === 'true' || v === '1');

/**
 * A letter action's settings. Parsing `{}` gives the defaults; the admin form's strings and the stored JSON both
 * parse. The similarity threshold is a percentage of shared three-word runs (100 holds only exact copies).
 */
export const LetterSettingsSchema = z.object({
  suggestedSubject: settingText('the suggested subject', 150),
  talkingPoints: settingText('the talking points', 5_000),
  opening: settingText('the suggested opening', 5_000),
  minWords: settingInt({ label: 'the minimum number of words', min: 0, max: 1_000, def: 30 }),
  similarityPercent: settingInt({ label: 'the similarity threshold', min: 30, max: 100, def: 70 }),
  pacePerHour: settingInt({ label: 'the pace limit', min: 1, max: 3_600, def: 20 }),
  moderateAll: settingFlag,
});

export type LetterSettings = z.output<typeof LetterSettingsSchema>;

/** Settings as the admin form's values. */
export function letterSettingsToValues(s: LetterSettings): Record<string, string> {
  return {
    suggestedSubject: s.suggestedSubject,
    talkingPoints: s.talkingPoints,
    opening: s.opening,
    minWords: String(s.minWords),
    similarityPercent: String(s.similarityPercent),
    pacePerHour: String(s.pacePerHour),
    ...(s.moderateAll ? { moderateAll: 'on' } : {}),
  };
}

export type LetterAction = Action<LetterSettings>;

/** How the frame reads a letter action: both letter kinds share these settings. */
const LETTER_ACTIONS: KindReader<LetterSettings> = { kinds: ['letter_mp', 'email_target'], settingsSchema: LetterSettingsSchema };

/** The letter action (to MPs or to targets) with this slug or id, if any. */
export async function getLetterAction(db: DbOrTrx, key: { slug: string } | { id: number }): Promise<LetterAction | undefined> {
  return findActionForKind(db, key, LETTER_ACTIONS);
}

// ---- the counter and the chart ----

/** Confirmed letters of an action (held, queued or sent), for the live counter. */
export async function countConfirmedLetters(db: DbOrTrx, actionId: number): Promise<number> {
  return countConfirmedLettersOf(db, actionId);
}

/** Confirmed letters per day in the organisation's time zone, for the admin chart. */
export async function confirmedLettersByDay(
  db: DbOrTrx,
  actionId: number,
  timeZone: string,
): Promise<Array<{ day: string; count: number }>> {
  return hoursToDays(await confirmedLettersPerHour(db, actionId), timeZone);
}

// ---- recipients ----

/** Someone a letter goes to: an MP, or one of an action's targets. */
export interface Recipient {
  /** 'mp:<constituency code>' or 'target:<id>': the pace limit counts per key. */
  key: string;
  name: string;
  email: string;
  /** "Dear …,". */
  greeting: string;
  /** Who they are, for the preview: "Jane Smith, Labour MP for Anytown". */
  description: string;
  party: string | null;
}

const mpRecipient = (constituency: Constituency, mp: Mp & { email: string }): Recipient => ({
  key: `mp:${constituency.code}`,
  name: mp.name,
  email: mp.email,
  greeting: `Dear ${mp.name},`,
  description: `${mp.name}, ${mp.party} MP for ${constituency.name}`,
  party: mp.party,
});

/** Where a postcode (and, where asked, a chosen constituency) leads a letter to an MP. */
export type MpResolution =
  | { kind: 'ready'; postcode: string; constituency: Constituency; mp: Mp & { email: string }; recipient: Recipient }
  | {
      kind: 'choose';
      postcode: string;
      reason: 'northern_ireland';
      message: string;
      candidates: Array<{ constituency: Constituency; mp: Mp | null }>;
    }
  | { kind: 'cannot_email'; postcode: string; constituency: Constituency; mp: Mp | null }
  | { kind: 'not_covered'; postcode: string; reason: string; message: string }
  | { kind: 'invalid'; message: string };

/**
 * Finds the MP a letter goes to from the supporter's postcode, and the constituency they chose where the postcode
 * alone cannot tell (Northern Ireland, which the open postcode data does not cover). A chosen constituency counts
 * only if the postcode allows it, so a tampered form cannot write to someone else's MP.
 */
export async function resolveMp(core: Core, postcode: string, chosen?: string | undefined): Promise<MpResolution> {
  const found = await lookupPostcode(core, postcode);
  if (found.kind === 'invalid') return found;
  if (found.kind === 'not_covered') return { kind: 'not_covered', postcode: found.postcode, reason: found.reason, message: found.message };
  let pick: { constituency: Constituency; mp: Mp | null } | undefined;
  if (found.kind === 'found') pick = { constituency: found.constituency, mp: found.mp };
  else {
    pick = chosen ? found.candidates.find((c) => c.constituency.code === chosen) : undefined;
    if (!pick)
      return { kind: 'choose', postcode: found.postcode, reason: found.reason, message: found.message, candidates: found.candidates };
  }
  const mp = pick.mp;
  if (!mp || !mp.email) return { kind: 'cannot_email', postcode: found.postcode, constituency: pick.constituency, mp };
  const withEmail = { ...mp, email: mp.email };
  return {
    kind: 'ready',
    postcode: found.postcode,
    constituency: pick.constituency,
    mp: withEmail,
    recipient: mpRecipient(pick.constituency, withEmail),
  };
}

/** The targets of an "email a target" action as recipients, in order. */
export async function targetRecipients(db: DbOrTrx, actionId: number): Promise<Recipient[]> {
  return (await getActionTargets(db, actionId)).map((t) => ({
    key: `target:${t.id}`,
    name: t.name,
    email: t.email,
    greeting: `Dear ${t.name},`,
    description: t.role ? `${t.name}, ${t.role}` : t.name,
    party: null,
  }));
}

/** The newsletter list a letter action offers, if it has one and the list still takes sign-ups. */
export async function newsletterListOf(core: Core, action: Pick<LetterAction, 'newsletterListId'>): Promise<PublicList | undefined> {
  return action.newsletterListId === null ? undefined : (await signupBlockData(core)).lists.find((l) => l.id === action.newsletterListId);
}

/** What the action page's letter area shows: the targets (emails to targets) and the newsletter offered. */
export async function letterActAreaData(
  core: Core,
  action: LetterAction,
): Promise<{ recipients: Recipient[]; list: PublicList | undefined }> {
  if (action.kind === 'letter_mp') return { recipients: [], list: undefined };
  const [recipients, list] = await Promise.all([targetRecipients(core.db, action.id), newsletterListOf(core, action)]);
  return { recipients, list };
}

// ---- the stages and their schemas ----

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** Stage 1 (letters to MPs): the postcode. */
export const PostcodeStageSchema = z.object({
  postcode: z.preprocess(
    emptyToUndefined,
    z.string({ error: 'Enter your postcode, like SW1A 1AA' }).max(20, 'Enter a full UK postcode, like SW1A 1AA'),
  ),
});

/** Stage 1b (letters to MPs, where the postcode cannot tell): the constituency chosen from those offered. */
export const ChooseStageSchema = PostcodeStageSchema.extend({
  constituency: z.string({ error: 'Choose your constituency' }).regex(/^[A-Z]\d{8}$/, 'Choose your constituency from the list'),
});

/** Where the writer lives, carried through the later stages of a letter to an MP (hidden fields). */
export const WhereSchema = PostcodeStageSchema.extend({
  constituency: z.preprocess(
    emptyToUndefined,
    z
      .string({ error: 'Choose your constituency from the list' })
      .regex(/^[A-Z]\d{8}$/, 'Choose your constituency from the list')
      .optional(),
  ),
});

function letterBodyField(minWords: number) {
  return z
    .unknown()
    .optional()
    .transform((v, ctx) => {
      const fail = (message: string) => {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      };
      if (typeof v !== 'string' || v.trim() === '') return fail('Write your letter');
      const s = v.replace(/\r\n?/g, '\n').trim();
      if (s.length > MAX_LETTER_CHARS) {
        return fail(
          `Your letter is too long: it must be ${MAX_LETTER_CHARS.toLocaleString('en-GB')} characters or fewer, and it has ${s.length.toLocaleString('en-GB')}. Short letters are read more closely.`,
        );
      }
      if (CONTROL.test(s)) return fail('Your letter contains characters that are not allowed');
      const words = countWords(s);
      if (words < minWords)
        return fail(`Your letter needs at least ${minWords} words; it has ${words}. Say in your own words why this matters to you.`);
      return s;
    });
}

/** What the supporter writes (stage 2), for this action: its minimum words, and a postal address for an MP. */
export function letterFormSchema(action: Pick<LetterAction, 'kind' | 'settings' | 'newsletterListId'>) {
  const forMp = action.kind === 'letter_mp';
  const address: z.ZodType<string | null> = forMp
    ? text('your postal address', { max: 300 })
    : optionalText('your postal address', { max: 300 }).transform((v) => v ?? null);
  return z.object({
    subject: text('a subject for your letter', { max: 150 }),
    body: letterBodyField(action.settings.minWords),
    firstName: text('your first name', { max: 100 }),
    lastName: optionalText('your last name', { max: 100 }).transform((v) => v ?? ''),
    email: z.preprocess(emptyToUndefined, emailField('your email address')),
    address,
    // Offered only when the action has a newsletter list; ignored otherwise.
    optIn: checkbox.transform((v) => v && action.newsletterListId !== null),
  });
}

export type LetterForm = z.output<ReturnType<typeof letterFormSchema>>;

/** A letter ready to preview or send: where the writer lives (letters to MPs) and what they wrote. */
export interface LetterDraft extends LetterForm {
  postcode: string | null;
  constituencyCode: string | null;
}

/** The recipients of a draft, or why there are none (for a letter to an MP: what the postcode led to). */
export type RecipientsOf =
  | { ok: true; recipients: Recipient[]; postcode: string | null; constituency: Constituency | null }
  | { ok: false; resolution: Exclude<MpResolution, { kind: 'ready' }> | { kind: 'no_targets' } };

/** Who a letter of this action goes to, given where the writer lives (ignored for targets). */
export async function recipientsOf(
  core: Core,
  action: LetterAction,
  where: { postcode?: string | null | undefined; constituency?: string | null | undefined },
): Promise<RecipientsOf> {
  if (action.kind === 'email_target') {
    const recipients = await targetRecipients(core.db, action.id);
    return recipients.length > 0
      ? { ok: true, recipients, postcode: null, constituency: null }
      : { ok: false, resolution: { kind: 'no_targets' } };
  }
  const r = await resolveMp(core, where.postcode ?? '', where.constituency ?? undefined);
  if (r.kind !== 'ready') return { ok: false, resolution: r };
  return { ok: true, recipients: [r.recipient], postcode: r.postcode, constituency: r.constituency };
}

// ---- what is sent ----

/** The signature under a letter: the writer's name, postal address and postcode, and email address. */
export function signatureLines(l: {
  firstName: string;
  lastName: string;
  address: string | null;
  postcode: string | null;
  email: string;
}): string[] {
  const lines = [`${l.firstName} ${l.lastName}`.trim()];
  if (l.address)
    lines.push(
      ...l.address
        .split('\n')
        .map((x) => x.trim())
        .filter((x) => x !== ''),
    );
  if (l.postcode && !(l.address ?? '').toUpperCase().replace(/\s/g, '').includes(l.postcode.replace(/\s/g, ''))) lines.push(l.postcode);
  lines.push(l.email);
  return lines;
}

/** The whole plain text of a letter as its recipient reads it: greeting, the writer's words, signature, and how it came. */
export function composeLetter(o: {
  recipient: Pick<Recipient, 'greeting'>;
  letter: { body: string; firstName: string; lastName: string; address: string | null; postcode: string | null; email: string };
  orgName: string;
  actionTitle: string;
  forMp: boolean;
}): string {
  const sig = signatureLines(o.letter);
  const how =
    `This letter was written by ${sig[0]}${o.forMp ? ', your constituent,' : ''} using ${o.orgName}'s website, as part of the campaign "${o.actionTitle}". ` +
    `They confirmed their email address before it was sent. Replying to this email reaches them directly.`;
  return [o.recipient.greeting, '', o.letter.body, '', 'Yours sincerely,', '', ...sig, '', '--', how].join('\n');
}

/** How similar a letter is to the action's recent letters and its suggested opening (0 to 1). */
export async function similarityOf(
  db: DbOrTrx,
  core: Core,
  action: LetterAction,
  letterFingerprint: string,
  exceptId: number | null,
): Promise<number> {
  const others = (await recentFingerprints(db, action.id, { exceptId, limit: COMPARE_WITH })).map(parseFingerprint);
  if (action.settings.opening) others.push(parseFingerprint(fingerprint(core.keyring, action.settings.opening)));
  return highestResemblance(parseFingerprint(letterFingerprint), others);
}

/** Whether a similarity is at or over the action's threshold. */
export function tooSimilar(action: LetterAction, similarity: number): boolean {
  return similarity * 100 >= action.settings.similarityPercent;
}

/** What the preview shows: the letter as each recipient will read it, and whether it would be held as too similar. */
export async function previewLetter(core: Core, action: LetterAction, draft: LetterDraft, recipients: readonly Recipient[]) {
  const site = await getSiteSettings(core.db);
  const similarity = await similarityOf(core.db, core, action, fingerprint(core.keyring, draft.body), null);
  return {
    letters: recipients.map((r) => ({
      recipient: r,
      text: composeLetter({
        recipient: r,
        letter: draft,
        orgName: site.orgName,
        actionTitle: action.title,
        forMp: action.kind === 'letter_mp',
      }),
    })),
    similar: tooSimilar(action, similarity),
  };
}

// ---- sending (stage 4): stored unconfirmed, confirmation emailed ----

const CLOSED = 'This action has closed, so letters can no longer be sent.';

/**
 * Stores a letter unconfirmed (every personal field encrypted) and emails its writer the confirmation link, in one
 * transaction. The answer is the same whether or not the address has written before: a second letter from the
 * same address to the same action replaces an unconfirmed one (the newest words are what they meant), and an
 * already confirmed one stays as it is, its writer told so by email. Suppressed addresses are neither stored nor
 * mailed. Throws DomainError('invalid') for a spent proof, a closed action, or recipients that went away.
 */
export async function submitLetter(
  core: Core,
  action: LetterAction,
  draft: LetterDraft,
  o: { proof?: { id: string; expiresAt: number } | undefined; now?: number } = {},
): Promise<void> {
  const { keyring } = core;
  if (!isTakingPart(action, o.now)) throw new DomainError('invalid', CLOSED, { _form: CLOSED });
  const to = await recipientsOf(core, action, { postcode: draft.postcode, constituency: draft.constituencyCode });
  if (!to.ok)
    throw new DomainError('invalid', 'We could not find who this letter goes to. Please start again.', {
      _form: 'We could not find who this letter goes to. Please start again from your postcode.',
    });
  const site = await getSiteSettings(core.db);
  const index = emailIndex(keyring, draft.email);
  const fp = fingerprint(keyring, draft.body);
  const enc = (v: string) => keyring.encrypt(v);
  const fields = {
    email_enc: enc(draft.email),
    first_name_enc: enc(draft.firstName),
    last_name_enc: enc(draft.lastName),
    address_enc: draft.address === null ? null : enc(draft.address),
    postcode_enc: to.postcode === null ? null : enc(to.postcode),
    constituency_code: to.constituency?.code ?? null,
    subject_enc: enc(draft.subject),
    body_enc: enc(draft.body),
    fingerprint: fp,
    opt_in: draft.optIn ? 1 : 0,
  };
  const attempt = () =>
    core.db.transaction().execute(async (trx) => {
      const now = o.now ?? Date.now();
      if (o.proof && !(await spendProof(trx, o.proof, now))) {
        throw new DomainError('invalid', PROOF_USED, { _form: PROOF_USED });
      }
      if (await isSuppressed(trx, keyring, draft.email)) return;
      const existing = await findLetterByEmailIndex(trx, action.id, index);
      // A letter held as too like others may be rewritten: the new words replace it and need confirming again.
      const replaceable =
        existing && (existing.status === 'unconfirmed' || (existing.status === 'held' && existing.hold_reason === 'similar'));
      if (existing && !replaceable) {
        // One letter per address per action. Their own inbox is told; the page says the same as ever.
        const mail = alreadyWroteEmail({
          orgName: site.orgName,
          actionTitle: action.title,
          actionLink: `${core.config.baseUrl}/act/${action.slug}`,
        });
        await core.mailer.enqueue(
          trx,
          { ...mail, to: draft.email },
          { uniqueKey: `letter-already:${existing.id}:${Math.floor(now / LETTER_EMAIL_GAP_MS)}` },
        );
        return;
      }
      let letterId: number;
      if (existing) {
        letterId = existing.id;
        await updateLetterIf(trx, letterId, ['unconfirmed', 'held'], {
          ...fields,
          status: 'unconfirmed',
          hold_reason: null,
          similarity: null,
          confirmed_at: null,
          created_at: now,
        });
        const last = await newestUsableLetterTokenAt(trx, letterId, now);
        // A link sent a moment ago and still unused confirms the newest words (its page shows them): no second email yet.
        if (last !== undefined && now - last < LETTER_EMAIL_GAP_MS) return;
      } else {
        letterId = await insertLetter(trx, {
          action_id: action.id,
          email_index: index,
          ...fields,
          similarity: null,
          supporter_id: null,
          status: 'unconfirmed',
          hold_reason: null,
          created_at: now,
          confirmed_at: null,
          decided_at: null,
          decided_by: null,
          sent_at: null,
          followup_at: null,
          reply: null,
          replied_at: null,
        });
      }
      const token = newToken();
      await insertLetterToken(trx, { tokenHash: hashToken(token), letterId, at: now, expiresAt: now + CONFIRM_LETTER_MS });
      const mail = confirmLetterEmail({
        orgName: site.orgName,
        actionTitle: action.title,
        recipients: to.recipients.map((r) => r.description),
        subject: draft.subject,
        link: `${core.config.baseUrl}/letter/confirm/${token}`,
        days: CONFIRM_LETTER_MS / DAY,
      });
      await core.mailer.enqueue(trx, { ...mail, to: draft.email });
    });
  try {
    await attempt();
  } catch (err) {
    // Two submissions of the same letter at once (a double click): the second finds the first's row on a retry.
    if (!isUniqueViolation(err)) throw err;
    await attempt();
  }
}

// ---- confirming ----

/** A letter as its writer or staff see it, decrypted. */
export interface Letter {
  id: number;
  actionId: number;
  status: LetterStatus;
  holdReason: 'similar' | 'moderation' | null;
  email: string;
  firstName: string;
  lastName: string;
  address: string | null;
  postcode: string | null;
  constituencyCode: string | null;
  subject: string;
  body: string;
  similarity: number | null;
  optIn: boolean;
  createdAt: number;
  confirmedAt: number | null;
  decidedAt: number | null;
  sentAt: number | null;
  reply: string | null;
}

/** Decrypts a letter row. */
export function rowToLetter(core: Core, r: LetterRow): Letter {
  const d = (v: string) => core.keyring.decrypt(v);
  return {
    id: Number(r.id),
    actionId: Number(r.action_id),
    status: r.status,
    holdReason: r.hold_reason,
    email: d(r.email_enc),
    firstName: d(r.first_name_enc),
    lastName: d(r.last_name_enc),
    address: core.keyring.decryptNullable(r.address_enc),
    postcode: core.keyring.decryptNullable(r.postcode_enc),
    constituencyCode: r.constituency_code,
    subject: d(r.subject_enc),
    body: d(r.body_enc),
    similarity: r.similarity,
    optIn: r.opt_in === 1,
    createdAt: Number(r.created_at),
    confirmedAt: r.confirmed_at === null ? null : Number(r.confirmed_at),
    decidedAt: r.decided_at === null ? null : Number(r.decided_at),
    sentAt: r.sent_at === null ? null : Number(r.sent_at),
    reply: r.reply,
  };
}

/** What a confirmation link leads to (looking does not use it). */
export type ConfirmLink =
  | { state: 'ready'; action: LetterAction; letter: Letter; recipients: string[] }
  | { state: 'used'; action: LetterAction | undefined }
  | { state: 'invalid' };

/** Looks at a confirmation link without using it (link scanners only ever GET): the letter it would send. */
export async function confirmLink(core: Core, token: string, now = Date.now()): Promise<ConfirmLink> {
  if (!TOKEN_SHAPE.test(token)) return { state: 'invalid' };
  const t = await findLetterToken(core.db, hashToken(token));
  if (!t || t.subject_id === null) return { state: 'invalid' };
  const row = await findLetter(core.db, Number(t.subject_id));
  if (!row) return { state: 'invalid' };
  const action = await getLetterAction(core.db, { id: Number(row.action_id) });
  if (row.status !== 'unconfirmed') return { state: 'used', action };
  if (t.used_at !== null || t.expires_at <= now || !action) return { state: 'invalid' };
  const letter = rowToLetter(core, row);
  const to = await recipientsOf(core, action, { postcode: letter.postcode, constituency: letter.constituencyCode });
  return { state: 'ready', action, letter, recipients: to.ok ? to.recipients.map((r) => r.description) : [] };
}

/** What confirming did. */
export type ConfirmOutcome =
  | { state: 'queued' | 'held'; action: LetterAction; slots: number[] }
  | { state: 'used'; action: LetterAction | undefined }
  | { state: 'invalid' };

/**
 * Uses a confirmation link (the button on its page): the letter is compared with the action's other letters and
 * either held for staff (too similar, or the action moderates every letter) or queued, one delivery per recipient
 * with its slot under the pace limit. A writer who ticked the newsletter box is recorded as a supporter whose
 * consent is granted: they have just confirmed the address by the link sent to it.
 */
export async function confirmLetter(core: Core, token: string, now = Date.now()): Promise<ConfirmOutcome> {
  if (!TOKEN_SHAPE.test(token)) return { state: 'invalid' };
  const tokenHash = hashToken(token);
  for (let attempt = 0; ; attempt++) {
    // The MP is found before the transaction: the representatives' tables are read through the database, and on
    // SQLite a read outside a transaction would wait for that transaction forever.
    const t = await findLetterToken(core.db, tokenHash);
    const peek = t?.subject_id != null ? await findLetter(core.db, Number(t.subject_id)) : undefined;
    const mp = await mpOfLetter(core, peek?.constituency_code ?? null);
    try {
      return await confirmWith(core, tokenHash, mp, now);
    } catch (err) {
      // The letter was rewritten for another constituency between the look and the transaction: look again.
      if (!(err instanceof ConstituencyChanged) || attempt >= 2) throw err;
    }
  }
}

class ConstituencyChanged extends Error {}

type Representative = Awaited<ReturnType<typeof representativeFor>>;

/** The representative of a letter's constituency, read outside any transaction. */
async function mpOfLetter(core: Core, code: string | null): Promise<{ code: string | null; rep: Representative }> {
  return { code, rep: code ? await representativeFor(core, code) : undefined };
}

async function confirmWith(
  core: Core,
  tokenHash: string,
  mp: { code: string | null; rep: Representative },
  now: number,
): Promise<ConfirmOutcome> {
  return core.db.transaction().execute(async (trx) => {
    const letterId = await useLetterToken(trx, tokenHash, now);
    if (letterId === undefined) {
      const t = await findLetterToken(trx, tokenHash);
      const row = t?.subject_id != null ? await findLetter(trx, Number(t.subject_id)) : undefined;
      if (t && row && (t.used_at !== null || row.status !== 'unconfirmed'))
        return { state: 'used' as const, action: await getLetterAction(trx, { id: Number(row.action_id) }) };
      return { state: 'invalid' as const };
    }
    const row = await lockLetter(trx, letterId);
    if (!row) return { state: 'invalid' as const };
    const action = await getLetterAction(trx, { id: Number(row.action_id) });
    if (!action || action.status === 'draft') return { state: 'invalid' as const };
    if (row.status !== 'unconfirmed') return { state: 'used' as const, action };
    if (action.kind === 'letter_mp' && row.constituency_code !== mp.code) throw new ConstituencyChanged();
    const letter = rowToLetter(core, row);
    const similarity = await similarityOf(trx, core, action, row.fingerprint, letterId);
    const hold = tooSimilar(action, similarity) ? ('similar' as const) : action.settings.moderateAll ? ('moderation' as const) : null;
    let supporterId: number | null = null;
    if (letter.optIn && action.newsletterListId !== null) {
      const s = await upsertSupporter(
        trx,
        core.keyring,
        {
          email: letter.email,
          firstName: letter.firstName,
          lastName: letter.lastName || null,
          postcode: letter.postcode,
          address: letter.address,
          constituencyCode: letter.constituencyCode,
        },
        { source: `letter: ${action.slug}`, mode: 'fill', confirmed: true },
      );
      supporterId = s.id;
      try {
        await recordConsent(trx, {
          supporterId: s.id,
          listIds: [action.newsletterListId],
          change: 'granted',
          basis: 'consent',
          source: `letter: ${action.slug}`,
        });
      } catch (err) {
        // The list was removed since the letter was written: the letter still goes, and no consent is recorded.
        if (!(err instanceof DomainError)) throw err;
      }
    }
    await updateLetterIf(trx, letterId, ['unconfirmed'], {
      status: hold ? 'held' : 'queued',
      hold_reason: hold,
      similarity,
      confirmed_at: now,
      supporter_id: supporterId,
    });
    // Held letters count too (they were confirmed): the counter is recounted within its slot, like a signature's.
    await scheduleCountRefresh(core, trx, action.id, now);
    if (hold) return { state: 'held' as const, action, slots: [] };
    const slots = await createDeliveries(trx, core, action, row, mp.rep, now);
    return { state: 'queued' as const, action, slots };
  });
}

/**
 * Writes one delivery per recipient of a letter that may now go (confirmed, or approved by staff), each with its
 * slot under the pace limit and its sending job, in the caller's transaction. The unique (letter, recipient) index
 * makes this safe to repeat: a recipient already holding a delivery is skipped. Returns the slots given.
 */
async function createDeliveries(
  trx: Trx,
  core: Core,
  action: LetterAction,
  row: LetterRow,
  rep: Representative,
  now: number,
): Promise<number[]> {
  let recipients: Array<Recipient | { key: string; name: string; party: string | null; error: string }>;
  if (action.kind === 'email_target') recipients = await targetRecipients(trx, action.id);
  else {
    if (rep?.mp?.email) recipients = [mpRecipient(rep.constituency, { ...rep.mp, email: rep.mp.email })];
    else {
      // The seat fell vacant, or the MP stopped publishing an address, after the letter was written: staff see why.
      const key = `mp:${row.constituency_code ?? 'unknown'}`;
      recipients = [
        {
          key,
          name: rep?.mp?.name ?? 'No sitting MP',
          party: rep?.mp?.party ?? null,
          error: 'This MP has no email address on record, so the letter could not be sent.',
        },
      ];
    }
  }
  const slots: number[] = [];
  for (const r of recipients) {
    if ('error' in r) {
      await insertDelivery(trx, {
        letter_id: row.id,
        action_id: action.id,
        recipient_key: r.key,
        recipient_name: r.name,
        recipient_email: '',
        party: r.party,
        status: 'failed',
        not_before: now,
        sent_at: null,
        error: r.error,
        created_at: now,
      });
      continue;
    }
    await lockRecipient(trx, r.key);
    const slot = nextSlot({ lastSlot: await latestSlotFor(trx, r.key), now, perHour: action.settings.pacePerHour });
    const id = await insertDelivery(trx, {
      letter_id: row.id,
      action_id: action.id,
      recipient_key: r.key,
      recipient_name: r.name,
      recipient_email: r.email,
      party: r.party,
      status: 'waiting',
      not_before: slot,
      sent_at: null,
      error: null,
      created_at: now,
    });
    if (id === undefined) continue;
    slots.push(slot);
    await core.queue.enqueue(trx, 'sendConfirmedLetter', { deliveryId: id }, { runAt: slot, maxAttempts: DELIVERY_ATTEMPTS });
  }
  return slots;
}

// ---- delivering (the sendConfirmedLetter job) ----

/** The Message-ID of one delivery: the same on every attempt, so a repeat after a crash is recognisably the same message. */
export function deliveryMessageId(core: Core, deliveryId: number): string {
  const host = core.config.baseUrl ? new URL(core.config.baseUrl).hostname : 'lantern.invalid';
  return `<letter.${deliveryId}.${core.keyring.sign('letter-message-id', String(deliveryId)).slice(0, 16)}@${host}>`;
}

/**
 * Sends one letter to one recipient, once: a delivery no longer waiting is skipped, and the outcome is committed
 * right after the send, so a crash between the two repeats at most this one message (with the same Message-ID).
 * A refusal with 5xx marks the delivery failed with the server's words for staff; any other failure is thrown for
 * the job to retry with backoff, and on the last attempt the delivery is marked failed too. When the letter's last
 * delivery is done, the letter is marked sent and its writer gets a copy.
 */
export async function deliverLetter(
  core: Core,
  deliveryId: number,
  o: { lastAttempt: boolean; now?: number },
): Promise<'sent' | 'failed' | 'skipped' | 'early'> {
  const now = o.now ?? Date.now();
  const d = await findDelivery(core.db, deliveryId);
  if (!d || d.status !== 'waiting') return 'skipped';
  if (d.not_before > now + 1_000) {
    // Run too soon (a retry by staff racing a slot): come back at the slot.
    await core.queue.enqueue(core.db, 'sendConfirmedLetter', { deliveryId }, { runAt: d.not_before, maxAttempts: DELIVERY_ATTEMPTS });
    return 'early';
  }
  const row = await findLetter(core.db, Number(d.letter_id));
  const action = row ? await getLetterAction(core.db, { id: Number(row.action_id) }) : undefined;
  if (!row || !action || (row.status !== 'queued' && row.status !== 'sent')) {
    await updateDeliveryIf(core.db, deliveryId, 'waiting', { status: 'failed', error: 'The letter was withdrawn before it was sent.' });
    return 'failed';
  }
  const letter = rowToLetter(core, row);
  const site = await getSiteSettings(core.db);
  const text = composeLetter({
    recipient: { greeting: `Dear ${d.recipient_name},` },
    letter,
    orgName: site.orgName,
    actionTitle: action.title,
    forMp: action.kind === 'letter_mp',
  });
  try {
    // Plain text only: the writer's words are never HTML, whatever they typed.
    await core.mailer.deliver({
      to: d.recipient_email,
      replyTo: letter.email,
      subject: letter.subject,
      text,
      html: '',
      messageId: deliveryMessageId(core, deliveryId),
    });
  } catch (err) {
    if (err instanceof PermanentJobError || o.lastAttempt) {
      await finishDelivery(core, action, d, { status: 'failed', error: (err as Error).message.slice(0, 500) }, now);
      return 'failed';
    }
    throw err;
  }
  await finishDelivery(core, action, d, { status: 'sent' }, Date.now());
  return 'sent';
}

/** Records a delivery's outcome and, when it was the letter's last, marks the letter sent and queues the writer's copy. */
async function finishDelivery(
  core: Core,
  action: LetterAction,
  d: DeliveryRow,
  outcome: { status: 'sent' } | { status: 'failed'; error: string },
  now: number,
): Promise<void> {
  const site = await getSiteSettings(core.db);
  await core.db.transaction().execute(async (trx) => {
    // The letter's row is the lock that orders its deliveries' last steps, so exactly one of them sees the end.
    const row = await lockLetter(trx, Number(d.letter_id));
    const set =
      outcome.status === 'sent'
        ? { status: 'sent' as const, sent_at: now, error: null }
        : { status: 'failed' as const, error: outcome.error };
    await updateDeliveryIf(trx, Number(d.id), 'waiting', set);
    if (!row || row.status !== 'queued') return;
    const all = await listDeliveriesOf(trx, Number(row.id));
    if (all.some((x) => x.status === 'waiting')) return;
    const sent = all.filter((x) => x.status === 'sent');
    // Nothing went (every recipient refused): the letter stays queued, and staff see the failures with a retry button.
    if (sent.length === 0) return;
    const done = await updateLetterIf(trx, Number(row.id), ['queued'], {
      status: 'sent',
      sent_at: now,
      followup_at: action.kind === 'letter_mp' ? now + FOLLOWUP_AFTER_MS : null,
    });
    if (!done) return;
    const letter = rowToLetter(core, row);
    const text = composeLetter({
      recipient: { greeting: `Dear ${sent[0]!.recipient_name},` },
      letter,
      orgName: site.orgName,
      actionTitle: action.title,
      forMp: action.kind === 'letter_mp',
    });
    const mail = letterCopyEmail({
      orgName: site.orgName,
      actionTitle: action.title,
      recipients: sent.map((x) => x.recipient_name),
      subject: letter.subject,
      text,
      forMp: action.kind === 'letter_mp',
    });
    await core.mailer.enqueue(trx, { ...mail, to: letter.email }, { uniqueKey: `letter-copy:${row.id}` });
  });
}

// ---- "did your MP reply?" ----

export const REPLY_ANSWERS = ['yes', 'no', 'not_yet'] as const;
export type ReplyAnswer = (typeof REPLY_ANSWERS)[number];

/** The signed token of a letter's reply links (the letter's id with an HMAC, so ids cannot be enumerated). */
export function replyToken(core: Core, letterId: number): string {
  return `${letterId}.${core.keyring.sign('letter-reply', String(letterId)).slice(0, 32)}`;
}

/** The letter a reply token stands for, or null when it was not signed here. */
export function verifyReplyToken(core: Core, token: string): number | null {
  const m = /^(\d{1,12})\.([A-Za-z0-9_-]{32})$/.exec(token);
  if (!m) return null;
  return safeEqual(core.keyring.sign('letter-reply', m[1]!).slice(0, 32), m[2]!) ? Number(m[1]) : null;
}

/**
 * Asks every writer whose letter to an MP went FOLLOWUP_AFTER_MS ago whether the MP replied (one email each, with
 * signed links). Idempotent: a letter's follow-up time is cleared in the transaction that queues its email, so a
 * second run, or a second worker, asks nobody twice. Returns how many were asked.
 */
export async function askWhetherMpsReplied(core: Core, now = Date.now()): Promise<number> {
  const site = await getSiteSettings(core.db);
  let asked = 0;
  for (;;) {
    const due = await lettersDueForFollowup(core.db, now, 200);
    if (due.length === 0) return asked;
    for (const row of due) {
      await core.db.transaction().execute(async (trx) => {
        if (!(await takeFollowup(trx, Number(row.id), Number(row.followup_at)))) return;
        const letter = rowToLetter(core, row);
        if (await isSuppressed(trx, core.keyring, letter.email)) return;
        const mp = (await listDeliveriesOf(trx, Number(row.id))).find((x) => x.status === 'sent');
        const action = await getLetterAction(trx, { id: Number(row.action_id) });
        const base = `${core.config.baseUrl}/letter/reply/${replyToken(core, Number(row.id))}`;
        const mail = followupEmail({
          orgName: site.orgName,
          actionTitle: action?.title ?? 'our campaign',
          mpName: mp?.recipient_name ?? 'your MP',
          sentAt: Number(row.sent_at ?? now),
          timeZone: site.timeZone,
          links: { yes: `${base}/yes`, no: `${base}/no`, not_yet: `${base}/not_yet` },
        });
        await core.mailer.enqueue(trx, { ...mail, to: letter.email });
        asked++;
      });
    }
  }
}

/** What a reply link shows: the MP's name and the answer already given, or nothing for a bad link. */
export async function replyLink(
  core: Core,
  token: string,
): Promise<{ mpName: string; reply: string | null; actionTitle: string } | undefined> {
  const id = verifyReplyToken(core, token);
  if (id === null) return undefined;
  const row = await findLetter(core.db, id);
  if (!row || row.status !== 'sent') return undefined;
  const mp = (await listDeliveriesOf(core.db, id)).find((x) => x.status === 'sent');
  const action = await getLetterAction(core.db, { id: Number(row.action_id) });
  return { mpName: mp?.recipient_name ?? 'your MP', reply: row.reply, actionTitle: action?.title ?? '' };
}

/** Records the answer to "did your MP reply?" (it may change: "not yet" becomes "yes"); false for a bad link. */
export async function recordReply(core: Core, token: string, answer: ReplyAnswer, now = Date.now()): Promise<boolean> {
  const id = verifyReplyToken(core, token);
  if (id === null) return false;
  return setLetterReply(core.db, id, answer, now);
}

/** One MP's figures, or one party's. */
export interface ReplyFigures {
  sent: number;
  asked: number;
  yes: number;
  no: number;
  notYet: number;
}

/** The response figures of an action: per MP (name, party, constituency key) and per party, most letters first. */
export async function mpResponseFigures(
  db: Db,
  actionId: number,
): Promise<{
  perMp: Array<ReplyFigures & { key: string; name: string; party: string }>;
  perParty: Array<ReplyFigures & { party: string; mps: number }>;
}> {
  const rows = await replyFiguresPerRecipient(db, actionId);
  const perMp = rows
    .map((r) => ({
      key: r.recipient_key,
      name: String(r.name ?? ''),
      party: String(r.party ?? 'Unknown'),
      sent: Number(r.sent),
      asked: Number(r.asked),
      yes: Number(r.yes),
      no: Number(r.no),
      notYet: Number(r.not_yet),
    }))
    .sort((a, b) => b.sent - a.sent || a.name.localeCompare(b.name));
  const parties = new Map<string, ReplyFigures & { party: string; mps: number }>();
  for (const m of perMp) {
    const p = parties.get(m.party) ?? { party: m.party, mps: 0, sent: 0, asked: 0, yes: 0, no: 0, notYet: 0 };
    p.mps++;
    p.sent += m.sent;
    p.asked += m.asked;
    p.yes += m.yes;
    p.no += m.no;
    p.notYet += m.notYet;
    parties.set(m.party, p);
  }
  return { perMp, perParty: [...parties.values()].sort((a, b) => b.sent - a.sent || a.party.localeCompare(b.party)) };
}

// ---- moderation (staff) ----

/** The moderation page's data: letters held, the counts per state, deliveries (waiting, sent, failed) and the failures. */
export async function moderationOverview(core: Core, actionId: number) {
  const [held, counts, deliveries, failed] = await Promise.all([
    listHeldLetters(core.db, actionId, 200),
    countLettersByStatus(core.db, actionId),
    deliverySummary(core.db, actionId),
    listFailedDeliveries(core.db, actionId, 100),
  ]);
  return {
    held: held.map((r) => rowToLetter(core, r)),
    counts: Object.fromEntries(counts) as Partial<Record<LetterStatus, number>>,
    deliveries,
    failed: failed.map((f) => ({
      id: Number(f.id),
      letterId: Number(f.letter_id),
      recipient: f.recipient_name,
      error: f.error ?? '',
      at: Number(f.created_at),
    })),
  };
}

/** One letter of an action for staff, with its deliveries; undefined when it is not this action's. */
export async function letterForStaff(core: Core, actionId: number, letterId: number) {
  const row = await findLetter(core.db, letterId);
  if (!row || Number(row.action_id) !== actionId || row.status === 'unconfirmed') return undefined;
  const deliveries = (await listDeliveriesOf(core.db, letterId)).map((d) => ({
    id: Number(d.id),
    recipient: d.recipient_name,
    party: d.party,
    status: d.status,
    notBefore: Number(d.not_before),
    sentAt: d.sent_at === null ? null : Number(d.sent_at),
    error: d.error,
  }));
  return { letter: rowToLetter(core, row), deliveries };
}

export const RejectSchema = z.object({ reason: text('the reason, which the writer will read', { max: 1_000 }) });

/** Approves a held letter: it goes now, under the pace limit. Throws DomainError('conflict') if already dealt with. */
export async function approveLetter(core: Core, staffId: number, actionId: number, letterId: number, now = Date.now()): Promise<void> {
  // The MP is found before the transaction (see confirmLetter); a held letter's constituency no longer changes.
  const mp = await mpOfLetter(core, (await findLetter(core.db, letterId))?.constituency_code ?? null);
  await core.db.transaction().execute(async (trx) => {
    const row = await lockLetter(trx, letterId);
    const action = await getLetterAction(trx, { id: actionId });
    if (!row || !action || Number(row.action_id) !== actionId) throw new DomainError('not_found', 'There is no such letter.');
    if (row.status !== 'held') throw new DomainError('conflict', 'This letter has already been dealt with.');
    await updateLetterIf(trx, letterId, ['held'], { status: 'queued', decided_at: now, decided_by: staffId });
    await createDeliveries(trx, core, action, row, row.constituency_code === mp.code ? mp.rep : undefined, now);
    await recordAudit(trx, { staffId, action: 'letter.approve', target: `letter ${letterId}`, details: { action: actionId } });
  });
}

/** Rejects a held letter with a reason its writer is emailed. Throws DomainError('conflict') if already dealt with. */
export async function rejectLetter(
  core: Core,
  staffId: number,
  actionId: number,
  letterId: number,
  reason: string,
  now = Date.now(),
): Promise<void> {
  const site = await getSiteSettings(core.db);
  await core.db.transaction().execute(async (trx) => {
    const row = await lockLetter(trx, letterId);
    const action = await getLetterAction(trx, { id: actionId });
    if (!row || !action || Number(row.action_id) !== actionId) throw new DomainError('not_found', 'There is no such letter.');
    if (row.status !== 'held') throw new DomainError('conflict', 'This letter has already been dealt with.');
    await updateLetterIf(trx, letterId, ['held'], { status: 'rejected', decided_at: now, decided_by: staffId });
    const letter = rowToLetter(core, row);
    const mail = letterRejectedEmail({
      orgName: site.orgName,
      actionTitle: action.title,
      reason,
      actionLink: `${core.config.baseUrl}/act/${action.slug}`,
      forMp: action.kind === 'letter_mp',
    });
    await core.mailer.enqueue(trx, { ...mail, to: letter.email });
    await recordAudit(trx, { staffId, action: 'letter.reject', target: `letter ${letterId}`, details: { action: actionId } });
  });
}

/** Tries a failed delivery again (staff), at once. Throws DomainError('conflict') unless it failed. */
export async function retryDelivery(core: Core, staffId: number, actionId: number, deliveryId: number, now = Date.now()): Promise<void> {
  await core.db.transaction().execute(async (trx) => {
    const d = await findDelivery(trx, deliveryId);
    if (!d || Number(d.action_id) !== actionId) throw new DomainError('not_found', 'There is no such delivery.');
    if (d.recipient_email === '')
      throw new DomainError('conflict', 'This recipient has no email address, so the letter cannot be sent again.');
    if (!(await updateDeliveryIf(trx, deliveryId, 'failed', { status: 'waiting', error: null, not_before: now })))
      throw new DomainError('conflict', 'This delivery is not a failed one.');
    await core.queue.enqueue(trx, 'sendConfirmedLetter', { deliveryId }, { runAt: now, maxAttempts: DELIVERY_ATTEMPTS });
    await recordAudit(trx, {
      staffId,
      action: 'letter.retry_delivery',
      target: `letter ${Number(d.letter_id)}`,
      details: { action: actionId, delivery: deliveryId },
    });
  });
}

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
  const header = [
    'letter',
    'status',
    'confirmed',
    'sent',
    'recipients',
    'constituency',
    'party',
    'mp_replied',
    'newsletter_consent',
    'email',
    'first_name',
    'last_name',
    'postcode',
  ];
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
  return { filename: `letters-${action.slug}-${new Date().toISOString().slice(0, 10)}.csv`, csv, rows: records.length };
}

// ---- retention ----

/** Deletes letters never confirmed within UNCONFIRMED_KEPT_MS, and expired confirmation links; returns how many letters. */
export async function deleteStaleUnconfirmedLetters(db: Db, now = Date.now()): Promise<number> {
  const n = await deleteUnconfirmedLettersBefore(db, now - UNCONFIRMED_KEPT_MS);
  await deleteExpiredLetterTokens(db, now);
  return n;
}

/**
 * A supporter's erasure reaches their letters: unconfirmed ones go; the rest keep their place in the figures with
 * every personal field emptied, and one not yet sent is withdrawn (its waiting deliveries then fail as withdrawn).
 */
export async function eraseLettersOf(core: Core, trx: DbOrTrx, subject: ErasureSubject): Promise<void> {
  const rows = await listLettersOfWriter(trx, subject);
  await deleteLetters(
    trx,
    rows.filter((r) => r.status === 'unconfirmed').map((r) => r.id),
  );
  const blank = core.keyring.encrypt('');
  for (const r of rows.filter((x) => x.status !== 'unconfirmed')) {
    await updateLetter(trx, r.id, {
      email_index: `erased:${newToken()}`,
      email_enc: blank,
      first_name_enc: blank,
      last_name_enc: blank,
      address_enc: null,
      postcode_enc: null,
      subject_enc: blank,
      body_enc: blank,
      supporter_id: null,
      opt_in: 0,
      followup_at: null,
      ...(r.status === 'held' || r.status === 'queued' ? { status: 'rejected' as const } : {}),
    });
  }
}

/** A supporter's letters, for their copy of their data (matched by record or address). */
export async function lettersFor(core: Core, db: DbOrTrx, subject: ErasureSubject): Promise<Record<string, unknown[]>> {
  const written = await listLettersOfWriterInFull(db, subject);
  const titles = await actionTitles(
    db,
    written.map((r) => Number(r.action_id)),
  );
  const rows = written.flatMap((r) => {
    const title = titles.get(Number(r.action_id));
    return title === undefined ? [] : [{ ...r, title }];
  });
  const k = core.keyring;
  const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());
  const recipients = await listRecipientsOfLetters(
    db,
    rows.map((r) => Number(r.id)),
  );
  return {
    letters: rows.map((r) => ({
      action: r.title,
      firstName: k.decrypt(r.first_name_enc),
      lastName: k.decrypt(r.last_name_enc),
      address: k.decryptNullable(r.address_enc),
      postcode: k.decryptNullable(r.postcode_enc),
      subject: k.decrypt(r.subject_enc),
      body: k.decrypt(r.body_enc),
      status: r.status,
      to: recipients.filter((d) => Number(d.letter_id) === Number(r.id)).map((d) => ({ name: d.recipient_name, status: d.status })),
      writtenAt: iso(r.created_at),
      sentAt: iso(r.sent_at),
      didTheyReply: r.reply,
    })),
  };
}
