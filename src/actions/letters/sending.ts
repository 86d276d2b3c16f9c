import { PROOF_USED } from '../../core/tokens.js';
import type { Core } from '../../core/context.js';
import { hashToken, newToken } from '../../core/crypto.js';
import { isUniqueViolation } from '../../core/db/errors.js';
import { getSiteSettings } from '../../core/settings.js';
import { DomainError } from '../../core/web/errors.js';
import { spendProof } from '../../core/web/proof-of-work.js';
import { emailIndex, isSuppressed } from '../../supporters/service.js';
import { isTakingPart } from '../kinds.js';
import { alreadyWroteEmail, confirmLetterEmail } from './emails.js';
import { findLetterByEmailIndex, insertLetter, insertLetterToken, newestUsableLetterTokenAt, updateLetterIf } from './queries.js';
import { fingerprint } from './similarity.js';
import { CONFIRM_LETTER_MS, DAY, LETTER_EMAIL_GAP_MS } from './limits.js';
import { messageWords, type LetterAction } from './settings.js';
import { type LetterDraft, recipientsOf } from './writing.js';

// Sending (stage 4): the letter is stored encrypted and unconfirmed, and the confirmation link is emailed.

// ---- sending (stage 4): stored unconfirmed, confirmation emailed ----

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
  const words = messageWords(action.kind);
  const closed = `This action has closed, so ${words.many} can no longer be sent.`;
  if (!isTakingPart(action, o.now)) throw new DomainError('invalid', closed, { _form: closed });
  const to = await recipientsOf(core, action, { postcode: draft.postcode, constituency: draft.constituencyCode });
  if (!to.ok)
    throw new DomainError('invalid', `We could not find who this ${words.one} goes to. Please start again.`, {
      _form:
        action.kind === 'letter_mp'
          ? 'We could not find who this letter goes to. Please start again from your postcode.'
          : `We could not find who this ${words.one} goes to. Please start again.`,
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
          words,
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
        words,
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
