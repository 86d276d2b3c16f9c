import { z } from 'zod';
import type { Core } from '../../core/context.js';
import type { DbOrTrx } from '../../core/db/index.js';
import { getSiteSettings } from '../../core/settings.js';
import { checkbox, email as emailField, multilineText, optionalMultilineText, optionalText, text } from '../../core/web/forms.js';
import type { Constituency } from '../../representatives/service.js';
import { recentFingerprints } from './queries.js';
import { countWords, fingerprint, highestResemblance, parseFingerprint } from './similarity.js';
import { COMPARE_WITH, CONTROL, MAX_LETTER_CHARS } from './limits.js';
import { type MpResolution, type Recipient, resolveMp, targetRecipients } from './recipients.js';
import { messageWords, type LetterAction, type MessageWords } from './settings.js';

// The stages of writing, each with its own schema (where the writer lives → their letter → a preview → send), the
// letter as it will be sent, and how closely it resembles the action's other letters.

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

function letterBodyField(minWords: number, words: MessageWords) {
  return z
    .unknown()
    .optional()
    .transform((v, ctx) => {
      const fail = (message: string) => {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      };
      if (typeof v !== 'string' || v.trim() === '') return fail(`Write your ${words.one}`);
      const s = v.replace(/\r\n?/g, '\n').trim();
      if (s.length > MAX_LETTER_CHARS) {
        return fail(
          `Your ${words.one} is too long: it must be ${MAX_LETTER_CHARS.toLocaleString('en-GB')} characters or fewer, and it has ${s.length.toLocaleString('en-GB')}. Short ${words.many} are read more closely.`,
        );
      }
      if (CONTROL.test(s)) return fail(`Your ${words.one} contains characters that are not allowed`);
      const count = countWords(s);
      if (count < minWords)
        return fail(`Your ${words.one} needs at least ${minWords} words; it has ${count}. Say in your own words why this matters to you.`);
      return s;
    });
}

/** What the supporter writes (stage 2), for this action: its minimum words, and a postal address for an MP. */
export function letterFormSchema(action: Pick<LetterAction, 'kind' | 'settings' | 'newsletterListId'>) {
  const forMp = action.kind === 'letter_mp';
  const address: z.ZodType<string | null> = forMp
    ? multilineText('your postal address', { max: 300 })
    : optionalMultilineText('your postal address', { max: 300 }).transform((v) => v ?? null);
  return z.object({
    subject: text(`a subject for your ${messageWords(action.kind).one}`, { max: 150 }),
    body: letterBodyField(action.settings.minWords, messageWords(action.kind)),
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
    `This ${o.forMp ? 'letter' : 'email'} was written by ${sig[0]}${o.forMp ? ', your constituent,' : ''} using ${o.orgName}'s website, as part of the campaign "${o.actionTitle}". ` +
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
