import type { Core, ErasureSubject } from '../../core/context.js';
import { newToken } from '../../core/crypto.js';
import type { Db, DbOrTrx } from '../../core/db/index.js';
import { actionTitles } from '../service.js';
import {
  deleteExpiredLetterTokens,
  deleteLetters,
  deleteUnconfirmedLettersBefore,
  listLettersOfWriter,
  listLettersOfWriterInFull,
  listRecipientsOfLetters,
  updateLetter,
} from './queries.js';
import { UNCONFIRMED_KEPT_MS } from './limits.js';

// Retention and a writer's rights: unconfirmed letters are deleted after a while, erasure removes personal fields
// (what was counted stays counted), and a writer's copy of their data includes their letters.

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
