import type { Core } from '../../core/context.js';
import type { DbOrTrx } from '../../core/db/index.js';
import type { LetterStatus } from './tables.js';
import { hoursToDays } from '../kinds.js';
import { findActionForKind, type KindReader } from '../service.js';
import { confirmedLettersPerHour, countConfirmedLettersOf, type LetterRow } from './queries.js';
import { type LetterAction, type LetterSettings, LetterSettingsSchema } from './settings.js';

// Reading letter actions (through the frame's service) and letters as their writers and staff see them, decrypted;
// and what the live counter and the admin chart count.

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
