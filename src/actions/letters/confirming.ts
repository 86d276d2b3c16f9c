import { TOKEN_SHAPE } from '../../core/tokens.js';
import type { Core } from '../../core/context.js';
import { hashToken } from '../../core/crypto.js';
import { DomainError } from '../../core/web/errors.js';
import { recordConsent, upsertSupporter } from '../../supporters/service.js';
import { scheduleCountRefresh } from '../service.js';
import { findLetter, findLetterToken, lockLetter, updateLetterIf, useLetterToken } from './queries.js';
import { createDeliveries } from './delivering.js';
import { type Letter, getLetterAction, rowToLetter } from './reading.js';
import type { LetterAction } from './settings.js';
import { mpOfLetter, type Representative } from './recipients.js';
import { recipientsOf, similarityOf, tooSimilar } from './writing.js';

// Confirming: the link's button holds a near-copy for staff (or every letter, where the action moderates all) and
// queues the rest, one delivery per recipient; the counter is asked to recount.

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
