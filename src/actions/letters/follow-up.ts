import type { Core } from '../../core/context.js';
import { safeEqual } from '../../core/crypto.js';
import type { Db } from '../../core/db/index.js';
import { getSiteSettings } from '../../core/settings.js';
import { isSuppressed } from '../../supporters/service.js';
import { followupEmail } from './emails.js';
import { findLetter, lettersDueForFollowup, listDeliveriesOf, replyFiguresPerRecipient, setLetterReply, takeFollowup } from './queries.js';
import { getLetterAction, rowToLetter } from './reading.js';

// "Did your MP reply?": the writer is asked fourteen days after their letter went, through a signed link; the
// answers add up to the MP response figures staff see.

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
